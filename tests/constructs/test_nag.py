"""Acknowledging one cdk-nag finding on one resource, and naming a resource as cdk-nag does."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Aws, Fn, Stack, Validations
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from batch_stack.nag import acknowledge, finding_resource


def test_intrinsics_are_flattened_as_in_a_finding_id():
    stack = Stack(App(), "Jobs")
    queue = sqs.Queue(stack, "Queue")
    logical_id = stack.get_logical_id(queue.node.default_child)
    assert finding_resource(stack, queue.queue_arn) == f"<{logical_id}.Arn>"
    assert finding_resource(stack, queue.queue_url) == f"<{logical_id}>"
    arn = stack.format_arn(service="batch", resource="job-definition", resource_name="nightly:*")
    assert finding_resource(stack, arn) == "arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition/nightly:*"
    assert finding_resource(stack, Fn.join("-", [Aws.REGION, "x"])) == "<AWS::Region>-x"


def test_a_concrete_environment_gives_literal_values():
    stack = Stack(App(), "Jobs", env={"account": "123456789012", "region": "ap-northeast-1"})
    arn = stack.format_arn(service="batch", resource="job-definition", resource_name="nightly:*")
    assert finding_resource(stack, arn) == "arn:<AWS::Partition>:batch:ap-northeast-1:123456789012:job-definition/nightly:*"


def nagged_queue(tmp_path, *, finding: str | None):
    app = App(outdir=str(tmp_path))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    queue = sqs.Queue(Stack(app, "Jobs"), "Queue", enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED)
    if finding:
        acknowledge(queue, finding, "It is a dead-letter queue itself.")
    return app


def test_without_an_acknowledgement_the_finding_fails_synth(tmp_path):
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        nagged_queue(tmp_path, finding=None).synth()
    assert "AwsSolutions-SQS3" in (tmp_path / "validation-report.json").read_text()


def test_an_acknowledged_finding_passes_with_its_reason(tmp_path):
    nagged_queue(tmp_path, finding="AwsSolutions-SQS3").synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])] == []


def test_acknowledging_another_finding_does_not_hide_this_one(tmp_path):
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        nagged_queue(tmp_path, finding="AwsSolutions-SQS4").synth()
