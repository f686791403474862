"""Output: a rich table on a terminal, aligned plain text when piped, or JSON / CSV.

rich is imported only when a terminal is going to see its output. A table that
must fit a terminal is laid out here first (:func:`fit`): rich, left to itself,
shrinks every column when the table is too wide, cutting the very cells (job
ids) a reader needs whole.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TextIO

STATUS_STYLES = {
    "SUCCEEDED": "green",
    "FAILED": "bold red",
    "RUNNING": "cyan",
    "STARTING": "cyan",
    "RUNNABLE": "yellow",
    "PENDING": "dim",
    "SUBMITTED": "dim",
}


def is_tty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


@contextlib.contextmanager
def spinner(message: str, *, enabled: bool, stream: TextIO) -> Iterator[None]:
    """A spinner on ``stream`` while the block runs, only when ``enabled`` (a terminal)."""
    if not enabled:
        yield
        return
    from rich.console import Console

    with Console(file=stream, force_terminal=True).status(message, spinner="dots"):
        yield


@dataclass(frozen=True)
class Column:
    """A table column: its header, and how rich should lay it out.

    ``status`` colours the cell by job status; ``no_wrap=False`` lets a long cell
    (a reason) fold onto more lines instead of being cut.
    """

    header: str
    justify: Literal["left", "right"] = "left"
    no_wrap: bool = True
    status: bool = False


#: Spaces at the end of a line, before the escape codes that close its styles.
TRAILING_PADDING = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$")
#: Characters between two columns of a table (rich's padding of one on each side; none at the edges).
GAP = 2


@dataclass(frozen=True)
class Space:
    """What one column asks of a terminal's width.

    ``most`` is its widest cell (header included). ``least`` is the narrowest it may be
    drawn: ``most`` for a column that must never be cut or wrapped, less for one that wraps.
    """

    header: str
    least: int
    most: int


def fit(width: int, spaces: Sequence[Space], *, always: int = 1) -> dict[str, int]:
    """The columns that fit in ``width`` characters, header -> width; ``spaces`` in priority order.

    The first ``always`` columns are taken whatever the width: the id a reader copies and
    what they read it for (a line the terminal wraps is better than a cut id or a row
    without its status). Each further column is taken, in priority order, when its
    ``least`` fits beside the columns already taken; one that does not fit is left out and
    the next (narrower) ones are still tried, so no higher-priority column ever gives way
    to a lower one. The width left over goes to the columns that wrap, in priority order,
    each up to its ``most``.
    """
    chosen: dict[str, int] = {}
    used = 0
    for index, space in enumerate(spaces):
        needed = space.least + (GAP if chosen else 0)
        if index < always or used + needed <= width:
            chosen[space.header] = space.least
            used += needed
    spare = width - used
    for space in spaces:
        if spare <= 0:
            break
        if space.header in chosen and space.least < space.most:
            more = min(spare, space.most - space.least)
            chosen[space.header] += more
            spare -= more
    return chosen


def table_width(widths: Sequence[int]) -> int:
    """The characters a table with these column widths takes on a line."""
    return sum(widths) + GAP * max(0, len(widths) - 1)


def terminal_width(out: TextIO, width: int | None = None) -> int:
    """``width`` when given, else the terminal's as rich sees it (``COLUMNS``, then the tty's size, else 80)."""
    if width:
        return width
    from rich.console import Console

    return Console(file=out, force_terminal=True).width


def table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    out: TextIO,
    *,
    tty: bool,
    width: int | None = None,
    widths: Sequence[int] | None = None,
) -> None:
    """Rows as a rich table when ``tty``, else as columns aligned with two spaces.

    ``widths`` (from :func:`fit`) fixes each column's width on a terminal: a column that
    does not wrap is then never cut, and the table may be wider than ``width`` (the
    terminal wraps the lines) rather than cut one.
    """
    if tty:
        _rich_table(columns, rows, out, width, widths)
    else:
        _plain_table(columns, rows, out)


def _rich_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    out: TextIO,
    width: int | None,
    widths: Sequence[int] | None,
) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=None, header_style="bold", pad_edge=False, show_edge=False)
    fixed: Sequence[int | None] = widths if widths is not None else [None] * len(columns)
    for column, column_width in zip(columns, fixed, strict=True):
        # A fixed width is the column's widest cell, so a column that does not wrap is never cut.
        overflow = "ellipsis" if column.no_wrap else "fold"
        grid.add_column(column.header, justify=column.justify, no_wrap=column.no_wrap, width=column_width, overflow=overflow)
    for row in rows:
        cells = [
            Text(cell, style=STATUS_STYLES.get(cell, "")) if column.status else Text(cell)
            for column, cell in zip(columns, row, strict=True)
        ]
        grid.add_row(*cells)
    if widths is None:
        Console(file=out, force_terminal=True, width=width, highlight=False).print(grid)
        return
    # Wider than the terminal (a whole id on a narrow one): the terminal wraps each line, so
    # the padding rich puts after the last cell would wrap into blank lines. It goes.
    buffer = io.StringIO()
    width = max(terminal_width(out, width), table_width(widths))
    Console(file=buffer, force_terminal=True, width=width, highlight=False).print(grid)
    for line in buffer.getvalue().splitlines():
        out.write(TRAILING_PADDING.sub(r"\1", line) + "\n")


def _plain_table(columns: Sequence[Column], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    headers = [c.header for c in columns]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    for line in [headers, *rows]:
        cells = []
        for i, (column, cell) in enumerate(zip(columns, line, strict=True)):
            if i == len(columns) - 1:
                cells.append(cell)
            elif column.justify == "right":
                cells.append(cell.rjust(widths[i]))
            else:
                cells.append(cell.ljust(widths[i]))
        out.write("  ".join(cells).rstrip() + "\n")


def as_json(value: Any, out: TextIO) -> None:
    json.dump(value, out, indent=2, ensure_ascii=False, default=str)
    out.write("\n")


def as_csv(fields: Sequence[str], records: Sequence[dict[str, Any]], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else v for k, v in record.items()})


def pairs(items: Sequence[tuple[str, str]], out: TextIO, *, indent: str = "  ") -> None:
    """``label  value`` lines with the values aligned."""
    if not items:
        return
    width = max(len(label) for label, _ in items)
    for label, value in items:
        out.write(f"{indent}{label.ljust(width)}  {value}".rstrip() + "\n")
