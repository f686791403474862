"""How long a schedule can go between two runs: the interval behind a missed-run alarm.

:func:`schedule_interval` reads an EventBridge Scheduler expression, ``rate(...)`` or
six-field ``cron(...)``, in a time zone and returns the *longest* gap between two
consecutive runs. That is the number a "no success within N x interval" alarm needs:
for ``cron(0 9 ? * MON-FRI *)`` it is the weekend (Friday 09:00 to Monday 09:00,
72 hours), not a day.

Time zones follow EventBridge Scheduler's documented daylight-saving behaviour: a
run whose local time does not exist (spring forward) is skipped, and a run whose
local time happens twice (fall back) runs once, at the first occurrence. So a daily
02:30 job in ``America/New_York`` has a 48-hour gap once a year, and a daily 09:00
job in ``Europe/London`` a 25-hour one.

Rates are fixed durations: ``rate(1 day)`` is 24 hours whatever the time zone.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_RATE = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$")
_RATE_UNIT_SECONDS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_CRON = re.compile(r"^cron\((.*)\)$")

#: How far ahead cron runs are enumerated: 28 years is the Gregorian calendar's
#: weekday-and-leap-year cycle within a century, plus one year for the gap across its end.
HORIZON_YEARS = 29

_MONTHS = {
    name: index
    for index, name in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)
}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def schedule_interval(expression: str, time_zone: str = "UTC", *, since: date | None = None) -> timedelta:
    """The longest gap between consecutive runs of a Scheduler ``rate`` or ``cron`` expression.

    :param expression: ``rate(<n> minute(s)|hour(s)|day(s))`` or ``cron(<min> <hour>
        <day-of-month> <month> <day-of-week> <year>)`` as EventBridge Scheduler takes them.
    :param time_zone: IANA name the cron expression is evaluated in. Default: UTC.
    :param since: First day to enumerate cron runs from (they are enumerated for
        :data:`HORIZON_YEARS` years). Default: today (UTC).
    :raises ValueError: for an expression Scheduler would reject, a one-time ``at(...)``
        schedule, an unknown time zone, or a cron that runs fewer than twice in the horizon.
    """
    schedule = parse_schedule(expression)
    if isinstance(schedule, timedelta):
        return schedule
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time zone {time_zone!r} is not an IANA time zone name such as 'Asia/Tokyo'") from None
    start = since or datetime.now(UTC).date()
    seconds = _longest_cron_gap(schedule.text, time_zone, start)
    return timedelta(seconds=seconds)


def parse_schedule(expression: str) -> timedelta | CronSchedule:
    """A ``rate(...)`` as its fixed interval, a ``cron(...)`` as a :class:`CronSchedule`.

    :raises ValueError: with the rule the expression breaks, as Scheduler would reject it
        (the config reader and the constructs show this text).
    """
    text = expression.strip()
    if text.startswith("rate("):
        return parse_rate(text)
    if text.startswith("at("):
        raise ValueError(f"{expression!r} is a one-time schedule: it has no interval between runs")
    cron = _CRON.match(text)
    if not cron:
        raise ValueError("expected 'rate(<value> <unit>)' or 'cron(<six fields>)'")
    return parse_cron(cron.group(1).strip())


def parse_rate(expression: str) -> timedelta:
    """The interval of ``rate(1 minute|hour|day)`` or ``rate(<n> minutes|hours|days)``, at least one minute."""
    match = _RATE.match(expression.strip())
    if not match or match.group(2) not in _RATE_UNIT_SECONDS:
        if match and match.group(2) in ("second", "seconds"):
            raise ValueError("a rate must be at least one minute (EventBridge Scheduler's minimum)")
        raise ValueError("a rate must look like 'rate(5 minutes)', 'rate(1 hour)' or 'rate(2 days)'")
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise ValueError("a rate must be at least one minute (EventBridge Scheduler's minimum)")
    # EventBridge documents 'rate(1 hours)' and 'rate(5 hour)' as invalid; Scheduler's docs do not say.
    singular = unit.removesuffix("s")
    if value == 1 and unit != singular:
        raise ValueError(f"a rate of 1 takes a singular unit: write 'rate(1 {singular})'")
    if value > 1 and unit == singular:
        raise ValueError(f"a rate above 1 takes a plural unit: write 'rate({value} {singular}s)'")
    return timedelta(seconds=value * _RATE_UNIT_SECONDS[match.group(2)])


# --------------------------------------------------------------------------- cron


@dataclass(frozen=True)
class CronSchedule:
    """A parsed six-field cron: sets of allowed values, plus the day-of-month/week specials."""

    text: str  # the six fields as written
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: "?" (day-of-week decides)
    last_day_of_month: bool
    nearest_weekday: frozenset[int]  # "15W"
    last_weekday_of_month: bool  # "LW"
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # 1=SUN..7=SAT; None: "?" (day-of-month decides)
    last_weekday_in_month: frozenset[int]  # "6L": last Friday
    nth_weekday: frozenset[tuple[int, int]]  # "2#1": first Monday
    years: frozenset[int]

    def runs_on(self, day: date) -> bool:
        if day.month not in self.months or day.year not in self.years:
            return False
        if self.days_of_week is None:
            return self._day_of_month_matches(day)
        return self._day_of_week_matches(day)

    def _day_of_month_matches(self, day: date) -> bool:
        assert self.days_of_month is not None
        last = calendar.monthrange(day.year, day.month)[1]
        if day.day in self.days_of_month or (self.last_day_of_month and day.day == last):
            return True
        if self.last_weekday_of_month and day == _nearest_weekday(day.year, day.month, last):
            return True
        return any(day == _nearest_weekday(day.year, day.month, target) for target in self.nearest_weekday if target <= last)

    def _day_of_week_matches(self, day: date) -> bool:
        assert self.days_of_week is not None
        weekday = _aws_weekday(day)
        if weekday in self.days_of_week:
            return True
        last = calendar.monthrange(day.year, day.month)[1]
        if weekday in self.last_weekday_in_month and day.day + 7 > last:
            return True
        return (weekday, (day.day - 1) // 7 + 1) in self.nth_weekday


def parse_cron(fields_text: str) -> CronSchedule:
    """Parse the six fields inside ``cron(...)``; raise ValueError naming the bad field."""
    fields = fields_text.split()
    if len(fields) != 6:
        raise ValueError(
            f"a cron expression has six fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
        )
    minute_f, hour_f, dom_f, month_f, dow_f, year_f = fields
    if (dom_f == "?") == (dow_f == "?"):
        raise ValueError("a cron expression sets exactly one of day-of-month and day-of-week; the other must be '?'")

    days_of_month: frozenset[int] | None = None
    last_day = last_weekday = False
    nearest: set[int] = set()
    if dom_f != "?":
        plain: list[str] = []
        for item in dom_f.split(","):
            if item == "L":
                last_day = True
            elif item == "LW":
                last_weekday = True
            elif re.fullmatch(r"\d{1,2}W", item):
                target = int(item[:-1])
                if not 1 <= target <= 31:
                    raise _field_error("day-of-month", item, "expected 1W to 31W")
                nearest.add(target)
            else:
                plain.append(item)
        days_of_month = _parse_field(",".join(plain), 1, 31, {}, "day-of-month") if plain else frozenset()

    days_of_week: frozenset[int] | None = None
    last_in_month: set[int] = set()
    nth: set[tuple[int, int]] = set()
    if dow_f != "?":
        plain = []
        for item in dow_f.split(","):
            if item == "L":
                plain.append("7")  # the last day of the week: Saturday
            elif re.fullmatch(r"([1-7]|[A-Za-z]{3})L", item):
                last_in_month.add(_value(item[:-1], 1, 7, _WEEKDAYS, "day-of-week"))
            elif "#" in item:
                weekday_text, _, nth_text = item.partition("#")
                weekday = _value(weekday_text, 1, 7, _WEEKDAYS, "day-of-week")
                if not nth_text.isdigit() or not 1 <= int(nth_text) <= 5:
                    raise _field_error("day-of-week", item, "expected <weekday>#1 to <weekday>#5")
                nth.add((weekday, int(nth_text)))
            else:
                plain.append(item)
        days_of_week = _parse_field(",".join(plain), 1, 7, _WEEKDAYS, "day-of-week") if plain else frozenset()

    return CronSchedule(
        text=fields_text,
        minutes=_parse_field(minute_f, 0, 59, {}, "minutes"),
        hours=_parse_field(hour_f, 0, 23, {}, "hours"),
        days_of_month=days_of_month,
        last_day_of_month=last_day,
        nearest_weekday=frozenset(nearest),
        last_weekday_of_month=last_weekday,
        months=_parse_field(month_f, 1, 12, _MONTHS, "month"),
        days_of_week=days_of_week,
        last_weekday_in_month=frozenset(last_in_month),
        nth_weekday=frozenset(nth),
        years=_parse_field(year_f, 1970, 2199, {}, "year"),
    )


def _parse_field(text: str, low: int, high: int, names: dict[str, int], field: str) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        if item == "?":
            raise _field_error(field, item, "only day-of-month or day-of-week can be '?'")
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _field_error(field, item, "the step after '/' must be a positive integer")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first_text, _, last_text = base.partition("-")
            first = _value(first_text, low, high, names, field)
            last = _value(last_text, low, high, names, field)
            if first > last:
                raise _field_error(field, item, f"a range must go from low to high ({low}-{high})")
        else:
            first = _value(base, low, high, names, field)
            last = high if slash else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(text: str, low: int, high: int, names: dict[str, int], field: str) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{field} must be {low}-{high}" + (" or a name" if names else "") + f", got {text!r}")
    return int(text)


def _field_error(field: str, item: str, rule: str) -> ValueError:
    return ValueError(f"{field} field has {item!r}: {rule}")


def _aws_weekday(day: date) -> int:
    """Cron's day-of-week number: 1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, target: int) -> date:
    """The weekday nearest to the ``target`` day of a month, without leaving the month ("15W")."""
    day = date(year, month, target)
    if day.weekday() == 5:  # Saturday: Friday before, or Monday after if the 1st
        return day - timedelta(days=1) if target > 1 else day + timedelta(days=2)
    if day.weekday() == 6:  # Sunday: Monday after, or Friday before if the last day
        last = calendar.monthrange(year, month)[1]
        return day + timedelta(days=1) if target < last else day - timedelta(days=2)
    return day


