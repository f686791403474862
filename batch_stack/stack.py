"""The stack the default app deploys, built from the config file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from aws_cdk import CfnOutput, Duration, Size, Stack, Tags
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from batch_stack.cluster import BatchCluster, RunnableTimeLimit
from batch_stack.config import AppConfig, ClusterSettings, JobSecret, JobSettings
from batch_stack.nag import acknowledge, finding_resource
from batch_stack.scheduled_job import ScheduledBatchJob

T = TypeVar("T")


class BatchJobsStack(Stack):
    """Everything one config file describes: the cluster, and what later sections add.

    Each part is built by a small method so that a subclass can replace one part
    and keep the rest. Construct ids are stable: renaming one replaces the resource.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        for key, value in config.app.tags.items():
            Tags.of(self).add(key, value)
        self._imports: dict[str, Any] = {}
        self.cluster = self._build_cluster(config.cluster)
        self.jobs: dict[str, ScheduledBatchJob] = self._build_jobs(config.jobs)
        self._export_names()

    def _build_cluster(self, settings: ClusterSettings) -> BatchCluster:
        limits = (
            [RunnableTimeLimit(max_time=Duration.minutes(settings.runnable_timeout_minutes))]
            if settings.runnable_timeout_minutes
            else []
        )
        return BatchCluster(
            self,
            "Cluster",
            name=settings.name,
            min_vcpus=settings.min_vcpus,
            max_vcpus=settings.max_vcpus,
            instance_types=settings.instance_types,
            queue_priority=settings.queue_priority,
            runnable_time_limits=limits,
            spot=settings.spot,
            spot_max_vcpus=settings.spot_max_vcpus,
            spot_on_demand_fallback=settings.spot_on_demand_fallback,
            fargate=settings.fargate,
            fargate_spot=settings.fargate_spot,
            fargate_max_vcpus=settings.fargate_max_vcpus,
        )

    def _build_jobs(self, jobs: Mapping[str, JobSettings]) -> dict[str, ScheduledBatchJob]:
        """One ScheduledBatchJob per ``[jobs.<key>]``, with construct id ``Job-<key>``."""
        queues = {
            "on_demand": self.cluster.job_queue,
            "spot": self.cluster.spot_job_queue,
            "fargate": self.cluster.fargate_job_queue,
        }
        built: dict[str, ScheduledBatchJob] = {}
        for key, settings in jobs.items():
            queue = queues[settings.capacity]
            if queue is None:  # the config reader rejects this first; a subclass may not
                raise ValueError(f"jobs.{key}: capacity {settings.capacity!r} has no queue in this cluster")
            job = ScheduledBatchJob(
                self,
                f"Job-{key}",
                job_queue=queue,
                image=self._job_image(settings),
                schedule=settings.schedule,
                time_zone=settings.time_zone,
                job_name=settings.job_name,
                command=settings.command,
                vcpus=settings.vcpus,
                memory=Size.mebibytes(settings.memory_mib),
                gpus=settings.gpus or None,
                environment=settings.environment,
                secrets={name: self._job_secret(job_secret) for name, job_secret in settings.secrets.items()},
                parameters=settings.parameters,
                timeout=Duration.seconds(settings.timeout_seconds),
                retry_attempts=settings.retry_attempts,
                fargate=settings.capacity == "fargate",
                assign_public_ip=settings.assign_public_ip,
                log_retention=_RETENTION[settings.log_retention_days],
                start=settings.start,
                end=settings.end,
                flexible_window=Duration.minutes(settings.flexible_window_minutes) if settings.flexible_window_minutes else None,
                enabled=settings.enabled,
                schedule_name=settings.schedule_name,
                description=settings.description,
                concurrency_policy=settings.concurrency_policy,
            )
            self._acknowledge_secret_names(job, settings.secrets.values())
            built[key] = job
        return built

    def _job_image(self, settings: JobSettings) -> ecs.ContainerImage:
        if settings.ecr_repository is not None:
            repository = self._imported(
                f"Repository:{settings.ecr_repository}",
                lambda import_id: ecr.Repository.from_repository_name(self, import_id, settings.ecr_repository),
            )
            return ecs.ContainerImage.from_ecr_repository(repository, settings.image_tag)
        if settings.directory is not None:
            return ecs.ContainerImage.from_asset(str(settings.directory))
        assert settings.image is not None
        return ecs.ContainerImage.from_registry(settings.image)

    def _job_secret(self, job_secret: JobSecret) -> batch.Secret:
        """A Secrets Manager secret (or field) or SSM parameter, imported once per stack by name."""
        if job_secret.ssm is not None:
            parameter = self._imported(
                f"Parameter:{job_secret.ssm}",
                lambda import_id: ssm.StringParameter.from_secure_string_parameter_attributes(
                    self, import_id, parameter_name=job_secret.ssm
                ),
            )
            return batch.Secret.from_ssm_parameter(parameter)
        name = job_secret.secret
        assert name is not None
        secret = self._imported(
            f"Secret:{name}",
            lambda import_id: (
                secretsmanager.Secret.from_secret_complete_arn(self, import_id, name)
                if name.startswith("arn:")
                else secretsmanager.Secret.from_secret_name_v2(self, import_id, name)
            ),
        )
        return batch.Secret.from_secrets_manager(secret, job_secret.field)

    def _imported(self, key: str, make: Callable[[str], T]) -> T:
        """One import (no resource) per repository, secret or parameter, shared by the jobs that use it."""
        if key not in self._imports:
            self._imports[key] = make(f"Import{len(self._imports)}")
        return self._imports[key]

    def _acknowledge_secret_names(self, job: ScheduledBatchJob, secrets: Iterable[JobSecret]) -> None:
        """A secret referenced by name is granted as ``<name>-??????``: Secrets Manager adds a random suffix."""
        for name in sorted({s.secret for s in secrets if s.secret is not None and not s.secret.startswith("arn:")}):
            secret = self._imports[f"Secret:{name}"]
            acknowledge(
                job.execution_role,
                f"AwsSolutions-IAM5[Resource::{finding_resource(self, secret.secret_arn)}-??????]",
                f"The secret {name!r} is referenced by name; '-??????' matches the random suffix Secrets Manager adds "
                "to its ARN, and nothing else.",
            )

    def _export_names(self) -> None:
        """Outputs that operators' tools (batchctl) read to find the queues."""
        CfnOutput(
            self,
            "JobQueueNames",
            value=",".join(q.job_queue_name for q in self.cluster.job_queues),
            description="Comma-separated names of this app's job queues",
        )


_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
