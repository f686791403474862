"""The rules the config reader and the constructs share: each check, its neighbours that pass, and its message."""

from __future__ import annotations

import pytest

from batch_stack import rules
from batch_stack.rules import Range


def test_a_range_is_inclusive_and_says_its_bounds():
    priority = Range(0, 1000)
    assert 0 in priority and 1000 in priority and 1001 not in priority and -1 not in priority
    assert priority.rule == "from 0 to 1000"
    assert priority.problem(1001) == "must be from 0 to 1000"
    assert priority.problem(5) is None


def test_a_range_without_a_top_says_at_least_with_its_unit():
    timeout = Range(60, unit="seconds")
    assert 10**9 in timeout and 59 not in timeout
    assert timeout.rule == "at least 60 seconds"


@pytest.mark.parametrize(
    "expression",
    ["rate(1 minute)", "rate(5 minutes)", "rate(3 hours)", "rate(2 days)", "cron(0 3 * * ? *)", "cron(0/15 9-17 ? * MON-FRI *)"],
)
def test_recurring_expressions_scheduler_takes(expression):
    assert rules.schedule_expression_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("every 3 hours", "expected 'rate(<value> <unit>)' or 'cron(<six fields>)'"),
        ("at(2026-03-01T00:00:00)", "expected 'rate(<value> <unit>)' or 'cron(<six fields>)'"),
        ("rate(30 seconds)", "a rate must be at least one minute (EventBridge Scheduler's minimum)"),
        ("rate(0 hours)", "a rate must be at least one minute (EventBridge Scheduler's minimum)"),
        ("rate(2 weeks)", "a rate must look like 'rate(5 minutes)', 'rate(1 hour)' or 'rate(2 days)'"),
        ("cron(0 3 * * *)", "a cron expression has six fields (minutes hours day-of-month month day-of-week year), got 5"),
        ("cron(0 3 1 * MON *)", "a cron expression sets exactly one of day-of-month and day-of-week; the other must be '?'"),
        ("cron(60 3 * * ? *)", "minutes must be 0-59, got '60'"),
        ("cron(0 3 * FOO ? *)", "month must be 1-12 or a name, got 'FOO'"),
    ],
)
def test_expressions_scheduler_rejects_say_why(expression, problem):
    assert rules.schedule_expression_problem(expression) == problem


@pytest.mark.parametrize(("name", "ok"), [("UTC", True), ("Asia/Tokyo", True), ("America/New_York", True), ("Tokyo", False)])
def test_time_zones_are_iana_names(name, ok):
    assert (rules.time_zone_problem(name) is None) is ok


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("go-active-learning/db", None),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC123", None),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:db", "expected the secret's complete ARN"),
        ("db-AbC123", "read as an ARN suffix by Secrets Manager"),
        ("db password", "expected a Secrets Manager secret name"),
    ],
)
def test_secret_references_are_names_or_complete_arns(value, problem):
    found = rules.secret_reference_problem(value)
    assert (found is None) if problem is None else (problem in found)


def test_a_webhook_secret_must_be_a_name():
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-AbC123"
    assert rules.secret_reference_problem(arn, allow_arn=False) == "expected a secret name, not an ARN"


def test_queue_names_follow_the_main_queue_with_their_suffixes():
    assert rules.queue_names_by_capacity("jobs", spot=False, fargate=False) == {"on_demand": "jobs"}
    assert rules.queue_names_by_capacity("jobs", spot=True, fargate=True) == {
        "on_demand": "jobs",
        "spot": "jobs-spot",
        "fargate": "jobs-fargate",
    }


@pytest.mark.parametrize(
    ("vcpus", "memory", "problem"),
    [
        (0.25, 512, None),
        (1, 2048, None),
        (16, 122880, None),
        (1, 1024, "Fargate with 1 vCPU takes 2048-8192 MiB in steps of 1024 MiB, got 1024"),
        (3, 8192, "Fargate vCPUs must be one of 0.25, 0.5, 1, 2, 4, 8, 16"),
    ],
)
def test_fargate_takes_its_documented_sizes(vcpus, memory, problem):
    assert rules.fargate_resources_problem(vcpus, memory) == problem


def test_aws_batch_reserves_its_variable_prefix():
    assert rules.environment_name_problem("MODEL_DIR") is None
    assert rules.environment_name_problem("aws_batch_job_id") == "names starting with AWS_BATCH are reserved by AWS Batch"


@pytest.mark.parametrize(
    ("kind", "pattern", "ok"),
    [
        ("on_status_reason", "Host EC2*", True),
        ("on_reason", "CannotPullContainerError:*", True),
        ("on_exit_code", "137", True),
        ("on_exit_code", "13*", True),
        ("on_exit_code", "abc", False),
        ("on_reason", "no-dashes-allowed", False),
        ("on_status_reason", "", False),
    ],
)
def test_retry_patterns_are_what_evaluate_on_exit_takes(kind, pattern, ok):
    assert (rules.retry_pattern_problem(kind, pattern) is None) is ok


def test_a_missed_run_waits_more_than_one_interval():
    assert rules.missed_run_multiple_problem(1.5) is None
    assert rules.missed_run_multiple_problem(1) == "must be more than 1 (a run may come a little late)"


def test_names_follow_aws_patterns():
    assert rules.BATCH_NAME_PATTERN.match("update_recommendation") and not rules.BATCH_NAME_PATTERN.match("-x")
    assert rules.schedule_name_problem("a" * 64) is None and rules.schedule_name_problem("a" * 65) == rules.SCHEDULE_NAME_RULE
    assert not rules.CLOUDWATCH_NAMESPACE_PATTERN.match("AWS/Batch")
    assert rules.MACKEREL_SERVICE_PATTERN.match("go-active-learning") and not rules.MACKEREL_SERVICE_PATTERN.match("x")
