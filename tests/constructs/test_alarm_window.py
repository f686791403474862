"""The window of a missed-run alarm within CloudWatch's limits, and how durations read in its messages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from batch_stack.alarm_window import MAX_ALARM_RANGE, human_duration, missed_run_window


@pytest.mark.parametrize(
    ("interval", "multiple", "expected"),
    [
        (timedelta(minutes=5), 2, (60, 10)),
        (timedelta(hours=3), 2, (300, 72)),
        (timedelta(days=1), 2, (3600, 48)),
        (timedelta(days=5), 2, (3600, 168)),  # 10 days cut to CloudWatch's 7
    ],
)
def test_missed_run_window_fits_cloudwatch_limits(interval, multiple, expected):
    window = missed_run_window(interval, multiple)
    assert window is not None
    assert (window.period_seconds, window.periods) == expected
    assert window.period_seconds * window.periods <= 7 * 86400
    assert window.period_seconds >= 3600 or window.period_seconds * window.periods <= 86400


def test_missed_run_window_gives_up_when_the_interval_nears_seven_days():
    assert missed_run_window(timedelta(days=7), 2) is None


def test_a_window_under_seven_days_is_the_multiple_of_the_interval():
    window = missed_run_window(timedelta(hours=3), 2.5)
    assert window is not None
    assert window.window == timedelta(hours=7, minutes=30)
    assert window.interval == timedelta(hours=3)


def test_a_cut_window_is_exactly_the_longest_alarm_range():
    window = missed_run_window(timedelta(days=4), 2)
    assert window is not None
    assert window.window == MAX_ALARM_RANGE == timedelta(days=7)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(days=7), "7 days"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=3), "3 hours"),
        (timedelta(hours=25), "25 hours"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(seconds=90), "90 seconds"),
    ],
)
def test_human_duration_uses_the_largest_whole_unit(duration, text):
    assert human_duration(duration) == text
