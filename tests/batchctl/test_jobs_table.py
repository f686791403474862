"""batchctl.jobs_table: the columns a terminal's width keeps (ids whole, statuses kept), and the lines around the table."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from batchctl import jobs_table, listing, render

T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = T + timedelta(hours=1)
PARENT = "e1bd2f8c-9a3b-4c5d-8e7f-0123456789ab"
#: The longest id Batch gives: an array child's, its parent's UUID, ":" and an index up to 9,999 (size 10,000 at most).
LONGEST_ID = f"{PARENT}:9999"
LONG_NAME = "update_recommendation_for_every_active_user_of_the_catalogue"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def job(job_id: str, name: str, status: str, *, queue: str = "ml-jobs", **fields) -> listing.JobRow:
    stopped = T + timedelta(minutes=5) if status in ("SUCCEEDED", "FAILED") else None
    values = dict(status_reason=None, created_at=T, started_at=T + timedelta(minutes=1), stopped_at=stopped, exit_code=None)
    return listing.JobRow(job_id=job_id, job_name=name, job_queue=queue, status=status, **{**values, **fields})


ROWS = [
    job("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "train_classifier", "RUNNING"),
    job(
        "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
        LONG_NAME,
        "FAILED",
        status_reason="Essential container in task exited",
        exit_code=1,
    ),
    job(LONGEST_ID, "fetch_entries", "SUCCEEDED", exit_code=0),
    job(PARENT, "fetch_entries", "SUCCEEDED", array_size=10000),
]


def headers(table: jobs_table.Table) -> list[str]:
    return [column.header for column in table.columns]


@pytest.mark.parametrize(
    ("width", "shown"),
    [
        (60, ["JOB ID", "STATUS", "EXIT"]),
        (80, ["NAME", "JOB ID", "STATUS", "EXIT"]),
        (100, ["NAME", "JOB ID", "STATUS", "STOPPED", "EXIT"]),
        (120, ["NAME", "JOB ID", "STATUS", "STOPPED", "EXIT", "REASON"]),
        (200, [c.header for c in jobs_table.COLUMNS]),
    ],
)
def test_the_width_keeps_columns_by_priority_and_names_the_others(width, shown):
    table = jobs_table.fit(jobs_table.build(ROWS, NOW, UTC), width)
    assert headers(table) == shown
    assert list(table.left_out) == [c.header for c in jobs_table.COLUMNS if c.header not in shown]
    assert render.table_width(table.widths) <= width
    assert table.widths[shown.index("JOB ID")] == len(LONGEST_ID)  # never cut
    if "NAME" in shown:
        assert table.widths[shown.index("NAME")] >= jobs_table.WRAP_LEAST["NAME"]


def test_several_queues_bring_a_queue_column_that_fits_at_200():
    rows = [*ROWS, job("9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "estimate_gmm", "SUCCEEDED", queue="ml-jobs-spot")]
    table = jobs_table.build(rows, NOW, UTC)
    assert headers(table)[0] == "QUEUE"
    assert jobs_table.fit(table, 200).left_out == ()
    # At 80 the queue is one of the columns left out (and the footer says "in 2 queues").
    assert "QUEUE" in jobs_table.fit(table, 80).left_out


@pytest.mark.parametrize("width", [30, 45, 50])
def test_a_terminal_narrower_than_an_id_and_a_status_still_gets_both_whole(width):
    table = jobs_table.fit(jobs_table.build(ROWS, NOW, UTC), width)
    assert headers(table) == ["JOB ID", "STATUS"]
    assert table.widths == (len(LONGEST_ID), len("SUCCEEDED"))


def test_a_table_wider_than_the_terminal_has_no_padding_to_wrap_into_blank_lines():
    table = jobs_table.fit(jobs_table.build(ROWS, NOW, UTC), 40)
    out = io.StringIO()
    render.table(table.columns, table.rows, out, tty=True, width=40, widths=table.widths)
    lines = ANSI.sub("", out.getvalue()).splitlines()
    assert lines[0] == "JOB ID                                     STATUS"
    assert all(line == line.rstrip() for line in lines)
    assert f"{LONGEST_ID}  SUCCEEDED" in lines


def test_short_names_and_reasons_need_no_more_than_their_length():
    rows = [job("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "etl", "FAILED", status_reason="OOM", exit_code=137)]
    spaces = {space.header: space for space in jobs_table.spaces(jobs_table.build(rows, NOW, UTC))}
    assert (spaces["NAME"].least, spaces["NAME"].most) == (4, 4)  # the header
    assert (spaces["REASON"].least, spaces["REASON"].most) == (6, 6)
    assert spaces["JOB ID"].least == spaces["JOB ID"].most == 36


def test_long_names_wrap_but_ids_and_statuses_are_whole_on_one_line_at_80_columns():
    table = jobs_table.fit(jobs_table.build(ROWS, NOW, UTC), 80)
    out = io.StringIO()
    render.table(table.columns, table.rows, out, tty=True, width=80, widths=table.widths)
    lines = ANSI.sub("", out.getvalue()).splitlines()
    assert all(len(line) <= 80 for line in lines)
    for row in ROWS:
        (line,) = [line for line in lines if f" {row.job_id} " in line]
        assert row.status in line.split()
    # The long name folds within its column, over the failed job's line and the lines after it.
    name_width = table.widths[0]
    start = next(i for i, line in enumerate(lines) if ROWS[1].job_id in line)
    pieces = [lines[start][:name_width].strip()]
    for line in lines[start + 1 :]:
        if line[name_width:].strip():  # the next row
            break
        pieces.append(line[:name_width].strip())
    assert "".join(pieces) == LONG_NAME
    assert len(pieces) > 1


def test_wide_keeps_every_column_at_its_widest_cell():
    table = jobs_table.wide(jobs_table.build(ROWS, NOW, UTC))
    assert headers(table) == [c.header for c in jobs_table.COLUMNS]
    assert table.left_out == ()
    assert table.widths[0] == len(LONG_NAME)


def test_cells_show_an_array_parent_by_its_size_and_missing_values_as_dashes():
    running, failed, child, parent = (jobs_table.cells(row, NOW, UTC) for row in ROWS)
    assert running[5:] == ["-", "59m00s", "-", "-"]
    assert failed[7:] == ["1", "Essential container in task exited"]
    assert child[1] == LONGEST_ID
    assert parent[0].endswith(" (array of 10000)") and parent[7] == "-"


def test_left_out_notice_is_one_short_line_or_nothing():
    assert jobs_table.left_out_notice(()) is None
    notice = jobs_table.left_out_notice(("QUEUE", "CREATED", "STARTED", "STOPPED", "EXIT", "REASON"))
    assert notice == "left out: QUEUE, CREATED, STARTED, STOPPED, EXIT, REASON (see --wide or -o csv)"
    many = [c.header for c in jobs_table.COLUMNS][2:] + ["QUEUE"]
    assert jobs_table.left_out_notice(many, 50) == "left out: 8 columns (see --wide or -o csv)"
    assert jobs_table.left_out_notice(many, 40) == "left out: 8 columns (--wide)"
    assert all(len(jobs_table.left_out_notice(many, width)) <= width for width in range(28, 120))
    assert len(notice) <= 80 and "\n" not in notice


def listed(rows, total=None) -> listing.Listing:
    return listing.Listing(rows=list(rows), total=len(rows) if total is None else total, api_calls=1)


def test_footer_names_the_queue_or_counts_the_queues():
    assert jobs_table.footer(listed(ROWS), 50, tty=True) == "4 jobs in ml-jobs"
    other = job("9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "estimate_gmm", "SUCCEEDED", queue="ml-jobs-spot")
    assert jobs_table.footer(listed([ROWS[0], other]), 50, tty=True) == "2 jobs in 2 queues"
    assert jobs_table.footer(listed(ROWS[:1]), 50, tty=True) == "1 job in ml-jobs"


def test_footer_with_limit_is_one_line_on_a_terminal_and_piped():
    expected = "showing 2 of 57 jobs in ml-jobs (--limit 2; --limit 0 shows all)"
    assert jobs_table.footer(listed(ROWS[:2], total=57), 2, tty=True) == expected
    assert jobs_table.footer(listed(ROWS[:2], total=57), 2, tty=False) == expected


def test_footer_is_left_out_when_piped_and_complete_or_empty():
    assert jobs_table.footer(listed(ROWS), 50, tty=False) is None
    assert jobs_table.footer(listed([]), 50, tty=True) is None


def test_no_match_names_only_the_filters_given():
    assert (
        jobs_table.no_match(["ml-jobs"], statuses=None, name_prefix=None, since_text=None, since=None, tz=UTC)
        == "no jobs match queue=ml-jobs"
    )
    message = jobs_table.no_match(
        ["ml-jobs", "ml-jobs-spot"],
        statuses=["FAILED", "RUNNING", "FAILED"],
        name_prefix="fetch",
        since_text="6h",
        since=T,
        tz=UTC,
    )
    assert message == "no jobs match queue=ml-jobs,ml-jobs-spot status=FAILED,RUNNING name=fetch* since=6h (2026-03-01 09:00:00)"


def test_a_wide_character_counts_as_the_two_cells_it_takes():
    rows = [job("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "etl", "FAILED", queue="キュー", status_reason="OOM")]
    other = job("5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9", "etl", "FAILED", queue="q")
    spaces = {space.header: space for space in jobs_table.spaces(jobs_table.build([*rows, other], NOW, UTC))}
    assert spaces["QUEUE"].most == 6
