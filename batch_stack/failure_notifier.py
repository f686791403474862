"""BatchFailureNotifier: failed jobs, blocked queues and this app's alarms reach Slack once, and none is lost."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_batch as batch
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from batch_stack.functions import PythonFunction
from batch_stack.nag import acknowledge
from batch_stack.props import checked_props
from batch_stack.queues import encrypted_queue
from batch_stack.rules import JOB_EVENT_STATUSES, LOG_LINES, MAX_CONCURRENCY, time_zone_problem
from batch_stack.tokens import is_unresolved

JOB_STATE_CHANGE = "Batch Job State Change"
QUEUE_BLOCKED = "Batch Job Queue Blocked"
ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"

#: Lambda timeout: room for a few Retry-After waits at Slack's pace.
FUNCTION_TIMEOUT = Duration.seconds(60)
#: Receives before a message moves to the dead-letter queue.
MAX_RECEIVE_COUNT = 5
#: How long the source queue keeps an event; its dead-letter queue keeps 14 days (SQS's longest).
SOURCE_RETENTION = Duration.days(4)


class BatchFailureNotifier(Construct):
    """Posts AWS Batch job failures (and, on request, other statuses) to a Slack incoming webhook.

    The path: an EventBridge rule → an SQS queue (encrypted, SSL only, 4 days' retention,
    a dead-letter queue with 14 days' after 5 receives) → a Lambda function reading batches
    of up to 100 events over about 20 seconds → one Slack post per batch, paced to
    Slack's one message a second (each of the ``max_concurrency`` containers posts at
    most once every 1.1 × ``max_concurrency`` seconds). A post Slack does not take
    hands every record of its batch back to SQS (partial batch response); after 5
    receives they rest in the dead-letter queue, and an alarm says so.

    The rule matches, for the given queues: ``Batch Job State Change`` with one of
    ``statuses`` (array children excluded unless asked for: the parent reports the
    array once), ``Batch Job Queue Blocked``, and ``CloudWatch Alarm State Change``
    into ALARM (and back to OK from ALARM) of alarms whose names start with
    ``alarm_name_prefix``.

    The webhook URL lives only in a Secrets Manager secret, read at run time. The
    secret is created empty unless one is given; put the URL in it after deploy.

    Attributes: ``queue``, ``dead_letter_queue``, ``rule_dead_letter_queue``,
    ``function``, ``rule``, ``webhook_secret``, ``alarms``, ``log_groups``.
    """

    @checked_props("BatchFailureNotifier")
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        job_queues: Sequence[batch.IJobQueue],
        webhook_secret: secretsmanager.ISecret | None = None,
        statuses: Sequence[str] = ("FAILED",),
        include_array_children: bool = False,
        alarm_name_prefix: str | None = None,
        log_groups: Sequence[logs.ILogGroup] = (),
        time_zone: str = "UTC",
        log_lines: int = 10,
        max_concurrency: int = 2,
        batch_size: int = 100,
        max_batching_window: Duration | None = None,
        max_message_age: Duration | None = None,
    ) -> None:
        """
        :param job_queues: The queues whose jobs are reported (at least one).
        :param webhook_secret: A secret whose string value is the Slack webhook URL.
            Default: a new, empty secret (``webhook_secret``) to fill after deploy.
        :param statuses: Job statuses to report. Default: FAILED only. Add SUCCEEDED for
            success messages.
        :param include_array_children: Also report each child of an array job.
            Default: false (the array parent's own event reports the array once).
        :param alarm_name_prefix: Alarms whose names start with this reach Slack by the
            same path; this construct's own alarms are named with it too.
            Default: ``"<stack name>-"``.
        :param log_groups: Log groups of the jobs, whose last lines the messages show
            (``logs:GetLogEvents`` on these groups only). Add more with :meth:`add_log_group`.
            Default: none.
        :param time_zone: IANA time zone of start and stop times. Default: UTC.
        :param log_lines: Last log lines shown per job in detail, 0 to 50. Default: 10.
        :param max_concurrency: Most concurrent invocations, through the SQS event
            source's maximum concurrency (2 to 1000), not reserved concurrency: throttled
            batches would count as receives and drain unprocessed into the dead-letter queue.
            Default: 2.
        :param batch_size: Most events in one batch, hence in one Slack post. Default: 100.
        :param max_batching_window: How long SQS gathers a batch. Default: 20 seconds.
        :param max_message_age: Age of the oldest queued event that raises an alarm.
            Default: 10 minutes.
        """
        super().__init__(scope, construct_id)
        self.job_queues = list(job_queues)
        self.statuses = tuple(statuses)
        self.include_array_children = include_array_children
        self.alarm_name_prefix = alarm_name_prefix if alarm_name_prefix is not None else f"{Stack.of(self).stack_name}-"
        self.time_zone = time_zone
        self.log_lines = log_lines
        self.max_concurrency = max_concurrency
        self.batch_size = batch_size
        self.max_batching_window = max_batching_window or Duration.seconds(20)
        self.max_message_age = max_message_age or Duration.minutes(10)
        self._validate()

        self.webhook_secret: secretsmanager.ISecret = webhook_secret or self._build_webhook_secret()
        self.dead_letter_queue: sqs.Queue = self._build_dead_letter_queue()
        self.queue: sqs.Queue = self._build_queue()
        self.function: PythonFunction = self._build_function()
        self.rule_dead_letter_queue: sqs.Queue = self._build_rule_dead_letter_queue()
        self.rule: events.Rule = self._build_rule()
        self.alarms: list[cloudwatch.Alarm] = self._build_alarms()
        self.log_groups: list[logs.ILogGroup] = []
        for log_group in log_groups:
            self.add_log_group(log_group)

    # ------------------------------------------------------------------ public

    def add_log_group(self, log_group: logs.ILogGroup) -> None:
        """Let the function read the last lines of jobs' logs in ``log_group`` (GetLogEvents on it only).

        Nothing is granted while ``log_lines`` is 0. Adding the same group twice grants once.
        """
        if any(existing is log_group for existing in self.log_groups):
            return
        self.log_groups.append(log_group)
        if self.log_lines > 0:
            log_group.grant(self.function, "logs:GetLogEvents")

    @property
    def event_pattern(self) -> dict:
        """The rule's event pattern (with tokens for the queue ARNs)."""
        job_change_detail: dict = {"jobQueue": self._queue_arns(), "status": list(self.statuses)}
        if not self.include_array_children:
            job_change_detail["arrayProperties"] = {"index": [{"exists": False}]}
        alarm_name = [{"prefix": self.alarm_name_prefix}]
        return {
            "source": ["aws.batch", "aws.cloudwatch"],
            "detail-type": [JOB_STATE_CHANGE, QUEUE_BLOCKED, ALARM_STATE_CHANGE],
            "$or": [
                {"detail-type": [JOB_STATE_CHANGE], "detail": job_change_detail},
                {"detail-type": [QUEUE_BLOCKED], "detail": {"jobQueue": self._queue_arns()}},
                {
                    "detail-type": [ALARM_STATE_CHANGE],
                    "detail": {"alarmName": alarm_name, "state": {"value": ["ALARM"]}},
                },
                {
                    "detail-type": [ALARM_STATE_CHANGE],
                    "detail": {"alarmName": alarm_name, "state": {"value": ["OK"]}, "previousState": {"value": ["ALARM"]}},
                },
            ],
        }

    # ------------------------------------------------------------------ validation

    def _fail(self, message: str) -> None:
        raise ValueError(f"BatchFailureNotifier '{self.node.id}': {message}")

    def _validate(self) -> None:
        if not self.job_queues:
            self._fail("job_queues must name at least one job queue, got []")
        unknown = [s for s in self.statuses if s not in JOB_EVENT_STATUSES]
        if not self.statuses or unknown or len(set(self.statuses)) != len(self.statuses):
            self._fail(f"statuses must be distinct values from {', '.join(JOB_EVENT_STATUSES)}, got {list(self.statuses)}")
        problem = None if is_unresolved(self.time_zone) else time_zone_problem(self.time_zone)
        if problem:
            self._fail(f"time_zone must be an IANA time zone name ({problem}), got {self.time_zone!r}")
        if not is_unresolved(self.log_lines) and self.log_lines not in LOG_LINES:
            self._fail(f"log_lines {LOG_LINES.problem(self.log_lines)}, got {self.log_lines}")
        if not is_unresolved(self.max_concurrency) and self.max_concurrency not in MAX_CONCURRENCY:
            self._fail(
                f"max_concurrency {MAX_CONCURRENCY.problem(self.max_concurrency)} (the SQS event source's range), "
                f"got {self.max_concurrency}"
            )
        if not is_unresolved(self.batch_size) and not 1 <= self.batch_size <= 10_000:
            self._fail(f"batch_size must be from 1 to 10000, got {self.batch_size}")
        window = self.max_batching_window.to_seconds()
        if not is_unresolved(window) and not 0 <= window <= 300:
            self._fail(f"max_batching_window must be from 0 to 300 seconds, got {window} seconds")
        if not is_unresolved(self.batch_size) and self.batch_size > 10 and not is_unresolved(window) and window < 1:
            self._fail(f"max_batching_window must be at least 1 second when batch_size is above 10, got {window} seconds")
        age = self.max_message_age.to_seconds()
        if not is_unresolved(age) and age < 60:
            self._fail(f"max_message_age must be at least 60 seconds, got {age} seconds")
        if not is_unresolved(self.alarm_name_prefix) and not self.alarm_name_prefix.strip():
            self._fail(f"alarm_name_prefix must not be empty, got {self.alarm_name_prefix!r}")

    # ------------------------------------------------------------------ parts (override to customise)

    def _build_webhook_secret(self) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            "WebhookSecret",
            description="Slack incoming webhook URL of the AWS Batch failure notifier (put the URL in after deploy)",
        )
        # No generated value: the secret starts empty, so nothing but the real URL is ever in it.
        secret.node.default_child.add_property_deletion_override("GenerateSecretString")  # type: ignore[union-attr]
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "A Slack incoming webhook URL is issued by Slack and cannot be rotated by a Lambda; "
            "replace it in Slack and put the new URL in this secret.",
        )
        return secret

    def _build_dead_letter_queue(self) -> sqs.Queue:
        return encrypted_queue(self, "DeadLetterQueue")

    def _build_queue(self) -> sqs.Queue:
        # AWS: at least six times the function timeout, plus the batching window.
        visibility = Duration.seconds(6 * FUNCTION_TIMEOUT.to_seconds() + self.max_batching_window.to_seconds())
        return encrypted_queue(
            self,
            "Queue",
            # A message moved to the dead-letter queue keeps its first enqueue time, and SQS
            # expires it by that: 4 days here leave it at least 10 of the DLQ's 14.
            retention_period=SOURCE_RETENTION,
            visibility_timeout=visibility,
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letter_queue, max_receive_count=MAX_RECEIVE_COUNT),
        )

    def _build_function(self) -> PythonFunction:
        function = PythonFunction(
            self,
            "Function",
            package="notify_slack",
            description="Posts AWS Batch failures, blocked queues and alarms to Slack, one message per batch",
            environment={
                "WEBHOOK_SECRET_ID": self.webhook_secret.secret_arn,
                "TIME_ZONE": self.time_zone,
                "LOG_LINES": str(self.log_lines),
                "POST_INTERVAL_SECONDS": self._post_interval(),
            },
            timeout=FUNCTION_TIMEOUT,
            memory_size=256,
        )
        self.webhook_secret.grant_read(function)
        function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=self.batch_size,
                max_batching_window=self.max_batching_window,
                report_batch_item_failures=True,
                max_concurrency=self.max_concurrency,
            )
        )
        return function

    def _build_rule_dead_letter_queue(self) -> sqs.Queue:
        queue = encrypted_queue(
            self,
            "RuleDeadLetterQueue",
            dead_letter_of="the EventBridge rule's target (events EventBridge could not deliver to the notifier's "
            "queue); it has an alarm on any message",
        )
        return queue

    def _build_rule(self) -> events.Rule:
        rule = events.Rule(
            self,
            "Rule",
            description="AWS Batch failures, blocked queues and this app's alarms, to the Slack notifier's queue",
            event_pattern=events.EventPattern(source=["aws.batch", "aws.cloudwatch"]),
            targets=[
                targets.SqsQueue(
                    self.queue,
                    dead_letter_queue=self.rule_dead_letter_queue,
                    retry_attempts=185,
                    max_event_age=Duration.hours(24),
                )
            ],
        )
        # EventBridge's "$or" has no typed field in EventPattern: set the whole pattern on the L1.
        rule.node.default_child.add_property_override("EventPattern", self.event_pattern)  # type: ignore[union-attr]
        return rule

    def _build_alarms(self) -> list[cloudwatch.Alarm]:
        name = f"{self.alarm_name_prefix}{self.node.id}"
        one_minute = Duration.minutes(1)
        specs = [
            (
                "DeadLettersAlarm",
                "dead-letters",
                self.dead_letter_queue.metric_approximate_number_of_messages_visible(period=one_minute, statistic="Maximum"),
                1,
                "Slack notifications gave up after 5 tries and wait in the dead-letter queue (redrive them once Slack works)",
            ),
            (
                "RuleDeadLettersAlarm",
                "rule-dead-letters",
                self.rule_dead_letter_queue.metric_approximate_number_of_messages_visible(period=one_minute, statistic="Maximum"),
                1,
                "EventBridge could not deliver events to the notifier's queue",
            ),
            (
                "OldestMessageAlarm",
                "oldest-message-age",
                self.queue.metric_approximate_age_of_oldest_message(period=one_minute, statistic="Maximum"),
                self.max_message_age.to_seconds(),
                "Events wait too long for the Slack notifier (Slack failing or rate limiting, or the function failing)",
            ),
            (
                "ErrorsAlarm",
                "function-errors",
                self.function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
                1,
                "The Slack notifier's function failed (e.g. the webhook secret is empty or unreadable)",
            ),
        ]
        return [
            cloudwatch.Alarm(
                self,
                construct_id,
                alarm_name=f"{name}-{suffix}",
                alarm_description=description,
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            for construct_id, suffix, metric, threshold, description in specs
        ]

    def _post_interval(self) -> str:
        """Seconds between two posts of one container: all ``max_concurrency`` of them together stay
        under Slack's one message a second, with a tenth to spare for timing noise."""
        if is_unresolved(self.max_concurrency):
            return Token.as_string(self.max_concurrency)
        return f"{1.1 * self.max_concurrency:g}"

    def _queue_arns(self) -> list[str]:
        return [queue.job_queue_arn for queue in self.job_queues]
