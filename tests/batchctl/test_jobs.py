"""batchctl jobs: one ListJobs per queue and status, sorted by completion, filtered, rendered."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.stub import Stubber

from batchctl import listing
from batchctl.aws import Aws
from tests.batchctl.conftest import NOW, OTHER_QUEUE, QUEUE, REGION, SESSION, T0, run_cli

HEADER = ["NAME", "JOB", "ID", "STATUS", "CREATED", "STARTED", "STOPPED", "DURATION", "EXIT", "REASON"]


@pytest.fixture
def three_jobs(aws):
    """A job that failed last, one that succeeded before it, and one still running (created first)."""
    ok = aws.submit("update_recommendation")
    failed = aws.submit("fetch_entries", fail=True)
    running = aws.submit("train_classifier")
    aws.set_job(ok, created=T0, started=T0 + timedelta(minutes=1), stopped=T0 + timedelta(minutes=4), exit_code=0)
    aws.set_job(
        failed,
        created=T0 + timedelta(minutes=2),
        started=T0 + timedelta(minutes=3),
        stopped=T0 + timedelta(minutes=5),
        exit_code=1,
        reason="Essential container in task exited",
    )
    aws.set_job(running, created=T0 - timedelta(minutes=30), started=T0 - timedelta(minutes=29), status="RUNNING")
    return {"ok": ok, "failed": failed, "running": running}


def ids_in(text: str) -> list[str]:
    return [line.split()[1] for line in text.splitlines()[1:]]


def test_table_lists_unfinished_jobs_first_then_newest_completion(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE)
    assert result.code == 0, result.err
    assert ids_in(result.out) == [three_jobs["running"], three_jobs["failed"], three_jobs["ok"]]


def test_plain_table_has_the_documented_columns_and_values(aws, three_jobs):
    lines = aws.run("jobs", "--queue", QUEUE).out.splitlines()
    assert lines[0].split() == HEADER
    created, started, stopped = (T0 + timedelta(minutes=m) for m in (2, 3, 5))
    expected = ["fetch_entries", three_jobs["failed"], "FAILED"]
    expected += [f"{t:%Y-%m-%d %H:%M:%S}" for t in (created, started, stopped)]
    expected += ["2m00s", "1", "Essential container in task exited"]
    assert [cell.strip() for cell in lines[2].split("  ") if cell.strip()] == expected


def test_running_job_duration_counts_up_to_now(aws, three_jobs):
    line = aws.run("jobs", "--queue", QUEUE).out.splitlines()[1]
    # Started 29 minutes before T0; "now" is two hours after T0.
    assert " 2h29m " in line


def test_sort_by_created_is_newest_first(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--sort", "created")
    assert ids_in(result.out) == [three_jobs["failed"], three_jobs["ok"], three_jobs["running"]]


def test_sort_by_started_is_newest_first(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--sort", "started")
    assert ids_in(result.out) == [three_jobs["failed"], three_jobs["ok"], three_jobs["running"]]


def test_sort_by_duration_is_longest_first(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--sort", "duration")
    assert ids_in(result.out) == [three_jobs["running"], three_jobs["ok"], three_jobs["failed"]]


def test_status_filter_is_repeatable_and_case_insensitive(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--status", "failed", "--status", "RUNNING")
    assert ids_in(result.out) == [three_jobs["running"], three_jobs["failed"]]


def test_name_filter_matches_a_prefix(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--name", "fetch")
    assert ids_in(result.out) == [three_jobs["failed"]]


def test_name_filter_still_honours_status(aws, three_jobs):
    aws.submit("fetch_entries")  # SUCCEEDED, same prefix
    result = aws.run("jobs", "--queue", QUEUE, "--name", "fetch", "--status", "FAILED")
    assert ids_in(result.out) == [three_jobs["failed"]]


def test_since_keeps_jobs_that_stopped_after_the_time_and_jobs_still_running(aws, three_jobs):
    since = (T0 + timedelta(minutes=4, seconds=30)).isoformat()
    result = aws.run("jobs", "--queue", QUEUE, "--since", since)
    # The ok job stopped before the cut, the failed one after it; the running job (started long
    # before the cut) is active now.
    assert ids_in(result.out) == [three_jobs["running"], three_jobs["failed"]]


def test_since_accepts_a_relative_duration(aws, three_jobs):
    # "now" is T0 + 2h, so 119m ago is T0 + 1m: the ok job stopped at T0 + 4m, the failed one later.
    result = aws.run("jobs", "--queue", QUEUE, "--since", "119m", "--status", "SUCCEEDED", "--status", "FAILED")
    assert ids_in(result.out) == [three_jobs["failed"], three_jobs["ok"]]
    # 115m ago is T0 + 5m: only the failed job stopped since (at the cut counts).
    result = aws.run("jobs", "--queue", QUEUE, "--since", "115m", "--status", "SUCCEEDED", "--status", "FAILED")
    assert ids_in(result.out) == [three_jobs["failed"]]


@pytest.mark.parametrize("status", ["RUNNABLE", "RUNNING"])
def test_since_keeps_a_job_unfinished_for_longer_than_the_window(aws, status):
    finished = aws.submit("update_recommendation")
    aws.set_job(finished, created=NOW - timedelta(hours=8), stopped=NOW - timedelta(hours=7), exit_code=0)
    long_running = aws.submit("train_classifier")
    started = NOW - timedelta(hours=8) if status == "RUNNING" else None
    aws.set_job(long_running, created=NOW - timedelta(hours=8), started=started, status=status)
    result = aws.run("jobs", "--queue", QUEUE, "--since", "6h")
    assert result.code == 0, result.err
    # Created (and started) 8 hours ago, not finished: active now, so within 6 hours.
    assert ids_in(result.out) == [long_running]


def test_a_failed_job_without_a_stop_time_is_finished_at_its_last_known_time():
    row = listing.JobRow.from_summary(
        {"jobId": "a", "status": "FAILED", "createdAt": int(T0.timestamp() * 1000)}, job_queue=QUEUE
    )
    assert row.finished
    assert row.last_activity(NOW) == T0


def test_limit_cuts_after_sorting_and_says_so(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--limit", "1")
    assert ids_in(result.out) == [three_jobs["running"]]
    assert "showing 1 of 3 jobs; --limit 0 shows all" in result.err


def test_jobs_of_several_queues_get_a_queue_column(aws, three_jobs):
    spot_job = aws.submit("estimate_gmm", queue=OTHER_QUEUE)
    aws.set_job(spot_job, stopped=NOW)
    lines = aws.run("jobs", "--queue", QUEUE, "--queue", OTHER_QUEUE).out.splitlines()
    assert lines[0].split()[:2] == ["QUEUE", "NAME"]
    assert lines[1].split()[:2] == [QUEUE, "train_classifier"]  # still running: on top
    assert lines[2].split()[:3] == [OTHER_QUEUE, "estimate_gmm", spot_job]


def test_json_output_has_exactly_the_documented_fields(aws, three_jobs):
    records = aws.run("jobs", "--queue", QUEUE, "--output", "json").json()
    assert [tuple(r) for r in records] == [listing.JSON_FIELDS] * 3
    failed = records[1]
    assert failed["jobId"] == three_jobs["failed"]
    assert failed["status"] == "FAILED"
    assert failed["exitCode"] == 1
    assert failed["durationSeconds"] == 120.0
    assert failed["stoppedAt"] == (T0 + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert failed["statusReason"] == "Essential container in task exited"
    assert failed["jobQueue"] == QUEUE


def test_readme_documents_exactly_the_json_fields():
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    after = text.split("**JSON and CSV fields**", 1)[1]
    table = after.split("\n\n")[1]  # the paragraph that introduces it, then the table
    documented = tuple(re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE))
    assert documented == listing.JSON_FIELDS


def test_csv_output_has_a_header_and_empty_cells_for_missing_values(aws, three_jobs):
    rows = list(csv.DictReader(io.StringIO(aws.run("jobs", "--queue", QUEUE, "-o", "csv").out)))
    assert tuple(rows[0]) == listing.JSON_FIELDS
    assert [r["jobId"] for r in rows] == [three_jobs["running"], three_jobs["failed"], three_jobs["ok"]]
    assert rows[0]["stoppedAt"] == ""


def test_terminal_gets_a_rich_table_and_a_count(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, tty=True)
    assert "\x1b[" in result.out  # styled
    assert "FAILED" in result.out and three_jobs["ok"] in result.out
    assert result.err.strip() == "3 jobs"


def test_listing_calls_list_jobs_per_status_and_never_describe_jobs(aws, three_jobs):
    batch = SESSION.client("batch")
    calls: list[str] = []
    batch.meta.events.register("before-call.batch.*", lambda model, **_: calls.append(model.name))
    result = run_cli("jobs", "--queue", QUEUE, aws=Aws(clients={"batch": batch}))
    assert result.code == 0
    assert sorted(set(calls)) == ["DescribeJobQueues", "ListJobs"]
    assert calls.count("ListJobs") == len(listing.STATUSES)
    assert "DescribeJobs" not in calls


def test_queues_come_from_the_stack_outputs(aws, three_jobs):
    stack = aws.stack_aws("GoActiveLearningBatch", {"JobQueueNames": f"{QUEUE},{OTHER_QUEUE}"})
    result = aws.run("jobs", "--stack", "GoActiveLearningBatch", "-o", "json", aws=stack)
    assert result.code == 0, result.err
    assert {r["jobId"] for r in result.json()} == set(three_jobs.values())


def test_unknown_queue_is_a_usage_error_naming_the_known_ones(aws):
    result = aws.run("jobs", "--queue", "go-active-learnin")
    assert result.code == 2
    assert result.err == (f"batchctl: unknown job queue 'go-active-learnin' in {REGION} (queues there: {QUEUE}, {OTHER_QUEUE})\n")
    assert result.out == ""


def test_no_queue_at_all_is_a_usage_error(aws):
    result = aws.run("jobs")
    assert result.code == 2
    assert "pass --queue NAME, or --stack / --config" in result.err


def test_bad_since_is_a_usage_error(aws):
    result = aws.run("jobs", "--queue", QUEUE, "--since", "yesterday")
    assert result.code == 2
    assert result.err.startswith("batchctl: --since: expected a duration such as 30m")


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
