"""A moto AWS Batch with one queue and one job definition, for tests that submit jobs.

Use inside ``mock_aws(config={"batch": {"use_docker": False}})``: moto then marks every
submitted job SUCCEEDED at once; :meth:`FakeBatch.submit` can put one back in flight.
"""

from __future__ import annotations

import boto3
from moto.batch import batch_backends
from moto.core import DEFAULT_ACCOUNT_ID

REGION = "us-east-1"
# One session for every test: botocore then loads each service model once, not once per client.
SESSION = boto3.session.Session(region_name=REGION)


class FakeBatch:
    def __init__(self, *, queue_name: str = "jobs", job_definition_name: str = "update_recommendation") -> None:
        self.client = SESSION.client("batch")
        role_arn = SESSION.client("iam").create_role(RoleName="batch", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        environment = self.client.create_compute_environment(
            computeEnvironmentName="compute", type="UNMANAGED", state="ENABLED", serviceRole=role_arn
        )
        self.queue = self.client.create_job_queue(
            jobQueueName=queue_name,
            state="ENABLED",
            priority=1,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment["computeEnvironmentArn"]}],
        )["jobQueueArn"]
        self.job_definition_name = job_definition_name
        self.definition = self.client.register_job_definition(
            jobDefinitionName=job_definition_name,
            type="container",
            containerProperties={"image": "busybox", "vcpus": 1, "memory": 128, "command": ["true"]},
        )["jobDefinitionArn"]

    def submit(self, name: str | None = None, *, status: str = "SUCCEEDED") -> str:
        job_id = self.client.submit_job(
            jobName=name or self.job_definition_name, jobQueue=self.queue, jobDefinition=self.definition
        )["jobId"]
        if status != "SUCCEEDED":  # moto finishes jobs at once; put this one back in flight
            job = batch_backends[DEFAULT_ACCOUNT_ID][REGION].get_job_by_id(job_id)
            job.status, job.job_stopped = status, False
        return job_id

    def jobs(self, name: str | None = None) -> list[dict]:
        filters = [{"name": "JOB_NAME", "values": [name or self.job_definition_name]}]
        ids = [s["jobId"] for s in self.client.list_jobs(jobQueue=self.queue, filters=filters)["jobSummaryList"]]
        return self.client.describe_jobs(jobs=ids)["jobs"] if ids else []

    def describe(self, job_id: str) -> dict:
        (job,) = self.client.describe_jobs(jobs=[job_id])["jobs"]
        return job


def submit_job_kwargs(universal_input: dict) -> dict:
    """A Scheduler universal-target input for ``batch:submitJob`` as boto3 ``submit_job`` keyword arguments.

    Universal targets name the request's members as the AWS SDKs do, in PascalCase
    (``JobName``), where the Batch wire protocol and boto3 say ``jobName``. Every key
    must be a PascalCase spelling of a SubmitJob member; map-valued members such as
    ``Parameters`` keep their own keys.
    """
    members = SESSION.client("batch").meta.service_model.operation_model("SubmitJob").input_shape.members
    by_lower = {name.lower(): name for name in members}
    kwargs = {}
    for key, value in universal_input.items():
        assert key[:1].isupper(), f"universal-target input key {key!r} is not PascalCase"
        assert key.lower() in by_lower, f"{key!r} is not a member of SubmitJob"
        kwargs[by_lower[key.lower()]] = value
    return kwargs
