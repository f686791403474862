"""The notifier's test bench: a loopback webhook, moto's AWS, a fake clock, and reading what was posted.

The webhook is a real HTTP server on 127.0.0.1; Secrets Manager, SQS, CloudWatch Logs
and Batch are moto's. Pacing and Retry-After waits run on a fake clock: nothing sleeps.
The webhook server and moto are shared by every test of this folder (boto3 clients are slow to make).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from batch_stack_lambdas.notify_slack import handler as notify_slack
from batch_stack_lambdas.notify_slack import slack
from tests.lambdas.conftest import event

SECRET_NAME = "batch-jobs/slack-webhook"
LOG_GROUP = "/aws/batch/go-active-learning"


def failed_job(index: int, name: str | None = None, **detail) -> dict:
    """A FAILED event like the EC2 fixture, for job ``index``."""
    body = event("job_ec2_failed")
    job_id = f"{index:08d}-0000-4000-8000-000000000000"
    body["id"] = f"event-{job_id}"
    body["detail"].update(jobId=job_id, jobName=name or f"job-{index:04d}", **detail)
    return body


# --------------------------------------------------------------------------- the loopback webhook


class Webhook:
    """Slack's side: records every post; answers from a script, then with the default."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.script: deque[tuple[int, dict, str]] = deque()
        self.default: tuple[int, dict, str] = (200, {}, "ok")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), WebhookRequest)
        self.server.webhook = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/secret-token"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def reset(self) -> None:
        self.posts.clear()
        self.script.clear()
        self.default = (200, {}, "ok")


class WebhookRequest(BaseHTTPRequestHandler):
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


@pytest.fixture(scope="package")
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


@pytest.fixture(scope="package")
def moto_aws(webhook_server):
    """moto, with the webhook secret and one job log; shared by this folder's tests (boto3 clients are slow to make)."""
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
