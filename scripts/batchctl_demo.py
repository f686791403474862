#!/usr/bin/env python3
"""Run batchctl against moto and print what it shows (the README's examples).

    .venv/bin/python scripts/batchctl_demo.py

moto mocks Batch, CloudWatch Logs and IAM in this process (``mock_aws``). The job
queues, jobs, job definitions and parameters are those of config/default.toml
(read with ``batchctl.names.from_config`` and ``batch_stack.config.load_config``):
each job runs on the queue of its ``capacity``, with its configured parameters
plus ``scheduled_time``, and its job definition logs with the awslogs driver to
the job's own log group, named as CloudFormation names the stack's
``Job-<key>/Logs`` (``<stack>-<logical id>-<random suffix>``).

Jobs finish as moto's Docker-less Batch finishes them: at once as SUCCEEDED, or
as FAILED after MOTO_SIMPLE_BATCH_FAIL_AFTER seconds. One failing job is
terminated while it runs, to give it a status reason, and gets a few log lines.
moto's DescribeJobs leaves out the container's ``logConfiguration`` and names
log streams and tasks after the job; the demo fills in, on moto's own objects,
what Batch reports: the job definition's logConfiguration, an ECS task ARN and
awslogs' ``<prefix>/default/<task id>`` stream. batchctl's own entry point,
``batchctl.cli.main``, then runs each command with its output piped (plain text,
as when redirected) and times in UTC.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import string
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import boto3
from moto import mock_aws
from moto.batch.models import Job, batch_backends
from moto.core import DEFAULT_ACCOUNT_ID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from batch_stack.config import cluster_queue_by_capacity, load_config  # noqa: E402 (after the path is set)
from batchctl.cli import main as batchctl  # noqa: E402
from batchctl.names import from_config  # noqa: E402

REGION = "ap-northeast-1"
CONFIG = "config/default.toml"
# BatchCluster's construct id of the compute environment behind each capacity's queue.
ENVIRONMENT_IDS = {"on_demand": "OnDemand", "spot": "Spot", "fargate": "Fargate"}
FAILING_JOB = "update_recommendation"
# Fixed suffixes, so that the generated names stay the same from one run to the next.
_SUFFIXES = random.Random(20260301)  # noqa: S311 (made-up resource names, not secrets)


def main() -> int:
    os.chdir(ROOT)
    # moto accepts any credentials; these are placeholders, never real ones.
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION})
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "MOTO_SIMPLE_BATCH_FAIL_AFTER"):
        os.environ.pop(variable, None)
    with (
        mock_aws(config={"batch": {"use_docker": False}}),
        mock.patch.object(Job, "_container_details", _with_log_configuration(Job._container_details)),
    ):
        failed = _make_jobs(boto3.session.Session(region_name=REGION))
        for argv in (["jobs"], ["show", failed], ["logs", failed]):
            _run(argv)
    return 0


def logical_id(*path: str) -> str:
    """The logical id the CDK gives the resource at ``path`` below the stack (its ``makeUniqueId``)."""
    digest = hashlib.md5("/".join(path).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    human = "".join("".join(c for c in part if c.isalnum()) for part in path if part != "Resource")
    return human + digest


def generated_name(stack: str | None, *path: str) -> str:
    """A name as CloudFormation generates it for an unnamed resource: [stack-]logical id-random suffix."""
    suffix = "".join(_SUFFIXES.choices(string.ascii_letters + string.digits, k=12))
    return "-".join(part for part in (stack, logical_id(*path), suffix) if part)


def _with_log_configuration(details):
    """moto's container details plus the job definition's logConfiguration, which DescribeJobs reports."""

    def with_log_configuration(job: Job) -> dict:
        result = details(job)
        configuration = (job.job_definition.container_properties or {}).get("logConfiguration")
        if configuration:
            result["logConfiguration"] = configuration
        return result

    return with_log_configuration


def _make_jobs(session) -> str:
    batch = session.client("batch")
    iam = session.client("iam")
    logs = session.client("logs")
    config = load_config(CONFIG)
    names = from_config(CONFIG)
    stack = config.app.stack_name
    role = iam.create_role(RoleName="batch-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

    ecs_cluster: dict[str, str] = {}  # queue -> the ECS cluster Batch runs its tasks in
    capacity_of = {queue: capacity for capacity, queue in cluster_queue_by_capacity(config.cluster).items()}
    for queue in names.queues:
        environment_name = generated_name(None, "Cluster", ENVIRONMENT_IDS[capacity_of[queue]], "Resource")
        environment = batch.create_compute_environment(
            computeEnvironmentName=environment_name, type="UNMANAGED", state="ENABLED", serviceRole=role
        )["computeEnvironmentArn"]
        batch.create_job_queue(
            jobQueueName=queue,
            state="ENABLED",
            priority=config.cluster.queue_priority,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment}],
        )
        ecs_cluster[queue] = f"AWSBatch-{environment_name}-{uuid.UUID(int=_SUFFIXES.getrandbits(128), version=4)}"

    registry = f"{DEFAULT_ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com"
    log_groups: dict[str, str] = {}
    for key, settings in config.jobs.items():
        job = names.jobs[key]
        log_groups[job.job_name] = generated_name(stack, f"Job-{key}", "Logs", "Resource")
        logs.create_log_group(logGroupName=log_groups[job.job_name])
        batch.register_job_definition(
            jobDefinitionName=job.job_definition,
            type="container",
            parameters={**job.parameters, "scheduled_time": "unscheduled"},
            containerProperties={
                "image": settings.image or f"{registry}/{settings.ecr_repository or key}:{settings.image_tag}",
                "command": list(settings.command or ()),
                "resourceRequirements": [
                    {"type": "VCPU", "value": f"{settings.vcpus:g}"},
                    {"type": "MEMORY", "value": str(settings.memory_mib)},
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": log_groups[job.job_name],
                        "awslogs-region": REGION,
                        "awslogs-stream-prefix": job.job_name,
                    },
                },
            },
        )

    def submit(key: str) -> str:
        job = names.jobs[key]
        # What the schedule sends: the configured parameters and the time it fired.
        parameters = {**job.parameters, "scheduled_time": f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"}
        return batch.submit_job(
            jobName=job.job_name, jobQueue=job.job_queue, jobDefinition=job.job_definition, parameters=parameters
        )["jobId"]

    submitted = [submit("fetch_entries")]
    time.sleep(1.1)
    submitted.append(submit("train_classifier"))
    time.sleep(1.1)

    # Fails after 2 s; terminated while it runs, so that it carries a reason as real failures do.
    os.environ["MOTO_SIMPLE_BATCH_FAIL_AFTER"] = "2"
    worker = threading.Thread(target=lambda: submit(FAILING_JOB))
    worker.start()
    failed = _wait_for_new_job(batch, names.jobs[FAILING_JOB].job_queue, FAILING_JOB)
    batch.terminate_job(jobId=failed, reason="Terminated by an operator: stuck waiting for a database lock")
    worker.join()
    del os.environ["MOTO_SIMPLE_BATCH_FAIL_AFTER"]
    submitted.append(failed)

    time.sleep(1.1)
    submitted.append(submit("fetch_entries"))

    for job_id in submitted:
        job = batch_backends[DEFAULT_ACCOUNT_ID][REGION]._jobs[job_id]
        _as_batch_reports(job, ecs_cluster[job.job_queue.name])

    stream = batch.describe_jobs(jobs=[failed])["jobs"][0]["container"]["logStreamName"]
    group = log_groups[FAILING_JOB]
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    start = int(time.time() * 1000) - 3000
    lines = ["loading 48210 entries", "updating recommendations: 1207 of 48210", "waiting for lock on table recommendation"]
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": start + i * 700, "message": line} for i, line in enumerate(lines)],
    )
    return failed


def _as_batch_reports(job: Job, cluster: str) -> None:
    """Give moto's job the ECS task ARN and awslogs stream Batch reports (moto uses the job definition and job id).

    awslogs names a Batch job's stream ``<awslogs-stream-prefix>/default/<ECS task id>``.
    """
    task_id = uuid.uuid4().hex
    prefix = job.job_definition.container_properties["logConfiguration"]["options"]["awslogs-stream-prefix"]
    job.log_stream_name = f"{prefix}/default/{task_id}"
    for attempt in job.attempts:
        attempt["container"]["logStreamName"] = job.log_stream_name
        attempt["container"]["taskArn"] = f"arn:aws:ecs:{REGION}:{DEFAULT_ACCOUNT_ID}:task/{cluster}/{task_id}"


def _wait_for_new_job(batch, queue: str, name: str) -> str:
    for _ in range(100):
        for status in ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING"):
            for job in batch.list_jobs(jobQueue=queue, jobStatus=status)["jobSummaryList"]:
                if job["jobName"] == name:
                    return job["jobId"]
        time.sleep(0.05)
    raise RuntimeError(f"moto never listed {name}")


def _run(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = batchctl(["--config", CONFIG, *argv], out=out, err=err, tz=UTC, tty=False)
    print(f"$ batchctl --config {CONFIG} {' '.join(argv)}")
    sys.stdout.write(out.getvalue() + err.getvalue())
    print(f"(exit {code})\n")


if __name__ == "__main__":
    sys.exit(main())
