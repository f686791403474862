"""The rules the config reader and the constructs share: each check, its neighbours that pass, and its message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch_stack import rules
from batch_stack.rules import Range
from tests.credentials import (
    AWS_ACCESS_KEY_ID,
    AWS_TEMPORARY_KEY_ID,
    PGP_PRIVATE_KEY,
    SLACK_APP_TOKEN,
    SLACK_BOT_TOKEN,
    SLACK_REFRESH_TOKEN,
    SLACK_USER_TOKEN,
    SLACK_WEBHOOK_URL,
    SLACK_WORKFLOW_URL,
    pem_private_key,
    url_with_password,
)


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
        # EventBridge's rate expression reference: "rate(1 hours) and rate(5 hour) aren't valid".
        ("rate(1 hours)", "a rate of 1 takes a singular unit: write 'rate(1 hour)'"),
        ("rate(5 hour)", "a rate above 1 takes a plural unit: write 'rate(5 hours)'"),
        ("rate(1 days)", "a rate of 1 takes a singular unit: write 'rate(1 day)'"),
        ("rate(30 minute)", "a rate above 1 takes a plural unit: write 'rate(30 minutes)'"),
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


# --------------------------------------------------------------------------- plain-text credentials


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("DB_PASSWORD", "hunter2", "its name says it holds a credential (PASSWORD)"),
        ("db_password", "hunter2", "its name says it holds a credential (PASSWORD)"),
        ("MYSQL_PASSWD", "x", "its name says it holds a credential (PASSWD)"),
        ("AWS_SECRET_ACCESS_KEY", "x", "its name says it holds a credential (SECRET)"),
        ("HF_TOKEN", "x", "its name says it holds a credential (TOKEN)"),
        ("STRIPE_API_KEY", "x", "its name says it holds a credential (API_KEY)"),
        ("APIKEY", "x", "its name says it holds a credential (APIKEY)"),
        ("JWT_PRIVATE_KEY", "x", "its name says it holds a credential (PRIVATE_KEY)"),
        ("GOOGLE_APPLICATION_CREDENTIALS", "x", "its name says it holds a credential (CREDENTIALS)"),
        ("CREDENTIAL", "x", "its name says it holds a credential (CREDENTIAL)"),
        # Values are credentials whatever the name (the reference words do not save them).
        ("SLACK_WEBHOOK_URL", SLACK_WEBHOOK_URL, "the value looks like a Slack webhook URL"),
        ("KEY_ID", AWS_ACCESS_KEY_ID, "the value looks like an AWS access key id"),  # AWS's documented example key
        ("STS", AWS_TEMPORARY_KEY_ID, "the value looks like an AWS access key id"),
        ("BOT", SLACK_BOT_TOKEN, "the value looks like a Slack token"),
        ("APP", SLACK_USER_TOKEN, "the value looks like a Slack token"),
        ("KEY", pem_private_key("EC ", "MHc="), "the value looks like a PEM private key"),
        ("KEY", pem_private_key("").split("\n")[0], "the value looks like a PEM private key"),
        ("KEY", PGP_PRIVATE_KEY, "the value looks like a PEM private key"),
        ("APP", SLACK_APP_TOKEN, "the value looks like a Slack token"),
        ("ROTATE", SLACK_REFRESH_TOKEN, "the value looks like a Slack token"),
        ("FLOW", SLACK_WORKFLOW_URL, "the value looks like a Slack webhook URL"),
        ("DATABASE_URL", url_with_password("postgres", "admin", "db/app"), "the value looks like a URL with a password in it"),
        ("CACHE", url_with_password("redis", "", "cache:6379/0"), "the value looks like a URL with a password in it"),
        ("PGPASSWORD", "x", "its name says it holds a credential (PGPASSWORD)"),
        ("mysql_pwd", "x", "its name says it holds a credential (MYSQL_PWD)"),
        # Their neighbours: references, other words, other shapes.
        ("MODEL_DIR", "/opt/model", None),
        ("TOKENIZER_PATH", "/opt/tokenizer", None),
        ("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf", None),
        ("TOKEN_URL", "https://auth.example.com/token", None),
        ("PASSWORD_FILE", "/run/secrets/db", None),
        ("SECRET_NAME", "team/db", None),
        ("API_KEY_ID", "key-1", None),
        ("PASSWORDLESS", "true", None),
        ("SECRETARY", "Ann", None),
        ("LONGER_ID", AWS_ACCESS_KEY_ID + "XX", None),  # 18 characters after the prefix: not a key id
        ("CERT", "-----BEGIN CERTIFICATE-----", None),
        ("SLACK_CHANNEL", "#alerts", None),
        ("BOX", "xoxz-1", None),
        ("ENDPOINT", "https://example.com:8443/predict", None),
        ("MODEL_URI", "s3://bucket/models/a:b@c", None),
        ("REPO", "git@github.com:team/repo.git", None),
        ("PWD", "/app", None),  # the shell's working directory
        ("PASS_THROUGH", "1", None),
    ],
)
def test_plain_credentials_by_value_or_by_name(name, value, problem):
    assert rules.plain_credential_problem(name, value) == problem


_WORDS = st.sampled_from(["DB", "MODEL", "MAIN", "S3", "BUCKET", "CACHE", "LOG", "LEVEL", "REGION", "MODE", "TOKENS", "KEYS"])
_CREDENTIAL = st.sampled_from(["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIALS"])
_REFERENCE = st.sampled_from(list(rules.REFERENCE_LAST_WORDS))
_PLAIN_VALUE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/._:-", max_size=30)


@given(before=st.lists(_WORDS, max_size=3), word=_CREDENTIAL, after=st.lists(_WORDS, max_size=2), value=_PLAIN_VALUE)
def test_a_credential_word_anywhere_is_refused_unless_a_reference_word_ends_the_name(before, word, after, value):
    name = "_".join([*before, word, *after])
    assert rules.plain_credential_problem(name, value) is not None
    assert rules.plain_credential_problem(name.lower(), value) is not None
    assert rules.plain_credential_problem(f"{name}_{'ARN'}", value) is None


@given(words=st.lists(_WORDS, min_size=1, max_size=4), last=_REFERENCE, value=_PLAIN_VALUE)
def test_names_without_a_credential_word_pass_and_a_credential_value_never_does(words, last, value):
    for name in ("_".join(words), "_".join([*words, last])):  # TOKENS and KEYS are words, but not credential words
        assert rules.plain_credential_problem(name, value) is None
        assert (
            rules.plain_credential_problem(name, value + " " + AWS_ACCESS_KEY_ID) == "the value looks like an AWS access key id"
        )


# --------------------------------------------------------------------------- instance types and GPUs


@pytest.mark.parametrize("entry", ["optimal", "default_x86_64", "default_arm64", "c7i", "m7i.large", "g6", "p4d.24xlarge", "g5g"])
def test_instance_types_and_families_that_exist(entry):
    assert rules.instance_type_problem(entry) is None


@pytest.mark.parametrize(
    ("entry", "kind"), [("m5.hugee", "instance type"), ("zz9", "instance family"), ("c7i.", "instance type")]
)
def test_instance_types_that_do_not_exist_say_what_was_checked(entry, kind):
    import botocore

    problem = rules.instance_type_problem(entry)
    assert f"no {kind} {entry!r} among the" in problem
    assert f"types of botocore {botocore.__version__}'s EC2 model" in problem


def test_the_instance_type_list_is_botocores():
    types = rules.ec2_instance_types()
    assert len(types) > 500 and {"m5.large", "p3.2xlarge", "g6.xlarge"} <= types


@pytest.mark.parametrize(
    ("types", "gpus"),
    [
        (["optimal"], False),
        (["default_x86_64", "default_arm64"], False),
        (["c7i", "m7i.large"], False),
        (["g4ad"], False),  # AMD: Batch schedules NVIDIA GPUs only
        (["g4ad.xlarge", "c7i"], False),
        (["g6"], True),
        (["c7i", "p4d.24xlarge"], True),
        (["G5"], True),
        (["p6-b200"], True),
    ],
)
def test_gpu_instances_are_nvidia_p_and_g_families(types, gpus):
    assert rules.has_gpu_instances(types) is gpus


def test_optimal_and_a_default_class_do_not_mix():
    assert (
        rules.instance_types_problem(["optimal", "default_arm64"]) == "cannot mix 'optimal' with 'default_x86_64'/'default_arm64'"
    )
    assert rules.instance_types_problem(["optimal", "c7i"]) is None


@pytest.mark.parametrize(("name", "ok"), [("MODEL_DIR", True), ("_X", True), ("my var", False), ("1ST", False), ("A-B", False)])
def test_environment_names_are_shell_names(name, ok):
    assert (rules.environment_name_problem(name) is None) is ok
