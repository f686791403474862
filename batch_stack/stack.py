"""The stack the default app deploys, built from the config file."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack, Tags
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from batch_stack.cluster import BatchCluster, RunnableTimeLimit
from batch_stack.config import AppConfig, ClusterSettings, NotifierSettings
from batch_stack.failure_notifier import BatchFailureNotifier


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

    def _export_names(self) -> None:
        """Outputs that operators' tools (batchctl) read to find the queues."""
        CfnOutput(
            self,
            "JobQueueNames",
            value=",".join(q.job_queue_name for q in self.cluster.job_queues),
            description="Comma-separated names of this app's job queues",
        )
