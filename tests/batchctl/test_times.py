"""batchctl.times: short durations, --since as a duration or an ISO time, ISO output in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from batch_stack_lambdas import common
from batchctl import times


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "-"), (0, "0s"), (45.4, "45s"), (185, "3m05s"), (3720, "1h02m"), (2 * 86400 + 3 * 3600, "2d03h")],
)
def test_durations_are_short(seconds, shown):
    assert times.duration(seconds) == shown


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", NOW - timedelta(minutes=30)),
        ("6h", NOW - timedelta(hours=6)),
        ("2d", NOW - timedelta(days=2)),
        ("1w", NOW - timedelta(weeks=1)),
        ("2026-03-01T09:00:00Z", datetime(2026, 3, 1, 9, tzinfo=UTC)),
        ("2026-03-01T18:00+09:00", datetime(2026, 3, 1, 9, tzinfo=UTC)),
        ("2026-03-01 09:00", datetime(2026, 3, 1, 9, tzinfo=UTC)),
    ],
)
def test_since_takes_durations_and_iso_times(text, expected):
    assert times.parse_since(text, now=NOW, tz=UTC) == expected


def test_since_without_offset_is_read_in_the_given_zone():
    tokyo = timezone(timedelta(hours=9))
    assert times.parse_since("2026-03-01T18:00", now=NOW, tz=tokyo) == datetime(2026, 3, 1, 9, tzinfo=UTC)


def test_since_rejects_other_text():
    with pytest.raises(ValueError, match="expected a duration such as 30m"):
        times.parse_since("yesterday", now=NOW)


def test_json_times_are_utc_iso_with_milliseconds():
    assert times.iso(common.from_millis(1_772_355_600_120)) == "2026-03-01T09:00:00.120Z"
    assert common.from_millis(0) is None
