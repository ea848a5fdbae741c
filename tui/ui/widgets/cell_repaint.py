"""Changing one DataTable cell and repainting only that cell; drawing a cell quickly; putting
rows in a new order and repainting only if the rows on screen moved.

``DataTable.update_cell`` repaints the whole table for every cell it changes; over SSH that
re-sends the full table each time a "checked" time moves (benchmarks/idle.py measures it). And
``DataTable._render_cell`` draws every cell through Rich's padding and layout machinery, about
0.2 ms a cell: re-sorting 1,000 rows redraws every visible cell, so a key waited ~100 ms for it.
This is the one place that relies on DataTable internals to avoid both. Textual is pinned
exactly, and tests/test_cell_repaint.py fails if the internals used here change or if a cell
drawn here differs from the same cell drawn by DataTable.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

__all__ = ["CellContents", "render_cell", "reorder_rows", "set_cell", "set_cells"]

SegmentLines = list[list[Segment]]
CellContents = LRUCache[tuple[RowKey, ColumnKey], tuple[Text, int, list[Segment]]]
"""Each cell's text laid out, by cell: (the value it was laid out from, its width, segments)."""


def set_cell(table: DataTable[Any], row: RowKey, column: ColumnKey, value: object) -> None:
    """Put ``value`` in one cell of ``table`` and repaint that cell only.

    Args:
        table: The table.
        row: The cell's row key.
        column: The cell's column key (the column keeps its width).
    """
    set_cells(table, row, {column: value})


def set_cells(table: DataTable[Any], row: RowKey, values: Mapping[ColumnKey, object]) -> None:
    """Put several values in one row of ``table`` and repaint those cells only.

    One invalidation for the row, not one per cell: each invalidation makes the table rebuild
    its row order and offsets, which costs milliseconds at 1,000 rows.

    Args:
        table: The table.
        row: The row key.
        values: The new value of each changed column (the columns keep their widths).
    """
    for column, value in values.items():
        table._data[row][column] = value  # where update_cell() stores a cell
    table._update_count += 1  # invalidates the table's line cache, as update_cell() does
    row_index = table.get_row_index(row)
    if table.rows[row].height != 1:  # not a row of ours: the long way
        for column in values:
            table.refresh_coordinate(Coordinate(row_index, table.get_column_index(column)))
        return
    # DataTable's own cell region sums the heights of every row above (and rebuilds its row
    # order, as the count moved): O(rows) per cell, 13% of the CPU of a first sweep of 1,000
    # tasks. One-line rows make it O(1); a row off screen costs nothing more.
    y = row_index + (table.header_height if table.show_header else 0)
    window = table.window_region
    if not window.y <= y < window.bottom:
        return
    left = table._row_label_column_width
    for shown in table.ordered_columns:
        width = shown.get_render_width(table)
        if shown.key in values:
            table._refresh_region(Region(left, y, width, 1))
        left += width


def reorder_rows(table: DataTable[Any], order: Sequence[RowKey]) -> bool:
    """Put the rows of ``table`` in ``order`` (every row key, once), as ``DataTable.sort``
    does, but without calling a sort key on every row's cells, and repaint only if the rows on
    screen are not the ones that were there, in the same places.

    A first sweep of 1,000 tasks sorted by status moves rows below the screen several times a
    second; repainting the whole table for each (~20 ms) is what kept keys waiting.

    Args:
        table: The table.
        order: Every row key of ``table``, in the order wanted.

    Returns:
        Whether the rows on screen changed (and were repainted).
    """
    locations = table._row_locations
    window = table.window_region
    header = table.header_height if table.show_header else 0
    on_screen = range(max(0, window.y - header), max(0, window.bottom - header))
    before = [locations.get_key(index) for index in on_screen]
    table._row_locations = TwoWayDict({key: index for index, key in enumerate(order)})
    table._update_count += 1  # the row order, offsets and line caches follow the count
    after = [table._row_locations.get_key(index) for index in on_screen]
    if before == after:
        return False
    table.refresh()
    return True


