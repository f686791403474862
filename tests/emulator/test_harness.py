"""The emulator as one object: asynchronous invocations with their invoke config, events on the bus, and a clean exit."""

from __future__ import annotations

import json
import os
import socket
import sys
import textwrap
from urllib.parse import urlsplit

import pytest

from emulator.harness import Emulator
from emulator.wiring import WiringMismatch, check_deployed


def _template(asset: str) -> dict:
    """A function with an invoke config (2 retries, a DLQ destination), and a rule to a queue: the default app's pattern."""
    return {
        "Resources": {
            "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Events": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
            },
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, "S3Key": "fn.zip"},
                    "Handler": "fn.handler.handler",
                    "Runtime": "python3.14",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Environment": {"Variables": {"FAIL": "yes"}},
                },
                "Metadata": {"aws:asset:path": asset},
            },
            "Config": {
                "Type": "AWS::Lambda::EventInvokeConfig",
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "Qualifier": "$LATEST",
                    "MaximumRetryAttempts": 2,
                    "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}},
                },
            },
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {"source": ["aws.batch"], "detail": {"status": ["FAILED"]}},
                    "Targets": [{"Arn": {"Fn::GetAtt": ["Events", "Arn"]}, "Id": "Target0"}],
                },
            },
        }
    }


@pytest.fixture(scope="module")
def cdk_out(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("cdk.out")
    asset = tmp_path / "asset.fn"
    (asset / "fn").mkdir(parents=True)
    (asset / "fn" / "__init__.py").write_text("")
    body = """
        import os

        def handler(event, context):
            if os.environ.get("FAIL"):
                raise RuntimeError("told to fail")
            return event
        """
    (asset / "fn" / "handler.py").write_text(textwrap.dedent(body))
    return tmp_path


# First, before the module's emulator starts: two at once would share moto's in-process backends.
def test_on_exit_nothing_listens_and_the_process_has_its_environment_and_stdout_back(cdk_out):
    environ, stdout = os.environ, sys.stdout
    with Emulator.start(cdk_out, "Stack", _template("asset.fn")) as emulator:
        endpoints = [urlsplit(emulator.server.endpoint_url), urlsplit(emulator.slack.url)]
        assert os.environ is not environ
    assert os.environ is environ and sys.stdout is stdout
    for parts in endpoints:
        with pytest.raises(ConnectionRefusedError), socket.create_connection((parts.hostname, parts.port), timeout=1):
            pass


@pytest.fixture(scope="module")
def emulator(cdk_out):
    with Emulator.start(cdk_out, "Stack", _template("asset.fn")) as emulator:
        yield emulator


def test_an_async_invocation_is_retried_as_configured_then_recorded_at_its_destination(emulator):
    function = emulator.deployment.functions["Fn"]
    invocation = emulator.invoke_async(function.arn, {"parameters": {}})
    assert invocation.error == "RuntimeError: told to fail"
    assert len(function.invocations) == 3  # the first try and MaximumRetryAttempts 2
    (message,) = emulator.clients("sqs").receive_message(QueueUrl=emulator.deployment.ref("Dlq"))["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"parameters": {}}
    assert emulator.dead_letter_queues() == ["Dlq"]


def test_an_event_on_the_default_bus_reaches_the_rules_queue_only_when_the_pattern_matches(emulator):
    for status in ("SUCCEEDED", "FAILED"):
        emulator.put_event({"source": "aws.batch", "detail-type": "Batch Job State Change", "detail": {"status": status}})
    assert emulator.queue_depths()["Events"] == 1


def test_what_moto_holds_is_compared_with_the_template_after_deploying(emulator):
    # moto silently drops a property it cannot resolve: the deployment's check is what notices.
    name = emulator.deployment.ref("Fn")
    lam = emulator.clients("lambda")
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {}})
    try:
        with pytest.raises(
            WiringMismatch, match=r"^Fn: Environment: the template gives \{'FAIL': 'yes'\}, the emulator holds \{\}$"
        ):
            check_deployed(emulator.deployment, emulator.clients)
    finally:
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"FAIL": "yes"}})
    check_deployed(emulator.deployment, emulator.clients)
    events = emulator.clients("events")
    events.disable_rule(Name=emulator.deployment.ref("Rule"))
    try:
        with pytest.raises(WiringMismatch, match=r"^Rule: State: the template gives 'ENABLED', the emulator holds 'DISABLED'$"):
            check_deployed(emulator.deployment, emulator.clients)
    finally:
        events.enable_rule(Name=emulator.deployment.ref("Rule"))
