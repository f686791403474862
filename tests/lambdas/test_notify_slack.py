"""notify_slack: documented events in, one Slack post per batch out, failures handed back to SQS.

The webhook is a real HTTP server on 127.0.0.1; Secrets Manager, SQS, CloudWatch Logs
and Batch are moto's. Pacing and Retry-After waits run on a fake clock: nothing sleeps.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from moto.events.models import EventPattern

from lambdas.notify_slack import handler as notify_slack
from lambdas.notify_slack import joblogs, slack
from lambdas.notify_slack.message import MAX_BLOCKS, SECTION_LIMIT
from tests.fake_batch import submit_job_kwargs

EVENTS = Path(__file__).resolve().parent / "events"
SECRET_NAME = "batch-jobs/slack-webhook"
LOG_GROUP = "/aws/batch/go-active-learning"
QUEUE_ARN = "arn:aws:batch:us-east-1:123456789012:job-queue/go-active-learning"
DOCUMENTED_SHAPES = {
    "job_ec2_failed": ["`FAILED`", "attempt 2 of 2", "exit code 1", "definition `update_recommendation:4`", " · EC2"],
    "job_fargate_failed": ["train_classifier", "Fargate", "exit code 137", "ran out of memory"],
    "job_eks_failed": ["estimate_gmm", "EKS", "exit code 2", "definition `estimate_gmm_eks:2`"],
    "job_multinode_failed": ["train_distributed", "EC2 multi-node", "4 nodes, main node 0"],
    "job_array_parent_failed": ["fetch_entries", "array of 100 (FAILED 3, SUCCEEDED 97)"],
    "job_failed_before_start": ["CannotPullContainerError", "never started", "attempt 1 of 3", "image could not be pulled"],
    "job_timeout_failed": ["Job attempt duration exceeded timeout", "does not retry a timed-out job", "ran 1h 00m 00s"],
    "job_spot_reclaim_failed": ["Host EC2 (instance i-0123456789abcdef0) terminated.", "`Host EC2*`", "attempt 3 of 3"],
    "job_unknown_fields_failed": ["update_recommendation", "attempt 1 of 1", "exit code 1"],
    "queue_blocked": [
        "Queue `go-active-learning` is blocked",
        "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
        "runnable time limit",
    ],
    "alarm": ["GoActiveLearningBatch-Monitor-RunnableBacklog", "is `ALARM` (was OK)", "Threshold Crossed"],
}


def event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


def failed_job(index: int, name: str | None = None, **detail) -> dict:
    """A FAILED event like the EC2 fixture, for job ``index``."""
    body = event("job_ec2_failed")
    job_id = f"{index:08d}-0000-4000-8000-000000000000"
    body["id"] = f"event-{job_id}"
    body["detail"].update(jobId=job_id, jobName=name or f"job-{index:04d}", **detail)
    return body


def blocked_by(job_id: str) -> dict:
    body = event("queue_blocked")
    body["id"] = f"event-{job_id}"
    body["detail"]["jobId"] = job_id
    return body


# --------------------------------------------------------------------------- the loopback webhook


class Webhook:
    """Slack's side: records every post; answers from a script, then with the default."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.script: deque[tuple[int, dict, str]] = deque()
        self.default: tuple[int, dict, str] = (200, {}, "ok")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _WebhookRequest)
        self.server.webhook = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/secret-token"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def reset(self) -> None:
        self.posts.clear()
        self.script.clear()
        self.default = (200, {}, "ok")


class _WebhookRequest(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        webhook: Webhook = self.server.webhook  # type: ignore[attr-defined]
        webhook.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        status, headers, body = webhook.script.popleft() if webhook.script else webhook.default
        self.send_response(status)
        for key, value in {"Content-Type": "text/plain", **headers}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def webhook_server():
    server = Webhook()
    yield server
    server.server.shutdown()


@pytest.fixture
def webhook(webhook_server) -> Webhook:
    webhook_server.reset()
    return webhook_server


# --------------------------------------------------------------------------- AWS, clock, context


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Context:
    """The part of the Lambda context the handler reads; time left follows the fake clock."""

    def __init__(self, clock: FakeClock, seconds: float = 60.0) -> None:
        self.clock, self.deadline = clock, clock.now + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - self.clock.now) * 1000)


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(notify_slack, "PACER", slack.Pacer(clock=fake.time, sleep=fake.sleep))
    return fake


