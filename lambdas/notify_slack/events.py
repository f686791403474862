"""Reading the EventBridge events that SQS delivers, defensively.

AWS Batch adds fields to its events at any time: multi-container and EKS jobs have
no ``container``, multi-node jobs have ``nodeProperties``, and a job that failed
before it started has no ``startedAt``. Every reader here tolerates a missing or
oddly typed field (a job's detail is read by ``common.jobs``, which the outcome
metrics and batchctl share); an event that still cannot be read becomes an
:class:`Unreadable` item, which is reported as raw JSON, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import common

QUEUE_BLOCKED = "Batch Job Queue Blocked"
ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"

_JOB_HINTS = (
    (
        "Host EC2",
        "The instance running the job was terminated (for Spot, capacity was reclaimed). "
        "A retry strategy with onStatusReason `Host EC2*` retries these.",
    ),
    (
        "Your Spot Task was interrupted",
        "Fargate Spot took the capacity back. The default retry rules retry this (`Your Spot Task was interrupted*`) "
        "while the job has attempts left; a job with one attempt is not retried.",
    ),
    (
        "Job attempt duration exceeded timeout",
        "The attempt ran longer than the job's timeout. Batch does not retry a timed-out job: raise the timeout "
        "or make the work shorter.",
    ),
    (
        "CannotPullContainerError",
        "The image could not be pulled: check its name and tag, the execution role's ECR permissions and the "
        "network route to the registry.",
    ),
    ("ResourceInitializationError", "The task could not start: check secrets, the execution role and the network."),
    ("OutOfMemoryError", "The container ran out of memory: give the job definition more memory."),
)

_BLOCKED_FIXES = (
    (
        "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY",
        "No instance of the allowed types is available now. The job waits for capacity: allow more instance "
        "types, or Spot with on-demand fallback.",
    ),
    (
        "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE",
        "The job needs more vCPUs than the compute environment's max vCPUs: raise max_vcpus or lower the job's requirement.",
    ),
    (
        "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
        "No instance type in the compute environment can hold the job's vCPUs, memory or GPUs: allow a larger "
        "type or lower the requirement. The queue's runnable time limit cancels the job.",
    ),
)


@dataclass(frozen=True)
class JobChange:
    """One ``Batch Job State Change`` event, reduced to what the message shows."""

    key: tuple[str, ...]
    job_id: str
    job_name: str
    status: str
    #: The status as the event gave it, when it is not one of Batch's job statuses ("" when it is).
    reported_status: str
    region: str
    queue: str
    job_definition: str
    status_reason: str
    exit_code: int | str | None
    container: str
    container_reason: str
    attempts: int
    max_attempts: int
    started_at: datetime | None
    stopped_at: datetime | None
    parameters: Mapping[str, Any]
    platform: str
    log_group: str | None
    log_stream: str | None
    shape: str = ""
    hint: str = ""


@dataclass(frozen=True)
class QueueBlocked:
    """One ``Batch Job Queue Blocked`` event."""

    key: tuple[str, ...]
    queue: str
    region: str
    job_name: str
    job_id: str
    reason: str
    fix: str


@dataclass(frozen=True)
class AlarmChange:
    """One ``CloudWatch Alarm State Change`` event."""

    key: tuple[str, ...]
    name: str
    state: str
    previous_state: str
    reason: str
    region: str


@dataclass(frozen=True)
class Unreadable:
    """A record the handler could not read: shown as raw text."""

    key: tuple[str, ...]
    raw: str
    problem: str


Item = JobChange | QueueBlocked | AlarmChange | Unreadable


@dataclass
class Delivery:
    """The distinct items of one SQS batch of records, in arrival order, and how many duplicates were merged."""

    jobs: list[JobChange] = field(default_factory=list)
    blocked: list[QueueBlocked] = field(default_factory=list)
    alarms: list[AlarmChange] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    duplicates: int = 0

    @property
    def total(self) -> int:
        return len(self.jobs) + len(self.blocked) + len(self.alarms) + len(self.unreadable)


def read_records(records: Iterable[Mapping[str, Any]]) -> Delivery:
    """Read every SQS record's body; merge duplicate deliveries (EventBridge is at least once)."""
    delivery = Delivery()
    seen: set[tuple[str, ...]] = set()
    lists: dict[type, list] = {
        JobChange: delivery.jobs,
        QueueBlocked: delivery.blocked,
        AlarmChange: delivery.alarms,
        Unreadable: delivery.unreadable,
    }
    for record in records:
        item = read_body(record.get("body") if isinstance(record, Mapping) else record)
        if item.key in seen:
            delivery.duplicates += 1
            continue
        seen.add(item.key)
        lists[type(item)].append(item)
    return delivery


def read_body(body: Any) -> Item:
    """One record body (an EventBridge event as JSON) as an item; never raises."""
    raw = body if isinstance(body, str) else json.dumps(body, default=str)
    try:
        event = json.loads(raw)
    except (TypeError, ValueError):
        return Unreadable(key=("raw", raw), raw=raw, problem="not JSON")
    if not isinstance(event, dict):
        return Unreadable(key=("raw", raw), raw=raw, problem="not a JSON object")
    detail_type = event.get("detail-type")
    readers = {common.JOB_STATE_CHANGE: _job_change, QUEUE_BLOCKED: _queue_blocked, ALARM_STATE_CHANGE: _alarm_change}
    reader = readers.get(detail_type) if isinstance(detail_type, str) else None
    if reader is None:
        return Unreadable(key=_event_key(event, raw), raw=raw, problem=f"unexpected detail-type {detail_type!r}")
    detail = event.get("detail")
    if not isinstance(detail, dict):
        return Unreadable(key=_event_key(event, raw), raw=raw, problem="no detail object")
    try:
        return reader(event, detail)
    except Exception as error:  # any surprise in a new event shape: report the raw event instead of dropping it
        return Unreadable(key=_event_key(event, raw), raw=raw, problem=f"{type(error).__name__}: {error}")


