"""The stack the default app deploys, built from the config file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from aws_cdk import Aws, CfnOutput, Duration, Size, Stack, Tags
from aws_cdk import aws_batch as batch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from batch_stack import rules
from batch_stack.cluster import BatchCluster, RunnableTimeLimit
from batch_stack.config import (
    AppConfig,
    ClusterSettings,
    ConfigError,
    JobSecret,
    JobSettings,
    MackerelSettings,
    MonitoringSettings,
    NotifierSettings,
    cluster_queue_by_capacity,
)
from batch_stack.failure_notifier import BatchFailureNotifier
from batch_stack.monitoring import BatchQueueMonitor, MackerelOptions, QueueAlarms
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
        self._check_region(config)
        for key, value in config.app.tags.items():
            Tags.of(self).add(key, value)
        self._imports: dict[str, Any] = {}
        self.cluster = self._build_cluster(config.cluster)
        self.jobs: dict[str, ScheduledBatchJob] = self._build_jobs(config.jobs)
        self.notifier = self._build_notifier(config.notifier)
        self.monitor = self._build_monitor(config.monitoring, config.mackerel)
        self._export_names()

    def _check_region(self, config: AppConfig) -> None:
        """A region without the functions' Powertools layer is the config's mistake, unless context names a layer."""
        region = config.app.region
        if region and self.node.try_get_context(rules.POWERTOOLS_LAYER_CONTEXT) is None:
            problem = rules.powertools_region_problem(region)
            if problem:
                raise ConfigError(config.source, "app.region", region, problem)

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

    def _build_notifier(self, settings: NotifierSettings) -> BatchFailureNotifier | None:
        """Slack notifications for every queue of the cluster; scheduled jobs add their log groups."""
        if not settings.enabled:
            return None
        secret = self._existing_secret("WebhookSecret", settings.webhook_secret_name) if settings.webhook_secret_name else None
        notifier = BatchFailureNotifier(
            self,
            "Notifier",
            job_queues=self.cluster.job_queues,
            webhook_secret=secret,
            statuses=settings.statuses,
            include_array_children=settings.include_array_children,
            time_zone=settings.time_zone,
            log_lines=settings.log_lines,
            max_concurrency=settings.max_concurrency,
        )
        for job in self.jobs.values():
            notifier.add_log_group(job.log_group)
        CfnOutput(
            self,
            "NotifierWebhookSecretArn",
            value=notifier.webhook_secret.secret_arn,
            description="Put the Slack incoming webhook URL in this secret (aws secretsmanager put-secret-value)",
        )
        return notifier

    def _build_monitor(self, settings: MonitoringSettings, mackerel: MackerelSettings | None) -> BatchQueueMonitor | None:
        """Gauges, outcomes, alarms and the dashboard for the cluster's queues, the jobs and the notifier."""
        if not settings.enabled:
            return None
        monitor = BatchQueueMonitor(
            self,
            "Monitor",
            namespace=settings.namespace,
            alarm_topic=self._build_alarm_topic(settings.alarm_emails) if settings.alarm_emails else None,
            missed_run_multiple=settings.missed_run_multiple,
            dead_letter_alarms=settings.dead_letter_alarms,
            function_error_alarms=settings.function_error_alarms,
            dashboard=settings.dashboard,
            mackerel=self._mackerel_options(mackerel) if mackerel else None,
        )
        for name, job_queue in self._named_queues():
            thresholds = settings.queue(name)
            monitor.watch_queue(
                job_queue,
                label=name,
                alarms=QueueAlarms(
                    runnable_backlog=thresholds.runnable_backlog or None,
                    runnable_backlog_period=Duration.minutes(thresholds.runnable_backlog_minutes),
                    oldest_runnable_age=Duration.minutes(thresholds.oldest_runnable_minutes)
                    if thresholds.oldest_runnable_minutes
                    else None,
                ),
            )
        for environment in self.cluster.compute_environments:
            monitor.watch_compute_environment(environment)
        self._watch_jobs(monitor, settings)
        if self.notifier is not None:
            self._watch_notifier(monitor)
        if monitor.dashboard is not None:
            CfnOutput(
                self, "MonitorDashboardName", value=monitor.dashboard_name, description="CloudWatch dashboard of the queues"
            )
        return monitor

    def _watch_jobs(self, monitor: BatchQueueMonitor, settings: MonitoringSettings) -> None:
        """A missed-run alarm per scheduled job, and alarms on what its schedule could not deliver."""
        for key, job in self.jobs.items():
            multiple = settings.missed_run_multiple_for(key)
            monitor.watch_job(
                job,
                label=key,
                missed_run_multiple=multiple,
                enabled=job.enabled and multiple is not None,  # a suspended job misses no run
            )

    def _watch_notifier(self, monitor: BatchQueueMonitor) -> None:
        """Graph the notifier's health; it alarms on itself, and its alarms also go to the e-mail topic."""
        notifier = self.notifier
        monitor.watch_dead_letter_queue(notifier.dead_letter_queue, "notifier", alarm=False)
        monitor.watch_dead_letter_queue(notifier.rule_dead_letter_queue, "notifier-rule", alarm=False)
        monitor.watch_function(notifier.function, "notifier", alarm=False, source_queue=notifier.queue)
        if monitor.alarm_topic is not None:
            for alarm in notifier.alarms:
                alarm.add_alarm_action(cloudwatch_actions.SnsAction(monitor.alarm_topic))

    def _queues_by_capacity(self) -> dict[str, batch.IJobQueue | None]:
        return {
            "on_demand": self.cluster.job_queue,
            "spot": self.cluster.spot_job_queue,
            "fargate": self.cluster.fargate_job_queue,
        }

    def _named_queues(self) -> list[tuple[str, batch.IJobQueue]]:
        """Each cluster queue with the name the config gives it (the queues' own names are tokens)."""
        queues = self._queues_by_capacity()
        named = cluster_queue_by_capacity(self.config.cluster).items()
        return [(name, queues[capacity]) for capacity, name in named if queues[capacity] is not None]

    def _build_alarm_topic(self, emails: tuple[str, ...]) -> sns.Topic:
        topic = sns.Topic(self, "AlarmTopic", display_name=f"{self.stack_name} alarms", enforce_ssl=True)
        for email in emails:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        acknowledge(
            topic,
            "AwsSolutions-SNS2",
            "Alarm notifications carry alarm names and thresholds, no secrets; CloudWatch cannot publish to a topic "
            "encrypted with the AWS-managed SNS key, and a customer key costs more than the topic.",
        )
        return topic

    def _mackerel_options(self, settings: MackerelSettings) -> MackerelOptions:
        return MackerelOptions(service=settings.service, api_key=self._mackerel_secret(settings), base_url=settings.base_url)

    def _mackerel_secret(self, settings: MackerelSettings) -> secretsmanager.ISecret:
        """The secret named in the config, or a new one for the operator to fill with the API key."""
        if settings.api_key_secret:
            return self._existing_secret("MackerelApiKey", settings.api_key_secret)
        secret = secretsmanager.Secret(
            self,
            "MackerelApiKey",
            description=f"Mackerel API key for {self.stack_name}'s queue gauges (put the key in after deploy)",
        )
        # No generated value: the secret starts empty (every post fails, and alarms, until the key is put in).
        secret.node.default_child.add_property_deletion_override("GenerateSecretString")  # type: ignore[union-attr]
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "A Mackerel API key is issued and revoked in Mackerel; Secrets Manager cannot rotate it.",
        )
        return secret

    def _build_jobs(self, jobs: Mapping[str, JobSettings]) -> dict[str, ScheduledBatchJob]:
        """One ScheduledBatchJob per ``[jobs.<key>]``, with construct id ``Job-<key>``."""
        queues = self._queues_by_capacity()
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
                allow_plain_environment=settings.allow_plain_environment,
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
        secret = self._imported(f"Secret:{name}", lambda import_id: self._existing_secret(import_id, name))
        return batch.Secret.from_secrets_manager(secret, job_secret.field)

    def _existing_secret(self, construct_id: str, name_or_arn: str) -> secretsmanager.ISecret:
        """A secret by its complete ARN or its name (the config reader rejects anything else)."""
        if name_or_arn.startswith("arn:"):
            return secretsmanager.Secret.from_secret_complete_arn(self, construct_id, name_or_arn)
        return secretsmanager.Secret.from_secret_name_v2(self, construct_id, name_or_arn)

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
        """Outputs that operators' tools read: ``batchctl --stack NAME`` finds everything here."""
        CfnOutput(
            self,
            "JobQueueNames",
            value=",".join(q.job_queue_name for q in self.cluster.job_queues),
            description="Comma-separated names of this app's job queues",
        )
        if self.jobs:
            CfnOutput(
                self,
                "BatchctlJobs",
                value=self.to_json_string(
                    {
                        key: {
                            "jobName": job.job_name,
                            "jobQueue": job.job_queue.job_queue_name,
                            "jobDefinition": job.job_name,
                            "concurrencyPolicy": job.concurrency_policy.value,
                            "parameters": dict(job.parameters),
                            "logGroup": job.log_group.log_group_name,
                        }
                        for key, job in self.jobs.items()
                    }
                ),
                description="The configured jobs as batchctl runs them (JSON)",
            )
        if self.monitor is not None and self.monitor.dashboard is not None:
            CfnOutput(
                self,
                "DashboardUrl",
                value=f"https://{Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region={Aws.REGION}"
                f"#dashboards:name={self.monitor.dashboard_name}",
                description="The CloudWatch dashboard of this app's queues and jobs",
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
