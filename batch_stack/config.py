"""The config file's schema, and its error messages.

The default app is built from a TOML file (``config/default.toml`` unless
``-c config=path`` says otherwise). Every value is checked here, before any
construct is made, so that a mistake fails synth with one line that names the
file, the key, the bad value and what is allowed::

    config/bad.toml: cluster.max_vcpus = -1 is not allowed: expected an integer from 0 to 100000

Each section is parsed by a small function over a :class:`Table`
(``batch_stack.config_table``), which knows where it is in the file, rejects keys
it was not asked for, and turns a wrong type or range into a :class:`ConfigError`.
The limits themselves are AWS's and the constructs' too: they live in ``batch_stack.rules``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batch_stack import rules
from batch_stack.config_table import MISSING, ConfigError, Table

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "default.toml"

# CloudFormation stack names.
STACK_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
STACK_NAME_RULE = "1-128 letters, digits and '-', starting with a letter"
#: The most vCPUs the reader takes for one compute environment: a guard against typos, not an AWS limit.
VCPUS_LIMIT = 100_000
#: The longest attempt the reader takes (14 days): a guard against typos, not an AWS limit.
TIMEOUT_LIMIT_SECONDS = 1_209_600


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class AppSettings:
    """``[app]``: where and under which name the stack deploys."""

    stack_name: str = "BatchJobs"
    account: str | None = None
    region: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterSettings:
    """``[cluster]``: the compute environments and job queues (see BatchCluster)."""

    name: str = "batch-jobs"
    min_vcpus: int = 0
    max_vcpus: int = 256
    instance_types: tuple[str, ...] = ("optimal",)
    queue_priority: int = 1
    runnable_timeout_minutes: int = 30
    spot: bool = False
    spot_max_vcpus: int = 256
    spot_on_demand_fallback: bool | None = None
    fargate: bool = False
    fargate_spot: bool = False
    fargate_max_vcpus: int = 256


@dataclass(frozen=True)
class NotifierSettings:
    """``[notifier]``: Slack notifications of failed jobs, blocked queues and alarms (see BatchFailureNotifier)."""

    enabled: bool = True
    webhook_secret_name: str | None = None
    statuses: tuple[str, ...] = ("FAILED",)
    include_array_children: bool = False
    time_zone: str = "UTC"
    log_lines: int = 10
    max_concurrency: int = 2


@dataclass(frozen=True)
class QueueMonitoringSettings:
    """``[monitoring.queues.<queue name>]``: one queue's alarm thresholds; 0 turns an alarm off."""

    runnable_backlog: int
    runnable_backlog_minutes: int
    oldest_runnable_minutes: int


@dataclass(frozen=True)
class MonitoringSettings:
    """``[monitoring]``: BatchQueueMonitor over the cluster's queues (see batch_stack.monitoring).

    ``runnable_backlog``, ``oldest_runnable_minutes`` and a job's ``missed_run_multiple``
    turn their alarm off at 0.
    """

    enabled: bool = True
    namespace: str = "BatchJobs"
    alarm_emails: tuple[str, ...] = ()
    runnable_backlog: int = 100
    runnable_backlog_minutes: int = 15
    oldest_runnable_minutes: int = 30
    missed_run_multiple: float = 2.0
    dead_letter_alarms: bool = True
    function_error_alarms: bool = True
    dashboard: bool = True
    queues: Mapping[str, QueueMonitoringSettings] = field(default_factory=dict)
    jobs: Mapping[str, float] = field(default_factory=dict)

    def queue(self, name: str) -> QueueMonitoringSettings:
        """The thresholds of queue ``name``: its own section, else the defaults above."""
        return self.queues.get(name) or QueueMonitoringSettings(
            self.runnable_backlog, self.runnable_backlog_minutes, self.oldest_runnable_minutes
        )

    def missed_run_multiple_for(self, job_name: str) -> float | None:
        """``[monitoring.jobs.<job>] missed_run_multiple``, else the default; ``None`` when turned off (0)."""
        multiple = self.jobs.get(job_name, self.missed_run_multiple)
        return multiple or None


@dataclass(frozen=True)
class MackerelSettings:
    """``[mackerel]`` (optional): post the queue gauges to Mackerel as service metrics.

    ``api_key_secret`` names an existing Secrets Manager secret (name or ARN) whose
    SecretString is the API key; without it the stack creates an empty secret to fill in.
    """

    service: str
    api_key_secret: str | None = None
    base_url: str = rules.DEFAULT_MACKEREL_BASE_URL


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


