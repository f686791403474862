"""emulator.jobs: a stopped moto job's log lines and its ``Batch Job State Change`` event, in the shape Batch sends."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from batch_stack_lambdas.notify_slack import events
from emulator.jobs import state_change_event, write_log

CAPTURED = Path(__file__).resolve().parent.parent / "lambdas" / "events" / "captured_ec2_failed.json"
STREAM = "train_classifier/default/128d5a07-d0e1-4995-9c80-8864c1ca26e0"

#: A job as moto 5's DescribeJobs returns it (real moto output, FAILED after MOTO_SIMPLE_BATCH_FAIL_AFTER).
MOTO_JOB = {
    "jobArn": "arn:aws:batch:us-east-1:123456789012:job/128d5a07-d0e1-4995-9c80-8864c1ca26e0",
    "jobName": "train_classifier",
    "jobId": "128d5a07-d0e1-4995-9c80-8864c1ca26e0",
    "jobQueue": "arn:aws:batch:us-east-1:123456789012:job-queue/go-active-learning-spot",
    "status": "FAILED",
    "attempts": [
        {
            "container": {
                "containerInstanceArn": "TBD",
                "taskArn": "arn:aws:batch:us-east-1:123456789012:job-definition/train_classifier:1",
                "logStreamName": STREAM,
                "networkInterfaces": [],
            },
            "startedAt": 1796132570048,
            "stoppedAt": 1796132572048,
        }
    ],
    "createdAt": 1796132570048,
    "startedAt": 1796132570048,
    "stoppedAt": 1796132572048,
    "dependsOn": [],
    "jobDefinition": "arn:aws:batch:us-east-1:123456789012:job-definition/train_classifier:1",
    "parameters": {"scheduled_time": "2026-12-01T18:00:00Z"},
    "container": {
        "vcpus": 4,
        "memory": 15000,
        "command": ["/bin/sh", "/app/train_classifier", "Ref::scheduled_time"],
        "volumes": [],
        "environment": [{"name": "AWS_BATCH_JOB_ID", "value": "128d5a07-d0e1-4995-9c80-8864c1ca26e0"}],
        "readonlyRootFilesystem": False,
        "ulimits": [],
        "privileged": False,
        "logStreamName": STREAM,
    },
    "tags": {},
}

#: A job definition as DescribeJobDefinitions gives it (botocore's batch model: JobDefinition).
DEFINITION = {
    "jobDefinitionName": "train_classifier",
    "jobDefinitionArn": "arn:aws:batch:us-east-1:123456789012:job-definition/train_classifier:1",
    "revision": 1,
    "type": "container",
    "platformCapabilities": ["EC2"],
    "retryStrategy": {"attempts": 3, "evaluateOnExit": [{"onStatusReason": "Host EC2*", "action": "retry"}]},
    "containerProperties": {
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:latest",
        "command": ["/bin/sh", "/app/train_classifier", "Ref::scheduled_time"],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": "g", "awslogs-stream-prefix": "train_classifier"},
        },
        "resourceRequirements": [{"type": "VCPU", "value": "4"}, {"type": "MEMORY", "value": "15000"}],
    },
}


def built(exit_code: int | None = 137) -> dict:
    return state_change_event(copy.deepcopy(MOTO_JOB), DEFINITION, exit_code=exit_code)


def test_the_event_has_every_key_of_a_captured_real_event():
    captured = json.loads(CAPTURED.read_text())
    captured.pop("//")
    event = built()
    assert set(captured) <= set(event)
    assert set(captured["detail"]) - set(event["detail"]) == set()
    assert event["detail-type"] == captured["detail-type"] == "Batch Job State Change"
    assert event["source"] == "aws.batch"
    assert event["resources"] == [MOTO_JOB["jobArn"]]


def test_the_event_completes_what_moto_leaves_out():
    detail = built()["detail"]
    assert detail["eksAttempts"] == []
    assert detail["platformCapabilities"] == ["EC2"]
    assert detail["retryStrategy"]["attempts"] == 3
    assert detail["statusReason"] == "Essential container in task exited"
    assert detail["propagateTags"] is False


def test_the_container_and_each_attempt_carry_the_exit_code_and_log_stream():
    detail = built(137)["detail"]
    assert detail["container"]["exitCode"] == 137
    assert detail["container"]["logStreamName"] == STREAM
    assert detail["attempts"]
    for attempt in detail["attempts"]:
        assert attempt["container"]["exitCode"] == 137
        assert attempt["container"]["logStreamName"] == STREAM
        assert attempt["container"]["taskArn"] == detail["container"]["taskArn"]
        assert ":ecs:" in attempt["container"]["taskArn"]


def test_the_container_gets_the_definitions_image_and_log_configuration():
    container = built()["detail"]["container"]
    assert container["logConfiguration"]["options"]["awslogs-group"] == "g"
    assert container["logConfiguration"]["secretOptions"] == []
    assert container["image"] == DEFINITION["containerProperties"]["image"]
    assert container["resourceRequirements"] == DEFINITION["containerProperties"]["resourceRequirements"]
    assert "secretOptions" not in DEFINITION["containerProperties"]["logConfiguration"]


def test_without_an_exit_code_none_is_written():
    detail = built(None)["detail"]
    assert "exitCode" not in detail["container"]
    assert "exitCode" not in detail["attempts"][0]["container"]


def test_the_input_job_is_not_mutated():
    job = copy.deepcopy(MOTO_JOB)
    state_change_event(job, DEFINITION, exit_code=1)
    assert job == MOTO_JOB


def test_the_time_is_the_stop_time_in_utc():
    # stoppedAt 1796132572048 ms since the epoch is 2026-12-01 13:42:52.048 UTC.
    assert built()["time"] == "2026-12-01T13:42:52Z"


def test_event_ids_differ():
    assert built()["id"] != built()["id"]


def test_the_notifier_reads_the_built_event():
    change = events.read_body(json.dumps(built(137)))
    assert isinstance(change, events.JobChange), change
    assert change.exit_code == 137
    assert change.log_group == "g"
    assert change.log_stream == STREAM
    assert change.status == "FAILED"
    assert change.max_attempts == 3
    assert change.platform == "EC2"


# --------------------------------------------------------------------------- write_log


class Batch:
    def describe_job_definitions(self, jobDefinitions):  # noqa: N803 (boto3's name)
        assert jobDefinitions == [MOTO_JOB["jobDefinition"]]
        return {"jobDefinitions": [DEFINITION]}


class Logs:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def create_log_stream(self, **kwargs):
        self.calls.append(("create_log_stream", kwargs))

    def put_log_events(self, **kwargs):
        self.calls.append(("put_log_events", kwargs))


def test_write_log_writes_to_the_definitions_group_and_the_jobs_stream():
    logs = Logs()
    services = {"batch": Batch(), "logs": logs}
    assert write_log(services.__getitem__, MOTO_JOB, ["one", "two", "three"]) == ("g", STREAM)
    assert logs.calls[0] == ("create_log_stream", {"logGroupName": "g", "logStreamName": STREAM})
    method, put = logs.calls[1]
    assert method == "put_log_events"
    assert (put["logGroupName"], put["logStreamName"]) == ("g", STREAM)
    assert [event["message"] for event in put["logEvents"]] == ["one", "two", "three"]
    stamps = [event["timestamp"] for event in put["logEvents"]]
    assert stamps == sorted(set(stamps))
    assert stamps[0] == MOTO_JOB["startedAt"]
