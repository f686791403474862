"""Job outcome metrics from ``Batch Job State Change`` events (SUCCEEDED and FAILED only).

The events arrive through an SQS queue in batches. Each invocation counts a job
and status once, however often the event was delivered within the batch, and
prints one document in the embedded metric format per outcome, dimensions
``JobQueue`` and ``JobName``: ``Succeeded`` and ``Failed`` (Count), ``RunSeconds``
(stopped - started), ``WaitSeconds`` (started - created) and ``Attempts``.

Failures are settled record by record (an SQS partial batch response, through
Powertools' ``BatchProcessor``): a record whose outcome could not be published
printed nothing and goes back to SQS alone, and the records already printed are
deleted. Flushing once at the end instead would hold every good record hostage to
one bad one (the whole batch would reach the dead-letter queue together), and any
exception after the first print would retry and count the printed outcomes twice.

Environment: ``POWERTOOLS_METRICS_NAMESPACE`` (default ``BatchJobs``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from . import common
from .outcomes import JobOutcome, parse_outcome, unique_outcomes

logger = Logger()


def handler(event: dict, context: Any) -> dict:
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or common.DEFAULT_NAMESPACE
    seen: set[tuple[str, str]] = set()
    published: list[JobOutcome] = []

    def record_handler(record: SQSRecord) -> None:
        outcome = publish_record(record, namespace, seen)
        if outcome is not None:
            published.append(outcome)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=BatchProcessor(event_type=EventType.SQS)
    )
    logger.info(
        "published job outcomes",
        extra={
            "records": len(event.get("Records") or []),
            "outcomes": len(published),
            "failed_records": len(response["batchItemFailures"]),
        },
    )
    return response


def publish_record(record: SQSRecord, namespace: str, seen: set[tuple[str, str]]) -> JobOutcome | None:
    """Print the metrics of one SQS record's event; return its outcome (``None`` if none or a duplicate).

    A body that is not JSON is logged and skipped: delivering it again would not
    make it readable. Anything else that goes wrong raises before anything is
    printed, so the record is handed back to SQS with nothing of it counted.
    """
    try:
        event = json.loads(record.body)
    except (TypeError, ValueError):
        logger.warning("skipping an SQS record whose body is not an event", extra={"message_id": record.message_id})
        return None
    outcome = parse_outcome(event)
    if outcome is None or outcome.key in seen:
        return None
    # Marked before publishing: if this record fails, a duplicate later in the batch is
    # still skipped (and deleted), and the retry of this record counts the outcome once.
    seen.add(outcome.key)
    publish_outcome(outcome, namespace)
    return outcome


def publish_outcomes(events: Iterable[Any], namespace: str) -> list[JobOutcome]:
    """Print the outcome metrics of ``events`` (duplicates counted once); return the outcomes."""
    outcomes = list(unique_outcomes(events))
    for outcome in outcomes:
        publish_outcome(outcome, namespace)
    return outcomes


def publish_outcome(outcome: JobOutcome, namespace: str) -> None:
    """Print one EMF document for ``outcome``; it is built whole before the single print."""
    metrics = EphemeralMetrics(namespace=namespace, service="")  # no "service" dimension
    metrics.add_dimension(name=common.QUEUE_DIMENSION, value=outcome.job_queue)
    metrics.add_dimension(name=common.JOB_DIMENSION, value=outcome.job_name)
    succeeded = outcome.status == "SUCCEEDED"
    metrics.add_metric(name=common.SUCCEEDED_METRIC, unit=MetricUnit.Count, value=1 if succeeded else 0)
    metrics.add_metric(name=common.FAILED_METRIC, unit=MetricUnit.Count, value=0 if succeeded else 1)
    metrics.add_metric(name=common.ATTEMPTS_METRIC, unit=MetricUnit.Count, value=outcome.attempts)
    if outcome.run_seconds is not None:
        metrics.add_metric(name=common.RUN_SECONDS_METRIC, unit=MetricUnit.Seconds, value=outcome.run_seconds)
    if outcome.wait_seconds is not None:
        metrics.add_metric(name=common.WAIT_SECONDS_METRIC, unit=MetricUnit.Seconds, value=outcome.wait_seconds)
    metrics.flush_metrics()  # serializes, then prints one line: an error here has printed nothing
