"""queue_metrics.handler: every queue counted and published, Mackerel's failures contained, settings checked."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from batch_stack_lambdas.queue_metrics import handler as handler_module
from batch_stack_lambdas.queue_metrics.counting import STATUSES
from batch_stack_lambdas.queue_metrics.handler import Settings, publish_gauges
from tests.lambdas.conftest import emf_documents
from tests.lambdas.queue_metrics.conftest import QUEUE, MackerelServer, PagedBatch, run_gauges, summaries


def test_a_queue_that_cannot_be_counted_fails_the_invocation_after_the_others_publish(capsys):
    client = PagedBatch({"RUNNING": summaries(1)}, failing_queues=("broken",))
    with pytest.raises(RuntimeError, match="could not count the jobs of broken"):
        run_gauges(capsys, client, queues=("broken", QUEUE))
    documents = emf_documents(capsys.readouterr().out)
    assert [d["JobQueue"] for d in documents] == [QUEUE]


def create_queues(*names: str) -> None:
    """Job queues in moto, behind one unmanaged compute environment."""
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="batch-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    batch = boto3.client("batch")
    environment = batch.create_compute_environment(
        computeEnvironmentName="unmanaged", type="UNMANAGED", state="ENABLED", serviceRole=role
    )
    for name in names:
        batch.create_job_queue(
            jobQueueName=name,
            state="ENABLED",
            priority=1,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment["computeEnvironmentArn"]}],
        )


def test_handler_counts_the_queues_in_job_queues_with_a_real_client(monkeypatch, capsys):
    monkeypatch.setenv("JOB_QUEUES", f"{QUEUE}, {QUEUE}-spot")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Jobs")
    handler_module._batch_client.cache_clear()
    with mock_aws():
        create_queues(QUEUE, f"{QUEUE}-spot")
        result = handler_module.handler({}, None)
    handler_module._batch_client.cache_clear()
    assert result["queues"] == {QUEUE: dict.fromkeys(STATUSES, 0), f"{QUEUE}-spot": dict.fromkeys(STATUSES, 0)}
    assert {d["JobQueue"] for d in emf_documents(capsys.readouterr().out)} == {QUEUE, f"{QUEUE}-spot"}


@pytest.mark.parametrize(
    ("environ", "message"),
    [({}, "JOB_QUEUES"), ({"JOB_QUEUES": "q", "MACKEREL_SERVICE": "batch"}, "MACKEREL_API_KEY_SECRET")],
)
def test_settings_reject_an_incomplete_environment(environ, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_environment(environ)


# --------------------------------------------------------------------------- Mackerel


def test_failed_mackerel_post_does_not_stop_the_cloudwatch_metrics(mackerel, capsys):
    mackerel.status = 500
    result, documents = run_gauges(
        capsys,
        PagedBatch({"RUNNABLE": summaries(4)}),
        mackerel_service="batch",
        mackerel_api_key_secret="mackerel-api-key",
        mackerel_base_url=mackerel.url,
    )
    assert result["queues"][QUEUE]["RUNNABLE"] == 4
    assert len(mackerel.requests) == 1
    gauges = [d for d in documents if "RunnableJobs" in d]
    failures = [d for d in documents if "MackerelPostFailures" in d]
    assert gauges[0]["RunnableJobs"] == [4.0]
    assert failures[0]["MackerelService"] == "batch" and failures[0]["MackerelPostFailures"] == [1.0]


def test_unreachable_mackerel_does_not_stop_the_cloudwatch_metrics(capsys):
    server = MackerelServer()
    server.close()  # nothing listens on that port any more
    result, documents = run_gauges(
        capsys, PagedBatch({}), mackerel_service="batch", mackerel_api_key_secret="k", mackerel_base_url=server.url
    )
    assert QUEUE in result["queues"]
    assert any("MackerelPostFailures" in d for d in documents)


def run_handler_with_key_secret(monkeypatch, mackerel, **secret) -> dict:
    """The handler with its settings from the environment, moto's Batch and a Mackerel key secret made with ``secret``."""
    monkeypatch.setenv("JOB_QUEUES", QUEUE)
    monkeypatch.setenv("MACKEREL_SERVICE", "batch")
    monkeypatch.setenv("MACKEREL_BASE_URL", mackerel.url)
    handler_module._batch_client.cache_clear()
    handler_module._secrets.cache_clear()
    try:
        with mock_aws():
            create_queues(QUEUE)
            arn = boto3.client("secretsmanager").create_secret(Name="mackerel-api-key", **secret)["ARN"]
            monkeypatch.setenv("MACKEREL_API_KEY_SECRET", arn)
            return handler_module.handler({}, None)
    finally:
        handler_module._batch_client.cache_clear()
        handler_module._secrets.cache_clear()


def test_mackerel_api_key_is_read_from_secrets_manager(mackerel, monkeypatch):
    run_handler_with_key_secret(monkeypatch, mackerel, SecretString="from-secrets-manager")
    (request,) = mackerel.requests
    assert request["headers"]["X-Api-Key"] == "from-secrets-manager"


def test_a_key_secret_with_no_value_yet_posts_nothing_and_counts_a_failure(mackerel, monkeypatch, capsys):
    """The stack creates the key's secret with no value: until someone puts the key in, every post fails and is counted."""
    result = run_handler_with_key_secret(monkeypatch, mackerel)
    documents = emf_documents(capsys.readouterr().out)
    assert QUEUE in result["queues"] and mackerel.requests == []
    assert [d["MackerelPostFailures"] for d in documents if "MackerelPostFailures" in d] == [[1.0]]


def test_a_blank_key_posts_nothing_and_counts_a_failure(mackerel, capsys):
    settings = Settings(
        job_queues=(QUEUE,),
        namespace="BatchJobs",
        mackerel_service="batch",
        mackerel_api_key_secret="k",
        mackerel_base_url=mackerel.url,
    )
    publish_gauges(settings, batch_client=PagedBatch({}), read_secret=lambda name: "  \n", now=datetime.now(UTC))
    documents = emf_documents(capsys.readouterr().out)
    assert mackerel.requests == [] and [d["MackerelPostFailures"] for d in documents if "MackerelPostFailures" in d] == [[1.0]]
