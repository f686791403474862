"""BatchQueueMonitor: queue gauges, job outcomes, alarms and one dashboard for AWS Batch.

AWS Batch publishes free ``AWS/Batch`` metrics of jobs *entering* states, but no gauge of how many jobs *are* in
each state, and nothing notices a job stuck in RUNNABLE or a scheduled run that never happened. This construct adds:

- a Lambda on an EventBridge Scheduler schedule (every minute) that counts the jobs of each watched queue by status (paginated
  ``ListJobs``) and the age of the oldest RUNNABLE job, published in the embedded metric format (``lambdas/queue_metrics``);
- a Lambda fed by ``Batch Job State Change`` events for SUCCEEDED and FAILED jobs (through an SQS queue) that publishes
  Succeeded, Failed, RunSeconds, WaitSeconds and Attempts per queue and job name (``lambdas/job_metrics``);
- alarms, all named ``<stack name>-<kind>-<label>`` so the failure notifier's rule on CloudWatch Alarm State Change
  events picks them up, and optionally sent to an SNS topic: RUNNABLE backlog, stuck queue (oldest RUNNABLE job),
  missed scheduled run, dead-letter queues holding a message, Lambda errors, failed Mackerel posts;
- one CloudWatch dashboard.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NoReturn

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_batch as batch
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct, IValidation

from batch_stack import monitor_alarms
from batch_stack import monitor_dashboard as rows
from batch_stack import monitor_functions as parts
from batch_stack.functions import PythonFunction
from batch_stack.monitor_alarms import QueueAlarms  # public here, as before the split
from batch_stack.monitor_functions import MackerelOptions
from batch_stack.monitor_metrics import (
    ATTEMPTS_METRIC,
    FAILED_METRIC,
    FIVE_MINUTES,
    ONE_MINUTE,
    RUN_SECONDS_METRIC,
    SUCCEEDED_METRIC,
    WAIT_SECONDS_METRIC,
    MonitorMetrics,
)
from batch_stack.props import checked_props
from batch_stack.queues import encrypted_queue
from batch_stack.rules import (
    BATCH_NAME_PATTERN,
    BATCH_NAME_RULE,
    CLOUDWATCH_NAMESPACE_PATTERN,
    CLOUDWATCH_NAMESPACE_RULE,
    DASHBOARD_NAME_PATTERN,
    DASHBOARD_NAME_RULE,
    missed_run_multiple_problem,
)
from batch_stack.scheduled_job import DEFAULT_METRICS_NAMESPACE, ScheduledBatchJob
from batch_stack.tokens import is_unresolved

_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class BatchQueueMonitor(Construct):
    """Gauges, outcomes, alarms and a dashboard for AWS Batch job queues and scheduled jobs.

    Wire more in after construction: :meth:`watch_queue`, :meth:`watch_job` (a ScheduledBatchJob), :meth:`watch_scheduled_job`
    (a missed-run alarm), :meth:`watch_dead_letter_queue`, :meth:`watch_function`, :meth:`watch_compute_environment`.
    Build your own alarms from the ``metric_*`` methods.

    Attributes: ``namespace``, ``alarm_topic``, ``gauge_function``, ``gauge_schedule``, ``outcome_function``,
    ``outcome_queue``, ``outcome_dead_letter_queue``, ``outcome_rule``, ``dashboard`` (``None`` when turned off),
    ``alarms`` (every alarm) and, by label, ``backlog_alarms``, ``stuck_queue_alarms``, ``missed_run_alarms``,
    ``dead_letter_alarms``, ``function_error_alarms``; ``mackerel_alarm`` when posting to Mackerel.
    """

    @checked_props("BatchQueueMonitor")
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        job_queues: Sequence[batch.IJobQueue] = (),
        namespace: str = DEFAULT_METRICS_NAMESPACE,
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
            (with their own thresholds and labels) with :meth:`watch_queue`. Default: none
            (at least one must be watched by the time the app synthesizes).
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
        self.metrics = MonitorMetrics(namespace, fail=self._fail)
        self._health: rows.HealthRow | None = None

        self.dashboard: cloudwatch.Dashboard | None = self._build_dashboard() if dashboard else None
        self.gauge_function: PythonFunction = self._build_gauge_function()
        self.gauge_schedule: scheduler.Schedule = self._build_gauge_schedule()
        self.mackerel_alarm: cloudwatch.Alarm | None = self._build_mackerel_alarm() if mackerel else None
        self.outcome_dead_letter_queue: sqs.Queue = self._build_outcome_dead_letter_queue()
        self.outcome_queue: sqs.Queue = self._build_outcome_queue()
        self.outcome_function: PythonFunction = self._build_outcome_function()
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

    def _fail(self, message: str) -> NoReturn:
        raise ValueError(f"BatchQueueMonitor '{self.node.id}': {message}")

    def _validate(self) -> None:
        if not is_unresolved(self.namespace) and not CLOUDWATCH_NAMESPACE_PATTERN.match(self.namespace):
            self._fail(f"namespace must be {CLOUDWATCH_NAMESPACE_RULE}, got {self.namespace!r}")
        self._validate_multiple("missed_run_multiple", self.missed_run_multiple)
        if not is_unresolved(self.dashboard_name) and not DASHBOARD_NAME_PATTERN.match(self.dashboard_name):
            self._fail(f"dashboard_name must be {DASHBOARD_NAME_RULE}, got {self.dashboard_name!r}")
        problem = self.mackerel.problem() if self.mackerel is not None else None
        if problem:
            self._fail(f"mackerel.{problem}")

    def _validate_multiple(self, prop: str, multiple: float) -> None:
        problem = None if is_unresolved(multiple) else missed_run_multiple_problem(multiple)
        if problem:
            self._fail(f"{prop} {problem}, got {multiple}")

    def _validate_queue_alarms(self, prop: str, alarms: QueueAlarms) -> None:
        problem = alarms.problem()
        if problem:
            self._fail(f"{prop}.{problem}")

    def _queue_name(self, job_queue: batch.IJobQueue) -> str:
        return self.metrics.queue_name(job_queue)

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
        return self.metrics.jobs(job_queue, status, statistic=statistic, period=period, label=label)

    def metric_oldest_runnable_age(
        self, job_queue: batch.IJobQueue, *, statistic: str = "Maximum", period: Duration | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """Seconds since the oldest RUNNABLE job of ``job_queue`` was created (0 when none is RUNNABLE)."""
        return self.metrics.oldest_runnable_age(job_queue, statistic=statistic, period=period, label=label)

    def metric_list_jobs_calls(
        self, job_queue: batch.IJobQueue, *, statistic: str = "Sum", period: Duration | None = None
    ) -> cloudwatch.Metric:
        """ListJobs calls the gauge made for ``job_queue``."""
        return self.metrics.list_jobs_calls(job_queue, statistic=statistic, period=period)

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
        return self.metrics.job(SUCCEEDED_METRIC, job_name, job_queue, statistic=statistic, period=period, label=label)

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
        return self.metrics.job(FAILED_METRIC, job_name, job_queue, statistic=statistic, period=period, label=label)

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
        return self.metrics.job(RUN_SECONDS_METRIC, job_name, job_queue, statistic=statistic, period=period, label=label)

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
        return self.metrics.job(WAIT_SECONDS_METRIC, job_name, job_queue, statistic=statistic, period=period, label=label)

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
        return self.metrics.job(ATTEMPTS_METRIC, job_name, job_queue, statistic=statistic, period=period, label=label)

    def metric_mackerel_post_failures(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Failed posts to Mackerel (only published when Mackerel is configured)."""
        return self.metrics.mackerel_post_failures(self.mackerel.service if self.mackerel else "none", period=period)

    # ------------------------------------------------------------------ watching

    @checked_props("BatchQueueMonitor")
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
        if self.dashboard is not None:
            age = alarms.oldest_runnable_age.to_seconds() if alarms.oldest_runnable_age is not None else None
            self.dashboard.add_widgets(*rows.queue_row(self.metrics, job_queue, label, age))

    @checked_props("BatchQueueMonitor")
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
        if self.dashboard is not None:
            self.dashboard.add_widgets(*rows.job_row(self.metrics, job_name, job_queue, label, alarm))
        return alarm

    @checked_props("BatchQueueMonitor")
    def watch_job(
        self,
        job: ScheduledBatchJob,
        *,
        label: str | None = None,
        missed_run_multiple: float | None = None,
        enabled: bool | None = None,
    ) -> cloudwatch.Alarm | None:
        """Watch a :class:`ScheduledBatchJob`: its missed runs, its schedule's dead-letter queue and its submit function.

        :meth:`watch_scheduled_job` with the job's name, queue, schedule and time zone, then
        :meth:`watch_dead_letter_queue` (``schedule-<label>``) and, for FORBID and REPLACE,
        :meth:`watch_function` (``submit-<label>``).

        :param label: Names the dead-letter and function alarms. Default: the job's name.
        :param enabled: Default: whether the job's schedule is enabled (a suspended job misses no run).
        """
        alarm = self.watch_scheduled_job(
            job.job_name,
            job.job_queue,
            job.schedule_expression,
            job.time_zone,
            missed_run_multiple=missed_run_multiple,
            enabled=job.enabled if enabled is None else enabled,
        )
        label = label or job.job_name
        self.watch_dead_letter_queue(job.dead_letter_queue, f"schedule-{label}")
        if job.submit_function is not None:
            self.watch_function(job.submit_function, f"submit-{label}")
        return alarm

    def _missed_run_alarm(
        self, job_name: str, job_queue: batch.IJobQueue, label: str, expression: str, time_zone: str, multiple: float
    ) -> cloudwatch.Alarm | None:
        try:
            found = monitor_alarms.missed_run_window_of(self, job_name, expression, time_zone, multiple)
        except ValueError as error:
            self._fail(
                f"schedule_expression of job {job_name!r} must be a recurring rate or cron expression, "
                f"got {expression!r}: {error}"
            )
        if found is None:
            return None
        window, description = found
        alarm = self._alarm(
            f"MissedRun-{label}",
            kind="MissedRun",
            label=label,
            metric=self.metric_succeeded(job_name, job_queue, period=Duration.seconds(window.period_seconds)),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            periods=window.periods,
            missing=cloudwatch.TreatMissingData.BREACHING,
            description=description,
        )
        self.missed_run_alarms[label] = alarm
        return alarm

    @checked_props("BatchQueueMonitor")
    def watch_dead_letter_queue(self, queue: sqs.IQueue, label: str, *, alarm: bool | None = None) -> cloudwatch.Alarm | None:
        """Alarm when ``queue`` holds any visible message, and graph it on the dashboard.

        :param alarm: Default: the monitor's ``dead_letter_alarms`` (true).
        """
        label = self._new_label(label, "dead-letter queue")
        metric = queue.metric_approximate_number_of_messages_visible(statistic="Maximum", period=ONE_MINUTE)
        if self._health is not None:
            self._health.add_dead_letter_queue(metric, label)
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

    @checked_props("BatchQueueMonitor")
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
        errors = function.metric_errors(statistic="Sum", period=FIVE_MINUTES)
        if self._health is not None:
            self._health.add_function(errors, label, source_queue)
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
        return monitor_alarms.alarm_name(self._stack_name, kind, label)

    def _alarm(self, construct_id: str, *, kind: str, label: str, **props) -> cloudwatch.Alarm:
        alarm = monitor_alarms.create_alarm(
            self, construct_id, name=self.alarm_name(kind, label), topic=self.alarm_topic, **props
        )
        self.alarms.append(alarm)
        return alarm

    # ------------------------------------------------------------------ parts (override to customise)

    def _build_gauge_function(self) -> PythonFunction:
        return parts.gauge_function(self, namespace=self.namespace, queue_names=self._queue_names, mackerel=self.mackerel)

    def _build_gauge_schedule(self) -> scheduler.Schedule:
        return parts.gauge_schedule(self, self.gauge_function)

    def _build_mackerel_alarm(self) -> cloudwatch.Alarm:
        """``<stack>-MackerelPostFailures-<service>``: posts failing for 15 minutes (an empty or revoked key)."""
        label = "mackerel" if is_unresolved(self.mackerel.service) else self.mackerel.service  # type: ignore[union-attr]
        props = monitor_alarms.mackerel_post_failures(self.metric_mackerel_post_failures(), label)
        return self._alarm("MackerelPostFailures", kind="MackerelPostFailures", label=label, **props)

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

    def _build_outcome_function(self) -> PythonFunction:
        return parts.outcome_function(self, namespace=self.namespace, queue=self.outcome_queue)

    def _build_outcome_rule(self) -> events.Rule:
        return parts.outcome_rule(self, queue=self.outcome_queue, dead_letter_queue=self.outcome_dead_letter_queue)

    def _listen_to(self, job_queue: batch.IJobQueue) -> None:
        if job_queue.job_queue_arn not in self._queue_arns:
            self._queue_arns.append(job_queue.job_queue_arn)
            self.outcome_rule.add_event_pattern(detail={"jobQueue": [job_queue.job_queue_arn]})

    # ------------------------------------------------------------------ dashboard

    def _build_dashboard(self) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=self.dashboard_name, default_interval=Duration.hours(12)
        )
        dashboard.add_widgets(rows.header(self._stack_name, self.namespace))
        self._health = rows.HealthRow()
        dashboard.add_widgets(*self._health.widgets())
        return dashboard

    @checked_props("BatchQueueMonitor")
    def watch_compute_environment(self, environment: batch.IComputeEnvironment, *, label: str | None = None) -> None:
        """Graph the CPU and memory utilisation and reservation of the environment's ECS cluster.

        Fargate environments are skipped: ECS has no cluster-level figures for them.

        :param label: Names its widgets. Default: the construct path ("Cluster-OnDemand").
        """
        if self.dashboard is None or isinstance(environment, batch.FargateComputeEnvironment):
            return
        label = self._new_label(label or _default_label(environment, None), "compute environment")
        self.dashboard.add_widgets(*rows.compute_environment_row(environment, label))


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
