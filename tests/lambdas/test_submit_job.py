"""The submit function: FORBID / REPLACE / ALLOW decisions against moto's Batch, its log line and its metric."""

from __future__ import annotations

import importlib
import io
import json

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from lambdas.submit_job import handler
from lambdas.submit_job.policy import Decision, active_runs, submit_with_policy
from tests.fake_batch import SESSION, FakeBatch

JOB = "update_recommendation"


class JobBatch(FakeBatch):
    """The fake Batch, plus one call of submit_with_policy for the job it defines."""

    def decide(self, policy: str, **kwargs) -> Decision:
        return submit_with_policy(
            self.client,
            job_name=JOB,
            job_queue=self.queue,
            job_definition=self.definition,
            parameters={"scheduled_time": "2025-01-01T03:00:00Z"},
            policy=policy,
            **kwargs,
        )


@pytest.fixture
def fake_batch():
    with mock_aws(config={"batch": {"use_docker": False}}):
        yield JobBatch(job_definition_name=JOB)


# --------------------------------------------------------------------------- FORBID


def test_forbid_submits_when_no_run_exists(fake_batch):
    decision = fake_batch.decide("FORBID")
    assert decision.action == "Submitted"
    assert decision.previous_job_ids == ()
    (job,) = fake_batch.jobs()
    assert job["jobId"] == decision.job_id
    assert job["parameters"]["scheduled_time"] == "2025-01-01T03:00:00Z"


def test_forbid_skips_while_a_run_is_running(fake_batch):
    running = fake_batch.submit(status="RUNNING")
    decision = fake_batch.decide("FORBID", reason_context="scheduled for 2025-01-01T03:00:00Z")
    assert decision == Decision(
        action="Skipped",
        job_id=None,
        previous_job_ids=(running,),
        reason=f"FORBID: 1 run(s) of {JOB} still active ({running}); new run skipped (scheduled for 2025-01-01T03:00:00Z)",
    )
    assert [job["jobId"] for job in fake_batch.jobs()] == [running]


@pytest.mark.parametrize("status", ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING"])
def test_forbid_counts_every_unfinished_status_as_active(fake_batch, status):
    waiting = fake_batch.submit(status=status)
    assert fake_batch.decide("FORBID").previous_job_ids == (waiting,)


@pytest.mark.parametrize("status", ["SUCCEEDED", "FAILED"])
def test_forbid_submits_when_the_previous_run_has_finished(fake_batch, status):
    finished = fake_batch.submit(status=status)
    decision = fake_batch.decide("FORBID")
    assert decision.action == "Submitted" and decision.previous_job_ids == ()
    assert {job["jobId"] for job in fake_batch.jobs()} == {finished, decision.job_id}


def test_forbid_ignores_runs_of_other_jobs(fake_batch):
    fake_batch.submit("train_classifier", status="RUNNING")
    assert fake_batch.decide("FORBID").action == "Submitted"


# --------------------------------------------------------------------------- REPLACE


def test_replace_terminates_the_running_run_naming_the_new_one_then_submits(fake_batch):
    running = fake_batch.submit(status="RUNNING")
    decision = fake_batch.decide("REPLACE", reason_context="scheduled for 2025-01-01T03:00:00Z")
    assert decision.action == "Replaced"
    assert decision.previous_job_ids == (running,)
    jobs = {job["jobId"]: job for job in fake_batch.jobs()}
    assert set(jobs) == {running, decision.job_id}
    assert jobs[running]["statusReason"] == f"Replaced by a new run of {JOB} (scheduled for 2025-01-01T03:00:00Z)"
    assert decision.reason == f"REPLACE: terminated {running}, submitted {decision.job_id} (scheduled for 2025-01-01T03:00:00Z)"


def test_replace_submits_without_terminating_when_no_run_exists(fake_batch):
    client = fake_batch.client
    with Stubber(client) as stubber:
        stubber.add_response("list_jobs", {"jobSummaryList": []})
        stubber.add_response("submit_job", {"jobName": JOB, "jobId": "new-run"})
        decision = fake_batch.decide("REPLACE")
        stubber.assert_no_pending_responses()  # no terminate_job call was made
    assert decision == Decision("Submitted", "new-run", (), "REPLACE: no active run, submitted new-run")


def test_replace_leaves_a_finished_run_alone(fake_batch):
    finished = fake_batch.submit(status="FAILED")
    decision = fake_batch.decide("REPLACE")
    assert decision.action == "Submitted"
    finished_job = next(job for job in fake_batch.jobs() if job["jobId"] == finished)
    assert "Replaced" not in finished_job.get("statusReason", "")


# --------------------------------------------------------------------------- ALLOW and errors


def test_allow_submits_beside_a_running_run_without_listing(fake_batch):
    fake_batch.submit(status="RUNNING")
    with Stubber(fake_batch.client) as stubber:
        stubber.add_response("submit_job", {"jobName": JOB, "jobId": "parallel-run"})
        decision = fake_batch.decide("ALLOW")
        stubber.assert_no_pending_responses()
    assert decision == Decision("Submitted", "parallel-run", (), "ALLOW: submitted parallel-run")


def test_unknown_policy_is_rejected(fake_batch):
    with pytest.raises(ValueError, match="policy must be one of ALLOW, FORBID, REPLACE, got 'SKIP'"):
        fake_batch.decide("SKIP")


def test_a_batch_error_propagates_so_the_invocation_is_retried(fake_batch):
    with pytest.raises(ClientError):
        submit_with_policy(
            fake_batch.client,
            job_name=JOB,
            job_queue="no-such-queue",
            job_definition=fake_batch.definition,
            parameters={},
            policy="FORBID",
        )


def test_active_runs_pages_through_every_status_and_keeps_only_this_jobs_active_runs():
    client = SESSION.client("batch")
    expected = {"jobQueue": "jobs", "filters": [{"name": "JOB_NAME", "values": [JOB]}], "maxResults": 100}
    with Stubber(client) as stubber:
        stubber.add_response(
            "list_jobs",
            {
                "jobSummaryList": [
                    {"jobId": "newest", "jobName": JOB, "status": "SUCCEEDED"},
                    {"jobId": "other-job", "jobName": JOB.upper(), "status": "RUNNING"},  # the filter ignores case
                ],
                "nextToken": "page-2",
            },
            expected,
        )
        stubber.add_response(
            "list_jobs",
            {"jobSummaryList": [{"jobId": "older", "jobName": JOB, "status": "RUNNABLE"}]},
            {**expected, "nextToken": "page-2"},
        )
        runs = active_runs(client, job_name=JOB, job_queue="jobs")
        stubber.assert_no_pending_responses()
    assert [run["jobId"] for run in runs] == ["older"]


# --------------------------------------------------------------------------- the handler: log line and metric


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
