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


def finding_resource(scope: IConstruct, value: str) -> str:
    """A resource (an ARN, possibly with tokens) as cdk-nag writes it in a finding's id.

    cdk-nag flattens intrinsics: ``{"Ref": "X"}`` becomes ``<X>``, ``{"Fn::GetAtt": ["X", "Arn"]}``
    becomes ``<X.Arn>`` and ``Fn::Join`` is joined, so an env-agnostic job-definition ARN reads
    ``arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition/name:*`` while a
    stack with an explicit account and region gets the literal values.
    """
    from aws_cdk import Stack

    return _flatten(Stack.of(scope).resolve(value))


def _flatten(node: object) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, dict) and "Ref" in node:
        return f"<{node['Ref']}>"
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        resource, attribute = node["Fn::GetAtt"]
        return f"<{resource}.{attribute}>"
    if isinstance(node, dict) and "Fn::Join" in node:
        separator, parts = node["Fn::Join"]
        return separator.join(_flatten(part) for part in parts)
    raise ValueError(f"cannot name {node!r} as cdk-nag does")
