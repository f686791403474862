"""queue_metrics.counting: exact counts over every page, array jobs by their children, the oldest RUNNABLE age."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from batch_stack_lambdas.queue_metrics.counting import PAGE_SIZE, STATUSES, count_jobs
from tests.lambdas.queue_metrics.conftest import QUEUE, QUEUE_ARN, PagedBatch, summaries


@pytest.fixture
def stubbed_batch():
    client = boto3.client("batch", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def add_pages(stubber: Stubber, status: str, jobs: list[dict]) -> None:
    """Expect ListJobs for one status, page by page, with the tokens chained."""
    pages = [jobs[i : i + PAGE_SIZE] for i in range(0, len(jobs), PAGE_SIZE)] or [[]]
    for index, page in enumerate(pages):
        expected = {"jobQueue": QUEUE, "jobStatus": status, "maxResults": PAGE_SIZE}
        if index:
            expected["nextToken"] = f"{status}-token-{index}"
        response = {"jobSummaryList": page}
        if index < len(pages) - 1:
            response["nextToken"] = f"{status}-token-{index + 1}"
        stubber.add_response("list_jobs", response, expected)


def test_counts_2500_runnable_jobs_over_three_pages(stubbed_batch):
    client, stubber = stubbed_batch
    for status in STATUSES:
        add_pages(stubber, status, summaries(2500) if status == "RUNNABLE" else [])
    depth = count_jobs(client, QUEUE, max_workers=1)
    assert depth.counts == {"SUBMITTED": 0, "PENDING": 0, "RUNNABLE": 2500, "STARTING": 0, "RUNNING": 0}
    assert depth.api_calls == 4 + 3


def test_counts_past_the_first_page_in_every_status(stubbed_batch):
    client, stubber = stubbed_batch
    sizes = {"SUBMITTED": 1, "PENDING": 1000, "RUNNABLE": 1001, "STARTING": 0, "RUNNING": 3999}
    for status in STATUSES:
        add_pages(stubber, status, summaries(sizes[status]))
    depth = count_jobs(client, QUEUE, max_workers=1)
    assert depth.counts == sizes
    assert depth.api_calls == 1 + 1 + 2 + 1 + 4


def test_oldest_runnable_age_comes_from_the_oldest_job_on_any_page(stubbed_batch):
    client, stubber = stubbed_batch
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    now_ms = int(now.timestamp() * 1000)
    runnable = summaries(1000, created_ms=now_ms - 60_000) + summaries(5, created_ms=now_ms - 2_700_000, start=1000)
    for status in STATUSES:
        # Old jobs in other statuses must not count towards the RUNNABLE age.
        add_pages(stubber, status, runnable if status == "RUNNABLE" else summaries(2, created_ms=now_ms - 9_000_000))
    depth = count_jobs(client, QUEUE, now=now, max_workers=1)
    assert depth.oldest_runnable_age_seconds == pytest.approx(2700.0)


def array_parent(job_id: str, *, created_ms: int = 1_700_000_000_000, size: int, **children: int) -> dict:
    """An array parent's ListJobs summary; ``children`` is its statusSummary (none when empty)."""
    array: dict = {"size": size}
    if children:
        array["statusSummary"] = children
        array["statusSummaryLastUpdatedAt"] = created_ms + 60_000
    return {"jobId": job_id, "jobName": "estimate_gmm", "createdAt": created_ms, "arrayProperties": array}


def test_array_parents_count_as_their_children_in_each_status(stubbed_batch):
    client, stubber = stubbed_batch
    # Batch shows the parent of 10,000 children as one PENDING job, on the second page here.
    big = array_parent("array-1", size=10_000, RUNNABLE=9_000, STARTING=10, RUNNING=600, SUCCEEDED=380, FAILED=10)
    listed = {
        "SUBMITTED": [array_parent("array-2", size=50)],  # no children yet: the parent itself
        "PENDING": summaries(1000) + [big, array_parent("array-3", size=4, PENDING=1, RUNNABLE=3)],
        "RUNNABLE": summaries(5, start=2000),
        "STARTING": [],
        "RUNNING": summaries(2, start=3000),
    }
    for status in STATUSES:
        add_pages(stubber, status, listed[status])
    depth = count_jobs(client, QUEUE, max_workers=1)
    assert depth.counts == {"SUBMITTED": 1, "PENDING": 1000 + 1, "RUNNABLE": 5 + 9_003, "STARTING": 10, "RUNNING": 2 + 600}
    assert depth.api_calls == 1 + 2 + 1 + 1 + 1


def test_oldest_runnable_age_counts_an_array_parent_with_runnable_children(stubbed_batch):
    client, stubber = stubbed_batch
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    now_ms = int(now.timestamp() * 1000)
    listed = {
        "PENDING": [
            array_parent("waiting", size=100, created_ms=now_ms - 2_700_000, RUNNABLE=40, RUNNING=60),
            # Older, but none of its children waits: not a RUNNABLE job.
            array_parent("busy", size=100, created_ms=now_ms - 9_000_000, RUNNING=100),
        ],
        "RUNNABLE": summaries(3, created_ms=now_ms - 60_000),
    }
    for status in STATUSES:
        add_pages(stubber, status, listed.get(status, []))
    depth = count_jobs(client, QUEUE, now=now, max_workers=1)
    assert depth.counts["RUNNABLE"] == 43
    assert depth.oldest_runnable_age_seconds == pytest.approx(2700.0)


def test_no_runnable_job_gives_no_age():
    depth = count_jobs(PagedBatch({"RUNNING": summaries(3)}), QUEUE)
    assert depth.oldest_runnable_age_seconds is None
    assert depth.counts["RUNNING"] == 3


def test_statuses_are_read_concurrently_with_the_same_result():
    together = threading.Barrier(len(STATUSES), timeout=10)
    client = PagedBatch({"RUNNABLE": summaries(10_000), "RUNNING": summaries(256), "SUBMITTED": summaries(7)}, together=together)
    depth = count_jobs(client, QUEUE)
    assert depth.counts == {"SUBMITTED": 7, "PENDING": 0, "RUNNABLE": 10_000, "STARTING": 0, "RUNNING": 256}
    assert depth.api_calls == 4 + 10  # one call for each other status, ten pages of RUNNABLE
    assert not together.broken
    assert {call["maxResults"] for call in client.calls} == {PAGE_SIZE}


def test_a_queue_arn_is_reported_by_its_name():
    client = PagedBatch({})
    depth = count_jobs(client, QUEUE_ARN)
    assert depth.queue_name == QUEUE
    assert {call["jobQueue"] for call in client.calls} == {QUEUE_ARN}
