"""The functions BatchQueueMonitor runs, and what feeds them: built in the monitor's scope, with its ids.

- The gauge: ``lambdas/queue_metrics`` on an EventBridge Scheduler schedule every minute,
  counting the jobs of each watched queue by status (and posting them to Mackerel).
- The outcomes: ``lambdas/job_metrics`` reading ``Batch Job State Change`` events of
  SUCCEEDED and FAILED jobs from an SQS queue that an EventBridge rule fills.

Plain functions, not constructs: each adds its resources to the scope it is given, so
the monitor's construct paths (and the logical ids of its resources) stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import jsii
from aws_cdk import Duration, IStableStringProducer, Lazy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from batch_stack.functions import PythonFunction
from batch_stack.nag import acknowledge
from batch_stack.rules import DEFAULT_MACKEREL_BASE_URL, MACKEREL_SERVICE_PATTERN, MACKEREL_SERVICE_RULE
from batch_stack.tokens import is_unresolved


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

    def problem(self) -> str | None:
        """The first prop that breaks its rule, as ``<prop> must be ..., got ...``; None when all are fine."""
        if not is_unresolved(self.service) and not MACKEREL_SERVICE_PATTERN.match(self.service):
            return f"service must be {MACKEREL_SERVICE_RULE}, got {self.service!r}"
        if not is_unresolved(self.base_url) and not self.base_url.startswith("https://"):
            return f"base_url must start with https://, got {self.base_url!r}"
        return None


@jsii.implements(IStableStringProducer)
class _JoinedNames:
    """A comma-joined list that is read at synth, after every ``watch_queue`` call."""

    def __init__(self, names: list[str]) -> None:
        self._names = names

    def produce(self) -> str:
        return ",".join(self._names)


def gauge_function(
    scope: Construct, *, namespace: str, queue_names: list[str], mackerel: MackerelOptions | None
) -> PythonFunction:
    """Counts the jobs of ``queue_names`` (read at synth, so queues watched later count too)."""
    environment = {
        "JOB_QUEUES": Lazy.string(_JoinedNames(queue_names)),
        "POWERTOOLS_METRICS_NAMESPACE": namespace,
    }
    if mackerel is not None:
        environment.update(
            MACKEREL_SERVICE=mackerel.service,
            MACKEREL_API_KEY_SECRET=mackerel.api_key.secret_arn,
            MACKEREL_BASE_URL=mackerel.base_url,
        )
    function = PythonFunction(
        scope,
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
    if mackerel is not None:
        mackerel.api_key.grant_read(function)
    return function


def gauge_schedule(scope: Construct, function: PythonFunction) -> scheduler.Schedule:
    """Invokes the gauge every minute, with no retry: a late count is worth nothing."""
    # Our own role (not the stack-wide one LambdaInvoke would share), so the finding below is acknowledged here only.
    role = iam.Role(
        scope,
        "QueueMetricsScheduleRole",
        assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Stack.of(scope).account}}
        ),
    )
    schedule = scheduler.Schedule(
        scope,
        "QueueMetricsSchedule",
        schedule=scheduler.ScheduleExpression.rate(Duration.minutes(1)),
        target=scheduler_targets.LambdaInvoke(
            function,
            role=role,
            retry_attempts=0,  # a late count is worth nothing: the next minute counts again
            max_event_age=Duration.minutes(1),
        ),
        description="Counts AWS Batch jobs by status every minute",
    )
    stack = Stack.of(scope)
    function_id = stack.resolve(stack.get_logical_id(function.node.default_child))  # type: ignore[arg-type]
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::<{function_id}.Arn>:*]",
        "lambda:InvokeFunction as CDK grants it: the function and its versions/aliases (':*'), of this one function only.",
    )
    return schedule


def outcome_function(scope: Construct, *, namespace: str, queue: sqs.IQueue) -> PythonFunction:
    """Publishes job outcomes read from ``queue``, settling each record on its own."""
    function = PythonFunction(
        scope,
        "JobMetrics",
        package="job_metrics",
        description="Publishes AWS Batch job outcomes (succeeded, failed, run and wait seconds) as EMF metrics",
        environment={"POWERTOOLS_METRICS_NAMESPACE": namespace},
        timeout=Duration.seconds(30),
        memory_size=128,
    )
    function.add_event_source(
        event_sources.SqsEventSource(
            queue,
            batch_size=100,
            max_batching_window=Duration.seconds(30),
            # Each record's metrics are printed on their own, so only the records that
            # failed go back to SQS: a retry never counts an outcome already printed.
            report_batch_item_failures=True,
        )
    )
    return function


def outcome_rule(scope: Construct, *, queue: sqs.IQueue, dead_letter_queue: sqs.IQueue) -> events.Rule:
    """SUCCEEDED and FAILED jobs to ``queue``; the monitor adds a ``jobQueue`` pattern per watched queue."""
    rule = events.Rule(
        scope,
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
    rule.add_target(events_targets.SqsQueue(queue, dead_letter_queue=dead_letter_queue))
    return rule
