"""One-line errors and exit codes: credentials, throttling after retries, access, profile, region."""

from __future__ import annotations

import json

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from batchctl.aws import TOTAL_MAX_ATTEMPTS, Aws
from tests.batchctl.conftest import QUEUE, SESSION, run_cli


@pytest.fixture
def no_aws_setup(monkeypatch, tmp_path):
    """An environment with no credentials, profile or region anywhere (and no instance metadata)."""
    for variable in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "BATCHCTL_STACK",
        "BATCHCTL_CONFIG",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_missing_credentials_is_one_line_and_exit_3(no_aws_setup):
    result = run_cli("jobs", "--queue", QUEUE, "--region", "us-east-1", own_aws=True)
    assert result.code == 3
    assert result.err == (
        "batchctl: no AWS credentials found: set AWS_PROFILE (or pass --profile), "
        "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n"
    )


def test_missing_region_is_a_usage_error(no_aws_setup):
    result = run_cli("show", "job-1", own_aws=True)
    assert result.code == 2
    assert result.err == "batchctl: no AWS region: pass --region, set AWS_REGION, or set app.region in the config file\n"


def test_unknown_profile_is_a_usage_error(no_aws_setup):
    result = run_cli("show", "job-1", "--profile", "nosuch", own_aws=True)
    assert result.code == 2
    assert result.err == "batchctl: The config profile (nosuch) could not be found (check --profile / AWS_PROFILE)\n"


def test_region_falls_back_to_the_config_files_region(no_aws_setup):
    aws = Aws(fallback_region="ap-northeast-1")
    assert aws.region_name == "ap-northeast-1"
    assert Aws(region="eu-west-1", fallback_region="ap-northeast-1").region_name == "eu-west-1"


def test_clients_retry_in_standard_mode():
    client = Aws(session=SESSION).client("batch")
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": TOTAL_MAX_ATTEMPTS}


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


def test_aws_region_is_honoured_like_the_aws_cli(no_aws_setup, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert Aws().region_name == "eu-west-1"
    monkeypatch.delenv("AWS_REGION")
    assert Aws().region_name == "us-west-2"
