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


# --------------------------------------------------------------------------- fit


def test_fit_takes_columns_by_priority_while_their_least_fits():
    spaces = [render.Space("ID", 10, 10), render.Space("STATUS", 6, 6), render.Space("WHEN", 8, 8)]
    assert render.fit(40, spaces) == {"ID": 10, "STATUS": 6, "WHEN": 8}
    assert render.fit(20, spaces) == {"ID": 10, "STATUS": 6}
    assert render.fit(18, spaces) == {"ID": 10, "STATUS": 6}
    assert render.fit(17, spaces) == {"ID": 10}


def test_fit_skips_a_column_too_wide_and_still_tries_narrower_ones():
    spaces = [render.Space("ID", 10, 10), render.Space("STOPPED", 19, 19), render.Space("EXIT", 4, 4)]
    assert render.fit(20, spaces) == {"ID": 10, "EXIT": 4}


def test_fit_always_keeps_the_first_column_whole():
    assert render.fit(5, [render.Space("ID", 41, 41), render.Space("STATUS", 6, 6)]) == {"ID": 41}


def test_fit_gives_the_spare_width_to_wrapping_columns_in_priority_order():
    spaces = [render.Space("ID", 10, 10), render.Space("NAME", 4, 30), render.Space("REASON", 6, 40)]
    assert render.fit(30, spaces) == {"ID": 10, "NAME": 10, "REASON": 6}
    assert render.fit(60, spaces) == {"ID": 10, "NAME": 30, "REASON": 16}
    assert render.fit(200, spaces) == {"ID": 10, "NAME": 30, "REASON": 40}  # never wider than the widest cell


def test_table_width_counts_the_gaps_between_columns():
    assert render.table_width([10, 6, 8]) == 10 + 6 + 8 + 2 * render.GAP
    assert render.table_width([]) == 0


def test_fixed_widths_never_cut_a_cell_and_widen_the_table_past_the_terminal():
    out = io.StringIO()
    columns = (render.Column("JOB ID"), render.Column("STATUS", status=True))
    job_id = "e1bd2f8c-9a3b-4c5d-8e7f-0123456789ab:9999"
    render.table(columns, [[job_id, "SUCCEEDED"]], out, tty=True, width=30, widths=[len(job_id), 9])
    line = out.getvalue().splitlines()[1]
    assert job_id in line and "SUCCEEDED" in line


def test_without_fixed_widths_rich_cuts_to_the_terminal():
    """What the jobs table did before it chose its columns: a narrow terminal cut the id."""
    out = io.StringIO()
    job_id = "e1bd2f8c-9a3b-4c5d-8e7f-0123456789ab:9999"
    render.table((render.Column("JOB ID"), render.Column("STATUS")), [[job_id, "SUCCEEDED"]], out, tty=True, width=30)
    assert job_id not in out.getvalue()


def test_terminal_width_is_the_given_one_or_the_terminals(monkeypatch):
    assert render.terminal_width(io.StringIO(), 123) == 123
    monkeypatch.setenv("COLUMNS", "97")
    assert render.terminal_width(io.StringIO()) == 97


def test_fixed_widths_keep_numbers_right_aligned():
    out = io.StringIO()
    columns = (render.Column("NAME"), render.Column("DURATION", justify="right"), render.Column("EXIT", justify="right"))
    render.table(columns, [["a", "5s", "-"], ["bb", "2h29m", "137"]], out, tty=True, width=80, widths=[4, 8, 4])
    assert [line.rstrip() for line in out.getvalue().splitlines()[1:]] == ["a           5s     -", "bb       2h29m   137"]
