"""batchctl show: one job in full, from one DescribeJobs call."""

from __future__ import annotations

from datetime import timedelta

import pytest

from batchctl import details
from batchctl.names import AppNames, ConfiguredJob
from tests.batchctl.conftest import QUEUE, REGION, T0


@pytest.fixture
def failed_job(aws):
    job_id = aws.submit("update_recommendation", fail=True, parameters={"Arg1": "2026-03-01T09:00:00Z"})
    aws.set_job(
        job_id,
        created=T0,
        started=T0 + timedelta(seconds=30),
        stopped=T0 + timedelta(minutes=3, seconds=35),
        exit_code=137,
        reason="Essential container in task exited",
    )
    return job_id


def section(text: str, title: str) -> list[str]:
    """The indented lines under a section title of ``show``'s output."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


def test_show_summarises_the_job(aws, failed_job):
    result = aws.run("show", failed_job)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "update_recommendation"
    summary = dict(line.strip().split("  ", 1) for line in lines[1:9])
    assert {k: v.strip() for k, v in summary.items()} == {
        "job id": failed_job,
        "status": "FAILED: Essential container in task exited",
        "queue": QUEUE,
        "definition": "update_recommendation:1",
        "created": f"{T0:%Y-%m-%d %H:%M:%S}",
        "started": f"{T0 + timedelta(seconds=30):%Y-%m-%d %H:%M:%S}",
        "stopped": f"{T0 + timedelta(minutes=3, seconds=35):%Y-%m-%d %H:%M:%S}",
        "duration": "3m05s",
    }


def test_show_lists_parameters_from_the_job_and_its_definition(aws, failed_job):
    lines = section(aws.run("show", failed_job).out, "parameters")
    assert [line.split() for line in lines] == [["Arg1", "2026-03-01T09:00:00Z"], ["Arg2", "from-AWS-Lambda"]]


def test_show_lists_every_attempt_with_exit_code_and_times(aws, failed_job):
    lines = section(aws.run("show", failed_job).out, "attempts")
    assert lines[0].split() == ["#", "EXIT", "STARTED", "STOPPED", "DURATION", "HOST", "OR", "TASK", "REASON"]
    cells = lines[1].split()
    assert cells[:2] == ["1", "137"]
    assert cells[6] == "3m05s"


def test_show_links_to_the_console_and_the_log_stream(aws, failed_job):
    lines = section(aws.run("show", failed_job).out, "links")
    links = dict(line.strip().split("  ", 1) for line in lines)
    links = {k: v.strip() for k, v in links.items()}
    assert links["console"] == f"https://{REGION}.console.aws.amazon.com/batch/home?region={REGION}#jobs/detail/{failed_job}"
    assert links["log group"] == "/aws/batch/job"
    assert links["log, attempt 1"].endswith(
        f"#logsV2:log-groups/log-group/$252Faws$252Fbatch$252Fjob/log-events/update_recommendation$252Fdefault$252F{failed_job}"
    )


def test_show_json_is_the_job_detail_with_links(aws, failed_job):
    job = aws.run("show", failed_job, "--output", "json").json()
    assert job["jobId"] == failed_job
    assert job["status"] == "FAILED"
    assert job["attempts"][0]["container"]["exitCode"] == 137
    assert job["links"]["logGroup"] == "/aws/batch/job"
    assert set(job["links"]["logStreams"]) == {"1"}


def test_unknown_job_id_is_a_usage_error(aws):
    result = aws.run("show", "00000000-0000-0000-0000-000000000000")
    assert result.code == 2
    assert result.err.startswith("batchctl: unknown job id '00000000-0000-0000-0000-000000000000' in us-east-1")
    assert "Traceback" not in result.err


def test_describe_jobs_takes_at_most_100_ids_a_call():
    calls = []

    class Batch:
        def describe_jobs(self, jobs):
            calls.append(len(jobs))
            return {"jobs": [{"jobId": j} for j in jobs]}

    found = details.describe_jobs(Batch(), [f"id-{i}" for i in range(250)])
    assert calls == [100, 100, 50]
    assert len(found) == 250


JOB = {
    "jobId": "j1",
    "jobName": "update_recommendation",
    "status": "RUNNING",
    "startedAt": 1_700_000_100_000,
    "attempts": [
        {
            "container": {
                "exitCode": 1,
                "reason": "OutOfMemoryError: Container killed due to memory usage",
                "logStreamName": "s/1",
                "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/cluster/abc",
                "containerInstanceArn": "arn:aws:ecs:us-east-1:123456789012:container-instance/cluster/i-1",
            },
            "startedAt": 1_700_000_000_000,
            "stoppedAt": 1_700_000_060_000,
            "statusReason": "Essential container in task exited",
        }
    ],
    "container": {
        "logStreamName": "s/2",
        "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/cluster/def",
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/batch/update_recommendation"}},
    },
}


def test_a_running_retry_is_the_last_attempt():
    tried = details.attempts(JOB)
    assert [(a.number, a.log_stream, a.running) for a in tried] == [(1, "s/1", False), (2, "s/2", True)]
    assert tried[0].reason == "Essential container in task exited; OutOfMemoryError: Container killed due to memory usage"
    assert tried[0].host == "task/cluster/abc on container-instance/cluster/i-1"
    assert tried[0].duration_seconds == 60


def test_log_stream_of_an_attempt_and_of_the_latest():
    assert details.log_stream(JOB) == "s/2"
    assert details.log_stream(JOB, 1) == "s/1"


def test_log_group_comes_from_the_jobs_awslogs_configuration_first():
    names = AppNames(
        source="test",
        jobs={"u": ConfiguredJob("u", "update_recommendation", "q", "d", log_group="/from/config")},
    )
    assert details.log_group(JOB, names) == "/batch/update_recommendation"
    without = {**JOB, "container": {}}
    assert details.log_group(without, names) == "/from/config"
    assert details.log_group(without, AppNames(source="none")) == "/aws/batch/job"
