"""batchctl logs: the job's own log stream, whole, its tail, one attempt's, or followed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.stub import Stubber

from batchctl import logs
from tests.batchctl.conftest import SESSION, T0


@pytest.fixture
def logged_job(aws):
    job_id = aws.submit("update_recommendation")
    aws.write_logs(job_id, ["fetching entries", "training", "done"])
    return job_id


def messages(text: str) -> list[str]:
    return [line.split("  ", 1)[1] for line in text.splitlines()]


def test_logs_prints_every_line_with_its_time(aws, logged_job):
    result = aws.run("logs", logged_job)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"{T0 + timedelta(seconds=i):%Y-%m-%d %H:%M:%S}  {line}"
        for i, line in enumerate(["fetching entries", "training", "done"])
    ]


def test_tail_prints_the_last_lines(aws, logged_job):
    assert messages(aws.run("logs", logged_job, "--tail", "2").out) == ["training", "done"]


def test_log_group_option_reads_another_group(aws, logged_job):
    aws.write_logs(logged_job, ["from the job's own group"], group="/batch/update_recommendation")
    result = aws.run("logs", logged_job, "--log-group", "/batch/update_recommendation")
    assert messages(result.out) == ["from the job's own group"]


def test_log_group_configured_for_the_job_is_used(aws, logged_job):
    aws.write_logs(logged_job, ["from the configured group"], group="/batch/update_recommendation")
    jobs = (
        '{"update":{"jobName":"update_recommendation","jobQueue":"q","jobDefinition":"d",'
        '"concurrencyPolicy":"FORBID","parameters":{},"logGroup":"/batch/update_recommendation"}}'
    )
    stack = aws.stack_aws("App", {"JobQueueNames": "q", "BatchctlJobs": jobs})
    result = aws.run("logs", logged_job, "--stack", "App", aws=stack)
    assert messages(result.out) == ["from the configured group"]


def test_attempt_that_does_not_exist_is_a_usage_error(aws, logged_job):
    result = aws.run("logs", logged_job, "--attempt", "2")
    assert result.code == 2
    assert result.err == f"batchctl: job {logged_job} has attempts 1 to 1; --attempt 2 does not exist\n"


def test_a_stream_never_written_is_a_usage_error_that_suggests_log_group(aws):
    job_id = aws.submit("update_recommendation")
    result = aws.run("logs", job_id)
    assert result.code == 2
    assert f"no log stream 'update_recommendation/default/{job_id}' in log group '/aws/batch/job'" in result.err


def test_a_job_without_a_stream_says_so(aws):
    job_id = aws.submit("update_recommendation", fail=True)
    job = aws.job(job_id)
    job.log_stream_name = None
    job.attempts = []
    job.job_stopped_reason = "CannotPullContainerError: pull access denied"
    result = aws.run("logs", job_id)
    assert result.code == 2
    assert result.err == (
        f"batchctl: job {job_id} has no log stream (FAILED: CannotPullContainerError: pull access denied); "
        "--follow waits for one\n"
    )


def test_follow_prints_new_lines_until_the_job_ends(aws):
    job_id = aws.submit("update_recommendation")
    aws.set_job(job_id, status="RUNNING")
    aws.write_logs(job_id, ["one"])
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 1:
            aws.write_logs(job_id, ["two"], start=T0 + timedelta(seconds=1))
        if len(sleeps) == 2:
            aws.write_logs(job_id, ["three"], start=T0 + timedelta(seconds=2))
            aws.set_job(job_id, status="SUCCEEDED")

    result = aws.run("logs", job_id, "--follow", "--interval", "5", sleep=sleep)
    assert result.code == 0, result.err
    assert messages(result.out) == ["one", "two", "three"]
    assert sleeps == [5.0, 5.0, 5.0]  # two polls while running, one wait for late lines
    assert result.err.endswith(f"job {job_id} SUCCEEDED\n")


def test_follow_switches_to_the_stream_of_a_retry():
    streams = {"s/1": [["a1"], ["a2"]], "s/2": [["b1"], [], []]}

    class Reader:
        def __init__(self, name):
            self.stream = name

        def read_new(self, *, missing_ok=False):
            batches = streams[self.stream]
            return [logs.LogEvent(0, m) for m in (batches.pop(0) if batches else [])]

    polls = iter([("RUNNING", "s/1"), ("RUNNING", "s/2"), ("SUCCEEDED", "s/2")])
    emitted, notices = [], []
    status = logs.follow(
        lambda: next(polls), Reader, Reader("s/1"), lambda e: emitted.append(e.message), notices.append, lambda _s: None, 1
    )
    assert status == "SUCCEEDED"
    assert emitted == ["a1", "a2", "b1"]
    assert notices == ["--- log stream s/2"]


def test_reader_follows_forward_tokens_until_they_repeat():
    client = SESSION.client("logs")
    where = {"logGroupName": "g", "logStreamName": "s"}
    with Stubber(client) as stub:
        stub.add_response(
            "get_log_events",
            {"events": [{"timestamp": 1, "message": "a"}], "nextForwardToken": "f/1", "nextBackwardToken": "b/0"},
            {**where, "startFromHead": True},
        )
        stub.add_response(
            "get_log_events",
            {"events": [{"timestamp": 2, "message": "b"}], "nextForwardToken": "f/2", "nextBackwardToken": "b/1"},
            {**where, "startFromHead": True, "nextToken": "f/1"},
        )
        stub.add_response(
            "get_log_events",
            {"events": [], "nextForwardToken": "f/2", "nextBackwardToken": "b/2"},
            {**where, "startFromHead": True, "nextToken": "f/2"},
        )
        reader = logs.StreamReader(client, "g", "s")
        assert [e.message for e in reader.read_new()] == ["a", "b"]
        stub.assert_no_pending_responses()
    assert reader.token == "f/2"


def test_follow_waits_for_a_job_that_has_not_started(aws):
    job_id = aws.submit("update_recommendation")
    job = aws.job(job_id)
    stream = job.log_stream_name
    job.log_stream_name, job.attempts = None, []
    aws.set_job(job_id, status="RUNNABLE")
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 1:  # it starts
            job.log_stream_name = stream
            aws.set_job(job_id, status="RUNNING")
            aws.write_logs(job_id, ["started"])
        if len(sleeps) == 2:
            aws.set_job(job_id, status="SUCCEEDED")

    result = aws.run("logs", job_id, "-f", sleep=sleep)
    assert result.code == 0, result.err
    assert messages(result.out) == ["started"]
    assert f"--- log stream {stream}" in result.err
