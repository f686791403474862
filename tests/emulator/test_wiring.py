"""Deliberate breakages of the synthesized template: the scenario must fail, naming what broke.

Each mutates the default app's template in memory, deploys it into a fresh emulator and runs the
scenario (without batchctl). A third test shows the deployment's own check: a property moto drops.
"""

from __future__ import annotations

import copy

import pytest

from emulator import scenario
from emulator.harness import Emulator
from emulator.wiring import WiringMismatch, _same


def _resource(template: dict, resource_type: str, under: str) -> dict:
    (resource,) = [r for k, r in template["Resources"].items() if r["Type"] == resource_type and k.startswith(under)]
    return resource


def _run_broken(default_app, template: dict) -> list[str]:
    with Emulator.start(default_app.outdir, default_app.stack.stack_name, template) as emulator:
        outcome = scenario.run(emulator, with_batchctl=False, hold_seconds=0)
        return scenario.problems(outcome, emulator)


def test_a_queue_missing_from_the_notifier_rules_pattern_fails_naming_the_rule_and_the_queue(default_app):
    template = copy.deepcopy(default_app.template_json)
    rule = _resource(template, "AWS::Events::Rule", "NotifierRule")
    (failures,) = [
        branch for branch in rule["Properties"]["EventPattern"]["$or"] if branch["detail-type"] == ["Batch Job State Change"]
    ]
    queues = failures["detail"]["jobQueue"]
    (spot,) = [q for q in queues if q["Fn::GetAtt"][0].startswith("ClusterSpotJobQueue")]
    queues.remove(spot)

    found = _run_broken(default_app, template)

    (problem,) = [p for p in found if p.startswith("Slack received no message")]
    assert "rule NotifierRule" in problem and "pattern does not match its event" in problem
    assert "detail.jobQueue arn:aws:batch:us-east-1:123456789012:job-queue/go-active-learning-spot" in problem


def test_a_renamed_webhook_variable_fails_naming_the_variable_and_the_dead_letters(default_app):
    template = copy.deepcopy(default_app.template_json)
    variables = _resource(template, "AWS::Lambda::Function", "NotifierFunction")["Properties"]["Environment"]["Variables"]
    variables["SLACK_WEBHOOK_SECRET"] = variables.pop("WEBHOOK_SECRET_ID")

    found = _run_broken(default_app, template)

    (problem,) = [p for p in found if p.startswith("Slack received no message")]
    assert "the notifier function failed 5 time(s): WebhookSecretError: WEBHOOK_SECRET_ID is not set" in problem
    assert any(p.startswith("dead-letter queue NotifierDeadLetterQueue") and "holds 1 message" in p for p in found)


def test_a_mismatch_names_the_resource_the_property_and_both_values():
    with pytest.raises(WiringMismatch, match=r"^Fn: Environment: the template gives \{'A': '1'\}, the emulator holds \{\}$"):
        _same("Fn", "Environment", {"A": "1"}, {})
    _same("Fn", "Environment", {"A": "1"}, {"A": "1"})
