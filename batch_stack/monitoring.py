"""BatchQueueMonitor: queue gauges, job outcomes, alarms and one dashboard for AWS Batch.

AWS Batch publishes free ``AWS/Batch`` metrics of jobs *entering* states, but no
gauge of how many jobs *are* in each state, and nothing notices a job stuck in
RUNNABLE or a scheduled run that never happened. This construct adds:

- a Lambda on an EventBridge Scheduler schedule (every minute) that counts the jobs
  of each watched queue by status (paginated ``ListJobs``) and the age of the
  oldest RUNNABLE job, published in the embedded metric format (``lambdas/queue_metrics``);
- a Lambda fed by ``Batch Job State Change`` events for SUCCEEDED and FAILED jobs
  (through an SQS queue) that publishes Succeeded, Failed, RunSeconds, WaitSeconds
  and Attempts per queue and job name (``lambdas/job_metrics``);
- alarms, all named ``<stack name>-<kind>-<label>`` so the failure notifier's rule
  on CloudWatch Alarm State Change events picks them up, and optionally sent to an
  SNS topic: RUNNABLE backlog, stuck queue (oldest RUNNABLE job), missed scheduled
  run, dead-letter queues holding a message, Lambda errors;
- one CloudWatch dashboard.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import jsii
from aws_cdk import Annotations, Duration, Fn, IStableStringProducer, Lazy, Stack
from aws_cdk import aws_batch as batch
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct, IValidation

from batch_stack.config import BATCH_NAME_PATTERN, BATCH_NAME_RULE, CLOUDWATCH_NAMESPACE_PATTERN, CLOUDWATCH_NAMESPACE_RULE
from batch_stack.functions import PythonFunction
from batch_stack.nag import acknowledge
from batch_stack.queues import encrypted_queue
from batch_stack.schedule_interval import schedule_interval
from batch_stack.tokens import is_unresolved

#: Job statuses counted every minute, in lifecycle order.
STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING")
#: Gauge metric per status (the queue_metrics Lambda publishes these names).
JOB_COUNT_METRIC_NAMES = {status: f"{status.capitalize()}Jobs" for status in STATUSES}
OLDEST_RUNNABLE_AGE_METRIC = "OldestRunnableAgeSeconds"
LIST_JOBS_CALLS_METRIC = "ListJobsCalls"
MACKEREL_POST_FAILURES_METRIC = "MackerelPostFailures"
QUEUE_DIMENSION = "JobQueue"
JOB_DIMENSION = "JobName"

#: The longest range a CloudWatch alarm evaluates (period x evaluation periods).
MAX_ALARM_RANGE = timedelta(days=7)
DASHBOARD_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
MACKEREL_SERVICE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{2,63}$")
_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

DEFAULT_MACKEREL_BASE_URL = "https://api.mackerelio.com"

# Made once: every Duration is a call into the jsii kernel, and a dashboard needs many.
_ONE_MINUTE = Duration.minutes(1)
_FIVE_MINUTES = Duration.minutes(5)
_ONE_HOUR = Duration.hours(1)


@dataclass(frozen=True)
class QueueAlarms:
    """When to alarm on one queue. ``None`` turns an alarm off.

    :param runnable_backlog: Alarm when more jobs than this are RUNNABLE for
        ``runnable_backlog_period`` (the signal to raise MaxvCpus). Default: 100 jobs.
    :param runnable_backlog_period: How long the backlog must last. Default: 15 minutes.
    :param oldest_runnable_age: Alarm when the oldest RUNNABLE job is older than this
        (a stuck queue). Default: 30 minutes.
    """

    runnable_backlog: int | None = 100
    runnable_backlog_period: Duration = Duration.minutes(15)
    oldest_runnable_age: Duration | None = Duration.minutes(30)


@dataclass(frozen=True)
class MackerelOptions:
    """Post the queue gauges to Mackerel too, as the aws-batch plugin's graphs ``aws.batch.jobs.<queue>.<STATUS>``.

    :param service: The Mackerel service the metrics belong to.
    :param api_key: The secret holding the Mackerel API key (its whole SecretString).
    :param base_url: The Mackerel API. Default: https://api.mackerelio.com.
    """

    service: str
    api_key: secretsmanager.ISecret
    base_url: str = DEFAULT_MACKEREL_BASE_URL


@dataclass(frozen=True)
class MissedRunWindow:
    """How a missed-run alarm looks back: ``periods`` periods of ``period_seconds``, all without a success."""

    interval: timedelta
    window: timedelta
    period_seconds: int
    periods: int


def missed_run_window(interval: timedelta, multiple: float) -> MissedRunWindow | None:
    """The alarm window for a schedule whose runs are at most ``interval`` apart.

    The window is ``multiple`` x ``interval``, rounded up to whole periods (1 minute
    up to an hour, 5 minutes up to a day, 1 hour beyond: CloudWatch allows at most a
    day of sub-hour periods and seven days in all). A window over seven days is cut
    to seven days while that is still at least 1.25 x the interval; otherwise there
    is no window (``None``) and no alarm can watch the schedule.
    """
    window = interval * multiple
    if window > MAX_ALARM_RANGE:
        if interval * 1.25 > MAX_ALARM_RANGE:
            return None
        window = MAX_ALARM_RANGE
    seconds = window.total_seconds()
    period = 60 if seconds <= 3600 else 300 if seconds <= 86400 else 3600
    periods = max(1, math.ceil(seconds / period))
    return MissedRunWindow(interval=interval, window=window, period_seconds=period, periods=periods)


@jsii.implements(IStableStringProducer)
class _JoinedNames:
    """A comma-joined list that is read at synth, after every ``watch_queue`` call."""

    def __init__(self, names: list[str]) -> None:
        self._names = names

    def produce(self) -> str:
        return ",".join(self._names)


class BatchQueueMonitor(Construct):
    """Gauges, outcomes, alarms and a dashboard for AWS Batch job queues and scheduled jobs.

    Wire more in after construction: :meth:`watch_queue`, :meth:`watch_scheduled_job`
    (a missed-run alarm), :meth:`watch_dead_letter_queue`, :meth:`watch_function`,
    :meth:`watch_compute_environment`.
    Build your own alarms from the ``metric_*`` methods.

    Attributes: ``namespace``, ``alarm_topic``, ``gauge_function``, ``gauge_schedule``,
    ``outcome_function``, ``outcome_queue``, ``outcome_dead_letter_queue``,
    ``outcome_rule``, ``dashboard`` (``None`` when turned off), ``alarms`` (every
    alarm) and, by label, ``backlog_alarms``, ``stuck_queue_alarms``,
    ``missed_run_alarms``, ``dead_letter_alarms``, ``function_error_alarms``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        job_queues: Sequence[batch.IJobQueue],
        namespace: str = "BatchJobs",
        alarm_topic: sns.ITopic | None = None,
        compute_environments: Sequence[batch.IComputeEnvironment] = (),
        queue_alarms: QueueAlarms | None = None,
        missed_run_multiple: float = 2.0,
        dead_letter_alarms: bool = True,
        function_error_alarms: bool = True,
        dashboard: bool = True,
        dashboard_name: str | None = None,
        mackerel: MackerelOptions | None = None,
    ) -> None:
        """
        :param job_queues: Queues to count and alarm on with ``queue_alarms``; add more
            (with their own thresholds and labels) with :meth:`watch_queue`.
        :param namespace: CloudWatch namespace of the gauges and outcomes. Default: ``BatchJobs``.
        :param alarm_topic: Also send every alarm to this topic (e-mail). Default: none;
            alarms still reach the failure notifier through CloudWatch Alarm State Change events.
        :param compute_environments: Environments whose ECS cluster CPU and memory the
            dashboard graphs (EC2 ones; Fargate has no cluster-level figures); add more with
            :meth:`watch_compute_environment`. Default: none.
        :param queue_alarms: Thresholds for the queues in ``job_queues``. Default: :class:`QueueAlarms`.
        :param missed_run_multiple: A scheduled job alarms when no run succeeded within
            this many schedule intervals. Default: 2.
        :param dead_letter_alarms: Alarm when a watched dead-letter queue holds a message. Default: true.
        :param function_error_alarms: Alarm on errors of watched functions (this
            construct's own included). Default: true.
        :param dashboard: Build the CloudWatch dashboard. Default: true.
        :param dashboard_name: Default: ``<stack name>-batch-monitor``.
        :param mackerel: Also post the gauges to Mackerel. Default: off.
        """
        super().__init__(scope, construct_id)
        self.namespace = namespace
        self.alarm_topic = alarm_topic
        self.queue_alarms = queue_alarms or QueueAlarms()
        self.missed_run_multiple = missed_run_multiple
        self.dead_letter_alarms_enabled = dead_letter_alarms
        self.function_error_alarms_enabled = function_error_alarms
        self.mackerel = mackerel
        self._stack_name = Stack.of(self).stack_name  # read once: every alarm name starts with it
        self.dashboard_name = dashboard_name or f"{self._stack_name}-batch-monitor"
        self._validate()
        self._validate_queue_alarms("queue_alarms", self.queue_alarms)

        self.alarms: list[cloudwatch.Alarm] = []
        self.backlog_alarms: dict[str, cloudwatch.Alarm] = {}
        self.stuck_queue_alarms: dict[str, cloudwatch.Alarm] = {}
        self.missed_run_alarms: dict[str, cloudwatch.Alarm] = {}
        self.dead_letter_alarms: dict[str, cloudwatch.Alarm] = {}
        self.function_error_alarms: dict[str, cloudwatch.Alarm] = {}
        self.watched_queues: dict[str, batch.IJobQueue] = {}
        self._queue_names: list[str] = []
        self._queue_arns: list[str] = []
        self._jobs: set[tuple[str, str]] = set()
        self._labels: set[tuple[str, str]] = set()
        self._queue_name_cache: dict[int, str] = {}
        self._health_widgets: dict[str, cloudwatch.GraphWidget] = {}

        self.dashboard: cloudwatch.Dashboard | None = self._build_dashboard() if dashboard else None
        self.gauge_function: lambda_.Function = self._build_gauge_function()
        self.gauge_schedule: scheduler.Schedule = self._build_gauge_schedule()
        self.outcome_dead_letter_queue: sqs.Queue = self._build_outcome_dead_letter_queue()
        self.outcome_queue: sqs.Queue = self._build_outcome_queue()
        self.outcome_function: lambda_.Function = self._build_outcome_function()
        self.outcome_rule: events.Rule = self._build_outcome_rule()

        for job_queue in job_queues:
            self.watch_queue(job_queue)
        for environment in compute_environments:
            self.watch_compute_environment(environment)
        self.watch_function(self.gauge_function, "queue-metrics")
        self.watch_function(self.outcome_function, "job-metrics", source_queue=self.outcome_queue)
        self.watch_dead_letter_queue(self.outcome_dead_letter_queue, "job-metrics")
        self.node.add_validation(_WatchesAQueue(self))

    # ------------------------------------------------------------------ validation

    def _fail(self, message: str) -> None:
        raise ValueError(f"BatchQueueMonitor '{self.node.id}': {message}")

    def _validate(self) -> None:
        if not is_unresolved(self.namespace) and not CLOUDWATCH_NAMESPACE_PATTERN.match(self.namespace):
            self._fail(f"namespace must be {CLOUDWATCH_NAMESPACE_RULE}, got {self.namespace!r}")
        self._validate_multiple("missed_run_multiple", self.missed_run_multiple)
        if not is_unresolved(self.dashboard_name) and not DASHBOARD_NAME_PATTERN.match(self.dashboard_name):
            self._fail(f"dashboard_name must be 1-255 letters, digits, '-' and '_', got {self.dashboard_name!r}")
        if self.mackerel is not None:
            service, base_url = self.mackerel.service, self.mackerel.base_url
            if not is_unresolved(service) and not MACKEREL_SERVICE_PATTERN.match(service):
                self._fail(f"mackerel.service must be 2-63 letters, digits, '-' and '_', got {service!r}")
            if not is_unresolved(base_url) and not base_url.startswith("https://"):
                self._fail(f"mackerel.base_url must start with https://, got {base_url!r}")

    def _validate_multiple(self, prop: str, multiple: float) -> None:
        if not is_unresolved(multiple) and not multiple > 1:
            self._fail(f"{prop} must be more than 1 (a run may come a little late), got {multiple}")

    def _validate_queue_alarms(self, prop: str, alarms: QueueAlarms) -> None:
        backlog = alarms.runnable_backlog
        if backlog is not None and not is_unresolved(backlog) and backlog < 0:
            self._fail(f"{prop}.runnable_backlog must be 0 or more jobs (or None for no alarm), got {backlog}")
        minutes = alarms.runnable_backlog_period.to_seconds() / 60
        if not is_unresolved(minutes) and (minutes != int(minutes) or not 1 <= minutes <= 1440):
            self._fail(f"{prop}.runnable_backlog_period must be whole minutes from 1 to 1440, got {minutes:g} minutes")
        if alarms.oldest_runnable_age is not None:
            seconds = alarms.oldest_runnable_age.to_seconds()
            if not is_unresolved(seconds) and seconds < 60:
                self._fail(f"{prop}.oldest_runnable_age must be at least 1 minute, got {seconds:g} seconds")

    def _queue_name(self, job_queue: batch.IJobQueue) -> str:
        """The queue's name, read once per queue.

        A queue this app creates with a name gives it literally: the metric dimensions and
        the dashboard then hold the name itself rather than a token CloudFormation derives
        from the queue's ARN. Otherwise (imported, or named by CloudFormation) the token.
        """
        key = id(job_queue)
        if key not in self._queue_name_cache:
            resource = job_queue.node.default_child
            literal = getattr(resource, "job_queue_name", None) if isinstance(resource, batch.CfnJobQueue) else None
            self._queue_name_cache[key] = literal if literal and not is_unresolved(literal) else job_queue.job_queue_name
        return self._queue_name_cache[key]

    def _new_label(self, label: str, what: str) -> str:
        if is_unresolved(label):
            self._fail(f"{what} label must be a literal string (it names alarms and construct ids), got a token")
        safe = _LABEL_UNSAFE.sub("-", label).strip("-")
        if not safe:
            self._fail(f"{what} label must contain a letter or digit, got {label!r}")
        if (what, safe) in self._labels:
            self._fail(f"{what} label {safe!r} is already watched")
        self._labels.add((what, safe))
        return safe

    # ------------------------------------------------------------------ metrics

    def _metric(
        self,
        metric_name: str,
        dimensions: dict[str, str],
        *,
        statistic: str,
        period: Duration | None,
        unit: cloudwatch.Unit | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=self.namespace,
            metric_name=metric_name,
            dimensions_map=dimensions,
            statistic=statistic,
            period=period or _ONE_MINUTE,
            unit=unit,
            label=label,
        )

    def metric_jobs(
        self,
        job_queue: batch.IJobQueue,
        status: str,
        *,
        statistic: str = "Maximum",
        period: Duration | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """How many jobs of ``job_queue`` are in ``status`` (SUBMITTED ... RUNNING), each minute."""
        if status not in JOB_COUNT_METRIC_NAMES:
            self._fail(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        return self._metric(
            JOB_COUNT_METRIC_NAMES[status],
            {QUEUE_DIMENSION: self._queue_name(job_queue)},
            statistic=statistic,
            period=period,
            label=label,
        )

    def metric_oldest_runnable_age(
        self, job_queue: batch.IJobQueue, *, statistic: str = "Maximum", period: Duration | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """Seconds since the oldest RUNNABLE job of ``job_queue`` was created (0 when none is RUNNABLE)."""
        return self._metric(
            OLDEST_RUNNABLE_AGE_METRIC,
            {QUEUE_DIMENSION: self._queue_name(job_queue)},
            statistic=statistic,
            period=period,
            unit=cloudwatch.Unit.SECONDS,
            label=label,
        )

    def metric_list_jobs_calls(
        self, job_queue: batch.IJobQueue, *, statistic: str = "Sum", period: Duration | None = None
    ) -> cloudwatch.Metric:
        """ListJobs calls the gauge made for ``job_queue``."""
        return self._metric(
            LIST_JOBS_CALLS_METRIC, {QUEUE_DIMENSION: self._queue_name(job_queue)}, statistic=statistic, period=period
        )

    def _job_metric(
        self,
        metric_name: str,
        job_name: str,
        job_queue: batch.IJobQueue,
        statistic: str,
        period: Duration | None,
        label: str | None,
    ) -> cloudwatch.Metric:
        return self._metric(
            metric_name,
            {QUEUE_DIMENSION: self._queue_name(job_queue), JOB_DIMENSION: job_name},
            statistic=statistic,
            period=period or _ONE_HOUR,
            label=label,
        )

    def metric_succeeded(
        self,
        job_name: str,
        job_queue: batch.IJobQueue,
        *,
        statistic: str = "Sum",
        period: Duration | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Runs of ``job_name`` on ``job_queue`` that SUCCEEDED. Default period: 1 hour."""
        return self._job_metric("Succeeded", job_name, job_queue, statistic, period, label)

    def metric_failed(
        self,
        job_name: str,
        job_queue: batch.IJobQueue,
        *,
        statistic: str = "Sum",
        period: Duration | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Runs of ``job_name`` on ``job_queue`` that FAILED. Default period: 1 hour."""
        return self._job_metric("Failed", job_name, job_queue, statistic, period, label)

    def metric_run_seconds(
        self,
        job_name: str,
        job_queue: batch.IJobQueue,
        *,
        statistic: str = "p90",
        period: Duration | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Seconds from start to stop of each ended run. Default: p90 over 1 hour."""
        return self._job_metric("RunSeconds", job_name, job_queue, statistic, period, label)

    def metric_wait_seconds(
        self,
        job_name: str,
        job_queue: batch.IJobQueue,
        *,
        statistic: str = "p90",
        period: Duration | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Seconds from submission (created) to start of each ended run. Default: p90 over 1 hour."""
        return self._job_metric("WaitSeconds", job_name, job_queue, statistic, period, label)

    def metric_attempts(
        self,
        job_name: str,
        job_queue: batch.IJobQueue,
        *,
        statistic: str = "Maximum",
        period: Duration | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Attempts each ended run took. Default: Maximum over 1 hour."""
        return self._job_metric("Attempts", job_name, job_queue, statistic, period, label)

    def metric_mackerel_post_failures(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Failed posts to Mackerel (only published when Mackerel is configured)."""
        service = self.mackerel.service if self.mackerel else "none"
        return self._metric(
            MACKEREL_POST_FAILURES_METRIC, {"MackerelService": service}, statistic="Sum", period=period or _FIVE_MINUTES
        )

    # ------------------------------------------------------------------ watching

    def watch_queue(self, job_queue: batch.IJobQueue, *, label: str | None = None, alarms: QueueAlarms | None = None) -> None:
        """Count ``job_queue``'s jobs every minute, record its job outcomes, alarm on it and graph it.

        :param label: Names its alarms (``<stack>-RunnableBacklog-<label>``) and widgets.
            Default: the queue's name when known at synth, else its construct path.
        :param alarms: Its thresholds. Default: the monitor's ``queue_alarms``.
        """
        label = self._new_label(label or _default_label(job_queue, self._queue_name(job_queue)), "queue")
        alarms = alarms or self.queue_alarms
        self._validate_queue_alarms(f"alarms of queue {label!r}", alarms)
        self.watched_queues[label] = job_queue
        self._queue_names.append(self._queue_name(job_queue))
        self._listen_to(job_queue)

        if alarms.runnable_backlog is not None:
            minutes = int(alarms.runnable_backlog_period.to_minutes())
            self.backlog_alarms[label] = self._alarm(
                f"RunnableBacklog-{label}",
                kind="RunnableBacklog",
                label=label,
                metric=self.metric_jobs(job_queue, "RUNNABLE", statistic="Minimum"),
                threshold=alarms.runnable_backlog,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                periods=minutes,
                missing=cloudwatch.TreatMissingData.NOT_BREACHING,
                description=(
                    f"More than {alarms.runnable_backlog} jobs RUNNABLE for {minutes} minutes on queue {label}: "
                    "the compute environment cannot keep up (raise MaxvCpus?) or cannot place the jobs."
                ),
            )
        if alarms.oldest_runnable_age is not None:
            seconds = int(alarms.oldest_runnable_age.to_seconds())
            self.stuck_queue_alarms[label] = self._alarm(
                f"StuckRunnable-{label}",
                kind="StuckRunnable",
                label=label,
                metric=self.metric_oldest_runnable_age(job_queue),
                threshold=seconds,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                periods=1,
                missing=cloudwatch.TreatMissingData.NOT_BREACHING,
                description=(
                    f"A job has been RUNNABLE on queue {label} for more than {seconds // 60} minutes: the queue looks stuck "
                    "(no capacity, a resource requirement no environment meets, or a disabled environment)."
                ),
            )
        self._add_queue_widgets(job_queue, label, alarms)

    def watch_scheduled_job(
        self,
        job_name: str,
        job_queue: batch.IJobQueue,
        schedule_expression: str,
        time_zone: str = "UTC",
        *,
        missed_run_multiple: float | None = None,
        enabled: bool = True,
    ) -> cloudwatch.Alarm | None:
        """Alarm when ``job_name`` on ``job_queue`` has no SUCCEEDED run within a multiple of its schedule interval.

        The interval is the longest gap between runs of ``schedule_expression`` (Scheduler
        ``rate(...)`` or six-field ``cron(...)``) in ``time_zone``. Missing data counts as
        breaching, so a job that never runs alarms too. The job also gets a dashboard row.

        :param missed_run_multiple: Default: the monitor's ``missed_run_multiple`` (2).
        :param enabled: False: no alarm, only the metrics and the dashboard row.
        :returns: The alarm, or ``None`` when turned off or when the interval is too long
            for a CloudWatch alarm (over 7 days; a warning says so).
        """
        if is_unresolved(job_name) or not BATCH_NAME_PATTERN.match(job_name):
            self._fail(f"job_name must be {BATCH_NAME_RULE}, got {job_name!r}")
        queue_label = _default_label(job_queue, self._queue_name(job_queue))
        if (job_name, queue_label) in self._jobs:
            self._fail(f"job {job_name!r} on queue {queue_label!r} is already watched")
        same_name_elsewhere = any(name == job_name for name, _ in self._jobs)
        self._jobs.add((job_name, queue_label))
        label = self._new_label(f"{job_name}-{queue_label}" if same_name_elsewhere else job_name, "job")
        multiple = missed_run_multiple if missed_run_multiple is not None else self.missed_run_multiple
        self._validate_multiple(f"missed_run_multiple of job {job_name!r}", multiple)
        self._listen_to(job_queue)

        alarm = None
        if enabled:
            alarm = self._missed_run_alarm(job_name, job_queue, label, schedule_expression, time_zone, multiple)
        self._add_job_widgets(job_name, job_queue, label, alarm)
        return alarm

    def _missed_run_alarm(
        self, job_name: str, job_queue: batch.IJobQueue, label: str, expression: str, time_zone: str, multiple: float
    ) -> cloudwatch.Alarm | None:
        if is_unresolved(expression) or is_unresolved(time_zone):
            Annotations.of(self).add_warning_v2(
                "batch-jobs:missedRunToken",
                f"No missed-run alarm for job {job_name!r}: its schedule is only known at deploy time.",
            )
            return None
        try:
            interval = schedule_interval(expression, time_zone)
        except ValueError as error:
            self._fail(
                f"schedule_expression of job {job_name!r} must be a recurring rate or cron expression, "
                f"got {expression!r}: {error}"
            )
        window = missed_run_window(interval, multiple)
        if window is None:
            Annotations.of(self).add_warning_v2(
                "batch-jobs:missedRunTooLong",
                f"No missed-run alarm for job {job_name!r}: its runs can be {_human(interval)} apart, "
                f"longer than a CloudWatch alarm can look back ({_human(MAX_ALARM_RANGE)}).",
            )
            return None
        if window.window < interval * multiple:
            Annotations.of(self).add_warning_v2(
                "batch-jobs:missedRunWindowCut",
                f"Missed-run alarm of job {job_name!r} looks back {_human(window.window)}, "
                f"not {multiple:g} x {_human(interval)}: CloudWatch alarms look back at most {_human(MAX_ALARM_RANGE)}.",
            )
        alarm = self._alarm(
            f"MissedRun-{label}",
            kind="MissedRun",
            label=label,
            metric=self.metric_succeeded(job_name, job_queue, period=Duration.seconds(window.period_seconds)),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            periods=window.periods,
            missing=cloudwatch.TreatMissingData.BREACHING,
            description=(
                f"No run of job {job_name} succeeded in the last {_human(window.window)} "
                f"({multiple:g} x its longest interval of {_human(interval)}, schedule {expression} {time_zone}): "
                "the schedule did not fire, the submit failed, or every run failed."
            ),
        )
        self.missed_run_alarms[label] = alarm
        return alarm

    def watch_dead_letter_queue(self, queue: sqs.IQueue, label: str, *, alarm: bool | None = None) -> cloudwatch.Alarm | None:
        """Alarm when ``queue`` holds any visible message, and graph it on the dashboard.

        :param alarm: Default: the monitor's ``dead_letter_alarms`` (true).
        """
        label = self._new_label(label, "dead-letter queue")
        metric = queue.metric_approximate_number_of_messages_visible(statistic="Maximum", period=_ONE_MINUTE)
        if self._health_widgets:
            self._health_widgets["dead_letters"].add_left_metric(metric.with_(label=label))
        if not (alarm if alarm is not None else self.dead_letter_alarms_enabled):
            return None
        created = self._alarm(
            f"DeadLetters-{label}",
            kind="DeadLetters",
            label=label,
            metric=metric,
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            periods=1,
            missing=cloudwatch.TreatMissingData.NOT_BREACHING,
            description=f"Dead-letter queue {label} holds messages: something was not delivered or not processed. "
            "Read them, fix the cause, then redrive or purge.",
        )
        self.dead_letter_alarms[label] = created
        return created

    def watch_function(
        self,
        function: lambda_.IFunction,
        label: str,
        *,
        alarm: bool | None = None,
        source_queue: sqs.IQueue | None = None,
    ) -> cloudwatch.Alarm | None:
        """Alarm on any error of ``function`` within 5 minutes, and graph its errors.

        :param alarm: Default: the monitor's ``function_error_alarms`` (true).
        :param source_queue: The SQS queue feeding ``function``: its depth is graphed too.
        """
        label = self._new_label(label, "function")
        errors = function.metric_errors(statistic="Sum", period=_FIVE_MINUTES)
        if self._health_widgets:
            self._health_widgets["errors"].add_left_metric(errors.with_(label=label))
            if source_queue is not None:
                self._health_widgets["queues"].add_left_metric(
                    source_queue.metric_approximate_number_of_messages_visible(
                        statistic="Maximum", period=_ONE_MINUTE, label=f"{label} queue"
                    )
                )
                self._health_widgets["queues"].add_right_metric(
                    source_queue.metric_approximate_age_of_oldest_message(
                        statistic="Maximum", period=_ONE_MINUTE, label=f"{label} oldest (s)"
                    )
                )
        if not (alarm if alarm is not None else self.function_error_alarms_enabled):
            return None
        created = self._alarm(
            f"FunctionErrors-{label}",
            kind="FunctionErrors",
            label=label,
            metric=errors,
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            periods=1,
            missing=cloudwatch.TreatMissingData.NOT_BREACHING,
            description=f"Lambda function {label} failed in the last 5 minutes: see its log group.",
        )
        self.function_error_alarms[label] = created
        return created

    # ------------------------------------------------------------------ alarms

    def alarm_name(self, kind: str, label: str) -> str:
        """``<stack name>-<kind>-<label>``, at most 255 characters (a long label is cut and hashed)."""
        prefix = f"{self._stack_name}-{kind}-"
        name = prefix + label
        if len(name) > 255:
            digest = hashlib.sha256(label.encode()).hexdigest()[:8]
            name = prefix + label[: 255 - len(prefix) - 9] + "-" + digest
        return name

    def _alarm(
        self,
        construct_id: str,
        *,
        kind: str,
        label: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator,
        periods: int,
        missing: cloudwatch.TreatMissingData,
        description: str,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=self.alarm_name(kind, label),
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            treat_missing_data=missing,
        )
        if self.alarm_topic is not None:
            alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.alarm_topic))
        self.alarms.append(alarm)
        return alarm

    # ------------------------------------------------------------------ parts (override to customise)

    def _build_gauge_function(self) -> lambda_.Function:
        environment = {
            "JOB_QUEUES": Lazy.string(_JoinedNames(self._queue_names)),
            "POWERTOOLS_METRICS_NAMESPACE": self.namespace,
        }
        if self.mackerel is not None:
            environment.update(
                MACKEREL_SERVICE=self.mackerel.service,
                MACKEREL_API_KEY_SECRET=self.mackerel.api_key.secret_arn,
                MACKEREL_BASE_URL=self.mackerel.base_url,
            )
        function = PythonFunction(
            self,
            "QueueMetrics",
            package="queue_metrics",
            description="Counts AWS Batch jobs by status in each queue every minute (EMF metrics)",
            environment=environment,
            timeout=Duration.seconds(50),
            memory_size=128,
        )
        function.add_to_role_policy(iam.PolicyStatement(actions=["batch:ListJobs"], resources=["*"]))
        acknowledge(
            function.role,  # type: ignore[arg-type]
            "AwsSolutions-IAM5[Resource::*]",
            "batch:ListJobs has no resource-level permissions (AWS documents only '*'); the function only reads.",
        )
        if self.mackerel is not None:
            self.mackerel.api_key.grant_read(function)
        return function

    def _build_gauge_schedule(self) -> scheduler.Schedule:
        # Our own role (not the stack-wide one LambdaInvoke would share), so the finding below is acknowledged here only.
        role = iam.Role(
            self,
            "QueueMetricsScheduleRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}
            ),
        )
        schedule = scheduler.Schedule(
            self,
            "QueueMetricsSchedule",
            schedule=scheduler.ScheduleExpression.rate(Duration.minutes(1)),
            target=scheduler_targets.LambdaInvoke(
                self.gauge_function,
                role=role,
                retry_attempts=0,  # a late count is worth nothing: the next minute counts again
                max_event_age=Duration.minutes(1),
            ),
            description="Counts AWS Batch jobs by status every minute",
        )
        stack = Stack.of(self)
        function_id = stack.resolve(stack.get_logical_id(self.gauge_function.node.default_child))  # type: ignore[arg-type]
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::<{function_id}.Arn>:*]",
            "lambda:InvokeFunction as CDK grants it: the function and its versions/aliases (':*'), of this one function only.",
        )
        return schedule

    def _build_outcome_dead_letter_queue(self) -> sqs.Queue:
        return encrypted_queue(self, "JobStateDeadLetters")

    def _build_outcome_queue(self) -> sqs.Queue:
        return encrypted_queue(
            self,
            "JobStateEvents",
            retention_period=Duration.days(4),
            visibility_timeout=Duration.minutes(3),  # 6 x the function timeout
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.outcome_dead_letter_queue, max_receive_count=5),
        )

    def _build_outcome_function(self) -> lambda_.Function:
        function = PythonFunction(
            self,
            "JobMetrics",
            package="job_metrics",
            description="Publishes AWS Batch job outcomes (succeeded, failed, run and wait seconds) as EMF metrics",
            environment={"POWERTOOLS_METRICS_NAMESPACE": self.namespace},
            timeout=Duration.seconds(30),
            memory_size=128,
        )
        function.add_event_source(
            event_sources.SqsEventSource(
                self.outcome_queue,
                batch_size=100,
                max_batching_window=Duration.seconds(30),
                # Each record's metrics are printed on their own, so only the records that
                # failed go back to SQS: a retry never counts an outcome already printed.
                report_batch_item_failures=True,
            )
        )
        return function

    def _build_outcome_rule(self) -> events.Rule:
        rule = events.Rule(
            self,
            "JobStateRule",
            description="AWS Batch jobs that SUCCEEDED or FAILED on the monitored queues",
            event_pattern=events.EventPattern(
                source=["aws.batch"],
                detail_type=["Batch Job State Change"],
                # An array job reports once, through its parent: its children (which carry
                # arrayProperties.index) would send thousands of events for one run.
                detail={"status": ["SUCCEEDED", "FAILED"], "arrayProperties": {"index": [{"exists": False}]}},
            ),
        )
        rule.add_target(events_targets.SqsQueue(self.outcome_queue, dead_letter_queue=self.outcome_dead_letter_queue))
        return rule

    def _listen_to(self, job_queue: batch.IJobQueue) -> None:
        if job_queue.job_queue_arn not in self._queue_arns:
            self._queue_arns.append(job_queue.job_queue_arn)
            self.outcome_rule.add_event_pattern(detail={"jobQueue": [job_queue.job_queue_arn]})

    # ------------------------------------------------------------------ dashboard

    def _build_dashboard(self) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=self.dashboard_name, default_interval=Duration.hours(12)
        )
        dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=(
                    f"# {self._stack_name}: AWS Batch\n"
                    "Jobs by status are counted every minute (namespace "
                    f"`{self.namespace}`); outcomes come from Batch Job State Change events. "
                    "First row: is the monitoring itself healthy?"
                ),
                width=24,
                height=2,
            )
        )
        self._health_widgets = {
            "dead_letters": cloudwatch.GraphWidget(
                title="Dead-letter queues: visible messages",
                width=6,
                left_annotations=[cloudwatch.HorizontalAnnotation(value=1, label="alarm")],
                left_y_axis=cloudwatch.YAxisProps(min=0),
            ),
            "errors": cloudwatch.GraphWidget(title="Lambda errors (5 min)", width=6, left_y_axis=cloudwatch.YAxisProps(min=0)),
            "queues": cloudwatch.GraphWidget(
                title="Event queues: depth and oldest message", width=6, left_y_axis=cloudwatch.YAxisProps(min=0)
            ),
            "schedules": cloudwatch.GraphWidget(
                title="EventBridge Scheduler (all schedules)",
                width=6,
                left=[
                    scheduler.Schedule.metric_all_errors(statistic="Sum", label="target errors"),
                    scheduler.Schedule.metric_all_dropped(statistic="Sum", label="dropped"),
                    scheduler.Schedule.metric_all_throttled(statistic="Sum", label="throttled"),
                    scheduler.Schedule.metric_all_sent_to_dlq(statistic="Sum", label="sent to DLQ"),
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
            ),
        }
        dashboard.add_widgets(*self._health_widgets.values())
        return dashboard

    def _add_queue_widgets(self, job_queue: batch.IJobQueue, label: str, alarms: QueueAlarms) -> None:
        if self.dashboard is None:
            return
        native = {"JobQueueName": self._queue_name(job_queue)}
        age_annotations = (
            [cloudwatch.HorizontalAnnotation(value=alarms.oldest_runnable_age.to_seconds(), label="stuck alarm")]
            if alarms.oldest_runnable_age is not None
            else []
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title=f"Jobs by status: {label}",
                width=6,
                stacked=True,
                left=[self.metric_jobs(job_queue, status, label=status) for status in STATUSES],
                left_y_axis=cloudwatch.YAxisProps(min=0, label="jobs", show_units=False),
            ),
            cloudwatch.GraphWidget(
                title=f"Oldest RUNNABLE job (s): {label}",
                width=6,
                left=[self.metric_oldest_runnable_age(job_queue, label="oldest RUNNABLE (s)")],
                left_annotations=age_annotations,
                left_y_axis=cloudwatch.YAxisProps(min=0),
            ),
            cloudwatch.GraphWidget(
                title=f"AWS/Batch state transitions: {label}",
                width=6,
                left=[
                    cloudwatch.Metric(namespace="AWS/Batch", metric_name=name, dimensions_map=native, statistic="Sum", label=name)
                    for name in (
                        "JobsSubmitted",
                        "JobsMovedToRunnable",
                        "JobsMovedToSucceeded",
                        "JobsMovedToFailed",
                        "JobsRetried",
                    )
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
            ),
            cloudwatch.GraphWidget(
                title=f"AWS/Batch durations p90 (ms): {label}",
                width=6,
                left=[
                    cloudwatch.Metric(namespace="AWS/Batch", metric_name=name, dimensions_map=native, statistic="p90", label=name)
                    for name in ("JobAttemptRunnableToStartingDuration", "JobAttemptExecutionDuration")
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
            ),
        )

    def watch_compute_environment(self, environment: batch.IComputeEnvironment, *, label: str | None = None) -> None:
        """Graph the CPU and memory utilisation and reservation of the environment's ECS cluster.

        Fargate environments are skipped: ECS has no cluster-level figures for them.

        :param label: Names its widgets. Default: the construct path ("Cluster-OnDemand").
        """
        if self.dashboard is None or isinstance(environment, batch.FargateComputeEnvironment):
            return
        label = self._new_label(label or _default_label(environment, None), "compute environment")
        # Batch names the environment's ECS cluster AWSBatch-<environment name>-<uuid>; a SEARCH
        # on that prefix (a composite-token partial match) finds it without knowing the uuid.
        name = _compute_environment_name(environment)

        def search(metric_name: str, title: str) -> cloudwatch.MathExpression:
            return cloudwatch.MathExpression(
                expression=(
                    f"SEARCH('{{AWS/ECS,ClusterName}} MetricName=\"{metric_name}\" ClusterName=AWSBatch-{name}', 'Average', 300)"
                ),
                using_metrics={},
                label=title,
                period=_FIVE_MINUTES,
            )

        self.dashboard.add_widgets(
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
        )

    def _add_job_widgets(self, job_name: str, job_queue: batch.IJobQueue, label: str, alarm: cloudwatch.Alarm | None) -> None:
        if self.dashboard is None:
            return
        last_widget: cloudwatch.IWidget
        if alarm is not None:
            last_widget = cloudwatch.AlarmWidget(alarm=alarm, title=f"Missed-run alarm: {label}", width=6)
        else:
            last_widget = cloudwatch.GraphWidget(
                title=f"Attempts per run: {label}", width=6, left=[self.metric_attempts(job_name, job_queue, label="attempts")]
            )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title=f"Outcomes: {label}",
                width=6,
                stacked=True,
                left=[
                    self.metric_succeeded(job_name, job_queue, label="succeeded"),
                    self.metric_failed(job_name, job_queue, label="failed"),
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
            ),
            cloudwatch.GraphWidget(
                title=f"Run time (s): {label}",
                width=6,
                left=[self.metric_run_seconds(job_name, job_queue, statistic=s, label=s) for s in ("p50", "p90", "Maximum")],
                left_y_axis=cloudwatch.YAxisProps(min=0),
            ),
            cloudwatch.GraphWidget(
                title=f"Wait before start (s): {label}",
                width=6,
                left=[self.metric_wait_seconds(job_name, job_queue, statistic=s, label=s) for s in ("p50", "p90", "Maximum")],
                left_y_axis=cloudwatch.YAxisProps(min=0),
            ),
            last_widget,
        )


@jsii.implements(IValidation)
class _WatchesAQueue:
    """A monitor must count at least one queue (its gauge has nothing to do otherwise)."""

    def __init__(self, monitor: BatchQueueMonitor) -> None:
        self._monitor = monitor

    def validate(self) -> list[str]:
        if self._monitor.watched_queues:
            return []
        return [f"BatchQueueMonitor '{self._monitor.node.id}': watches no job queue: pass job_queues or call watch_queue()"]


def _default_label(construct: IConstruct, name: str | None) -> str:
    """A queue's literal name, else the construct's path inside its stack ("Cluster-SpotJobQueue")."""
    if name is not None and not is_unresolved(name):
        return name
    stack_path = Stack.of(construct).node.path
    path = construct.node.path
    relative = path[len(stack_path) + 1 :] if stack_path and path.startswith(stack_path + "/") else path
    return relative.replace("/", "-")


def _compute_environment_name(environment: batch.IComputeEnvironment) -> str:
    """The environment's name from its ARN (``...:compute-environment/<name>``); CDK's name attribute is its Ref."""
    return Fn.select(1, Fn.split("/", environment.compute_environment_arn))


def _human(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
