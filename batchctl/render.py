"""Output: a rich table on a terminal, aligned plain text when piped, or JSON / CSV.

rich is imported only when a terminal is going to see its output.
"""

from __future__ import annotations

import contextlib
import csv
import json
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


def table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    out: TextIO,
    *,
    tty: bool,
    width: int | None = None,
) -> None:
    """Rows as a rich table when ``tty``, else as columns aligned with two spaces."""
    if tty:
        _rich_table(columns, rows, out, width)
    else:
        _plain_table(columns, rows, out)


def _rich_table(columns: Sequence[Column], rows: Sequence[Sequence[str]], out: TextIO, width: int | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=None, header_style="bold", pad_edge=False, show_edge=False)
    for column in columns:
        grid.add_column(
            column.header,
            justify=column.justify,
            no_wrap=column.no_wrap,
            overflow="ellipsis" if column.no_wrap else "fold",
        )
    for row in rows:
        cells = [
            Text(cell, style=STATUS_STYLES.get(cell, "")) if column.status else Text(cell)
            for column, cell in zip(columns, row, strict=True)
        ]
        grid.add_row(*cells)
    Console(file=out, force_terminal=True, width=width, highlight=False).print(grid)


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
