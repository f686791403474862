"""How many jobs sit in each status of one queue: exact counts, page by page.

Used by the queue-gauge Lambda every minute and by ``batchctl status``. Only the
standard library, ``common`` and a boto3 Batch client (passed in) are needed.

``ListJobs`` with ``jobStatus`` returns at most 1,000 jobs a page, so a queue with
*n* jobs in a status takes ``1 + n // 1000`` calls for that status (one call when it
is empty). The five statuses are read concurrently: one thread each.

Array jobs are counted by their children. An array's parent only ever shows
SUBMITTED, PENDING, SUCCEEDED or FAILED, and ``ListJobs`` by queue never returns
the children, so counting summaries alone would show 10,000 RUNNABLE children as
one PENDING job. A parent's summary carries ``arrayProperties.statusSummary``
(children per status, refreshed by Batch every so often, see
``statusSummaryLastUpdatedAt``): the parent is counted as its children in their
statuses, at no extra call. A parent without a summary yet (just SUBMITTED) counts
as one job in its own status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import common

#: The statuses counted: those a job passes through before it ends, in lifecycle order.
STATUSES = common.ACTIVE_STATUSES
#: The most ListJobs returns in one page when filtering by status.
PAGE_SIZE = 1000


@dataclass(frozen=True)
class QueueDepth:
    """One queue's jobs by status at one moment.

    ``counts`` has every key of :data:`STATUSES`; array jobs count as their children.
    ``oldest_runnable_age_seconds`` is how long ago the oldest RUNNABLE job (or array
    with RUNNABLE children) was created (``None`` when none is RUNNABLE).
    ``api_calls`` is how many ListJobs calls the count took.
    """

    job_queue: str
    counts: dict[str, int]
    oldest_runnable_age_seconds: float | None
    api_calls: int

    @property
    def queue_name(self) -> str:
        """The queue's name, also when ``job_queue`` is an ARN."""
        return common.name_from_arn(self.job_queue)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class _StatusCount:
    """What one status's listing adds: jobs per status (array children land in theirs)."""

    counts: dict[str, int]
    oldest_runnable_ms: int | None
    api_calls: int


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
        return _count_status(batch_client.list_jobs, job_queue, status)

    if max_workers <= 1:
        results = [read(status) for status in STATUSES]
    else:
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="list-jobs") as pool:
            results = list(pool.map(read, STATUSES))
    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        for status, count in result.counts.items():
            counts[status] += count
    oldest_ms = _earliest(result.oldest_runnable_ms for result in results)
    age = None if oldest_ms is None else max(0.0, now.timestamp() - oldest_ms / 1000)
    return QueueDepth(
        job_queue=job_queue,
        counts=counts,
        oldest_runnable_age_seconds=age,
        api_calls=sum(result.api_calls for result in results),
    )


def _count_status(list_jobs: Callable[..., dict], job_queue: str, status: str) -> _StatusCount:
    counts = dict.fromkeys(STATUSES, 0)
    runnable_created: list[int] = []
    calls = 0
    token: str | None = None
    while True:
        request: dict[str, Any] = {"jobQueue": job_queue, "jobStatus": status, "maxResults": PAGE_SIZE}
        if token:
            request["nextToken"] = token
        page = list_jobs(**request)
        calls += 1
        for job in page.get("jobSummaryList", []):
            created = job.get("createdAt")
            children = _children_by_status(job)
            if children is None:
                counts[status] += 1
                has_runnable = status == "RUNNABLE"
            else:
                for child_status, count in children.items():
                    counts[child_status] += count
                has_runnable = children["RUNNABLE"] > 0
            # A RUNNABLE child was spawned after its parent was created: the parent's
            # createdAt bounds the children's wait from above.
            if has_runnable and isinstance(created, int):
                runnable_created.append(created)
        token = page.get("nextToken")
        if not token:
            return _StatusCount(counts, _earliest(runnable_created), calls)


def _children_by_status(job: dict) -> dict[str, int] | None:
    """An array parent's children per status of :data:`STATUSES`; ``None`` for any other job."""
    array = job.get("arrayProperties")
    if not isinstance(array, dict) or "index" in array:  # not an array, or one child of one
        return None
    summary = array.get("statusSummary")
    if not isinstance(summary, dict) or not summary:  # no summary yet: count the parent itself
        return None
    return {status: max(0, count) if isinstance(count := summary.get(status), int) else 0 for status in STATUSES}


def _earliest(values: Iterable[int | None]) -> int | None:
    return min((value for value in values if value is not None), default=None)
