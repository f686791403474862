"""The event source mapping poller against moto's SQS: batches, partial batch responses, and the redrive to the DLQ."""

from __future__ import annotations

import json

import pytest

from emulator import eventsources
from emulator.runtime import Invocation
from emulator.server import MotoServer


@pytest.fixture(scope="module")
def server():
    with MotoServer() as server:
        yield server


@pytest.fixture
def queue(server, request):
    name = request.node.name.split("[")[0][-40:] + str(abs(hash(request.node.name)) % 10_000)
    sqs = server.client("sqs")
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    yield server, sqs, url, arn, dlq


def _mapping(url: str, arn: str, batch_size: int = 10, report: bool = True) -> eventsources.Mapping_:
    return eventsources.Mapping_("Esm", url, arn, "fn", batch_size, 0, report)


def _depth(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_records_come_in_batches_of_the_mappings_size_in_lambdas_sqs_shape(queue):
    server, sqs, url, arn, _ = queue
    for i in range(25):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": i}))
    seen = []

    def invoke(function, event):
        seen.append(event["Records"])
        return Invocation(function, event, result={"batchItemFailures": []})

    assert eventsources.drain(_mapping(url, arn, batch_size=12), server.client, invoke) == 25
    assert [len(batch) for batch in seen] == [12, 12, 1]
    record = seen[0][0]
    # Lambda's developer guide, "Using Lambda with Amazon SQS": the record's keys.
    keys = "messageId receiptHandle body attributes messageAttributes md5OfBody eventSource eventSourceARN awsRegion"
    assert set(record) == set(keys.split())
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert "ApproximateReceiveCount" in record["attributes"]
    assert _depth(sqs, url) == 0


def test_only_the_records_the_function_names_are_delivered_again(queue):
    server, sqs, url, arn, dlq = queue
    for body in ("ok", "bad"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    deliveries = []

    def invoke(function, event):
        deliveries.append(sorted(r["body"] for r in event["Records"]))
        failed = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]
        return Invocation(function, event, result={"batchItemFailures": failed})

    eventsources.drain(_mapping(url, arn), server.client, invoke)
    assert deliveries[0] == ["bad", "ok"]
    assert set(map(tuple, deliveries[1:])) == {("bad",)}
    assert len(deliveries) == 3  # maxReceiveCount 3, then SQS moves it
    assert _depth(sqs, dlq) == 1 and sqs.receive_message(QueueUrl=dlq)["Messages"][0]["Body"] == "bad"


@pytest.mark.parametrize(
    ("result", "error"),
    [
        (None, "WebhookSecretError: WEBHOOK_SECRET_ID is not set"),  # the function failed: the whole batch again
        ({"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]}, None),  # Lambda: an unknown id fails the batch
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, None),
    ],
)
def test_a_failed_function_or_an_invalid_failure_report_redelivers_the_whole_batch(queue, result, error):
    server, sqs, url, arn, dlq = queue
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b")

    def invoke(function, event):
        return Invocation(function, event, result=result, error=error)

    assert eventsources.drain(_mapping(url, arn), server.client, invoke) == 0
    assert _depth(sqs, dlq) == 2


def test_without_report_batch_item_failures_a_returned_list_is_ignored(queue):
    server, sqs, url, arn, _ = queue
    sqs.send_message(QueueUrl=url, MessageBody="a")

    def invoke(function, event):
        return Invocation(function, event, result={"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]})

    assert eventsources.drain(_mapping(url, arn, report=False), server.client, invoke) == 1


@pytest.mark.parametrize(
    ("result", "failed"),
    [
        (None, set()),  # no response: the batch succeeded
        ({"statusCode": 200}, set()),  # no batchItemFailures key: succeeded
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": "m1"}, {"m1", "m2"}),  # Lambda's developer guide: an invalid response fails the batch
        ({"batchItemFailures": ["m1"]}, {"m1", "m2"}),
        ({"batchItemFailures": [{"itemIdentifier": "m1"}]}, {"m1"}),
        ({"batchItemFailures": [{"id": "m1"}]}, {"m1", "m2"}),  # no itemIdentifier
    ],
)
def test_a_partial_batch_response_is_read_as_lambda_reads_it(result, failed):
    messages = [{"MessageId": "m1"}, {"MessageId": "m2"}]
    invocation = Invocation("fn", {}, result=result)
    assert eventsources._failed_ids(invocation, messages, _mapping("url", "arn")) == failed


class _Deployment:
    """What mappings_of reads of a deployment: one queue, one mapping with ``properties``."""

    def __init__(self, properties):
        self.properties = {"Esm": {"EventSourceArn": "arn:queue", "FunctionName": "fn", **properties}}

    def resources(self, kind):
        return {"Q": {}} if kind == "AWS::SQS::Queue" else self.properties

    def attribute(self, logical_id, name):
        return "arn:queue"

    def ref(self, logical_id):
        return "http://queue"


def test_a_disabled_mapping_reads_nothing_and_a_filter_is_refused():
    assert [m.logical_id for m in eventsources.mappings_of(_Deployment({}))] == ["Esm"]
    assert eventsources.mappings_of(_Deployment({"Enabled": False})) == []
    with pytest.raises(ValueError, match="Esm: FilterCriteria: the emulator does not filter records"):
        eventsources.mappings_of(_Deployment({"FilterCriteria": {"Filters": []}}))
