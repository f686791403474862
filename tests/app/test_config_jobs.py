"""``[jobs.<name>]``: the default app's three jobs, and one line naming file, key and rule for each mistake."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from moto import mock_aws

from batch_stack.config import ConfigError, JobSecret, load_config
from tests.conftest import ALL_OPTIONS_CONFIG, DEFAULT_CONFIG
from tests.fake_batch import FakeBatch, submit_job_kwargs

CLUSTER = "[cluster]\nspot = true\nfargate = true\n"
JOB = "[jobs.nightly]\nimage = 'busybox:1.37'\nschedule = 'rate(1 day)'\n"


def load(tmp_path, text: str, *, cluster: str = CLUSTER):
    path = tmp_path / "app.toml"
    path.write_text(cluster + text)
    return load_config(path)


def rejects(tmp_path, text: str, message: str, *, cluster: str = CLUSTER) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, text, cluster=cluster)


# --------------------------------------------------------------------------- the default config


def test_default_config_declares_the_original_job_exactly():
    job = load_config(DEFAULT_CONFIG).jobs["update_recommendation"]
    assert job.job_name == "update_recommendation"
    assert (job.ecr_repository, job.image_tag) == ("go-active-learning", "latest")
    assert job.command == ("/bin/sh", "/app/update_recommendation")
    assert (job.schedule, job.capacity, job.concurrency_policy) == ("rate(3 hours)", "on_demand", "ALLOW")
    assert (job.vcpus, job.memory_mib, job.retry_attempts) == (1, 2500, 1)
    assert job.environment == {}
    assert job.secrets == {
        "DB_USER": JobSecret(secret="go-active-learning/db", field="username"),
        "DB_PASSWORD": JobSecret(secret="go-active-learning/db", field="password"),
    }


def test_default_config_adds_a_daily_spot_training_job_and_an_hourly_fargate_fetch():
    jobs = load_config(DEFAULT_CONFIG).jobs
    assert list(jobs) == ["update_recommendation", "train_classifier", "fetch_entries"]
    train, fetch = jobs["train_classifier"], jobs["fetch_entries"]
    assert (train.capacity, train.schedule, train.time_zone, train.concurrency_policy) == (
        "spot",
        "cron(0 3 * * ? *)",
        "Asia/Tokyo",
        "FORBID",
    )
    assert (fetch.capacity, fetch.schedule, fetch.vcpus, fetch.memory_mib) == ("fargate", "rate(1 hour)", 0.5, 1024)


def test_all_options_config_reads_every_job_option():
    jobs = load_config(ALL_OPTIONS_CONFIG).jobs
    report = jobs["nightly_report"]
    assert report.start == datetime(2030, 1, 1, tzinfo=UTC)
    assert report.end == datetime(2030, 12, 31, 15, tzinfo=UTC)  # 2031-01-01T00:00+09:00
    assert report.secrets["API_TOKEN"] == JobSecret(ssm="/all-options/api-token")
    assert (report.enabled, report.flexible_window_minutes, report.log_retention_days) == (False, 30, 90)
    assert jobs["fetch"].directory == ALL_OPTIONS_CONFIG.parent / "job_image"
    assert jobs["fetch"].assign_public_ip is False


def test_jobs_are_optional(tmp_path):
    assert load(tmp_path, "").jobs == {}


# --------------------------------------------------------------------------- the default app


def test_default_app_synthesizes_the_three_jobs(default_app):
    definitions = {
        d["Properties"]["JobDefinitionName"]: d["Properties"] for d in default_app.resources("AWS::Batch::JobDefinition").values()
    }
    assert set(definitions) == {"update_recommendation", "train_classifier", "fetch_entries"}
    original = definitions["update_recommendation"]
    assert original["ContainerProperties"]["Command"] == ["/bin/sh", "/app/update_recommendation"]
    assert original["ContainerProperties"]["ResourceRequirements"] == [
        {"Type": "MEMORY", "Value": "2500"},
        {"Type": "VCPU", "Value": "1"},
    ]
    assert original["RetryStrategy"]["Attempts"] == 1
    assert definitions["fetch_entries"]["PlatformCapabilities"] == ["FARGATE"]
    expressions = {
        s["Properties"]["ScheduleExpression"] for s in default_app.resources("AWS::Scheduler::Schedule", under="Job").values()
    }
    assert expressions == {"rate(3 hours)", "cron(0 3 * * ? *)", "rate(1 hour)"}


def test_default_app_takes_db_credentials_from_secrets_manager_only(default_app):
    for definition in default_app.resources("AWS::Batch::JobDefinition").values():
        container = definition["Properties"]["ContainerProperties"]
        assert not [e for e in container.get("Environment", []) if e["Name"].startswith("DB_")]
        secrets = {s["Name"]: json.dumps(s["ValueFrom"]) for s in container["Secrets"]}
        assert set(secrets) == {"DB_USER", "DB_PASSWORD"}
        assert (
            ":secretsmanager:" in secrets["DB_PASSWORD"] and ":secret:go-active-learning/db:password::" in secrets["DB_PASSWORD"]
        )


def test_each_job_goes_to_the_queue_of_its_capacity(default_app):
    queues = {k: v["Properties"]["JobQueueName"] for k, v in default_app.resources("AWS::Batch::JobQueue").items()}
    by_job = {}
    for schedule in default_app.resources("AWS::Scheduler::Schedule", under="Job").values():
        role = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
        policy = next(
            p for p in default_app.resources("AWS::IAM::Policy").values() if p["Properties"]["Roles"] == [{"Ref": role}]
        )
        statement = next(
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s["Action"] in ("batch:SubmitJob", "lambda:InvokeFunction")
        )
        by_job[schedule["Properties"]["ScheduleExpression"]] = statement
    assert queues[by_job["rate(3 hours)"]["Resource"][0]["Fn::GetAtt"][0]] == "go-active-learning"
    assert queues[by_job["rate(1 hour)"]["Resource"][0]["Fn::GetAtt"][0]] == "go-active-learning-fargate"
    assert by_job["cron(0 3 * * ? *)"]["Action"] == "lambda:InvokeFunction"  # FORBID goes through the submit function
    (function,) = default_app.resources("AWS::Lambda::Function", under="Job").values()
    assert queues[function["Properties"]["Environment"]["Variables"]["JOB_QUEUE"]["Fn::GetAtt"][0]] == "go-active-learning-spot"


def test_default_app_allow_input_round_trips_through_moto_submit_job(default_app):
    """The update_recommendation schedule's input, resolved as CloudFormation would, is a valid SubmitJob request."""
    (schedule,) = [
        s["Properties"]
        for s in default_app.resources("AWS::Scheduler::Schedule").values()
        if s["Properties"]["ScheduleExpression"] == "rate(3 hours)"
    ]
    parts = schedule["Target"]["Input"]["Fn::Join"][1]
    resource_type = {k: v["Type"] for k, v in default_app.template_json["Resources"].items()}
    with mock_aws(config={"batch": {"use_docker": False}}):
        batch_api = FakeBatch(queue_name="go-active-learning", job_definition_name="update_recommendation")
        queue, definition = batch_api.queue, batch_api.definition
        physical = {"AWS::Batch::JobQueue": queue, "AWS::Batch::JobDefinition": definition}
        text = "".join(
            part
            if isinstance(part, str)
            else physical[resource_type[part["Fn::GetAtt"][0] if "Fn::GetAtt" in part else part["Ref"]]]
            for part in parts
        )
        request = json.loads(text.replace("<aws.scheduler.scheduled-time>", "2025-01-01T03:00:00Z"))
        job = batch_api.describe(batch_api.client.submit_job(**submit_job_kwargs(request))["jobId"])
    assert (job["jobName"], job["jobQueue"], job["jobDefinition"]) == ("update_recommendation", queue, definition)
    assert job["parameters"] == {"Arg2": "from-EventBridge-Scheduler", "scheduled_time": "2025-01-01T03:00:00Z"}


