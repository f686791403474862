"""Entry point: EventBridge Scheduler invokes this for a FORBID or REPLACE job.

The job's identity and policy come from the environment (set by
ScheduledBatchJob); the event carries what changes per run::

    {"parameters": {"scheduled_time": "2025-01-01T03:00:00Z", ...},
     "executionId": "d32c5kddcf5bb8c3"}
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from . import common
from .policy import POLICIES, Decision, submit_with_policy

logger = Logger()
metrics = Metrics()  # namespace: POWERTOOLS_METRICS_NAMESPACE


@dataclass(frozen=True)
class Settings:
    job_name: str
    job_queue: str
    job_definition: str
    policy: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Settings:
        settings = cls(
            job_name=environ["JOB_NAME"],
            job_queue=environ["JOB_QUEUE"],
            job_definition=environ["JOB_DEFINITION"],
            policy=environ["CONCURRENCY_POLICY"],
        )
        if settings.policy not in POLICIES:
            raise ValueError(f"CONCURRENCY_POLICY must be one of {', '.join(POLICIES)}, got {settings.policy!r}")
        return settings


@cache
def batch_client() -> Any:
    return boto3.client("batch")


def parse_parameters(event: Mapping[str, Any]) -> dict[str, str]:
    parameters = event.get("parameters") or {}
    if not isinstance(parameters, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in parameters.items()):
        raise ValueError(f"event.parameters must be an object of strings, got {parameters!r}")
    return parameters


def decide(event: Mapping[str, Any], settings: Settings, client: Any) -> Decision:
    """Apply the policy to one scheduled invocation, log the decision and count it."""
    parameters = parse_parameters(event)
    scheduled_time = parameters.get("scheduled_time")
    reason_context = f"scheduled for {scheduled_time}" if scheduled_time else None
    decision = submit_with_policy(
        client,
        job_name=settings.job_name,
        job_queue=settings.job_queue,
        job_definition=settings.job_definition,
        parameters=parameters,
        policy=settings.policy,
        reason_context=reason_context,
    )
    logger.info(
        f"{decision.action} {settings.job_name}",
        extra={
            "job_name": settings.job_name,
            "policy": settings.policy,
            "action": decision.action,
            "job_id": decision.job_id,
            "previous_job_ids": list(decision.previous_job_ids),
            "reason": decision.reason,
            "scheduled_time": scheduled_time,
            "execution_id": event.get("executionId"),
        },
    )
    metrics.add_dimension(name=common.JOB_DIMENSION, value=settings.job_name)
    metrics.add_metric(name=decision.action, unit=MetricUnit.Count, value=1)
    return decision


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    decision = decide(event, Settings.from_environment(os.environ), batch_client())
    return {**asdict(decision), "previous_job_ids": list(decision.previous_job_ids)}
