"""batchctl.errors: one-line errors and exit codes for credentials, profiles, throttling after retries, access."""

from __future__ import annotations

import json

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from batchctl.aws import TOTAL_MAX_ATTEMPTS, Aws
from tests.batchctl.conftest import QUEUE, SESSION, run_cli


def test_missing_credentials_is_one_line_and_exit_3(no_aws_setup):
    result = run_cli("jobs", "--queue", QUEUE, "--region", "us-east-1", own_aws=True)
    assert result.code == 3
    assert result.err == (
        "batchctl: no AWS credentials found: set AWS_PROFILE (or pass --profile), "
        "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n"
    )


def test_unknown_profile_is_a_usage_error(no_aws_setup):
    result = run_cli("show", "job-1", "--profile", "nosuch", own_aws=True)
    assert result.code == 2
    assert result.err == "batchctl: The config profile (nosuch) could not be found (check --profile / AWS_PROFILE)\n"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_):
        yield self.body


def test_throttling_is_retried_with_backoff_then_reported_in_one_line(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", waits.append)  # the standard mode's backoff
    aws = Aws(session=SESSION)
    batch = aws.client("batch")
    sent: list[str] = []

    def throttle(request, **_):
        sent.append(request.url)
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        return AWSResponse(request.url, 429, {"x-amzn-ErrorType": "ThrottlingException"}, _Raw(body))

    batch.meta.events.register("before-send.batch", throttle)
    result = run_cli("jobs", "--queue", QUEUE, aws=aws)
    assert result.code == 3
    expected = f"AWS throttled DescribeJobQueues after {TOTAL_MAX_ATTEMPTS} attempts; wait a minute and try again"
    assert result.err == f"batchctl: {expected} (ThrottlingException)\n"
    assert len(sent) == TOTAL_MAX_ATTEMPTS
    assert len(waits) == TOTAL_MAX_ATTEMPTS - 1 and all(w > 0 for w in waits)


def test_access_denied_names_the_call():
    batch = SESSION.client("batch")
    with Stubber(batch) as stub:
        stub.add_client_error(
            "describe_jobs",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized to perform: batch:DescribeJobs",
            http_status_code=403,
        )
        result = run_cli("show", "job-1", aws=Aws(clients={"batch": batch}))
    assert result.code == 3
    assert result.err == "batchctl: access denied to DescribeJobs: User is not authorized to perform: batch:DescribeJobs\n"


def test_an_unexpected_error_is_not_hidden():
    class Broken:
        def client(self, _name):
            raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        run_cli("show", "job-1", aws=Broken())
