"""schedule_interval: the longest gap between runs of Scheduler rate and cron expressions, time zones included."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from batch_stack.schedule_interval import parse_cron, schedule_interval

SINCE = date(2026, 1, 1)


def gap(expression: str, time_zone: str = "UTC") -> timedelta:
    return schedule_interval(expression, time_zone, since=SINCE)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(15 minutes)", timedelta(minutes=15)),
        ("rate(3 hours)", timedelta(hours=3)),  # the original setup's schedule
        ("rate(1 day)", timedelta(days=1)),
        ("rate(7 days)", timedelta(days=7)),
    ],
)
def test_rate_is_its_duration(expression, expected):
    assert gap(expression) == expected


def test_rate_ignores_the_time_zone():
    assert gap("rate(1 day)", "America/New_York") == timedelta(days=1)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 */3 * * ? *)", timedelta(hours=3)),
        ("cron(0/15 * * * ? *)", timedelta(minutes=15)),
        ("cron(0 9 * * ? *)", timedelta(days=1)),
        ("cron(0 9,17 * * ? *)", timedelta(hours=16)),  # 17:00 to 09:00 next day
        ("cron(0 9 ? * MON-FRI *)", timedelta(days=3)),  # Friday to Monday
        ("cron(0 9 ? * 2-6 *)", timedelta(days=3)),  # the same in numbers (1 = Sunday)
        ("cron(30 6 ? * MON,THU *)", timedelta(days=4)),  # Thursday to Monday
        ("cron(0 0 1 * ? *)", timedelta(days=31)),
        ("cron(0 0 L * ? *)", timedelta(days=31)),  # last day of the month: e.g. Feb 28 to Mar 31
        ("cron(0 0 ? * 6L *)", timedelta(days=35)),  # last Friday of the month
        ("cron(0 0 ? * 2#1 *)", timedelta(days=35)),  # first Monday of the month
        ("cron(0 0 15W * ? *)", timedelta(days=32)),  # the weekday nearest the 15th
        ("cron(0 12 1 JAN,JUL ? *)", timedelta(days=184)),
        ("cron(0 0 29 2 ? *)", timedelta(days=366 + 365 * 3)),  # leap days only
    ],
)
def test_cron_gap_is_the_longest_between_runs(expression, expected):
    assert gap(expression) == expected


def test_cron_year_field_limits_the_runs():
    assert gap("cron(0 0 1 1 ? 2026-2030)") == timedelta(days=366)  # 2028 is a leap year


def test_daily_run_in_a_dst_zone_gains_an_hour_when_clocks_go_back():
    # 09:00 Europe/London: 25 hours from Saturday to Sunday when summer time ends.
    assert gap("cron(0 9 * * ? *)", "Europe/London") == timedelta(hours=25)


def test_run_in_the_spring_forward_gap_is_skipped():
    # 02:30 does not exist in New York on the day clocks go forward, so that day has no run.
    assert gap("cron(30 2 * * ? *)", "America/New_York") == timedelta(hours=47)


def test_repeated_local_time_runs_once():
    # 01:30 happens twice when New York falls back; Scheduler runs it once, so the gap is 25 hours, not 1.
    assert gap("cron(30 1 * * ? *)", "America/New_York") == timedelta(hours=25)


def test_zone_without_daylight_saving_keeps_a_day():
    assert gap("cron(0 3 * * ? *)", "Asia/Tokyo") == timedelta(days=1)


def test_every_minute_in_a_dst_zone_has_one_long_gap():
    assert gap("cron(* * * * ? *)", "Europe/London") == timedelta(hours=1, minutes=1)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(0 hours)", "at least one minute"),
        ("rate(5 weeks)", "a rate must look like"),
        ("cron(0 9 * * *)", "has six fields .*got 5"),
        ("cron(0 9 * * MON *)", "exactly one of day-of-month and day-of-week; the other must be '\\?'"),
        ("cron(0 9 ? * ? *)", "exactly one of"),
        ("cron(60 9 * * ? *)", "minutes must be 0-59, got '60'"),
        ("cron(0 24 * * ? *)", "hours must be 0-23, got '24'"),
        ("cron(0 9 * FOO ? *)", "month must be 1-12 or a name, got 'FOO'"),
        ("cron(0 9 ? * FUNDAY *)", "day-of-week must be 1-7 or a name, got 'FUNDAY'"),
        ("cron(0 9 ? * MON#6 *)", "#1 to <weekday>#5"),
        ("cron(0 9 5-1 * ? *)", "a range must go from low to high"),
        ("cron(0/0 9 * * ? *)", "step after '/' must be a positive integer"),
        ("cron(0 0 1 1 ? 2020)", "runs fewer than twice"),
        ("cron(? 9 * * ? *)", "only day-of-month or day-of-week can be"),
        ("at(2026-03-01T09:00:00)", "one-time schedule"),
        ("every day", "expected 'rate"),
    ],
)
def test_invalid_expressions_are_rejected(expression, message):
    with pytest.raises(ValueError, match=message):
        gap(expression)


def test_unknown_time_zone_is_rejected():
    with pytest.raises(ValueError, match="'Asia/Atlantis' is not an IANA time zone"):
        gap("cron(0 9 * * ? *)", "Asia/Atlantis")


def test_parse_cron_reads_names_steps_and_specials():
    cron = parse_cron("0/20 8-10 ? JAN-MAR MON#2,FRIL *")
    assert cron.minutes == {0, 20, 40}
    assert cron.hours == {8, 9, 10}
    assert cron.months == {1, 2, 3}
    assert cron.days_of_month is None
    assert cron.nth_weekday == {(2, 2)} and cron.last_weekday_in_month == {6}
