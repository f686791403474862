"""notify_slack.joblogs: the last log lines of a job, read only while the invocation has time for them."""

from __future__ import annotations

import dataclasses

from botocore.exceptions import ClientError, EndpointConnectionError

from batch_stack_lambdas.notify_slack import handler as notify_slack
from batch_stack_lambdas.notify_slack import joblogs
from batch_stack_lambdas.notify_slack.events import JobChange, read_body
from batch_stack_lambdas.notify_slack.message import LogTail
from tests.lambdas.conftest import event
from tests.lambdas.notify_slack.conftest import FakeClock, failed_job, failures, invoke, logged, records, text


def test_unreadable_log_is_explained_and_the_post_still_goes(aws, webhook, clock):
    response = invoke(records(event("job_fargate_failed")), clock)  # its stream was never written
    assert failures(response) == []
    assert "last lines unavailable: ResourceNotFoundException" in text(webhook.posts[0])


class SlowLogs:
    """A CloudWatch Logs client whose every read takes ``seconds`` on the fake clock."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        self.clock, self.seconds, self.reads = clock, seconds, 0

    def get_log_events(self, **request) -> dict:
        self.reads += 1
        self.clock.now += self.seconds
        return {"events": [{"message": f"line of read {self.reads}"}]}


def test_log_tails_stop_when_the_invocation_runs_short_of_time_and_the_post_still_goes(webhook, clock, caplog):
    deadline = clock.now + 40.0
    logs = SlowLogs(clock, seconds=11.0)  # the slowest a read can be with the client's timeouts
    response = notify_slack.notify(
        records(failed_job(1), failed_job(2), failed_job(3)),
        webhook_url=webhook.url,
        logs_client=logs,
        pacer=notify_slack.PACER,
        seconds_left=lambda: deadline - clock.now,
    )
    assert failures(response) == []
    # 40 s left: read (29 left), read (18 left, under the margin), then skip.
    assert logs.reads == 2
    body = text(webhook.posts[0])
    assert body.count("line of read") == 2
    assert body.count("last lines unavailable: skipped, too little time left in this invocation") == 1
    assert '"skipped_tails": 1' in logged(caplog)


def test_no_log_tail_is_read_with_less_than_the_margin_left(webhook, clock):
    logs = SlowLogs(clock, seconds=0.0)
    response = notify_slack.notify(
        records(failed_job(1)),
        webhook_url=webhook.url,
        logs_client=logs,
        pacer=notify_slack.PACER,
        seconds_left=lambda: joblogs.TAIL_TIME_MARGIN_SECONDS - 0.5,
    )
    assert failures(response) == [] and logs.reads == 0
    assert "skipped, too little time left" in text(webhook.posts[0])


def test_logs_client_has_short_timeouts_and_one_retry(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    notify_slack.logs_client.cache_clear()
    try:
        config = notify_slack.logs_client().meta.config
    finally:
        notify_slack.logs_client.cache_clear()
    assert (config.connect_timeout, config.read_timeout) == (2, 3)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}


# --------------------------------------------------------------------------- read directly


class Logs:
    """A CloudWatch Logs client that gives one answer (or raises it) and records the requests."""

    def __init__(self, answer) -> None:
        self.answer, self.requests = answer, []

    def get_log_events(self, **request) -> dict:
        self.requests.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def ec2_job(**changes) -> JobChange:
    return dataclasses.replace(read_body(event("job_ec2_failed")), **changes)


def test_the_tail_is_the_last_lines_of_the_jobs_own_stream():
    logs = Logs({"events": [{"message": "a"}, {"message": "b"}, {"message": "c"}]})
    assert joblogs.read_tail(logs, ec2_job(), lines=2) == LogTail(lines=["b", "c"])
    assert logs.requests == [
        {
            "logGroupName": "/aws/batch/go-active-learning",
            "logStreamName": "update_recommendation/default/4c7599ae",
            "limit": 2,
            "startFromHead": False,
        }
    ]


def test_a_job_without_a_log_stream_costs_no_read():
    logs = Logs({"events": []})
    reader = joblogs.TailReader(logs, lines=10, seconds_left=lambda: 60.0)
    assert reader(ec2_job(log_stream=None)) is None
    assert joblogs.read_tail(logs, ec2_job(), lines=0) is None
    assert logs.requests == [] and reader.skipped == 0


def test_a_failed_read_gives_the_reason_instead_of_lines():
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetLogEvents")
    assert joblogs.read_tail(Logs(denied), ec2_job(), lines=5) == LogTail(problem="AccessDeniedException")
    unreachable = EndpointConnectionError(endpoint_url="https://logs.us-east-1.amazonaws.com")
    assert joblogs.read_tail(Logs(unreachable), ec2_job(), lines=5) == LogTail(problem="EndpointConnectionError")
