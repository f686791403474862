"""job_metrics.handler: one EMF document per outcome, each outcome once, failed records handed back alone."""

from __future__ import annotations

import copy
import json

from batch_stack_lambdas.job_metrics import handler as job_metrics_handler
from batch_stack_lambdas.job_metrics.handler import handler, publish_outcomes
from tests.lambdas.conftest import emf_documents
from tests.lambdas.conftest import job_metrics_event as event


def sqs_batch(*events: dict) -> dict:
    return {
        "Records": [
            {"messageId": f"m-{index}", "body": json.dumps(body), "eventSource": "aws:sqs"} for index, body in enumerate(events)
        ]
    }


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
