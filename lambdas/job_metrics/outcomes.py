"""Turn ``Batch Job State Change`` events for SUCCEEDED and FAILED jobs into outcome metrics.

``detail`` is a JobDetail, as DescribeJobs gives it, and may gain fields at any
time, so every field is read defensively (by ``common.jobs``, which the notifier
and batchctl share). Events for the children of an array job or of a multi-node
parallel job are skipped: the parent's event is the job's outcome (a scheduled run
that spawns 1,000 children is one run, not 1,000).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import common


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
    if not isinstance(event, dict) or event.get("detail-type") != common.JOB_STATE_CHANGE:
        return None
    detail = event.get("detail")
    if not isinstance(detail, dict):
        return None
    status = detail.get("status")
    job_id, job_name, job_queue = detail.get("jobId"), detail.get("jobName"), detail.get("jobQueue")
    if status not in common.TERMINAL_STATUSES or not all(isinstance(v, str) and v for v in (job_id, job_name, job_queue)):
        return None
    if common.is_child(detail):
        return None
    started = common.started_at(detail)
    return JobOutcome(
        job_id=job_id,
        job_queue=common.queue_name(detail),
        job_name=job_name,
        status=status,
        run_seconds=common.seconds_between(started, common.stopped_at(detail)),
        wait_seconds=common.seconds_between(common.created_at(detail), started),
        attempts=len(common.attempts(detail)),  # an EKS job's are its eksAttempts
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
