"""batchctl.render: plain text when piped, rich on a terminal, spinner only on a terminal, CSV."""

from __future__ import annotations

import io

from batchctl import render

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
