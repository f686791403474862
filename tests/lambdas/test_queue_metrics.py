"""queue_metrics: exact counts over pages, the oldest RUNNABLE age, EMF on stdout, and the Mackerel post."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from lambdas.queue_metrics import handler as handler_module
from lambdas.queue_metrics.counting import PAGE_SIZE, STATUSES, QueueDepth, count_jobs
from lambdas.queue_metrics.emf import JOB_COUNT_METRICS
from lambdas.queue_metrics.handler import Settings, publish_gauges
from lambdas.queue_metrics.mackerel import MackerelError, post_queue_depths, service_metrics_url

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


def emf_documents(text: str) -> list[dict]:
    documents = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [d for d in documents if "_aws" in d]


# --------------------------------------------------------------------------- counting


@pytest.fixture
def stubbed_batch():
    client = boto3.client("batch", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def add_pages(stubber: Stubber, status: str, jobs: list[dict]) -> None:
    """Expect ListJobs for one status, page by page, with the tokens chained."""
    pages = [jobs[i : i + PAGE_SIZE] for i in range(0, len(jobs), PAGE_SIZE)] or [[]]
    for index, page in enumerate(pages):
        expected = {"jobQueue": QUEUE, "jobStatus": status, "maxResults": PAGE_SIZE}
        if index:
            expected["nextToken"] = f"{status}-token-{index}"
        response = {"jobSummaryList": page}
        if index < len(pages) - 1:
            response["nextToken"] = f"{status}-token-{index + 1}"
        stubber.add_response("list_jobs", response, expected)


def test_counts_2500_runnable_jobs_over_three_pages(stubbed_batch):
    client, stubber = stubbed_batch
    for status in STATUSES:
        add_pages(stubber, status, summaries(2500) if status == "RUNNABLE" else [])
    depth = count_jobs(client, QUEUE, max_workers=1)
    assert depth.counts == {"SUBMITTED": 0, "PENDING": 0, "RUNNABLE": 2500, "STARTING": 0, "RUNNING": 0}
    assert depth.api_calls == 4 + 3


def test_counts_past_the_first_page_in_every_status(stubbed_batch):
    client, stubber = stubbed_batch
    sizes = {"SUBMITTED": 1, "PENDING": 1000, "RUNNABLE": 1001, "STARTING": 0, "RUNNING": 3999}
    for status in STATUSES:
        add_pages(stubber, status, summaries(sizes[status]))
    depth = count_jobs(client, QUEUE, max_workers=1)
    assert depth.counts == sizes
    assert depth.api_calls == 1 + 1 + 2 + 1 + 4


def test_oldest_runnable_age_comes_from_the_oldest_job_on_any_page(stubbed_batch):
    client, stubber = stubbed_batch
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    now_ms = int(now.timestamp() * 1000)
    runnable = summaries(1000, created_ms=now_ms - 60_000) + summaries(5, created_ms=now_ms - 2_700_000, start=1000)
    for status in STATUSES:
        # Old jobs in other statuses must not count towards the RUNNABLE age.
        add_pages(stubber, status, runnable if status == "RUNNABLE" else summaries(2, created_ms=now_ms - 9_000_000))
    depth = count_jobs(client, QUEUE, now=now, max_workers=1)
    assert depth.oldest_runnable_age_seconds == pytest.approx(2700.0)


def array_parent(job_id: str, *, created_ms: int = 1_700_000_000_000, size: int, **children: int) -> dict:
    """An array parent's ListJobs summary; ``children`` is its statusSummary (none when empty)."""
    array: dict = {"size": size}
    if children:
        array["statusSummary"] = children
        array["statusSummaryLastUpdatedAt"] = created_ms + 60_000
    return {"jobId": job_id, "jobName": "estimate_gmm", "createdAt": created_ms, "arrayProperties": array}


def test_array_parents_count_as_their_children_in_each_status(stubbed_batch):
    client, stubber = stubbed_batch
    # Batch shows the parent of 10,000 children as one PENDING job, on the second page here.
    big = array_parent("array-1", size=10_000, RUNNABLE=9_000, STARTING=10, RUNNING=600, SUCCEEDED=380, FAILED=10)
    listed = {
        "SUBMITTED": [array_parent("array-2", size=50)],  # no children yet: the parent itself
        "PENDING": summaries(1000) + [big, array_parent("array-3", size=4, PENDING=1, RUNNABLE=3)],
        "RUNNABLE": summaries(5, start=2000),
        "STARTING": [],
        "RUNNING": summaries(2, start=3000),
    }
    for status in STATUSES:
        add_pages(stubber, status, listed[status])
    depth = count_jobs(client, QUEUE, max_workers=1)
    assert depth.counts == {"SUBMITTED": 1, "PENDING": 1000 + 1, "RUNNABLE": 5 + 9_003, "STARTING": 10, "RUNNING": 2 + 600}
    assert depth.api_calls == 1 + 2 + 1 + 1 + 1


