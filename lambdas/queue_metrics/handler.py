"""Every minute: count the jobs in each queue by status, publish them as metrics (and to Mackerel).

Environment:

- ``JOB_QUEUES``: comma-separated queue names or ARNs (required).
- ``POWERTOOLS_METRICS_NAMESPACE``: the CloudWatch namespace. Default: ``BatchJobs``.
- ``MACKEREL_SERVICE``, ``MACKEREL_API_KEY_SECRET`` (a Secrets Manager name or ARN) and
  ``MACKEREL_BASE_URL`` (default ``https://api.mackerelio.com``): post the same gauges
  to Mackerel too. Off when ``MACKEREL_SERVICE`` is unset.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from . import common
from .counting import QueueDepth, count_jobs
from .emf import publish_mackerel_failure, publish_queue_depths
from .mackerel import DEFAULT_BASE_URL, post_queue_depths

logger = Logger()

#: Seconds a Mackerel API key read from Secrets Manager is reused for.
SECRET_MAX_AGE = 300


@dataclass(frozen=True)
class Settings:
    job_queues: tuple[str, ...]
    namespace: str = common.DEFAULT_NAMESPACE
    mackerel_service: str | None = None
    mackerel_api_key_secret: str | None = None
    mackerel_base_url: str = DEFAULT_BASE_URL

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Settings:
        queues = tuple(q.strip() for q in environ.get("JOB_QUEUES", "").split(",") if q.strip())
        if not queues:
            raise ValueError("JOB_QUEUES must name at least one job queue")
        service = environ.get("MACKEREL_SERVICE") or None
        secret = environ.get("MACKEREL_API_KEY_SECRET") or None
        if service and not secret:
            raise ValueError("MACKEREL_API_KEY_SECRET must be set when MACKEREL_SERVICE is")
        return cls(
            job_queues=queues,
            namespace=environ.get("POWERTOOLS_METRICS_NAMESPACE") or common.DEFAULT_NAMESPACE,
            mackerel_service=service,
            mackerel_api_key_secret=secret,
            mackerel_base_url=environ.get("MACKEREL_BASE_URL") or DEFAULT_BASE_URL,
        )


@functools.cache
def _batch_client() -> Any:
    import boto3

    return boto3.client("batch")


@functools.cache
def _secrets() -> Any:
    import boto3
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def _read_secret(secret_id: str) -> str:
    return _secrets().get(secret_id, max_age=SECRET_MAX_AGE)


def handler(event: dict, context: Any) -> dict:
    return publish_gauges(Settings.from_environment(os.environ), batch_client=_batch_client(), read_secret=_read_secret)


def publish_gauges(
    settings: Settings,
    *,
    batch_client: Any,
    read_secret: Callable[[str], str],
    now: datetime | None = None,
    post: Callable[..., int] = post_queue_depths,
) -> dict:
    """Count every queue, print the EMF metrics, then post to Mackerel if configured.

    A queue that cannot be counted does not stop the others; the function then
    fails at the end (so its Errors alarm fires). A failed Mackerel post is logged
    and counted (``MackerelPostFailures``) but does not fail the function: the
    CloudWatch metrics are already out, and a retry would publish them twice.
    """
    now = now or datetime.now(UTC)
    depths: list[QueueDepth] = []
    failed: list[str] = []
    for job_queue in settings.job_queues:
        try:
            depths.append(count_jobs(batch_client, job_queue, now=now))
        except Exception:
            logger.exception("could not count the jobs of a queue", extra={"job_queue": job_queue})
            failed.append(job_queue)
    publish_queue_depths(depths, settings.namespace, now=now)
    if settings.mackerel_service and settings.mackerel_api_key_secret and depths:
        try:
            api_key = read_secret(settings.mackerel_api_key_secret)
            if not isinstance(api_key, str) or not api_key.strip():
                raise ValueError(f"the Mackerel API key secret {settings.mackerel_api_key_secret} is empty: put the key in it")
            post(depths, service=settings.mackerel_service, api_key=api_key, now=now, base_url=settings.mackerel_base_url)
        except Exception:
            logger.exception("posting to Mackerel failed; the CloudWatch metrics were published")
            publish_mackerel_failure(settings.namespace, settings.mackerel_service, now=now)
    if failed:
        raise RuntimeError(f"could not count the jobs of {', '.join(failed)}; the other queues were published")
    return {
        "queues": {depth.queue_name: depth.counts for depth in depths},
        "apiCalls": sum(depth.api_calls for depth in depths),
    }
