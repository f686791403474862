"""The monitor's metric builders: names, dimensions, default periods, and queue names read once."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_batch as batch

from batch_stack import monitor_metrics
from batch_stack.monitor_metrics import JOB_COUNT_METRIC_NAMES, STATUSES, MonitorMetrics


class Failed(Exception):
    pass


def _fail(message: str):
    raise Failed(message)


@pytest.fixture
def stack() -> Stack:
    return Stack(App(), "Jobs")


def imported_queue(stack: Stack, name: str) -> batch.IJobQueue:
    return batch.JobQueue.from_job_queue_arn(stack, name, f"arn:aws:batch:us-east-1:123456789012:job-queue/{name}")


def test_gauge_names_are_one_per_status_in_lifecycle_order():
    assert list(JOB_COUNT_METRIC_NAMES) == list(STATUSES) == ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING"]
    assert JOB_COUNT_METRIC_NAMES["RUNNABLE"] == "RunnableJobs"


def test_a_queue_made_with_a_name_gives_the_name_itself(stack):
    created = batch.JobQueue(stack, "Queue", job_queue_name="nightly", compute_environments=[])
    assert MonitorMetrics("NS", fail=_fail).queue_name(created) == "nightly"


def test_an_imported_queue_gives_its_name_attribute(stack):
    imported = imported_queue(stack, "jobs")
    assert MonitorMetrics("NS", fail=_fail).queue_name(imported) == imported.job_queue_name


def test_queue_gauges_have_the_queue_dimension_and_a_minute(stack):
    metrics = MonitorMetrics("NS", fail=_fail)
    jobs = imported_queue(stack, "jobs")
    metric = metrics.jobs(jobs, "RUNNABLE", statistic="Minimum", period=None, label=None)
    assert (metric.namespace, metric.metric_name, metric.statistic) == ("NS", "RunnableJobs", "Minimum")
    assert metric.dimensions == {"JobQueue": jobs.job_queue_name}
    assert metric.period.to_seconds() == 60
    age = metrics.oldest_runnable_age(jobs, statistic="Maximum", period=Duration.minutes(5), label="age")
    assert (age.metric_name, age.period.to_seconds(), age.label) == ("OldestRunnableAgeSeconds", 300, "age")


def test_job_outcomes_have_queue_and_job_dimensions_and_an_hour(stack):
    metric = MonitorMetrics("NS", fail=_fail).job(
        monitor_metrics.SUCCEEDED_METRIC, "nightly", imported_queue(stack, "jobs"), statistic="Sum", period=None, label=None
    )
    assert set(metric.dimensions) == {"JobQueue", "JobName"} and metric.dimensions["JobName"] == "nightly"
    assert metric.period.to_seconds() == 3600


def test_batchs_own_metrics_use_its_namespace_and_dimension(stack):
    metric = MonitorMetrics("NS", fail=_fail).batch_queue_metric(imported_queue(stack, "jobs"), "JobsSubmitted", statistic="Sum")
    assert (metric.namespace, metric.label) == ("AWS/Batch", "JobsSubmitted")
    assert list(metric.dimensions) == ["JobQueueName"]


def test_mackerel_failures_are_counted_per_service():
    metric = MonitorMetrics("NS", fail=_fail).mackerel_post_failures("batch", period=None)
    assert (metric.dimensions, metric.statistic, metric.period.to_seconds()) == ({"MackerelService": "batch"}, "Sum", 300)


def test_an_unknown_status_goes_to_the_owners_error(stack):
    with pytest.raises(Failed, match="status must be one of SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, got 'DONE'"):
        MonitorMetrics("NS", fail=_fail).jobs(imported_queue(stack, "jobs"), "DONE", statistic="Maximum", period=None, label=None)


def test_no_name_is_stated_twice():
    """The names come from the function code (``batch_stack_lambdas.common.metrics``): no monitor module writes one again."""
    import ast

    from batch_stack_lambdas.common import metrics as published

    stated = {key: value for key, value in vars(published).items() if key.endswith(("_METRIC", "_METRICS", "_DIMENSION"))}
    names = {
        name
        for value in stated.values()
        for name in (value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else [value])
    }
    modules = sorted(Path(monitor_metrics.__file__).parent.glob("monitor_*.py"))
    restated = {
        f"{module.name}:{node.lineno} {node.value!r}"
        for module in modules
        for node in ast.walk(ast.parse(module.read_text()))
        if isinstance(node, ast.Constant) and node.value in names
    }
    assert len(names) > 15 and len(modules) == 4
    assert restated == set()
    assert monitor_metrics.JOB_COUNT_METRIC_NAMES is published.JOB_COUNT_METRICS
    assert monitor_metrics.JOB_COUNT_METRIC_NAMES["RUNNING"] == "RunningJobs"


def test_decision_metrics_are_the_actions_the_submit_function_takes():
    """submit_job counts one metric per decision under the name of its action; metric_decisions reads them."""
    from batch_stack_lambdas.submit_job.policy import submit_with_policy

    class Batch:
        def __init__(self, active: bool) -> None:
            self.active = active

        def list_jobs(self, **request):
            runs = [{"jobId": "old", "jobName": "nightly", "status": "RUNNING"}] if self.active else []
            return {"jobSummaryList": runs}

        def terminate_job(self, **request):
            return {}

        def submit_job(self, **request):
            return {"jobId": "new"}

    actions = {
        submit_with_policy(
            Batch(active), job_name="nightly", job_queue="q", job_definition="d", parameters={}, policy=policy
        ).action
        for policy in ("FORBID", "REPLACE")
        for active in (False, True)
    }
    assert actions == set(monitor_metrics.DECISION_METRICS)
