"""The ``batchctl jobs`` table: its cells, which columns a terminal has room for, and the lines around it.

On a terminal the columns are chosen by priority (:data:`PRIORITY`) for its width,
so that below 200 columns the job id stays whole (it is what ``show`` and ``logs``
take) and every row keeps its status; what does not fit is named on stderr. Piped,
the table has every column: a script reads it, and lines may be as long as they need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from batchctl import listing, render, times

QUEUE = render.Column("QUEUE")
#: Every column, in the order shown; QUEUE first when the jobs come from several queues.
COLUMNS = (
    render.Column("NAME", no_wrap=False),
    render.Column("JOB ID"),
    render.Column("STATUS", status=True),
    render.Column("CREATED"),
    render.Column("STARTED"),
    render.Column("STOPPED"),
    render.Column("DURATION", justify="right"),
    render.Column("EXIT", justify="right"),
    render.Column("REASON", no_wrap=False),
)
#: Which columns a narrow terminal keeps first: the id to copy, then what happened to the job.
PRIORITY = ("JOB ID", "STATUS", "NAME", "STOPPED", "EXIT", "REASON", "QUEUE", "DURATION", "STARTED", "CREATED")
#: The first columns of :data:`PRIORITY`, shown at any width: the id, and the status of each row.
ALWAYS_SHOWN = 2
#: The narrowest a wrapping column is drawn (narrower, a name or reason is more lines than words).
WRAP_LEAST = {"NAME": 16, "REASON": 20}


def cells(row: listing.JobRow, now: datetime, tz: Any) -> list[str]:
    """One row's cells in :data:`COLUMNS` order."""
    # An array parent's size goes with its name (which wraps), so that EXIT stays narrow enough to fit.
    name = f"{row.job_name} (array of {row.array_size})" if row.array_size else row.job_name
    return [
        name,
        row.job_id,
        row.status,
        times.human(row.created_at, tz),
        times.human(row.started_at, tz),
        times.human(row.stopped_at, tz),
        times.duration(row.duration_seconds(now)),
        str(row.exit_code) if row.exit_code is not None else "-",
        row.status_reason or "-",
    ]


@dataclass(frozen=True)
class Table:
    """What to print: the columns (in display order), their rows, and the widths fixed for a terminal."""

    columns: tuple[render.Column, ...]
    rows: list[list[str]]
    widths: tuple[int, ...] | None  # None: let the table be as wide as its cells (piped, or --wide)
    left_out: tuple[str, ...]  # headers, in display order


def build(rows: Sequence[listing.JobRow], now: datetime, tz: Any) -> Table:
    """Every column for ``rows``; QUEUE only when they come from more than one queue."""
    with_queue = len({row.job_queue for row in rows}) > 1
    columns = ((QUEUE,) if with_queue else ()) + COLUMNS
    table_rows = [([row.job_queue] if with_queue else []) + cells(row, now, tz) for row in rows]
    return Table(columns=columns, rows=table_rows, widths=None, left_out=())


def spaces(table: Table) -> list[render.Space]:
    """What each column of ``table`` needs, in :data:`PRIORITY` order.

    A column that does not wrap needs its widest cell, so that it is never cut; one that
    wraps (NAME, REASON) needs at least :data:`WRAP_LEAST` (or less, when all its cells are shorter).
    """
    from rich.cells import cell_len  # as rich measures: a wide character takes two cells

    needs = {}
    for index, column in enumerate(table.columns):
        most = max([cell_len(column.header)] + [cell_len(row[index]) for row in table.rows])
        least = most if column.no_wrap else min(most, WRAP_LEAST.get(column.header, most))
        needs[column.header] = render.Space(column.header, least=least, most=most)
    return [needs[header] for header in PRIORITY if header in needs]


def fit(table: Table, width: int) -> Table:
    """``table`` cut to the columns that ``width`` has room for (:func:`batchctl.render.fit`)."""
    widths = render.fit(width, spaces(table), always=ALWAYS_SHOWN)
    keep = [index for index, column in enumerate(table.columns) if column.header in widths]
    return Table(
        columns=tuple(table.columns[i] for i in keep),
        rows=[[row[i] for i in keep] for row in table.rows],
        widths=tuple(widths[table.columns[i].header] for i in keep),
        left_out=tuple(column.header for column in table.columns if column.header not in widths),
    )


def wide(table: Table) -> Table:
    """``table`` with every column at the width of its widest cell (``--wide``): the terminal wraps long lines."""
    widths = {space.header: space.most for space in spaces(table)}
    return Table(table.columns, table.rows, tuple(widths[c.header] for c in table.columns), left_out=())


def left_out_notice(left_out: Sequence[str], width: int = 80) -> str | None:
    """The one stderr line naming the columns a terminal had no room for, or None when none was left out.

    The columns are named when the line fits in ``width``, else counted, and the hint
    shortened when even that does not fit.
    """
    if not left_out:
        return None
    lines = (
        f"left out: {', '.join(left_out)} (see --wide or -o csv)",
        f"left out: {len(left_out)} columns (see --wide or -o csv)",
    )
    return next((line for line in lines if len(line) <= width), f"left out: {len(left_out)} columns (--wide)")


def footer(result: listing.Listing, limit: int | None, *, tty: bool) -> str | None:
    """The one line under the listing: how many jobs, from which queue, and whether ``--limit`` cut it.

    On a terminal it is always printed (``3 jobs in ml-jobs``), so that a table without a
    QUEUE column still says where its jobs are. Piped, or as JSON or CSV, it is printed
    only when ``--limit`` left jobs out, since a script would otherwise miss them.
    """
    cut = len(result.rows) < result.total
    if not (cut or tty) or not result.rows:
        return None
    queues = sorted({row.job_queue for row in result.rows})
    where = queues[0] if len(queues) == 1 else f"{len(queues)} queues"
    counted = f"{listing.count_label(result)} in {where}"
    if not cut:
        return counted
    return f"showing {counted} (--limit {limit}; --limit 0 shows all)"


def no_match(
    queues: Sequence[str],
    *,
    statuses: Sequence[str] | None,
    name_prefix: str | None,
    since_text: str | None,
    since: datetime | None,
    tz: Any,
) -> str:
    """``no jobs match queue=ml-jobs status=FAILED since=6h (2026-03-01 03:00:00)``: the filters given, nothing else."""
    filters = [f"queue={','.join(queues)}"]
    if statuses:
        filters.append(f"status={','.join(dict.fromkeys(statuses))}")
    if name_prefix:
        filters.append(f"name={name_prefix}*")
    if since_text:
        filters.append(f"since={since_text.strip()} ({times.human(since, tz)})")
    return f"no jobs match {' '.join(filters)}"
