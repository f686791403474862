"""What AWS Batch does when a job stops and moto does not: the job's log lines, and its ``Batch Job State Change`` event.

Batch's event ``detail`` is the job as DescribeJobs returns it. moto's job record lacks some of
what a real one carries; the event is completed to the shape of a captured EC2 event
(``tests/lambdas/events/captured_ec2_failed.json``: ``eksAttempts: []``, ``platformCapabilities``,
the exit code and log stream in the container and the attempt, ``statusReason``).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from .schedules import iso_time
from .server import ACCOUNT, REGION

Clients = Callable[[str], Any]


def end_as(job_id: str, exit_code: int, reason: str) -> None:
    """What the container's exit gives the job in Batch: moto's job record gets its exit code and status reason."""
    from moto.batch.models import batch_backends

    job = batch_backends[ACCOUNT][REGION]._jobs[job_id]
    job.exit_code = exit_code
    job.job_stopped_reason = reason


def describe(clients: Clients, job_id: str) -> dict[str, Any]:
    (job,) = clients("batch").describe_jobs(jobs=[job_id])["jobs"]
    return job


def definition_of(clients: Clients, job: dict[str, Any]) -> dict[str, Any]:
    (definition,) = clients("batch").describe_job_definitions(jobDefinitions=[job["jobDefinition"]])["jobDefinitions"]
    return definition


def write_log(clients: Clients, job: dict[str, Any], lines: Sequence[str]) -> tuple[str, str]:
    """Write ``lines`` to the job's log stream in the log group its job definition names, as the awslogs driver does."""
    group = definition_of(clients, job)["containerProperties"]["logConfiguration"]["options"]["awslogs-group"]
    stream = job["container"]["logStreamName"]
    logs = clients("logs")
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    start = int(job.get("startedAt") or job["createdAt"])
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": start + i, "message": line} for i, line in enumerate(lines)],
    )
    return group, stream


#: What a real job record's container holds that moto's leaves out, taken from the job definition as Batch does.
_FROM_DEFINITION = (
    "image",
    "jobRoleArn",
    "executionRoleArn",
    "resourceRequirements",
    "logConfiguration",
    "secrets",
    "mountPoints",
)


def state_change_event(
    job: dict[str, Any],
    definition: dict[str, Any],
    *,
    exit_code: int | None,
    reason: str = "Essential container in task exited",
) -> dict[str, Any]:
    """The event Batch puts on the default bus when ``job`` (of ``definition``) reaches its status."""
    detail = copy.deepcopy(job)
    detail.setdefault("statusReason", reason)
    detail.setdefault("platformCapabilities", definition.get("platformCapabilities") or ["EC2"])
    detail.setdefault("eksAttempts", [])
    detail.setdefault("propagateTags", False)
    detail.setdefault("retryStrategy", copy.deepcopy(definition.get("retryStrategy") or {"attempts": 1}))
    container = detail.setdefault("container", {})
    for key in _FROM_DEFINITION:
        if key in definition.get("containerProperties", {}):
            container.setdefault(key, copy.deepcopy(definition["containerProperties"][key]))
    if "logConfiguration" in container:
        container["logConfiguration"].setdefault("secretOptions", [])
    task = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/AWSBatch-emulator/{uuid.uuid4().hex}"
    container["taskArn"] = task
    if exit_code is not None:
        container["exitCode"] = exit_code
    for attempt in detail.get("attempts", []):
        attempt_container = attempt.setdefault("container", {})
        attempt_container["taskArn"] = task
        attempt_container.setdefault("logStreamName", container.get("logStreamName"))
        if exit_code is not None:
            attempt_container["exitCode"] = exit_code
        attempt.setdefault("statusReason", reason)
    stopped = detail.get("stoppedAt") or detail.get("createdAt")
    time = datetime.fromtimestamp(int(stopped) / 1000, UTC) if stopped else datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Batch Job State Change",
        "source": "aws.batch",
        "account": ACCOUNT,
        "time": iso_time(time),
        "region": REGION,
        "resources": [detail["jobArn"]],
        "detail": detail,
    }