@pytest.fixture(scope="module")
def moto_aws(webhook_server):
    """moto, with the webhook secret and one job log; shared by the module (boto3 clients are slow to make)."""
    parameters.clear_caches()
    notify_slack.logs_client.cache_clear()
    with mock_aws():
        secrets = boto3.client("secretsmanager")
        secrets.create_secret(Name=SECRET_NAME, SecretString=webhook_server.url)
        logs = boto3.client("logs")
        logs.create_log_group(logGroupName=LOG_GROUP)
        stream = "update_recommendation/default/4c7599ae"
        logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        now = int(time.time() * 1000)
        logs.put_log_events(
            logGroupName=LOG_GROUP,
            logStreamName=stream,
            logEvents=[{"timestamp": now + i, "message": f"log line {i}"} for i in range(1, 16)],
        )
        yield secrets
    parameters.clear_caches()
    notify_slack.logs_client.cache_clear()


@pytest.fixture
def aws(moto_aws, monkeypatch, webhook, clock):
    """The secret holds the loopback webhook's URL again, and no cached read of it is left."""
    moto_aws.put_secret_value(SecretId=SECRET_NAME, SecretString=webhook.url)
    for provider in parameters.base.DEFAULT_PROVIDERS.values():
        provider.clear_cache()
    monkeypatch.setenv("WEBHOOK_SECRET_ID", SECRET_NAME)
    monkeypatch.setenv("TIME_ZONE", "UTC")
    monkeypatch.setenv("LOG_LINES", "10")
    return moto_aws


def new_queue() -> tuple[object, str]:
    sqs = boto3.client("sqs")
    return sqs, sqs.create_queue(QueueName=f"notifier-{uuid.uuid4().hex[:12]}")["QueueUrl"]


def records(*bodies, raw: bool = False) -> list[dict]:
    """SQS records as Lambda receives them, from EventBridge events (or raw strings)."""
    return [
        {
            "messageId": str(uuid.uuid4()),
            "receiptHandle": "handle",
            "body": body if raw else json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:notifier",
            "awsRegion": "us-east-1",
        }
        for body in bodies
    ]


def invoke(items: list[dict], clock: FakeClock, seconds: float = 60.0) -> dict:
    return notify_slack.handler({"Records": items}, Context(clock, seconds))


def ids(items: list[dict]) -> list[str]:
    return [item["messageId"] for item in items]


def failures(response: dict) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


# --------------------------------------------------------------------------- reading a post


def sections(post: dict) -> list[str]:
    blocks = post["blocks"] + [b for attachment in post["attachments"] for b in attachment["blocks"]]
    return [block["text"]["text"] for block in blocks]


def logged(caplog) -> str:
    """Every log record with its structured fields (Powertools puts ``extra`` on the record)."""
    return "\n".join(json.dumps(record.__dict__, default=str) for record in caplog.records)


def text(post: dict) -> str:
    return "\n".join(sections(post))


def stated_total(post: dict, label: str = "FAILED") -> int:
    """The total the post states for one kind, in its header."""
    (number,) = re.findall(rf"• {label}: ([\d,]+) ", post["blocks"][0]["text"]["text"])
    return int(number.replace(",", ""))


def accounted(post: dict, colour: str = "danger") -> tuple[int, int, list[str]]:
    """(jobs in detail, jobs in grouped lines, names seen) in one attachment."""
    (attachment,) = [a for a in post["attachments"] if a["color"] == colour]
    texts = [block["text"]["text"] for block in attachment["blocks"][1:]]
    detailed = [t for t in texts if t.startswith("*<https://")]
    grouped = [t for t in texts if not t.startswith("*<https://")]
    counts = sum(int(n) for t in grouped for n in re.findall(r"×(\d+)", t))
    counts += sum(int(n.replace(",", "")) for t in grouped for n in re.findall(r"\.\.\.and \d+ more \(([\d,]+) jobs?\)", t))
    names = [m for t in detailed for m in re.findall(r"\|([^>]+)>\*", t)] + [
        m for t in grouped for m in re.findall(r"`([^`]+)` ×", t)
    ]
    return len(detailed), counts, names


# --------------------------------------------------------------------------- the message


