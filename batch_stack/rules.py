"""What AWS accepts, and what this library allows: one home for every rule that is checked twice.

The config reader (``batch_stack.config``) and the constructs check the same
facts: the reader to fail synth with a line naming the file and key, a construct
to fail with a line naming itself and the prop. Both read them from here, so a
limit is written once. Pure Python (no ``aws_cdk`` import).

Each ``*_problem`` function returns ``None`` when the value is fine, else a short
rule that says what is allowed; callers put it into their own message
(``ScheduledBatchJob 'x': schedule 'rate(0 hours)' is not valid: ...``). A
:class:`Range` is an inclusive range of numbers: the reader passes it to its
getters, a construct asks :meth:`Range.problem`.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from batch_stack.schedule_interval import parse_schedule


@dataclass(frozen=True)
class Range:
    """``low`` to ``high`` inclusive (``high=None``: no upper limit); ``unit`` follows the numbers in messages."""

    low: float
    high: float | None = None
    unit: str = ""

    def __contains__(self, value: float) -> bool:
        return value >= self.low and (self.high is None or value <= self.high)

    @property
    def rule(self) -> str:
        """``from 1 to 10``, ``at least 60 seconds``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.high is None:
            return f"at least {self.low:g}{unit}"
        return f"from {self.low:g} to {self.high:g}{unit}"

    def problem(self, value: float) -> str | None:
        return None if value in self else f"must be {self.rule}"


# --------------------------------------------------------------------------- names

#: AWS Batch names: jobs, job definitions, job queues, compute environments.
BATCH_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
BATCH_NAME_RULE = "1-128 letters, digits, '-' and '_', starting with a letter or digit"
BATCH_NAME_MAX_LENGTH = 128
#: EventBridge Scheduler schedule names.
SCHEDULE_NAME_PATTERN = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")
SCHEDULE_NAME_RULE = "1-64 letters, digits, '-', '_' and '.'"
#: CloudWatch namespaces of custom metrics (and not AWS/...).
CLOUDWATCH_NAMESPACE_PATTERN = re.compile(r"^(?!AWS/)[A-Za-z0-9.\-_/#:]{1,255}$")
CLOUDWATCH_NAMESPACE_RULE = "1-255 letters, digits and . - _ / # : not starting with 'AWS/'"
#: CloudWatch dashboard names.
DASHBOARD_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
DASHBOARD_NAME_RULE = "1-255 letters, digits, '-' and '_'"
#: The Mackerel API (``lambdas/queue_metrics/mackerel.py`` states it again in the function; a test compares them).
DEFAULT_MACKEREL_BASE_URL = "https://api.mackerelio.com"
#: Mackerel service names.
MACKEREL_SERVICE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{2,63}$")
MACKEREL_SERVICE_RULE = "2-63 letters, digits, '-' and '_'"
#: Secrets Manager secret names and complete ARNs.
SECRET_NAME_PATTERN = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
SECRET_NAME_RULE = "1-512 letters, digits and /_+=.@-"  # noqa: S105 -- a naming rule, not a secret
SECRET_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$")
# Secrets Manager reads a name ending in '-' and six characters as a name plus its ARN suffix.
_SUFFIX_LIKE = re.compile(r"-[A-Za-z0-9]{6}$")


def schedule_name_problem(name: str) -> str | None:
    return None if SCHEDULE_NAME_PATTERN.match(name) else SCHEDULE_NAME_RULE


def secret_reference_problem(value: str, *, allow_arn: bool = True) -> str | None:
    """Why ``value`` cannot name a Secrets Manager secret for this app, or None.

    A name is looked up by ECS and Lambda through a partial ARN, which Secrets Manager
    cannot resolve when the name itself ends in a hyphen and six characters; an ARN
    must be complete (with that suffix) for IAM to match it.
    """
    if value.startswith("arn:"):
        if not allow_arn:
            return "expected a secret name, not an ARN"
        if not SECRET_ARN_PATTERN.match(value):
            return "expected the secret's complete ARN, ending in '-' and the 6 characters Secrets Manager adds"
        return None
    if not SECRET_NAME_PATTERN.match(value):
        return f"expected a Secrets Manager secret name ({SECRET_NAME_RULE}) or complete ARN"
    if _SUFFIX_LIKE.search(value):
        return "a name ending in '-' and six characters is read as an ARN suffix by Secrets Manager: give the complete ARN"
    return None


# --------------------------------------------------------------------------- the cluster

