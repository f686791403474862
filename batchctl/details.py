"""One job in full (DescribeJobs): its attempts, its log group and stream.

The job detail is read through ``batch_stack_lambdas.common``, as the notifier and the outcome
metrics read the same JobDetail in their events; the console links are common's too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from batch_stack_lambdas import common
from batchctl.errors import UsageError
from batchctl.names import AppNames

DESCRIBE_JOBS_MAX_IDS = 100


def describe_jobs(batch: Any, job_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Job details by id, at most 100 ids a DescribeJobs call; unknown ids are simply absent."""
    found: dict[str, dict[str, Any]] = {}
    ids = list(dict.fromkeys(job_ids))
    for start in range(0, len(ids), DESCRIBE_JOBS_MAX_IDS):
        for job in batch.describe_jobs(jobs=ids[start : start + DESCRIBE_JOBS_MAX_IDS])["jobs"]:
            found[job["jobId"]] = job
    return found


def describe_job(batch: Any, job_id: str) -> dict[str, Any]:
    """One job's detail; a usage error when Batch does not know the id."""
    job = describe_jobs(batch, [job_id]).get(job_id)
    if job is None:
        region = batch.meta.region_name
        raise UsageError(f"unknown job id {job_id!r} in {region} (Batch keeps finished jobs for about 7 days; check --region)")
    return job


@dataclass(frozen=True)
class Attempt:
    """One attempt of a job (``attempts[]``), or the attempt still running (from the job's own container)."""

    number: int
    exit_code: int | None
    reason: str | None
    started_at: datetime | None
    stopped_at: datetime | None
    log_stream: str | None
    task_arn: str | None
    container_instance_arn: str | None
    running: bool = False

    @property
    def duration_seconds(self) -> float | None:
        return common.seconds_between(self.started_at, self.stopped_at)

    @property
    def host(self) -> str | None:
        """The task and, on EC2, the container instance, as short ARNs."""
        parts = [common.short_arn(self.task_arn), common.short_arn(self.container_instance_arn)]
        shown = [p for p in parts if p]
        return " on ".join(shown) if shown else None


def attempts(job: dict[str, Any]) -> list[Attempt]:
    """Every attempt of ``job``, the first numbered 1; a running attempt comes last."""
    result: list[Attempt] = []
    for number, attempt in enumerate(common.ecs_attempts(job), start=1):
        container = common.attempt_container(job, attempt)  # a multi-container job's: its failed essential one
        reasons = [r for r in (attempt.get("statusReason"), container.get("reason")) if r]
        result.append(
            Attempt(
                number=number,
                exit_code=container.get("exitCode"),
                reason="; ".join(dict.fromkeys(reasons)) or None,
                started_at=common.from_millis(attempt.get("startedAt")),
                stopped_at=common.from_millis(attempt.get("stoppedAt")),
                log_stream=container.get("logStreamName"),
                task_arn=container.get("taskArn"),
                container_instance_arn=container.get("containerInstanceArn"),
            )
        )
    container = common.job_container(job)
    current_stream = container.get("logStreamName")
    if job.get("status") in ("STARTING", "RUNNING") and current_stream not in {a.log_stream for a in result}:
        result.append(
            Attempt(
                number=len(result) + 1,
                exit_code=None,
                reason=None,
                started_at=common.from_millis(job.get("startedAt")),
                stopped_at=None,
                log_stream=current_stream,
                task_arn=container.get("taskArn"),
                container_instance_arn=container.get("containerInstanceArn"),
                running=True,
            )
        )
    return result


def log_stream(job: dict[str, Any], attempt: int | None = None) -> str | None:
    """The log stream of attempt ``attempt`` (1-based), or of the latest one."""
    tried = attempts(job)
    if attempt is not None:
        if not 1 <= attempt <= len(tried):
            have = f"attempts 1 to {len(tried)}" if tried else "no attempt yet"
            raise UsageError(f"job {job['jobId']} has {have}; --attempt {attempt} does not exist")
        return tried[attempt - 1].log_stream
    current = common.job_container(job).get("logStreamName")
    return current or (tried[-1].log_stream if tried else None)


def log_group(job: dict[str, Any], names: AppNames) -> str:
    """The job's own log group: its awslogs configuration, else the app's config, else Batch's default."""
    configuration = common.log_configuration(job)
    if configuration.get("logDriver") == "awslogs":
        group = common.awslogs_group(configuration)
        if group:
            return group
    return names.log_group_for(job.get("jobName", "")) or common.DEFAULT_LOG_GROUP
