"""The rows of BatchQueueMonitor's dashboard, built from metrics and thresholds.

Each function returns one row's widgets in the order they appear; the monitor adds
them to its dashboard as it watches queues, environments and jobs. The health row
is the exception: its graphs are made first and gain a line for each dead-letter
queue and function watched later, so :class:`HealthRow` holds them by name.
"""

from __future__ import annotations

from aws_cdk import Fn
from aws_cdk import aws_batch as batch
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs

from batch_stack.monitor_metrics import (
    ATTEMPTS_METRIC,
    BATCH_DURATION_METRICS,
    BATCH_TRANSITION_METRICS,
    FAILED_METRIC,
    FIVE_MINUTES,
    ONE_MINUTE,
    RUN_SECONDS_METRIC,
    STATUSES,
    SUCCEEDED_METRIC,
    WAIT_SECONDS_METRIC,
    MonitorMetrics,
)

#: Statistics of the run-time and wait graphs of a job.
_SPREAD = ("p50", "p90", "Maximum")


def header(stack_name: str, namespace: str) -> cloudwatch.TextWidget:
    return cloudwatch.TextWidget(
        markdown=(
            f"# {stack_name}: AWS Batch\n"
            "Jobs by status are counted every minute (namespace "
            f"`{namespace}`); outcomes come from Batch Job State Change events. "
            "First row: is the monitoring itself healthy?"
        ),
        width=24,
        height=2,
    )


class HealthRow:
    """Is the monitoring itself healthy? Dead letters, function errors, event queues, EventBridge Scheduler."""

    def __init__(self) -> None:
        self.dead_letters = cloudwatch.GraphWidget(
            title="Dead-letter queues: visible messages",
            width=6,
            left_annotations=[cloudwatch.HorizontalAnnotation(value=1, label="alarm")],
            left_y_axis=cloudwatch.YAxisProps(min=0),
        )
        self.errors = cloudwatch.GraphWidget(title="Lambda errors (5 min)", width=6, left_y_axis=cloudwatch.YAxisProps(min=0))
        self.queues = cloudwatch.GraphWidget(
            title="Event queues: depth and oldest message", width=6, left_y_axis=cloudwatch.YAxisProps(min=0)
        )
        self.schedules = cloudwatch.GraphWidget(
            title="EventBridge Scheduler (all schedules)",
            width=6,
            left=[
                scheduler.Schedule.metric_all_errors(statistic="Sum", label="target errors"),
                scheduler.Schedule.metric_all_dropped(statistic="Sum", label="dropped"),
                scheduler.Schedule.metric_all_throttled(statistic="Sum", label="throttled"),
                scheduler.Schedule.metric_all_sent_to_dlq(statistic="Sum", label="sent to DLQ"),
            ],
            left_y_axis=cloudwatch.YAxisProps(min=0),
        )

    def widgets(self) -> list[cloudwatch.IWidget]:
        return [self.dead_letters, self.errors, self.queues, self.schedules]

    def add_dead_letter_queue(self, metric: cloudwatch.IMetric, label: str) -> None:
        self.dead_letters.add_left_metric(metric.with_(label=label))

    def add_function(self, errors: cloudwatch.IMetric, label: str, source_queue: sqs.IQueue | None) -> None:
        """The function's errors, and the depth and oldest message of the queue feeding it."""
        self.errors.add_left_metric(errors.with_(label=label))
        if source_queue is None:
            return
        self.queues.add_left_metric(
            source_queue.metric_approximate_number_of_messages_visible(
                statistic="Maximum", period=ONE_MINUTE, label=f"{label} queue"
            )
        )
        self.queues.add_right_metric(
            source_queue.metric_approximate_age_of_oldest_message(
                statistic="Maximum", period=ONE_MINUTE, label=f"{label} oldest (s)"
            )
        )


