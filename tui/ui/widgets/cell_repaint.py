"""Changing one DataTable cell and repainting only that cell.

``DataTable.update_cell`` repaints the whole table for every cell it changes; over SSH that
re-sends the full table each time a "checked" time moves (benchmarks/idle.py measures it). This
is the one place that relies on DataTable internals to avoid that. Textual is pinned exactly, and
tests/test_cell_repaint.py fails if the internals used here change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

__all__ = ["set_cell", "set_cells"]


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
    for column in values:
        table.refresh_coordinate(Coordinate(row_index, table.get_column_index(column)))
