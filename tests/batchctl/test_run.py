"""batchctl run: submit a configured job through the submit Lambda's policy code, and --wait for it."""

from __future__ import annotations

import io
import json

from batchctl.names import ConfiguredJob, encode_jobs
from tests.batchctl.conftest import QUEUE, SESSION

STACK = "GoActiveLearningBatch"


def configured(policy: str = "ALLOW", **parameters: str) -> ConfiguredJob:
    return ConfiguredJob(
        key="update",
        job_name="update_recommendation",
        job_queue=QUEUE,
        job_definition="update_recommendation",
        concurrency_policy=policy,
        parameters=parameters or {"Arg2": "from-batchctl"},
    )


def stack_with(aws, job: ConfiguredJob):
    return aws.stack_aws(STACK, {"JobQueueNames": QUEUE, "BatchctlJobs": encode_jobs([job])})


def jobs_named(aws, name: str) -> list[dict]:
    ids = [
        j["jobId"]
        for s in ("SUCCEEDED", "FAILED", "RUNNING")
        for j in aws.batch.list_jobs(jobQueue=QUEUE, jobStatus=s)["jobSummaryList"]
    ]
    return [j for j in aws.batch.describe_jobs(jobs=ids)["jobs"] if j["jobName"] == name] if ids else []


def test_run_submits_with_the_configured_parameters_and_overrides(aws):
    result = aws.run("run", "update", "--stack", STACK, "--param", "Arg1=2026-03-01", aws=stack_with(aws, configured()))
    assert result.code == 0, result.err
    (job,) = jobs_named(aws, "update_recommendation")
    assert result.out.startswith(f"Submitted update_recommendation on {QUEUE}: {job['jobId']}\n")
    assert job["parameters"]["Arg1"] == "2026-03-01"
    assert job["parameters"]["Arg2"] == "from-batchctl"


def test_run_finds_the_job_by_its_job_name_too(aws):
    result = aws.run("run", "update_recommendation", "--stack", STACK, aws=stack_with(aws, configured()))
    assert result.code == 0, result.err
    assert len(jobs_named(aws, "update_recommendation")) == 1


def test_forbid_skips_while_a_run_is_active(aws):
    active = aws.submit("update_recommendation")
    aws.set_job(active, status="RUNNING")
    result = aws.run("run", "update", "--stack", STACK, "-o", "json", aws=stack_with(aws, configured("FORBID")))
    assert result.code == 0, result.err
    record = result.json()
    assert (record["action"], record["jobId"], record["previousJobIds"]) == ("Skipped", None, [active])
    assert len(jobs_named(aws, "update_recommendation")) == 1


def test_wait_after_a_skip_exits_1(aws):
    active = aws.submit("update_recommendation")
    aws.set_job(active, status="RUNNING")
    result = aws.run("run", "update", "--wait", "--stack", STACK, aws=stack_with(aws, configured("FORBID")))
    assert result.code == 1
    assert result.out.startswith("Skipped update_recommendation: FORBID:")
    assert "nothing was submitted" in result.err


def test_replace_terminates_the_active_run_with_a_reason_naming_batchctl(aws):
    active = aws.submit("update_recommendation")
    aws.set_job(active, status="RUNNING")
    result = aws.run("run", "update", "--stack", STACK, aws=stack_with(aws, configured("REPLACE")))
    assert result.code == 0, result.err
    assert result.out.startswith("Replaced update_recommendation")
    assert f"  replaced {active}\n" in result.out
    assert aws.job(active).job_stopped_reason.startswith("Replaced by a new run of update_recommendation (batchctl run")


def test_wait_exits_0_when_the_job_succeeds(aws):
    result = aws.run("run", "update", "--wait", "--stack", STACK, aws=stack_with(aws, configured()))
    assert result.code == 0, result.err
    assert "SUCCEEDED" in result.err
    assert "logs: batchctl logs " in result.err


def test_wait_exits_1_when_the_job_fails(aws, monkeypatch):
    monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")
    result = aws.run("run", "update", "--wait", "-o", "json", "--stack", STACK, aws=stack_with(aws, configured()))
    assert result.code == 1
    assert result.json()["finalStatus"] == "FAILED"


def test_unknown_configured_job_is_a_usage_error(aws):
    result = aws.run("run", "nightly", "--stack", STACK, aws=stack_with(aws, configured()))
    assert result.code == 2
    assert result.err == f"batchctl: unknown job 'nightly' in stack {STACK} (configured jobs: update)\n"


def test_run_takes_the_job_from_the_config_file(aws, tmp_path):
    config = tmp_path / "app.toml"
    config.write_text(
        f'[cluster]\nname = "{QUEUE}"\n'
        '[jobs.update]\njob_name = "update_recommendation"\nimage = "busybox"\nschedule = "rate(3 hours)"\n'
        'concurrency_policy = "FORBID"\nparameters = { Arg2 = "from-config" }\n'
    )
    result = aws.run("run", "update", "--config", str(config))
    assert result.code == 0, result.err
    (job,) = jobs_named(aws, "update_recommendation")
    assert job["parameters"]["Arg2"] == "from-config"
    assert job["jobQueue"].endswith(f"/{QUEUE}")


def test_wait_polls_until_the_job_ends(aws):
    from batchctl.cli import build_parser
    from batchctl.commands import Context, wait_for_job

    job_id = aws.submit("update_recommendation")
    aws.set_job(job_id, status="RUNNABLE")
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        aws.set_job(job_id, status="RUNNING" if len(sleeps) == 1 else "SUCCEEDED")

    err = io.StringIO()
    context = Context(args=build_parser().parse_args(["run", "x"]), out=io.StringIO(), err=err, sleep=sleep, tz=None)
    final = wait_for_job(context, SESSION.client("batch"), job_id, 7.5)
    assert final["status"] == "SUCCEEDED"
    assert sleeps == [7.5, 7.5]
    assert [line.split("  ")[-1] for line in err.getvalue().splitlines()[:3]] == ["RUNNABLE", "RUNNING", "SUCCEEDED"]
    assert json.dumps(final)  # the detail is plain data
