"""notify_slack.handler: SQS deliveries in, one Slack post each, failures handed back to SQS, settings and the secret.

From a burst of 1,000 failures to a job failed in moto's Batch by exactly what the default app's schedule submits.
"""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest
from moto import mock_aws
from moto.events.models import EventPattern

from batch_stack_lambdas.notify_slack import handler as notify_slack
from tests.fake_batch import submit_job_kwargs
from tests.lambdas.conftest import event
from tests.lambdas.notify_slack.conftest import (
    SECRET_NAME,
    accounted,
    failed_job,
    failures,
    ids,
    invoke,
    logged,
    records,
    stated_total,
    text,
)


def test_times_are_shown_in_the_configured_time_zone(aws, webhook, clock, monkeypatch):
    monkeypatch.setenv("TIME_ZONE", "Asia/Tokyo")
    invoke(records(event("job_ec2_failed")), clock)
    assert "started 2024-05-01 12:00:00 JST · stopped 2024-05-01 12:05:09 JST · ran 5m 09s" in text(webhook.posts[0])


def test_times_default_to_utc(aws, webhook, clock):
    invoke(records(event("job_ec2_failed")), clock)
    assert "started 2024-05-01 03:00:00 UTC" in text(webhook.posts[0])


# --------------------------------------------------------------------------- Slack's answers


def test_200_acknowledges_every_record(aws, webhook, clock):
    assert invoke(records(event("job_ec2_failed"), event("alarm")), clock) == {"batchItemFailures": []}
    assert len(webhook.posts) == 1


def test_500_hands_every_record_back(aws, webhook, clock):
    webhook.default = (500, {}, "internal_error")
    items = records(event("job_ec2_failed"), event("alarm"))
    assert failures(invoke(items, clock)) == ids(items)


def test_400_invalid_payload_is_logged_and_handed_back(aws, webhook, clock, caplog):
    webhook.default = (400, {}, "invalid_payload")
    items = records(event("job_ec2_failed"))
    assert failures(invoke(items, clock)) == ids(items)
    assert "HTTP 400: invalid_payload" in logged(caplog)


def test_post_interval_follows_the_configured_concurrency(aws, webhook, clock, monkeypatch):
    monkeypatch.setenv("POST_INTERVAL_SECONDS", "2.2")
    invoke(records(event("job_ec2_failed")), clock)
    invoke(records(event("alarm")), clock)
    assert clock.sleeps == [pytest.approx(2.2)]


# --------------------------------------------------------------------------- the secret


def test_webhook_url_is_read_from_the_secret_and_cached(aws, webhook, clock):
    invoke(records(event("job_ec2_failed")), clock)
    aws.put_secret_value(SecretId=SECRET_NAME, SecretString="http://127.0.0.1:9/elsewhere")
    response = invoke(records(event("alarm")), clock)
    assert failures(response) == []
    assert len(webhook.posts) == 2
    assert notify_slack.SECRET_MAX_AGE_SECONDS == 300


def test_webhook_url_is_never_logged(aws, webhook, clock, caplog, capsys):
    webhook.default = (500, {}, "internal_error")
    invoke(records(event("job_ec2_failed"), "not json", raw=True), clock)
    webhook.default = (400, {}, "no_service")
    invoke(records(event("alarm")), clock)
    output = capsys.readouterr()
    assert "internal_error" in logged(caplog) and "no_service" in logged(caplog)
    assert "secret-token" not in logged(caplog) + output.out + output.err


def test_an_empty_secret_fails_the_invocation_with_a_clear_error(aws, webhook, clock):
    name = f"empty-webhook-{uuid.uuid4().hex[:8]}"
    aws.create_secret(Name=name)  # created without a value, as the construct does
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEBHOOK_SECRET_ID", name)
        with pytest.raises(notify_slack.WebhookSecretError, match="put the Slack webhook URL in it"):
            invoke(records(event("job_ec2_failed")), clock)
    assert webhook.posts == []


# --------------------------------------------------------------------------- through SQS


def new_queue() -> tuple[object, str]:
    sqs = boto3.client("sqs")
    return sqs, sqs.create_queue(QueueName=f"notifier-{uuid.uuid4().hex[:12]}")["QueueUrl"]


def deliver(sqs, queue_url: str, bodies: list[dict], batch_size: int = 100) -> list[list[dict]]:
    """Send events to a (moto) SQS queue and receive them as Lambda's SQS batches."""
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": json.dumps(body)} for i, body in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    received: list[dict] = []
    while len(received) < len(bodies):
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300, AttributeNames=["All"]
        ).get("Messages", [])
        assert messages, "the queue ran dry early"
        received += messages
    lambda_records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:notifier",
            "awsRegion": "us-east-1",
        }
        for m in received
    ]
    return [lambda_records[i : i + batch_size] for i in range(0, len(lambda_records), batch_size)]


