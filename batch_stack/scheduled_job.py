"""ScheduledBatchJob: a container job on AWS Batch and the EventBridge Scheduler schedule that submits it."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from aws_cdk import Annotations, Duration, RemovalPolicy, Size, Stack, TimeZone
from aws_cdk import aws_batch as batch
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from batch_stack.functions import PythonFunction
from batch_stack.job_checks import claim_job_name, plain_environment_problems, plain_value_problems, queue_problems
from batch_stack.monitor_metrics import DECISION_METRICS, DEFAULT_NAMESPACE, JOB_DIMENSION
from batch_stack.nag import acknowledge, finding_resource
from batch_stack.props import checked_props
from batch_stack.queues import encrypted_queue
from batch_stack.rules import (
    BATCH_NAME_PATTERN,
    BATCH_NAME_RULE,
    EC2_JOB_VCPUS,
    JOB_MEMORY_MIB,
    JOB_TIMEOUT_SECONDS,
    MAX_RETRY_RULES,
    RETRY_ATTEMPTS,
    SCHEDULED_TIME_PARAMETER,
    environment_name_problem,
    fargate_resources_problem,
    retry_pattern_problem,
    schedule_expression_problem,
    schedule_name_problem,
    time_zone_problem,
)
from batch_stack.tokens import is_unresolved

#: The value of :data:`SCHEDULED_TIME_PARAMETER` in the job definition: runs that no schedule started (``batchctl run``).
UNSCHEDULED_VALUE = "unscheduled"
#: The metric namespace of the submit function's decisions unless told otherwise.
DEFAULT_METRICS_NAMESPACE = DEFAULT_NAMESPACE


class ConcurrencyPolicy(enum.StrEnum):
    """What to do when the schedule fires while a previous run is still active (as a Kubernetes CronJob)."""

    #: Submit anyway. The schedule calls ``batch:SubmitJob`` itself; no Lambda.
    ALLOW = "ALLOW"
    #: Skip this run while a run of the same job is SUBMITTED, PENDING, RUNNABLE, STARTING or RUNNING.
    FORBID = "FORBID"
    #: Terminate the active runs (the reason names the new run), then submit.
    REPLACE = "REPLACE"


@dataclass(frozen=True)
class RetryRule:
    """One ``evaluateOnExit`` entry: RETRY or EXIT when a failed attempt matches every pattern given.

    Patterns are globs AWS Batch matches against the attempt: ``on_status_reason``
    (e.g. ``Host EC2*``), ``on_reason`` (the container's reason, e.g.
    ``CannotPullContainerError:*``) and ``on_exit_code`` (e.g. ``137``).
    """

    action: str
    on_status_reason: str | None = None
    on_reason: str | None = None
    on_exit_code: str | None = None

    def patterns(self) -> dict[str, str]:
        return {
            kind: value
            for kind, value in (
                ("on_status_reason", self.on_status_reason),
                ("on_reason", self.on_reason),
                ("on_exit_code", self.on_exit_code),
            )
            if value is not None
        }


#: Retry when the capacity went away (an EC2 Spot reclaim stops the attempt with ``Host EC2 (instance
#: i-...) terminated.``, a Fargate Spot interruption with ``Your Spot Task was interrupted.``) or the
#: image could not be pulled; stop on anything else. The final catch-all matters: when no entry
#: matches, AWS Batch retries. Four of the five entries AWS allows, so one is left for a job's own.
DEFAULT_RETRY_RULES: tuple[RetryRule, ...] = (
    RetryRule("RETRY", on_status_reason="Host EC2*"),
    RetryRule("RETRY", on_status_reason="Your Spot Task was interrupted*"),
    RetryRule("RETRY", on_reason="CannotPullContainerError:*"),
    RetryRule("EXIT", on_status_reason="*"),
)


class ScheduledBatchJob(Construct):
    """A container job on AWS Batch, submitted on a schedule by EventBridge Scheduler.

    Builds a job definition (its own log group, job role and execution role;
    secrets injected by ECS, never as plain values), a schedule, a dead-letter
    queue for submissions the schedule could not deliver, and, for the FORBID
    and REPLACE concurrency policies, a small function that decides and submits.

    Attributes for wiring: ``job_name``, ``job_queue``, ``job_definition``,
    ``job_role``, ``execution_role``, ``log_group``, ``schedule``,
    ``schedule_expression``, ``time_zone``, ``schedule_role``,
    ``dead_letter_queue``, ``concurrency_policy``, ``submit_function`` (None
    under ALLOW).
    """

    @checked_props("ScheduledBatchJob")
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        job_queue: batch.IJobQueue,
        image: ecs.ContainerImage,
        schedule: str | scheduler.ScheduleExpression,
        job_name: str | None = None,
        command: Sequence[str] | None = None,
        vcpus: float = 1,
        memory: Size | None = None,
        gpus: int | None = None,
        environment: Mapping[str, str] | None = None,
        allow_plain_environment: Sequence[str] | None = None,
        secrets: Mapping[str, batch.Secret] | None = None,
        parameters: Mapping[str, str] | None = None,
        timeout: Duration | None = None,
        retry_attempts: int = 3,
        retry_rules: Sequence[RetryRule] | None = None,
        fargate: bool = False,
        assign_public_ip: bool = True,
        job_role: iam.IRole | None = None,
        log_group: logs.ILogGroup | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        time_zone: str | TimeZone | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        flexible_window: Duration | None = None,
        enabled: bool = True,
        schedule_name: str | None = None,
        description: str | None = None,
        concurrency_policy: ConcurrencyPolicy | str = ConcurrencyPolicy.ALLOW,
        dead_letter_queue: sqs.IQueue | None = None,
        delivery_retry_attempts: int = 10,
        max_delivery_age: Duration | None = None,
        metrics_namespace: str = DEFAULT_METRICS_NAMESPACE,
    ) -> None:
        """
        :param job_queue: The queue runs are submitted to (e.g. ``BatchCluster.job_queue``).
        :param image: The container image: ``ecs.ContainerImage.from_registry("repo:tag")``,
            ``from_ecr_repository(repo, tag)`` or ``from_asset(directory)`` (built at deploy; synth needs no Docker).
        :param schedule: ``"rate(3 hours)"``, ``"cron(0 3 * * ? *)"`` or a ``ScheduleExpression``
            (whose own time zone then applies).
        :param job_name: Name of each run and of the job definition. Default: the construct id.
        :param command: The container's command; ``Ref::scheduled_time`` is replaced by the time the
            schedule fired. Default: the image's own.
        :param vcpus: vCPUs per run. Default: 1.
        :param memory: Memory per run. Default: 2 GiB.
        :param gpus: GPUs per run (EC2 only). Default: none.
        :param environment: Plain environment variables (never secrets: a value or a name that looks like a
            credential is refused, see ``rules.plain_credential_problem``). Default: none.
        :param allow_plain_environment: Names in ``environment`` that look like credentials but are not. Default: none.
        :param secrets: Environment variables filled by ECS from Secrets Manager or SSM
            (``batch.Secret.from_secrets_manager(secret, "field")``); the execution role may read them.
        :param parameters: Static job parameters, sent with every scheduled run, beside ``scheduled_time``.
        :param timeout: Limit of each attempt. Default: 1 hour (AWS's minimum is 60 seconds).
        :param retry_attempts: Attempts per run, 1-10. Default: 3.
        :param retry_rules: At most 5 ``evaluateOnExit`` rules. Default: :data:`DEFAULT_RETRY_RULES`
            (retry on ``Host EC2*``, ``Your Spot Task was interrupted*`` and
            ``CannotPullContainerError:*``, otherwise exit).
        :param fargate: Build a Fargate job definition (for a Fargate queue). Default: EC2.
        :param assign_public_ip: Fargate only: give the task a public IP so it can pull its image
            from public subnets without a NAT gateway (BatchCluster's default VPC). Default: true.
        :param job_role: Role the container runs as. Default: a new role with no permissions
            (grant on it, e.g. ``bucket.grant_read(job.job_role)``).
        :param log_group: Where the awslogs driver writes. Default: a new log group for this job.
        :param log_retention: Retention of the new log group. Default: one month.
        :param time_zone: IANA time zone of a cron schedule. Default: UTC.
        :param start: No run before this instant. Default: none.
        :param end: No run after this instant. Default: none.
        :param flexible_window: Let Scheduler start a run up to this late to spread load. Default: off.
        :param enabled: False suspends the schedule without deleting it. Default: true.
        :param schedule_name: Name of the schedule. Default: generated by CloudFormation.
        :param description: Description of the schedule. Default: none.
        :param concurrency_policy: ALLOW, FORBID or REPLACE. Default: ALLOW.
        :param dead_letter_queue: Where submissions that could not be delivered land. Default: a new
            encrypted, SSL-only queue keeping messages 14 days.
        :param delivery_retry_attempts: Scheduler's retries of a failed delivery, 0-185. Default: 10.
        :param max_delivery_age: Give up (to the dead-letter queue) after this long. Default: 1 hour.
        :param metrics_namespace: CloudWatch namespace of the submit function's decision metrics.
            Default: ``BatchJobs``.
        """
        super().__init__(scope, construct_id)
        self.job_queue = job_queue
        self.image = image
        self.job_name = job_name if job_name is not None else construct_id
        self.command = tuple(command) if command is not None else None
        self.vcpus = vcpus
        self.memory = memory or Size.mebibytes(2048)
        self.gpus = gpus
        self.environment = dict(environment or {})
        self.allow_plain_environment = tuple(allow_plain_environment or ())
        self.secrets = dict(secrets or {})
        self.parameters = dict(parameters or {})
        self.timeout = timeout or Duration.hours(1)
        self.retry_attempts = retry_attempts
        self.retry_rules = tuple(retry_rules) if retry_rules is not None else DEFAULT_RETRY_RULES
        self.fargate = fargate
        self.assign_public_ip = assign_public_ip
        self.log_retention = log_retention
        if isinstance(schedule, str):
            self.schedule_expression = schedule
            self.time_zone = _time_zone_name(time_zone) or "UTC"
        else:
            self.schedule_expression = schedule.expression_string
            self.time_zone = _time_zone_name(schedule.time_zone) or "UTC"
        self.start = start
        self.end = end
        self.flexible_window = flexible_window
        self.enabled = enabled
        self.schedule_name = schedule_name
        self.description = description
        self.concurrency_policy = ConcurrencyPolicy(concurrency_policy)
        self.delivery_retry_attempts = delivery_retry_attempts
        self.max_delivery_age = max_delivery_age or Duration.hours(1)
        self.metrics_namespace = metrics_namespace
        self._validate()

        self.log_group: logs.ILogGroup = log_group or self._build_log_group()
        self.job_role: iam.IRole = job_role or self._build_job_role()
        self.job_definition: batch.EcsJobDefinition = self._build_job_definition()
        self.execution_role: iam.IRole = self.job_definition.container.execution_role
        self.dead_letter_queue: sqs.IQueue = dead_letter_queue or self._build_dead_letter_queue()
        self.submit_function: PythonFunction | None = (
            self._build_submit_function() if self.concurrency_policy is not ConcurrencyPolicy.ALLOW else None
        )
        self.schedule_role: iam.Role = self._build_schedule_role()
        self.schedule: scheduler.Schedule = self._build_schedule()

    # ------------------------------------------------------------------ validation

    def _fail(self, message: str) -> None:
        raise ValueError(f"ScheduledBatchJob '{self.node.id}': {message}")

    def _validate(self) -> None:
        if not is_unresolved(self.job_name) and not BATCH_NAME_PATTERN.match(self.job_name):
            self._fail(f"job_name must be {BATCH_NAME_RULE}, got {self.job_name!r}")
        if self.schedule_name is not None and not is_unresolved(self.schedule_name):
            problem = schedule_name_problem(self.schedule_name)
            if problem:
                self._fail(f"schedule_name must be {problem}, got {self.schedule_name!r}")
        if not is_unresolved(self.schedule_expression):
            problem = schedule_expression_problem(self.schedule_expression)
            if problem:
                self._fail(f"schedule {self.schedule_expression!r} is not valid: {problem}")
        if not is_unresolved(self.time_zone):
            problem = time_zone_problem(self.time_zone)
            if problem:
                self._fail(f"time_zone must be {problem.removeprefix('expected ')}, got {self.time_zone!r}")
        seconds = self.timeout.to_seconds()
        if not is_unresolved(seconds) and seconds not in JOB_TIMEOUT_SECONDS:
            self._fail(f"timeout {JOB_TIMEOUT_SECONDS.problem(seconds)} (AWS Batch minimum), got {seconds:g}")
        memory_mib = self.memory.to_mebibytes()
        if not is_unresolved(memory_mib) and memory_mib not in JOB_MEMORY_MIB:
            self._fail(f"memory {JOB_MEMORY_MIB.problem(memory_mib)} (AWS Batch minimum), got {memory_mib:g} MiB")
        if not is_unresolved(self.retry_attempts) and self.retry_attempts not in RETRY_ATTEMPTS:
            self._fail(f"retry_attempts {RETRY_ATTEMPTS.problem(self.retry_attempts)}, got {self.retry_attempts}")
        self._validate_retry_rules()
        for problem in queue_problems(self.job_queue, self.fargate, self.gpus, self.assign_public_ip):
            self._fail(problem)
        if not is_unresolved(self.job_name):
            problem = claim_job_name(self, self.job_name)
            if problem:
                self._fail(problem)
        for name in (*self.environment, *self.secrets):
            problem = environment_name_problem(name)
            if problem:
                self._fail(f"environment variable {name!r} is not allowed: {problem}")
        for problem in (
            *plain_environment_problems(self, self.environment, self.allow_plain_environment),
            *plain_value_problems(self.parameters, self.command),
        ):
            self._fail(problem)
        if SCHEDULED_TIME_PARAMETER in self.parameters:
            self._fail(f"parameters must not set {SCHEDULED_TIME_PARAMETER!r}: the schedule fills it in")
        if not is_unresolved(self.vcpus):
            if self.fargate:
                if not is_unresolved(memory_mib):
                    problem = fargate_resources_problem(self.vcpus, int(memory_mib))
                    if problem:
                        self._fail(f"vcpus and memory must be a size Fargate offers: {problem}")
                if self.gpus and not is_unresolved(self.gpus):
                    self._fail(f"gpus are not available on Fargate, got {self.gpus}")
            elif self.vcpus not in EC2_JOB_VCPUS:
                self._fail(f"vcpus {EC2_JOB_VCPUS.problem(self.vcpus)} on EC2, got {self.vcpus:g}")

    def _validate_retry_rules(self) -> None:
        if len(self.retry_rules) > MAX_RETRY_RULES:
            self._fail(f"retry_rules may have at most {MAX_RETRY_RULES} entries (AWS Batch limit), got {len(self.retry_rules)}")
        for index, rule in enumerate(self.retry_rules):
            if rule.action not in ("RETRY", "EXIT"):
                self._fail(f"retry_rules[{index}].action must be 'RETRY' or 'EXIT', got {rule.action!r}")
            if not rule.patterns():
                self._fail(f"retry_rules[{index}] must set on_status_reason, on_reason or on_exit_code")
            for kind, pattern in rule.patterns().items():
                problem = retry_pattern_problem(kind, pattern)
                if problem:
                    self._fail(f"retry_rules[{index}]: {problem}")
        last = self.retry_rules[-1] if self.retry_rules else None
        if last is None or last.action != "EXIT" or "*" not in last.patterns().values():
            Annotations.of(self).add_warning_v2(
                "batch-jobs:retryRulesWithoutCatchAll",
                "retry_rules do not end with an EXIT on '*': AWS Batch retries attempts that match no rule.",
            )

    # ------------------------------------------------------------------ parts (override to customise)

    def _build_log_group(self) -> logs.LogGroup:
        return logs.LogGroup(self, "Logs", retention=self.log_retention, removal_policy=RemovalPolicy.DESTROY)

    def _build_job_role(self) -> iam.Role:
        return iam.Role(
            self,
            "JobRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description=f"Runs the containers of the AWS Batch job {self.job_name}",
        )

    def _container_props(self) -> dict:
        return {
            "image": self.image,
            "cpu": self.vcpus,
            "memory": self.memory,
            "command": list(self.command) if self.command is not None else None,
            "environment": self.environment or None,
            "secrets": self.secrets or None,
            "job_role": self.job_role,
            "logging": ecs.LogDriver.aws_logs(log_group=self.log_group, stream_prefix=self.job_name),
        }

    def _build_job_definition(self) -> batch.EcsJobDefinition:
        container: batch.IEcsContainerDefinition
        if self.fargate:
            container = batch.EcsFargateContainerDefinition(
                self, "Container", assign_public_ip=self.assign_public_ip, **self._container_props()
            )
        else:
            container = batch.EcsEc2ContainerDefinition(self, "Container", gpu=self.gpus or None, **self._container_props())
        if isinstance(self.image, (ecs.EcrImage, ecs.AssetImage)):
            acknowledge(
                container.execution_role,
                "AwsSolutions-IAM5[Resource::*]",
                "ecr:GetAuthorizationToken has no resource-level permission; "
                "the pull itself is limited to the image's repository.",
            )
        return batch.EcsJobDefinition(
            self,
            "Definition",
            job_definition_name=self.job_name,
            container=container,
            parameters={**self.parameters, SCHEDULED_TIME_PARAMETER: UNSCHEDULED_VALUE},
            timeout=self.timeout,
            retry_attempts=self.retry_attempts,
            retry_strategies=[_retry_strategy(rule) for rule in self.retry_rules],
        )

    def _build_dead_letter_queue(self) -> sqs.Queue:
        return encrypted_queue(self, "DeadLetterQueue", dead_letter_of="the job's schedule (and of its submit function)")

    def _build_submit_function(self) -> PythonFunction:
        function = PythonFunction(
            self,
            "Submit",
            package="submit_job",
            description=f"Submits {self.job_name} under its {self.concurrency_policy.value} concurrency policy",
            environment={
                "JOB_NAME": self.job_name,
                "JOB_QUEUE": self.job_queue.job_queue_arn,
                "JOB_DEFINITION": self.job_definition.job_definition_arn,
                "CONCURRENCY_POLICY": self.concurrency_policy.value,
                "POWERTOOLS_METRICS_NAMESPACE": self.metrics_namespace,
            },
        )
        # A decision that keeps failing (e.g. SubmitJob throttled) ends where undelivered schedules do.
        function.configure_async_invoke(retry_attempts=2, on_failure=destinations.SqsDestination(self.dead_letter_queue))
        self.grant_submit_job(function)
        function.add_to_role_policy(iam.PolicyStatement(actions=["batch:ListJobs"], resources=["*"]))
        reasons = {
            "AwsSolutions-IAM5[Resource::*]": "batch:ListJobs has no resource-level permission.",
            f"AwsSolutions-IAM5[Resource::{finding_resource(self, self.job_definition_arn_any_revision)}]": (
                "batch:SubmitJob is authorised on the job definition with its revision: every revision of this one definition."
            ),
        }
        if self.concurrency_policy is ConcurrencyPolicy.REPLACE:
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["batch:TerminateJob"],
                    resources=[self._any_job_arn],
                )
            )
            reasons[f"AwsSolutions-IAM5[Resource::{finding_resource(self, self._any_job_arn)}]"] = (
                "batch:TerminateJob is authorised on job ids, which exist only at run time; "
                "no condition key narrows it to a queue."
            )
        for finding, reason in reasons.items():
            acknowledge(function.role, finding, reason)
        return function

    def _build_schedule_role(self) -> iam.Role:
        stack = Stack.of(self)
        return iam.Role(
            self,
            "ScheduleRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": stack.account,
                        "aws:SourceArn": stack.format_arn(
                            service="scheduler", resource="schedule-group", resource_name="default"
                        ),
                    }
                },
            ),
            description=f"EventBridge Scheduler submitting the AWS Batch job {self.job_name}",
        )

    def _target_input(self) -> dict:
        """The per-run part of every submission: static parameters plus the time the schedule fired."""
        return {**self.parameters, SCHEDULED_TIME_PARAMETER: scheduler.ContextAttribute.scheduled_time}

    def _build_target(self) -> scheduler.IScheduleTarget:
        delivery = {
            "role": self.schedule_role,
            "dead_letter_queue": self.dead_letter_queue,
            "retry_attempts": self.delivery_retry_attempts,
            "max_event_age": self.max_delivery_age,
        }
        if self.submit_function is not None:
            stack = Stack.of(self)
            function_id = stack.resolve(stack.get_logical_id(self.submit_function.node.default_child))
            acknowledge(
                self.schedule_role,
                f"AwsSolutions-IAM5[Resource::<{function_id}.Arn>:*]",
                "lambda:InvokeFunction on this one function and its versions (CDK's grantInvoke adds ':*').",
            )
            return targets.LambdaInvoke(
                self.submit_function,
                input=scheduler.ScheduleTargetInput.from_object(
                    {"parameters": self._target_input(), "executionId": scheduler.ContextAttribute.execution_id}
                ),
                **delivery,
            )
        # ALLOW: the input is a SubmitJob request. Scheduler's universal targets take the SDK's
        # member names (JobName, not the wire's jobName), as Step Functions' aws-sdk integrations do.
        acknowledge(
            self.schedule_role,
            f"AwsSolutions-IAM5[Resource::{finding_resource(self, self.job_definition_arn_any_revision)}]",
            "batch:SubmitJob is authorised on the job definition with its revision: every revision of this one definition.",
        )
        return targets.Universal(
            service="batch",
            action="submitJob",
            policy_statements=[self._submit_job_statement()],
            input=scheduler.ScheduleTargetInput.from_object(
                {
                    "JobName": self.job_name,
                    "JobQueue": self.job_queue.job_queue_arn,
                    "JobDefinition": self.job_definition.job_definition_arn,
                    "Parameters": self._target_input(),
                }
            ),
            **delivery,
        )

    def _build_schedule(self) -> scheduler.Schedule:
        return scheduler.Schedule(
            self,
            "Schedule",
            schedule=scheduler.ScheduleExpression.expression(self.schedule_expression, TimeZone.of(self.time_zone)),
            target=self._build_target(),
            enabled=self.enabled,
            start=self.start,
            end=self.end,
            time_window=scheduler.TimeWindow.flexible(self.flexible_window) if self.flexible_window else None,
            schedule_name=self.schedule_name,
            description=self.description or f"Submits the AWS Batch job {self.job_name}",
        )

    # ------------------------------------------------------------------ grants and metrics

    def _submit_job_statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            actions=["batch:SubmitJob"],
            resources=[self.job_queue.job_queue_arn, self.job_definition_arn_any_revision],
        )

    @property
    def _any_job_arn(self) -> str:
        return Stack.of(self).format_arn(service="batch", resource="job", resource_name="*")

    @property
    def job_definition_arn_any_revision(self) -> str:
        """``arn:...:job-definition/<job_name>:*``: what ``batch:SubmitJob`` is authorised on."""
        return job_definition_arn_any_revision(self, self.job_name)

    def grant_submit_job(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``batch:SubmitJob`` of this job (any revision of its definition) to its queue, nothing wider."""
        statement = self._submit_job_statement()
        return iam.Grant.add_to_principal(grantee=grantee, actions=statement.actions, resource_arns=statement.resources)

    def grant_read_logs(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow reading this job's log group (GetLogEvents, FilterLogEvents, DescribeLogStreams, ...)."""
        return self.log_group.grant_read(grantee)

    def grant_terminate_job(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``batch:TerminateJob``. Job ids exist only at run time, so this covers every job of the account and region."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["batch:TerminateJob"],
            resource_arns=[self._any_job_arn],
        )

    def metric_decisions(self, action: str, **options) -> cloudwatch.Metric:
        """Count of the submit function's decisions of one kind: ``Submitted``, ``Skipped`` or ``Replaced``.

        Only FORBID and REPLACE jobs have a submit function; an ALLOW job emits nothing here.
        """
        if action not in DECISION_METRICS:
            allowed = ", ".join(repr(a) for a in DECISION_METRICS)
            self._fail(f"metric_decisions action must be one of {allowed}, got {action!r}")
        return cloudwatch.Metric(
            namespace=self.metrics_namespace,
            metric_name=action,
            dimensions_map={"service": "submit_job", JOB_DIMENSION: self.job_name},
            statistic="Sum",
            **options,
        )


def job_definition_arn_any_revision(scope: Construct, job_definition_name: str) -> str:
    """``arn:...:job-definition/<name>:*``: every revision of one job definition, and nothing else.

    ``batch:SubmitJob`` is authorised on the job-definition ARN with its revision.
    """
    return Stack.of(scope).format_arn(service="batch", resource="job-definition", resource_name=f"{job_definition_name}:*")


def _retry_strategy(rule: RetryRule) -> batch.RetryStrategy:
    return batch.RetryStrategy.of(
        batch.Action.RETRY if rule.action == "RETRY" else batch.Action.EXIT,
        batch.Reason.custom(on_status_reason=rule.on_status_reason, on_reason=rule.on_reason, on_exit_code=rule.on_exit_code),
    )


def _time_zone_name(time_zone: str | TimeZone | None) -> str | None:
    if time_zone is None or isinstance(time_zone, str):
        return time_zone
    return time_zone.timezone_name
