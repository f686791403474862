"""queue_metrics.emf: the gauges as embedded-metric-format documents, in the form CloudWatch accepts."""

from __future__ import annotations

from datetime import UTC, datetime

from batch_stack_lambdas.queue_metrics.emf import publish_mackerel_failure, publish_queue_depths
from tests.lambdas.conftest import emf_documents
from tests.lambdas.queue_metrics.conftest import QUEUE, PagedBatch, depth, run_gauges, summaries


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


def test_one_document_per_queue_stamped_with_the_time_of_the_count(capsys):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    publish_queue_depths([depth(QUEUE, runnable=3, running=1), depth(f"{QUEUE}-spot")], "Jobs", now=now)
    documents = emf_documents(capsys.readouterr().out)
    assert [d["JobQueue"] for d in documents] == [QUEUE, f"{QUEUE}-spot"]
    assert {d["_aws"]["Timestamp"] for d in documents} == {int(now.timestamp() * 1000)}
    assert (documents[0]["RunnableJobs"], documents[0]["RunningJobs"], documents[0]["ListJobsCalls"]) == ([3.0], [1.0], [5.0])


def test_a_failed_mackerel_post_is_one_count_for_its_service(capsys):
    publish_mackerel_failure("Jobs", "batch", now=datetime(2026, 3, 1, tzinfo=UTC))
    (document,) = emf_documents(capsys.readouterr().out)
    assert (document["MackerelService"], document["MackerelPostFailures"]) == ("batch", [1.0])
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Jobs"
