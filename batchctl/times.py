"""Times as people type and read them (Batch's epoch milliseconds are read by ``batch_stack_lambdas.common.from_millis``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from batch_stack_lambdas.common import format_duration

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, *, now: datetime, tz: tzinfo | None = None) -> datetime:
    """``6h``, ``30m``, ``2d``, ``1w`` before ``now``, or an ISO 8601 time.

    An ISO time without an offset is read in ``tz`` (default: the local zone).
    Raises ValueError with a message fit for argparse.
    """
    match = _RELATIVE.match(text)
    if match:
        return now - timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"expected a duration such as 30m, 6h, 2d, 1w or an ISO time such as 2026-03-01T09:00, got {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz) if tz is not None else moment.astimezone()
    return moment


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with millisecond precision, e.g. ``2026-03-01T09:00:05.120Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def human(moment: datetime | None, tz: tzinfo | None = None) -> str:
    """``2026-03-01 18:00:05`` in ``tz`` (default: the local zone); ``-`` when missing."""
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def duration(seconds: float | None) -> str:
    """``45s``, ``3m05s``, ``1h02m``, ``2d03h``; ``-`` when missing."""
    return "-" if seconds is None else format_duration(seconds)
