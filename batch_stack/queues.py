"""The SQS queues of this library, made one way: encrypted, SSL only, kept 14 days."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from batch_stack.nag import acknowledge

RETENTION = Duration.days(14)


def encrypted_queue(scope: Construct, construct_id: str, *, dead_letter_of: str | None = None, **props: Any) -> sqs.Queue:
    """An SQS queue with SQS-managed encryption that refuses requests without TLS, kept 14 days.

    SQS-managed keys rather than KMS: EventBridge and EventBridge Scheduler cannot send to a
    queue under the AWS-managed ``aws/sqs`` key. ``props`` go to :class:`aws_sqs.Queue`.

    :param dead_letter_of: What this queue catches when it is the dead-letter queue of something
        other than an SQS queue (a schedule, a rule target, an async Lambda): cdk-nag cannot see
        that use, so its finding that the queue has no dead-letter queue is acknowledged with this.
    """
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=props.pop("retention_period", RETENTION),
        **props,
    )
    if dead_letter_of:
        acknowledge(queue, "AwsSolutions-SQS3", f"This queue is itself the dead-letter queue of {dead_letter_of}.")
    return queue
