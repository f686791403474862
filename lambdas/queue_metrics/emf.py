"""The queue gauges as embedded-metric-format lines on stdout, which CloudWatch Logs turns into metrics.

Metric names and units here are a contract with ``batch_stack.monitoring``
(its ``metric_*`` methods and alarms read them); a test checks both agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from .counting import STATUSES, QueueDepth

#: One gauge per status: "RunnableJobs" is the number of RUNNABLE jobs in the queue.
JOB_COUNT_METRICS = {status: f"{status.capitalize()}Jobs" for status in STATUSES}
OLDEST_RUNNABLE_AGE_METRIC = "OldestRunnableAgeSeconds"
LIST_JOBS_CALLS_METRIC = "ListJobsCalls"
MACKEREL_POST_FAILURES_METRIC = "MackerelPostFailures"
QUEUE_DIMENSION = "JobQueue"


def _metrics(namespace: str, now: datetime) -> EphemeralMetrics:
    # service="": no "service" dimension; the dimensions are exactly the ones added here.
    metrics = EphemeralMetrics(namespace=namespace, service="")
    metrics.set_timestamp(now)
    return metrics


def publish_queue_depths(depths: Iterable[QueueDepth], namespace: str, *, now: datetime) -> None:
    """Print one EMF document per queue, dimension ``JobQueue`` = the queue's name.

    An empty RUNNABLE status gives an oldest age of 0, so the graph and the
    stuck-queue alarm see a value every minute.
    """
    for depth in depths:
        metrics = _metrics(namespace, now)
        metrics.add_dimension(name=QUEUE_DIMENSION, value=depth.queue_name)
        for status in STATUSES:
            metrics.add_metric(name=JOB_COUNT_METRICS[status], unit=MetricUnit.Count, value=depth.counts[status])
        metrics.add_metric(
            name=OLDEST_RUNNABLE_AGE_METRIC, unit=MetricUnit.Seconds, value=round(depth.oldest_runnable_age_seconds or 0.0, 3)
        )
        metrics.add_metric(name=LIST_JOBS_CALLS_METRIC, unit=MetricUnit.Count, value=depth.api_calls)
        metrics.flush_metrics()


def publish_mackerel_failure(namespace: str, service: str, *, now: datetime) -> None:
    """Count one failed post to Mackerel (dimension ``MackerelService``)."""
    metrics = _metrics(namespace, now)
    metrics.add_dimension(name="MackerelService", value=service)
    metrics.add_metric(name=MACKEREL_POST_FAILURES_METRIC, unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
