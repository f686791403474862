"""batchctl.aws: the region from --region, the environment or the config file, and clients that retry
and refuse answers that are not AWS's."""

from __future__ import annotations

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from batchctl.aws import TOTAL_MAX_ATTEMPTS, Aws
from batchctl.errors import AwsError
from tests.batchctl.conftest import SESSION, run_cli


def test_missing_region_is_a_usage_error(no_aws_setup):
    result = run_cli("show", "job-1", own_aws=True)
    assert result.code == 2
    assert result.err == "batchctl: no AWS region: pass --region, set AWS_REGION, or set app.region in the config file\n"


def test_region_falls_back_to_the_config_files_region(no_aws_setup):
    aws = Aws(fallback_region="ap-northeast-1")
    assert aws.region_name == "ap-northeast-1"
    assert Aws(region="eu-west-1", fallback_region="ap-northeast-1").region_name == "eu-west-1"


def test_aws_region_is_honoured_like_the_aws_cli(no_aws_setup, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert Aws().region_name == "eu-west-1"
    monkeypatch.delenv("AWS_REGION")
    assert Aws().region_name == "us-west-2"


def test_clients_retry_in_standard_mode():
    client = Aws(session=SESSION).client("batch")
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": TOTAL_MAX_ATTEMPTS}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_):
        yield self.body


def test_clients_refuse_a_web_page_before_batchctl_reads_it():
    batch = Aws(session=SESSION).client("batch")

    def login_page(request, **_):
        return AWSResponse(request.url, 200, {"Content-Type": "text/html; charset=utf-8"}, _Raw(b"<html>Sign in</html>"))

    batch.meta.events.register("before-send.batch", login_page)
    with pytest.raises(
        AwsError, match=r"answered DescribeJobQueues with a web page instead of an AWS API response \(HTTP 200, text/html\)"
    ):
        batch.describe_job_queues()


def test_clients_given_by_the_caller_are_left_as_they_are():
    batch = SESSION.client("batch")
    with Stubber(batch) as stub:
        stub.add_response("describe_job_queues", {"jobQueues": []})
        assert Aws(clients={"batch": batch}).client("batch").describe_job_queues()["jobQueues"] == []
