"""How the queue gauge scales: ListJobs calls and wall time for 100, 10,000 and 100,000 RUNNABLE jobs.

Compares ``batch_stack_lambdas.queue_metrics.counting.count_jobs`` (every page, 1,000 a page,
statuses read concurrently) with the Mackerel aws-batch plugin's approach (one
ListJobs call per status, no paging, so at most 1,000 counted) on the same data.

The client is a real botocore Batch client whose HTTP layer is replaced by a
``before-send`` hook that answers from prepared pages: request serialisation,
response parsing and validation all run as they would against AWS, with no
network. ``--latency-ms`` adds a fixed sleep to every call to stand in for the
round trip (a model, not a measurement of AWS).

    .venv/bin/python benchmarks/queue_metrics_scale.py                 # no added latency
    .venv/bin/python benchmarks/queue_metrics_scale.py --latency-ms 50
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("AWS_ACCESS_KEY_ID", "benchmark")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "benchmark")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402

from batch_stack_lambdas.queue_metrics.counting import STATUSES, count_jobs  # noqa: E402

QUEUE = "go-active-learning"
PLUGIN_PAGE = 1000  # ListJobs' default page size with jobStatus and no maxResults


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_kwargs):
        yield self._data


class PreparedBatch:
    """Answers ListJobs for one queue whose ``jobs`` are all RUNNABLE; counts the calls it answers."""

    def __init__(self, jobs: int, latency: float) -> None:
        self.jobs = jobs
        self.latency = latency
        self.calls = 0
        self._lock = threading.Lock()
        created = int(time.time() * 1000) - 600_000
        summary = {"jobArn": "", "jobId": "", "jobName": "update_recommendation", "createdAt": created, "status": "RUNNABLE"}
        self._pages: dict[tuple[int, int], list[dict]] = {}
        self._summary = summary
        self.client = boto3.client("batch", region_name="us-east-1")
        self.client.meta.events.register("before-send.batch.ListJobs", self._answer)

    def _page(self, start: int, size: int) -> list[dict]:
        key = (start, size)
        if key not in self._pages:
            self._pages[key] = [
                {**self._summary, "jobId": f"job-{i}", "jobArn": f"arn:aws:batch:us-east-1:123456789012:job/job-{i}"}
                for i in range(start, min(start + size, self.jobs))
            ]
        return self._pages[key]

    def _answer(self, request, **_kwargs) -> AWSResponse:
        with self._lock:
            self.calls += 1
        if self.latency:
            time.sleep(self.latency)
        query = json.loads(request.body or b"{}")
        size = query.get("maxResults", PLUGIN_PAGE)
        start = int(query.get("nextToken", "0"))
        body: dict = {"jobSummaryList": self._page(start, size) if query.get("jobStatus") == "RUNNABLE" else []}
        if query.get("jobStatus") == "RUNNABLE" and start + size < self.jobs:
            body["nextToken"] = str(start + size)
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, _Body(json.dumps(body).encode()))

    def prepare(self) -> None:
        """Build every page once, so the timed runs measure the client, not this stand-in."""
        for start in range(0, max(self.jobs, 1), PLUGIN_PAGE):
            self._page(start, PLUGIN_PAGE)


def plugin_count(client) -> dict[str, int]:
    """The aws-batch plugin's way: one unpaged ListJobs per status, len() of the first page."""
    return {status: len(client.list_jobs(jobQueue=QUEUE, jobStatus=status)["jobSummaryList"]) for status in STATUSES}


def measure(jobs: int, latency: float, repeats: int) -> dict:
    batch = PreparedBatch(jobs, latency)
    batch.prepare()
    count_jobs(batch.client, QUEUE)  # warm up botocore's model loading
    ours, plugin = [], []
    for _ in range(repeats):
        batch.calls = 0
        started = time.perf_counter()
        depth = count_jobs(batch.client, QUEUE)
        ours.append(time.perf_counter() - started)
        ours_calls = batch.calls
        batch.calls = 0
        started = time.perf_counter()
        counted = plugin_count(batch.client)
        plugin.append(time.perf_counter() - started)
        plugin_calls = batch.calls
    return {
        "jobs": jobs,
        "ours_calls": ours_calls,
        "ours_counted": depth.counts["RUNNABLE"],
        "ours_seconds": statistics.median(ours),
        "plugin_calls": plugin_calls,
        "plugin_counted": counted["RUNNABLE"],
        "plugin_seconds": statistics.median(plugin),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=0.0, help="sleep added to every ListJobs call")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per size (median reported)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000, 100_000])
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"added latency per call: {args.latency_ms:g} ms; median of {args.repeats} runs; all jobs RUNNABLE in one queue"
    )
    print()
    print("| jobs | count_jobs: calls | counted | wall time | plugin: calls | counted | wall time |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for jobs in args.sizes:
        row = measure(jobs, args.latency_ms / 1000, args.repeats)
        print(
            f"| {row['jobs']:,} | {row['ours_calls']} | {row['ours_counted']:,} | {row['ours_seconds'] * 1000:,.0f} ms "
            f"| {row['plugin_calls']} | {row['plugin_counted']:,} | {row['plugin_seconds'] * 1000:,.0f} ms |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
