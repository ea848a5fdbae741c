"""A plain-text table that fits the terminal: every column headed, cut text ending with ``…``,
the columns that identify a task never cut (``taskwatch list``)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from tui.cloud.safe_text import visible

__all__ = ["Column", "cut", "fit_table", "terminal_width"]


@dataclass(frozen=True)
class Column:
    """One column: its header, how narrow it may get (0: never cut), and its alignment."""

    header: str
    least: int = 0
    """Width it may be cut down to; 0 keeps it whole (an ID, a status)."""
    right: bool = False
    drop: int = 0
    """When even the cut columns do not fit, the column left out first (highest first);
    0: never left out."""


def cut(text: str, width: int) -> str:
    """``text`` in ``width`` characters, ``…`` at the end when it was longer."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def terminal_width(fallback: int = 120) -> int:
    """The terminal's width (``$COLUMNS`` first), or ``fallback`` when there is none (a pipe)."""
    return shutil.get_terminal_size((fallback, 24)).columns


def fit_table(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[str]:
    """The header and the rows, two spaces between columns, no line wider than ``width``.

    Columns take the width their longest cell needs; when that is too much, the columns that
    may be cut give up width, the widest first, down to their ``least``; when even that is too
    much, the columns that may be left out go, the highest ``drop`` first.

    Args:
        columns: The columns, in order.
        rows: The cells (outside text: shown safe, one line each).
        width: The terminal's width.

    Returns:
        The lines.
    """
    cells = [[visible(" ".join(cell.split())) for cell in row] for row in rows]
    kept = list(range(len(columns)))

    def least_width(i: int) -> int:
        column = columns[i]
        natural = max([len(column.header), *(len(row[i]) for row in cells)])
        return min(natural, column.least) if column.least else natural

    while sum(least_width(i) for i in kept) + 2 * (len(kept) - 1) > width:
        droppable = [i for i in kept if columns[i].drop]
        if not droppable:
            break
        kept.remove(max(droppable, key=lambda i: columns[i].drop))
    columns = [columns[i] for i in kept]
    cells = [[row[i] for i in kept] for row in cells]
    widths = [
        max([len(column.header), *(len(row[i]) for row in cells)])
        for i, column in enumerate(columns)
    ]
    room = width - 2 * (len(columns) - 1)
    while sum(widths) > room:
        cuttable = [i for i, c in enumerate(columns) if c.least and widths[i] > c.least]
        if not cuttable:
            break  # narrower than the columns that are never cut: those stay whole
        widest = max(cuttable, key=lambda i: widths[i])
        widths[widest] -= 1

    def line(values: Sequence[str]) -> str:
        parts = []
        for value, column, size in zip(values, columns, widths, strict=True):
            shown = cut(value, size)
            parts.append(shown.rjust(size) if column.right else shown.ljust(size))
        return "  ".join(parts).rstrip()

    return [line([column.header for column in columns]), *(line(row) for row in cells)]
