"""What EventBridge Scheduler and AWS Batch accept, checked before anything is deployed.

Pure Python (no ``aws_cdk`` import), so the config reader and the constructs
share one set of rules. Each ``*_problem`` function returns ``None`` when the
value is fine, else a short rule that says what is allowed; callers put it into
their own message (``ScheduledBatchJob 'x': schedule must be ...``).
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

# --------------------------------------------------------------------------- schedules

#: EventBridge Scheduler schedule names: at most 64 of these characters.
SCHEDULE_NAME_PATTERN = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")
SCHEDULE_NAME_RULE = "1-64 letters, digits, '-', '_' and '.'"

_RATE = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$")
_RATE_UNITS = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}
_CRON = re.compile(r"^cron\((.*)\)$")

_MONTHS = {m: i + 1 for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}
_WEEKDAYS = {d: i + 1 for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}


class _Field:
    def __init__(self, name: str, low: int, high: int, names: dict[str, int] | None = None, special: str = "") -> None:
        self.name = name
        self.low = low
        self.high = high
        self.names = names or {}
        self.special = special  # which of "?", "L", "W", "#" the field allows

    def value(self, text: str) -> int | None:
        number = self.names.get(text.upper()) if text.isalpha() else int(text) if text.isdigit() else None
        return number if number is not None and self.low <= number <= self.high else None

    def problem(self, text: str) -> str | None:
        rule = f"{self.name} must be {self.low}-{self.high}" + (" or a name" if self.names else "")
        if text == "?":
            return None if "?" in self.special else f"only day-of-month or day-of-week can be '?', not {self.name}"
        for item in text.split(","):
            if not item:
                return f"{self.name} has an empty list item"
            if item == "*":
                continue
            if "L" in self.special and item in ("L", "LW"):
                continue
            if "W" in self.special and item.endswith("W") and self.value(item[:-1]) is not None:
                continue
            if "L" in self.special and item.endswith("L") and self.name == "day-of-week" and self.value(item[:-1]) is not None:
                continue
            if "#" in self.special and "#" in item:
                day, _, nth = item.partition("#")
                if self.value(day) is None or nth not in ("1", "2", "3", "4", "5"):
                    return f"{self.name} '{item}' must be <day>#<1-5>"
                continue
            base, slash, step = item.partition("/")
            if slash and (not step.isdigit() or int(step) < 1):
                return f"{self.name} step in '{item}' must be a positive number"
            if base == "*" and slash:
                continue
            start, dash, end = base.partition("-")
            if self.value(start) is None or (dash and self.value(end) is None):
                return f"{rule}, got '{item}'"
        return None


_CRON_FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31, special="?LW"),
    _Field("month", 1, 12, _MONTHS),
    _Field("day-of-week", 1, 7, _WEEKDAYS, special="?L#"),
    _Field("year", 1970, 2199),
)


def rate_minutes(expression: str) -> int | None:
    """The interval of a ``rate(...)`` expression in minutes, or None for anything else."""
    match = _RATE.match(expression.strip())
    if not match or match.group(2) not in _RATE_UNITS:
        return None
    return int(match.group(1)) * _RATE_UNITS[match.group(2)]


def schedule_expression_problem(expression: str) -> str | None:
    """Why EventBridge Scheduler would reject this recurring expression, or None.

    Accepts ``rate(<n> minute[s]|hour[s]|day[s])`` of at least one minute and
    ``cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`` with
    exactly one of the two day fields set to ``?``.
    """
    text = expression.strip()
    if text.startswith("rate("):
        match = _RATE.match(text)
        if not match or match.group(2) not in _RATE_UNITS:
            if match and match.group(2) in ("second", "seconds"):
                return "a rate must be at least one minute (EventBridge Scheduler's minimum)"
            return "a rate must look like 'rate(5 minutes)', 'rate(1 hour)' or 'rate(2 days)'"
        if int(match.group(1)) < 1:
            return "a rate must be at least one minute (EventBridge Scheduler's minimum)"
        return None
    match = _CRON.match(text)
    if not match:
        return "expected 'rate(<value> <unit>)' or 'cron(<six fields>)'"
    fields = match.group(1).split()
    if len(fields) != 6:
        return f"a cron expression has six fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return "a cron expression sets exactly one of day-of-month and day-of-week; the other must be '?'"
    for field_rule, value in zip(_CRON_FIELDS, fields, strict=True):
        problem = field_rule.problem(value)
        if problem:
            return problem
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


def schedule_name_problem(name: str) -> str | None:
    return None if SCHEDULE_NAME_PATTERN.match(name) else SCHEDULE_NAME_RULE


# --------------------------------------------------------------------------- job definitions

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


def environment_name_problem(name: str) -> str | None:
    return "names starting with AWS_BATCH are reserved by AWS Batch" if name.upper().startswith("AWS_BATCH") else None


def retry_pattern_problem(kind: str, pattern: str) -> str | None:
    """``kind`` is on_status_reason, on_reason or on_exit_code."""
    if not pattern:
        return f"{kind} must not be empty"
    rule = EXIT_CODE_PATTERN if kind == "on_exit_code" else REASON_PATTERN
    if not rule.match(pattern):
        allowed = "digits" if kind == "on_exit_code" else "up to 512 letters, digits, '.', ':' and spaces"
        return f"{kind} must be {allowed}, optionally ending in '*', got {pattern!r}"
    return None
