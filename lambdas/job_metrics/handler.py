"""Job outcome metrics from ``Batch Job State Change`` events (SUCCEEDED and FAILED only).

The events arrive through an SQS queue in batches. Each invocation counts a job
and status once, however often the event was delivered, and prints the metrics
in the embedded metric format, dimensions ``JobQueue`` and ``JobName``:
``Succeeded`` and ``Failed`` (Count), ``RunSeconds`` (stopped - started),
``WaitSeconds`` (started - created) and ``Attempts``.

Environment: ``POWERTOOLS_METRICS_NAMESPACE`` (default ``BatchJobs``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from .outcomes import JobOutcome, unique_outcomes

logger = Logger()

SUCCEEDED_METRIC = "Succeeded"
FAILED_METRIC = "Failed"
RUN_SECONDS_METRIC = "RunSeconds"
WAIT_SECONDS_METRIC = "WaitSeconds"
ATTEMPTS_METRIC = "Attempts"


def handler(event: dict, context: Any) -> dict:
    events = list(events_from_sqs(event.get("Records") or []))
    outcomes = publish_outcomes(events, os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "BatchJobs")
    return {"records": len(event.get("Records") or []), "outcomes": len(outcomes)}


def events_from_sqs(records: Iterable[dict]) -> Iterable[dict]:
    """The EventBridge events in SQS records' bodies. A body that is not JSON is logged and skipped:
    delivering it again would not make it readable."""
    for record in records:
        try:
            yield json.loads(record["body"])
        except (KeyError, TypeError, ValueError):
            logger.warning("skipping an SQS record whose body is not an event", extra={"message_id": record.get("messageId")})


def publish_outcomes(events: Iterable[Any], namespace: str) -> list[JobOutcome]:
    """Print the outcome metrics of ``events`` (duplicates counted once); return the outcomes."""
    outcomes = list(unique_outcomes(events))
    groups: dict[tuple[str, str], list[JobOutcome]] = {}
    for outcome in outcomes:
        groups.setdefault((outcome.job_queue, outcome.job_name), []).append(outcome)
    for (job_queue, job_name), group in groups.items():
        metrics = EphemeralMetrics(namespace=namespace, service="")  # no "service" dimension
        metrics.add_dimension(name="JobQueue", value=job_queue)
        metrics.add_dimension(name="JobName", value=job_name)
        for outcome in group:
            succeeded = outcome.status == "SUCCEEDED"
            metrics.add_metric(name=SUCCEEDED_METRIC, unit=MetricUnit.Count, value=1 if succeeded else 0)
            metrics.add_metric(name=FAILED_METRIC, unit=MetricUnit.Count, value=0 if succeeded else 1)
            metrics.add_metric(name=ATTEMPTS_METRIC, unit=MetricUnit.Count, value=outcome.attempts)
            if outcome.run_seconds is not None:
                metrics.add_metric(name=RUN_SECONDS_METRIC, unit=MetricUnit.Seconds, value=outcome.run_seconds)
            if outcome.wait_seconds is not None:
                metrics.add_metric(name=WAIT_SECONDS_METRIC, unit=MetricUnit.Seconds, value=outcome.wait_seconds)
        metrics.flush_metrics()
        logger.info("published job outcomes", extra={"job_queue": job_queue, "job_name": job_name, "count": len(group)})
    return outcomes
