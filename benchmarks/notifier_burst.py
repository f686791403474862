"""1,000 job failures at once, against a webhook that takes one message a second: this notifier vs the original.

The webhook is an HTTP server on 127.0.0.1 that behaves like Slack's rate limit at its
strictest: it accepts a post only if the last accepted one is at least a second old, and
answers every other post 429 with ``Retry-After`` (whole seconds).

* **This notifier**: the 1,000 events wait in a simulated SQS queue; two pollers (the
  event source's maximum concurrency) take batches of up to 100 and call
  ``batch_stack_lambdas.notify_slack.handler.handler`` with a 60 s context, each poller with its own
  pacer (a Lambda container of its own). Records the handler reports as failures go back
  to the queue; after 5 receives they would move to the dead-letter queue. Secrets
  Manager and CloudWatch Logs are moto's; pacing and Retry-After waits are real.
* **The original design**: one asynchronous Lambda invocation per event (100 at a time),
  posting one message and raising on any non-2xx answer; Lambda retries a failed async
  invocation twice (about 1 and 2 minutes later; here 1 s later, which this server cannot
  tell apart because its window is one second), then drops the event.

Prints one row per design: HTTP requests to the webhook, posts it accepted, Lambda
invocations, events delivered, events dead-lettered, events lost, and wall time.

    .venv/bin/python benchmarks/notifier_burst.py
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import threading
import time
import urllib.request
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for _key, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_LOG_LEVEL": "WARNING",  # the handler's per-batch INFO lines would bury the table
}.items():
    os.environ[_key] = _value

EVENT_FIXTURE = ROOT / "tests" / "lambdas" / "events" / "job_ec2_failed.json"
MAX_RECEIVES = 5
BATCH_SIZE = 100
POLLERS = 2


# --------------------------------------------------------------------------- the rate-limited webhook


class RateLimitedWebhook:
    """Accepts a post only when the last accepted one is a second old; 429 + Retry-After otherwise."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_accepted = -math.inf
        self.requests = 0
        self.accepted: list[dict] = []
        self.server = _Server(("127.0.0.1", 0), _Request)
        self.server.webhook = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T0/B0/benchmark"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def take(self, payload: dict) -> tuple[int, float]:
        with self.lock:
            self.requests += 1
            now = time.monotonic()
            wait = self.last_accepted + 1.0 - now
            if wait > 0:
                return 429, wait
            self.last_accepted = now
            self.accepted.append(payload)
            return 200, 0.0

    def reset(self) -> None:
        with self.lock:
            self.last_accepted = -math.inf
            self.requests = 0
            self.accepted = []


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a burst of connections must reach the rate limit, not a full listen backlog