def test_stack_keeps_its_jobs_by_config_key(tmp_path):
    from aws_cdk import App

    from batch_stack import BatchJobsStack, ScheduledBatchJob

    config = load(tmp_path, JOB + "[jobs.train]\nimage = 'busybox'\nschedule = 'rate(2 days)'\ncapacity = 'spot'\n")
    stack = BatchJobsStack(App(), "Jobs", config=config)
    assert list(stack.jobs) == ["nightly", "train"]
    assert all(isinstance(job, ScheduledBatchJob) for job in stack.jobs.values())
    assert stack.jobs["train"].job_queue is stack.cluster.spot_job_queue
    assert stack.jobs["nightly"].job_queue is stack.cluster.job_queue


# --------------------------------------------------------------------------- mistakes, one line each


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[jobs.nightly]\nimage = 'busybox'\n", r"jobs\.nightly\.schedule = \(missing\) is not allowed: this key is required"),
        (
            JOB.replace("rate(1 day)", "rate(30 seconds)"),
            r"jobs\.nightly\.schedule = 'rate\(30 seconds\)' is not allowed: a rate must be at least one minute",
        ),
        (JOB.replace("rate(1 day)", "cron(0 3 * * *)"), r"jobs\.nightly\.schedule = .* a cron expression has six fields"),
        (
            JOB.replace("rate(1 day)", "cron(0 3 1 * MON *)"),
            r"jobs\.nightly\.schedule = .* exactly one of day-of-month and day-of-week",
        ),
        (JOB + "time_zone = 'Tokyo'\n", r"jobs\.nightly\.time_zone = 'Tokyo' is not allowed: expected an IANA time zone name"),
        (
            JOB + "capacity = 'gpu'\n",
            r"jobs\.nightly\.capacity = 'gpu' is not allowed: expected one of 'on_demand', 'spot', 'fargate'",
        ),
        (JOB + "vcpus = 0.5\n", r"jobs\.nightly\.vcpus = 0\.5 is not allowed: expected a number from 1 to 256"),
        (JOB + "memory_mib = 2\n", r"jobs\.nightly\.memory_mib = 2 is not allowed: expected an integer from 4 to"),
        (
            JOB + "capacity = 'fargate'\nvcpus = 1\nmemory_mib = 1024\n",
            r"jobs\.nightly\.memory_mib = 1024 is not allowed: Fargate with 1 vCPU takes 2048-8192 MiB",
        ),
        (
            JOB + "capacity = 'fargate'\nvcpus = 3\nmemory_mib = 8192\n",
            r"jobs\.nightly\.memory_mib = 8192 is not allowed: Fargate vCPUs must be one of 0.25",
        ),
        (
            JOB + "capacity = 'fargate'\nmemory_mib = 2048\ngpus = 1\n",
            r"jobs\.nightly\.gpus = 1 is not allowed: GPUs are not available on Fargate",
        ),
        (JOB + "timeout_seconds = 30\n", r"jobs\.nightly\.timeout_seconds = 30 is not allowed: expected an integer from 60"),
        (JOB + "retry_attempts = 0\n", r"jobs\.nightly\.retry_attempts = 0 is not allowed: expected an integer from 1 to 10"),
        (JOB + "retry_attempts = 11\n", r"jobs\.nightly\.retry_attempts = 11 is not allowed: expected an integer from 1 to 10"),
        (
            JOB + "concurrency_policy = 'Forbid'\n",
            r"jobs\.nightly\.concurrency_policy = 'Forbid' is not allowed: expected one of 'ALLOW', 'FORBID', 'REPLACE'",
        ),
        (
            JOB + "environment = { AWS_BATCH_X = '1' }\n",
            r"jobs\.nightly\.environment\.AWS_BATCH_X = '1' is not allowed: names starting with AWS_BATCH are reserved",
        ),
        (
            JOB + "parameters = { scheduled_time = 'now' }\n",
            r"jobs\.nightly\.parameters\.scheduled_time = 'now' is not allowed: reserved: the schedule fills it in",
        ),
        (
            JOB + "flexible_window_minutes = 1441\n",
            r"jobs\.nightly\.flexible_window_minutes = 1441 is not allowed: expected an integer from 0 to 1440",
        ),
        (
            JOB + "start = 2030-01-01T00:00:00\n",
            r"jobs\.nightly\.start = 2030-01-01 00:00:00 is not allowed: expected a date-time with an offset",
        ),
        (
            JOB + "start = 2030-01-02T00:00:00Z\nend = 2030-01-01T00:00:00Z\n",
            r"jobs\.nightly\.end = '2030-01-01T00:00:00\+00:00' is not allowed: expected a time after start",
        ),
        (
            JOB + "log_retention_days = 10\n",
            r"jobs\.nightly\.log_retention_days = 10 is not allowed: expected one of 1, 3, 5, 7, 14, 30",
        ),
        (
            JOB + "assign_public_ip = false\n",
            r"jobs\.nightly\.assign_public_ip = false is not allowed: only for capacity = 'fargate'",
        ),
        (
            JOB + "schedule_name = 'nightly/report'\n",
            r"jobs\.nightly\.schedule_name = 'nightly/report' is not allowed: 1-64 letters",
        ),
        (JOB + "job_name = 'nightly report'\n", r"jobs\.nightly\.job_name = 'nightly report' is not allowed: 1-128 letters"),
        (
            JOB + "comand = ['true']\n",
            r"jobs\.nightly\.comand = \['true'\] is not allowed: unknown key \(known keys here: .*command",
        ),
        (
            "[jobs.'nightly report']\nimage = 'x'\nschedule = 'rate(1 day)'\n",
            r"jobs\.nightly report = \{table\} is not allowed: a job's table",
        ),
        (
            "[jobs.nightly]\nschedule = 'rate(1 day)'\n",
            r"jobs\.nightly\.image = \(missing\) is not allowed: set exactly one of image",
        ),
        (
            JOB + "ecr_repository = 'team/app'\n",
            r"jobs\.nightly\.ecr_repository = 'team/app' is not allowed: set exactly one of image",
        ),
        (JOB + "image_tag = 'v1'\n", r"jobs\.nightly\.image_tag = 'v1' is not allowed: only with ecr_repository"),
        (
            "[jobs.nightly]\ndirectory = 'nowhere'\nschedule = 'rate(1 day)'\n",
            r"jobs\.nightly\.directory = 'nowhere' is not allowed: expected a directory with a Dockerfile",
        ),
        (
            JOB + "[jobs.nightly.secrets]\nDB = { secret = 'db', ssm = '/db' }\n",
            r"jobs\.nightly\.secrets\.DB = \{table\} is not allowed: set exactly one of secret \(Secrets Manager\) or ssm",
        ),
        (
            JOB + "[jobs.nightly.secrets]\nDB = { field = 'password' }\n",
            r"jobs\.nightly\.secrets\.DB = \{table\} is not allowed: set exactly one of secret",
        ),
        (
            JOB + "[jobs.nightly.secrets]\nDB = { ssm = '/db', field = 'password' }\n",
            r"jobs\.nightly\.secrets\.DB\.field = 'password' is not allowed: only for a Secrets Manager secret",
        ),
        (
            JOB + "[jobs.nightly.secrets]\nAWS_BATCH_DB = { secret = 'db' }\n",
            r"jobs\.nightly\.secrets\.AWS_BATCH_DB = \{table\} is not allowed: names starting with AWS_BATCH are reserved",
        ),
        (
            JOB + "[jobs.nightly.secrets]\nDB = { secret = 'db password' }\n",
            r"jobs\.nightly\.secrets\.DB\.secret = 'db password' is not allowed: expected a Secrets Manager secret name",
        ),
        (
            JOB + "[jobs.nightly.secrets]\nDB = { secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:team/db' }\n",
            r"jobs\.nightly\.secrets\.DB\.secret = .* is not allowed: expected the secret's complete ARN, ending in '-'",
        ),
        (
            JOB + "[jobs.nightly.secrets]\nDB = { secret = 'team/db-backup' }\n",
            r"jobs\.nightly\.secrets\.DB\.secret = 'team/db-backup' is not allowed: a name ending in '-' and six characters",
        ),
        (
            JOB + "[jobs.other]\nimage = 'x'\nschedule = 'rate(1 day)'\njob_name = 'nightly'\n",
            r"jobs\.other\.job_name = 'nightly' is not allowed: already the job name of jobs\.nightly",
        ),
    ],
)
def test_rejects_a_bad_job(tmp_path, text, message):
    rejects(tmp_path, text, message)


