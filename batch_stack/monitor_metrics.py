"""The metrics BatchQueueMonitor reads: their names, dimensions, and one builder per metric.

The names are those the monitor's functions publish (``lambdas/queue_metrics`` and
``lambdas/job_metrics``), imported from where the functions read them,
``batch_stack_lambdas.common.metrics``: one list of names, in the function code that
every asset holds, which imports nothing of the CDK. :class:`MonitorMetrics` builds ``cloudwatch.Metric``
objects for one namespace; the monitor's ``metric_*`` methods, its alarms and its
dashboard rows all come from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from aws_cdk import Duration
from aws_cdk import aws_batch as batch
from aws_cdk import aws_cloudwatch as cloudwatch

from batch_stack.tokens import is_unresolved
from batch_stack_lambdas import common
from batch_stack_lambdas.common import metrics as published
from batch_stack_lambdas.common.metrics import (
    ATTEMPTS_METRIC,
    DECISION_METRICS,
    DEFAULT_NAMESPACE,
    FAILED_METRIC,
    JOB_DIMENSION,
    LIST_JOBS_CALLS_METRIC,
    MACKEREL_POST_FAILURES_METRIC,
    MACKEREL_SERVICE_DIMENSION,
    OLDEST_RUNNABLE_AGE_METRIC,
    QUEUE_DIMENSION,
    RUN_SECONDS_METRIC,
    SUCCEEDED_METRIC,
    WAIT_SECONDS_METRIC,
)

# The names are re-exported: the monitor's modules and the scheduled job read them from here.
__all__ = [
    "BATCH_DURATION_METRICS",
    "BATCH_TRANSITION_METRICS",
    "JOB_COUNT_METRIC_NAMES",
    "STATUSES",
    "MonitorMetrics",
    "ATTEMPTS_METRIC",
    "DECISION_METRICS",
    "DEFAULT_NAMESPACE",
    "FAILED_METRIC",
    "JOB_DIMENSION",
    "LIST_JOBS_CALLS_METRIC",
    "MACKEREL_POST_FAILURES_METRIC",
    "MACKEREL_SERVICE_DIMENSION",
    "OLDEST_RUNNABLE_AGE_METRIC",
    "QUEUE_DIMENSION",
    "RUN_SECONDS_METRIC",
    "SUCCEEDED_METRIC",
    "WAIT_SECONDS_METRIC",
]

#: Job statuses counted every minute, in lifecycle order.
STATUSES = common.ACTIVE_STATUSES
#: Gauge metric per status (the queue_metrics function publishes these names).
JOB_COUNT_METRIC_NAMES = published.JOB_COUNT_METRICS
#: The AWS/Batch metrics of state transitions and durations, per queue (dimension JobQueueName).
BATCH_TRANSITION_METRICS = ("JobsSubmitted", "JobsMovedToRunnable", "JobsMovedToSucceeded", "JobsMovedToFailed", "JobsRetried")
BATCH_DURATION_METRICS = ("JobAttemptRunnableToStartingDuration", "JobAttemptExecutionDuration")

# Made once: every Duration is a call into the jsii kernel, and a dashboard needs many.
ONE_MINUTE = Duration.minutes(1)
FIVE_MINUTES = Duration.minutes(5)
ONE_HOUR = Duration.hours(1)


class MonitorMetrics:
    """Builds the monitor's metrics in ``namespace``. Queue gauges default to a 1-minute period, job outcomes to 1 hour.

    :param fail: Raises the owner's one-line error (``BatchQueueMonitor 'x': ...``).
    """

    def __init__(self, namespace: str, *, fail: Callable[[str], NoReturn]) -> None:
        self.namespace = namespace
        self._fail = fail
        self._queue_name_cache: dict[int, str] = {}

    def queue_name(self, job_queue: batch.IJobQueue) -> str:
        """The queue's name, read once per queue.

        A queue this app creates with a name gives it literally: the metric dimensions and
        the dashboard then hold the name itself rather than a token CloudFormation derives
        from the queue's ARN. Otherwise (imported, or named by CloudFormation) the token.
        """
        key = id(job_queue)
        if key not in self._queue_name_cache:
            resource = job_queue.node.default_child
            literal = getattr(resource, "job_queue_name", None) if isinstance(resource, batch.CfnJobQueue) else None
            self._queue_name_cache[key] = literal if literal and not is_unresolved(literal) else job_queue.job_queue_name
        return self._queue_name_cache[key]

    def metric(
        self,
        metric_name: str,
        dimensions: dict[str, str],
        *,
        statistic: str,
        period: Duration | None,
        unit: cloudwatch.Unit | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """A metric of this namespace; default period one minute."""
        return cloudwatch.Metric(
            namespace=self.namespace,
            metric_name=metric_name,
            dimensions_map=dimensions,
            statistic=statistic,
            period=period or ONE_MINUTE,
            unit=unit,
            label=label,
        )

    # ------------------------------------------------------------------ queue gauges

    def jobs(
        self, job_queue: batch.IJobQueue, status: str, *, statistic: str, period: Duration | None, label: str | None
    ) -> cloudwatch.Metric:
        if status not in JOB_COUNT_METRIC_NAMES:
            self._fail(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        return self.metric(
            JOB_COUNT_METRIC_NAMES[status],
            {QUEUE_DIMENSION: self.queue_name(job_queue)},
            statistic=statistic,
            period=period,
            label=label,
        )

    def oldest_runnable_age(
        self, job_queue: batch.IJobQueue, *, statistic: str, period: Duration | None, label: str | None
    ) -> cloudwatch.Metric:
        return self.metric(
            OLDEST_RUNNABLE_AGE_METRIC,
            {QUEUE_DIMENSION: self.queue_name(job_queue)},
            statistic=statistic,
            period=period,
            unit=cloudwatch.Unit.SECONDS,
            label=label,
        )

    def list_jobs_calls(self, job_queue: batch.IJobQueue, *, statistic: str, period: Duration | None) -> cloudwatch.Metric:
        return self.metric(
            LIST_JOBS_CALLS_METRIC, {QUEUE_DIMENSION: self.queue_name(job_queue)}, statistic=statistic, period=period
        )

    def mackerel_post_failures(self, service: str, *, period: Duration | None) -> cloudwatch.Metric:
        return self.metric(
            MACKEREL_POST_FAILURES_METRIC,
            {MACKEREL_SERVICE_DIMENSION: service},
            statistic="Sum",
            period=period or FIVE_MINUTES,
        )

    # ------------------------------------------------------------------ job outcomes

    def job(
        self,
        metric_name: str,
        job_name: str,
        job_queue: batch.IJobQueue,
        *,
        statistic: str,
        period: Duration | None,
        label: str | None,
    ) -> cloudwatch.Metric:
        """One outcome metric of ``job_name`` on ``job_queue`` (default period: 1 hour)."""
        return self.metric(
            metric_name,
            {QUEUE_DIMENSION: self.queue_name(job_queue), JOB_DIMENSION: job_name},
            statistic=statistic,
            period=period or ONE_HOUR,
            label=label,
        )

    # ------------------------------------------------------------------ AWS/Batch's own

    def batch_queue_metric(self, job_queue: batch.IJobQueue, metric_name: str, *, statistic: str) -> cloudwatch.Metric:
        """A metric AWS Batch publishes per queue (``AWS/Batch``, dimension ``JobQueueName``), labelled with its name."""
        return cloudwatch.Metric(
            namespace="AWS/Batch",
            metric_name=metric_name,
            dimensions_map={"JobQueueName": self.queue_name(job_queue)},
            statistic=statistic,
            label=metric_name,
        )