def test_oldest_runnable_age_counts_an_array_parent_with_runnable_children(stubbed_batch):
    client, stubber = stubbed_batch
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    now_ms = int(now.timestamp() * 1000)
    listed = {
        "PENDING": [
            array_parent("waiting", size=100, created_ms=now_ms - 2_700_000, RUNNABLE=40, RUNNING=60),
            # Older, but none of its children waits: not a RUNNABLE job.
            array_parent("busy", size=100, created_ms=now_ms - 9_000_000, RUNNING=100),
        ],
        "RUNNABLE": summaries(3, created_ms=now_ms - 60_000),
    }
    for status in STATUSES:
        add_pages(stubber, status, listed.get(status, []))
    depth = count_jobs(client, QUEUE, now=now, max_workers=1)
    assert depth.counts["RUNNABLE"] == 43
    assert depth.oldest_runnable_age_seconds == pytest.approx(2700.0)


def test_no_runnable_job_gives_no_age():
    depth = count_jobs(PagedBatch({"RUNNING": summaries(3)}), QUEUE)
    assert depth.oldest_runnable_age_seconds is None
    assert depth.counts["RUNNING"] == 3


def test_statuses_are_read_concurrently_with_the_same_result():
    together = threading.Barrier(len(STATUSES), timeout=10)
    client = PagedBatch({"RUNNABLE": summaries(10_000), "RUNNING": summaries(256), "SUBMITTED": summaries(7)}, together=together)
    depth = count_jobs(client, QUEUE)
    assert depth.counts == {"SUBMITTED": 7, "PENDING": 0, "RUNNABLE": 10_000, "STARTING": 0, "RUNNING": 256}
    assert depth.api_calls == 4 + 10  # one call for each other status, ten pages of RUNNABLE
    assert not together.broken
    assert {call["maxResults"] for call in client.calls} == {PAGE_SIZE}


def test_a_queue_arn_is_reported_by_its_name():
    client = PagedBatch({})
    depth = count_jobs(client, QUEUE_ARN)
    assert depth.queue_name == QUEUE
    assert {call["jobQueue"] for call in client.calls} == {QUEUE_ARN}


# --------------------------------------------------------------------------- EMF


def run_gauges(capsys, client, *, queues=(QUEUE,), namespace="BatchJobs", **kwargs) -> tuple[dict, list[dict]]:
    settings = Settings(job_queues=tuple(queues), namespace=namespace, **kwargs)
    result = publish_gauges(settings, batch_client=client, read_secret=lambda name: "key", now=datetime.now(UTC))
    return result, emf_documents(capsys.readouterr().out)


def test_emf_has_the_namespace_the_queue_dimension_and_units(capsys):
    _, (document,) = run_gauges(capsys, PagedBatch({"RUNNABLE": summaries(12)}), namespace="GoActiveLearning")
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "GoActiveLearning"
    assert directive["Dimensions"] == [["JobQueue"]]
    assert document["JobQueue"] == QUEUE
    units = {metric["Name"]: metric["Unit"] for metric in directive["Metrics"]}
    assert units == {
        "SubmittedJobs": "Count",
        "PendingJobs": "Count",
        "RunnableJobs": "Count",
        "StartingJobs": "Count",
        "RunningJobs": "Count",
        "OldestRunnableAgeSeconds": "Seconds",
        "ListJobsCalls": "Count",
    }
    assert document["RunnableJobs"] == [12.0]
    assert document["ListJobsCalls"] == [5.0]


def test_emf_documents_meet_the_format_cloudwatch_accepts(capsys):
    """The EMF specification's rules: a millisecond timestamp, each named metric and dimension at the root."""
    _, documents = run_gauges(capsys, PagedBatch({"PENDING": summaries(3)}), queues=(QUEUE, f"{QUEUE}-spot"))
    assert [d["JobQueue"] for d in documents] == [QUEUE, f"{QUEUE}-spot"]
    for document in documents:
        metadata = document["_aws"]
        assert isinstance(metadata["Timestamp"], int)
        assert abs(metadata["Timestamp"] / 1000 - datetime.now(UTC).timestamp()) < 60
        for directive in metadata["CloudWatchMetrics"]:
            assert 1 <= len(directive["Namespace"]) <= 255 and not directive["Namespace"].startswith("AWS/")
            assert len(directive["Metrics"]) <= 100
            for dimension_set in directive["Dimensions"]:
                assert len(dimension_set) <= 30
                assert all(isinstance(document[name], str) for name in dimension_set)
            for metric in directive["Metrics"]:
                values = document[metric["Name"]]
                assert isinstance(values, list) and all(isinstance(v, float) for v in values)


def test_empty_runnable_status_publishes_an_age_of_zero(capsys):
    _, (document,) = run_gauges(capsys, PagedBatch({}))
    assert document["OldestRunnableAgeSeconds"] == [0.0]


