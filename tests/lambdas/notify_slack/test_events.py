"""notify_slack.events: every documented event shape is read, duplicates merge, and nothing unreadable is dropped."""

from __future__ import annotations

import json

import pytest

from batch_stack_lambdas.notify_slack.events import (
    AlarmChange,
    Delivery,
    JobChange,
    QueueBlocked,
    Unreadable,
    read_body,
    read_records,
)
from batch_stack_lambdas.notify_slack.message import SECTION_LIMIT
from tests.lambdas.conftest import event
from tests.lambdas.notify_slack.conftest import failures, invoke, records, sections, stated_total, text

DOCUMENTED_SHAPES = {
    "job_ec2_failed": ["`FAILED`", "attempt 2 of 2", "exit code 1", "definition `update_recommendation:4`", " · EC2"],
    "job_fargate_failed": ["train_classifier", "Fargate", "exit code 137", "ran out of memory"],
    "job_eks_failed": ["estimate_gmm", "EKS", "exit code 2", "definition `estimate_gmm_eks:2`"],
    "job_multinode_failed": ["train_distributed", "EC2 multi-node", "4 nodes, main node 0"],
    "job_array_parent_failed": ["fetch_entries", "array of 100 (FAILED 3, SUCCEEDED 97)"],
    "job_failed_before_start": ["CannotPullContainerError", "never started", "attempt 1 of 3", "image could not be pulled"],
    "job_timeout_failed": ["Job attempt duration exceeded timeout", "does not retry a timed-out job", "ran 1h 00m 00s"],
    "job_fargate_spot_interrupted": ["Your Spot Task was interrupted.", "Fargate Spot took the capacity back", "attempt 3 of 3"],
    "job_spot_reclaim_failed": ["Host EC2 (instance i-0123456789abcdef0) terminated.", "`Host EC2*`", "attempt 3 of 3"],
    "job_unknown_fields_failed": ["update_recommendation", "attempt 1 of 1", "exit code 1"],
    # Captured and documented events as AWS sent them: "eksAttempts": [] on EC2 and Fargate jobs says nothing.
    "captured_ec2_failed": ["test-failure", "`FAILED`", " · EC2", "exit code 1", "|log stream>"],
    "captured_spot_reclaim_failed": ["Host EC2 (instance i-01225b700440f4809) terminated.", "`Host EC2*`", "no exit code"],
    # A multi-container job: the failed essential container (not the first) speaks for it.
    "job_multicontainer_failed": [
        "train_classifier",
        "attempt 2 of 2",
        "container `trainer`, exit code 137",
        "> Essential container in task exited\n> OutOfMemoryError: Container killed due to memory usage",
        "ran out of memory",
        "train_classifier$252Ftrainer$252F0a1b2c3d4e5f60718293a4b5c6d7e8f9|log stream>",
    ],
    "queue_blocked": [
        "Queue `go-active-learning` is blocked",
        "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
        "runnable time limit",
    ],
    "alarm": ["GoActiveLearningBatch-Monitor-RunnableBacklog", "is `ALARM` (was OK)", "Threshold Crossed"],
}


@pytest.mark.parametrize("fixture", sorted(DOCUMENTED_SHAPES))
def test_each_documented_event_shape_is_reported(aws, webhook, clock, fixture):
    response = invoke(records(event(fixture)), clock)
    assert response == {"batchItemFailures": []}
    (post,) = webhook.posts
    for expected in DOCUMENTED_SHAPES[fixture]:
        assert expected in text(post), expected


def test_duplicate_deliveries_give_one_line(aws, webhook, clock):
    first = event("job_ec2_failed")
    retried = event("job_ec2_failed")
    retried["id"] = "another-delivery-of-a-later-attempt"
    retried["detail"]["attempts"] = retried["detail"]["attempts"][:1]
    response = invoke(records(first, first, first, retried), clock)
    assert failures(response) == []
    post = webhook.posts[0]
    assert stated_total(post) == 2
    assert "2 duplicate deliveries merged" in text(post)


def test_an_unreadable_event_is_reported_as_truncated_raw_json(aws, webhook, clock):
    strange = {
        "detail-type": "Batch Job State Change",
        "source": "aws.batch",
        "detail": {"jobName": "x" * 50, "blob": "y" * 9000},
    }
    response = invoke(records(strange, "this is not JSON", raw=False) + records("{broken", raw=True), clock)
    assert failures(response) == []
    post = webhook.posts[0]
    assert stated_total(post, "Events the notifier could not read") == 3
    body = text(post)
    assert '"blob": "yyyy' in body and "y" * 9000 not in body
    assert "{broken" in body and "not JSON" in body
    assert all(len(section) <= SECTION_LIMIT for section in sections(post))


# --------------------------------------------------------------------------- read directly


def test_records_become_one_delivery_by_kind_in_arrival_order():
    bodies = [event("job_ec2_failed"), event("alarm"), event("job_succeeded"), event("queue_blocked"), event("job_ec2_failed")]
    delivery = read_records([{"messageId": str(i), "body": json.dumps(b)} for i, b in enumerate(bodies)] + [{"body": "{broken"}])
    assert isinstance(delivery, Delivery)
    assert [job.status for job in delivery.jobs] == ["FAILED", "SUCCEEDED"]
    assert (len(delivery.blocked), len(delivery.alarms), len(delivery.unreadable)) == (1, 1, 1)
    assert (delivery.duplicates, delivery.total) == (1, 5)


def test_a_job_change_carries_what_the_message_shows():
    job = read_body(json.dumps(event("job_ec2_failed")))
    assert isinstance(job, JobChange)
    assert job.key == ("4c7599ae-0a82-49aa-ba5a-4727fcce14a8", "FAILED", "2")
    assert (job.queue, job.job_definition, job.platform) == ("go-active-learning", "update_recommendation:4", "EC2")
    assert (job.attempts, job.max_attempts, job.exit_code) == (2, 2, 1)
    assert (job.log_group, job.log_stream) == ("/aws/batch/go-active-learning", "update_recommendation/default/4c7599ae")
    assert (job.started_at.isoformat(), job.stopped_at.isoformat()) == ("2024-05-01T03:00:00+00:00", "2024-05-01T03:05:09+00:00")


def test_an_array_child_and_a_multi_node_job_say_what_they_are():
    child = read_body(event("job_array_child_failed"))
    assert child.shape == "array child 7 of 8abc4e5f-4444-4d5e-8f60-3456789abcde"
    nodes = read_body(event("job_multinode_failed"))
    assert (nodes.platform, nodes.shape) == ("EC2 multi-node", "4 nodes, main node 0")
    assert nodes.log_group == "/aws/batch/go-active-learning"  # from its node range: the job has no container


def test_blocked_queues_and_alarms_are_read():
    blocked = read_body(event("queue_blocked"))
    assert isinstance(blocked, QueueBlocked) and blocked.queue == "go-active-learning"
    assert "runnable time limit" in blocked.fix
    alarm = read_body(event("alarm"))
    assert isinstance(alarm, AlarmChange) and (alarm.state, alarm.previous_state) == ("ALARM", "OK")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"detail-type": "Something Else", "detail": {}}', "unexpected detail-type 'Something Else'"),
        ('{"detail-type": "Batch Job State Change", "detail": "x"}', "no detail object"),
        ('{"detail-type": "Batch Job State Change", "detail": {"status": "FAILED"}}', "ValueError: detail has no jobId"),
    ],
)
def test_what_cannot_be_read_is_kept_whole_with_the_reason(body, problem):
    item = read_body(body)
    assert isinstance(item, Unreadable)
    assert (item.raw, item.problem) == (body, problem)
