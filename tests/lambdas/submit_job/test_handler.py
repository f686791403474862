"""submit_job.handler: the decision's one structured log line and one metric, and the event's parameters."""

from __future__ import annotations

import importlib
import io
import json

import pytest

from batch_stack_lambdas.submit_job import handler
from tests.lambdas.submit_job.conftest import JOB


@pytest.fixture
def lambda_environment(fake_batch, monkeypatch):
    """The environment ScheduledBatchJob gives the function; Powertools reads its part at import, as in Lambda."""
    monkeypatch.setenv("JOB_NAME", JOB)
    monkeypatch.setenv("JOB_QUEUE", fake_batch.queue)
    monkeypatch.setenv("JOB_DEFINITION", fake_batch.definition)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "submit_job")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "BatchJobsTest")
    importlib.reload(handler)
    monkeypatch.setattr(handler, "batch_client", lambda: fake_batch.client)
    log = io.StringIO()
    handler.logger.registered_handler.setStream(log)
    yield log
    handler.metrics.clear_metrics()


EVENT = {"parameters": {"scheduled_time": "2025-01-01T03:00:00Z", "Arg2": "x"}, "executionId": "exec-1"}


def emitted(capsys) -> dict:
    (line,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    return line


@pytest.mark.parametrize(
    ("policy", "previous_status", "action"),
    [("FORBID", None, "Submitted"), ("FORBID", "RUNNING", "Skipped"), ("REPLACE", "RUNNING", "Replaced")],
)
def test_handler_logs_one_structured_line_and_one_metric_per_decision(
    fake_batch, lambda_environment, monkeypatch, capsys, policy, previous_status, action
):
    monkeypatch.setenv("CONCURRENCY_POLICY", policy)
    previous = fake_batch.submit(status=previous_status) if previous_status else None
    result = handler.handler(EVENT, None)

    assert result["action"] == action
    (log_line,) = [json.loads(line) for line in lambda_environment.getvalue().splitlines()]
    assert log_line["level"] == "INFO"
    assert log_line["message"] == f"{action} {JOB}"
    assert log_line["action"] == action and log_line["policy"] == policy
    assert log_line["previous_job_ids"] == ([previous] if previous else [])
    assert log_line.get("job_id") == result["job_id"]  # Powertools leaves out keys whose value is None
    assert (log_line["scheduled_time"], log_line["execution_id"]) == ("2025-01-01T03:00:00Z", "exec-1")

    metric = emitted(capsys)
    (directive,) = metric["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "BatchJobsTest"
    assert directive["Metrics"] == [{"Name": action, "Unit": "Count"}]
    assert metric[action] == [1.0]
    assert metric["JobName"] == JOB and metric["service"] == "submit_job"
    assert sorted(directive["Dimensions"][0]) == ["JobName", "service"]


def test_handler_passes_the_event_parameters_to_the_run(fake_batch, lambda_environment, monkeypatch):
    monkeypatch.setenv("CONCURRENCY_POLICY", "FORBID")
    job_id = handler.handler(EVENT, None)["job_id"]
    (job,) = [job for job in fake_batch.jobs() if job["jobId"] == job_id]
    assert job["parameters"] == {"scheduled_time": "2025-01-01T03:00:00Z", "Arg2": "x"}


def test_handler_rejects_parameters_that_are_not_strings(lambda_environment, monkeypatch):
    monkeypatch.setenv("CONCURRENCY_POLICY", "FORBID")
    with pytest.raises(ValueError, match="event.parameters must be an object of strings"):
        handler.handler({"parameters": {"retries": 3}}, None)


def test_handler_rejects_an_unknown_policy_setting(lambda_environment, monkeypatch):
    monkeypatch.setenv("CONCURRENCY_POLICY", "forbid")
    with pytest.raises(ValueError, match="CONCURRENCY_POLICY must be one of ALLOW, FORBID, REPLACE, got 'forbid'"):
        handler.handler(EVENT, None)
