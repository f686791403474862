"""The queue gauges as embedded-metric-format lines on stdout, which CloudWatch Logs turns into metrics.

The metric and dimension names come from ``common.metrics``; they and the units here are
a contract with ``batch_stack.monitor_metrics`` (the monitor's ``metric_*`` methods,
alarms and dashboard read them), and a test checks that both agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from . import common
from .counting import STATUSES, QueueDepth


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
        metrics.add_dimension(name=common.QUEUE_DIMENSION, value=depth.queue_name)
        for status in STATUSES:
            metrics.add_metric(name=common.JOB_COUNT_METRICS[status], unit=MetricUnit.Count, value=depth.counts[status])
        metrics.add_metric(
            name=common.OLDEST_RUNNABLE_AGE_METRIC,
            unit=MetricUnit.Seconds,
            value=round(depth.oldest_runnable_age_seconds or 0.0, 3),
        )
        metrics.add_metric(name=common.LIST_JOBS_CALLS_METRIC, unit=MetricUnit.Count, value=depth.api_calls)
        metrics.flush_metrics()


def publish_mackerel_failure(namespace: str, service: str, *, now: datetime) -> None:
    """Count one failed post to Mackerel (dimension ``MackerelService``)."""
    metrics = _metrics(namespace, now)
    metrics.add_dimension(name=common.MACKEREL_SERVICE_DIMENSION, value=service)
    metrics.add_metric(name=common.MACKEREL_POST_FAILURES_METRIC, unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
