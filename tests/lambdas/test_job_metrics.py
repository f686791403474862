"""job_metrics: outcome metrics from the documented Batch Job State Change shapes, each outcome once."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lambdas.job_metrics import handler as job_metrics_handler
from lambdas.job_metrics.handler import handler, publish_outcomes
from lambdas.job_metrics.outcomes import parse_outcome, unique_outcomes

EVENTS = Path(__file__).parent / "job_metrics_events"


def event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


def sqs_batch(*events: dict) -> dict:
    return {
        "Records": [
            {"messageId": f"m-{index}", "body": json.dumps(body), "eventSource": "aws:sqs"} for index, body in enumerate(events)
        ]
    }


def emf_documents(text: str) -> list[dict]:
    documents = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [d for d in documents if "_aws" in d]


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


def test_emf_has_queue_and_job_dimensions_and_units(capsys):
    publish_outcomes([event("succeeded_ec2"), event("succeeded_ec2")], "GoActiveLearning")
    (document,) = emf_documents(capsys.readouterr().out)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "GoActiveLearning"
    assert directive["Dimensions"] == [["JobQueue", "JobName"]]
    assert (document["JobQueue"], document["JobName"]) == ("go-active-learning", "update_recommendation")
    units = {metric["Name"]: metric["Unit"] for metric in directive["Metrics"]}
    assert units == {
        "Succeeded": "Count",
        "Failed": "Count",
        "Attempts": "Count",
        "RunSeconds": "Seconds",
        "WaitSeconds": "Seconds",
    }
    assert document["Succeeded"] == [1.0]  # the duplicate was dropped
    assert (document["RunSeconds"], document["WaitSeconds"]) == ([45.0], [120.0])


def test_emf_groups_jobs_and_omits_times_a_job_does_not_have(capsys):
    publish_outcomes([event("succeeded_ec2"), event("failed_before_start"), event("failed_after_retries_fargate")], "Jobs")
    documents = {d["JobName"]: d for d in emf_documents(capsys.readouterr().out)}
    assert set(documents) == {"update_recommendation", "train_classifier", "fetch_entries"}
    failed = documents["train_classifier"]
    assert failed["Failed"] == [1.0] and failed["Succeeded"] == [0.0]
    assert "RunSeconds" not in failed and "WaitSeconds" not in failed
    assert documents["fetch_entries"]["Attempts"] == [2.0]


def test_handler_reads_events_from_an_sqs_batch_and_dedupes(monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Jobs")
    succeeded = event("succeeded_ec2")
    batch = sqs_batch(succeeded, succeeded, event("array_child_succeeded"))
    batch["Records"].append({"messageId": "garbled", "body": "not json", "eventSource": "aws:sqs"})
    result = handler(batch, None)
    assert result == {"batchItemFailures": []}  # the garbled body is logged and dropped: a retry cannot read it
    (document,) = emf_documents(capsys.readouterr().out)
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Jobs"
    assert document["Succeeded"] == [1.0]


def test_a_record_that_fails_goes_back_alone_and_is_counted_once_on_retry(monkeypatch, capsys):
    real_publish = job_metrics_handler.publish_outcome

    def publish_failing_fetch_entries(outcome, namespace):
        if outcome.job_name == "fetch_entries":
            raise RuntimeError("cannot publish")
        real_publish(outcome, namespace)

    monkeypatch.setattr(job_metrics_handler, "publish_outcome", publish_failing_fetch_entries)
    flaky = event("failed_after_retries_fargate")  # fetch_entries
    batch = sqs_batch(event("succeeded_ec2"), flaky, copy.deepcopy(flaky), event("failed_before_start"))
    result = handler(batch, None)
    # Only the record that failed is retried; its duplicate later in the batch is not a second copy to retry.
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    first = emf_documents(capsys.readouterr().out)
    assert sorted(d["JobName"] for d in first) == ["train_classifier", "update_recommendation"]

    monkeypatch.setattr(job_metrics_handler, "publish_outcome", real_publish)
    retried = {"Records": [record for record in batch["Records"] if record["messageId"] == "m-1"]}
    assert handler(retried, None) == {"batchItemFailures": []}
    everything = first + emf_documents(capsys.readouterr().out)
    failed_counts = {d["JobName"]: sum(d["Failed"]) for d in everything}
    assert failed_counts == {"update_recommendation": 0.0, "fetch_entries": 1.0, "train_classifier": 1.0}
    assert len(everything) == 3  # every outcome printed exactly once over the two deliveries
