"""BatchFailureNotifier: the rule's pattern, the queue path, the function's permissions, alarms and checks."""

from __future__ import annotations

import copy
import json

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_batch as batch
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Match, Template
from moto.events.models import EventPattern

from batch_stack import BatchFailureNotifier
from tests.lambdas.conftest import event

QUEUE_ARN = "arn:aws:batch:us-east-1:123456789012:job-queue/go-active-learning"
OTHER_QUEUE_ARN = "arn:aws:batch:us-east-1:123456789012:job-queue/someone-else"
FAILED_FIXTURES = [
    "job_ec2_failed",
    "job_fargate_failed",
    "job_eks_failed",
    "job_multinode_failed",
    "job_array_parent_failed",
    "job_failed_before_start",
    "job_timeout_failed",
    "job_spot_reclaim_failed",
    "job_unknown_fields_failed",
]


def make(**props) -> tuple[Stack, BatchFailureNotifier]:
    # The stack name gives the alarm prefix "GoActiveLearningBatch-", as in the event fixtures.
    stack = Stack(App(), "GoActiveLearningBatch")
    props.setdefault("job_queues", [batch.JobQueue.from_job_queue_arn(stack, "Queue", QUEUE_ARN)])
    return stack, BatchFailureNotifier(stack, "Notifier", **props)


@pytest.fixture(scope="module")
def default_notifier() -> tuple[BatchFailureNotifier, Template, logs.LogGroup]:
    stack, notifier = make()
    job_logs = logs.LogGroup(stack, "JobLogs")
    notifier.add_log_group(job_logs)
    return notifier, Template.from_stack(stack), job_logs


@pytest.fixture(scope="module")
def custom_notifier() -> tuple[BatchFailureNotifier, Template]:
    stack = Stack(App(), "Custom")
    secret = secretsmanager.Secret.from_secret_name_v2(stack, "Existing", "team/slack-webhook")
    notifier = BatchFailureNotifier(
        stack,
        "Notifier",
        job_queues=[batch.JobQueue.from_job_queue_arn(stack, "Queue", QUEUE_ARN)],
        webhook_secret=secret,
        statuses=("FAILED", "SUCCEEDED"),
        include_array_children=True,
        alarm_name_prefix="ml-",
        log_groups=[logs.LogGroup(stack, "JobLogs")],
        log_lines=0,
        time_zone="Asia/Tokyo",
        max_concurrency=5,
    )
    return notifier, Template.from_stack(stack)


def rule_pattern(template: Template) -> dict:
    (rule,) = template.find_resources("AWS::Events::Rule").values()
    return rule["Properties"]["EventPattern"]


def matches(pattern: dict, candidate: dict) -> bool:
    return EventPattern.load(json.dumps(pattern)).matches_event(candidate)


def statements(template: Template) -> list[dict]:
    return [
        s
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("fixture", FAILED_FIXTURES)
def test_rule_matches_failed_events_of_the_queue(default_notifier, fixture):
    _, template, _ = default_notifier
    assert matches(rule_pattern(template), event(fixture))


@pytest.mark.parametrize("fixture", ["queue_blocked", "alarm"])
def test_rule_matches_blocked_queue_and_app_alarm(default_notifier, fixture):
    _, template, _ = default_notifier
    assert matches(rule_pattern(template), event(fixture))


def test_rule_ignores_succeeded_jobs_by_default(default_notifier):
    _, template, _ = default_notifier
    assert not matches(rule_pattern(template), event("job_succeeded"))


def test_rule_ignores_other_queues(default_notifier):
    _, template, _ = default_notifier
    for name in ("job_ec2_failed", "queue_blocked"):
        other = event(name)
        other["detail"]["jobQueue"] = OTHER_QUEUE_ARN
        assert not matches(rule_pattern(template), other), name


@pytest.mark.parametrize("status", ["FAILED", "SUCCEEDED"])
def test_rule_ignores_service_jobs_even_on_a_watched_queue(default_notifier, custom_notifier, status):
    """SageMaker service jobs are out of scope: their documented event is another detail-type, which no rule matches."""
    service_job = event("docs_service_job_succeeded")
    assert service_job["detail-type"] == "Batch Service Job State Change"
    service_job["detail"].update(jobQueue=QUEUE_ARN, status=status)
    for pattern in (rule_pattern(default_notifier[1]), rule_pattern(custom_notifier[1])):
        assert not matches(pattern, service_job)
    # Only the detail-type keeps it out: the same detail as a job's event would match the custom rule (FAILED and SUCCEEDED).
    as_job = {**service_job, "detail-type": "Batch Job State Change"}
    assert matches(rule_pattern(custom_notifier[1]), as_job)


def test_rule_ignores_array_children_by_default(default_notifier):
    _, template, _ = default_notifier
    assert not matches(rule_pattern(template), event("job_array_child_failed"))


def test_rule_ignores_alarms_of_other_apps(default_notifier):
    _, template, _ = default_notifier
    other = event("alarm")
    other["detail"]["alarmName"] = "SomeoneElse-HighCpu"
    assert not matches(rule_pattern(template), other)


def test_rule_takes_recovery_from_alarm_but_not_first_ok(default_notifier):
    _, template, _ = default_notifier
    recovered = event("alarm")
    recovered["detail"]["state"]["value"], recovered["detail"]["previousState"]["value"] = "OK", "ALARM"
    first_ok = copy.deepcopy(recovered)
    first_ok["detail"]["previousState"]["value"] = "INSUFFICIENT_DATA"
    assert matches(rule_pattern(template), recovered)
    assert not matches(rule_pattern(template), first_ok)


def test_rule_takes_configured_statuses_and_array_children(custom_notifier):
    _, template = custom_notifier
    pattern = rule_pattern(template)
    assert matches(pattern, event("job_succeeded"))
    assert matches(pattern, event("job_array_child_failed"))


def test_alarm_prefix_is_configurable(custom_notifier):
    _, template = custom_notifier
    alarm = event("alarm")
    assert not matches(rule_pattern(template), alarm)
    alarm["detail"]["alarmName"] = "ml-anything"
    assert matches(rule_pattern(template), alarm)


def test_rule_target_has_retry_policy_and_its_own_dead_letter_queue(default_notifier):
    notifier, template, _ = default_notifier
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "Targets": [
                Match.object_like(
                    {
                        "Arn": {"Fn::GetAtt": [Match.string_like_regexp("NotifierQueue"), "Arn"]},
                        "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
                        "DeadLetterConfig": {
                            "Arn": {"Fn::GetAtt": [Match.string_like_regexp("NotifierRuleDeadLetterQueue"), "Arn"]}
                        },
                    }
                )
            ]
        },
    )
    assert notifier.rule_dead_letter_queue is not notifier.dead_letter_queue


