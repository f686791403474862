"""The emulator in one object: moto's server, the deployed stack, the Slack webhook, and the in-process functions.

    with Emulator.start(cdk_out, "GoActiveLearningBatch") as emulator:
        emulator.put_webhook_url()
        emulator.fire("JobtrainclassifierSchedule46B9964C", scheduled_time)
        ...

The e2e tests and ``make demo`` share it (``emulator.scenario`` is what both run).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import eventsources, schedules
from .deploy import Deployment, deploy
from .runtime import Invocation, per_thread_environment
from .server import ClientsAt, MotoServer
from .slack import SlackWebhook


@dataclass
class Emulator:
    server: MotoServer
    deployment: Deployment
    slack: SlackWebhook
    clients: ClientsAt
    mappings: list[eventsources.Mapping_] = field(default_factory=list)
    #: The on-failure records of asynchronous invocations that gave up, by destination.
    failed_async: list[tuple[str, Invocation]] = field(default_factory=list)

    @classmethod
    @contextlib.contextmanager
    def start(cls, cdk_out: Path, stack_name: str, template: Mapping[str, Any] | None = None) -> Iterator[Emulator]:
        """Start moto and the webhook, deploy the stack; on exit stop both (nothing stays running or listening)."""
        with MotoServer() as server, SlackWebhook() as slack, per_thread_environment():
            deployment = deploy(server, cdk_out, stack_name, template)
            emulator = cls(server, deployment, slack, ClientsAt(server))
            emulator.mappings = eventsources.mappings_of(deployment)
            yield emulator

    # --- the functions -------------------------------------------------------------------

    def runtime_environment(self) -> dict[str, str]:
        """What Lambda's runtime gives every function here: its region and credentials, and the stand-in endpoint."""
        return self.server.environment()

    def invoke(self, function: str, event: Any) -> Invocation:
        """A synchronous invocation (``RequestResponse``), as an event source mapping makes."""
        return self.deployment.function_by_arn(function).invoke(event, self.runtime_environment())

    def invoke_async(self, function: str, event: Any) -> Invocation:
        """An asynchronous invocation (``Event``), as Scheduler makes one: retried, then sent to the on-failure destination."""
        target = self.deployment.function_by_arn(function)
        config = self._invoke_config(target.name)
        attempts = 1 + int(config.get("MaximumRetryAttempts", 2))
        for _ in range(attempts):
            invocation = target.invoke(event, self.runtime_environment())
            if invocation.error is None:
                return invocation
        destination = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination:
            self._send_on_failure(destination, target.arn, event, invocation, attempts)
            self.failed_async.append((destination, invocation))
        return invocation

    def _invoke_config(self, name: str) -> dict[str, Any]:
        try:
            return self.clients("lambda").get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST")
        except self.clients("lambda").exceptions.ResourceNotFoundException:
            return {}

    def _send_on_failure(self, destination: str, function_arn: str, event: Any, invocation: Invocation, attempts: int) -> None:
        """The invocation record Lambda sends to an on-failure destination (its developer guide's shape)."""
        error_type, _, message = (invocation.error or "").partition(": ")
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"{function_arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorMessage": message or error_type, "errorType": error_type, "stackTrace": []},
        }
        if ":sqs:" not in destination:
            raise ValueError(f"on-failure destination {destination}: the emulator delivers to SQS queues only")
        url = self.clients("sqs").get_queue_url(QueueName=destination.rsplit(":", 1)[-1])["QueueUrl"]
        self.clients("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(record))

    def drain(self) -> dict[str, int]:
        """Let every event source mapping poll its queue until it is empty: records processed per mapping."""
        return {mapping.logical_id: eventsources.drain(mapping, self.clients, self.invoke) for mapping in self.mappings}

    # --- schedules, secrets, events ------------------------------------------------------

    def schedule_name(self, logical_id: str) -> str:
        return self.deployment.ref(logical_id)

    def fire(self, schedule_logical_id: str, scheduled_time: datetime) -> schedules.Firing:
        group = self.deployment.properties[schedule_logical_id].get("GroupName")
        return schedules.fire(self.clients, self.schedule_name(schedule_logical_id), scheduled_time, self.invoke_async, group)

    def put_webhook_url(self, secret_id: str | None = None) -> str:
        """What a user does after deploy: put the webhook URL (here the local one) in the stack's secret."""
        secret_id = secret_id or self.deployment.outputs["NotifierWebhookSecretArn"]
        self.clients("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=self.slack.url)
        return secret_id

    def put_event(self, event: Mapping[str, Any]) -> None:
        """Put an event on the default bus, as AWS Batch does (moto's EventBridge routes it by the rules)."""
        entry = {
            "Source": event["source"],
            "DetailType": event["detail-type"],
            "Detail": json.dumps(event["detail"]),
            "Resources": list(event.get("resources", [])),
        }
        response = self.clients("events").put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge refused the event: {response['Entries']}")

    def queue_depths(self) -> dict[str, int]:
        """Messages in each of the stack's queues (visible and in flight), by logical id."""
        depths = {}
        for logical_id in self.deployment.resources("AWS::SQS::Queue"):
            attributes = self.clients("sqs").get_queue_attributes(
                QueueUrl=self.deployment.ref(logical_id),
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            depths[logical_id] = int(attributes["ApproximateNumberOfMessages"]) + int(
                attributes["ApproximateNumberOfMessagesNotVisible"]
            )
        return depths

    def dead_letter_queues(self) -> list[str]:
        """The stack's queues that are some queue's, rule's, schedule's or invoke config's dead-letter queue or destination."""
        arns = {
            self.deployment.attribute(logical_id, "Arn"): logical_id
            for logical_id in self.deployment.resources("AWS::SQS::Queue")
        }
        text = json.dumps(
            {
                logical_id: properties
                for logical_id, properties in self.deployment.properties.items()
                if self.deployment.template["Resources"][logical_id]["Type"]
                in ("AWS::SQS::Queue", "AWS::Events::Rule", "AWS::Scheduler::Schedule", "AWS::Lambda::EventInvokeConfig")
            }
        )
        used = set()
        for key in ('"deadLetterTargetArn": ', '"DeadLetterConfig": {"Arn": ', '"Destination": '):
            for arn, logical_id in arns.items():
                if f"{key}{json.dumps(arn)}" in text:
                    used.add(logical_id)
        return sorted(used)
