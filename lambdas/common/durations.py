"""How long something took: the seconds between two times, and those seconds as people read them."""

from __future__ import annotations

from datetime import datetime

_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from ``start`` to ``end``; None when either is missing or ``end`` comes first."""
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()


def format_duration(seconds: float, *, days: bool = True, parts: int = 2, separator: str = "") -> str:
    """Whole seconds (rounded; below 0 as 0) from the largest unit that is not zero, ``parts`` units at most.

    Every unit after the first has two digits. The default is batchctl's short form:
    ``45s``, ``3m05s``, ``1h02m``, ``2d03h``. The notifier shows hours as the largest
    unit and every unit down to seconds, spaced (``days=False, parts=3, separator=" "``):
    ``9s``, ``5m 09s``, ``1h 02m 03s``, ``26h 00m 00s``.
    """
    units = _UNITS if days else _UNITS[1:]
    rest = max(0, int(round(seconds)))
    values = []
    for _, size in units:
        value, rest = divmod(rest, size)
        values.append(value)
    start = next((index for index, value in enumerate(values) if value), len(values) - 1)
    shown = [f"{value:02d}{unit}" for (unit, _), value in zip(units, values, strict=True)]
    shown[start] = f"{values[start]}{units[start][0]}"
    return separator.join(shown[start : start + parts])
