"""The ``[jobs.<name>]`` tables of the config file: one container job and its schedule each.

Read by ``batch_stack.config`` (which re-exports :class:`JobSettings` and :class:`JobSecret`)
with the same :class:`~batch_stack.config_table.Table` as every other section, so each
mistake is one line naming the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from batch_stack import rules
from batch_stack.config_table import MISSING, ConfigError, Hidden, Table, toml_key


@dataclass(frozen=True)
class ClusterOffer:
    """What the cluster offers a job: its queue for each capacity it has, and its instance types."""

    queues: Mapping[str, str]
    instance_types: tuple[str, ...]


@dataclass(frozen=True)
class JobSecret:
    """One ``[jobs.<name>.secrets.<VARIABLE>]`` entry: a Secrets Manager secret (or one JSON field of it), or an SSM parameter."""

    secret: str | None = None
    field: str | None = None
    ssm: str | None = None


@dataclass(frozen=True)
class JobSettings:
    """``[jobs.<name>]``: one container job and its schedule (see ScheduledBatchJob)."""

    schedule: str
    job_name: str
    image: str | None = None
    ecr_repository: str | None = None
    image_tag: str = "latest"
    directory: Path | None = None
    command: tuple[str, ...] | None = None
    time_zone: str = "UTC"
    capacity: str = "on_demand"
    vcpus: float = 1.0
    memory_mib: int = 2048
    gpus: int = 0
    environment: Mapping[str, str] = field(default_factory=dict)
    allow_plain_environment: tuple[str, ...] = ()
    secrets: Mapping[str, JobSecret] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)
    timeout_seconds: int = 3600
    retry_attempts: int = 3
    concurrency_policy: str = "ALLOW"
    enabled: bool = True
    flexible_window_minutes: int = 0
    start: datetime | None = None
    end: datetime | None = None
    log_retention_days: int = 30
    assign_public_ip: bool = True
    schedule_name: str | None = None
    description: str | None = None


def time_zone(table: Table, default: str = "UTC") -> str:
    """``time_zone``: an IANA name."""
    value = table.str("time_zone", default)
    problem = rules.time_zone_problem(value)
    if problem:
        raise table.error("time_zone", value, problem)
    return value


#: The longest attempt the reader takes (14 days): a guard against typos, not an AWS limit.
TIMEOUT_LIMIT_SECONDS = 1_209_600
JOB_CAPACITIES = ("on_demand", "spot", "fargate")
CONCURRENCY_POLICIES = ("ALLOW", "FORBID", "REPLACE")
#: Retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
IMAGE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$", re.IGNORECASE)
ECR_REPOSITORY_PATTERN = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$")
SSM_NAME_PATTERN = re.compile(r"^(/?[A-Za-z0-9_.-]+)+(/[A-Za-z0-9_.-]+)*$")


def parse_jobs(root: Table, cluster: ClusterOffer) -> dict[str, JobSettings]:
    jobs = {key: _parse_job(key, table, cluster) for key, table in root.tables("jobs").items()}
    seen: dict[str, str] = {}
    for key, job in jobs.items():
        other = seen.setdefault(job.job_name, key)
        if other != key:
            # Blame the table that sets job_name: a table without one is named by its key.
            blamed, named = (other, key) if job.job_name == key else (key, other)
            how = "its table name" if jobs[named].job_name == named else "its job_name"
            raise ConfigError(
                root.source, f"jobs.{blamed}.job_name", job.job_name, f"already the job name of jobs.{named} ({how})"
            )
    return jobs


def _parse_job(key: str, table: Table, cluster: ClusterOffer) -> JobSettings:
    d = JobSettings
    if not rules.BATCH_NAME_PATTERN.match(key):
        raise ConfigError(table.source, table.prefix, {}, f"a job's table name must be {rules.BATCH_NAME_RULE}")
    schedule = table.str("schedule")
    problem = rules.schedule_expression_problem(schedule)
    if problem:
        raise table.error("schedule", schedule, problem)
    capacity = table.str("capacity", d.capacity, choices=JOB_CAPACITIES)
    _check_capacity_enabled(table, capacity, cluster.queues)
    fargate = capacity == "fargate"
    vcpus, memory_mib = _resources(table, fargate)
    gpus = table.int("gpus", d.gpus, minimum=0, maximum=16)
    if fargate and gpus:
        raise table.error("gpus", gpus, "GPUs are not available on Fargate")
    if gpus and not rules.has_gpu_instances(cluster.instance_types):
        raise table.error(
            "gpus",
            gpus,
            f"cluster.instance_types ({', '.join(cluster.instance_types)}) has no GPU instances: "
            "add an NVIDIA GPU family such as 'g6' or 'p4d'",
        )
    zone = time_zone(table, d.time_zone)
    image, ecr_repository, image_tag, directory = _parse_image(table)
    window = table.int("flexible_window_minutes", d.flexible_window_minutes, minimum=0, maximum=1440)
    start, end = _datetime(table, "start"), _datetime(table, "end")
    if start and end and end <= start:
        raise table.error("end", end.isoformat(), f"expected a time after start ({start.isoformat()})")
    retention = table.int("log_retention_days", d.log_retention_days)
    if retention not in LOG_RETENTION_DAYS:
        raise table.error("log_retention_days", retention, "expected one of " + ", ".join(map(str, LOG_RETENTION_DAYS)))
    if table.has("assign_public_ip") and not fargate:
        raise table.error("assign_public_ip", table.bool("assign_public_ip"), "only for capacity = 'fargate'")
    if table.peek("assign_public_ip") is False:
        raise table.error(
            "assign_public_ip",
            False,
            "the cluster's VPC has public subnets only and no NAT gateway: a task without a public IP cannot pull its image",
        )
    parameters = table.str_map("parameters", hide_values=True)
    command = table.str_list("command", None, min_items=1)
    _refuse_credentials(table, parameters, command)
    if rules.SCHEDULED_TIME_PARAMETER in parameters:
        raise ConfigError(
            table.source,
            f"{table.key('parameters')}.{rules.SCHEDULED_TIME_PARAMETER}",
            parameters[rules.SCHEDULED_TIME_PARAMETER],
            "reserved: the schedule fills it in",
        )
    environment, allowed_plain = _environment(table)
    settings = JobSettings(
        schedule=schedule,
        job_name=table.str("job_name", key, pattern=rules.BATCH_NAME_PATTERN, rule=rules.BATCH_NAME_RULE),
        image=image,
        ecr_repository=ecr_repository,
        image_tag=image_tag,
        directory=directory,
        command=command,
        time_zone=zone,
        capacity=capacity,
        vcpus=vcpus,
        memory_mib=memory_mib,
        gpus=gpus,
        environment=environment,
        allow_plain_environment=allowed_plain,
        secrets=_parse_secrets(table),
        parameters=parameters,
        timeout_seconds=table.int(
            "timeout_seconds", d.timeout_seconds, within=rules.JOB_TIMEOUT_SECONDS, maximum=TIMEOUT_LIMIT_SECONDS
        ),
        retry_attempts=table.int("retry_attempts", d.retry_attempts, within=rules.RETRY_ATTEMPTS),
        concurrency_policy=table.str("concurrency_policy", d.concurrency_policy, choices=CONCURRENCY_POLICIES),
        enabled=table.bool("enabled", d.enabled),
        flexible_window_minutes=window,
        start=start,
        end=end,
        log_retention_days=retention,
        assign_public_ip=table.bool("assign_public_ip", d.assign_public_ip),
        schedule_name=table.str("schedule_name", None, pattern=rules.SCHEDULE_NAME_PATTERN, rule=rules.SCHEDULE_NAME_RULE),
        description=table.str("description", None),
    )
    table.done()
    return settings


def _resources(table: Table, fargate: bool) -> tuple[float, int]:
    """vcpus and memory_mib; a Fargate size that does not exist is blamed on the key the file sets."""
    d = JobSettings
    memory_given = table.has("memory_mib")
    vcpus = table.number(
        "vcpus", d.vcpus, minimum=min(rules.FARGATE_MEMORY_MIB) if fargate else rules.EC2_JOB_VCPUS.low, maximum=256
    )
    memory_mib = table.int("memory_mib", d.memory_mib, within=rules.JOB_MEMORY_MIB, maximum=4_000_000)
    if fargate:
        problem = rules.fargate_resources_problem(vcpus, memory_mib)
        if vcpus not in rules.FARGATE_MEMORY_MIB:
            raise table.error("vcpus", vcpus, problem)
        if problem and memory_given:
            raise table.error("memory_mib", memory_mib, problem)
        if problem:
            raise table.error("vcpus", vcpus, f"{problem} (the default): set memory_mib")
    return vcpus, memory_mib


def _environment(table: Table) -> tuple[dict[str, str], tuple[str, ...]]:
    """Plain environment variables, none of which looks like a credential unless ``allow_plain_environment`` names it."""
    environment = table.str_map("environment", key_rule=rules.environment_name_problem, hide_values=True)
    names = ", ".join(environment) or "none"
    allowed = table.str_list(
        "allow_plain_environment",
        (),
        item=lambda name: None if name in environment else f"expected a name set in {table.key('environment')} ({names})",
    )
    for name, value in environment.items():
        problem = None if name in allowed else rules.plain_credential_problem(name, value)
        if problem:
            raise ConfigError(
                table.source,
                f"{table.key('environment')}.{toml_key(name)}",
                Hidden(value),
                f"{problem}: put it in [{table.key('secrets')}.{toml_key(name)}] (a Secrets Manager secret or SSM "
                f"parameter), or name it in {table.key('allow_plain_environment')} if it is not a secret",
            )
    return environment, allowed


def _refuse_credentials(table: Table, parameters: Mapping[str, str], command: tuple[str, ...] | None) -> None:
    """Parameters and command arguments are in the job definition and the schedule in plain text too."""
    places = [(f"{table.key('parameters')}.{toml_key(name)}", value) for name, value in parameters.items()]
    places += [(f"{table.key('command')}[{index}]", value) for index, value in enumerate(command or ())]
    for key, value in places:
        problem = rules.credential_value_problem(value)
        if problem:
            raise ConfigError(
                table.source,
                key,
                Hidden(value),
                f"{problem}: pass it through [{table.key('secrets')}] as an environment variable",
            )


def _check_capacity_enabled(table: Table, capacity: str, queues: Mapping[str, str]) -> None:
    if capacity == "spot" and capacity not in queues:
        raise table.error("capacity", capacity, "the cluster has no Spot queue (set cluster.spot = true)")
    if capacity == "fargate" and capacity not in queues:
        raise table.error("capacity", capacity, "the cluster has no Fargate queue (set cluster.fargate = true)")


def _parse_image(table: Table) -> tuple[str | None, str | None, str, Path | None]:
    given = [name for name in ("image", "ecr_repository", "directory") if table.has(name)]
    if len(given) != 1:
        name = given[1] if len(given) > 1 else "image"
        raise table.error(
            name,
            table.peek(name) if len(given) > 1 else MISSING,
            "set exactly one of image (registry 'repo:tag'), ecr_repository (+ image_tag) or directory (with a Dockerfile)",
        )
    image = table.str("image", None, pattern=IMAGE_PATTERN, rule="expected an image reference such as 'repo:tag'")
    ecr_repository = table.str(
        "ecr_repository", None, pattern=ECR_REPOSITORY_PATTERN, rule="expected an ECR repository name such as 'team/app'"
    )
    if table.has("image_tag") and ecr_repository is None:
        raise table.error("image_tag", table.str("image_tag"), "only with ecr_repository (put the tag in image = 'repo:tag')")
    image_tag = table.str(
        "image_tag",
        JobSettings.image_tag,
        pattern=re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"),
        rule="expected an image tag",
    )
    directory = None
    raw_directory = table.str("directory", None)
    if raw_directory is not None:
        directory = (Path(table.source).parent / raw_directory).resolve()
        if not (directory / "Dockerfile").is_file():
            raise table.error("directory", raw_directory, f"expected a directory with a Dockerfile (looked in {directory})")
    return image, ecr_repository, image_tag, directory


def _parse_secrets(table: Table) -> dict[str, JobSecret]:
    secrets: dict[str, JobSecret] = {}
    for name, entry in table.tables("secrets").items():
        problem = rules.environment_name_problem(name)
        if problem:
            raise ConfigError(entry.source, entry.prefix, {}, problem)
        secret = entry.str("secret", None, check=rules.secret_reference_problem)
        ssm = entry.str("ssm", None, pattern=SSM_NAME_PATTERN, rule="expected an SSM parameter name such as '/team/db/host'")
        secret_field = entry.str("field", None, pattern=re.compile(r"^[A-Za-z0-9_.-]{1,128}$"), rule="expected a JSON key")
        if (secret is None) == (ssm is None):
            raise ConfigError(entry.source, entry.prefix, {}, "set exactly one of secret (Secrets Manager) or ssm (parameter)")
        if ssm is not None and secret_field is not None:
            raise entry.error("field", secret_field, "only for a Secrets Manager secret, not an SSM parameter")
        entry.done()
        secrets[name] = JobSecret(secret=secret, field=secret_field, ssm=ssm)
    return secrets


def _datetime(table: Table, name: str) -> datetime | None:
    value = table.take(name, None)
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise table.error(name, value, "expected a date-time with an offset, such as 2025-01-01T00:00:00Z")
    return value.astimezone(UTC)