class _Request(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        webhook: RateLimitedWebhook = self.server.webhook  # type: ignore[attr-defined]
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status, wait = webhook.take(payload)
        body = b"ok" if status == 200 else b"rate_limited"
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", str(max(1, math.ceil(wait))))
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


# --------------------------------------------------------------------------- events


def failure_events(count: int) -> list[dict]:
    template = json.loads(EVENT_FIXTURE.read_text())
    template.pop("//", None)  # the fixture's comment: where its shape comes from
    events = []
    for index in range(count):
        event = json.loads(json.dumps(template))
        job_id = f"{index:08d}-0000-4000-8000-000000000000"
        event["id"] = f"event-{job_id}"
        event["detail"].update(jobId=job_id, jobName=f"job-{index:04d}")
        events.append(event)
    return events


@dataclass
class Row:
    design: str
    requests: int
    accepted: int
    invocations: int
    delivered: int
    dead_lettered: int
    lost: int
    seconds: float


# --------------------------------------------------------------------------- this notifier


class _ContainerPacers:
    """One Pacer per poller thread, as each concurrent Lambda container has its own."""

    def __init__(self) -> None:
        from batch_stack_lambdas.notify_slack.slack import Pacer

        self._pacer = Pacer
        self._local = threading.local()

    def _own(self):
        if not hasattr(self._local, "pacer"):
            self._local.pacer = self._pacer()
        return self._local.pacer

    def clock(self) -> float:
        return time.monotonic()

    @property
    def interval(self) -> float:
        return self._own().interval

    @interval.setter
    def interval(self, seconds: float) -> None:
        self._own().interval = seconds

    def delay(self) -> float:
        return self._own().delay()

    def wait(self) -> None:
        self._own().wait()

    def posted(self, retry_after: float | None = None) -> None:
        self._own().posted(retry_after)


class _Context:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


def run_this_notifier(webhook: RateLimitedWebhook, events: list[dict]) -> Row:
    import boto3
    from moto import mock_aws

    from batch_stack_lambdas.notify_slack import handler as notify_slack

    webhook.reset()
    notify_slack.PACER = _ContainerPacers()  # type: ignore[assignment]
    queue: deque[dict] = deque(
        {"messageId": f"m-{i}", "receiptHandle": f"h-{i}", "body": json.dumps(event), "receives": 0}
        for i, event in enumerate(events)
    )
    lock = threading.Lock()
    invocations = 0
    dead_letters: list[dict] = []

    def poll() -> None:
        nonlocal invocations
        while True:
            with lock:
                batch = [queue.popleft() for _ in range(min(BATCH_SIZE, len(queue)))]
                if not batch:
                    return
                invocations += 1
            for record in batch:
                record["receives"] += 1
            response = notify_slack.handler({"Records": batch}, _Context(60.0))
            failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
            with lock:
                for record in batch:
                    if record["messageId"] in failed:
                        (dead_letters if record["receives"] >= MAX_RECEIVES else queue).append(record)

    with mock_aws():
        boto3.client("secretsmanager").create_secret(Name="benchmark/slack-webhook", SecretString=webhook.url)
        # As the construct configures the function: one post per container every 1.1 x max_concurrency seconds.
        settings = {
            "WEBHOOK_SECRET_ID": "benchmark/slack-webhook",
            "LOG_LINES": "10",
            "POST_INTERVAL_SECONDS": f"{1.1 * POLLERS:g}",
        }
        os.environ.update(settings)
        notify_slack.read_webhook_url("benchmark/slack-webhook")  # warm the client, as a warm container would be
        start = time.monotonic()
        threads = [threading.Thread(target=poll) for _ in range(POLLERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - start
    delivered = sum(_stated_total(post) for post in webhook.accepted)
    return Row(
        design=f"this notifier (batches of {BATCH_SIZE}, {POLLERS} pollers)",
        requests=webhook.requests,
        accepted=len(webhook.accepted),
        invocations=invocations,
        delivered=delivered,
        dead_lettered=len(dead_letters),
        lost=len(events) - delivered - len(dead_letters),
        seconds=seconds,
    )


def _stated_total(post: dict) -> int:
    header = post["blocks"][0]["text"]["text"]
    return int(header.split("AWS Batch notifier: ")[1].split(" ")[0].replace(",", ""))


# --------------------------------------------------------------------------- the original design


def original_handler(event: dict, webhook_url: str) -> None:
    """The original Lambda: one post per event, any non-2xx answer raises."""
    status = event["detail"]["status"]
    job_id = event["detail"]["jobId"]
    url = "https://{}.console.aws.amazon.com/batch/home#/jobs/queue/{}/job/{}".format(
        event["region"], event["detail"]["jobQueue"].replace("/", "~F"), job_id
    )
    payload = {
        "username": "event_notifier",
        "attachments": [
            {
                "color": "danger" if status == "FAILED" else "#cccccc",
                "fallback": f"[{status}] JobID {job_id} status changed",
                "title": f"[{status}] Job status changed",
                "title_link": url,
                "text": "```{}```".format(json.dumps(event["detail"]["parameters"])),
                "mrkdwn_in": ["text"],
            }
        ],
    }
    request = urllib.request.Request(webhook_url, data=json.dumps(payload).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # raises HTTPError on 429/5xx
        response.read()


def run_original(webhook: RateLimitedWebhook, events: list[dict], concurrency: int = 100) -> Row:
    webhook.reset()
    invocations = 0
    pending = list(events)
    start = time.monotonic()
    for attempt in range(3):  # the first try and Lambda's two async retries
        if attempt:
            time.sleep(1.0)  # Lambda waits ~1 then ~2 minutes; the server's window is 1 s
        failed: list[dict] = []

        def invoke(event: dict) -> dict | None:
            try:
                original_handler(event, webhook.url)
            except Exception:  # the invocation fails; Lambda may retry it
                return event
            return None

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            failed = [event for event in pool.map(invoke, pending) if event is not None]
        invocations += len(pending)
        pending = failed
    seconds = time.monotonic() - start
    delivered = len(webhook.accepted)
    return Row(
        design="original (one post per event, 2 async retries)",
        requests=webhook.requests,
        accepted=delivered,
        invocations=invocations,
        delivered=delivered,
        dead_lettered=0,
        lost=len(pending),
        seconds=seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    webhook = RateLimitedWebhook()
    events = failure_events(args.events)
    rows = [run_this_notifier(webhook, events), run_original(webhook, events)]
    header = ("design", "requests", "accepted", "invocations", "delivered", "dead-lettered", "lost", "wall s")
    print(f"{header[0]:48} " + " ".join(f"{h:>13}" for h in header[1:]))
    for row in rows:
        values = (row.requests, row.accepted, row.invocations, row.delivered, row.dead_lettered, row.lost)
        print(f"{row.design:48} " + " ".join(f"{v:>13}" for v in values) + f" {row.seconds:>13.1f}")
    print(f"({args.events} FAILED events; webhook: one accepted post a second, 429 + Retry-After otherwise)")
    webhook.server.shutdown()


if __name__ == "__main__":
    main()
