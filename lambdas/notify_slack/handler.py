"""Entry point: one SQS batch of EventBridge events in, one Slack post out, failures back to SQS.

Environment:
    WEBHOOK_SECRET_ID  name or ARN of the Secrets Manager secret holding the webhook URL (required)
    TIME_ZONE          IANA zone for start and stop times (default UTC)
    LOG_LINES          last log lines shown per job in detail (default 10; 0 = none)
    POST_INTERVAL_SECONDS  least time between two posts of one container (default 1). The construct
                       sets it to the event source's maximum concurrency, so that all concurrent
                       containers together stay at Slack's one message a second.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities import parameters

from . import slack
from .events import read_records
from .joblogs import LOGS_CLIENT_CONFIG, TailReader
from .message import build_message

logger = Logger()

#: How long the webhook URL is cached between reads of the secret.
SECRET_MAX_AGE_SECONDS = 300
#: Spaces posts across all the invocations this container serves (tests replace it with a fake clock).
PACER = slack.Pacer()


class WebhookSecretError(RuntimeError):
    """The webhook secret cannot be read or holds no URL: the batch goes back to SQS."""


@dataclass(frozen=True)
class Settings:
    webhook_secret_id: str
    time_zone: str = "UTC"
    log_lines: int = 10
    post_interval_seconds: float = slack.POST_INTERVAL_SECONDS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Settings:
        secret_id = environ.get("WEBHOOK_SECRET_ID", "")
        if not secret_id:
            raise WebhookSecretError("WEBHOOK_SECRET_ID is not set")
        return cls(
            webhook_secret_id=secret_id,
            time_zone=environ.get("TIME_ZONE") or "UTC",
            log_lines=int(environ.get("LOG_LINES") or 10),
            post_interval_seconds=float(environ.get("POST_INTERVAL_SECONDS") or slack.POST_INTERVAL_SECONDS),
        )


@functools.cache
def logs_client() -> Any:
    return boto3.client("logs", config=LOGS_CLIENT_CONFIG)


def handler(event: Mapping[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    settings = Settings.from_environment(os.environ)
    records = event.get("Records") or []
    if not records:
        return {"batchItemFailures": []}
    pacer = PACER
    pacer.interval = settings.post_interval_seconds
    deadline = pacer.clock() + context.get_remaining_time_in_millis() / 1000
    return notify(
        records,
        webhook_url=read_webhook_url(settings.webhook_secret_id),
        logs_client=logs_client(),
        pacer=pacer,
        seconds_left=lambda: deadline - pacer.clock(),
        time_zone=time_zone(settings.time_zone),
        log_lines=settings.log_lines,
    )


def notify(
    records: Sequence[Mapping[str, Any]],
    *,
    webhook_url: str,
    logs_client: Any,
    pacer: slack.Pacer,
    seconds_left: Callable[[], float],
    time_zone: tzinfo = UTC,
    log_lines: int = 10,
) -> dict[str, list[dict[str, str]]]:
    """Post the whole batch as one Slack message; on failure, hand every record back to SQS.

    Powertools' BatchProcessor settles each record on its own, which would mean one
    Slack post per record: the flood this notifier exists to avoid. Here the batch is
    one message, so it succeeds or fails as a whole, and the partial batch response
    is written by hand: empty when Slack took the message, every record otherwise.
    """
    delivery = read_records(records)
    for item in delivery.unreadable:
        # The message shows a truncated copy; the log keeps the whole event.
        logger.warning("Event the notifier could not read", extra={"problem": item.problem, "event": item.raw})
    tail = TailReader(logs_client, lines=log_lines, seconds_left=seconds_left) if log_lines > 0 else None
    payload = build_message(delivery, time_zone=time_zone, tail=tail)
    if tail is not None and tail.skipped:
        # The message says so beside each job; the log says how many.
        logger.warning("Skipped reading log tails to leave time for the Slack post", extra={"skipped_tails": tail.skipped})
    result = slack.post(webhook_url, payload, pacer=pacer, seconds_left=seconds_left)
    details = {"records": len(records), "events": delivery.total, "duplicates": delivery.duplicates, "requests": result.requests}
    if result.ok:
        logger.info("Posted to Slack", extra=details)
        return {"batchItemFailures": []}
    logger.error("Slack did not take the message; SQS will deliver the records again", extra={**details, "slack": result.summary})
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if "messageId" in r]}


def read_webhook_url(secret_id: str) -> str:
    """The webhook URL from Secrets Manager, cached for :data:`SECRET_MAX_AGE_SECONDS`. Never logged."""
    try:
        value = parameters.get_secret(secret_id, max_age=SECRET_MAX_AGE_SECONDS)
    except parameters.exceptions.GetParameterError as error:
        raise WebhookSecretError(
            f"cannot read the webhook secret {secret_id} ({error}); "
            "if the stack created it, put the Slack webhook URL in it (see the README)"
        ) from None
    if not isinstance(value, str) or not value.strip():
        raise WebhookSecretError(f"the webhook secret {secret_id} is empty; put the Slack webhook URL in it")
    url = value.strip()
    slack.check_webhook_url(url)
    return url


def time_zone(name: str) -> tzinfo:
    """The zone for times in messages; UTC (with a warning) if this runtime lacks it."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("Unknown time zone; showing times in UTC", extra={"time_zone": name})
        return UTC