@pytest.mark.parametrize("fixture", sorted(DOCUMENTED_SHAPES))
def test_each_documented_event_shape_is_reported(aws, webhook, clock, fixture):
    response = invoke(records(event(fixture)), clock)
    assert response == {"batchItemFailures": []}
    (post,) = webhook.posts
    for expected in DOCUMENTED_SHAPES[fixture]:
        assert expected in text(post), expected


def test_job_links_to_the_console_and_its_log_stream_with_the_last_lines(aws, webhook, clock):
    invoke(records(event("job_ec2_failed")), clock)
    body = text(webhook.posts[0])
    job_url = (
        "https://us-east-1.console.aws.amazon.com/batch/home?region=us-east-1#jobs/detail/4c7599ae-0a82-49aa-ba5a-4727fcce14a8"
    )
    assert f"<{job_url}|update_recommendation>" in body
    assert "#logsV2:log-groups/log-group/$252Faws$252Fbatch$252Fgo-active-learning/log-events/" in body
    assert "update_recommendation$252Fdefault$252F4c7599ae|log stream>, last 10 lines:" in body
    assert "log line 6\n" in body and "log line 15\n" in body
    assert "log line 5\n" not in body


def test_times_are_shown_in_the_configured_time_zone(aws, webhook, clock, monkeypatch):
    monkeypatch.setenv("TIME_ZONE", "Asia/Tokyo")
    invoke(records(event("job_ec2_failed")), clock)
    assert "started 2024-05-01 12:00:00 JST · stopped 2024-05-01 12:05:09 JST · ran 5m 09s" in text(webhook.posts[0])


def test_times_default_to_utc(aws, webhook, clock):
    invoke(records(event("job_ec2_failed")), clock)
    assert "started 2024-05-01 03:00:00 UTC" in text(webhook.posts[0])


def test_parameters_are_shown_as_the_original_did(aws, webhook, clock):
    invoke(records(event("job_ec2_failed")), clock)
    assert 'parameters `{"Arg1": "2024-05-01T03:00:00Z", "Arg2": "from-AWS-Lambda"}`' in text(webhook.posts[0])


def test_unreadable_log_is_explained_and_the_post_still_goes(aws, webhook, clock):
    response = invoke(records(event("job_fargate_failed")), clock)  # its stream was never written
    assert failures(response) == []
    assert "last lines unavailable: ResourceNotFoundException" in text(webhook.posts[0])


