"""Lambda's SQS event source mappings, as the template configures them: the emulator is the poller.

Records are read in batches of up to ``BatchSize`` (the batching window closes when the queue has
nothing more to give), passed in Lambda's SQS event shape, and deleted when the function
succeeds. With ``ReportBatchItemFailures`` only the records it names stay; when it fails, all
stay. A record that stays is received again (its visibility timeout elapses at once here), and
after the queue's ``maxReceiveCount`` receives SQS moves it to the dead-letter queue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .runtime import Invocation
from .server import REGION

Clients = Callable[[str], Any]
#: SQS's most messages per ReceiveMessage.
_RECEIVE_MAX = 10


@dataclass
class Mapping_:
    """One event source mapping of the template, resolved."""

    logical_id: str
    queue_url: str
    queue_arn: str
    function: str
    batch_size: int
    window_seconds: int
    report_item_failures: bool
    invocations: list[Invocation] = field(default_factory=list)


def mappings_of(deployment: Any) -> list[Mapping_]:
    queues = {deployment.attribute(logical_id, "Arn"): logical_id for logical_id in deployment.resources("AWS::SQS::Queue")}
    found = []
    for logical_id, properties in deployment.resources("AWS::Lambda::EventSourceMapping").items():
        if "FilterCriteria" in properties:
            raise ValueError(f"{logical_id}: FilterCriteria: the emulator does not filter records")
        if not properties.get("Enabled", True):
            continue  # a disabled mapping reads nothing
        queue = queues.get(properties["EventSourceArn"])
        if queue is None:
            raise ValueError(f"{logical_id}: EventSourceArn {properties['EventSourceArn']} is not a queue of the stack")
        found.append(
            Mapping_(
                logical_id=logical_id,
                queue_url=deployment.ref(queue),
                queue_arn=properties["EventSourceArn"],
                function=properties["FunctionName"],
                batch_size=int(properties.get("BatchSize", 10)),
                window_seconds=int(properties.get("MaximumBatchingWindowInSeconds", 0)),
                report_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
            )
        )
    return found


def drain(mapping: Mapping_, clients: Clients, invoke: Callable[[str, Any], Invocation], max_rounds: int = 20) -> int:
    """Poll until the queue is empty (or ``max_rounds`` batches); returns how many records were processed for good."""
    sqs = clients("sqs")
    done = 0
    for _ in range(max_rounds):
        messages = _batch(sqs, mapping)
        if not messages:
            return done
        invocation = invoke(mapping.function, {"Records": [_record(message, mapping.queue_arn) for message in messages]})
        mapping.invocations.append(invocation)
        failed = _failed_ids(invocation, messages, mapping)
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=mapping.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=mapping.queue_url, ReceiptHandle=message["ReceiptHandle"])
                done += 1
    return done


def _batch(sqs: Any, mapping: Mapping_) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while len(messages) < mapping.batch_size:
        got = sqs.receive_message(
            QueueUrl=mapping.queue_url,
            MaxNumberOfMessages=min(_RECEIVE_MAX, mapping.batch_size - len(messages)),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not got:
            break
        messages.extend(got)
    return messages


def _failed_ids(invocation: Invocation, messages: list[dict[str, Any]], mapping: Mapping_) -> set[str]:
    every = {message["MessageId"] for message in messages}
    if invocation.error is not None:
        return every
    if not mapping.report_item_failures:
        return set()
    result = invocation.result
    if result is None or result == "":
        return set()  # no response: the batch succeeded
    failures = result.get("batchItemFailures") if isinstance(result, Mapping) else None
    if failures is None:
        return set()  # a response without the key succeeds, as Lambda's developer guide says
    if not isinstance(failures, list) or not all(isinstance(f, Mapping) for f in failures):
        return every  # an invalid response: the whole batch failed
    ids = {failure.get("itemIdentifier") for failure in failures}
    # Lambda treats an identifier that is empty, missing or not in the batch as the whole batch failing.
    return every if ids - every or None in ids or "" in ids else ids


def _record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """A record of Lambda's SQS event, as Lambda's developer guide shows it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324 (SQS's checksum)
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