def _plain_line(cell: object) -> Text | None:
    """``cell`` if it is one line of text that needs no layout beyond a cut and a right
    justify (no wrap, centring, tab or combining mark: those go the long way)."""
    if not isinstance(cell, Text) or cell.justify not in (None, "default", "right"):
        return None
    plain = cell.plain
    if cell.overflow not in (None, "fold", "crop", "ellipsis") or "\n" in plain or "\t" in plain:
        return None
    if not plain.isascii() and any(unicodedata.combining(ch) for ch in plain):
        return None
    return cell


def render_cell(
    table: DataTable[Any],
    row_index: int,
    column_index: int,
    base_style: Style,
    width: int,
    cursor: bool,
    hover: bool,
    contents: CellContents | None = None,
) -> SegmentLines | None:
    """A body cell of a one-line row drawn as ``DataTable._render_cell`` draws it, directly.

    In one piece on purpose: it mirrors DataTable's own drawing step for step
    (cursor, hover, zebra, styles, cache key), and ``tests/test_cell_repaint.py`` compares the
    two byte for byte; split, the mirror would be harder to check against its original.

    Args:
        table: The table.
        row_index: The row's index (the header is -1).
        column_index: The column's index (the row label is -1).
        base_style: The style under the cell.
        width: The cell's width, padding included.
        cursor: Whether the cursor covers the cell.
        hover: Whether the mouse hovers over the cell.
        contents: Where to keep each cell's laid-out text between renders (a table of one-line
            rows with many of them: :class:`~tui.ui.widgets.task_table.TaskTable`).

    Returns:
        The cell's one line, cached as DataTable caches it; None where this short way does not
        apply (header, row labels, taller rows, text that needs layout): draw it the long way.
    """
    if row_index < 0 or column_index < 0:
        return None
    row_key = table._row_locations.get_key(row_index)
    column_key = table._column_locations.get_key(column_index)
    if row_key is None or column_key is None:
        return None
    cache_key = (
        row_key,
        column_key,
        base_style,
        cursor,
        hover,
        table._show_hover_cursor,
        table._update_count,
        table._pseudo_class_state,
    )
    cached: SegmentLines | None = table._cell_render_cache.get(cache_key)
    if cached is not None:
        return cached
    if table.rows[row_key].height != 1:
        return None
    cell = _plain_line(table._get_row_renderables(row_index).cells[column_index])
    if cell is None:
        return None
    fixed = row_index < table.fixed_rows or column_index < table.fixed_columns
    component_style, post_style = table._get_styles_to_render_cell(
        False,
        False,
        fixed,
        hover,
        cursor,
        table.show_cursor,
        table._show_hover_cursor,
        table.cursor_foreground_priority == "css",
        table.cursor_background_priority == "css",
    )
    style = base_style + Style.from_meta({"row": row_index, "column": column_index})
    pad = table.cell_padding
    room = max(0, width - 2 * pad)
    inner: list[Segment] | None = None
    if contents is not None:
        # A re-sort moves rows: their cells' text is as it was, only the position (in the
        # style's meta) and the cursor differ. Laying the text out is most of a cell's cost.
        kept = contents.get((row_key, column_key))
        if kept is not None and kept[0] is cell and kept[1] == room:
            inner = kept[2]
        elif kept is not None:
            # LRUCache.set() keeps the value a key already has: without this, a cell laid out
            # once ("· Waiting") would be laid out again on every render after it changed.
            contents.discard((row_key, column_key))
    if inner is None:
        inner = _lay_out(cell, room, table.app.console)
        if contents is not None:
            contents.set((row_key, column_key), (cell, room, inner))
    padding = [Segment(" " * pad)] if pad else []
    line = list(
        Segment.apply_style([*padding, *inner, *padding], style + component_style, post_style)
    )
    table._cell_render_cache[cache_key] = [line]
    return [line]


def _lay_out(cell: Text, room: int, console: Console) -> list[Segment]:
    """``cell`` as the segments of one line ``room`` cells wide, as Rich's Text.wrap and
    Lines.justify lay out a line that is not wrapped (no style of the table in them yet)."""
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
