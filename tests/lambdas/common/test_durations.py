"""common.durations: the seconds between two times, and batchctl's and the notifier's ways of showing them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from batch_stack_lambdas import common

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (45.4, "45s"),
        (59.5, "1m00s"),
        (185, "3m05s"),
        (3720, "1h02m"),
        (86_400, "1d00h"),
        (2 * 86400 + 3 * 3600, "2d03h"),
        (-5, "0s"),
    ],
)
def test_the_short_form_shows_the_two_largest_units(seconds, shown):
    assert common.format_duration(seconds) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0s"), (9, "9s"), (309, "5m 09s"), (3600, "1h 00m 00s"), (3723, "1h 02m 03s"), (26 * 3600 + 62, "26h 01m 02s")],
)
def test_the_notifiers_form_counts_hours_and_shows_every_unit_down_to_seconds(seconds, shown):
    assert common.format_duration(seconds, days=False, parts=3, separator=" ") == shown


def test_seconds_between_two_times():
    assert common.seconds_between(T0, T0 + timedelta(minutes=2, milliseconds=120)) == 120.12
    assert common.seconds_between(T0, T0) == 0.0
    assert common.seconds_between(T0 + timedelta(seconds=1), T0) is None
    assert common.seconds_between(None, T0) is None and common.seconds_between(T0, None) is None


def test_seconds_between_epoch_milliseconds_are_exact():
    started, stopped = common.from_millis(1_772_388_060_000), common.from_millis(1_772_388_600_123)
    assert common.seconds_between(started, stopped) == (1_772_388_600_123 - 1_772_388_060_000) / 1000
