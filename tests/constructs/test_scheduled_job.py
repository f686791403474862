"""ScheduledBatchJob: job definition, schedule, concurrency policies, IAM, grants and synth-time checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from aws_cdk import App, Duration, Size, Stack, TimeZone
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Annotations, Match, Template
from moto import mock_aws

from batch_stack import ConcurrencyPolicy, RetryRule, ScheduledBatchJob
from tests.conftest import ROOT
from tests.fake_batch import FakeBatch, submit_job_kwargs

QUEUE_ARN = "arn:aws:batch:us-east-1:123456789012:job-queue/jobs"
IMAGE = ecs.ContainerImage.from_registry("busybox:1.37")
#: A secret for tables of props that fail before anything is synthesized.
A_SECRET = batch.Secret.from_ssm_parameter(
    ssm.StringParameter.from_secure_string_parameter_attributes(Stack(App(), "Secrets"), "Token", parameter_name="/token")
)


def new_stack() -> tuple[Stack, batch.IJobQueue]:
    stack = Stack(App(), "Test")
    return stack, batch.JobQueue.from_job_queue_arn(stack, "Queue", QUEUE_ARN)


def make(construct_id: str = "nightly", **props) -> ScheduledBatchJob:
    stack, queue = new_stack()
    props = {"job_queue": queue, "image": IMAGE, "schedule": "rate(3 hours)", **props}
    return ScheduledBatchJob(stack, construct_id, **props)


class Synthesized:
    """One stack with three jobs that between them use every option; many tests read its template."""

    def __init__(self) -> None:
        stack, queue = new_stack()
        self.nightly = ScheduledBatchJob(
            stack, "nightly", job_queue=queue, image=IMAGE, schedule="rate(3 hours)", command=["echo", "Ref::scheduled_time"]
        )
        repository = ecr.Repository.from_repository_name(stack, "Repo", "team/trainer")
        secret = secretsmanager.Secret.from_secret_complete_arn(
            stack, "Db", "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/db-AbCdEf"
        )
        parameter = ssm.StringParameter.from_secure_string_parameter_attributes(stack, "Token", parameter_name="/team/token")
        self.train = ScheduledBatchJob(
            stack,
            "train",
            job_queue=queue,
            image=ecs.ContainerImage.from_ecr_repository(repository, "v1"),
            schedule="cron(0 3 * * ? *)",
            time_zone="Asia/Tokyo",
            concurrency_policy=ConcurrencyPolicy.FORBID,
            vcpus=4,
            memory=Size.mebibytes(15000),
            gpus=1,
            environment={"LOG_LEVEL": "debug"},
            secrets={
                "DB_PASSWORD": batch.Secret.from_secrets_manager(secret, "password"),
                "API_TOKEN": batch.Secret.from_ssm_parameter(parameter),
            },
            parameters={"mode": "full"},
            timeout=Duration.hours(4),
            retry_attempts=5,
            start=datetime(2030, 1, 1, tzinfo=UTC),
            end=datetime(2031, 1, 1, tzinfo=UTC),
            flexible_window=Duration.minutes(15),
            enabled=False,
            schedule_name="team.train",
            description="Daily training",
            metrics_namespace="Team/Jobs",
        )
        self.fetch = ScheduledBatchJob(
            stack,
            "fetch",
            job_queue=queue,
            image=ecs.ContainerImage.from_asset(str(ROOT / "tests" / "app" / "job_image")),
            schedule="rate(5 minutes)",
            concurrency_policy="REPLACE",
            fargate=True,
            assign_public_ip=False,
            vcpus=0.5,
            memory=Size.mebibytes(1024),
            retry_rules=[RetryRule("RETRY", on_exit_code="137"), RetryRule("EXIT", on_status_reason="*")],
            log_retention=logs.RetentionDays.TWO_WEEKS,
        )
        self.grantee = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
        self.nightly.grant_submit_job(self.grantee)
        self.nightly.grant_read_logs(self.grantee)
        self.stack = stack
        self.template = Template.from_stack(stack)
        self.json = self.template.to_json()

    def id_of(self, construct) -> str:
        return self.stack.resolve(self.stack.get_logical_id(construct.node.default_child))

    def resource(self, construct) -> dict:
        return self.json["Resources"][self.id_of(construct)]["Properties"]

    def policy_statements(self, role) -> list[dict]:
        policy = role.node.find_child("DefaultPolicy")
        return self.resource(policy)["PolicyDocument"]["Statement"]


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return Synthesized()


def job_definition_arn(name: str) -> dict:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":batch:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":job-definition/{name}:*",
            ],
        ]
    }


# --------------------------------------------------------------------------- the job definition


def test_job_definition_defaults(synthesized):
    definition = synthesized.resource(synthesized.nightly.job_definition)
    assert definition["JobDefinitionName"] == "nightly"
    assert definition["PlatformCapabilities"] == ["EC2"]
    assert definition["Timeout"] == {"AttemptDurationSeconds": 3600}
    assert definition["Parameters"] == {"scheduled_time": "unscheduled"}
    container = definition["ContainerProperties"]
    assert container["Image"] == "busybox:1.37"
    assert container["Command"] == ["echo", "Ref::scheduled_time"]
    assert container["ResourceRequirements"] == [{"Type": "MEMORY", "Value": "2048"}, {"Type": "VCPU", "Value": "1"}]


def test_default_retry_rules_retry_lost_capacity_or_image_pull_and_exit_on_anything_else(synthesized):
    definition = synthesized.resource(synthesized.nightly.job_definition)
    assert definition["RetryStrategy"] == {
        "Attempts": 3,
        "EvaluateOnExit": [
            {"Action": "RETRY", "OnStatusReason": "Host EC2*"},
            {"Action": "RETRY", "OnStatusReason": "Your Spot Task was interrupted*"},
            {"Action": "RETRY", "OnReason": "CannotPullContainerError:*"},
            {"Action": "EXIT", "OnStatusReason": "*"},
        ],
    }


def batch_decision(evaluate_on_exit: list[dict], *, status_reason: str = "", reason: str = "", exit_code: str = "") -> str:
    """What AWS Batch does with a failed attempt, as its RetryStrategy documentation says.

    The first entry whose every pattern matches decides; a pattern matches the whole
    value, or its start when it ends in ``*``; when no entry matches, Batch retries.
    """

    def matches(pattern: str | None, value: str) -> bool:
        if pattern is None:
            return True
        return value.startswith(pattern[:-1]) if pattern.endswith("*") else value == pattern

    for entry in evaluate_on_exit:
        if (
            matches(entry.get("OnStatusReason"), status_reason)
            and matches(entry.get("OnReason"), reason)
            and matches(entry.get("OnExitCode"), exit_code)
        ):
            return entry["Action"]
    return "RETRY"


@pytest.mark.parametrize(
    ("attempt", "action"),
    [
        # An EC2 Spot reclaim or a lost instance (the attempt has no exit code): Batch's status reason.
        ({"status_reason": "Host EC2 (instance i-0123456789abcdef0) terminated."}, "RETRY"),
        # A Fargate Spot interruption: the ECS task's stopped reason, as AWS's Fargate Spot documentation gives it.
        ({"status_reason": "Your Spot Task was interrupted."}, "RETRY"),
        (
            {
                "status_reason": "Task failed to start",
                "reason": "CannotPullContainerError: pull image manifest has been retried 1 time(s): not found",
            },
            "RETRY",
        ),
        ({"status_reason": "Essential container in task exited", "exit_code": "1"}, "EXIT"),
        (
            {
                "status_reason": "Essential container in task exited",
                "reason": "OutOfMemoryError: Container killed due to memory usage",
                "exit_code": "137",
            },
            "EXIT",
        ),
    ],
)
def test_the_synthesized_retry_strategy_decides_as_batch_would(synthesized, attempt, action):
    evaluate_on_exit = synthesized.resource(synthesized.nightly.job_definition)["RetryStrategy"]["EvaluateOnExit"]
    assert batch_decision(evaluate_on_exit, **attempt) == action


def test_logs_go_to_the_jobs_own_log_group_with_a_month_of_retention(synthesized):
    job = synthesized.nightly
    options = synthesized.resource(job.job_definition)["ContainerProperties"]["LogConfiguration"]
    assert options["LogDriver"] == "awslogs"
    assert options["Options"]["awslogs-group"] == {"Ref": synthesized.id_of(job.log_group)}
    assert options["Options"]["awslogs-stream-prefix"] == "nightly"
    assert synthesized.resource(job.log_group)["RetentionInDays"] == 30
    assert synthesized.resource(synthesized.fetch.log_group)["RetentionInDays"] == 14


def test_job_runs_as_its_own_role(synthesized):
    job = synthesized.nightly
    container = synthesized.resource(job.job_definition)["ContainerProperties"]
    assert container["JobRoleArn"] == {"Fn::GetAtt": [synthesized.id_of(job.job_role), "Arn"]}
    trust = synthesized.resource(job.job_role)["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]


def test_secrets_are_injected_by_reference_and_environment_is_plain(synthesized):
    container = synthesized.resource(synthesized.train.job_definition)["ContainerProperties"]
    assert container["Environment"] == [{"Name": "LOG_LEVEL", "Value": "debug"}]
    secrets = {s["Name"]: s["ValueFrom"] for s in container["Secrets"]}
    assert secrets["DB_PASSWORD"] == "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/db-AbCdEf:password::"
    assert json.dumps(secrets["API_TOKEN"]).endswith(':parameter/team/token"]]}')


def test_execution_role_may_read_exactly_the_secrets_and_pull_the_image(synthesized):
    statements = synthesized.policy_statements(synthesized.train.execution_role)
    actions = {json.dumps(s["Action"]): s["Resource"] for s in statements}
    assert actions['["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]'] == (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/db-AbCdEf"
    )
    assert json.dumps(actions['["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]']).endswith(
        ':repository/team/trainer"]]}'
    )
    assert actions['"ecr:GetAuthorizationToken"'] == "*"


def test_gpus_timeout_attempts_and_static_parameters(synthesized):
    definition = synthesized.resource(synthesized.train.job_definition)
    assert {"Type": "GPU", "Value": "1"} in definition["ContainerProperties"]["ResourceRequirements"]
    assert definition["Timeout"] == {"AttemptDurationSeconds": 14400}
    assert definition["RetryStrategy"]["Attempts"] == 5
    assert definition["Parameters"] == {"mode": "full", "scheduled_time": "unscheduled"}


def test_fargate_job_definition(synthesized):
    definition = synthesized.resource(synthesized.fetch.job_definition)
    assert definition["PlatformCapabilities"] == ["FARGATE"]
    container = definition["ContainerProperties"]
    assert container["NetworkConfiguration"] == {"AssignPublicIp": "DISABLED"}
    assert container["ResourceRequirements"] == [{"Type": "MEMORY", "Value": "1024"}, {"Type": "VCPU", "Value": "0.5"}]
    assert definition["RetryStrategy"]["EvaluateOnExit"] == [
        {"Action": "RETRY", "OnExitCode": "137"},
        {"Action": "EXIT", "OnStatusReason": "*"},
    ]


def test_local_directory_becomes_an_image_asset_without_docker_at_synth(synthesized):
    image = synthesized.resource(synthesized.fetch.job_definition)["ContainerProperties"]["Image"]
    assert "cdk-hnb659fds-container-assets" in json.dumps(image)


# --------------------------------------------------------------------------- the schedule


def schedule_of(synthesized, job) -> dict:
    return synthesized.resource(job.schedule)


def test_allow_schedule_submits_through_the_batch_universal_target(synthesized):
    schedule = schedule_of(synthesized, synthesized.nightly)
    assert schedule["ScheduleExpression"] == "rate(3 hours)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["State"] == "ENABLED"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = schedule["Target"]
    assert target["Arn"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":scheduler:::aws-sdk:batch:submitJob"]]}
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10}
    assert target["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": [synthesized.id_of(synthesized.nightly.dead_letter_queue), "Arn"]}
    }
    assert synthesized.nightly.submit_function is None


def test_allow_schedule_input_is_a_submit_job_request_with_the_scheduled_time(synthesized):
    parts = schedule_of(synthesized, synthesized.nightly)["Target"]["Input"]["Fn::Join"][1]
    definition_id = synthesized.id_of(synthesized.nightly.job_definition)
    text = "".join(p if isinstance(p, str) else "DEFINITION" for p in parts)
    assert {"Ref": definition_id} in parts
    # Universal targets take the SDK's PascalCase member names, not the wire's camelCase.
    assert json.loads(text) == {
        "JobName": "nightly",
        "JobQueue": QUEUE_ARN,
        "JobDefinition": "DEFINITION",
        "Parameters": {"scheduled_time": "<aws.scheduler.scheduled-time>"},
    }


def test_allow_schedule_role_may_submit_only_this_job_to_this_queue(synthesized):
    job = synthesized.nightly
    assert synthesized.policy_statements(job.schedule_role) == [
        {"Action": "batch:SubmitJob", "Effect": "Allow", "Resource": [QUEUE_ARN, job_definition_arn("nightly")]},
        {
            "Action": "sqs:SendMessage",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [synthesized.id_of(job.dead_letter_queue), "Arn"]},
        },
    ]


def test_schedule_role_trusts_only_scheduler_of_this_account(synthesized):
    (statement,) = synthesized.resource(synthesized.nightly.schedule_role)["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert json.dumps(statement["Condition"]["StringEquals"]["aws:SourceArn"]).endswith(':schedule-group/default"]]}')


def test_cron_schedule_with_time_zone_window_start_end_name_and_suspended(synthesized):
    schedule = schedule_of(synthesized, synthesized.train)
    assert schedule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Asia/Tokyo"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert schedule["StartDate"] == "2030-01-01T00:00:00.000Z"
    assert schedule["EndDate"] == "2031-01-01T00:00:00.000Z"
    assert schedule["State"] == "DISABLED"
    assert schedule["Name"] == "team.train"
    assert schedule["Description"] == "Daily training"


def test_dead_letter_queue_is_encrypted_ssl_only_and_keeps_two_weeks(synthesized):
    job = synthesized.nightly
    queue = synthesized.resource(job.dead_letter_queue)
    assert queue == {"MessageRetentionPeriod": 1209600, "SqsManagedSseEnabled": True}
    synthesized.template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": synthesized.id_of(job.dead_letter_queue)}],
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {"Effect": "Deny", "Action": "sqs:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                    )
                ]
            },
        },
    )


# --------------------------------------------------------------------------- FORBID / REPLACE: the submit function


def test_forbid_schedule_invokes_the_submit_function_with_the_run_parameters(synthesized):
    job = synthesized.train
    target = schedule_of(synthesized, job)["Target"]
    assert target["Arn"] == {"Fn::GetAtt": [synthesized.id_of(job.submit_function), "Arn"]}
    assert json.loads(target["Input"]) == {
        "parameters": {"mode": "full", "scheduled_time": "<aws.scheduler.scheduled-time>"},
        "executionId": "<aws.scheduler.execution-id>",
    }


def test_forbid_schedule_role_may_invoke_only_its_function(synthesized):
    job = synthesized.train
    function_arn = {"Fn::GetAtt": [synthesized.id_of(job.submit_function), "Arn"]}
    assert synthesized.policy_statements(job.schedule_role)[0] == {
        "Action": "lambda:InvokeFunction",
        "Effect": "Allow",
        "Resource": [function_arn, {"Fn::Join": ["", [function_arn, ":*"]]}],
    }


def test_submit_function_knows_its_job_and_policy(synthesized):
    job = synthesized.train
    variables = synthesized.resource(job.submit_function)["Environment"]["Variables"]
    assert variables == {
        "POWERTOOLS_SERVICE_NAME": "submit_job",
        "JOB_NAME": "train",
        "JOB_QUEUE": QUEUE_ARN,
        "JOB_DEFINITION": {"Ref": synthesized.id_of(job.job_definition)},
        "CONCURRENCY_POLICY": "FORBID",
        "POWERTOOLS_METRICS_NAMESPACE": "Team/Jobs",
    }


def batch_statements(synthesized, job) -> list[dict]:
    return [s for s in synthesized.policy_statements(job.submit_function.role) if str(s["Action"]).startswith("batch:")]


def test_forbid_function_may_list_and_submit_but_not_terminate(synthesized):
    assert batch_statements(synthesized, synthesized.train) == [
        {"Action": "batch:SubmitJob", "Effect": "Allow", "Resource": [QUEUE_ARN, job_definition_arn("train")]},
        {"Action": "batch:ListJobs", "Effect": "Allow", "Resource": "*"},
    ]


def test_replace_function_may_also_terminate_jobs(synthesized):
    terminate = batch_statements(synthesized, synthesized.fetch)[-1]
    assert terminate["Action"] == "batch:TerminateJob"
    assert json.dumps(terminate["Resource"]).endswith(':job/*"]]}')


def test_a_failing_decision_ends_in_the_dead_letter_queue(synthesized):
    job = synthesized.fetch
    synthesized.template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": synthesized.id_of(job.submit_function)},
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {
                "OnFailure": {"Destination": {"Fn::GetAtt": [synthesized.id_of(job.dead_letter_queue), "Arn"]}}
            },
        },
    )


# --------------------------------------------------------------------------- attributes, grants, metrics


def test_exposes_what_monitoring_and_tools_read(synthesized):
    job = synthesized.train
    assert (job.job_name, job.schedule_expression, job.time_zone) == ("train", "cron(0 3 * * ? *)", "Asia/Tokyo")
    assert job.concurrency_policy is ConcurrencyPolicy.FORBID
    assert job.job_queue.job_queue_arn == QUEUE_ARN
    assert isinstance(job.job_definition, batch.EcsJobDefinition)
    assert isinstance(job.dead_letter_queue, sqs.Queue)
    assert isinstance(job.schedule, scheduler.Schedule)


def test_grant_submit_job_and_read_logs(synthesized):
    statements = synthesized.policy_statements(synthesized.grantee)
    assert statements[0] == {
        "Action": "batch:SubmitJob",
        "Effect": "Allow",
        "Resource": [QUEUE_ARN, job_definition_arn("nightly")],
    }
    assert "logs:GetLogEvents" in statements[1]["Action"]
    assert statements[1]["Resource"] == {"Fn::GetAtt": [synthesized.id_of(synthesized.nightly.log_group), "Arn"]}


def test_metric_decisions_matches_what_the_function_emits(synthesized):
    metric = synthesized.train.metric_decisions("Skipped")
    assert (metric.namespace, metric.metric_name) == ("Team/Jobs", "Skipped")
    assert metric.dimensions == {"service": "submit_job", "JobName": "train"}


def test_round_trip_allow_input_is_a_valid_submit_job_request(synthesized):
    """Send exactly what the ALLOW schedule will send to (moto's) Batch: the job it creates is the one configured."""
    parts = schedule_of(synthesized, synthesized.nightly)["Target"]["Input"]["Fn::Join"][1]
    with mock_aws(config={"batch": {"use_docker": False}}):
        batch_api = FakeBatch(queue_name="jobs", job_definition_name="nightly")
        definition = batch_api.definition
        text = "".join(p if isinstance(p, str) else definition for p in parts)  # CloudFormation resolves Ref to the ARN
        request = json.loads(text.replace("<aws.scheduler.scheduled-time>", "2025-01-01T03:00:00Z"))
        job = batch_api.describe(batch_api.client.submit_job(**submit_job_kwargs(request))["jobId"])
    assert (job["jobName"], job["jobQueue"], job["jobDefinition"]) == ("nightly", QUEUE_ARN, definition)
    assert job["parameters"] == {"scheduled_time": "2025-01-01T03:00:00Z"}


# --------------------------------------------------------------------------- bring your own


def test_uses_the_queue_log_group_role_and_dead_letter_queue_it_is_given():
    stack, queue = new_stack()
    log_group = logs.LogGroup.from_log_group_name(stack, "Logs", "/team/jobs")
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::123456789012:role/job")
    dlq = sqs.Queue.from_queue_arn(stack, "Dlq", "arn:aws:sqs:us-east-1:123456789012:dlq")
    job = ScheduledBatchJob(
        stack,
        "nightly",
        job_queue=queue,
        image=IMAGE,
        schedule="rate(1 day)",
        log_group=log_group,
        job_role=role,
        dead_letter_queue=dlq,
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Logs::LogGroup", 0)
    template.resource_count_is("AWS::SQS::Queue", 0)
    template.has_resource_properties(
        "AWS::Batch::JobDefinition",
        {"ContainerProperties": Match.object_like({"JobRoleArn": "arn:aws:iam::123456789012:role/job"})},
    )
    template.has_resource_properties(
        "AWS::Scheduler::Schedule", {"Target": Match.object_like({"DeadLetterConfig": {"Arn": dlq.queue_arn}})}
    )
    assert job.log_group is log_group and job.dead_letter_queue is dlq


def test_a_schedule_expression_object_brings_its_own_time_zone():
    job = make(schedule=scheduler.ScheduleExpression.cron(minute="0", hour="6", time_zone=TimeZone.ASIA_TOKYO))
    assert (job.schedule_expression, job.time_zone) == ("cron(0 6 * * ? *)", "Asia/Tokyo")


def test_job_name_defaults_to_the_construct_id_and_can_differ():
    assert make("nightly").job_name == "nightly"
    job = make("Nightly", job_name="nightly-report")
    assert job.job_name == "nightly-report"
    assert job.job_definition.node.default_child.job_definition_name == "nightly-report"


def test_warns_when_retry_rules_do_not_end_with_a_catch_all_exit():
    job = make(retry_rules=[RetryRule("RETRY", on_status_reason="Host EC2*")])
    Annotations.from_stack(Stack.of(job)).has_warning("/Test/nightly", Match.string_like_regexp("do not end with an EXIT"))


# --------------------------------------------------------------------------- validation at synth


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"job_name": "nightly report"}, "job_name must be 1-128 letters, digits, '-' and '_'.*got 'nightly report'"),
        ({"job_name": "x" * 129}, "job_name must be 1-128"),
        ({"schedule_name": "a" * 65}, "schedule_name must be 1-64 letters"),
        (
            {"schedule_name": "nightly/report"},
            "schedule_name must be 1-64 letters, digits, '-', '_' and '.', got 'nightly/report'",
        ),
        ({"timeout": Duration.seconds(30)}, "timeout must be at least 60 seconds \\(AWS Batch minimum\\), got 30"),
        ({"memory": Size.mebibytes(2)}, "memory must be at least 4 MiB \\(AWS Batch minimum\\), got 2 MiB"),
        ({"retry_attempts": 0}, "retry_attempts must be from 1 to 10, got 0"),
        ({"retry_attempts": 11}, "retry_attempts must be from 1 to 10, got 11"),
        (
            {"retry_rules": [RetryRule("RETRY", on_exit_code=str(n)) for n in range(6)]},
            "retry_rules may have at most 5 entries \\(AWS Batch limit\\), got 6",
        ),
        (
            {"retry_rules": [RetryRule("RETRY", on_status_reason="Host*EC2")]},
            "retry_rules\\[0\\]: on_status_reason must be up to 512 letters.*got 'Host\\*EC2'",
        ),
        (
            {"retry_rules": [RetryRule("RETRY", on_reason="Out of memory!")]},
            "retry_rules\\[0\\]: on_reason must be .*got 'Out of memory!'",
        ),
        (
            {"retry_rules": [RetryRule("EXIT", on_status_reason="x" * 513)]},
            "retry_rules\\[0\\]: on_status_reason must be up to 512",
        ),
        (
            {"retry_rules": [RetryRule("EXIT", on_exit_code="1x")]},
            "retry_rules\\[0\\]: on_exit_code must be digits, optionally ending in '\\*', got '1x'",
        ),
        ({"retry_rules": [RetryRule("RETRY")]}, "retry_rules\\[0\\] must set on_status_reason, on_reason or on_exit_code"),
        ({"retry_rules": [RetryRule("retry", on_exit_code="1")]}, "retry_rules\\[0\\].action must be 'RETRY' or 'EXIT'"),
        ({"environment": {"AWS_BATCH_JOB_ID": "x"}}, "environment variable 'AWS_BATCH_JOB_ID' is not allowed: .*reserved"),
        ({"secrets": {"AWS_BATCH_TOKEN": A_SECRET}}, "environment variable 'AWS_BATCH_TOKEN' is not allowed"),
        ({"parameters": {"scheduled_time": "now"}}, "parameters must not set 'scheduled_time'"),
        (
            {"schedule": "cron(0 3 * * ?)"},
            "schedule 'cron\\(0 3 \\* \\* \\?\\)' is not valid: a cron expression has six fields .*got 5",
        ),
        ({"schedule": "cron(0 3 1 * MON *)"}, "schedule .* is not valid: .*exactly one of day-of-month and day-of-week"),
        ({"schedule": "cron(0 3 ? * ? *)"}, "schedule .* is not valid: .*exactly one of day-of-month and day-of-week"),
        ({"schedule": "cron(60 3 * * ? *)"}, "schedule .* is not valid: minutes must be 0-59, got '60'"),
        ({"schedule": "cron(0 3 * FOO ? *)"}, "schedule .* is not valid: month must be 1-12 or a name, got 'FOO'"),
        ({"schedule": "rate(30 seconds)"}, "schedule 'rate\\(30 seconds\\)' is not valid: a rate must be at least one minute"),
        ({"schedule": "rate(0 minutes)"}, "schedule 'rate\\(0 minutes\\)' is not valid: a rate must be at least one minute"),
        (
            {"schedule": "every 3 hours"},
            "schedule 'every 3 hours' is not valid: expected 'rate\\(<value> <unit>\\)' or 'cron\\(<six fields>\\)'",
        ),
        ({"time_zone": "Asia/Tokio"}, "time_zone must be an IANA time zone name .*got 'Asia/Tokio'"),
        (
            {"fargate": True, "vcpus": 1, "memory": Size.mebibytes(1024)},
            "vcpus and memory must be a size Fargate offers: Fargate with 1 vCPU takes 2048-8192 MiB .*got 1024",
        ),
        (
            {"fargate": True, "vcpus": 3, "memory": Size.mebibytes(8192)},
            "vcpus and memory must be a size Fargate offers: Fargate vCPUs must be one of 0.25, 0.5, 1, 2, 4, 8, 16",
        ),
        ({"fargate": True, "memory": Size.mebibytes(2048), "gpus": 1}, "gpus are not available on Fargate"),
        ({"vcpus": 0.5}, "vcpus must be at least 1 on EC2, got 0.5"),
    ],
)
def test_rejects_values_aws_would_reject(props, message):
    with pytest.raises(ValueError, match=f"^ScheduledBatchJob 'nightly': {message}"):
        make(**props)


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(15 minutes)",
        "rate(1 day)",
        "cron(0/15 * * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 10 L * ? 2030)",
        "cron(0 8 ? * 6#3 *)",
        "cron(5,35 14 15W JAN,JUL ? *)",
        "cron(0 0 ? * 6L *)",
    ],
)
def test_accepts_what_eventbridge_scheduler_accepts(expression):
    assert make(schedule=expression).schedule_expression == expression


def test_readme_example_synthesizes_in_another_app():
    """The README's "In another CDK app" example runs as written."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### In another CDK app", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    job = namespace["job"]
    assert job.concurrency_policy is ConcurrencyPolicy.FORBID and job.time_zone == "Asia/Tokyo"
    template = Template.from_stack(namespace["stack"])
    template.has_resource_properties("AWS::Scheduler::Schedule", {"ScheduleExpression": "cron(30 2 * * ? *)"})
    template.has_resource_properties("AWS::Batch::JobDefinition", {"JobDefinitionName": "NightlyReport"})
