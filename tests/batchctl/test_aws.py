"""batchctl.aws: the region from --region, the environment or the config file, and clients that retry."""

from __future__ import annotations

from batchctl.aws import TOTAL_MAX_ATTEMPTS, Aws
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
