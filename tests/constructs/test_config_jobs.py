"""batch_stack.config_jobs: what a ``[jobs.<name>]`` table sets, and one line naming file, key, value and rule per mistake."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from batch_stack.config import ConfigError, JobSecret, load_config
from tests.conftest import ALL_OPTIONS_CONFIG, DEFAULT_CONFIG
from tests.constructs.conftest import CLUSTER, JOB, load


def rejects(tmp_path, text: str, message: str, *, cluster: str = CLUSTER) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, text, cluster=cluster)


# --------------------------------------------------------------------------- [jobs.<name>]: the default and all-options configs


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
    assert jobs["fetch"].assign_public_ip is True
    assert report.allow_plain_environment == ("TOKEN_BUCKET",)


def test_jobs_are_optional(tmp_path):
    assert load(tmp_path, "").jobs == {}


# --------------------------------------------------------------------------- [jobs.<name>]: mistakes, one line each


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
            r"jobs\.nightly\.vcpus = 3 is not allowed: Fargate vCPUs must be one of 0.25",
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
            r"jobs\.nightly\.environment\.AWS_BATCH_X = \(hidden, 1 character\) is not allowed: names starting with AWS_BATCH",
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
            r'jobs\."nightly report" = \{table\} is not allowed: a job\'s table',
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
            r"jobs\.other\.job_name = 'nightly' is not allowed: already the job name of jobs\.nightly \(its table name\)",
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
