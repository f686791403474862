"""emulator.creators: resources moto's CloudFormation does not create, created through the service APIs (here fakes)."""

from __future__ import annotations

import json
import re

import pytest

from emulator import creators, standins
from emulator.creators import UnknownProperty, create, generated_name


class Recorder:
    """A fake boto3 client: records each call, answers from ``answers`` (method name -> response)."""

    def __init__(self, answers: dict | None = None, *, forbidden: bool = False) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.answers = answers or {}
        self.forbidden = forbidden

    def __getattr__(self, method: str):
        def call(**kwargs):
            if self.forbidden:
                raise AssertionError(f"the client was called: {method}({kwargs})")
            self.calls.append((method, kwargs))
            return self.answers.get(method, {})

        return call


def clients_of(**by_service: Recorder):
    def clients(service: str) -> Recorder:
        return by_service[service]

    return clients


# --------------------------------------------------------------------------- generated_name


def test_generated_name_is_stable_and_shaped_like_cloudformations():
    name = generated_name("BatchStack", "Alarm")
    assert name == generated_name("BatchStack", "Alarm")
    assert name.startswith("BatchStack-Alarm-")
    assert re.fullmatch(r"[0-9A-F]{12}", name.rsplit("-", 1)[1])


def test_generated_name_differs_per_logical_id_and_stack():
    names = {generated_name("S", "A"), generated_name("S", "B"), generated_name("T", "A")}
    assert len(names) == 3


@pytest.mark.parametrize("limit", [20, 64, 255])
def test_generated_name_respects_the_limit(limit):
    name = generated_name("S" * 100, "Logical" * 40, limit)
    assert len(name) == limit
    assert name.startswith(f"{'S' * 100}-{'Logical' * 40}"[: limit - 13])
    assert name.endswith(generated_name("S" * 100, "Logical" * 40)[-13:])


def test_generated_name_keeps_a_short_name_whole():
    assert generated_name("S", "L", 64)[:-13] == "S-L"


# --------------------------------------------------------------------------- unknown properties


@pytest.mark.parametrize("resource_type", sorted(creators._CREATORS))
def test_an_unknown_property_fails_before_any_call(resource_type):
    forbidden = Recorder(forbidden=True)

    def clients(service: str) -> Recorder:
        return forbidden

    with pytest.raises(UnknownProperty) as raised:
        create(resource_type, "MyLogical", {"NotAProperty": 1}, "S", clients)
    assert "MyLogical" in str(raised.value)
    assert "NotAProperty" in str(raised.value)


# --------------------------------------------------------------------------- alarm


def test_alarm_passes_properties_through_and_generates_its_name():
    # Properties: CloudFormation's AWS::CloudWatch::Alarm; PutMetricAlarm takes the same names.
    cloudwatch = Recorder({"describe_alarms": {"MetricAlarms": [{"AlarmArn": "arn:aws:cloudwatch:us-east-1:1:alarm:x"}]}})
    properties = {
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "MetricName": "FailedJobs",
        "Namespace": "Batch",
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "AlarmActions": ["arn:aws:sns:us-east-1:1:t"],
    }
    ref, attributes = create("AWS::CloudWatch::Alarm", "FailedAlarm", properties, "S", clients_of(cloudwatch=cloudwatch))
    name = generated_name("S", "FailedAlarm", 255)
    assert cloudwatch.calls[0] == ("put_metric_alarm", {**properties, "AlarmName": name})
    assert cloudwatch.calls[1] == ("describe_alarms", {"AlarmNames": [name]})
    assert (ref, attributes) == (name, {"Arn": "arn:aws:cloudwatch:us-east-1:1:alarm:x"})
    assert "AlarmName" not in properties


def test_alarm_keeps_a_given_name():
    cloudwatch = Recorder({"describe_alarms": {"MetricAlarms": [{"AlarmArn": "arn"}]}})
    ref, _ = create("AWS::CloudWatch::Alarm", "A", {"AlarmName": "mine"}, "S", clients_of(cloudwatch=cloudwatch))
    assert ref == "mine"
    assert cloudwatch.calls[0] == ("put_metric_alarm", {"AlarmName": "mine"})


# --------------------------------------------------------------------------- secret


def test_secret_generates_the_string_key_into_the_template():
    # GenerateSecretString: CloudFormation's AWS::SecretsManager::Secret; the rest goes to GetRandomPassword.
    secrets = Recorder({"get_random_password": {"RandomPassword": "p4ss"}, "create_secret": {"ARN": "arn:secret"}})
    properties = {
        "Description": "webhook",
        "GenerateSecretString": {
            "SecretStringTemplate": json.dumps({"url": "https://hooks.slack.com/x"}),
            "GenerateStringKey": "token",
            "ExcludePunctuation": True,
        },
    }
    ref, attributes = create("AWS::SecretsManager::Secret", "Webhook", properties, "S", clients_of(secretsmanager=secrets))
    assert secrets.calls[0] == ("get_random_password", {"ExcludePunctuation": True})
    method, arguments = secrets.calls[1]
    assert method == "create_secret"
    assert arguments["Name"] == generated_name("S", "Webhook")
    assert arguments["Description"] == "webhook"
    assert json.loads(arguments["SecretString"]) == {"url": "https://hooks.slack.com/x", "token": "p4ss"}
    assert (ref, attributes) == ("arn:secret", {"Id": "arn:secret"})
    assert "SecretStringTemplate" in properties["GenerateSecretString"]


def test_secret_without_a_template_is_the_password():
    secrets = Recorder({"get_random_password": {"RandomPassword": "p4ss"}, "create_secret": {"ARN": "arn:secret"}})
    create("AWS::SecretsManager::Secret", "W", {"Name": "n", "GenerateSecretString": {}}, "S", clients_of(secretsmanager=secrets))
    assert secrets.calls[1] == ("create_secret", {"Name": "n", "SecretString": "p4ss"})


# --------------------------------------------------------------------------- the set of creators


def test_the_creators_are_the_types_created_through_the_service_apis():
    assert set(creators._CREATORS) == set(standins.THROUGH_SERVICE_APIS)
