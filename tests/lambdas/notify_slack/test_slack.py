"""notify_slack.slack: Slack's answers (2xx, 429 with Retry-After, errors), pacing, and which webhook URLs are used."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import ThreadingHTTPServer

import pytest

from batch_stack_lambdas.notify_slack import slack
from tests.lambdas.conftest import event
from tests.lambdas.notify_slack.conftest import SECRET_NAME, FakeClock, WebhookRequest, failures, ids, invoke, records


def test_429_waits_for_retry_after_then_posts(aws, webhook, clock):
    webhook.script.append((429, {"Retry-After": "7"}, "rate_limited"))
    response = invoke(records(event("job_ec2_failed")), clock)
    assert failures(response) == []
    assert len(webhook.posts) == 2
    assert clock.sleeps == [pytest.approx(7.1)]  # Retry-After and a tenth of a second


def test_429_without_time_to_wait_hands_the_records_back(aws, webhook, clock):
    webhook.script.append((429, {"Retry-After": "120"}, "rate_limited"))
    items = records(event("job_ec2_failed"), event("queue_blocked"))
    response = invoke(items, clock, seconds=60)
    assert failures(response) == ids(items)
    assert len(webhook.posts) == 1
    assert clock.sleeps == []


def test_connection_refused_hands_the_records_back(aws, webhook, clock):
    closed = ThreadingHTTPServer(("127.0.0.1", 0), WebhookRequest)
    port = closed.server_port
    closed.server_close()
    aws.put_secret_value(SecretId=SECRET_NAME, SecretString=f"http://127.0.0.1:{port}/services/x")
    items = records(event("job_ec2_failed"))
    assert failures(invoke(items, clock)) == ids(items)


def test_a_slow_answer_times_out_as_a_failure(webhook):
    class Slow(WebhookRequest):
        def do_POST(self) -> None:
            time.sleep(0.3)

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            pass  # the client has gone after its timeout

    server = QuietServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        result = slack.post(
            f"http://127.0.0.1:{server.server_port}/x",
            {"text": "hi"},
            pacer=slack.Pacer(),
            seconds_left=lambda: 60.0,
            request_timeout=0.1,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert not result.ok and result.status is None
    assert "timed out" in result.answer


def test_posts_are_paced_one_a_second_across_invocations(aws, webhook, clock):
    invoke(records(event("job_ec2_failed")), clock)
    invoke(records(event("alarm")), clock)
    clock.now += 0.25
    invoke(records(event("queue_blocked")), clock)
    assert len(webhook.posts) == 3
    assert clock.sleeps == [1.0, 0.75]


def test_after_a_429_the_next_post_waits_for_retry_after_not_the_interval():
    clock = FakeClock()
    pacer = slack.Pacer(interval=2.2, clock=clock.time, sleep=clock.sleep)
    pacer.posted(retry_after=1.0)
    assert pacer.delay() == pytest.approx(1.1)
    pacer.wait()
    pacer.posted()
    assert pacer.delay() == pytest.approx(2.2)


def test_a_secret_that_is_not_a_webhook_url_is_rejected_without_showing_it(aws, webhook, clock):
    aws.put_secret_value(SecretId=SECRET_NAME, SecretString="ftp://hunter2@example.com/")
    with pytest.raises(slack.WebhookUrlError) as caught:
        invoke(records(event("job_ec2_failed")), clock)
    assert "hunter2" not in str(caught.value)
    assert webhook.posts == []


@pytest.mark.parametrize("url", ["http://hooks.slack.com/services/x", "file:///etc/passwd", "https://"])
def test_only_https_or_loopback_http_urls_are_used(url):
    with pytest.raises(slack.WebhookUrlError):
        slack.check_webhook_url(url)


@pytest.mark.parametrize(("header", "seconds"), [(None, 1.0), ("", 1.0), ("7", 7.0), ("2.5", 2.5), ("-3", 0.0), ("soon", 1.0)])
def test_retry_after_is_read_in_seconds_with_a_default(header, seconds):
    assert slack._retry_after(header) == seconds


def test_retry_after_may_be_an_http_date():
    in_half_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25.0 < slack._retry_after(in_half_a_minute) <= 30.0
