"""Where batchctl learns the app's names: the stack's outputs, or the config file.

``--stack NAME`` reads these CloudFormation outputs of the deployed stack:

``JobQueueNames``
    Comma-separated job queue names (or ARNs).
``BatchctlJobs``
    A JSON object: config job key -> ``{"jobName", "jobQueue", "jobDefinition",
    "concurrencyPolicy", "parameters", "logGroup"}`` (see :func:`encode_jobs`).
``DashboardUrl``
    The CloudWatch dashboard (optional).

``--config FILE`` reads the same names from the config file the stack was built
from (``batch_stack.config``, which imports no aws_cdk).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchctl.errors import UsageError

OUTPUT_QUEUES = "JobQueueNames"
OUTPUT_JOBS = "BatchctlJobs"
OUTPUT_DASHBOARD = "DashboardUrl"

ENV_STACK = "BATCHCTL_STACK"
ENV_CONFIG = "BATCHCTL_CONFIG"


@dataclass(frozen=True)
class ConfiguredJob:
    """One ``[jobs.<key>]`` of the config, as deployed."""

    key: str
    job_name: str
    job_queue: str
    job_definition: str
    concurrency_policy: str = "ALLOW"
    parameters: Mapping[str, str] = field(default_factory=dict)
    log_group: str | None = None

    def to_output(self) -> dict[str, Any]:
        return {
            "jobName": self.job_name,
            "jobQueue": self.job_queue,
            "jobDefinition": self.job_definition,
            "concurrencyPolicy": self.concurrency_policy,
            "parameters": dict(self.parameters),
            "logGroup": self.log_group,
        }


@dataclass(frozen=True)
class AppNames:
    """The queues and configured jobs batchctl operates on."""

    source: str
    queues: tuple[str, ...] = ()
    jobs: Mapping[str, ConfiguredJob] = field(default_factory=dict)
    dashboard_url: str | None = None
    region: str | None = None

    def job(self, key: str) -> ConfiguredJob:
        """The configured job called ``key`` (its config key, or its Batch job name)."""
        if key in self.jobs:
            return self.jobs[key]
        by_name = [job for job in self.jobs.values() if job.job_name == key]
        if len(by_name) == 1:
            return by_name[0]
        known = ", ".join(sorted(self.jobs)) or "none"
        raise UsageError(f"unknown job {key!r} in {self.source} (configured jobs: {known})")

    def log_group_for(self, job_name: str) -> str | None:
        """The log group configured for jobs named ``job_name``, if any."""
        for job in self.jobs.values():
            if job.job_name == job_name and job.log_group:
                return job.log_group
        return None


NO_NAMES = AppNames(source="no --stack or --config")


def encode_jobs(jobs: Iterable[ConfiguredJob]) -> str:
    """The ``BatchctlJobs`` output value for ``jobs`` (the stack may build the same JSON itself)."""
    return json.dumps({job.key: job.to_output() for job in jobs}, sort_keys=True, separators=(",", ":"))


def resolve(stack: str | None, config: str | None, aws_factory) -> AppNames:
    """Names from ``--stack``/``--config`` (or BATCHCTL_STACK/BATCHCTL_CONFIG); :data:`NO_NAMES` when none is given.

    ``aws_factory(fallback_region)`` returns the :class:`~batchctl.aws.Aws` to read the stack with.
    """
    stack = stack or (None if config else os.environ.get(ENV_STACK))
    config = config or (None if stack else os.environ.get(ENV_CONFIG))
    if stack and config:
        raise UsageError("give either --stack or --config, not both")
    if config:
        return from_config(config)
    if stack:
        return from_stack(aws_factory(None).client("cloudformation"), stack)
    return NO_NAMES


def from_stack(cloudformation: Any, stack_name: str) -> AppNames:
    """Read the app's outputs from a deployed stack."""
    from botocore.exceptions import ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ValidationError" and "does not exist" in str(error):
            region = cloudformation.meta.region_name
            raise UsageError(f"stack {stack_name!r} does not exist in {region} (check --stack and --region)") from None
        raise
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in stacks[0].get("Outputs", [])}
    return from_outputs(outputs, f"stack {stack_name}")


def from_outputs(outputs: Mapping[str, str], source: str) -> AppNames:
    """Names from a stack's outputs (``OutputKey -> OutputValue``)."""
    if OUTPUT_QUEUES not in outputs:
        raise UsageError(f"{source} has no {OUTPUT_QUEUES} output: is it this app's stack?")
    queues = tuple(q.strip() for q in outputs[OUTPUT_QUEUES].split(",") if q.strip())
    jobs: dict[str, ConfiguredJob] = {}
    if outputs.get(OUTPUT_JOBS):
        try:
            raw = json.loads(outputs[OUTPUT_JOBS])
            for key, value in raw.items():
                jobs[key] = ConfiguredJob(
                    key=key,
                    job_name=value["jobName"],
                    job_queue=value["jobQueue"],
                    job_definition=value["jobDefinition"],
                    concurrency_policy=(value.get("concurrencyPolicy") or "ALLOW").upper(),
                    parameters={str(k): str(v) for k, v in (value.get("parameters") or {}).items()},
                    log_group=value.get("logGroup") or None,
                )
        except (ValueError, AttributeError, KeyError, TypeError) as error:
            raise UsageError(f"{source}: output {OUTPUT_JOBS} is not the expected JSON ({error!r})") from None
    return AppNames(source=source, queues=queues, jobs=jobs, dashboard_url=outputs.get(OUTPUT_DASHBOARD) or None)


def from_config(path: str | Path) -> AppNames:
    """Names from the config file the stack is built from."""
    from batch_stack.config import ConfigError, cluster_queue_by_capacity, load_config

    try:
        config = load_config(path)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    queue_by_capacity = cluster_queue_by_capacity(config.cluster)
    jobs = {key: _configured_job(key, settings, queue_by_capacity) for key, settings in config.jobs.items()}
    return AppNames(source=str(config.source), queues=tuple(queue_by_capacity.values()), jobs=jobs, region=config.app.region)


def _configured_job(key: str, settings: Any, queue_by_capacity: Mapping[str, str]) -> ConfiguredJob:
    """A ``[jobs.<key>]`` table (``batch_stack.config.JobSettings``) as batchctl needs it.

    The stack names each job definition after its job name. Its log group has a
    generated name that the config cannot know; ``logs`` reads it from the job's
    own awslogs configuration instead.
    """
    return ConfiguredJob(
        key=key,
        job_name=settings.job_name,
        job_queue=queue_by_capacity[settings.capacity],
        job_definition=settings.job_name,
        concurrency_policy=settings.concurrency_policy,
        parameters=dict(settings.parameters),
        log_group=None,
    )
