"""emulator.schedules: a deployed schedule's input delivered to its target, placeholders filled in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import boto3
import pytest

from emulator.runtime import Invocation
from emulator.schedules import fill, fire, placeholders, scheduled_times, universal_request

SCHEDULE_ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly"
# Scheduler's documented universal target ARN: arn:aws:scheduler:::aws-sdk:<service>:<apiAction>.
SUBMIT_JOB = "arn:aws:scheduler:::aws-sdk:batch:submitJob"


@pytest.fixture(scope="module")
def batch():
    """A real boto3 Batch client, only for botocore's batch service model (it sends nothing: the endpoint is closed)."""
    return boto3.client("batch", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")


# --------------------------------------------------------------------------- placeholders, fill


def test_placeholders_give_the_time_in_utc_iso_8601_with_z():
    values = placeholders(datetime(2026, 12, 1, 18, 0, 5, 123456, tzinfo=UTC), SCHEDULE_ARN, attempt=2)
    assert values["<aws.scheduler.scheduled-time>"] == "2026-12-01T18:00:05Z"
    assert values["<aws.scheduler.schedule-arn>"] == SCHEDULE_ARN
    assert values["<aws.scheduler.attempt-number>"] == "2"
    assert len(values["<aws.scheduler.execution-id>"]) >= 32


def test_placeholders_convert_an_aware_time_to_utc():
    paris_winter = timezone(timedelta(hours=1))
    values = placeholders(datetime(2026, 12, 1, 19, 0, tzinfo=paris_winter), SCHEDULE_ARN)
    assert values["<aws.scheduler.scheduled-time>"] == "2026-12-01T18:00:00Z"


def test_execution_ids_differ_per_firing():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    first = placeholders(at, SCHEDULE_ARN)["<aws.scheduler.execution-id>"]
    assert first != placeholders(at, SCHEDULE_ARN)["<aws.scheduler.execution-id>"]


def test_fill_replaces_every_occurrence():
    text = '{"a": "<aws.scheduler.scheduled-time>", "b": "<aws.scheduler.scheduled-time>/<aws.scheduler.attempt-number>"}'
    filled = fill(text, {"<aws.scheduler.scheduled-time>": "T", "<aws.scheduler.attempt-number>": "1"})
    assert json.loads(filled) == {"a": "T", "b": "T/1"}


# --------------------------------------------------------------------------- universal_request


def test_universal_request_matches_names_to_the_api_model(batch):
    request = {"JobName": "train", "JobQueue": "q", "JobDefinition": "d", "Parameters": {"Arg2": "x"}}
    assert universal_request(lambda service: batch, SUBMIT_JOB, request) == (
        "batch",
        "SubmitJob",
        {"jobName": "train", "jobQueue": "q", "jobDefinition": "d", "parameters": {"Arg2": "x"}},
    )


def test_universal_request_matches_nested_structures_and_lists(batch):
    # botocore's batch model: containerOverrides.environment is a list of KeyValuePair {name, value}.
    request = {
        "JobName": "j",
        "JobQueue": "q",
        "JobDefinition": "d",
        "ContainerOverrides": {"Environment": [{"Name": "A", "Value": "1"}]},
    }
    _, _, matched = universal_request(lambda service: batch, SUBMIT_JOB, request)
    assert matched["containerOverrides"] == {"environment": [{"name": "A", "value": "1"}]}


def test_universal_request_rejects_an_unknown_key(batch):
    with pytest.raises(ValueError, match="'JobColour'"):
        universal_request(lambda service: batch, SUBMIT_JOB, {"JobName": "j", "JobColour": "red"})


def test_universal_request_rejects_an_unknown_action(batch):
    with pytest.raises(ValueError, match="batch has no operation launchRocket"):
        universal_request(lambda service: batch, "arn:aws:scheduler:::aws-sdk:batch:launchRocket", {})


# --------------------------------------------------------------------------- fire


class Scheduler:
    def __init__(self, target: dict) -> None:
        self.target = target
        self.asked: list[str] = []

    def get_schedule(self, Name: str, GroupName: str = "default") -> dict:  # noqa: N803 (boto3's names)
        self.asked.append(Name if GroupName == "default" else f"{GroupName}/{Name}")
        return {"Name": Name, "Arn": SCHEDULE_ARN, "Target": self.target, "State": getattr(self, "state", "ENABLED")}


def test_fire_invokes_a_function_target_with_the_filled_payload():
    function_arn = "arn:aws:lambda:us-east-1:123456789012:function:submit"
    target = {"Arn": function_arn, "Input": json.dumps({"time": "<aws.scheduler.scheduled-time>", "n": 1})}
    scheduler = Scheduler(target)
    invoked = []

    def invoke(arn, payload):
        invoked.append((arn, payload))
        return Invocation(arn, payload, error="Boom: no")

    at = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    firing = fire(lambda service: {"scheduler": scheduler}[service], "nightly", at, invoke)
    assert scheduler.asked == ["nightly"]
    assert invoked == [(function_arn, {"time": "2026-12-01T18:00:00Z", "n": 1})]
    assert firing.input == {"time": "2026-12-01T18:00:00Z", "n": 1}
    assert firing.target == function_arn
    assert firing.invocation is not None and firing.invocation.function == function_arn
    assert firing.error == "Boom: no"


def test_fire_calls_a_universal_targets_api(batch):
    submitted = []

    def submit_job(**request):
        submitted.append(request)
        return {"jobId": "j-1"}

    # meta as boto3 clients have it: method_to_api_mapping and the service model (botocore's batch model).
    fake_batch = SimpleNamespace(
        meta=SimpleNamespace(method_to_api_mapping={"submit_job": "SubmitJob"}, service_model=batch.meta.service_model),
        submit_job=submit_job,
    )
    request = {"JobName": "j", "JobQueue": "q", "JobDefinition": "d", "Parameters": {"t": "<aws.scheduler.scheduled-time>"}}
    target = {"Arn": SUBMIT_JOB, "Input": json.dumps(request)}
    services = {"scheduler": Scheduler(target), "batch": fake_batch}

    def invoke(arn, payload):
        raise AssertionError("a universal target runs no function")

    firing = fire(services.__getitem__, "nightly", datetime(2026, 12, 1, 18, 0, tzinfo=UTC), invoke)
    assert submitted == [{"jobName": "j", "jobQueue": "q", "jobDefinition": "d", "parameters": {"t": "2026-12-01T18:00:00Z"}}]
    assert firing.response == {"jobId": "j-1"}
    assert firing.error is None
    assert firing.invocation is None


def test_fire_records_a_failed_api_call(batch):
    def submit_job(**request):
        raise RuntimeError("queue is disabled")

    fake_batch = SimpleNamespace(
        meta=SimpleNamespace(method_to_api_mapping={"submit_job": "SubmitJob"}, service_model=batch.meta.service_model),
        submit_job=submit_job,
    )
    target = {"Arn": SUBMIT_JOB, "Input": json.dumps({"JobName": "j", "JobQueue": "q", "JobDefinition": "d"})}
    services = {"scheduler": Scheduler(target), "batch": fake_batch}
    firing = fire(services.__getitem__, "nightly", datetime(2026, 1, 1, tzinfo=UTC), lambda arn, payload: None)
    assert firing.error == "RuntimeError: queue is disabled"
    assert firing.response is None


def test_a_disabled_schedule_does_not_fire():
    scheduler = Scheduler({"Arn": "arn:aws:lambda:us-east-1:123456789012:function:submit", "Input": "{}"})
    scheduler.state = "DISABLED"

    def invoke(arn, payload):
        raise AssertionError("a disabled schedule invoked its target")

    firing = fire(lambda service: scheduler, "nightly", datetime(2026, 12, 1, tzinfo=UTC), invoke, group="jobs")
    assert scheduler.asked == ["jobs/nightly"]
    assert firing.error == "the schedule is DISABLED: it does not fire"


@pytest.mark.parametrize(
    ("expression", "zone", "expected"),
    [
        # The default app's train_classifier: 03:00 in Tokyo is 18:00 UTC the day before.
        ("cron(0 3 * * ? *)", "Asia/Tokyo", ["2026-12-01T18:00", "2026-12-02T18:00"]),
        ("rate(3 hours)", "UTC", ["2026-12-01T03:00", "2026-12-01T06:00"]),
        # Weekdays only (Scheduler's cron: 2-6 is MON-FRI); 2026-12-05 is a Saturday.
        (
            "cron(30 9 ? * 2-6 *)",
            "UTC",
            ["2026-12-01T09:30", "2026-12-02T09:30", "2026-12-03T09:30", "2026-12-04T09:30", "2026-12-07T09:30"],
        ),
        # New York in winter is UTC-5: its midnight of 1 December is 05:00 UTC, after the start.
        ("cron(0 0 1 * ? *)", "America/New_York", ["2026-12-01T05:00", "2027-01-01T05:00"]),
    ],
)
def test_scheduled_times_follow_the_expression_in_its_time_zone(expression, zone, expected):
    times = scheduled_times(expression, zone, datetime(2026, 12, 1, tzinfo=UTC), len(expected))
    assert [f"{t:%Y-%m-%dT%H:%M}" for t in times] == expected
