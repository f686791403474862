"""job_metrics.outcomes: one outcome per job and status from the documented Batch Job State Change shapes."""

from __future__ import annotations

import copy

import pytest

from batch_stack_lambdas.job_metrics.outcomes import parse_outcome, unique_outcomes
from tests.lambdas.conftest import event as notifier_event
from tests.lambdas.conftest import job_metrics_event as event


def test_succeeded_ec2_job_gives_run_wait_and_attempts():
    outcome = parse_outcome(event("succeeded_ec2"))
    assert outcome is not None
    assert (outcome.job_queue, outcome.job_name, outcome.status) == ("go-active-learning", "update_recommendation", "SUCCEEDED")
    assert outcome.run_seconds == 45.0  # stoppedAt - startedAt
    assert outcome.wait_seconds == 120.0  # startedAt - createdAt
    assert outcome.attempts == 1


def test_failed_job_after_retries_counts_its_attempts():
    outcome = parse_outcome(event("failed_after_retries_fargate"))
    assert outcome is not None
    assert outcome.status == "FAILED"
    assert outcome.job_queue == "go-active-learning-fargate"
    assert outcome.attempts == 2
    assert outcome.run_seconds == 130.0
    assert outcome.wait_seconds == 300.0


def test_job_that_failed_before_it_started_has_no_times():
    outcome = parse_outcome(event("failed_before_start"))
    assert outcome is not None
    assert outcome.run_seconds is None and outcome.wait_seconds is None
    assert outcome.attempts == 0


def test_eks_job_without_a_container_is_parsed_with_its_eks_attempts():
    outcome = parse_outcome(event("eks_succeeded"))
    assert outcome is not None and outcome.run_seconds == 30.0
    assert outcome.attempts == 1  # from eksAttempts: "attempts" is empty for EKS jobs


def test_array_parent_is_the_outcome_and_children_are_skipped():
    assert parse_outcome(event("array_child_succeeded")) is None
    parent = parse_outcome(event("array_parent_succeeded"))
    assert parent is not None and parent.job_name == "estimate_gmm" and parent.run_seconds == 240.0


def test_multi_node_child_is_skipped():
    assert parse_outcome(event("mnp_node_succeeded")) is None


@pytest.mark.parametrize("status", ["RUNNABLE", "RUNNING", "SUBMITTED"])
def test_non_terminal_statuses_are_not_outcomes(status):
    running = event("succeeded_ec2")
    running["detail"]["status"] = status
    assert parse_outcome(running) is None


def test_missing_fields_do_not_break_parsing():
    bare = {"detail-type": "Batch Job State Change", "detail": {"status": "SUCCEEDED", "jobId": "j", "jobName": "n"}}
    assert parse_outcome(bare) is None  # no queue: nothing to attribute it to
    minimal = copy.deepcopy(bare)
    minimal["detail"]["jobQueue"] = "arn:aws:batch:us-east-1:123456789012:job-queue/q"
    minimal["detail"]["startedAt"] = "yesterday"
    outcome = parse_outcome(minimal)
    assert outcome is not None and outcome.run_seconds is None and outcome.attempts == 0


def test_duplicate_deliveries_count_once():
    succeeded = event("succeeded_ec2")
    outcomes = list(unique_outcomes([succeeded, copy.deepcopy(succeeded), event("failed_before_start"), succeeded]))
    assert [o.job_name for o in outcomes] == ["update_recommendation", "train_classifier"]


def test_captured_events_give_their_outcomes():
    """Events as AWS sent them (captured in public repositories), and a multi-container job's (botocore's shape)."""
    succeeded = parse_outcome(event("captured_succeeded_ec2"))
    assert (succeeded.job_queue, succeeded.status, succeeded.attempts) == ("nextflow-pipeline", "SUCCEEDED", 1)
    assert (succeeded.run_seconds, succeeded.wait_seconds) == (8676.078, 133.764)
    failed = parse_outcome(notifier_event("captured_ec2_failed"))
    assert (failed.status, failed.attempts, failed.run_seconds) == ("FAILED", 1, 0.092)
    several = parse_outcome(notifier_event("job_multicontainer_failed"))
    assert (several.job_name, several.attempts, several.run_seconds, several.wait_seconds) == (
        "train_classifier",
        2,
        600.0,
        720.0,
    )
