"""Turn ``Batch Job State Change`` events for SUCCEEDED and FAILED jobs into outcome metrics.

``detail`` resembles a DescribeJobs JobDetail and may gain fields at any time, so
every field is read defensively. Events for the children of an array job or of a
multi-node parallel job are skipped: the parent's event is the job's outcome (a
scheduled run that spawns 1,000 children is one run, not 1,000).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

TERMINAL_STATUSES = ("SUCCEEDED", "FAILED")


@dataclass(frozen=True)
class JobOutcome:
    """One job that ended. Times in seconds; ``None`` where the event does not tell."""

    job_id: str
    job_queue: str
    job_name: str
    status: str
    run_seconds: float | None
    wait_seconds: float | None
    attempts: int

    @property
    def key(self) -> tuple[str, str]:
        """What makes two events the same outcome (delivery is at least once)."""
        return (self.job_id, self.status)


def parse_outcome(event: Any) -> JobOutcome | None:
    """The outcome an EventBridge event describes, or ``None`` when it is not one to count."""
    if not isinstance(event, dict) or event.get("detail-type") != "Batch Job State Change":
        return None
    detail = event.get("detail")
    if not isinstance(detail, dict):
        return None
    status = detail.get("status")
    job_id, job_name, job_queue = detail.get("jobId"), detail.get("jobName"), detail.get("jobQueue")
    if status not in TERMINAL_STATUSES or not all(isinstance(v, str) and v for v in (job_id, job_name, job_queue)):
        return None
    if _is_child(detail):
        return None
    # EKS jobs report their attempts in eksAttempts, with "attempts" empty.
    raw_attempts = detail.get("attempts") or detail.get("eksAttempts")
    attempts = [a for a in raw_attempts if isinstance(a, dict)] if isinstance(raw_attempts, list) else []
    created = _millis(detail.get("createdAt"))
    started = _millis(detail.get("startedAt"))
    stopped = _millis(detail.get("stoppedAt"))
    if started is None and attempts:
        started = _millis(attempts[-1].get("startedAt"))
    if stopped is None and attempts:
        stopped = _millis(attempts[-1].get("stoppedAt"))
    return JobOutcome(
        job_id=job_id,
        job_queue=job_queue.rsplit("/", 1)[-1],
        job_name=job_name,
        status=status,
        run_seconds=_seconds_between(started, stopped),
        wait_seconds=_seconds_between(created, started),
        attempts=len(attempts),
    )


def unique_outcomes(events: Iterable[Any]) -> Iterator[JobOutcome]:
    """The outcomes of ``events``, each job-and-status once (duplicates dropped)."""
    seen: set[tuple[str, str]] = set()
    for event in events:
        outcome = parse_outcome(event)
        if outcome is None or outcome.key in seen:
            continue
        seen.add(outcome.key)
        yield outcome


def _is_child(detail: dict) -> bool:
    array = detail.get("arrayProperties")
    if isinstance(array, dict) and "index" in array:
        return True
    if isinstance(detail.get("nodeDetails"), dict):  # one node of a multi-node parallel job
        return True
    job_id = detail.get("jobId", "")
    return ":" in job_id or "#" in job_id  # <parent>:<index>, <parent>#<node>


def _millis(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _seconds_between(start_ms: int | None, end_ms: int | None) -> float | None:
    if start_ms is None or end_ms is None or end_ms < start_ms:
        return None
    return (end_ms - start_ms) / 1000
