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
from pathlib import Path
from typing import Any

from batch_stack import rules
from batch_stack.config_jobs import ClusterOffer, JobSettings, parse_jobs, time_zone
from batch_stack.config_jobs import JobSecret as JobSecret  # the stack reads the whole schema from here
from batch_stack.config_table import ConfigError, Table, toml_key
from batch_stack.schedule_interval import schedule_interval
from batch_stack_lambdas.common.metrics import DEFAULT_NAMESPACE

#: The config file read when none is given, relative to the current directory (where ``cdk`` runs the app),
#: never to where this package is installed.
DEFAULT_CONFIG_PATH = Path("config") / "default.toml"

# CloudFormation stack names.
STACK_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
STACK_NAME_RULE = "1-128 letters, digits and '-', starting with a letter"
#: The most vCPUs the reader takes for one compute environment: a guard against typos, not an AWS limit.
VCPUS_LIMIT = 100_000


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
    namespace: str = DEFAULT_NAMESPACE
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
class AppConfig:
    """The whole config file, parsed and checked."""

    source: Path
    app: AppSettings
    cluster: ClusterSettings
    notifier: NotifierSettings = field(default_factory=NotifierSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    mackerel: MackerelSettings | None = None
    jobs: Mapping[str, JobSettings] = field(default_factory=dict)


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
    max_given = table.has("max_vcpus")
    min_vcpus = table.int("min_vcpus", d.min_vcpus, within=rules.MIN_VCPUS, maximum=VCPUS_LIMIT)
    max_vcpus = table.int("max_vcpus", d.max_vcpus, within=rules.MAX_VCPUS, maximum=VCPUS_LIMIT)
    if max_vcpus < min_vcpus:  # blame the key the file sets
        if max_given:
            raise table.error("max_vcpus", max_vcpus, f"expected at least min_vcpus ({min_vcpus})")
        raise table.error("min_vcpus", min_vcpus, f"expected at most max_vcpus ({max_vcpus}, the default)")
    spot = table.bool("spot", d.spot)
    fargate, fargate_spot = table.bool("fargate", d.fargate), table.bool("fargate_spot", d.fargate_spot)
    instance_types = table.str_list("instance_types", d.instance_types, min_items=1, item=rules.instance_type_problem)
    problem = rules.instance_types_problem(instance_types)
    if problem:
        raise table.error("instance_types", list(instance_types), problem)
    settings = ClusterSettings(
        name=_cluster_name(table, spot=spot, fargate=fargate or fargate_spot),
        min_vcpus=min_vcpus,
        max_vcpus=max_vcpus,
        instance_types=instance_types,
        queue_priority=table.int("queue_priority", d.queue_priority, within=rules.QUEUE_PRIORITY),
        runnable_timeout_minutes=_runnable_timeout(table),
        spot=spot,
        spot_max_vcpus=table.int("spot_max_vcpus", d.spot_max_vcpus, within=rules.MAX_VCPUS, maximum=VCPUS_LIMIT),
        spot_on_demand_fallback=_spot_fallback(table, spot),
        fargate=fargate,
        fargate_spot=fargate_spot,
        fargate_max_vcpus=table.int("fargate_max_vcpus", d.fargate_max_vcpus, within=rules.MAX_VCPUS, maximum=VCPUS_LIMIT),
    )
    table.done()
    return settings


def _cluster_name(table: Table, *, spot: bool, fargate: bool) -> str:
    name = table.str("name", ClusterSettings.name, pattern=rules.BATCH_NAME_PATTERN, rule=rules.BATCH_NAME_RULE)
    longest = max(rules.queue_names_by_capacity(name, spot=spot, fargate=fargate).values(), key=len)
    if not rules.BATCH_NAME_PATTERN.match(longest):
        suffix = longest.removeprefix(name)
        limit = rules.BATCH_NAME_MAX_LENGTH - len(suffix)
        raise table.error("name", name, f"expected at most {limit} characters: its {suffix!r} queue is named after it")
    return name


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
                f"{table.key('queues')}.{toml_key(queue_name)}",
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
                table.source, f"{table.key('jobs')}.{toml_key(job_name)}", {}, f"expected one of the [jobs] tables ({configured})"
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
        time_zone=time_zone(table),
        log_lines=table.int("log_lines", d.log_lines, within=rules.LOG_LINES),
        max_concurrency=table.int("max_concurrency", d.max_concurrency, within=rules.MAX_CONCURRENCY),
    )
    table.done()
    return settings


def parse_config(data: Mapping[str, Any], source: Path | str) -> AppConfig:
    """Check a parsed TOML document and turn it into an :class:`AppConfig`."""
    root = Table(source, "", data)
    app = _parse_app(root.table("app"))
    cluster = _parse_cluster(root.table("cluster"))
    has_mackerel = root.has("mackerel")
    mackerel_table = root.table("mackerel")
    jobs = parse_jobs(root, ClusterOffer(cluster_queue_by_capacity(cluster), cluster.instance_types))
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
    _check_recurring(config)
    return config


def _check_recurring(config: AppConfig) -> None:
    """A watched job's schedule must recur: its missed-run alarm waits a multiple of the longest gap between runs."""
    if not config.monitoring.enabled:
        return
    for key, job in config.jobs.items():
        if not job.enabled or config.monitoring.missed_run_multiple_for(key) is None:
            continue
        try:
            schedule_interval(job.schedule, job.time_zone)
        except ValueError as error:
            raise ConfigError(
                config.source,
                f"jobs.{key}.schedule",
                job.schedule,
                f"{str(error).removesuffix(': no interval')}, so its missed-run alarm has no interval to wait: "
                f"a schedule that recurs, or [monitoring.jobs.{key}] missed_run_multiple = 0",
            ) from None


def load_config(path: Path | str | None = None) -> AppConfig:
    """Read and check a config file; raise :class:`ConfigError` on any problem.

    :param path: The file. Default: :data:`DEFAULT_CONFIG_PATH` in the current directory.
    """
    given = path is not None
    path = Path(path) if given else DEFAULT_CONFIG_PATH
    shown = _display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        where = (
            "" if given else f" (no config given: the default is {DEFAULT_CONFIG_PATH} in the current directory, {Path.cwd()})"
        )
        raise ConfigError.unreadable(shown, f"it does not exist{where}") from None
    except OSError as error:
        raise ConfigError.unreadable(shown, error.strerror or type(error).__name__) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError.unreadable(shown, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError.unreadable(shown, f"not valid TOML: {error}") from None
    return parse_config(data, shown)


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