def test_burst_of_1000_failures_in_10_batches_gives_at_most_10_posts(aws, webhook, clock):
    # Built directly in Lambda's SQS record format: moto's SQS takes seconds per hundred messages.
    events = records(*[failed_job(i) for i in range(1000)])
    batches = [events[start : start + 100] for start in range(0, 1000, 100)]
    responses = [invoke(batch, clock) for batch in batches]
    assert all(response == {"batchItemFailures": []} for response in responses)
    assert len(webhook.posts) <= 10
    assert sum(stated_total(post) for post in webhook.posts) == 1000
    names: list[str] = []
    for post in webhook.posts:
        detailed, grouped, seen = accounted(post)
        assert detailed + grouped == stated_total(post)
        names += seen
    assert sorted(names) == [f"job-{i:04d}" for i in range(1000)]
    assert clock.sleeps == [1.0] * (len(webhook.posts) - 1)


def test_outage_hands_every_record_back_and_acknowledges_nothing(aws, webhook, clock):
    webhook.default = (500, {}, "internal_error")
    sqs, queue_url = new_queue()
    batches = deliver(sqs, queue_url, [failed_job(i) for i in range(30)], batch_size=10)
    for batch in batches:
        failed = failures(invoke(batch, clock))
        assert sorted(failed) == sorted(ids(batch))
        # What the event source mapping does: delete only the records not reported as failures.
        acknowledged = [r for r in batch if r["messageId"] not in failed]
        for record in acknowledged:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "30"
    assert len(webhook.posts) == len(batches) == 3


def test_end_to_end_from_a_failed_batch_job_to_the_slack_post(aws, webhook, clock, default_app, monkeypatch):
    """Send what the default app's update_recommendation schedule sends, let moto fail the job, follow it to Slack."""
    monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")
    with mock_aws(config={"batch": {"use_docker": False}}):
        job = _fail_the_scheduled_job_in_moto_batch(default_app)
    state_change = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Batch Job State Change",
        "source": "aws.batch",
        "account": "123456789012",
        "time": "2024-05-01T03:05:09Z",
        "region": "us-east-1",
        "resources": [job["jobArn"]],
        "detail": job,
    }
    assert EventPattern.load(json.dumps(_default_app_pattern(default_app, job["jobQueue"]))).matches_event(state_change)

    sqs, queue_url = new_queue()
    (batch,) = deliver(sqs, queue_url, [state_change])
    assert invoke(batch, clock) == {"batchItemFailures": []}
    (post,) = webhook.posts
    body = text(post)
    assert f"#jobs/detail/{job['jobId']}|update_recommendation>* `FAILED`" in body
    assert "queue `go-active-learning`" in body and "definition `update_recommendation:1`" in body
    assert '"Arg2": "from-EventBridge-Scheduler"' in body
    assert '"scheduled_time": "2024-05-01T03:00:00Z"' in body


def _fail_the_scheduled_job_in_moto_batch(default_app) -> dict:
    """Create the queue and definition in moto, then submit exactly the synthesized schedule's input."""
    iam = boto3.client("iam")
    batch = boto3.client("batch")
    role = iam.create_role(RoleName="batch-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    environment = batch.create_compute_environment(
        computeEnvironmentName="go-active-learning-ce", type="UNMANAGED", state="ENABLED", serviceRole=role
    )
    queue = batch.create_job_queue(
        jobQueueName="go-active-learning",
        state="ENABLED",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment["computeEnvironmentArn"]}],
    )
    definition = batch.register_job_definition(
        jobDefinitionName="update_recommendation",
        type="container",
        containerProperties={
            "image": "go-active-learning",
            "vcpus": 1,
            "memory": 2500,
            "command": ["/app/update_recommendation"],
        },
    )
    (schedule,) = default_app.resources("AWS::Scheduler::Schedule", under="Jobupdaterecommendation").values()
    # CloudFormation resolves the queue's JobQueueArn and the definition's Ref (its ARN); Scheduler fills in the time.
    parts = schedule["Properties"]["Target"]["Input"]["Fn::Join"][1]
    resolved = "".join(
        part if isinstance(part, str) else queue["jobQueueArn"] if "Fn::GetAtt" in part else definition["jobDefinitionArn"]
        for part in parts
    )
    request = json.loads(resolved.replace("<aws.scheduler.scheduled-time>", "2024-05-01T03:00:00Z"))
    submitted = batch.submit_job(**submit_job_kwargs(request))
    for _ in range(200):
        (job,) = batch.describe_jobs(jobs=[submitted["jobId"]])["jobs"]
        if job["status"] in ("FAILED", "SUCCEEDED"):
            break
        time.sleep(0.01)  # moto finishes the job on its own thread
    assert job["status"] == "FAILED"
    return json.loads(json.dumps(job, default=str))


def _default_app_pattern(default_app, main_queue_arn: str) -> dict:
    """The default app's rule pattern, with the main queue's ARN as moto made it."""
    (rule,) = default_app.resources("AWS::Events::Rule", under="Notifier").values()
    queues = default_app.resources("AWS::Batch::JobQueue")
    arns = {
        logical_id: main_queue_arn
        if resource["Properties"]["JobQueueName"] == "go-active-learning"
        else f"arn:other:{logical_id}"
        for logical_id, resource in queues.items()
    }

    def resolve(node):
        if isinstance(node, dict):
            if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in arns:
                return arns[node["Fn::GetAtt"][0]]
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return resolve(rule["Properties"]["EventPattern"])