# --------------------------------------------------------------------------- the queue path


def test_queue_is_encrypted_keeps_4_days_and_dead_letters_after_5_receives(default_notifier):
    _, template, _ = default_notifier
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "SqsManagedSseEnabled": True,
            "MessageRetentionPeriod": 4 * 24 * 3600,
            "VisibilityTimeout": 6 * 60 + 20,
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": [Match.string_like_regexp("NotifierDeadLetterQueue"), "Arn"]},
                "maxReceiveCount": 5,
            },
        },
    )


def test_a_dead_letter_outlives_its_source_queues_retention_by_at_least_10_days(default_notifier):
    """SQS expires a moved message by its first enqueue time: the DLQ must keep it well past the source's retention."""
    _, template, _ = default_notifier
    queues = template.find_resources("AWS::SQS::Queue")
    redriven = [q["Properties"] for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert redriven
    for source in redriven:
        (dead_letter_id,) = [i for i in queues if source["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [i, "Arn"]}]
        dead_letter_retention = queues[dead_letter_id]["Properties"]["MessageRetentionPeriod"]
        assert dead_letter_retention == 14 * 24 * 3600
        assert dead_letter_retention - source["MessageRetentionPeriod"] >= 10 * 24 * 3600


def test_every_queue_is_encrypted_and_ssl_only(default_notifier):
    _, template, _ = default_notifier
    queues = template.find_resources("AWS::SQS::Queue")
    assert len(queues) == 3
    assert all(q["Properties"]["SqsManagedSseEnabled"] is True for q in queues.values())
    ssl_only = set()
    for policy in template.find_resources("AWS::SQS::QueuePolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}} and statement["Effect"] == "Deny":
                ssl_only.add(statement["Resource"]["Fn::GetAtt"][0])
    assert ssl_only == set(queues)


def test_function_reads_batches_of_100_over_20s_with_partial_failures_and_event_source_concurrency(default_notifier):
    _, template, _ = default_notifier
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "BatchSize": 100,
            "MaximumBatchingWindowInSeconds": 20,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": 2},
        },
    )
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    assert "ReservedConcurrentExecutions" not in function["Properties"]


def test_max_concurrency_is_passed_to_the_event_source(custom_notifier):
    _, template = custom_notifier
    template.has_resource_properties("AWS::Lambda::EventSourceMapping", {"ScalingConfig": {"MaximumConcurrency": 5}})


def test_each_container_paces_for_all_concurrent_ones(custom_notifier):
    # 5 containers, each posting at most every 5.5 s: together under one a second.
    _, template = custom_notifier
    template.has_resource_properties(
        "AWS::Lambda::Function", {"Environment": {"Variables": Match.object_like({"POST_INTERVAL_SECONDS": "5.5"})}}
    )


def test_function_runs_the_notify_slack_handler_with_its_settings(default_notifier):
    _, template, _ = default_notifier
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "notify_slack.handler.handler",
            "Timeout": 60,
            "Environment": {
                "Variables": {
                    "POWERTOOLS_SERVICE_NAME": "notify_slack",
                    "WEBHOOK_SECRET_ID": {"Ref": Match.string_like_regexp("NotifierWebhookSecret")},
                    "TIME_ZONE": "UTC",
                    "LOG_LINES": "10",
                    "POST_INTERVAL_SECONDS": "2.2",
                }
            },
        },
    )


