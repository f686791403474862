"""batchctl status: counts per active status and the oldest RUNNABLE age, by the monitor's own counting code."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from lambdas.queue_metrics import counting
from tests.batchctl.conftest import NOW, OTHER_QUEUE, QUEUE, T0


@pytest.fixture
def busy_queue(aws):
    """Two RUNNABLE jobs (the older created 90 minutes before "now"), one RUNNING, one finished."""
    jobs = [aws.submit(name) for name in ("a", "b", "c", "d")]
    aws.set_job(jobs[0], created=NOW - timedelta(minutes=90), status="RUNNABLE")
    aws.set_job(jobs[1], created=NOW - timedelta(minutes=5), status="RUNNABLE")
    aws.set_job(jobs[2], created=T0, status="RUNNING")
    return jobs


def test_status_counts_each_active_status_per_queue(aws, busy_queue):
    result = aws.run("status", "--queue", QUEUE, "--queue", OTHER_QUEUE)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["QUEUE", "SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "OLDEST", "RUNNABLE"]
    assert lines[1].split() == [QUEUE, "0", "0", "2", "0", "1", "1h30m"]
    assert lines[2].split() == [OTHER_QUEUE, "0", "0", "0", "0", "0", "-"]


def test_status_json_has_counts_and_age_in_seconds(aws, busy_queue):
    (record,) = json.loads(aws.run("status", "--queue", QUEUE, "-o", "json").out)
    assert record == {
        "jobQueue": QUEUE,
        "counts": {"SUBMITTED": 0, "PENDING": 0, "RUNNABLE": 2, "STARTING": 0, "RUNNING": 1},
        "oldestRunnableAgeSeconds": pytest.approx(5400, abs=1),
    }


def test_status_uses_the_app_queues_from_the_stack(aws, busy_queue):
    stack = aws.stack_aws("App", {"JobQueueNames": f"{QUEUE},{OTHER_QUEUE}"})
    result = aws.run("status", "--stack", "App", "-o", "csv", aws=stack)
    assert result.out.splitlines()[0] == "jobQueue,SUBMITTED,PENDING,RUNNABLE,STARTING,RUNNING,oldestRunnableAgeSeconds"
    assert [line.split(",")[0] for line in result.out.splitlines()[1:]] == [QUEUE, OTHER_QUEUE]


def test_status_links_the_dashboard_when_the_stack_has_one(aws):
    stack = aws.stack_aws("App", {"JobQueueNames": QUEUE, "DashboardUrl": "https://console.example/dashboards/App"})
    result = aws.run("status", "--stack", "App", aws=stack)
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == "dashboard: https://console.example/dashboards/App"


def test_status_of_an_unknown_queue_is_a_usage_error(aws):
    result = aws.run("status", "--queue", "nope")
    assert result.code == 2
    assert result.err.startswith("batchctl: unknown job queue 'nope'")


def test_status_calls_the_monitors_count_jobs(aws, monkeypatch):
    seen = []
    real = counting.count_jobs

    def spy(batch_client, job_queue, *, now=None):
        seen.append((job_queue, now))
        return real(batch_client, job_queue, now=now)

    monkeypatch.setattr(counting, "count_jobs", spy)
    assert aws.run("status", "--queue", QUEUE).code == 0
    assert seen == [(QUEUE, NOW)]
