"""Where names come from: the stack's outputs (--stack) or the config file (--config)."""

from __future__ import annotations

import pytest

from batchctl.errors import UsageError
from batchctl.names import ConfiguredJob, encode_jobs, from_config, from_outputs
from tests.batchctl.conftest import DEFAULT_CONFIG_PATH, QUEUE

JOB = ConfiguredJob(
    key="update",
    job_name="update_recommendation",
    job_queue=QUEUE,
    job_definition="update_recommendation",
    concurrency_policy="FORBID",
    parameters={"Arg2": "from-batchctl"},
    log_group="/batch/update_recommendation",
)


def test_outputs_give_queues_jobs_and_dashboard():
    names = from_outputs(
        {"JobQueueNames": f"{QUEUE}, {QUEUE}-spot", "BatchctlJobs": encode_jobs([JOB]), "DashboardUrl": "https://d"},
        "stack App",
    )
    assert names.queues == (QUEUE, f"{QUEUE}-spot")
    assert names.jobs == {"update": JOB}
    assert names.dashboard_url == "https://d"


def test_jobs_output_is_json_keyed_by_config_key():
    assert encode_jobs([JOB]) == (
        '{"update":{"concurrencyPolicy":"FORBID","jobDefinition":"update_recommendation","jobName":"update_recommendation",'
        '"jobQueue":"go-active-learning","logGroup":"/batch/update_recommendation","parameters":{"Arg2":"from-batchctl"}}}'
    )


def test_a_stack_without_the_queue_output_is_not_this_apps():
    with pytest.raises(UsageError, match="stack Other has no JobQueueNames output"):
        from_outputs({"Something": "x"}, "stack Other")


def test_a_malformed_jobs_output_is_reported():
    with pytest.raises(UsageError, match="output BatchctlJobs is not the expected JSON"):
        from_outputs({"JobQueueNames": QUEUE, "BatchctlJobs": '{"update": {"jobName": "x"}}'}, "stack App")


def test_job_is_found_by_key_or_job_name():
    names = from_outputs({"JobQueueNames": QUEUE, "BatchctlJobs": encode_jobs([JOB])}, "stack App")
    assert names.job("update") is names.job("update_recommendation")
    with pytest.raises(UsageError, match=r"unknown job 'nightly' in stack App \(configured jobs: update\)"):
        names.job("nightly")


def test_config_gives_the_queues_the_cluster_makes():
    names = from_config(DEFAULT_CONFIG_PATH)
    assert names.queues == ("go-active-learning", "go-active-learning-spot", "go-active-learning-fargate")


def test_config_without_spot_or_fargate_has_one_queue(tmp_path):
    config = tmp_path / "small.toml"
    config.write_text('[app]\nregion = "ap-northeast-1"\n[cluster]\nname = "small"\n')
    names = from_config(config)
    assert names.queues == ("small",)
    assert names.region == "ap-northeast-1"


def test_a_bad_config_is_a_usage_error_with_the_configs_message(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[cluster]\nmax_vcpus = -1\n")
    with pytest.raises(UsageError, match=r"cluster.max_vcpus = -1 is not allowed"):
        from_config(config)


def test_missing_stack_is_a_usage_error(aws):
    result = aws.run("jobs", "--stack", "Nope", aws=aws.stack_aws("Nope", None))
    assert result.code == 2
    assert result.err == "batchctl: stack 'Nope' does not exist in us-east-1 (check --stack and --region)\n"


def test_stack_name_may_come_from_the_environment(aws, monkeypatch):
    monkeypatch.setenv("BATCHCTL_STACK", "App")
    aws.submit("update_recommendation")
    result = aws.run("jobs", "-o", "json", aws=aws.stack_aws("App", {"JobQueueNames": QUEUE}))
    assert result.code == 0, result.err
    assert [r["jobName"] for r in result.json()] == ["update_recommendation"]


def test_config_file_names_the_queues_for_jobs(aws, tmp_path):
    config = tmp_path / "app.toml"
    config.write_text(f'[cluster]\nname = "{QUEUE}"\nspot = true\n')
    job_id = aws.submit("estimate_gmm", queue=f"{QUEUE}-spot")
    result = aws.run("jobs", "--config", str(config), "-o", "json")
    assert result.code == 0, result.err
    assert [(r["jobId"], r["jobQueue"]) for r in result.json()] == [(job_id, f"{QUEUE}-spot")]


def test_stack_and_config_together_are_a_usage_error(aws):
    result = aws.run("jobs", "--stack", "App", "--config", str(DEFAULT_CONFIG_PATH))
    assert result.code == 2
    assert result.err == "batchctl: give either --stack or --config, not both\n"
