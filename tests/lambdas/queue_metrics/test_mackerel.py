"""queue_metrics.mackerel: the request Mackerel's API expects, its errors, and https only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from batch_stack_lambdas.queue_metrics.counting import STATUSES
from batch_stack_lambdas.queue_metrics.mackerel import MackerelError, post_queue_depths, service_metrics_url
from tests.lambdas.queue_metrics.conftest import QUEUE, depth


def test_mackerel_request_is_what_the_api_expects(mackerel):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    sent = post_queue_depths(
        [depth(QUEUE, runnable=2500, running=3)], service="batch", api_key="secret-key", now=now, base_url=mackerel.url
    )
    (request,) = mackerel.requests
    assert request["method"] == "POST"
    assert request["path"] == "/api/v0/services/batch/tsdb"
    assert request["headers"]["X-Api-Key"] == "secret-key"
    assert request["headers"]["Content-Type"] == "application/json"
    body = json.loads(request["body"])
    assert sent == len(body) == 5
    assert {"name": f"aws.batch.jobs.{QUEUE}.RUNNABLE", "time": int(now.timestamp()), "value": 2500} in body
    assert {v["name"] for v in body} == {f"aws.batch.jobs.{QUEUE}.{status}" for status in STATUSES}


def test_mackerel_error_answer_is_raised_with_its_message(mackerel):
    mackerel.status = 403
    with pytest.raises(MackerelError, match="HTTP 403: .*Invalid API key"):
        post_queue_depths([depth(QUEUE)], service="batch", api_key="wrong", now=datetime.now(UTC), base_url=mackerel.url)


def test_mackerel_url_must_be_https_except_to_loopback():
    assert service_metrics_url("https://api.mackerelio.com/", "my service") == (
        "https://api.mackerelio.com/api/v0/services/my%20service/tsdb"
    )
    with pytest.raises(ValueError, match="https://"):
        service_metrics_url("http://api.mackerelio.com", "batch")


def test_mackerel_times_are_epoch_seconds():
    from batch_stack_lambdas.queue_metrics.mackerel import graph_values

    now = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(milliseconds=999)
    assert {v["time"] for v in graph_values([depth(QUEUE)], now=now)} == {int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())}
