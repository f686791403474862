"""List a queue's jobs across statuses with ListJobs alone (no DescribeJobs per job).

ListJobs answers one status at a time (``jobStatus``, up to 1,000 jobs a page),
or every status when given a ``JOB_NAME`` filter (up to 100 a page, newest
first, ``jobStatus`` ignored). Its summaries carry the times, the status, its
reason and the container's exit code, which is all the listing shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from batch_stack_lambdas import common
from batchctl import times
from batchctl.errors import UsageError

ACTIVE_STATUSES = common.ACTIVE_STATUSES
TERMINAL_STATUSES = common.TERMINAL_STATUSES
STATUSES = (*ACTIVE_STATUSES, *TERMINAL_STATUSES)
SORT_KEYS = ("stopped", "created", "started", "duration")
STATUS_PAGE_SIZE = 1000  # ListJobs' maximum with jobStatus
FILTER_PAGE_SIZE = 100  # ListJobs' maximum with filters
MAX_PARALLEL_CALLS = 8


@dataclass(frozen=True)
class JobRow:
    """One job as a ListJobs summary describes it."""

    job_id: str
    job_name: str
    job_queue: str
    status: str
    status_reason: str | None
    created_at: datetime | None
    started_at: datetime | None
    stopped_at: datetime | None
    exit_code: int | None
    job_arn: str | None = None
    job_definition: str | None = None
    array_size: int | None = None

    @classmethod
    def from_summary(cls, summary: dict[str, Any], job_queue: str) -> JobRow:
        container = summary.get("container") or {}
        array = summary.get("arrayProperties") or {}
        return cls(
            job_id=summary["jobId"],
            job_name=summary.get("jobName", ""),
            job_queue=job_queue,
            status=summary.get("status", "UNKNOWN"),
            status_reason=summary.get("statusReason") or None,
            created_at=common.from_millis(summary.get("createdAt")),
            started_at=common.from_millis(summary.get("startedAt")),
            stopped_at=common.from_millis(summary.get("stoppedAt")),
            exit_code=container.get("exitCode"),
            job_arn=summary.get("jobArn"),
            job_definition=summary.get("jobDefinition"),
            array_size=array.get("size"),
        )

    def duration_seconds(self, now: datetime) -> float | None:
        """Run time: started to stopped, or to ``now`` while running; None before it starts."""
        if self.started_at is None:
            return None
        end = self.stopped_at or (now if self.status not in TERMINAL_STATUSES else None)
        return None if end is None else (end - self.started_at).total_seconds()

    @property
    def finished(self) -> bool:
        """True once the job has stopped (a stop time, or a terminal status without one)."""
        return self.stopped_at is not None or self.status in TERMINAL_STATUSES

    def last_activity(self, now: datetime) -> datetime | None:
        """``now`` while the job has not finished (queued or running), else stopped, started or created."""
        if not self.finished:
            return now
        return self.stopped_at or self.started_at or self.created_at

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The documented JSON/CSV fields (README: "Operating the jobs")."""
        return {
            "jobName": self.job_name,
            "jobId": self.job_id,
            "jobQueue": self.job_queue,
            "status": self.status,
            "statusReason": self.status_reason,
            "createdAt": times.iso(self.created_at),
            "startedAt": times.iso(self.started_at),
            "stoppedAt": times.iso(self.stopped_at),
            "durationSeconds": _round(self.duration_seconds(now)),
            "exitCode": self.exit_code,
            "arraySize": self.array_size,
            "jobDefinition": self.job_definition,
            "jobArn": self.job_arn,
        }


JSON_FIELDS = (
    "jobName",
    "jobId",
    "jobQueue",
    "status",
    "statusReason",
    "createdAt",
    "startedAt",
    "stoppedAt",
    "durationSeconds",
    "exitCode",
    "arraySize",
    "jobDefinition",
    "jobArn",
)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True)
class Listing:
    rows: list[JobRow]
    total: int  # before --limit
    api_calls: int


def check_queues(batch: Any, queues: Sequence[str]) -> None:
    """Fail with a usage error naming any queue that does not exist (one DescribeJobQueues call)."""
    if not queues:
        raise UsageError("no job queue to look at: pass --queue NAME, or --stack / --config to use the app's queues")
    found = batch.describe_job_queues(jobQueues=list(queues))["jobQueues"]
    known = {q["jobQueueName"] for q in found} | {q["jobQueueArn"] for q in found}
    missing = [q for q in queues if q not in known]
    if missing:
        region = batch.meta.region_name
        everything = sorted(q["jobQueueName"] for q in batch.describe_job_queues()["jobQueues"])
        listed = ", ".join(everything) if everything else "none"
        raise UsageError(f"unknown job queue {missing[0]!r} in {region} (queues there: {listed})")