@dataclass(frozen=True)
class AppConfig:
    """The whole config file, parsed and checked."""

    source: Path
    app: AppSettings
    cluster: ClusterSettings
    notifier: NotifierSettings = field(default_factory=NotifierSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    mackerel: MackerelSettings | None = None
    jobs: Mapping[str, JobSettings] = field(default_factory=dict)


INSTANCE_TYPE_PATTERN = re.compile(r"^(optimal|default_x86_64|default_arm64|[a-z][a-z0-9-]*(\.[a-z0-9]+)?)$")
INSTANCE_TYPE_RULE = "'optimal', 'default_x86_64', 'default_arm64', an instance family ('c7i') or type ('c7i.large')"


def _parse_app(table: Table) -> AppSettings:
    settings = AppSettings(
        stack_name=table.str("stack_name", AppSettings.stack_name, pattern=STACK_NAME_PATTERN, rule=STACK_NAME_RULE),
        account=table.str("account", None, pattern=re.compile(r"^\d{12}$"), rule="expected a 12-digit AWS account id"),
        region=table.str(
            "region", None, pattern=re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$"), rule="expected an AWS region such as 'ap-northeast-1'"
        ),
        tags=table.str_map("tags"),
    )
    table.done()
    return settings


def _parse_cluster(table: Table) -> ClusterSettings:
    d = ClusterSettings
    min_vcpus = table.int("min_vcpus", d.min_vcpus, within=rules.MIN_VCPUS, maximum=VCPUS_LIMIT)
    max_vcpus = table.int("max_vcpus", d.max_vcpus, within=rules.MAX_VCPUS, maximum=VCPUS_LIMIT)
    if max_vcpus < min_vcpus:
        raise table.error("max_vcpus", max_vcpus, f"expected at least min_vcpus ({min_vcpus})")
    spot = table.bool("spot", d.spot)
    settings = ClusterSettings(
        name=table.str("name", d.name, pattern=rules.BATCH_NAME_PATTERN, rule=rules.BATCH_NAME_RULE),
        min_vcpus=min_vcpus,
        max_vcpus=max_vcpus,
        instance_types=table.str_list(
            "instance_types",
            d.instance_types,
            min_items=1,
            item=lambda v: None if INSTANCE_TYPE_PATTERN.match(v) else INSTANCE_TYPE_RULE,
        ),
        queue_priority=table.int("queue_priority", d.queue_priority, within=rules.QUEUE_PRIORITY),
        runnable_timeout_minutes=_runnable_timeout(table),
        spot=spot,
        spot_max_vcpus=table.int("spot_max_vcpus", d.spot_max_vcpus, within=rules.MAX_VCPUS, maximum=VCPUS_LIMIT),
        spot_on_demand_fallback=_spot_fallback(table, spot),
        fargate=table.bool("fargate", d.fargate),
        fargate_spot=table.bool("fargate_spot", d.fargate_spot),
        fargate_max_vcpus=table.int("fargate_max_vcpus", d.fargate_max_vcpus, within=rules.MAX_VCPUS, maximum=VCPUS_LIMIT),
    )
    table.done()
    return settings


def _spot_fallback(table: Table, spot: bool) -> bool | None:
    value = table.bool("spot_on_demand_fallback", None)
    if value is not None and not spot:
        raise table.error("spot_on_demand_fallback", value, "applies only with spot = true")
    return value


def _runnable_timeout(table: Table) -> int:
    limit = rules.RUNNABLE_TIME_LIMIT_MINUTES
    value = table.int("runnable_timeout_minutes", ClusterSettings.runnable_timeout_minutes, minimum=0, within=limit)
    if value and value not in limit:
        raise table.error(
            "runnable_timeout_minutes", value, f"expected 0 (off) or {limit.low:g} to {limit.high:g} minutes (AWS Batch's range)"
        )
    return value


def cluster_queue_by_capacity(cluster: ClusterSettings) -> dict[str, str]:
    """The job queue BatchCluster makes for each capacity a job can ask for (``on_demand``, ``spot``, ``fargate``)."""
    return rules.queue_names_by_capacity(cluster.name, spot=cluster.spot, fargate=cluster.fargate or cluster.fargate_spot)


def cluster_queue_names(cluster: ClusterSettings) -> tuple[str, ...]:
    """The job queues BatchCluster makes for ``cluster``: main, then -spot and -fargate when on."""
    return tuple(cluster_queue_by_capacity(cluster).values())


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _multiple(table: Table, name: str, default: float, *, off: bool) -> float:
    value = table.number(name, default, minimum=0, maximum=100)
    if rules.missed_run_multiple_problem(value) and not (off and value == 0):
        raise table.error(name, value, "expected a number above 1" + (" (or 0 for no alarm)" if off else ""))
    return value


def _parse_monitoring(table: Table, cluster: ClusterSettings, job_keys: Iterable[str]) -> MonitoringSettings:
    d = MonitoringSettings
    defaults = _parse_queue_thresholds(
        table, QueueMonitoringSettings(d.runnable_backlog, d.runnable_backlog_minutes, d.oldest_runnable_minutes)
    )
    known_queues = cluster_queue_names(cluster)
    queues: dict[str, QueueMonitoringSettings] = {}
    for queue_name, queue_table in table.tables("queues").items():
        if queue_name not in known_queues:
            raise ConfigError(
                table.source,
                f"{table.key('queues')}.{queue_name}",
                {},
                "expected one of the cluster's queues: " + ", ".join(known_queues),
            )
        queues[queue_name] = _parse_queue_thresholds(queue_table, defaults)
        queue_table.done()
    jobs: dict[str, float] = {}
    for job_name, job_table in table.tables("jobs").items():
        if job_name not in job_keys:
            configured = ", ".join(job_keys) or "none"
            raise ConfigError(
                table.source, f"{table.key('jobs')}.{job_name}", {}, f"expected one of the [jobs] tables ({configured})"
            )
        jobs[job_name] = _multiple(job_table, "missed_run_multiple", d.missed_run_multiple, off=True)
        job_table.done()
    settings = MonitoringSettings(
        enabled=table.bool("enabled", d.enabled),
        namespace=table.str(
            "namespace", d.namespace, pattern=rules.CLOUDWATCH_NAMESPACE_PATTERN, rule=rules.CLOUDWATCH_NAMESPACE_RULE
        ),
        alarm_emails=table.str_list(
            "alarm_emails", d.alarm_emails, item=lambda v: None if EMAIL_PATTERN.match(v) else "expected an e-mail address"
        ),
        runnable_backlog=defaults.runnable_backlog,
        runnable_backlog_minutes=defaults.runnable_backlog_minutes,
        oldest_runnable_minutes=defaults.oldest_runnable_minutes,
        missed_run_multiple=_multiple(table, "missed_run_multiple", d.missed_run_multiple, off=False),
        dead_letter_alarms=table.bool("dead_letter_alarms", d.dead_letter_alarms),
        function_error_alarms=table.bool("function_error_alarms", d.function_error_alarms),
        dashboard=table.bool("dashboard", d.dashboard),
        queues=queues,
        jobs=jobs,
    )
    table.done()
    return settings


def _parse_queue_thresholds(table: Table, defaults: QueueMonitoringSettings) -> QueueMonitoringSettings:
    return QueueMonitoringSettings(
        runnable_backlog=table.int("runnable_backlog", defaults.runnable_backlog, minimum=0, maximum=1_000_000),
        runnable_backlog_minutes=table.int(
            "runnable_backlog_minutes", defaults.runnable_backlog_minutes, within=rules.RUNNABLE_BACKLOG_MINUTES
        ),
        oldest_runnable_minutes=table.int(
            "oldest_runnable_minutes", defaults.oldest_runnable_minutes, minimum=0, maximum=rules.RUNNABLE_BACKLOG_MINUTES.high
        ),
    )


def _parse_mackerel(table: Table) -> MackerelSettings:
    d = MackerelSettings
    settings = MackerelSettings(
        service=table.str(
            "service", pattern=rules.MACKEREL_SERVICE_PATTERN, rule=f"{rules.MACKEREL_SERVICE_RULE} (a Mackerel service name)"
        ),
        api_key_secret=table.str("api_key_secret", None, check=rules.secret_reference_problem),
        base_url=table.str(
            "base_url", d.base_url, pattern=re.compile(r"^https://[^\s/]+(/\S*)?$"), rule="expected an https:// URL"
        ),
    )
    table.done()
    return settings


def _parse_notifier(table: Table) -> NotifierSettings:
    d = NotifierSettings
    statuses_rule = "expected one of " + ", ".join(repr(s) for s in rules.JOB_EVENT_STATUSES)
    statuses = table.str_list(
        "statuses", d.statuses, min_items=1, item=lambda v: None if v in rules.JOB_EVENT_STATUSES else statuses_rule
    )
    if len(set(statuses)) != len(statuses):
        raise table.error("statuses", list(statuses), "expected each status once")
    settings = NotifierSettings(
        enabled=table.bool("enabled", d.enabled),
        webhook_secret_name=table.str(
            "webhook_secret_name", None, check=lambda value: rules.secret_reference_problem(value, allow_arn=False)
        ),
        statuses=statuses,
        include_array_children=table.bool("include_array_children", d.include_array_children),
        time_zone=_time_zone(table),
        log_lines=table.int("log_lines", d.log_lines, within=rules.LOG_LINES),
        max_concurrency=table.int("max_concurrency", d.max_concurrency, within=rules.MAX_CONCURRENCY),
    )
    table.done()
    return settings


def _time_zone(table: Table, default: str = "UTC") -> str:
    value = table.str("time_zone", default)
    problem = rules.time_zone_problem(value)
    if problem:
        raise table.error("time_zone", value, problem)
    return value


JOB_CAPACITIES = ("on_demand", "spot", "fargate")
CONCURRENCY_POLICIES = ("ALLOW", "FORBID", "REPLACE")
#: Retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
IMAGE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$", re.IGNORECASE)
ECR_REPOSITORY_PATTERN = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$")
SSM_NAME_PATTERN = re.compile(r"^(/?[A-Za-z0-9_.-]+)+(/[A-Za-z0-9_.-]+)*$")


def _parse_jobs(root: Table, cluster: ClusterSettings) -> dict[str, JobSettings]:
    jobs = {key: _parse_job(key, table, cluster) for key, table in root.tables("jobs").items()}
    seen: dict[str, str] = {}
    for key, job in jobs.items():
        if job.job_name in seen:
            raise ConfigError(
                root.source, f"jobs.{key}.job_name", job.job_name, f"already the job name of jobs.{seen[job.job_name]}"
            )
        seen[job.job_name] = key
    return jobs


def _parse_job(key: str, table: Table, cluster: ClusterSettings) -> JobSettings:
    d = JobSettings
    if not rules.BATCH_NAME_PATTERN.match(key):
        raise ConfigError(table.source, table.prefix, {}, f"a job's table name must be {rules.BATCH_NAME_RULE}")
    schedule = table.str("schedule")
    problem = rules.schedule_expression_problem(schedule)
    if problem:
        raise table.error("schedule", schedule, problem)
    capacity = table.str("capacity", d.capacity, choices=JOB_CAPACITIES)
    _check_capacity_enabled(table, capacity, cluster)
    fargate = capacity == "fargate"
    vcpus = table.number(
        "vcpus", d.vcpus, minimum=min(rules.FARGATE_MEMORY_MIB) if fargate else rules.EC2_JOB_VCPUS.low, maximum=256
    )
    memory_mib = table.int("memory_mib", d.memory_mib, within=rules.JOB_MEMORY_MIB, maximum=4_000_000)
    if fargate:
        problem = rules.fargate_resources_problem(vcpus, memory_mib)
        if problem:
            raise table.error("memory_mib", memory_mib, problem)
    gpus = table.int("gpus", d.gpus, minimum=0, maximum=16)
    if fargate and gpus:
        raise table.error("gpus", gpus, "GPUs are not available on Fargate")
    time_zone = _time_zone(table, d.time_zone)
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
    parameters = table.str_map("parameters")
    if rules.SCHEDULED_TIME_PARAMETER in parameters:
        raise ConfigError(
            table.source,
            table.key(f"parameters.{rules.SCHEDULED_TIME_PARAMETER}"),
            parameters[rules.SCHEDULED_TIME_PARAMETER],
            "reserved: the schedule fills it in",
        )
    settings = JobSettings(
        schedule=schedule,
        job_name=table.str("job_name", key, pattern=rules.BATCH_NAME_PATTERN, rule=rules.BATCH_NAME_RULE),
        image=image,
        ecr_repository=ecr_repository,
        image_tag=image_tag,
        directory=directory,
        command=table.str_list("command", None, min_items=1),
        time_zone=time_zone,
        capacity=capacity,
        vcpus=vcpus,
        memory_mib=memory_mib,
        gpus=gpus,
        environment=table.str_map("environment", key_rule=rules.environment_name_problem),
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


def _check_capacity_enabled(table: Table, capacity: str, cluster: ClusterSettings) -> None:
    if capacity == "spot" and not cluster.spot:
        raise table.error("capacity", capacity, "the cluster has no Spot queue (set cluster.spot = true)")
    if capacity == "fargate" and not (cluster.fargate or cluster.fargate_spot):
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


def parse_config(data: Mapping[str, Any], source: Path | str) -> AppConfig:
    """Check a parsed TOML document and turn it into an :class:`AppConfig`."""
    root = Table(source, "", data)
    app = _parse_app(root.table("app"))
    cluster = _parse_cluster(root.table("cluster"))
    has_mackerel = root.has("mackerel")
    mackerel_table = root.table("mackerel")
    jobs = _parse_jobs(root, cluster)
    config = AppConfig(
        source=Path(source),
        app=app,
        cluster=cluster,
        jobs=jobs,
        notifier=_parse_notifier(root.table("notifier")),
        monitoring=_parse_monitoring(root.table("monitoring"), cluster, tuple(jobs)),
        mackerel=_parse_mackerel(mackerel_table) if has_mackerel else None,
    )
    root.done()
    return config


def load_config(path: Path | str | None = None) -> AppConfig:
    """Read and check a config file; raise :class:`ConfigError` on any problem."""
    path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    shown = _display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(shown, "(file)", str(path), "the config file does not exist") from None
    except OSError as error:
        raise ConfigError(shown, "(file)", str(path), f"the config file cannot be read ({error.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(shown, "(file)", str(path), f"not valid TOML: {error}") from None
    return parse_config(data, shown)


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
