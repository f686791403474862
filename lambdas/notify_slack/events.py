"""Reading the EventBridge events that SQS delivers, defensively.

AWS Batch adds fields to its events at any time, EKS jobs have no ``container``,
multi-node jobs have ``nodeProperties``, and a job that failed before it started
has no ``startedAt``. Every reader here tolerates a missing or oddly typed field;
an event that still cannot be read becomes an :class:`Unreadable` item, which is
reported as raw JSON, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JOB_STATE_CHANGE = "Batch Job State Change"
QUEUE_BLOCKED = "Batch Job Queue Blocked"
ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"

#: Where Batch writes a container's log when its job definition names no group.
DEFAULT_JOB_LOG_GROUP = "/aws/batch/job"

_JOB_HINTS = (
    (
        "Host EC2",
        "The instance running the job was terminated (for Spot, capacity was reclaimed). "
        "A retry strategy with onStatusReason `Host EC2*` retries these.",
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
    region: str
    queue: str
    job_definition: str
    status_reason: str
    exit_code: int | str | None
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
class Batch:
    """The distinct items of one SQS batch, in arrival order, and how many duplicates were merged."""

    jobs: list[JobChange] = field(default_factory=list)
    blocked: list[QueueBlocked] = field(default_factory=list)
    alarms: list[AlarmChange] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    duplicates: int = 0

    @property
    def total(self) -> int:
        return len(self.jobs) + len(self.blocked) + len(self.alarms) + len(self.unreadable)


def read_records(records: Iterable[Mapping[str, Any]]) -> Batch:
    """Read every SQS record's body; merge duplicate deliveries (EventBridge is at least once)."""
    batch = Batch()
    seen: set[tuple[str, ...]] = set()
    lists: dict[type, list] = {
        JobChange: batch.jobs,
        QueueBlocked: batch.blocked,
        AlarmChange: batch.alarms,
        Unreadable: batch.unreadable,
    }
    for record in records:
        item = read_body(record.get("body") if isinstance(record, Mapping) else record)
        if item.key in seen:
            batch.duplicates += 1
            continue
        seen.add(item.key)
        lists[type(item)].append(item)
    return batch


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
    readers = {JOB_STATE_CHANGE: _job_change, QUEUE_BLOCKED: _queue_blocked, ALARM_STATE_CHANGE: _alarm_change}
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
    job_id = _text(detail.get("jobId"))
    if not job_id:
        raise ValueError("detail has no jobId")
    status = _text(detail.get("status")) or "UNKNOWN"
    attempts = _list(detail.get("attempts")) or _list(detail.get("eksAttempts"))
    last_attempt = _dict(attempts[-1]) if attempts else {}
    container = _dict(detail.get("container"))
    attempt_container = _dict(last_attempt.get("container"))
    eks_container = _first(_list(last_attempt.get("containers"))) or _first(
        _list(_dict(_dict(detail.get("eksProperties")).get("podProperties")).get("containers"))
    )

    exit_code = _first_present(attempt_container.get("exitCode"), container.get("exitCode"), _dict(eks_container).get("exitCode"))
    reason = _text(detail.get("statusReason")) or _text(attempt_container.get("reason")) or _text(container.get("reason"))
    reason = reason or _text(last_attempt.get("statusReason")) or _text(_dict(eks_container).get("reason"))
    started = _millis(detail.get("startedAt")) or _millis(last_attempt.get("startedAt"))
    stopped = _millis(detail.get("stoppedAt")) or _millis(last_attempt.get("stoppedAt"))
    platform, log_group, log_stream = _platform_and_log(detail, container, attempt_container)
    max_attempts = _dict(detail.get("retryStrategy")).get("attempts")
    return JobChange(
        key=(job_id, status, str(len(attempts))),
        job_id=job_id,
        job_name=_text(detail.get("jobName")) or job_id,
        status=status,
        region=_text(event.get("region")),
        queue=_after(_text(detail.get("jobQueue")), "job-queue/"),
        job_definition=_after(_text(detail.get("jobDefinition")), "job-definition/"),
        status_reason=reason,
        exit_code=exit_code if isinstance(exit_code, (int, str)) and not isinstance(exit_code, bool) else None,
        attempts=len(attempts),
        max_attempts=max_attempts if isinstance(max_attempts, int) and max_attempts > 0 else 1,
        started_at=started,
        stopped_at=stopped,
        parameters=_dict(detail.get("parameters")),
        platform=platform,
        log_group=log_group,
        log_stream=log_stream,
        shape=_shape(detail),
        hint=_match_prefix(reason, _JOB_HINTS, contains=True),
    )