#: BatchCluster names its Spot and Fargate queues after the main one, with these suffixes.
SPOT_QUEUE_SUFFIX = "-spot"
FARGATE_QUEUE_SUFFIX = "-fargate"
#: vCPUs of a compute environment.
MIN_VCPUS = Range(0)
MAX_VCPUS = Range(1)
#: Priority of a job queue.
QUEUE_PRIORITY = Range(0, 1000)
#: How long a job may sit RUNNABLE before a job-state time limit acts (AWS Batch's range).
RUNNABLE_TIME_LIMIT_MINUTES = Range(10, 1440, "minutes")
#: Instance-type strings that Batch treats as families of instances rather than one type.
INSTANCE_CLASS_KEYWORDS = ("optimal", "default_x86_64", "default_arm64")


@cache
def ec2_instance_types() -> frozenset[str]:
    """Every EC2 instance type botocore's EC2 model knows (its ``InstanceType`` enum), e.g. ``m7i.large``."""
    import botocore.session  # ~0.2 s: only when a config names an instance type or family

    model = botocore.session.get_session().get_service_model("ec2")
    return frozenset(model.shape_for("InstanceType").enum)


def instance_type_problem(entry: str) -> str | None:
    """Why ``entry`` is neither a Batch instance keyword nor an EC2 instance type or family that exists, or None.

    Types and families are checked against botocore's list (its version is named in the message:
    a type newer than the installed botocore needs a newer botocore).
    """
    if entry in INSTANCE_CLASS_KEYWORDS:
        return None
    known = ec2_instance_types()
    if entry in known or ("." not in entry and any(t.split(".", 1)[0] == entry for t in known)):
        return None
    import botocore

    kind = "instance type" if "." in entry else "instance family"
    return (
        f"expected 'optimal', 'default_x86_64', 'default_arm64' or an EC2 instance family or type: no {kind} {entry!r} "
        f"among the {len(known)} types of botocore {botocore.__version__}'s EC2 model"
    )


def instance_types_problem(instance_types: Iterable[str]) -> str | None:
    """Why Batch would reject this list of types as a whole (each entry is checked by :func:`instance_type_problem`)."""
    entries = set(instance_types)
    if "optimal" in entries and entries & {"default_x86_64", "default_arm64"}:
        return "cannot mix 'optimal' with 'default_x86_64'/'default_arm64'"
    return None


#: AMD GPUs, which AWS Batch's GPU scheduling (NVIDIA only) does not use.
_NON_NVIDIA_GPU_FAMILIES = frozenset({"g4ad"})


def has_gpu_instances(instance_types: Iterable[str]) -> bool:
    """Whether an environment of these types or families can run a job with GPUs: NVIDIA ``p*`` or ``g*``.

    ``optimal`` and ``default_*`` pick from families without GPUs.
    """
    families = {entry.split(".", 1)[0].lower() for entry in instance_types if entry not in INSTANCE_CLASS_KEYWORDS}
    return any(family[:1] in ("p", "g") and family not in _NON_NVIDIA_GPU_FAMILIES for family in families)


def queue_names_by_capacity(name: str, *, spot: bool, fargate: bool) -> dict[str, str]:
    """The job queue BatchCluster names for each capacity a job can ask for (``on_demand``, ``spot``, ``fargate``)."""
    queues = {"on_demand": name}
    if spot:
        queues["spot"] = name + SPOT_QUEUE_SUFFIX
    if fargate:
        queues["fargate"] = name + FARGATE_QUEUE_SUFFIX
    return queues


# --------------------------------------------------------------------------- schedules


def schedule_expression_problem(expression: str) -> str | None:
    """Why EventBridge Scheduler would reject this recurring expression, or None.

    Accepts ``rate(<n> minute[s]|hour[s]|day[s])`` of at least one minute and
    ``cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`` with
    exactly one of the two day fields set to ``?``: what :func:`parse_schedule` reads.
    """
    text = expression.strip()
    if not text.startswith(("rate(", "cron(")):
        return "expected 'rate(<value> <unit>)' or 'cron(<six fields>)'"
    try:
        parse_schedule(text)
    except ValueError as error:
        return str(error)
    return None


@cache
def _has_time_zone_data() -> bool:
    try:
        zoneinfo.ZoneInfo("Asia/Tokyo")
    except zoneinfo.ZoneInfoNotFoundError:
        return False
    return True


def time_zone_problem(name: str) -> str | None:
    """Why this is not an IANA time zone name (``Asia/Tokyo``, ``UTC``), or None.

    Uses the machine's time zone database. Where Python finds none at all, any
    ``Area/Location``-shaped name is accepted rather than rejecting every name.
    """
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*", name):
        try:
            zoneinfo.ZoneInfo(name)
            return None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
        if not _has_time_zone_data() and re.fullmatch(r"UTC|[A-Z][A-Za-z_+-]*(/[A-Za-z0-9_+-]+)+", name):
            return None
    return "expected an IANA time zone name such as 'UTC' or 'Asia/Tokyo'"


