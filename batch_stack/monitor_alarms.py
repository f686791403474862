"""The monitor's alarms: their names, how one is made, and the window of a missed-run alarm.

Every alarm is named ``<stack name>-<kind>-<label>`` (the failure notifier's rule
picks up CloudWatch Alarm State Change events by that prefix), needs all of its
evaluation periods to breach, and also goes to an SNS topic when one is given.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from aws_cdk import Annotations, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from batch_stack.alarm_window import MAX_ALARM_RANGE, MissedRunWindow, human_duration, missed_run_window
from batch_stack.rules import RUNNABLE_BACKLOG_MINUTES
from batch_stack.schedule_interval import schedule_interval
from batch_stack.tokens import is_unresolved


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

    def problem(self) -> str | None:
        """The first prop that breaks its rule, as ``<prop> must be ..., got ...``; None when all are fine."""
        backlog = self.runnable_backlog
        if backlog is not None and not is_unresolved(backlog) and backlog < 0:
            return f"runnable_backlog must be 0 or more jobs (or None for no alarm), got {backlog}"
        minutes = self.runnable_backlog_period.to_seconds() / 60
        if not is_unresolved(minutes) and (minutes != int(minutes) or minutes not in RUNNABLE_BACKLOG_MINUTES):
            return f"runnable_backlog_period must be whole minutes {RUNNABLE_BACKLOG_MINUTES.rule}, got {minutes:g} minutes"
        if self.oldest_runnable_age is not None:
            seconds = self.oldest_runnable_age.to_seconds()
            if not is_unresolved(seconds) and seconds < 60:
                return f"oldest_runnable_age must be at least 1 minute, got {seconds:g} seconds"
        return None


#: CloudWatch's longest alarm name.
MAX_ALARM_NAME_LENGTH = 255


def alarm_name(stack_name: str, kind: str, label: str) -> str:
    """``<stack name>-<kind>-<label>``, at most 255 characters (a long label is cut and hashed)."""
    prefix = f"{stack_name}-{kind}-"
    name = prefix + label
    if len(name) > MAX_ALARM_NAME_LENGTH:
        digest = hashlib.sha256(label.encode()).hexdigest()[:8]
        name = prefix + label[: MAX_ALARM_NAME_LENGTH - len(prefix) - 9] + "-" + digest
    return name


def create_alarm(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    metric: cloudwatch.IMetric,
    threshold: float,
    comparison: cloudwatch.ComparisonOperator,
    periods: int,
    missing: cloudwatch.TreatMissingData,
    description: str,
    topic: sns.ITopic | None,
) -> cloudwatch.Alarm:
    """An alarm that breaches when all ``periods`` periods breach; its actions go to ``topic`` too."""
    alarm = cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_name=name,
        alarm_description=description,
        metric=metric,
        threshold=threshold,
        comparison_operator=comparison,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        treat_missing_data=missing,
    )
    if topic is not None:
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
    return alarm


#: Consecutive 5-minute periods with a failed Mackerel post before its alarm fires.
MACKEREL_FAILURE_PERIODS = 3


def mackerel_post_failures(metric: cloudwatch.IMetric, service: str) -> dict[str, Any]:
    """The props of the alarm on failed Mackerel posts (``metric``: their 5-minute sum) for :func:`create_alarm`.

    The gauge posts every minute; a failure in each of 3 periods in a row is an outage,
    not one lost post. The metric is published only when a post fails, so no data
    means no failure and does not breach.
    """
    return {
        "metric": metric,
        "threshold": 1,
        "comparison": cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        "periods": MACKEREL_FAILURE_PERIODS,
        "missing": cloudwatch.TreatMissingData.NOT_BREACHING,
        "description": f"Posts of the queue gauges to Mackerel service {service} failed in each of "
        f"{MACKEREL_FAILURE_PERIODS} 5-minute periods in a row (the CloudWatch gauges are still published). Check that "
        "the API key secret holds a key with write access (a secret the stack created starts empty), then the function's log.",
    }


def missed_run_window_of(
    scope: Construct, job_name: str, expression: str, time_zone: str, multiple: float
) -> tuple[MissedRunWindow, str] | None:
    """The window of a job's missed-run alarm and the alarm's description; ``None`` (with a warning) when there can be none.

    :raises ValueError: the schedule is not a recurring rate or cron expression.
    """
    if is_unresolved(expression) or is_unresolved(time_zone):
        Annotations.of(scope).add_warning_v2(
            "batch-jobs:missedRunToken",
            f"No missed-run alarm for job {job_name!r}: its schedule is only known at deploy time.",
        )
        return None
    interval = schedule_interval(expression, time_zone)
    window = missed_run_window(interval, multiple)
    if window is None:
        Annotations.of(scope).add_warning_v2(
            "batch-jobs:missedRunTooLong",
            f"No missed-run alarm for job {job_name!r}: its runs can be {human_duration(interval)} apart, "
            f"longer than a CloudWatch alarm can look back ({human_duration(MAX_ALARM_RANGE)}).",
        )
        return None
    if window.window < interval * multiple:
        Annotations.of(scope).add_warning_v2(
            "batch-jobs:missedRunWindowCut",
            f"Missed-run alarm of job {job_name!r} looks back {human_duration(window.window)}, "
            f"not {multiple:g} x {human_duration(interval)}: "
            f"CloudWatch alarms look back at most {human_duration(MAX_ALARM_RANGE)}.",
        )
    description = (
        f"No run of job {job_name} succeeded in the last {human_duration(window.window)} "
        f"({multiple:g} x its longest interval of {human_duration(interval)}, schedule {expression} {time_zone}): "
        "the schedule did not fire, the submit failed, or every run failed."
    )
    return window, description