def _platform_and_log(
    detail: Mapping[str, Any], container: Mapping[str, Any], attempt_container: Mapping[str, Any]
) -> tuple[str, str | None, str | None]:
    """Where the job ran, and the CloudWatch log group and stream of its (last) container, if any."""
    capabilities = [c for c in _list(detail.get("platformCapabilities")) if isinstance(c, str)]
    node_ranges = _list(_dict(detail.get("nodeProperties")).get("nodeRangeProperties"))
    if detail.get("eksProperties") is not None or detail.get("eksAttempts") is not None:
        return "EKS", None, None
    platform = "Fargate" if "FARGATE" in capabilities else "EC2"
    if detail.get("nodeProperties") is not None:
        platform = "EC2 multi-node"
    stream = _text(attempt_container.get("logStreamName")) or _text(container.get("logStreamName")) or None
    log_configuration = _dict(container.get("logConfiguration"))
    if not log_configuration and node_ranges:
        log_configuration = _dict(_dict(_dict(node_ranges[0]).get("container")).get("logConfiguration"))
    driver = _text(log_configuration.get("logDriver")) or "awslogs"
    if driver != "awslogs":
        return platform, None, None
    group = _text(_dict(log_configuration.get("options")).get("awslogs-group")) or DEFAULT_JOB_LOG_GROUP
    return platform, group, stream


def _shape(detail: Mapping[str, Any]) -> str:
    """What kind of job this is, when it is not a plain single job."""
    array = _dict(detail.get("arrayProperties"))
    if "index" in array:
        parent = _text(detail.get("jobId")).split(":")[0]
        return f"array child {array['index']} of {parent}"
    if "size" in array:
        summary = _dict(array.get("statusSummary")) or _dict(detail.get("statusSummary"))
        counts = ", ".join(f"{status} {count}" for status, count in summary.items() if count)
        return f"array of {array['size']}" + (f" ({counts})" if counts else "")
    nodes = _dict(detail.get("nodeProperties"))
    if nodes:
        return f"{nodes.get('numNodes', '?')} nodes, main node {nodes.get('mainNode', '?')}"
    return ""


def _queue_blocked(event: Mapping[str, Any], detail: Mapping[str, Any]) -> QueueBlocked:
    queue_arn = _text(detail.get("jobQueue")) or next(
        (r for r in _list(event.get("resources")) if isinstance(r, str) and ":job-queue/" in r), ""
    )
    reason = _text(detail.get("statusReason")) or "(no reason given)"
    return QueueBlocked(
        key=("blocked", _text(detail.get("jobId")), queue_arn, reason),
        queue=_after(queue_arn, "job-queue/") or "(unknown queue)",
        region=_text(event.get("region")),
        job_name=_text(detail.get("jobName")),
        job_id=_text(detail.get("jobId")),
        reason=reason,
        fix=_match_prefix(reason, _BLOCKED_FIXES)
        or "Look at the job's requirements and the compute environments behind the queue.",
    )


def _alarm_change(event: Mapping[str, Any], detail: Mapping[str, Any]) -> AlarmChange:
    name = _text(detail.get("alarmName"))
    if not name:
        raise ValueError("detail has no alarmName")
    state = _dict(detail.get("state"))
    return AlarmChange(
        key=("alarm", name, _text(state.get("value")), _text(state.get("timestamp")) or _text(event.get("id"))),
        name=name,
        state=_text(state.get("value")) or "UNKNOWN",
        previous_state=_text(_dict(detail.get("previousState")).get("value")),
        reason=_text(state.get("reason")),
        region=_text(event.get("region")),
    )


# --------------------------------------------------------------------------- small tolerant readers


def _event_key(event: Mapping[str, Any], raw: str) -> tuple[str, ...]:
    event_id = event.get("id")
    return ("event", event_id) if isinstance(event_id, str) and event_id else ("raw", raw)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def _first(values: Sequence[Any]) -> Any:
    return values[0] if values else None


def _first_present(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _after(arn: str, marker: str) -> str:
    return arn.split(marker, 1)[1] if marker in arn else arn


def _millis(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _match_prefix(text: str, table: Sequence[tuple[str, str]], *, contains: bool = False) -> str:
    for prefix, explanation in table:
        if text.startswith(prefix) or (contains and prefix in text):
            return explanation
    return ""
