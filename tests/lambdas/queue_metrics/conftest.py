"""What the queue gauge's tests share: job summaries, a paging stand-in for Batch, a loopback Mackerel."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from batch_stack_lambdas.queue_metrics.counting import STATUSES, QueueDepth
from batch_stack_lambdas.queue_metrics.handler import Settings, publish_gauges
from tests.lambdas.conftest import emf_documents

QUEUE = "go-active-learning"
QUEUE_ARN = f"arn:aws:batch:us-east-1:123456789012:job-queue/{QUEUE}"


def summaries(count: int, *, created_ms: int = 1_700_000_000_000, start: int = 0) -> list[dict]:
    return [{"jobId": f"job-{start + i}", "jobName": "update_recommendation", "createdAt": created_ms} for i in range(count)]


class PagedBatch:
    """A thread-safe stand-in for a Batch client: ``jobs[status]`` served 1,000 a page, calls recorded."""

    def __init__(
        self, jobs: dict[str, list[dict]], failing_queues: tuple[str, ...] = (), together: threading.Barrier | None = None
    ) -> None:
        self.jobs = jobs
        self.failing_queues = failing_queues
        self.together = together
        self.calls: list[dict] = []
        self._lock = threading.Lock()

    def list_jobs(self, **request):
        with self._lock:
            self.calls.append(request)
        if self.together is not None and "nextToken" not in request:
            self.together.wait()  # every status's first call must be under way at once, or this times out
        if request["jobQueue"] in self.failing_queues:
            raise RuntimeError("AccessDeniedException")
        start = int(request.get("nextToken", "0"))
        page_size = request.get("maxResults", 100)
        everything = self.jobs.get(request["jobStatus"], [])
        page = {"jobSummaryList": everything[start : start + page_size]}
        if start + page_size < len(everything):
            page["nextToken"] = str(start + page_size)
        return page


def run_gauges(capsys, client, *, queues=(QUEUE,), namespace="BatchJobs", **kwargs) -> tuple[dict, list[dict]]:
    settings = Settings(job_queues=tuple(queues), namespace=namespace, **kwargs)
    result = publish_gauges(settings, batch_client=client, read_secret=lambda name: "key", now=datetime.now(UTC))
    return result, emf_documents(capsys.readouterr().out)


# --------------------------------------------------------------------------- Mackerel


class MackerelServer:
    """A loopback stand-in for the Mackerel API that records requests and answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body})
                payload = b'{"success":true}' if server.status == 200 else b'{"error":{"message":"Invalid API key"}}'
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def mackerel():
    server = MackerelServer()
    yield server
    server.close()


def depth(queue: str, **counts: int) -> QueueDepth:
    return QueueDepth(queue, {status: counts.get(status.lower(), 0) for status in STATUSES}, None, 5)
