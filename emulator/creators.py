"""Resources moto's CloudFormation does not create, created through the service APIs from their resolved template properties.

Each creator takes the resource's properties as the template gives them (resolved) and returns what
``Ref`` and ``Fn::GetAtt`` give. A property a creator does not know fails loudly: the emulator
never drops part of a resource without saying so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

Clients = Callable[[str], Any]
Created = tuple[str, dict[str, Any]]


class UnknownProperty(Exception):  # noqa: N818
    """A template property the creator of its type does not pass on."""


def generated_name(stack: str, logical_id: str, limit: int = 64) -> str:
    """A physical name as CloudFormation makes one: the stack's name, the logical id, a suffix (here stable)."""
    suffix = hashlib.sha256(f"{stack}/{logical_id}".encode()).hexdigest()[:12].upper()
    return f"{stack}-{logical_id}"[: limit - 13] + f"-{suffix}"


def create(resource_type: str, logical_id: str, properties: Mapping[str, Any], stack: str, clients: Clients) -> Created:
    return _CREATORS[resource_type](logical_id, dict(properties), stack, clients)


def _take(properties: dict[str, Any], known: set[str], logical_id: str) -> dict[str, Any]:
    unknown = sorted(set(properties) - known)
    if unknown:
        raise UnknownProperty(f"{logical_id}: the emulator does not create properties {unknown} (it passes on {sorted(known)})")
    return properties


def _secret(logical_id: str, properties: dict[str, Any], stack: str, clients: Clients) -> Created:
    _take(properties, {"Name", "Description", "Tags", "KmsKeyId", "SecretString", "GenerateSecretString"}, logical_id)
    arguments = {key: properties[key] for key in ("Description", "Tags", "KmsKeyId", "SecretString") if key in properties}
    if "GenerateSecretString" in properties:
        generate = dict(properties["GenerateSecretString"])
        template, key = generate.pop("SecretStringTemplate", None), generate.pop("GenerateStringKey", None)
        password = clients("secretsmanager").get_random_password(**generate)["RandomPassword"]
        arguments["SecretString"] = json.dumps({**json.loads(template), key: password}) if template and key else password
    name = properties.get("Name") or generated_name(stack, logical_id)
    arn = clients("secretsmanager").create_secret(Name=name, **arguments)["ARN"]
    return arn, {"Id": arn}


def _alarm(logical_id: str, properties: dict[str, Any], stack: str, clients: Clients) -> Created:
    known = {
        "AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
        "ComparisonOperator", "DatapointsToAlarm", "Dimensions", "EvaluateLowSampleCountPercentile", "EvaluationPeriods",
        "ExtendedStatistic", "MetricName", "Metrics", "Namespace", "Period", "Statistic", "Threshold", "ThresholdMetricId",
        "TreatMissingData", "Unit", "Tags",
    }  # fmt: skip
    arguments = _take(properties, known, logical_id)
    arguments.setdefault("AlarmName", generated_name(stack, logical_id, 255))
    cloudwatch = clients("cloudwatch")
    cloudwatch.put_metric_alarm(**arguments)
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[arguments["AlarmName"]])["MetricAlarms"]
    return arguments["AlarmName"], {"Arn": alarm["AlarmArn"]}


def _schedule(logical_id: str, properties: dict[str, Any], stack: str, clients: Clients) -> Created:
    known = {
        "Name", "GroupName", "Description", "ScheduleExpression", "ScheduleExpressionTimezone", "StartDate", "EndDate",
        "FlexibleTimeWindow", "State", "KmsKeyArn", "Target",
    }  # fmt: skip
    arguments = _take(properties, known, logical_id)
    arguments.setdefault("Name", generated_name(stack, logical_id))
    arn = clients("scheduler").create_schedule(**arguments)["ScheduleArn"]
    return arguments["Name"], {"Arn": arn}


def _queue_policy(logical_id: str, properties: dict[str, Any], stack: str, clients: Clients) -> Created:
    _take(properties, {"PolicyDocument", "Queues"}, logical_id)
    for url in properties["Queues"]:
        clients("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(properties["PolicyDocument"])})
    return generated_name(stack, logical_id), {}


def _event_invoke_config(logical_id: str, properties: dict[str, Any], stack: str, clients: Clients) -> Created:
    known = {"FunctionName", "Qualifier", "MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"}
    arguments = _take(properties, known, logical_id)
    clients("lambda").put_function_event_invoke_config(**arguments)
    return f"{arguments['FunctionName']}:{arguments['Qualifier']}", {}


def _subscription(logical_id: str, properties: dict[str, Any], stack: str, clients: Clients) -> Created:
    known = {
        "TopicArn",
        "Protocol",
        "Endpoint",
        "RawMessageDelivery",
        "FilterPolicy",
        "FilterPolicyScope",
        "RedrivePolicy",
        "Region",
    }
    arguments = _take(properties, known, logical_id)
    attributes = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in arguments.items()
        if key in ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy")
    }
    arn = clients("sns").subscribe(
        TopicArn=arguments["TopicArn"],
        Protocol=arguments["Protocol"],
        Endpoint=arguments.get("Endpoint", ""),
        Attributes=attributes,
    )["SubscriptionArn"]
    return arn, {}


def _topic_policy(logical_id: str, properties: dict[str, Any], stack: str, clients: Clients) -> Created:
    _take(properties, {"PolicyDocument", "Topics"}, logical_id)
    for arn in properties["Topics"]:
        clients("sns").set_topic_attributes(
            TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(properties["PolicyDocument"])
        )
    return generated_name(stack, logical_id), {}


_CREATORS: dict[str, Callable[[str, dict[str, Any], str, Clients], Created]] = {
    "AWS::SecretsManager::Secret": _secret,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::Scheduler::Schedule": _schedule,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::Lambda::EventInvokeConfig": _event_invoke_config,
    "AWS::SNS::Subscription": _subscription,
    "AWS::SNS::TopicPolicy": _topic_policy,
}
