"""batchctl.details: DescribeJobs by the hundred, a job's attempts, its log stream and its log group."""

from __future__ import annotations

from batchctl import details
from batchctl.names import AppNames, ConfiguredJob
from tests.lambdas.conftest import event


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


def test_a_recorded_job_detail_reads_as_show_prints_it():
    job = event("job_ec2_failed")["detail"]  # an event's detail is a DescribeJobs JobDetail
    tried = details.attempts(job)
    cluster = "AWSBatch-GoActiveLearningOnDemand-da5d5925-2b06-35ec-873a-aa1e457800a9"
    hosts = [
        f"task/{cluster}/28e75a162f325e796e8a7af08766686e on container-instance/{cluster}/7519a003cf48f08d3093150ee2459aec",
        f"task/{cluster}/5c2c1ce13247027c73148bae8a8f12d4 on container-instance/{cluster}/a0bc3983528dd11b0f10791fa1e00ac7",
    ]
    assert [(a.number, a.exit_code, a.host, a.duration_seconds, a.running) for a in tried] == [
        (1, 1, hosts[0], 309.0, False),
        (2, 1, hosts[1], 309.0, False),
    ]
    assert tried[1].reason == "Essential container in task exited"
    assert details.log_stream(job) == "update_recommendation/default/4c7599ae"
    assert details.log_group(job, AppNames(source="none")) == "/aws/batch/go-active-learning"


def test_a_multi_container_job_shows_each_attempt_by_its_failed_essential_container():
    job = event("job_multicontainer_failed")["detail"]  # no top-level container: ecsProperties and taskProperties
    tried = details.attempts(job)
    assert [(a.number, a.exit_code, a.running) for a in tried] == [(1, 137, False), (2, 137, False)]
    assert tried[0].reason == "Essential container in task exited; OutOfMemoryError: Container killed due to memory usage"
    assert [a.log_stream.split("/")[1] for a in tried] == ["trainer", "trainer"]
    assert tried[0].host.startswith("task/") and tried[0].host != tried[1].host
    assert details.log_stream(job) == tried[1].log_stream
    assert details.log_stream(job, 1) == tried[0].log_stream
    assert details.log_group(job, AppNames(source="none")) == "/aws/batch/go-active-learning"
