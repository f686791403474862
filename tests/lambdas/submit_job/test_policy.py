"""submit_job.policy: FORBID / REPLACE / ALLOW decisions against moto's Batch."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from batch_stack_lambdas.submit_job.policy import Decision, active_runs, submit_with_policy
from tests.fake_batch import SESSION
from tests.lambdas.submit_job.conftest import JOB

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