def list_jobs(
    batch: Any,
    queues: Sequence[str],
    *,
    statuses: Iterable[str] = STATUSES,
    name_prefix: str | None = None,
    since: datetime | None = None,
    now: datetime,
    sort: str = "stopped",
    limit: int | None = None,
    parallel: int = MAX_PARALLEL_CALLS,
) -> Listing:
    """The jobs of ``queues``, filtered, sorted and cut to ``limit``.

    :param statuses: Statuses to include. Default: all seven.
    :param name_prefix: Only jobs whose name starts with this, ignoring case (ListJobs' JOB_NAME
        filter, which returns every status at once; unwanted statuses are dropped here).
    :param since: Only jobs active at or after this: every job that has not finished (it is
        active now), and finished jobs that stopped (else started, else were created) at or after it.
    :param sort: One of :data:`SORT_KEYS`, newest or longest first.
    :param limit: Keep the first ``limit`` rows after sorting; None or 0 keeps all.
    """
    wanted = tuple(dict.fromkeys(statuses))
    # With a name filter one call per queue returns every status; otherwise one call per status.
    per_queue: tuple[str | None, ...] = (None,) if name_prefix else wanted
    calls = [(queue, status) for queue in queues for status in per_queue]

    def fetch(call: tuple[str, str | None]) -> tuple[list[JobRow], int]:
        return _list_one(batch, call[0], call[1], name_prefix)

    workers = max(1, min(parallel, len(calls)))
    if workers == 1:
        results = [fetch(call) for call in calls]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batchctl-list") as pool:
            results = list(pool.map(fetch, calls))

    by_id: dict[str, JobRow] = {}
    api_calls = 0
    for rows, count in results:
        api_calls += count
        for row in rows:
            # A job that changed status between two calls shows up twice: keep the later state.
            seen = by_id.get(row.job_id)
            if seen is None or _progress(row) > _progress(seen):
                by_id[row.job_id] = row
    rows = [r for r in by_id.values() if r.status in wanted]
    if since is not None:
        rows = [r for r in rows if (last := r.last_activity(now)) is not None and last >= since]
    rows = sort_rows(rows, sort, now=now)
    total = len(rows)
    if limit:
        rows = rows[:limit]
    return Listing(rows=rows, total=total, api_calls=api_calls)


def _progress(row: JobRow) -> int:
    return STATUSES.index(row.status) if row.status in STATUSES else -1


def _list_one(batch: Any, queue: str, status: str | None, name_prefix: str | None) -> tuple[list[JobRow], int]:
    request: dict[str, Any] = {"jobQueue": queue}
    if name_prefix:
        request["filters"] = [{"name": "JOB_NAME", "values": [f"{name_prefix}*"]}]
        page_size = FILTER_PAGE_SIZE
    else:
        request["jobStatus"] = status
        page_size = STATUS_PAGE_SIZE
    rows: list[JobRow] = []
    pages = 0
    for page in batch.get_paginator("list_jobs").paginate(**request, PaginationConfig={"PageSize": page_size}):
        pages += 1
        rows.extend(JobRow.from_summary(summary, queue) for summary in page.get("jobSummaryList", []))
    return rows, pages


_FAR_PAST = datetime.min.replace(tzinfo=UTC)


def sort_rows(rows: list[JobRow], sort: str, *, now: datetime) -> list[JobRow]:
    """Newest first for times, longest first for duration; missing values last.

    ``stopped`` (the default) puts jobs that have not finished yet on top, newest
    created first, then finished jobs by completion time.
    """
    if sort not in SORT_KEYS:
        raise UsageError(f"--sort must be one of {', '.join(SORT_KEYS)}, got {sort!r}")
    created = {id(r): r.created_at or _FAR_PAST for r in rows}
    if sort == "stopped":

        def key(r: JobRow) -> tuple:
            unfinished = r.stopped_at is None
            return (unfinished, r.stopped_at or _FAR_PAST, created[id(r)])

    elif sort == "created":

        def key(r: JobRow) -> tuple:
            return (created[id(r)],)

    elif sort == "started":

        def key(r: JobRow) -> tuple:
            return (r.started_at is not None, r.started_at or _FAR_PAST, created[id(r)])

    else:

        def key(r: JobRow) -> tuple:
            seconds = r.duration_seconds(now)
            return (seconds is not None, seconds or 0.0, created[id(r)])

    return sorted(rows, key=key, reverse=True)


def count_label(listing: Listing) -> str:
    """``12 jobs`` or ``50 of 312 jobs``."""
    shown = len(listing.rows)
    noun = "job" if listing.total == 1 else "jobs"
    return f"{shown} {noun}" if shown == listing.total else f"{shown} of {listing.total} {noun}"