class SlowLogs:
    """A CloudWatch Logs client whose every read takes ``seconds`` on the fake clock."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        self.clock, self.seconds, self.reads = clock, seconds, 0

    def get_log_events(self, **request) -> dict:
        self.reads += 1
        self.clock.now += self.seconds
        return {"events": [{"message": f"line of read {self.reads}"}]}


def test_log_tails_stop_when_the_invocation_runs_short_of_time_and_the_post_still_goes(webhook, clock, caplog):
    deadline = clock.now + 40.0
    logs = SlowLogs(clock, seconds=11.0)  # the slowest a read can be with the client's timeouts
    response = notify_slack.notify(
        records(failed_job(1), failed_job(2), failed_job(3)),
        webhook_url=webhook.url,
        logs_client=logs,
        pacer=notify_slack.PACER,
        seconds_left=lambda: deadline - clock.now,
    )
    assert failures(response) == []
    # 40 s left: read (29 left), read (18 left, under the margin), then skip.
    assert logs.reads == 2
    body = text(webhook.posts[0])
    assert body.count("line of read") == 2
    assert body.count("last lines unavailable: skipped, too little time left in this invocation") == 1
    assert '"skipped_tails": 1' in logged(caplog)


def test_no_log_tail_is_read_with_less_than_the_margin_left(webhook, clock):
    logs = SlowLogs(clock, seconds=0.0)
    response = notify_slack.notify(
        records(failed_job(1)),
        webhook_url=webhook.url,
        logs_client=logs,
        pacer=notify_slack.PACER,
        seconds_left=lambda: joblogs.TAIL_TIME_MARGIN_SECONDS - 0.5,
    )
    assert failures(response) == [] and logs.reads == 0
    assert "skipped, too little time left" in text(webhook.posts[0])


def test_logs_client_has_short_timeouts_and_one_retry(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    notify_slack.logs_client.cache_clear()
    try:
        config = notify_slack.logs_client().meta.config
    finally:
        notify_slack.logs_client.cache_clear()
    assert (config.connect_timeout, config.read_timeout) == (2, 3)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}


def test_colour_per_status_as_in_the_original(aws, webhook, clock):
    invoke(records(event("job_ec2_failed"), event("job_succeeded"), event("queue_blocked"), event("alarm")), clock)
    colours = [attachment["color"] for attachment in webhook.posts[0]["attachments"]]
    assert colours == ["danger", "good", "warning", "danger"]


def test_duplicate_deliveries_give_one_line(aws, webhook, clock):
    first = event("job_ec2_failed")
    retried = event("job_ec2_failed")
    retried["id"] = "another-delivery-of-a-later-attempt"
    retried["detail"]["attempts"] = retried["detail"]["attempts"][:1]
    response = invoke(records(first, first, first, retried), clock)
    assert failures(response) == []
    post = webhook.posts[0]
    assert stated_total(post) == 2
    assert "2 duplicate deliveries merged" in text(post)


def test_an_unreadable_event_is_reported_as_truncated_raw_json(aws, webhook, clock):
    strange = {
        "detail-type": "Batch Job State Change",
        "source": "aws.batch",
        "detail": {"jobName": "x" * 50, "blob": "y" * 9000},
    }
    response = invoke(records(strange, "this is not JSON", raw=False) + records("{broken", raw=True), clock)
    assert failures(response) == []
    post = webhook.posts[0]
    assert stated_total(post, "Events the notifier could not read") == 3
    body = text(post)
    assert '"blob": "yyyy' in body and "y" * 9000 not in body
    assert "{broken" in body and "not JSON" in body
    assert all(len(section) <= SECTION_LIMIT for section in sections(post))


def test_more_failures_than_fit_show_ten_in_detail_and_group_the_rest(aws, webhook, clock):
    events = [failed_job(i, "nightly") for i in range(15)] + [failed_job(100 + i) for i in range(10)]
    invoke(records(*events), clock)
    post = webhook.posts[0]
    detailed, grouped, names = accounted(post)
    assert (stated_total(post), detailed, grouped) == (25, 10, 15)
    assert "*FAILED: 25 jobs* (10 in detail, 15 grouped by job name)" in text(post)
    assert "`job-0109` ×1" in text(post)
    assert set(names) == {"nightly"} | {f"job-{100 + i:04d}" for i in range(10)}


def test_huge_batches_respect_slack_limits_and_still_add_up(aws, webhook, clock):
    reason = "CannotPullContainerError: " + "z" * 10_000
    events = [failed_job(i, f"{'n' * 120}-{i:03d}", statusReason=reason) for i in range(100)]
    events += [blocked_by(f"job-{i}") for i in range(20)]
    response = invoke(records(*events) + records(*[f"garbage {i} " + "g" * 4000 for i in range(8)], raw=True), clock)
    assert failures(response) == []
    post = webhook.posts[0]
    all_blocks = post["blocks"] + [b for a in post["attachments"] for b in a["blocks"]]
    assert len(all_blocks) <= MAX_BLOCKS
    assert all(len(section) <= SECTION_LIMIT for section in sections(post))
    assert len(json.dumps(post)) < 60_000
    detailed, grouped, _ = accounted(post)
    assert detailed + grouped == stated_total(post) == 100
    assert stated_total(post, "Job queue blocked") == 20
    assert stated_total(post, "Events the notifier could not read") == 8


# --------------------------------------------------------------------------- Slack's answers


def test_200_acknowledges_every_record(aws, webhook, clock):
    assert invoke(records(event("job_ec2_failed"), event("alarm")), clock) == {"batchItemFailures": []}
    assert len(webhook.posts) == 1


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


def test_500_hands_every_record_back(aws, webhook, clock):
    webhook.default = (500, {}, "internal_error")
    items = records(event("job_ec2_failed"), event("alarm"))
    assert failures(invoke(items, clock)) == ids(items)


def test_400_invalid_payload_is_logged_and_handed_back(aws, webhook, clock, caplog):
    webhook.default = (400, {}, "invalid_payload")
    items = records(event("job_ec2_failed"))
    assert failures(invoke(items, clock)) == ids(items)
    assert "HTTP 400: invalid_payload" in logged(caplog)


def test_connection_refused_hands_the_records_back(aws, webhook, clock):
    closed = ThreadingHTTPServer(("127.0.0.1", 0), _WebhookRequest)
    port = closed.server_port
    closed.server_close()
    aws.put_secret_value(SecretId=SECRET_NAME, SecretString=f"http://127.0.0.1:{port}/services/x")
    items = records(event("job_ec2_failed"))
    assert failures(invoke(items, clock)) == ids(items)


def test_a_slow_answer_times_out_as_a_failure(webhook):
    class Slow(_WebhookRequest):
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


def test_post_interval_follows_the_configured_concurrency(aws, webhook, clock, monkeypatch):
    monkeypatch.setenv("POST_INTERVAL_SECONDS", "2.2")
    invoke(records(event("job_ec2_failed")), clock)
    invoke(records(event("alarm")), clock)
    assert clock.sleeps == [pytest.approx(2.2)]


def test_after_a_429_the_next_post_waits_for_retry_after_not_the_interval():
    clock = FakeClock()
    pacer = slack.Pacer(interval=2.2, clock=clock.time, sleep=clock.sleep)
    pacer.posted(retry_after=1.0)
    assert pacer.delay() == pytest.approx(1.1)
    pacer.wait()
    pacer.posted()
    assert pacer.delay() == pytest.approx(2.2)


# --------------------------------------------------------------------------- the secret


def test_webhook_url_is_read_from_the_secret_and_cached(aws, webhook, clock):
    invoke(records(event("job_ec2_failed")), clock)
    aws.put_secret_value(SecretId=SECRET_NAME, SecretString="http://127.0.0.1:9/elsewhere")
    response = invoke(records(event("alarm")), clock)
    assert failures(response) == []
    assert len(webhook.posts) == 2
    assert notify_slack.SECRET_MAX_AGE_SECONDS == 300


def test_webhook_url_is_never_logged(aws, webhook, clock, caplog, capsys):
    webhook.default = (500, {}, "internal_error")
    invoke(records(event("job_ec2_failed"), "not json", raw=True), clock)
    webhook.default = (400, {}, "no_service")
    invoke(records(event("alarm")), clock)
    output = capsys.readouterr()
    assert "internal_error" in logged(caplog) and "no_service" in logged(caplog)
    assert "secret-token" not in logged(caplog) + output.out + output.err


def test_an_empty_secret_fails_the_invocation_with_a_clear_error(aws, webhook, clock):
    name = f"empty-webhook-{uuid.uuid4().hex[:8]}"
    aws.create_secret(Name=name)  # created without a value, as the construct does
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEBHOOK_SECRET_ID", name)
        with pytest.raises(notify_slack.WebhookSecretError, match="put the Slack webhook URL in it"):
            invoke(records(event("job_ec2_failed")), clock)
    assert webhook.posts == []


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


# --------------------------------------------------------------------------- through SQS


def deliver(sqs, queue_url: str, bodies: list[dict], batch_size: int = 100) -> list[list[dict]]:
    """Send events to a (moto) SQS queue and receive them as Lambda's SQS batches."""
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": json.dumps(body)} for i, body in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    received: list[dict] = []
    while len(received) < len(bodies):
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300, AttributeNames=["All"]
        ).get("Messages", [])
        assert messages, "the queue ran dry early"
        received += messages
    lambda_records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:notifier",
            "awsRegion": "us-east-1",
        }
        for m in received
    ]
    return [lambda_records[i : i + batch_size] for i in range(0, len(lambda_records), batch_size)]


