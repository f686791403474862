"""batchctl.listing: every page of ListJobs, a job seen twice listed once, the rows' fields as documented."""

from __future__ import annotations

import re
from pathlib import Path

from botocore.stub import Stubber

from batchctl import listing
from tests.batchctl.conftest import NOW, QUEUE, SESSION, T0


def test_a_failed_job_without_a_stop_time_is_finished_at_its_last_known_time():
    row = listing.JobRow.from_summary(
        {"jobId": "a", "status": "FAILED", "createdAt": int(T0.timestamp() * 1000)}, job_queue=QUEUE
    )
    assert row.finished
    assert row.last_activity(NOW) == T0


def test_readme_documents_exactly_the_json_fields():
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    after = text.split("**JSON and CSV fields**", 1)[1]
    table = after.split("\n\n")[1]  # the paragraph that introduces it, then the table
    documented = tuple(re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE))
    assert documented == listing.JSON_FIELDS


# --------------------------------------------------------------------------- paging, with Stubber


def summary(job_id: str, status: str = "SUCCEEDED", stopped_ms: int = 1_700_000_000_000) -> dict:
    return {
        "jobId": job_id,
        "jobName": "update_recommendation",
        "status": status,
        "createdAt": stopped_ms - 60_000,
        "startedAt": stopped_ms - 30_000,
        "stoppedAt": stopped_ms,
        "container": {"exitCode": 0},
    }


def test_every_page_of_list_jobs_is_read():
    batch = SESSION.client("batch")
    with Stubber(batch) as stub:
        base = {"jobQueue": QUEUE, "jobStatus": "SUCCEEDED", "maxResults": 1000}
        stub.add_response("list_jobs", {"jobSummaryList": [summary("a", stopped_ms=3_000)], "nextToken": "t1"}, base)
        stub.add_response(
            "list_jobs", {"jobSummaryList": [summary("b", stopped_ms=2_000)], "nextToken": "t2"}, {**base, "nextToken": "t1"}
        )
        stub.add_response("list_jobs", {"jobSummaryList": [summary("c", stopped_ms=9_000)]}, {**base, "nextToken": "t2"})
        result = listing.list_jobs(batch, [QUEUE], statuses=["SUCCEEDED"], now=NOW)
        stub.assert_no_pending_responses()
    assert [row.job_id for row in result.rows] == ["c", "a", "b"]
    assert result.api_calls == 3


def test_name_filter_pages_100_at_a_time_with_a_wildcard():
    batch = SESSION.client("batch")
    with Stubber(batch) as stub:
        base = {"jobQueue": QUEUE, "filters": [{"name": "JOB_NAME", "values": ["update*"]}], "maxResults": 100}
        stub.add_response("list_jobs", {"jobSummaryList": [summary("a", "RUNNING")], "nextToken": "t1"}, base)
        stub.add_response("list_jobs", {"jobSummaryList": [summary("b", "FAILED")]}, {**base, "nextToken": "t1"})
        result = listing.list_jobs(batch, [QUEUE], statuses=["FAILED"], name_prefix="update", now=NOW)
        stub.assert_no_pending_responses()
    assert [row.job_id for row in result.rows] == ["b"]


def test_a_job_seen_in_two_statuses_is_listed_once_in_its_later_one():
    batch = SESSION.client("batch")
    with Stubber(batch) as stub:
        running = summary("a", "RUNNING")
        del running["stoppedAt"]
        stub.add_response(
            "list_jobs", {"jobSummaryList": [running]}, {"jobQueue": QUEUE, "jobStatus": "RUNNING", "maxResults": 1000}
        )
        stub.add_response(
            "list_jobs", {"jobSummaryList": [summary("a")]}, {"jobQueue": QUEUE, "jobStatus": "SUCCEEDED", "maxResults": 1000}
        )
        result = listing.list_jobs(batch, [QUEUE], statuses=["RUNNING", "SUCCEEDED"], now=NOW, parallel=1)
    assert [(row.job_id, row.status) for row in result.rows] == [("a", "SUCCEEDED")]
