"""The dashboard's rows: which widgets, in which order, with which metrics."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_batch as batch
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs

from batch_stack import monitor_dashboard as rows
from batch_stack.monitor_metrics import MonitorMetrics


@pytest.fixture
def stack() -> Stack:
    return Stack(App(), "Jobs")


def _fail(message: str):
    raise AssertionError(message)


def rendered(stack: Stack, widgets: list) -> list[dict]:
    return [stack.resolve(widget.to_json())[0] for widget in widgets]


def titles(stack: Stack, widgets: list) -> list[str]:
    return [w["properties"].get("title") for w in rendered(stack, widgets)]


def jobs_queue(stack: Stack) -> batch.IJobQueue:
    return batch.JobQueue.from_job_queue_arn(stack, "Queue", "arn:aws:batch:us-east-1:123456789012:job-queue/jobs")


def test_the_header_names_the_stack_and_namespace(stack):
    (text,) = rendered(stack, [rows.header("Jobs", "BatchJobs")])
    assert text["properties"]["markdown"].startswith("# Jobs: AWS Batch")
    assert "`BatchJobs`" in text["properties"]["markdown"]
    assert (text["width"], text["height"]) == (24, 2)


def test_a_queue_row_is_status_age_transitions_and_durations(stack):
    widgets = rows.queue_row(MonitorMetrics("NS", fail=_fail), jobs_queue(stack), "jobs", 1800)
    assert titles(stack, widgets) == [
        "Jobs by status: jobs",
        "Oldest RUNNABLE job (s): jobs",
        "AWS/Batch state transitions: jobs",
        "AWS/Batch durations p90 (ms): jobs",
    ]
    status, age, *_ = rendered(stack, widgets)
    assert status["properties"]["stacked"] is True and len(status["properties"]["metrics"]) == 5
    assert age["properties"]["annotations"]["horizontal"] == [{"value": 1800, "label": "stuck alarm", "yAxis": "left"}]


def test_a_queue_without_a_stuck_alarm_has_no_annotation(stack):
    _, age, *_ = rendered(stack, rows.queue_row(MonitorMetrics("NS", fail=_fail), jobs_queue(stack), "jobs", None))
    assert "annotations" not in age["properties"]


def test_a_job_row_ends_with_its_missed_run_alarm_or_else_its_attempts(stack):
    metrics, queue = MonitorMetrics("NS", fail=_fail), jobs_queue(stack)
    alarm = cloudwatch.Alarm(
        stack, "Alarm", metric=cloudwatch.Metric(namespace="NS", metric_name="M"), threshold=1, evaluation_periods=1
    )
    with_alarm = titles(stack, rows.job_row(metrics, "nightly", queue, "nightly", alarm))
    without = titles(stack, rows.job_row(metrics, "nightly", queue, "nightly", None))
    assert with_alarm[:3] == without[:3] == ["Outcomes: nightly", "Run time (s): nightly", "Wait before start (s): nightly"]
    assert (with_alarm[3], without[3]) == ("Missed-run alarm: nightly", "Attempts per run: nightly")


def test_an_environment_row_searches_the_ecs_cluster_by_its_name_prefix(stack):
    environment = batch.ManagedEc2EcsComputeEnvironment.from_managed_ec2_ecs_compute_environment_arn(
        stack, "Environment", "arn:aws:batch:us-east-1:123456789012:compute-environment/jobs-on-demand"
    )
    widgets = rendered(stack, rows.compute_environment_row(environment, "on-demand"))
    assert [w["properties"]["title"] for w in widgets] == [
        "ECS cluster utilisation (%): on-demand",
        "ECS cluster reservation (%): on-demand",
    ]
    expression = widgets[0]["properties"]["metrics"][0][0]["expression"]
    assert "ClusterName=AWSBatch-jobs-on-demand" in expression


def test_the_health_row_gains_a_line_per_dead_letter_queue_and_function(stack):
    health = rows.HealthRow()
    queue = sqs.Queue(stack, "Events")
    health.add_dead_letter_queue(queue.metric_approximate_number_of_messages_visible(), "events")
    health.add_function(cloudwatch.Metric(namespace="AWS/Lambda", metric_name="Errors"), "notifier", queue)
    dead_letters, errors, queues, schedules = rendered(stack, health.widgets())
    assert len(dead_letters["properties"]["metrics"]) == 1
    assert len(errors["properties"]["metrics"]) == 1
    assert [m[-1]["label"] for m in queues["properties"]["metrics"]] == ["notifier queue", "notifier oldest (s)"]
    assert len(schedules["properties"]["metrics"]) == 4
