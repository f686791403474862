"""Acknowledging cdk-nag findings, one finding and one resource at a time."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge one finding on one construct (and what it contains).

    ``finding`` names the exact finding, ``RuleId[Finding]`` where the rule has
    findings (``AwsSolutions-IAM5[Resource::*]``), so that a new, different
    finding on the same resource still fails synth. ``reason`` says why this
    resource is fine as it is.
    """
    Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))
