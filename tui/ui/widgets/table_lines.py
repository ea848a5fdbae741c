"""One line of the task table as a strip: the cells cut to their columns' widths, padded,
styled, each carrying its column (so that an SVG never merges neighbouring cells)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip

__all__ = ["LINES_KEPT", "PADDING", "KeptLines", "fit_cell", "paint_line"]

PADDING = 1
"""Cells of space on each side of a cell."""
LINES_KEPT = 2048
"""Rows whose drawn line is kept (a re-sort of 1,000 rows draws the screenful it shows)."""
_COLUMN_META: list[Style] = []


def _column_meta(index: int) -> Style:
    while len(_COLUMN_META) <= index:
        _COLUMN_META.append(Style.from_meta({"column": len(_COLUMN_META)}))
    return _COLUMN_META[index]


def fit_cell(cell: Text, room: int, console: Console) -> list[Segment]:
    """``cell`` as the segments of one line exactly ``room`` cells wide: cut with its overflow
    (an ellipsis for outside text), right-justified when it asks to be.

    Args:
        cell: One line of text (a cell's text never holds a newline).
        room: The column's width.
        console: Renders the text's styles.

    Returns:
        Segments ``room`` cells long, with the cell's own styles and no other.
    """
    if cell.justify == "right":
        cell = cell.copy()
        cell.rstrip()
        cell.truncate(room, overflow=cell.overflow or "fold")
        cell.pad_left(room - cell.cell_len)
    elif cell.cell_len > room:
        cell = cell.copy()
        cell.truncate(room, overflow=cell.overflow or "fold")
    segments = list(cell.render(console))
    if cell.style and not cell.spans:  # Text.render applies the text's own style to spans only
        segments = list(Segment.apply_style(segments, console.get_style(cell.style)))
    return Segment.adjust_line_length(segments, room, pad=True)


def paint_line(
    cells: Iterable[Text],
    widths: Iterable[int],
    base: Style,
    over: Style | None,
    width: int,
    console: Console,
) -> Strip:
    """One line of ``cells`` in the columns' ``widths``, on ``base``, ``over`` on top.

    Args:
        cells: The cells on screen, in the order of the columns.
        widths: Each column's width of text.
        base: The table's style.
        over: The header's or the cursor's style, or None.
        width: The line's width.
        console: Renders the cells' styles.

    Returns:
        The line, ``width`` cells long.
    """
    pad = " " * PADDING
    segments: list[Segment] = []
    for index, (cell, room) in enumerate(zip(cells, widths, strict=True)):
        # Each cell's segments carry its column, so that none merges with its neighbour's:
        # an SVG screenshot places each segment at its own cell (a glyph drawn wider than a
        # cell then cannot push the next column along).
        column = _column_meta(index)
        segments.append(Segment(pad, column))
        segments.extend(Segment.apply_style(fit_cell(cell, room, console), column))
        segments.append(Segment(pad, column))
    styled = Segment.apply_style(segments, base, over)
    return Strip(list(styled)).crop_extend(0, width, base + over if over else base)


class KeptLines:
    """The lines drawn for the rows (without the cursor) and for the header, kept while the
    columns and the styles stay as they were: repainting an unchanged row lays out no text."""

    def __init__(self, rows: int = LINES_KEPT) -> None:
        self._lines: LRUCache[str, Strip] = LRUCache(rows)
        self._header: Strip | None = None
        self.styles: tuple[Style, Style, Style] | None = None
        """(base, header, cursor) the kept lines were drawn with."""

    def restyle(self, styles: tuple[Style, Style, Style] | None) -> None:
        """Draw with ``styles`` from now on (None: not known yet); other styles forget all."""
        if styles != self.styles:
            self.styles = styles
            self.forget()

    def forget(self, key: str | None = None) -> None:
        """Draw one row's line again when next asked (or, with None, every line)."""
        if key is not None:
            self._lines.discard(key)
            return
        self._lines.clear()
        self._header = None

    def forget_header(self) -> None:
        """Draw the header again when next asked (the sort column moved)."""
        self._header = None

    def header(self, paint: Callable[[], Strip]) -> Strip:
        """The header's line, painted if not kept."""
        if self._header is None:
            self._header = paint()
        return self._header

    def row(self, key: str, paint: Callable[[], Strip]) -> Strip:
        """Row ``key``'s line, painted if not kept."""
        line = self._lines.get(key)
        if line is None:
            line = paint()
            self._lines[key] = line
        return line
