"""A moto-backed AWS Batch for batchctl's tests: a queue, jobs that succeed or fail, log events."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.batch.models import batch_backends
from moto.core import DEFAULT_ACCOUNT_ID

from batchctl.aws import Aws
from batchctl.cli import main

REGION = "us-east-1"
DEFAULT_CONFIG_PATH = Path(__file__).resolve().parents[2] / "config" / "default.toml"
QUEUE = "go-active-learning"
OTHER_QUEUE = "go-active-learning-spot"
DEFINITION = "update_recommendation"
# A fixed reference time near the real clock: moto stamps new jobs with the real time, and
# CloudWatch Logs (moto too) refuses events more than 14 days old.
# One session for every client the tests make: each new session would load the service models again.
SESSION = boto3.session.Session(region_name=REGION)
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
NOW = T0 + timedelta(hours=2)


@dataclass
class Run:
    """The result of one batchctl invocation."""

    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@dataclass
class FakeBatch:
    """Handles on the mocked account."""

    batch: object
    logs: object
    monkeypatch: pytest.MonkeyPatch
    sleeps: list[float] = field(default_factory=list)

    def submit(self, name: str, *, fail: bool = False, queue: str = QUEUE, parameters: dict | None = None) -> str:
        if fail:
            self.monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")
        else:
            self.monkeypatch.delenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", raising=False)
        response = self.batch.submit_job(jobName=name, jobQueue=queue, jobDefinition=DEFINITION, parameters=parameters or {})
        self.monkeypatch.delenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", raising=False)
        return response["jobId"]

    def job(self, job_id: str):
        """moto's own job object, to set what moto's simple Batch cannot (times, reasons, exit codes)."""
        return batch_backends[DEFAULT_ACCOUNT_ID][REGION]._jobs[job_id]

    def set_job(
        self,
        job_id: str,
        *,
        created: datetime | None = None,
        started: datetime | None = None,
        stopped: datetime | None = None,
        reason: str | None = None,
        exit_code: int | None = None,
        status: str | None = None,
    ) -> None:
        job = self.job(job_id)
        # moto keeps naive local times and converts them with the local zone.
        if created:
            job.job_created_at = created.astimezone().replace(tzinfo=None)
        if started:
            job.job_started_at = started.astimezone().replace(tzinfo=None)
            for attempt in job.attempts:
                attempt["startedAt"] = int(started.timestamp() * 1000)
        if stopped:
            job.job_stopped_at = stopped.astimezone().replace(tzinfo=None)
            for attempt in job.attempts:
                attempt["stoppedAt"] = int(stopped.timestamp() * 1000)
        if reason is not None:
            job.job_stopped_reason = reason
        if exit_code is not None:
            job.exit_code = exit_code
            for attempt in job.attempts:
                attempt["container"]["exitCode"] = exit_code
        if status is not None:
            job.status = status
            job.job_stopped = status in ("SUCCEEDED", "FAILED")

    def write_logs(self, job_id: str, lines: list[str], *, group: str = "/aws/batch/job", start: datetime = T0) -> str:
        """Put ``lines`` in the job's log stream (moto's simple Batch writes none) and return its name."""
        stream = self.job(job_id).log_stream_name
        with contextlib.suppress(self.logs.exceptions.ResourceAlreadyExistsException):
            self.logs.create_log_group(logGroupName=group)
        with contextlib.suppress(self.logs.exceptions.ResourceAlreadyExistsException):
            self.logs.create_log_stream(logGroupName=group, logStreamName=stream)
        base = int(start.timestamp() * 1000)
        events = [{"timestamp": base + i * 1000, "message": line} for i, line in enumerate(lines)]
        self.logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        return stream

    def stack_aws(self, name: str, outputs: dict[str, str] | None) -> Aws:
        """An Aws whose CloudFormation knows one stack (moto's CloudFormation would load every moto
        backend, some needing packages this project does not install); Batch and Logs stay moto's."""
        return Aws(session=SESSION, clients={"cloudformation": stack_client(name, outputs)})

    def run(self, *argv: str, tty: bool = False, width: int = 200, sleep=None, clock=None, aws=None) -> Run:
        return run_cli(*argv, tty=tty, width=width, sleep=sleep or self.sleeps.append, clock=clock, aws=aws)


def stack_client(name: str, outputs: dict[str, str] | None):
    """A CloudFormation client that answers one DescribeStacks: ``outputs``, or "does not exist" when None."""
    client = SESSION.client("cloudformation")
    stubber = Stubber(client)
    if outputs is None:
        stubber.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message=f"Stack with id {name} does not exist",
            http_status_code=400,
            expected_params={"StackName": name},
        )
    else:
        stack = {
            "StackName": name,
            "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
            "StackStatus": "CREATE_COMPLETE",
            "Outputs": [{"OutputKey": key, "OutputValue": value} for key, value in outputs.items()],
        }
        stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": name})
    stubber.activate()
    return client


def run_cli(*argv: str, tty: bool = False, width: int = 200, sleep=None, clock=None, aws=None, own_aws: bool = False) -> Run:
    """Run batchctl in-process. ``own_aws`` lets it make its own session from the environment."""
    out, err = io.StringIO(), io.StringIO()
    code = main(
        list(argv),
        out=out,
        err=err,
        aws=None if own_aws else aws if aws is not None else Aws(session=SESSION),
        sleep=sleep or (lambda _seconds: None),
        clock=clock or (lambda: NOW),
        tz=UTC,
        tty=tty,
        width=width,
    )
    return Run(code, out.getvalue(), err.getvalue())


def make_queue(batch, iam, name: str) -> None:
    role = iam.create_role(RoleName=f"{name}-batch", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    environment = batch.create_compute_environment(
        computeEnvironmentName=f"{name}-env", type="UNMANAGED", state="ENABLED", serviceRole=role
    )["computeEnvironmentArn"]
    batch.create_job_queue(
        jobQueueName=name, state="ENABLED", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment}]
    )


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.delenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", raising=False)
    for variable in ("BATCHCTL_STACK", "BATCHCTL_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    with mock_aws(config={"batch": {"use_docker": False}}):
        batch = SESSION.client("batch")
        iam = SESSION.client("iam")
        make_queue(batch, iam, QUEUE)
        make_queue(batch, iam, OTHER_QUEUE)
        batch.register_job_definition(
            jobDefinitionName=DEFINITION,
            type="container",
            parameters={"Arg2": "from-AWS-Lambda"},
            containerProperties={
                "image": "busybox",
                "vcpus": 1,
                "memory": 512,
                "command": ["/bin/sh", "/app/update_recommendation"],
            },
        )
        yield FakeBatch(
            batch=batch,
            logs=SESSION.client("logs"),
            monkeypatch=monkeypatch,
        )


@pytest.fixture
def no_aws_setup(monkeypatch, tmp_path):
    """An environment with no credentials, profile or region anywhere (and no instance metadata)."""
    for variable in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "BATCHCTL_STACK",
        "BATCHCTL_CONFIG",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