# --------------------------------------------------------------------------- readers


def _job_change(event: Mapping[str, Any], detail: Mapping[str, Any]) -> JobChange:
    job_id = common.as_text(detail.get("jobId"))
    if not job_id:
        raise ValueError("detail has no jobId")
    reported = common.as_text(detail.get("status"))
    # One of Batch's job statuses, else UNKNOWN (the message then quotes what was reported):
    # a status names a part of the message, so an unbounded set of them must not.
    status = reported if reported in common.ACTIVE_STATUSES + common.TERMINAL_STATUSES else "UNKNOWN"
    attempts = common.attempts(detail)
    reason = common.status_reason(detail)
    container_reason = common.container_reason(detail)
    log_group, log_stream = common.log_location(detail)
    max_attempts = common.as_mapping(detail.get("retryStrategy")).get("attempts")
    return JobChange(
        key=(job_id, reported, str(len(attempts))),
        job_id=job_id,
        job_name=common.as_text(detail.get("jobName")) or job_id,
        status=status,
        reported_status="" if status == reported else reported,
        region=common.as_text(event.get("region")),
        queue=common.queue_name(detail),
        job_definition=common.definition_name(detail),
        status_reason=reason,
        exit_code=common.exit_code(detail),
        container=common.container_name(detail),
        container_reason=container_reason if container_reason != reason else "",
        attempts=len(attempts),
        max_attempts=max_attempts if isinstance(max_attempts, int) and max_attempts > 0 else 1,
        started_at=common.started_at(detail),
        stopped_at=common.stopped_at(detail),
        parameters=common.as_mapping(detail.get("parameters")),
        platform=common.platform(detail),
        log_group=log_group,
        log_stream=log_stream,
        shape=_shape(detail),
        hint=_match_prefix(f"{reason}\n{container_reason}", _JOB_HINTS, contains=True),
    )


def _shape(detail: Mapping[str, Any]) -> str:
    """What kind of job this is, when it is not a plain single job."""
    array = common.array_properties(detail)
    if common.is_array_child(detail):
        parent = common.as_text(detail.get("jobId")).split(":")[0]
        return f"array child {array['index']} of {parent}"
    if "size" in array:
        summary = common.as_mapping(array.get("statusSummary")) or common.as_mapping(detail.get("statusSummary"))
        counts = ", ".join(f"{status} {count}" for status, count in summary.items() if count)
        return f"array of {array['size']}" + (f" ({counts})" if counts else "")
    nodes = common.as_mapping(detail.get("nodeProperties"))
    if nodes:
        return f"{nodes.get('numNodes', '?')} nodes, main node {nodes.get('mainNode', '?')}"
    return ""


def _queue_blocked(event: Mapping[str, Any], detail: Mapping[str, Any]) -> QueueBlocked:
    queue_arn = common.as_text(detail.get("jobQueue")) or next(
        (r for r in common.as_list(event.get("resources")) if isinstance(r, str) and ":job-queue/" in r), ""
    )
    reason = common.as_text(detail.get("statusReason")) or "(no reason given)"
    return QueueBlocked(
        key=("blocked", common.as_text(detail.get("jobId")), queue_arn, reason),
        queue=common.name_from_arn(queue_arn) or "(unknown queue)",
        region=common.as_text(event.get("region")),
        job_name=common.as_text(detail.get("jobName")),
        job_id=common.as_text(detail.get("jobId")),
        reason=reason,
        fix=_match_prefix(reason, _BLOCKED_FIXES)
        or "Look at the job's requirements and the compute environments behind the queue.",
    )


def _alarm_change(event: Mapping[str, Any], detail: Mapping[str, Any]) -> AlarmChange:
    name = common.as_text(detail.get("alarmName"))
    if not name:
        raise ValueError("detail has no alarmName")
    state = common.as_mapping(detail.get("state"))
    return AlarmChange(
        key=(
            "alarm",
            name,
            common.as_text(state.get("value")),
            common.as_text(state.get("timestamp")) or common.as_text(event.get("id")),
        ),
        name=name,
        state=common.as_text(state.get("value")) or "UNKNOWN",
        previous_state=common.as_text(common.as_mapping(detail.get("previousState")).get("value")),
        reason=common.as_text(state.get("reason")),
        region=common.as_text(event.get("region")),
    )


# --------------------------------------------------------------------------- small helpers


def _event_key(event: Mapping[str, Any], raw: str) -> tuple[str, ...]:
    event_id = event.get("id")
    return ("event", event_id) if isinstance(event_id, str) and event_id else ("raw", raw)


def _match_prefix(text: str, table: Sequence[tuple[str, str]], *, contains: bool = False) -> str:
    for prefix, explanation in table:
        if text.startswith(prefix) or (contains and prefix in text):
            return explanation
    return ""