def test_a_queue_that_cannot_be_counted_fails_the_invocation_after_the_others_publish(capsys):
    client = PagedBatch({"RUNNING": summaries(1)}, failing_queues=("broken",))
    with pytest.raises(RuntimeError, match="could not count the jobs of broken"):
        run_gauges(capsys, client, queues=("broken", QUEUE))
    documents = emf_documents(capsys.readouterr().out)
    assert [d["JobQueue"] for d in documents] == [QUEUE]


def test_emf_metric_names_match_the_construct():
    from batch_stack.monitoring import JOB_COUNT_METRIC_NAMES

    assert JOB_COUNT_METRIC_NAMES == JOB_COUNT_METRICS


def create_queues(*names: str) -> None:
    """Job queues in moto, behind one unmanaged compute environment."""
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="batch-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    batch = boto3.client("batch")
    environment = batch.create_compute_environment(
        computeEnvironmentName="unmanaged", type="UNMANAGED", state="ENABLED", serviceRole=role
    )
    for name in names:
        batch.create_job_queue(
            jobQueueName=name,
            state="ENABLED",
            priority=1,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment["computeEnvironmentArn"]}],
        )


def test_handler_counts_the_queues_in_job_queues_with_a_real_client(monkeypatch, capsys):
    monkeypatch.setenv("JOB_QUEUES", f"{QUEUE}, {QUEUE}-spot")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Jobs")
    handler_module._batch_client.cache_clear()
    with mock_aws():
        create_queues(QUEUE, f"{QUEUE}-spot")
        result = handler_module.handler({}, None)
    handler_module._batch_client.cache_clear()
    assert result["queues"] == {QUEUE: dict.fromkeys(STATUSES, 0), f"{QUEUE}-spot": dict.fromkeys(STATUSES, 0)}
    assert {d["JobQueue"] for d in emf_documents(capsys.readouterr().out)} == {QUEUE, f"{QUEUE}-spot"}


@pytest.mark.parametrize(
    ("environ", "message"),
    [({}, "JOB_QUEUES"), ({"JOB_QUEUES": "q", "MACKEREL_SERVICE": "batch"}, "MACKEREL_API_KEY_SECRET")],
)
def test_settings_reject_an_incomplete_environment(environ, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_environment(environ)


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


def test_failed_mackerel_post_does_not_stop_the_cloudwatch_metrics(mackerel, capsys):
    mackerel.status = 500
    result, documents = run_gauges(
        capsys,
        PagedBatch({"RUNNABLE": summaries(4)}),
        mackerel_service="batch",
        mackerel_api_key_secret="mackerel-api-key",
        mackerel_base_url=mackerel.url,
    )
    assert result["queues"][QUEUE]["RUNNABLE"] == 4
    assert len(mackerel.requests) == 1
    gauges = [d for d in documents if "RunnableJobs" in d]
    failures = [d for d in documents if "MackerelPostFailures" in d]
    assert gauges[0]["RunnableJobs"] == [4.0]
    assert failures[0]["MackerelService"] == "batch" and failures[0]["MackerelPostFailures"] == [1.0]


def test_unreachable_mackerel_does_not_stop_the_cloudwatch_metrics(capsys):
    server = MackerelServer()
    server.close()  # nothing listens on that port any more
    result, documents = run_gauges(
        capsys, PagedBatch({}), mackerel_service="batch", mackerel_api_key_secret="k", mackerel_base_url=server.url
    )
    assert QUEUE in result["queues"]
    assert any("MackerelPostFailures" in d for d in documents)


def test_mackerel_api_key_is_read_from_secrets_manager(mackerel, monkeypatch, capsys):
    monkeypatch.setenv("JOB_QUEUES", QUEUE)
    monkeypatch.setenv("MACKEREL_SERVICE", "batch")
    monkeypatch.setenv("MACKEREL_BASE_URL", mackerel.url)
    handler_module._batch_client.cache_clear()
    handler_module._secrets.cache_clear()
    with mock_aws():
        create_queues(QUEUE)
        arn = boto3.client("secretsmanager").create_secret(Name="mackerel-api-key", SecretString="from-secrets-manager")["ARN"]
        monkeypatch.setenv("MACKEREL_API_KEY_SECRET", arn)
        handler_module.handler({}, None)
    handler_module._batch_client.cache_clear()
    handler_module._secrets.cache_clear()
    (request,) = mackerel.requests
    assert request["headers"]["X-Api-Key"] == "from-secrets-manager"


def test_mackerel_url_must_be_https_except_to_loopback():
    assert service_metrics_url("https://api.mackerelio.com/", "my service") == (
        "https://api.mackerelio.com/api/v0/services/my%20service/tsdb"
    )
    with pytest.raises(ValueError, match="https://"):
        service_metrics_url("http://api.mackerelio.com", "batch")


def test_mackerel_times_are_epoch_seconds():
    from lambdas.queue_metrics.mackerel import graph_values

    now = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(milliseconds=999)
    assert {v["time"] for v in graph_values([depth(QUEUE)], now=now)} == {int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())}
