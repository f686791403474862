"""Tolerant readers of JSON fields, for the events and API answers AWS sends.

AWS adds fields at any time and a field this code expects may be missing, null or
of another type; each reader returns an empty value then instead of raising, so a
caller reads a new shape of event as far as it can.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any


def as_text(value: Any) -> str:
    """A string as it is, ``""`` for None, anything else as ``str(value)``."""
    return value if isinstance(value, str) else "" if value is None else str(value)


def as_mapping(value: Any) -> Mapping[str, Any]:
    """An object as it is; ``{}`` for anything else."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> Sequence[Any]:
    """A list as it is; ``[]`` for anything else."""
    return value if isinstance(value, list) else []


def from_millis(value: Any) -> datetime | None:
    """An epoch-millisecond time (AWS Batch's and CloudWatch Logs' form) as an aware UTC datetime.

    None for a missing, zero or negative value, for anything not a number, and for a
    number no datetime can hold.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