@functools.lru_cache(maxsize=256)
def _longest_cron_gap(fields_text: str, time_zone: str, since: date) -> int:
    cron = parse_cron(fields_text)  # cached by its text: the CronSchedule itself is parsed again
    zone = ZoneInfo(time_zone)
    times = sorted(time(hour, minute) for hour in cron.hours for minute in cron.minutes)
    # Gaps within one day whose UTC offset does not change, in seconds of wall clock.
    wall = [t.hour * 3600 + t.minute * 60 for t in times]
    steady_day_gap = max((b - a for a, b in zip(wall, wall[1:], strict=False)), default=0)

    # Most zones (UTC, Asia/Tokyo) keep one UTC offset all along: then a day's runs are plain arithmetic.
    fixed_offset = _fixed_offset(zone, since, HORIZON_YEARS)
    longest = 0
    previous_run: int | None = None
    run_count = 0
    for day in _days(since, HORIZON_YEARS):
        if not cron.runs_on(day):
            continue
        if fixed_offset is not None:
            midnight = (day.toordinal() - _EPOCH_ORDINAL) * 86_400 - fixed_offset
            first, last = midnight + wall[0], midnight + wall[-1]
            day_gap, count = steady_day_gap, len(times)
        elif _offset_changes(day, zone):
            runs = _runs_on_transition_day(day, times, zone)
            if not runs:
                continue
            day_gap = max((b - a for a, b in zip(runs, runs[1:], strict=False)), default=0)
            first, last, count = runs[0], runs[-1], len(runs)
        else:
            first, last = _epoch(day, times[0], zone), _epoch(day, times[-1], zone)
            day_gap, count = steady_day_gap, len(times)
        if previous_run is not None:
            longest = max(longest, first - previous_run)
        longest = max(longest, day_gap)
        previous_run = last
        run_count += count
    if run_count < 2:
        raise ValueError(f"cron({fields_text}) runs fewer than twice in the {HORIZON_YEARS} years from {since}: no interval")
    return longest


