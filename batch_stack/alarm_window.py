"""How far back a missed-run alarm looks: CloudWatch's limits applied to a schedule's interval.

:func:`batch_stack.schedule_interval.schedule_interval` says how long a schedule can
go between two runs; :func:`missed_run_window` turns "no success within N x that"
into the period and number of periods of a CloudWatch alarm. Pure Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

#: The longest range a CloudWatch alarm evaluates (period x evaluation periods).
MAX_ALARM_RANGE = timedelta(days=7)


@dataclass(frozen=True)
class MissedRunWindow:
    """How a missed-run alarm looks back: ``periods`` periods of ``period_seconds``, all without a success."""

    interval: timedelta
    window: timedelta
    period_seconds: int
    periods: int


def missed_run_window(interval: timedelta, multiple: float) -> MissedRunWindow | None:
    """The alarm window for a schedule whose runs are at most ``interval`` apart.

    The window is ``multiple`` x ``interval``, rounded up to whole periods (1 minute
    up to an hour, 5 minutes up to a day, 1 hour beyond: CloudWatch allows at most a
    day of sub-hour periods and seven days in all). A window over seven days is cut
    to seven days while that is still at least 1.25 x the interval; otherwise there
    is no window (``None``) and no alarm can watch the schedule.
    """
    window = interval * multiple
    if window > MAX_ALARM_RANGE:
        if interval * 1.25 > MAX_ALARM_RANGE:
            return None
        window = MAX_ALARM_RANGE
    seconds = window.total_seconds()
    period = 60 if seconds <= 3600 else 300 if seconds <= 86400 else 3600
    periods = max(1, math.ceil(seconds / period))
    return MissedRunWindow(interval=interval, window=window, period_seconds=period, periods=periods)


def human_duration(duration: timedelta) -> str:
    """``3 hours``, ``7 days``, ``90 seconds``: the largest whole unit, as alarm descriptions and warnings say it."""
    seconds = int(duration.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