# --------------------------------------------------------------------------- job definitions

#: Job statuses AWS Batch sends "Batch Job State Change" events for (there is no SUBMITTED event).
JOB_EVENT_STATUSES = ("PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")
#: Limit of each attempt (AWS Batch's minimum is 60 seconds).
JOB_TIMEOUT_SECONDS = Range(60, unit="seconds")
#: Memory of a container (AWS Batch's minimum is 4 MiB).
JOB_MEMORY_MIB = Range(4, unit="MiB")
#: vCPUs of a container on EC2 (Fargate takes the sizes of :data:`FARGATE_MEMORY_MIB`).
EC2_JOB_VCPUS = Range(1)
#: Attempts of one run (``retryStrategy.attempts``).
RETRY_ATTEMPTS = Range(1, 10)
#: ``evaluateOnExit`` entries of one job definition.
MAX_RETRY_RULES = 5
#: The parameter that carries the time the schedule fired; use ``Ref::scheduled_time`` in a command.
SCHEDULED_TIME_PARAMETER = "scheduled_time"

#: vCPU -> allowed memory (MiB) for Fargate jobs, as AWS Batch documents them.
FARGATE_MEMORY_MIB: dict[float, tuple[int, ...]] = {
    0.25: (512, 1024, 2048),
    0.5: tuple(range(1024, 4097, 1024)),
    1: tuple(range(2048, 8193, 1024)),
    2: tuple(range(4096, 16385, 1024)),
    4: tuple(range(8192, 30721, 1024)),
    8: tuple(range(16384, 61441, 4096)),
    16: tuple(range(32768, 122881, 8192)),
}

#: ``onStatusReason`` / ``onReason``: letters, digits, '.', ':' and spaces, optionally ending in '*'.
REASON_PATTERN = re.compile(r"^[A-Za-z0-9.: ]{0,511}\*?$")
EXIT_CODE_PATTERN = re.compile(r"^[0-9]{0,511}\*?$")


def fargate_resources_problem(vcpus: float, memory_mib: int) -> str | None:
    """Why Fargate would reject this vCPU/memory pair, or None."""
    allowed = FARGATE_MEMORY_MIB.get(vcpus)
    if allowed is None:
        return "Fargate vCPUs must be one of " + ", ".join(f"{v:g}" for v in FARGATE_MEMORY_MIB)
    if memory_mib not in allowed:
        low, high = allowed[0], allowed[-1]
        step = allowed[1] - allowed[0]
        return f"Fargate with {vcpus:g} vCPU takes {low}-{high} MiB in steps of {step} MiB, got {memory_mib}"
    return None


#: Environment variable names a shell can set and read: letters, digits and '_', not starting with a digit.
ENVIRONMENT_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def environment_name_problem(name: str) -> str | None:
    if not ENVIRONMENT_NAME_PATTERN.match(name):
        return "an environment variable name is letters, digits and '_', not starting with a digit"
    return "names starting with AWS_BATCH are reserved by AWS Batch" if name.upper().startswith("AWS_BATCH") else None


#: Values that are credentials whatever their name says, with what they look like.
CREDENTIAL_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a Slack webhook URL", re.compile(r"hooks\.slack\.com/(services|workflows|triggers)/", re.IGNORECASE)),
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("a Slack token", re.compile(r"(?<![A-Za-z0-9])(xox[abposre]|xapp)-")),
    ("a PEM private key", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")),
    ("a URL with a password in it", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", re.IGNORECASE)),
)
#: ``_``-separated words of a variable name that say it holds a credential (case-insensitive).
CREDENTIAL_NAME_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "CREDENTIALS")
#: A last word that says the variable holds a reference to a credential, not the credential (``DB_SECRET_ARN``).
REFERENCE_LAST_WORDS = ("ARN", "NAME", "ID", "FILE", "PATH", "URL")
#: Whole names that tools read a password from (libpq, the mysql client, redis-cli), though no word says so.
CREDENTIAL_NAMES = ("PGPASSWORD", "MYSQL_PWD", "REDISCLI_AUTH")


def credential_value_problem(value: str) -> str | None:
    """Why ``value`` looks like a credential whatever holds it (a variable, a job parameter, a command argument), or None."""
    for kind, pattern in CREDENTIAL_VALUE_PATTERNS:
        if pattern.search(value):
            return f"the value looks like {kind}"
    return None


