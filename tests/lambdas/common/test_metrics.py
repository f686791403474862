"""common.metrics: the names the functions publish, that the CDK app reads them under, and that the functions use them."""

from __future__ import annotations

from datetime import UTC, datetime

from batch_stack_lambdas import common
from batch_stack_lambdas.job_metrics.handler import publish_outcomes
from batch_stack_lambdas.queue_metrics.counting import STATUSES, QueueDepth
from batch_stack_lambdas.queue_metrics.emf import publish_mackerel_failure, publish_queue_depths
from batch_stack_lambdas.queue_metrics.handler import Settings
from tests.lambdas.conftest import emf_documents, job_metrics_event


def only_directive(capsys) -> dict:
    (document,) = emf_documents(capsys.readouterr().out)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    return directive


def test_one_gauge_per_active_status():
    assert list(common.JOB_COUNT_METRICS) == list(common.ACTIVE_STATUSES) == list(STATUSES)
    assert common.JOB_COUNT_METRICS["RUNNABLE"] == "RunnableJobs"


def test_emf_metric_names_match_the_construct():
    from batch_stack.monitor_metrics import JOB_COUNT_METRIC_NAMES

    assert JOB_COUNT_METRIC_NAMES == common.JOB_COUNT_METRICS


def test_the_queue_gauges_are_published_under_these_names(capsys):
    publish_queue_depths([QueueDepth("q", dict.fromkeys(STATUSES, 0), None, 5)], "Jobs", now=datetime.now(UTC))
    directive = only_directive(capsys)
    assert directive["Dimensions"] == [[common.QUEUE_DIMENSION]]
    names = {metric["Name"] for metric in directive["Metrics"]}
    assert names == {*common.JOB_COUNT_METRICS.values(), common.OLDEST_RUNNABLE_AGE_METRIC, common.LIST_JOBS_CALLS_METRIC}


def test_a_failed_mackerel_post_is_counted_under_these_names(capsys):
    publish_mackerel_failure("Jobs", "batch", now=datetime.now(UTC))
    directive = only_directive(capsys)
    assert directive["Dimensions"] == [[common.MACKEREL_SERVICE_DIMENSION]]
    assert [metric["Name"] for metric in directive["Metrics"]] == [common.MACKEREL_POST_FAILURES_METRIC]


def test_job_outcomes_are_published_under_these_names(capsys):
    publish_outcomes([job_metrics_event("succeeded_ec2")], "Jobs")
    directive = only_directive(capsys)
    assert directive["Dimensions"] == [[common.QUEUE_DIMENSION, common.JOB_DIMENSION]]
    assert {metric["Name"] for metric in directive["Metrics"]} == {
        common.SUCCEEDED_METRIC,
        common.FAILED_METRIC,
        common.ATTEMPTS_METRIC,
        common.RUN_SECONDS_METRIC,
        common.WAIT_SECONDS_METRIC,
    }


def test_the_namespace_defaults_to_batch_jobs():
    assert Settings(job_queues=("q",)).namespace == Settings.from_environment({"JOB_QUEUES": "q"}).namespace == "BatchJobs"
    assert common.DEFAULT_NAMESPACE == "BatchJobs"