def test_spot_capacity_needs_the_spot_queue(tmp_path):
    rejects(
        tmp_path,
        JOB + "capacity = 'spot'\n",
        r"jobs\.nightly\.capacity = 'spot' is not allowed: the cluster has no Spot queue \(set cluster\.spot = true\)",
        cluster="",
    )


def test_fargate_capacity_needs_the_fargate_queue(tmp_path):
    rejects(
        tmp_path,
        JOB + "capacity = 'fargate'\n",
        r"jobs\.nightly\.capacity = 'fargate' is not allowed: the cluster has no Fargate queue \(set cluster\.fargate = true\)",
        cluster="[cluster]\nspot = true\n",
    )


def test_an_app_with_an_explicit_account_and_region_passes_cdk_nag(tmp_path):
    """The acknowledged findings name ARNs; with a fixed account and region they read differently."""
    from app import build_app

    config = tmp_path / "pinned.toml"
    config.write_text(
        "[app]\naccount = '123456789012'\nregion = 'ap-northeast-1'\n[cluster]\nspot = true\n"
        "[jobs.nightly]\necr_repository = 'team/app'\nschedule = 'rate(1 day)'\nconcurrency_policy = 'REPLACE'\n"
        "[jobs.nightly.secrets]\nDB_PASSWORD = { secret = 'team/db', field = 'password' }\n"
        "[jobs.train]\nimage = 'busybox'\nschedule = 'rate(1 day)'\ncapacity = 'spot'\n"
    )
    build_app(config, nag=True, outdir=str(tmp_path / "out")).synth()  # a finding raises here
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])] == []