def test_burst_of_1000_failures_in_10_batches_gives_at_most_10_posts(aws, webhook, clock):
    # Built directly in Lambda's SQS record format: moto's SQS takes seconds per hundred messages.
    events = records(*[failed_job(i) for i in range(1000)])
    batches = [events[start : start + 100] for start in range(0, 1000, 100)]
    responses = [invoke(batch, clock) for batch in batches]
    assert all(response == {"batchItemFailures": []} for response in responses)
    assert len(webhook.posts) <= 10
    assert sum(stated_total(post) for post in webhook.posts) == 1000
    names: list[str] = []
    for post in webhook.posts:
        detailed, grouped, seen = accounted(post)
        assert detailed + grouped == stated_total(post)
        names += seen
    assert sorted(names) == [f"job-{i:04d}" for i in range(1000)]
    assert clock.sleeps == [1.0] * (len(webhook.posts) - 1)


def test_outage_hands_every_record_back_and_acknowledges_nothing(aws, webhook, clock):
    webhook.default = (500, {}, "internal_error")
    sqs, queue_url = new_queue()
    batches = deliver(sqs, queue_url, [failed_job(i) for i in range(30)], batch_size=10)
    for batch in batches:
        failed = failures(invoke(batch, clock))
        assert sorted(failed) == sorted(ids(batch))
        # What the event source mapping does: delete only the records not reported as failures.
        acknowledged = [r for r in batch if r["messageId"] not in failed]
        for record in acknowledged:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "30"
    assert len(webhook.posts) == len(batches) == 3


