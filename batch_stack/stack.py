"""The stack the default app deploys, built from the config file."""

from __future__ import annotations

import re

from aws_cdk import CfnOutput, Duration, Stack, Tags
from aws_cdk import aws_batch as batch
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from batch_stack.cluster import BatchCluster, RunnableTimeLimit
from batch_stack.config import AppConfig, ClusterSettings, MackerelSettings, MonitoringSettings, NotifierSettings
from batch_stack.failure_notifier import BatchFailureNotifier
from batch_stack.monitoring import BatchQueueMonitor, MackerelOptions, QueueAlarms
from batch_stack.nag import acknowledge


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
        self.cluster = self._build_cluster(config.cluster)
        self.notifier = self._build_notifier(config.notifier)
        self.monitor = self._build_monitor(config.monitoring, config.mackerel)
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

    def _build_notifier(self, settings: NotifierSettings) -> BatchFailureNotifier | None:
        """Slack notifications for every queue of the cluster; scheduled jobs add their log groups."""
        if not settings.enabled:
            return None
        secret = (
            secretsmanager.Secret.from_secret_name_v2(self, "WebhookSecret", settings.webhook_secret_name)
            if settings.webhook_secret_name
            else None
        )
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
        CfnOutput(
            self,
            "NotifierWebhookSecretArn",
            value=notifier.webhook_secret.secret_arn,
            description="Put the Slack incoming webhook URL in this secret (aws secretsmanager put-secret-value)",
        )
        return notifier

    def _build_monitor(self, settings: MonitoringSettings, mackerel: MackerelSettings | None) -> BatchQueueMonitor | None:
        """Gauges, outcomes, alarms and the dashboard for the cluster's queues.

        Scheduled jobs, dead-letter queues and functions of other parts are wired in
        with ``self.monitor.watch_*`` where those parts are built.
        """
        if not settings.enabled:
            return None
        monitor = BatchQueueMonitor(
            self,
            "Monitor",
            job_queues=[],
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
        if monitor.dashboard is not None:
            CfnOutput(
                self, "MonitorDashboardName", value=monitor.dashboard_name, description="CloudWatch dashboard of the queues"
            )
        return monitor

    def _named_queues(self) -> list[tuple[str, batch.IJobQueue]]:
        """Each cluster queue with the name the config gives it (the queues' own names are tokens)."""
        name = self.config.cluster.name
        queues = [
            (name, self.cluster.job_queue),
            (f"{name}-spot", self.cluster.spot_job_queue),
            (f"{name}-fargate", self.cluster.fargate_job_queue),
        ]
        return [(queue_name, queue) for queue_name, queue in queues if queue is not None]

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
        given = settings.api_key_secret
        if given and given.startswith("arn:"):
            # A complete ARN ends in the six characters Secrets Manager appends to the name.
            if re.search(r"-[A-Za-z0-9]{6}$", given):
                return secretsmanager.Secret.from_secret_complete_arn(self, "MackerelApiKey", given)
            return secretsmanager.Secret.from_secret_partial_arn(self, "MackerelApiKey", given)
        if given:
            return secretsmanager.Secret.from_secret_name_v2(self, "MackerelApiKey", given)
        secret = secretsmanager.Secret(
            self,
            "MackerelApiKey",
            description=f"Mackerel API key for {self.stack_name}'s queue gauges: replace the value with the key",
        )
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "A Mackerel API key is issued and revoked in Mackerel; Secrets Manager cannot rotate it.",
        )
        return secret

    def _export_names(self) -> None:
        """Outputs that operators' tools (batchctl) read to find the queues."""
        CfnOutput(
            self,
            "JobQueueNames",
            value=",".join(q.job_queue_name for q in self.cluster.job_queues),
            description="Comma-separated names of this app's job queues",
        )