def queue_row(
    metrics: MonitorMetrics, job_queue: batch.IJobQueue, label: str, oldest_runnable_seconds: float | None
) -> list[cloudwatch.IWidget]:
    """Jobs by status, the oldest RUNNABLE job (with the stuck alarm's threshold), AWS/Batch transitions and durations."""
    age_annotations = (
        [cloudwatch.HorizontalAnnotation(value=oldest_runnable_seconds, label="stuck alarm")]
        if oldest_runnable_seconds is not None
        else []
    )
    return [
        cloudwatch.GraphWidget(
            title=f"Jobs by status: {label}",
            width=6,
            stacked=True,
            left=[metrics.jobs(job_queue, status, statistic="Maximum", period=None, label=status) for status in STATUSES],
            left_y_axis=cloudwatch.YAxisProps(min=0, label="jobs", show_units=False),
        ),
        cloudwatch.GraphWidget(
            title=f"Oldest RUNNABLE job (s): {label}",
            width=6,
            left=[metrics.oldest_runnable_age(job_queue, statistic="Maximum", period=None, label="oldest RUNNABLE (s)")],
            left_annotations=age_annotations,
            left_y_axis=cloudwatch.YAxisProps(min=0),
        ),
        cloudwatch.GraphWidget(
            title=f"AWS/Batch state transitions: {label}",
            width=6,
            left=[metrics.batch_queue_metric(job_queue, name, statistic="Sum") for name in BATCH_TRANSITION_METRICS],
            left_y_axis=cloudwatch.YAxisProps(min=0),
        ),
        cloudwatch.GraphWidget(
            title=f"AWS/Batch durations p90 (ms): {label}",
            width=6,
            left=[metrics.batch_queue_metric(job_queue, name, statistic="p90") for name in BATCH_DURATION_METRICS],
            left_y_axis=cloudwatch.YAxisProps(min=0),
        ),
    ]


def compute_environment_row(environment: batch.IComputeEnvironment, label: str) -> list[cloudwatch.IWidget]:
    """CPU and memory utilisation and reservation of the environment's ECS cluster.

    Batch names the environment's ECS cluster ``AWSBatch-<environment name>-<uuid>``; a
    SEARCH on that prefix (a composite-token partial match) finds it without knowing the uuid.
    The name comes from the ARN (``...:compute-environment/<name>``): CDK's name attribute is its Ref.
    """
    environment_name = Fn.select(1, Fn.split("/", environment.compute_environment_arn))

    def search(metric_name: str, title: str) -> cloudwatch.MathExpression:
        return cloudwatch.MathExpression(
            expression=(
                f"SEARCH('{{AWS/ECS,ClusterName}} MetricName=\"{metric_name}\" ClusterName=AWSBatch-{environment_name}', "
                "'Average', 300)"
            ),
            using_metrics={},
            label=title,
            period=FIVE_MINUTES,
        )

    return [
        cloudwatch.GraphWidget(
            title=f"ECS cluster utilisation (%): {label}",
            width=12,
            left=[search("CPUUtilization", "CPU"), search("MemoryUtilization", "memory")],
            left_y_axis=cloudwatch.YAxisProps(min=0, max=100),
        ),
        cloudwatch.GraphWidget(
            title=f"ECS cluster reservation (%): {label}",
            width=12,
            left=[search("CPUReservation", "CPU"), search("MemoryReservation", "memory")],
            left_y_axis=cloudwatch.YAxisProps(min=0, max=100),
        ),
    ]


def job_row(
    metrics: MonitorMetrics, job_name: str, job_queue: batch.IJobQueue, label: str, alarm: cloudwatch.Alarm | None
) -> list[cloudwatch.IWidget]:
    """Outcomes, run time, wait before start, and the missed-run alarm (else the attempts per run)."""

    def job_metric(metric_name: str, statistic: str, label: str) -> cloudwatch.Metric:
        return metrics.job(metric_name, job_name, job_queue, statistic=statistic, period=None, label=label)

    last_widget: cloudwatch.IWidget
    if alarm is not None:
        last_widget = cloudwatch.AlarmWidget(alarm=alarm, title=f"Missed-run alarm: {label}", width=6)
    else:
        last_widget = cloudwatch.GraphWidget(
            title=f"Attempts per run: {label}", width=6, left=[job_metric(ATTEMPTS_METRIC, "Maximum", "attempts")]
        )
    return [
        cloudwatch.GraphWidget(
            title=f"Outcomes: {label}",
            width=6,
            stacked=True,
            left=[job_metric(SUCCEEDED_METRIC, "Sum", "succeeded"), job_metric(FAILED_METRIC, "Sum", "failed")],
            left_y_axis=cloudwatch.YAxisProps(min=0),
        ),
        cloudwatch.GraphWidget(
            title=f"Run time (s): {label}",
            width=6,
            left=[job_metric(RUN_SECONDS_METRIC, s, s) for s in _SPREAD],
            left_y_axis=cloudwatch.YAxisProps(min=0),
        ),
        cloudwatch.GraphWidget(
            title=f"Wait before start (s): {label}",
            width=6,
            left=[job_metric(WAIT_SECONDS_METRIC, s, s) for s in _SPREAD],
            left_y_axis=cloudwatch.YAxisProps(min=0),
        ),
        last_widget,
    ]
