"""Bad config, as a new user writes it: each mistake is one line naming the file and the key, exit 2, no traceback.

Every row runs the default app's ``main()`` (what ``python app.py`` and ``cdk synth`` run) on a
config file, in-process: the jsii kernel's environment is fixed when it starts, so the file is
passed to ``build_app`` rather than set in ``CDK_CONTEXT_JSON``. The credentials are AWS's and
Slack's documented placeholders, assembled in ``tests/credentials.py``, never real ones.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

import app
from tests.conftest import ROOT
from tests.credentials import (
    AWS_ACCESS_KEY_ID,
    AWS_TEMPORARY_KEY_ID,
    SLACK_BOT_TOKEN,
    SLACK_WEBHOOK_URL,
    pem_private_key,
    slack_webhook_url,
    url_with_password,
)

CLUSTER = '[cluster]\nname = "batch"\nspot = true\nfargate = true\n'
JOB = '[jobs.nightly]\nimage = "busybox:1.37"\nschedule = "rate(1 day)"\n'
FARGATE_JOB = JOB + 'capacity = "fargate"\nvcpus = 1\nmemory_mib = 2048\n'


def env(entries: str, extra: str = "") -> str:
    return CLUSTER + JOB + extra + f"environment = {{ {entries} }}\n"


#: (config text, the key the line names, a fragment of what it says is allowed)
BAD_CONFIGS = [
    # Plain-text credentials: by value, whatever the name ...
    pytest.param(env(f'SLACK_URL = "{SLACK_WEBHOOK_URL}"'), "jobs.nightly.environment.SLACK_URL",
                 "looks like a Slack webhook URL", id="slack-webhook-value"),
    pytest.param(env(f'AWS_KEY = "{AWS_ACCESS_KEY_ID}"'), "jobs.nightly.environment.AWS_KEY",
                 "looks like an AWS access key id", id="aws-access-key-value"),
    pytest.param(env(f'SESSION = "{AWS_TEMPORARY_KEY_ID}"'), "jobs.nightly.environment.SESSION",
                 "looks like an AWS access key id", id="aws-temporary-key-value"),
    pytest.param(env(f'BOT = "{SLACK_BOT_TOKEN}"'), "jobs.nightly.environment.BOT", "looks like a Slack token",
                 id="slack-token-value"),
    pytest.param(env(f'CERT = """{pem_private_key()}"""'),
                 "jobs.nightly.environment.CERT", "looks like a PEM private key", id="pem-key-value"),
    pytest.param(env(f'DB_SECRET_ARN = "{slack_webhook_url()}"'), "jobs.nightly.environment.DB_SECRET_ARN",
                 "looks like a Slack webhook URL", id="webhook-value-under-a-reference-name"),
    pytest.param(env(f'HOOK = "{slack_webhook_url(host="HOOKS.SLACK.COM")}"'), "jobs.nightly.environment.HOOK",
                 "looks like a Slack webhook URL", id="webhook-host-in-capitals"),
    pytest.param(env(f'DATABASE_URL = "{url_with_password("postgres", "admin", "db.internal/app")}"'),
                 "jobs.nightly.environment.DATABASE_URL", "looks like a URL with a password in it", id="url-with-a-password"),
    pytest.param(env('PGPASSWORD = "hunter2"'), "jobs.nightly.environment.PGPASSWORD", "(PGPASSWORD)", id="libpq-password"),
    pytest.param(CLUSTER + JOB + f'parameters = {{ hook = "{slack_webhook_url()}" }}\n',
                 "jobs.nightly.parameters.hook", "looks like a Slack webhook URL: pass it through [jobs.nightly.secrets]",
                 id="credential-in-a-parameter"),
    pytest.param(CLUSTER + JOB + f'command = ["train", "--key", "{AWS_ACCESS_KEY_ID}"]\n', "jobs.nightly.command[2]",
                 "looks like an AWS access key id", id="credential-in-the-command"),
    # ... or by a word of the name, unless its last word says it is a reference.
    pytest.param(env('DB_PASSWORD = "hunter2"'), "jobs.nightly.environment.DB_PASSWORD",
                 "its name says it holds a credential (PASSWORD): put it in [jobs.nightly.secrets.DB_PASSWORD]", id="password"),
    pytest.param(env('db_passwd = "hunter2"'), "jobs.nightly.environment.db_passwd", "(PASSWD)", id="passwd-lower-case"),
    pytest.param(env('SECRET = "s"'), "jobs.nightly.environment.SECRET", "(SECRET)", id="secret"),
    pytest.param(env('GITHUB_TOKEN = "t"'), "jobs.nightly.environment.GITHUB_TOKEN", "(TOKEN)", id="token"),
    pytest.param(env('MAPS_API_KEY = "k"'), "jobs.nightly.environment.MAPS_API_KEY", "(API_KEY)", id="api-key"),
    pytest.param(env('OPENAI_APIKEY = "k"'), "jobs.nightly.environment.OPENAI_APIKEY", "(APIKEY)", id="apikey"),
    pytest.param(env('SSH_PRIVATE_KEY = "k"'), "jobs.nightly.environment.SSH_PRIVATE_KEY", "(PRIVATE_KEY)", id="private-key"),
    pytest.param(env('GCP_CREDENTIALS = "{}"'), "jobs.nightly.environment.GCP_CREDENTIALS", "(CREDENTIALS)", id="credentials"),
    pytest.param(env('DB_PASSWORD = "hunter2"', 'allow_plain_environment = ["DB_PASS"]\n'),
                 "jobs.nightly.allow_plain_environment[0]", "expected a name set in jobs.nightly.environment (DB_PASSWORD)",
                 id="opt-out-of-a-name-not-set"),
    # Environment variable names.
    pytest.param(env('"my var" = "1"'), 'jobs.nightly.environment."my var"', "letters, digits and '_'", id="name-with-a-space"),
    pytest.param(env('1ST = "1"'), "jobs.nightly.environment.1ST", "not starting with a digit", id="name-starting-with-a-digit"),
    pytest.param(env('AWS_BATCH_X = "1"'), "jobs.nightly.environment.AWS_BATCH_X", "reserved by AWS Batch", id="reserved-name"),
    # Schedules EventBridge rejects, or that never recur.
    pytest.param(CLUSTER + JOB.replace("rate(1 day)", "rate(1 hours)"), "jobs.nightly.schedule", "write 'rate(1 hour)'",
                 id="rate-1-hours"),
    pytest.param(CLUSTER + JOB.replace("rate(1 day)", "rate(5 hour)"), "jobs.nightly.schedule", "write 'rate(5 hours)'",
                 id="rate-5-hour"),
    pytest.param(CLUSTER + JOB.replace("rate(1 day)", "rate(1 minutes)"), "jobs.nightly.schedule", "write 'rate(1 minute)'",
                 id="rate-1-minutes"),
    pytest.param(CLUSTER + JOB.replace("rate(1 day)", "rate(0 minutes)"), "jobs.nightly.schedule", "at least one minute",
                 id="rate-0"),
    pytest.param(CLUSTER + JOB.replace("rate(1 day)", "cron(0 3 * * *)"), "jobs.nightly.schedule", "six fields",
                 id="five-field-cron"),
    pytest.param(CLUSTER + JOB.replace("rate(1 day)", "cron(0 0 30 2 ? *)"), "jobs.nightly.schedule",
                 "runs fewer than twice", id="cron-on-february-30"),
    # GPUs need a GPU instance family.
    pytest.param(CLUSTER + JOB + "gpus = 1\n", "jobs.nightly.gpus", "cluster.instance_types (optimal) has no GPU instances",
                 id="gpus-on-optimal"),
    pytest.param(CLUSTER.replace("[cluster]\n", '[cluster]\ninstance_types = ["default_x86_64"]\n') + JOB + "gpus = 1\n",
                 "jobs.nightly.gpus", "has no GPU instances", id="gpus-on-default-class"),
    pytest.param(CLUSTER.replace("[cluster]\n", '[cluster]\ninstance_types = ["g4ad"]\n') + JOB + "gpus = 1\n",
                 "jobs.nightly.gpus", "add an NVIDIA GPU family", id="gpus-on-amd-only"),
    pytest.param(CLUSTER + FARGATE_JOB + "gpus = 1\n", "jobs.nightly.gpus", "not available on Fargate", id="gpus-on-fargate"),
    # Fargate sizes blame the key the file sets, and a task without a public IP cannot pull.
    pytest.param(CLUSTER + FARGATE_JOB + "assign_public_ip = false\n", "jobs.nightly.assign_public_ip",
                 "public subnets only and no NAT gateway", id="fargate-without-public-ip"),
    pytest.param(CLUSTER + FARGATE_JOB.replace("vcpus = 1", "vcpus = 3"), "jobs.nightly.vcpus",
                 "Fargate vCPUs must be one of", id="fargate-3-vcpus"),
    pytest.param(CLUSTER + JOB + 'capacity = "fargate"\nvcpus = 4\n', "jobs.nightly.vcpus", "(the default): set memory_mib",
                 id="fargate-4-vcpus-default-memory"),
    pytest.param(CLUSTER + FARGATE_JOB.replace("memory_mib = 2048", "memory_mib = 1024"), "jobs.nightly.memory_mib",
                 "Fargate with 1 vCPU takes 2048-8192 MiB", id="fargate-memory"),
    pytest.param(CLUSTER + JOB + 'capacity = "spot"\n'.replace("spot", "gpu"), "jobs.nightly.capacity",
                 "expected one of 'on_demand', 'spot', 'fargate'", id="unknown-capacity"),
    pytest.param('[cluster]\nname = "batch"\n' + JOB + 'capacity = "spot"\n', "jobs.nightly.capacity", "no Spot queue",
                 id="spot-without-spot-queue"),
    # Instance types that do not exist.
    pytest.param('[cluster]\ninstance_types = ["m5.hugee"]\n', "cluster.instance_types[0]",
                 "no instance type 'm5.hugee' among the", id="instance-type-that-does-not-exist"),
    pytest.param('[cluster]\ninstance_types = ["zz9"]\n', "cluster.instance_types[0]", "no instance family 'zz9'",
                 id="instance-family-that-does-not-exist"),
    pytest.param('[cluster]\ninstance_types = ["optimal", "default_arm64"]\n', "cluster.instance_types",
                 "cannot mix 'optimal'", id="optimal-and-default-class"),
    pytest.param('[cluster]\ninstance_types = "m5.large"\n', "cluster.instance_types", "expected a list of strings",
                 id="instance-types-not-a-list"),
    pytest.param('[cluster]\ninstance_types = ["p6-b200.48xlarg"]\n', "cluster.instance_types[0]",
                 "no instance type 'p6-b200.48xlarg'", id="hyphenated-instance-type-misspelt"),
    # What a construct would find: blamed on the key the file sets.
    pytest.param(f'[cluster]\nname = "{"q" * 125}"\nspot = true\n', "cluster.name",
                 "expected at most 123 characters: its '-spot' queue is named after it", id="queue-name-too-long-with-suffix"),
    pytest.param(f'[cluster]\nname = "{"q" * 125}"\nfargate = true\n', "cluster.name", "at most 120 characters",
                 id="queue-name-too-long-with-fargate-suffix"),
    pytest.param("[cluster]\nmin_vcpus = 300\n", "cluster.min_vcpus", "expected at most max_vcpus (256, the default)",
                 id="min-vcpus-above-default-max"),
    pytest.param("[cluster]\nmin_vcpus = 8\nmax_vcpus = 4\n", "cluster.max_vcpus", "expected at least min_vcpus (8)",
                 id="max-vcpus-below-min"),
    pytest.param(CLUSTER + JOB + '[jobs.other]\nimage = "busybox"\nschedule = "rate(1 day)"\njob_name = "nightly"\n',
                 "jobs.other.job_name", "already the job name of jobs.nightly (its table name)", id="two-jobs-one-name"),
    pytest.param(CLUSTER + '[jobs.a]\nimage = "busybox"\nschedule = "rate(1 day)"\njob_name = "b"\n'
                 + '[jobs.b]\nimage = "busybox"\nschedule = "rate(1 day)"\n', "jobs.a.job_name",
                 "already the job name of jobs.b (its table name)", id="two-jobs-one-name-blames-the-one-that-sets-it"),
    # Today's checks, as a user meets them.
    pytest.param("[cluster]\nmax_vcpus = -4\n", "cluster.max_vcpus", "expected an integer from 1 to 100000", id="negative"),
    pytest.param('[cluster]\nmax_vcpus = "256"\n', "cluster.max_vcpus", "expected an integer", id="string-for-integer"),
    pytest.param("[cluster]\nspot = 1\n", "cluster.spot", "expected true or false", id="integer-for-boolean"),
    pytest.param("[cluster]\nmax_vpcus = 4\n", "cluster.max_vpcus", "unknown key (known keys here:", id="misspelt-key"),
    pytest.param("[clutser]\nname = 'x'\n", "clutser", "unknown key", id="misspelt-section"),
    pytest.param('[app]\nstack_name = "my_stack"\n', "app.stack_name", "letters, digits and '-'", id="stack-name"),
    pytest.param('[app]\nregion = "Tokyo"\n', "app.region", "expected an AWS region", id="region"),
    pytest.param('[app]\nregion = "cn-north-1"\n', "app.region",
                 "the Powertools layer AWSLambdaPowertoolsPythonV3-python314-arm64:27 is not published in cn-north-1",
                 id="region-without-the-powertools-layer"),
    pytest.param(CLUSTER + JOB + 'time_zone = "Tokyo"\n', "jobs.nightly.time_zone", "IANA time zone", id="time-zone"),
    pytest.param(CLUSTER + JOB + 'concurrency_policy = "SKIP"\n', "jobs.nightly.concurrency_policy",
                 "expected one of 'ALLOW', 'FORBID', 'REPLACE'", id="concurrency-policy"),
    pytest.param(CLUSTER + JOB + 'vcpus = "2"\n', "jobs.nightly.vcpus", "expected a number", id="string-for-number"),
    pytest.param(CLUSTER + JOB + "log_retention_days = 10\n", "jobs.nightly.log_retention_days", "expected one of 1, 3, 5",
                 id="log-retention"),
    pytest.param(CLUSTER + JOB + '[jobs.nightly.secrets]\nDB = { secret = "db", ssm = "/db" }\n', "jobs.nightly.secrets.DB",
                 "set exactly one of secret", id="secret-and-ssm"),
    pytest.param(CLUSTER + JOB + "[monitoring.queues.other]\nrunnable_backlog = 1\n", "monitoring.queues.other",
                 "expected one of the cluster's queues: batch, batch-spot, batch-fargate", id="unknown-queue"),
    pytest.param('[notifier]\nstatuses = ["FAILED", "SUBMITTED"]\n', "notifier.statuses[1]", "expected one of 'PENDING'",
                 id="notifier-status"),
    pytest.param('[mackerel]\nservice = "x"\n', "mackerel.service", "2-63 letters", id="mackerel-service"),
]  # fmt: skip


def run_main(config_path, tmp_path, monkeypatch, capsys) -> tuple[int, list[str]]:
    """``app.main()`` on the file: its exit code and the lines it printed (an exception it let through fails the test)."""
    build_app = app.build_app
    monkeypatch.setattr(app, "build_app", lambda: build_app(config_path, outdir=str(tmp_path / "out")))
    code = app.main()
    return code, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_the_table_has_every_kind_of_mistake():
    assert len(BAD_CONFIGS) >= 40
    assert len({case.id for case in BAD_CONFIGS}) == len(BAD_CONFIGS)


@pytest.mark.parametrize(("text", "key", "allowed"), BAD_CONFIGS)
def test_a_bad_config_is_one_line_naming_the_file_and_the_key(tmp_path, monkeypatch, capsys, text, key, allowed):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    code, lines = run_main(path, tmp_path, monkeypatch, capsys)
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {path}: {key} = "), lines[0]
    assert " is not allowed: " in lines[0] and allowed in lines[0], lines[0]


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ('DB_PASSWORD = "hunter2-correct-horse"', "DB_PASSWORD"),
        ('AWS_BATCH_TOKEN = "hunter2-correct-horse"', "AWS_BATCH_TOKEN"),  # refused for its name, not as a credential
        ('"DB PASSWORD" = "hunter2-correct-horse"', '"DB PASSWORD"'),
    ],
)
def test_an_environment_value_is_never_repeated_in_the_line(tmp_path, monkeypatch, capsys, entry, key):
    path = tmp_path / "bad.toml"
    path.write_text(env(entry))
    _, (line,) = run_main(path, tmp_path, monkeypatch, capsys)
    assert "hunter2" not in line
    assert f"jobs.nightly.environment.{key} = (hidden, 21 characters) is not allowed" in line


def test_a_long_value_is_cut_with_its_quote_closed(tmp_path, monkeypatch, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(CLUSTER + JOB + f'time_zone = "{"Mars/" * 40}"\n')
    _, (line,) = run_main(path, tmp_path, monkeypatch, capsys)
    assert f"jobs.nightly.time_zone = '{('Mars/' * 10)}'... (200 characters) is not allowed" in line


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "it does not exist"),
        (b"[cluster\nname = 'x'\n", "not valid TOML: "),
        (b"[cluster]\nname = '\xff'\n", "not UTF-8 text"),
    ],
    ids=["missing", "not-toml", "not-utf8"],
)
def test_a_file_that_cannot_be_read_says_so(tmp_path, monkeypatch, capsys, content, reason):
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_bytes(content)
    code, lines = run_main(path, tmp_path, monkeypatch, capsys)
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith(f"error: {path}: cannot read the config file: {reason}"), lines[0]


def test_the_harmless_neighbours_of_each_rule_synthesize(tmp_path):
    """Names that hold references, singular and plural rates as documented, a GPU family, an explicit opt-out."""
    path = tmp_path / "fine.toml"
    path.write_text(
        '[cluster]\nname = "batch"\ninstance_types = ["c7i", "g6.xlarge", "p6-b200.48xlarge"]\nfargate = true\n'
        '[jobs.hourly]\nimage = "busybox:1.37"\nschedule = "rate(1 hour)"\ngpus = 1\n'
        'environment = { MODEL_DIR = "/opt/model", TOKENIZER_PATH = "/opt/tok", DB_SECRET_ARN = "arn:aws:secretsmanager:'
        'us-east-1:123456789012:secret:db-AbCdEf", TOKEN_URL = "https://auth.example.com/token", PASSWORD_FILE = "/run/pw", '
        'SECRET_NAME = "team/db", API_KEY_ID = "k-1", PASSWORDLESS = "true", TOKEN_BUDGET = "4096" }\n'
        'allow_plain_environment = ["TOKEN_BUDGET"]\n'
        '[jobs.five]\nimage = "busybox:1.37"\nschedule = "rate(5 hours)"\ncapacity = "fargate"\nassign_public_ip = true\n'
    )
    assembly = app.build_app(path, outdir=str(tmp_path / "out")).synth()
    (stack,) = assembly.stacks
    definitions = [r for r in stack.template["Resources"].values() if r["Type"] == "AWS::Batch::JobDefinition"]
    names = {e["Name"] for d in definitions for e in d["Properties"]["ContainerProperties"].get("Environment", [])}
    assert {"MODEL_DIR", "TOKENIZER_PATH", "DB_SECRET_ARN", "TOKEN_URL", "PASSWORD_FILE", "TOKEN_BUDGET"} <= names
    schedules = sorted(r["Properties"]["ScheduleExpression"] for r in stack.template["Resources"].values()
                       if r["Type"] == "AWS::Scheduler::Schedule")  # fmt: skip
    assert {"rate(1 hour)", "rate(5 hours)"} <= set(schedules)
    environments = [r for r in stack.template["Resources"].values() if r["Type"] == "AWS::Batch::ComputeEnvironment"]
    assert ["c7i", "g6.xlarge", "p6-b200.48xlarge"] in [e["Properties"].get("ComputeResources", {}).get("InstanceTypes")
                                                      for e in environments]  # fmt: skip


def test_the_cdk_cli_prints_the_apps_line_then_its_own_and_exits_1(tmp_path):
    """What the README shows for `npx cdk synth -c config=bad.toml`: the app exits 2, the CLI 1."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[cluster]\nmax_vcpus = -4\n")
    cdk = ROOT / "node_modules" / ".bin" / "cdk"
    env = {**os.environ, "PATH": f"{cdk.parent}{os.pathsep}{os.environ['PATH']}"}
    command = [str(cdk), "synth", "--quiet", "-c", f"config={bad}", "-o", str(tmp_path / "out")]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1
    assert lines[0] == f"error: {bad}: cluster.max_vcpus = -4 is not allowed: expected an integer from 1 to 100000"
    assert lines[1:] == [f"{json.loads((ROOT / 'cdk.json').read_text())['app']}: Subprocess exited with error 2"]
    assert "Traceback" not in result.stderr