# --------------------------------------------------------------------------- the secret and permissions


def test_creates_an_empty_secret_when_none_is_given(default_notifier):
    notifier, template, _ = default_notifier
    (secret,) = template.find_resources("AWS::SecretsManager::Secret").values()
    assert "GenerateSecretString" not in secret["Properties"]
    assert "SecretString" not in secret["Properties"]
    assert notifier.webhook_secret.node.scope is notifier


def test_uses_the_given_secret_and_creates_none(custom_notifier):
    _, template = custom_notifier
    template.resource_count_is("AWS::SecretsManager::Secret", 0)
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    secret_id = json.dumps(function["Properties"]["Environment"]["Variables"]["WEBHOOK_SECRET_ID"])
    assert "secret:team/slack-webhook" in secret_id


def test_function_may_read_only_its_secret(default_notifier):
    _, template, _ = default_notifier
    reads = [s for s in statements(template) if "secretsmanager:GetSecretValue" in s["Action"]]
    assert len(reads) == 1
    assert reads[0]["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert reads[0]["Resource"]["Ref"].startswith("NotifierWebhookSecret")


def test_log_lines_are_read_only_from_the_given_log_groups(default_notifier):
    _, template, _ = default_notifier
    reads = [s for s in statements(template) if "logs:GetLogEvents" in json.dumps(s["Action"])]
    assert len(reads) == 1
    assert reads[0]["Action"] == "logs:GetLogEvents"
    (logical_id, attribute) = reads[0]["Resource"]["Fn::GetAtt"]
    assert logical_id.startswith("JobLogs") and attribute == "Arn"


def test_no_log_permission_when_log_lines_are_off(custom_notifier):
    _, template = custom_notifier
    assert not [s for s in statements(template) if "logs:GetLogEvents" in json.dumps(s["Action"])]


def test_no_statement_grants_every_resource(default_notifier):
    _, template, _ = default_notifier
    assert [s for s in statements(template) if s["Resource"] == "*"] == []


# --------------------------------------------------------------------------- alarms


def test_alarms_on_dead_letters_oldest_message_and_errors_named_with_the_prefix(default_notifier):
    notifier, template, _ = default_notifier
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    by_metric = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"], a["Properties"]["Threshold"]) for a in alarms.values()
    }
    assert by_metric == {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", 1),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage", 600),
        ("AWS/Lambda", "Errors", 1),
    }
    names = sorted(a["Properties"]["AlarmName"] for a in alarms.values())
    assert names == [
        "GoActiveLearningBatch-Notifier-dead-letters",
        "GoActiveLearningBatch-Notifier-function-errors",
        "GoActiveLearningBatch-Notifier-oldest-message-age",
        "GoActiveLearningBatch-Notifier-rule-dead-letters",
    ]
    assert len(notifier.alarms) == 4


def test_own_alarms_reach_slack_through_the_rule(default_notifier):
    _, template, _ = default_notifier
    own = event("alarm")
    own["detail"]["alarmName"] = "GoActiveLearningBatch-Notifier-dead-letters"
    assert matches(rule_pattern(template), own)


def test_dead_letter_alarms_watch_both_dead_letter_queues(default_notifier):
    _, template, _ = default_notifier
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in template.find_resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    }
    assert {w.rstrip("0123456789ABCDEF") for w in watched} == {"NotifierDeadLetterQueue", "NotifierRuleDeadLetterQueue"}


# --------------------------------------------------------------------------- checks at synth


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"job_queues": []}, r"job_queues must name at least one job queue, got \[\]"),
        ({"statuses": ()}, r"statuses must be distinct values from .*, got \[\]"),
        ({"statuses": ("FAILED", "SUBMITTED")}, r"statuses must be .*, got \['FAILED', 'SUBMITTED'\]"),
        ({"statuses": ("FAILED", "FAILED")}, r"statuses must be distinct"),
        ({"time_zone": "Mars/Olympus"}, r"time_zone must be an IANA time zone name .*, got 'Mars/Olympus'"),
        ({"log_lines": 51}, r"log_lines must be from 0 to 50, got 51"),
        ({"log_lines": -1}, r"log_lines must be from 0 to 50, got -1"),
        ({"max_concurrency": 1}, r"max_concurrency must be from 2 to 1000 \(the SQS event source's range\), got 1"),
        ({"batch_size": 0}, r"batch_size must be from 1 to 10000, got 0"),
        ({"max_batching_window": Duration.minutes(6)}, r"max_batching_window must be from 0 to 300 seconds, got 360"),
        (
            {"max_batching_window": Duration.seconds(0)},
            r"max_batching_window must be at least 1 second when batch_size is above 10, got 0",
        ),
        ({"max_message_age": Duration.seconds(30)}, r"max_message_age must be at least 60 seconds, got 30"),
        ({"alarm_name_prefix": " "}, r"alarm_name_prefix must not be empty"),
    ],
)
def test_bad_props_fail_with_the_prop_and_value(props, message):
    with pytest.raises(ValueError, match=r"^BatchFailureNotifier 'Notifier': " + message):
        make(**props)
