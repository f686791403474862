"""Rendering and time formats: plain text when piped, rich on a terminal, spinner only on a terminal."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from batchctl import render, times

COLUMNS = (render.Column("NAME"), render.Column("DURATION", justify="right"), render.Column("REASON", no_wrap=False))
ROWS = [["fetch_entries", "2m00s", "Essential container in task exited"], ["update_recommendation", "45s", "-"]]


def test_plain_table_aligns_columns_and_leaves_the_last_unpadded():
    out = io.StringIO()
    render.table(COLUMNS, ROWS, out, tty=False)
    assert out.getvalue().splitlines() == [
        "NAME                   DURATION  REASON",
        "fetch_entries             2m00s  Essential container in task exited",
        "update_recommendation       45s  -",
    ]


def test_terminal_table_is_styled_and_keeps_every_cell():
    out = io.StringIO()
    status = (render.Column("STATUS", status=True), render.Column("NAME"))
    render.table(status, [["FAILED", "fetch_entries"], ["SUCCEEDED", "update"]], out, tty=True, width=60)
    text = out.getvalue()
    assert "\x1b[1;31mFAILED" in text  # bold red
    assert "\x1b[32mSUCCEEDED" in text  # green
    assert "fetch_entries" in text and "update" in text


def test_spinner_draws_on_a_terminal_only():
    drawn, quiet = io.StringIO(), io.StringIO()
    with render.spinner("Listing jobs...", enabled=True, stream=drawn):
        pass
    with render.spinner("Listing jobs...", enabled=False, stream=quiet):
        pass
    assert "Listing jobs..." in drawn.getvalue()
    assert quiet.getvalue() == ""


def test_jobs_on_a_pipe_shows_no_spinner(aws):
    aws.submit("update_recommendation")
    result = aws.run("jobs", "--queue", "go-active-learning", tty=False)
    assert "Listing" not in result.err
    assert "\x1b[" not in result.out


def test_csv_writes_none_as_empty():
    out = io.StringIO()
    render.as_csv(("a", "b"), [{"a": 1, "b": None}], out)
    assert out.getvalue() == "a,b\n1,\n"


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
    assert times.iso(times.from_millis(1_772_355_600_120)) == "2026-03-01T09:00:00.120Z"
    assert times.from_millis(0) is None