def _days(start: date, years: int) -> Iterator[date]:
    end = date(min(start.year + years, 9999), start.month, min(start.day, 28))
    day = start
    one = timedelta(days=1)
    while day < end:
        yield day
        day += one


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _fixed_offset(zone: ZoneInfo, since: date, years: int) -> int | None:
    """The zone's UTC offset in seconds when it is the same on every day of the horizon, else None.

    Checked at every month's 1st and 15th: a zone with daylight saving time differs
    between some of them, so only zones without any change take the fast path.
    """
    offsets = {
        datetime(since.year + year, month, day, tzinfo=zone).utcoffset()
        for year in range(years + 1)
        for month in range(1, 13)
        for day in (1, 15)
        if since.year + year <= 9999
    }
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return int(offset.total_seconds())


def _offset_changes(day: date, zone: ZoneInfo) -> bool:
    start = datetime.combine(day, time(0), tzinfo=zone).utcoffset()
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).utcoffset()
    return start != end


def _epoch(day: date, at: time, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, at, tzinfo=zone).timestamp())


def _runs_on_transition_day(day: date, times: list[time], zone: ZoneInfo) -> list[int]:
    """Runs on a day whose UTC offset changes: skip local times that do not exist, run repeated ones once."""
    runs: list[int] = []
    for at in times:
        local = datetime.combine(day, at, tzinfo=zone)  # fold=0: the first of two repeated times
        instant = local.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
            continue  # in the spring-forward gap: Scheduler skips it
        runs.append(int(instant.timestamp()))
    return sorted(set(runs))
