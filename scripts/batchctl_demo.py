#!/usr/bin/env python3
"""Run batchctl against moto and print what it shows (the README's examples).

    .venv/bin/python scripts/batchctl_demo.py

moto mocks Batch, CloudWatch Logs and IAM in this process (``mock_aws``); the job
queues are the ones config/default.toml makes. Jobs finish as moto's Docker-less
Batch finishes them: at once as SUCCEEDED, or as FAILED after
MOTO_SIMPLE_BATCH_FAIL_AFTER seconds. One failing job is terminated while it
runs, to give it a status reason, and gets a few log lines. batchctl's own
entry point, ``batchctl.cli.main``, then runs each command with its output piped
(plain text, as when redirected) and times in UTC.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from datetime import UTC
from pathlib import Path

import boto3
from moto import mock_aws

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from batchctl.cli import main as batchctl  # noqa: E402 (after the path is set)

REGION = "ap-northeast-1"
CONFIG = "config/default.toml"
QUEUES = ("go-active-learning", "go-active-learning-spot", "go-active-learning-fargate")


def main() -> int:
    os.chdir(ROOT)
    # moto accepts any credentials; these are placeholders, never real ones.
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION})
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "MOTO_SIMPLE_BATCH_FAIL_AFTER"):
        os.environ.pop(variable, None)
    with mock_aws(config={"batch": {"use_docker": False}}):
        failed = _make_jobs(boto3.session.Session(region_name=REGION))
        for argv in (["jobs"], ["show", failed], ["logs", failed]):
            _run(argv)
    return 0


def _make_jobs(session) -> str:
    batch = session.client("batch")
    iam = session.client("iam")
    logs = session.client("logs")
    role = iam.create_role(RoleName="batch-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    for queue in QUEUES:
        environment = batch.create_compute_environment(
            computeEnvironmentName=f"{queue}-env", type="UNMANAGED", state="ENABLED", serviceRole=role
        )["computeEnvironmentArn"]
        batch.create_job_queue(
            jobQueueName=queue,
            state="ENABLED",
            priority=1,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment}],
        )
    for name in ("fetch_entries", "train_classifier", "update_recommendation"):
        batch.register_job_definition(
            jobDefinitionName=name,
            type="container",
            parameters={"Arg2": "from-AWS-Lambda"},
            containerProperties={
                "image": "go-active-learning",
                "vcpus": 1,
                "memory": 2500,
                "command": ["/bin/sh", f"/app/{name}"],
            },
        )

    def submit(name: str, queue: str = QUEUES[0], **parameters: str) -> str:
        return batch.submit_job(jobName=name, jobQueue=queue, jobDefinition=name, parameters=parameters)["jobId"]

    submit("update_recommendation", Arg1="2026-03-01T00:00:00Z")
    time.sleep(1.1)
    submit("fetch_entries", QUEUES[1], Arg1="2026-03-01T03:00:00Z")
    time.sleep(1.1)

    # Fails after 2 s; terminated while it runs, so that it carries a reason as real failures do.
    os.environ["MOTO_SIMPLE_BATCH_FAIL_AFTER"] = "2"
    submitted: dict[str, str] = {}
    worker = threading.Thread(target=lambda: submitted.update(id=submit("train_classifier", Arg1="2026-03-01T06:00:00Z")))
    worker.start()
    job_id = _wait_for_new_job(batch, "train_classifier")
    batch.terminate_job(jobId=job_id, reason="Terminated by an operator: training data incomplete")
    worker.join()
    del os.environ["MOTO_SIMPLE_BATCH_FAIL_AFTER"]

    time.sleep(1.1)
    submit("update_recommendation", Arg1="2026-03-01T09:00:00Z")

    stream = batch.describe_jobs(jobs=[job_id])["jobs"][0]["container"]["logStreamName"]
    logs.create_log_group(logGroupName="/aws/batch/job")
    logs.create_log_stream(logGroupName="/aws/batch/job", logStreamName=stream)
    start = int(time.time() * 1000) - 3000
    lines = ["loading 48210 entries", "training classifier: epoch 1/20", "error: 1207 entries have no label; stopping"]
    logs.put_log_events(
        logGroupName="/aws/batch/job",
        logStreamName=stream,
        logEvents=[{"timestamp": start + i * 700, "message": line} for i, line in enumerate(lines)],
    )
    return job_id


def _wait_for_new_job(batch, name: str) -> str:
    for _ in range(100):
        for status in ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING"):
            for job in batch.list_jobs(jobQueue=QUEUES[0], jobStatus=status)["jobSummaryList"]:
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
