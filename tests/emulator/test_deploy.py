"""The deployment's order (secret first, dashboard last), its two CloudFormation passes, and its loud failures."""

from __future__ import annotations

import json

import pytest

from emulator.deploy import DeployFailed, _groups, deploy
from emulator.intrinsics import Resolver
from emulator.server import MotoServer

#: A stack with each of the four groups: what the default app has (secret -> function, queue <- alarm <- dashboard).
TEMPLATE = {
    "Resources": {
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Description": "webhook"}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60}},
        "Alarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": "stack-queue-age",
                "ComparisonOperator": "GreaterThanThreshold",
                "EvaluationPeriods": 1,
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Namespace": "AWS/SQS",
                "Period": 60,
                "Statistic": "Maximum",
                "Threshold": 600,
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["Queue", "QueueName"]}}],
            },
        },
        "Dashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": "stack-dashboard",
                "DashboardBody": {
                    "Fn::Join": [
                        "",
                        ['{"widgets":[{"type":"alarm","properties":{"alarms":["', {"Fn::GetAtt": ["Alarm", "Arn"]}, '"]}}]}'],
                    ]
                },
            },
        },
    },
    "Outputs": {
        "SecretArn": {"Value": {"Ref": "Secret"}},
        "QueueUrl": {"Value": {"Ref": "Queue"}},
        "Region": {"Value": {"Fn::Sub": "${AWS::Region}"}},
    },
}


def test_the_groups_follow_the_dependencies():
    groups = _groups(TEMPLATE["Resources"], Resolver(pseudo={"AWS::Region": "us-east-1"}))
    assert (groups.before, groups.first, groups.after, groups.last) == (["Secret"], ["Queue"], ["Alarm"], ["Dashboard"])


def test_a_reference_to_a_resource_that_is_not_there_fails_before_anything_is_created():
    resources = {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Missing"}}}}
    with pytest.raises(DeployFailed, match=r"not in the template or were skipped: \['Queue -> Missing'\]"):
        _groups(resources, Resolver(pseudo={}))


def test_the_stack_is_created_then_updated_with_the_dashboard_and_every_output_resolves(tmp_path):
    with MotoServer() as server:
        deployment = deploy(server, tmp_path, "Stack", TEMPLATE)
        assert deployment.created_by == {
            "Secret": "service API",
            "Queue": "cloudformation",
            "Alarm": "service API",
            "Dashboard": "cloudformation",
        }
        queue_url = deployment.ref("Queue")
        assert deployment.outputs == {"SecretArn": deployment.ref("Secret"), "QueueUrl": queue_url, "Region": "us-east-1"}
        (stack,) = server.client("cloudformation").describe_stacks(StackName="Stack")["Stacks"]
        assert {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]} == deployment.outputs
        body = json.loads(server.client("cloudwatch").get_dashboard(DashboardName="stack-dashboard")["DashboardBody"])
        assert body["widgets"][0]["properties"]["alarms"] == [deployment.attribute("Alarm", "Arn")]
        (alarm,) = server.client("cloudwatch").describe_alarms(AlarmNames=["stack-queue-age"])["MetricAlarms"]
        assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": queue_url.rsplit("/", 1)[-1]}]


def test_a_condition_or_a_function_the_emulator_does_not_resolve_fails_naming_it(tmp_path):
    with_condition = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Condition": "IsProd", "Properties": {}}}}
    with_if = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": {"Fn::If": ["IsProd", 1, 0]}}}}}
    with MotoServer() as server:
        with pytest.raises(DeployFailed, match="Queue: Condition 'IsProd': the emulator does not evaluate conditions"):
            deploy(server, tmp_path, "Stack", with_condition)
        with pytest.raises(
            DeployFailed, match=r"Q\.Properties\.DelaySeconds\.Fn::If: Fn::If is not a function the emulator resolves"
        ):
            deploy(server, tmp_path, "Other", with_if)


def test_a_property_the_emulator_would_drop_fails_the_deployment(tmp_path):
    template = {"Resources": {"Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"ReplicaRegions": []}}}}
    with (
        MotoServer() as server,
        pytest.raises(DeployFailed, match=r"Secret: the emulator does not create properties \['ReplicaRegions'\]"),
    ):
        deploy(server, tmp_path, "Stack", template)


#: The rule the CDK puts in every template (its default synthesizer), as the default app's template has it.
BOOTSTRAP_RULE = {
    "Parameters": {
        "BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}
    },
    "Rules": {
        "CheckBootstrapVersion": {
            "Assertions": [
                {
                    "Assert": {"Fn::Not": [{"Fn::Contains": [["1", "2", "3", "4", "5"], {"Ref": "BootstrapVersion"}]}]},
                    "AssertDescription": "CDK bootstrap stack version 6 required.",
                }
            ]
        }
    },
}


def test_the_bootstrap_version_rule_is_checked_against_the_parameter_cdk_bootstrap_wrote(tmp_path):
    template = {**BOOTSTRAP_RULE, "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
    with MotoServer() as server:
        assert deploy(server, tmp_path, "Stack", template).created_by == {"Queue": "cloudformation"}
        old = {**template, "Parameters": {"BootstrapVersion": {"Type": "String", "Default": "5"}}}
        with pytest.raises(DeployFailed, match=r"^Rules\.CheckBootstrapVersion: CDK bootstrap stack version 6 required\.$"):
            deploy(server, tmp_path, "Old", old)
