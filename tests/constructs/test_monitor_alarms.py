"""The monitor's alarms: names within CloudWatch's limit, how one is made, queue thresholds, the missed-run window."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match, Template

from batch_stack.monitor_alarms import QueueAlarms, alarm_name, create_alarm, missed_run_window_of


def test_alarm_name_is_stack_kind_and_label():
    assert alarm_name("Jobs", "MissedRun", "nightly") == "Jobs-MissedRun-nightly"


def test_a_long_label_is_cut_and_hashed_so_names_stay_unique():
    first, second = alarm_name("Jobs", "StuckRunnable", "q" * 300), alarm_name("Jobs", "StuckRunnable", "q" * 299 + "r")
    assert len(first) == len(second) == 255
    assert first != second
    assert first.startswith("Jobs-StuckRunnable-qqq")


def _alarm(stack: Stack, topic: sns.ITopic | None) -> cloudwatch.Alarm:
    return create_alarm(
        stack,
        "Alarm",
        name="Jobs-DeadLetters-x",
        metric=cloudwatch.Metric(namespace="Test", metric_name="Depth"),
        threshold=1,
        comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        periods=3,
        missing=cloudwatch.TreatMissingData.NOT_BREACHING,
        description="the queue holds messages",
        topic=topic,
    )


def test_an_alarm_needs_every_period_to_breach_and_goes_to_the_topic():
    stack = Stack(App(), "Jobs")
    topic = sns.Topic(stack, "Topic")
    _alarm(stack, topic)
    (alarm,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    properties = alarm["Properties"]
    assert (properties["EvaluationPeriods"], properties["DatapointsToAlarm"]) == (3, 3)
    assert properties["AlarmName"] == "Jobs-DeadLetters-x"
    assert properties["TreatMissingData"] == "notBreaching"
    assert properties["AlarmActions"] == [{"Ref": stack.get_logical_id(topic.node.default_child)}]


def test_an_alarm_without_a_topic_has_no_action():
    stack = Stack(App(), "Jobs")
    _alarm(stack, None)
    (alarm,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    assert "AlarmActions" not in alarm["Properties"]


@pytest.mark.parametrize(
    ("alarms", "problem"),
    [
        (QueueAlarms(), None),
        (QueueAlarms(runnable_backlog=None, oldest_runnable_age=None), None),
        (QueueAlarms(runnable_backlog=-1), "runnable_backlog must be 0 or more jobs"),
        (
            QueueAlarms(runnable_backlog_period=Duration.seconds(90)),
            "runnable_backlog_period must be whole minutes from 1 to 1440",
        ),
        (QueueAlarms(runnable_backlog_period=Duration.days(2)), "got 2880 minutes"),
        (QueueAlarms(oldest_runnable_age=Duration.seconds(30)), "oldest_runnable_age must be at least 1 minute, got 30 seconds"),
    ],
)
def test_queue_thresholds_name_the_prop_they_break(alarms, problem):
    found = alarms.problem()
    assert (found is None) if problem is None else (problem in found)


def test_missed_run_window_and_description_of_a_rate():
    stack = Stack(App(), "Jobs")
    window, description = missed_run_window_of(stack, "nightly", "rate(3 hours)", "UTC", 2)
    assert (window.period_seconds, window.periods) == (300, 72)
    assert description.startswith("No run of job nightly succeeded in the last 6 hours (2 x its longest interval of 3 hours")


def test_a_schedule_known_only_at_deploy_gets_no_window_and_a_warning():
    stack = Stack(App(), "Jobs")
    assert missed_run_window_of(stack, "nightly", Token.as_string({"Ref": "Expr"}), "UTC", 2) is None
    _has_warning(stack, "only known at deploy time")


def test_runs_more_than_a_week_apart_get_no_window_and_a_warning():
    stack = Stack(App(), "Jobs")
    assert missed_run_window_of(stack, "monthly", "cron(0 3 1 * ? *)", "UTC", 2) is None
    _has_warning(stack, r"longer than a CloudWatch alarm can look back \(7 days\)")


def test_a_window_cut_to_a_week_says_so():
    stack = Stack(App(), "Jobs")
    window, _ = missed_run_window_of(stack, "weekly-ish", "rate(5 days)", "UTC", 2)
    assert window.window.days == 7
    _has_warning(stack, "looks back 7 days, not 2 x 5 days")


def test_a_schedule_that_is_not_recurring_raises():
    with pytest.raises(ValueError, match="one-time schedule"):
        missed_run_window_of(Stack(App(), "Jobs"), "once", "at(2026-03-01T00:00:00)", "UTC", 2)


def _has_warning(stack: Stack, pattern: str) -> None:
    sqs.Queue(stack, "Something")  # a stack needs a resource to synthesize
    Annotations.from_stack(stack).has_warning("*", Match.string_like_regexp(pattern))
