"""How many jobs sit in each status of one queue: exact counts, page by page.

Used by the queue-gauge Lambda every minute and by ``batchctl status``. Only the
standard library and a boto3 Batch client (passed in) are needed.

``ListJobs`` with ``jobStatus`` returns at most 1,000 jobs a page, so a queue with
*n* jobs in a status takes ``1 + n // 1000`` calls for that status (one call when it
is empty). The five statuses are read concurrently: one thread each.

Array jobs are counted once each (their parent): ``ListJobs`` lists array children
only when asked for one array's children.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: The statuses a job passes through before it ends, in lifecycle order.
STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING")
#: The most ListJobs returns in one page when filtering by status.
PAGE_SIZE = 1000


@dataclass(frozen=True)
class QueueDepth:
    """One queue's jobs by status at one moment.

    ``counts`` has every key of :data:`STATUSES`. ``oldest_runnable_age_seconds`` is
    how long ago the oldest RUNNABLE job was created (``None`` when none is RUNNABLE).
    ``api_calls`` is how many ListJobs calls the count took.
    """

    job_queue: str
    counts: dict[str, int]
    oldest_runnable_age_seconds: float | None
    api_calls: int

    @property
    def queue_name(self) -> str:
        """The queue's name, also when ``job_queue`` is an ARN."""
        return queue_name(self.job_queue)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class _StatusCount:
    count: int
    oldest_created_ms: int | None
    api_calls: int


def queue_name(job_queue: str) -> str:
    """``arn:aws:batch:<region>:<account>:job-queue/<name>`` or ``<name>`` -> ``<name>``."""
    return job_queue.rsplit("/", 1)[-1] if job_queue.startswith("arn:") else job_queue


def count_jobs(
    batch_client: Any,
    job_queue: str,
    *,
    now: datetime | None = None,
    max_workers: int = len(STATUSES),
) -> QueueDepth:
    """Count the jobs of ``job_queue`` (a name or an ARN) in each of :data:`STATUSES`.

    :param batch_client: A boto3 ``batch`` client (thread-safe, as boto3 clients are).
    :param now: The moment ages are measured to. Default: the current time.
    :param max_workers: Statuses read at once. Default: all five. 1 reads them in
        order, which a ``botocore.stub.Stubber`` (one queue of responses) needs.
    """
    now = now or datetime.now(UTC)

    def read(status: str) -> _StatusCount:
        return _count_status(batch_client.list_jobs, job_queue, status, oldest=status == "RUNNABLE")

    if max_workers <= 1:
        results = [read(status) for status in STATUSES]
    else:
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="list-jobs") as pool:
            results = list(pool.map(read, STATUSES))
    by_status = dict(zip(STATUSES, results, strict=True))
    oldest_ms = by_status["RUNNABLE"].oldest_created_ms
    age = None if oldest_ms is None else max(0.0, now.timestamp() - oldest_ms / 1000)
    return QueueDepth(
        job_queue=job_queue,
        counts={status: result.count for status, result in by_status.items()},
        oldest_runnable_age_seconds=age,
        api_calls=sum(result.api_calls for result in results),
    )


def _count_status(list_jobs: Callable[..., dict], job_queue: str, status: str, *, oldest: bool) -> _StatusCount:
    count = calls = 0
    oldest_created: int | None = None
    token: str | None = None
    while True:
        request: dict[str, Any] = {"jobQueue": job_queue, "jobStatus": status, "maxResults": PAGE_SIZE}
        if token:
            request["nextToken"] = token
        page = list_jobs(**request)
        calls += 1
        jobs = page.get("jobSummaryList", [])
        count += len(jobs)
        if oldest:
            created = [job["createdAt"] for job in jobs if isinstance(job.get("createdAt"), int)]
            if created:
                page_oldest = min(created)
                oldest_created = page_oldest if oldest_created is None else min(oldest_created, page_oldest)
        token = page.get("nextToken")
        if not token:
            return _StatusCount(count, oldest_created, calls)