def plain_credential_problem(name: str, value: str) -> str | None:
    """Why a plain environment variable looks like a credential, or None.

    The value decides first (:func:`credential_value_problem`), whatever the name; then the
    name, unless its last word says it holds a reference (``ARN``, ``NAME``, ``ID``, ``FILE``,
    ``PATH``, ``URL``).
    """
    problem = credential_value_problem(value)
    if problem:
        return problem
    if name.upper() in CREDENTIAL_NAMES:
        return f"its name says it holds a credential ({name.upper()})"
    words = name.upper().split("_")
    if words[-1] in REFERENCE_LAST_WORDS:
        return None
    pairs = {f"{first}_{second}" for first, second in zip(words, words[1:], strict=False)}
    said = [word for word in CREDENTIAL_NAME_WORDS if word in words or word in pairs]
    return f"its name says it holds a credential ({said[0]})" if said else None


def retry_pattern_problem(kind: str, pattern: str) -> str | None:
    """``kind`` is on_status_reason, on_reason or on_exit_code."""
    if not pattern:
        return f"{kind} must not be empty"
    rule = EXIT_CODE_PATTERN if kind == "on_exit_code" else REASON_PATTERN
    if not rule.match(pattern):
        allowed = "digits" if kind == "on_exit_code" else "up to 512 letters, digits, '.', ':' and spaces"
        return f"{kind} must be {allowed}, optionally ending in '*', got {pattern!r}"
    return None


# --------------------------------------------------------------------------- the notifier and the monitor

#: Last log lines a Slack message shows per job.
LOG_LINES = Range(0, 50)
#: The SQS event source's maximum concurrency.
MAX_CONCURRENCY = Range(2, 1000)
#: How long a RUNNABLE backlog must last before it alarms.
RUNNABLE_BACKLOG_MINUTES = Range(1, 1440)


def missed_run_multiple_problem(multiple: float) -> str | None:
    """A missed-run alarm waits more than one interval: a run may come a little late."""
    return None if multiple > 1 else "must be more than 1 (a run may come a little late)"


# --------------------------------------------------------------------------- the Lambda functions' Powertools layer

#: Powertools for AWS Lambda (Python) release the functions run, from AWS's layer (requirements-dev.txt pins the same).
POWERTOOLS_RELEASE = "3.23.0"
#: That release's layer version in the commercial partition.
POWERTOOLS_LAYER_VERSION = 27
#: The account that publishes the layer in every commercial region.
POWERTOOLS_PUBLISHER = "017000801446"
#: Where ``AWSLambdaPowertoolsPythonV3-<runtime>-<architecture>:27`` is published, by (runtime, architecture):
#: the layer tables of Powertools' documentation for 3.23.0 (docs/includes/_layer_homepage_arm64.md; arm64 is
#: not listed in ca-west-1). China (cn-north-1, account 498634801083) and GovCloud (us-gov-east-1 165087284144,
#: us-gov-west-1 165093116878) number their layers independently, and python3.14 at 27 is not confirmed there.
POWERTOOLS_LAYER_REGIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("python3.14", "arm64"): (
        "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
        "ca-central-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1",
        "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
        "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    ),
}  # fmt: skip
#: The CDK context key that names another layer version ARN (one checked by hand, e.g. in China or GovCloud).
POWERTOOLS_LAYER_CONTEXT = "powertools_layer_arn"
LAYER_VERSION_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]{1,140}:\d+$")


def powertools_layer_name(runtime: str, architecture: str) -> str:
    """``AWSLambdaPowertoolsPythonV3-python314-arm64`` for ``python3.14`` on ``arm64``."""
    return f"AWSLambdaPowertoolsPythonV3-{runtime.replace('.', '')}-{architecture}"


def powertools_region_problem(region: str, runtime: str = "python3.14", architecture: str = "arm64") -> str | None:
    """Why the pinned Powertools layer cannot be used in ``region``; None where it is published."""
    regions = POWERTOOLS_LAYER_REGIONS.get((runtime, architecture), ())
    if region in regions:
        return None
    name = f"{powertools_layer_name(runtime, architecture)}:{POWERTOOLS_LAYER_VERSION}"
    where = f"it is in {', '.join(regions)}" if regions else "this library knows no region that publishes it"
    return (
        f"the Powertools layer {name} is not published in {region} ({where}); deploy to one of those, "
        f"or give a layer version ARN you have checked with -c {POWERTOOLS_LAYER_CONTEXT}=<arn>"
    )