def test_end_to_end_from_a_failed_batch_job_to_the_slack_post(aws, webhook, clock, default_app, monkeypatch):
    """Send what the default app's update_recommendation schedule sends, let moto fail the job, follow it to Slack."""
    monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")
    with mock_aws(config={"batch": {"use_docker": False}}):
        job = _fail_the_scheduled_job_in_moto_batch(default_app)
    state_change = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Batch Job State Change",
        "source": "aws.batch",
        "account": "123456789012",
        "time": "2024-05-01T03:05:09Z",
        "region": "us-east-1",
        "resources": [job["jobArn"]],
        "detail": job,
    }
    assert EventPattern.load(json.dumps(_default_app_pattern(default_app, job["jobQueue"]))).matches_event(state_change)

    sqs, queue_url = new_queue()
    (batch,) = deliver(sqs, queue_url, [state_change])
    assert invoke(batch, clock) == {"batchItemFailures": []}
    (post,) = webhook.posts
    body = text(post)
    assert f"#jobs/detail/{job['jobId']}|update_recommendation>* `FAILED`" in body
    assert "queue `go-active-learning`" in body and "definition `update_recommendation:1`" in body
    assert '"Arg2": "from-EventBridge-Scheduler"' in body
    assert '"scheduled_time": "2024-05-01T03:00:00Z"' in body


def _fail_the_scheduled_job_in_moto_batch(default_app) -> dict:
    """Create the queue and definition in moto, then submit exactly the synthesized schedule's input."""
    iam = boto3.client("iam")
    batch = boto3.client("batch")
    role = iam.create_role(RoleName="batch-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    environment = batch.create_compute_environment(
        computeEnvironmentName="go-active-learning-ce", type="UNMANAGED", state="ENABLED", serviceRole=role
    )
    queue = batch.create_job_queue(
        jobQueueName="go-active-learning",
        state="ENABLED",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment["computeEnvironmentArn"]}],
    )
    definition = batch.register_job_definition(
        jobDefinitionName="update_recommendation",
        type="container",
        containerProperties={
            "image": "go-active-learning",
            "vcpus": 1,
            "memory": 2500,
            "command": ["/app/update_recommendation"],
        },
    )
    (schedule,) = default_app.resources("AWS::Scheduler::Schedule", under="Jobupdaterecommendation").values()
    # CloudFormation resolves the queue's JobQueueArn and the definition's Ref (its ARN); Scheduler fills in the time.
    parts = schedule["Properties"]["Target"]["Input"]["Fn::Join"][1]
    resolved = "".join(
        part if isinstance(part, str) else queue["jobQueueArn"] if "Fn::GetAtt" in part else definition["jobDefinitionArn"]
        for part in parts
    )
    request = json.loads(resolved.replace("<aws.scheduler.scheduled-time>", "2024-05-01T03:00:00Z"))
    submitted = batch.submit_job(**submit_job_kwargs(request))
    for _ in range(200):
        (job,) = batch.describe_jobs(jobs=[submitted["jobId"]])["jobs"]
        if job["status"] in ("FAILED", "SUCCEEDED"):
            break
        time.sleep(0.01)  # moto finishes the job on its own thread
    assert job["status"] == "FAILED"
    return json.loads(json.dumps(job, default=str))


def _default_app_pattern(default_app, main_queue_arn: str) -> dict:
    """The default app's rule pattern, with the main queue's ARN as moto made it."""
    (rule,) = default_app.resources("AWS::Events::Rule", under="Notifier").values()
    queues = default_app.resources("AWS::Batch::JobQueue")
    arns = {
        logical_id: main_queue_arn
        if resource["Properties"]["JobQueueName"] == "go-active-learning"
        else f"arn:other:{logical_id}"
        for logical_id, resource in queues.items()
    }

    def resolve(node):
        if isinstance(node, dict):
            if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in arns:
                return arns[node["Fn::GetAtt"][0]]
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return resolve(rule["Properties"]["EventPattern"])
