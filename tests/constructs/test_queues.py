"""The one way this library makes SQS queues: encrypted, SSL only, kept 14 days unless told."""

from __future__ import annotations

from aws_cdk import App, Duration, Stack
from aws_cdk.assertions import Template

from batch_stack.queues import RETENTION, encrypted_queue


def queue_properties(stack: Stack) -> dict:
    (queue,) = Template.from_stack(stack).find_resources("AWS::SQS::Queue").values()
    return queue["Properties"]


def test_a_queue_is_encrypted_by_sqs_and_kept_14_days():
    stack = Stack(App(), "Jobs")
    encrypted_queue(stack, "Queue")
    properties = queue_properties(stack)
    assert properties["SqsManagedSseEnabled"] is True
    assert properties["MessageRetentionPeriod"] == RETENTION.to_seconds() == 14 * 86400


def test_a_queue_refuses_requests_without_tls():
    stack = Stack(App(), "Jobs")
    encrypted_queue(stack, "Queue")
    (policy,) = Template.from_stack(stack).find_resources("AWS::SQS::QueuePolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_props_pass_through_and_retention_can_be_shorter():
    stack = Stack(App(), "Jobs")
    encrypted_queue(stack, "Queue", retention_period=Duration.days(4), visibility_timeout=Duration.minutes(3))
    properties = queue_properties(stack)
    assert (properties["MessageRetentionPeriod"], properties["VisibilityTimeout"]) == (4 * 86400, 180)


def test_a_dead_letter_queue_of_something_else_acknowledges_that_it_has_none():
    # cdk-nag cannot see that a schedule or a rule target uses the queue as its dead-letter queue.
    stack = Stack(App(), "Jobs")
    queue = encrypted_queue(stack, "Queue", dead_letter_of="the job's schedule")
    entries = [entry.data for entry in queue.node.metadata]
    assert "AwsSolutions-SQS3" in str(entries) and "the job's schedule" in str(entries)
