"""The live task table: one row per task, keyed by task ID, updated in place.

A Line API widget (as Textual's own ``Log`` and Toolong's log view are): it draws only the
lines on screen, each from a strip kept per row, so a refreshed cell repaints that cell's
region and costs nothing proportional to the table's length; re-sorting 1,000 rows moves
strips, it lays out no text. Only Textual's public API is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from tui.engine.eta import Eta
from tui.engine.records import TaskRecord
from tui.ui.widgets.row_cursor import RowCursor
from tui.ui.widgets.table_lines import PADDING, KeptLines, paint_line
from tui.ui.widgets.table_rows import TableRows
from tui.ui.widgets.task_columns import (
    COLUMNS,
    SORT_COLUMNS,
    column_widths,
    row_cells,
)

__all__ = ["TaskTable"]

LABELS = {column.key: column.label for column in COLUMNS}

# Cursor and header as component classes, themed by the app (as DataTable's are).
_CSS = """
TaskTable {
    background: $surface;
    color: $foreground;
    height: auto;
    max-height: 100%;
    overflow-x: hidden;
    &:focus {
        background-tint: $foreground 5%;
        & > .task-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .task-table--header {
            background-tint: $foreground 5%;
        }
    }
    & > .task-table--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    &:ansi > .task-table--header {
        background: ansi_bright_blue;
        color: ansi_default;
    }
    & > .task-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
}
"""


class TableMessage(Message):
    """A message from a task table; its ``control`` is the table, so that
    ``@on(TaskTable.Highlighted, "#tasks")`` can select it."""

    def __init__(self, table: TaskTable) -> None:
        super().__init__()
        self.table = table

    @property
    def control(self) -> TaskTable:
        """The table that sent the message."""
        return self.table


class TaskTable(RowCursor, can_focus=True):
    """The table of watched tasks. Rows are added, updated and removed by task ID; the table is
    never cleared and rebuilt, so the cursor and the scroll position stay where the user put them.

    The header is the first line of the widget and stays there; row ``i`` is line ``i + 1`` of
    the virtual canvas, drawn at ``i + 1 - scroll_y``.
    """

    DEFAULT_CSS = _CSS
    COMPONENT_CLASSES: ClassVar[set[str]] = {"task-table--header", "task-table--cursor"}

    class Highlighted(TableMessage):
        """The cursor is on another task (or on none: the table is empty)."""

        def __init__(self, table: TaskTable, task_id: str | None) -> None:
            super().__init__(table)
            self.task_id = task_id

    class HeaderClicked(TableMessage):
        """A column's header was clicked."""

        def __init__(self, table: TaskTable, column: str) -> None:
            super().__init__(table)
            self.column = column

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.cell_padding = PADDING
        self._rows = TableRows()
        self._widths: dict[str, int] = {}
        """The columns on screen and the width of each one's text, in order."""
        self._kept = KeptLines()
        self.sort_mode = "added"
        self.filter_text = ""
        self.styles_for: Callable[[str], str] | None = None
        self.eta_for: Callable[[TaskRecord, float], Eta | None] | None = None
        """How the table learns a task's ETA (the session's estimator)."""
        self.service_for: Callable[[str], str] | None = None
        """A profile's service (``taurusdb``, ``rds`` ...), for the Service column."""
        self.services = 1
        """How many services the watchlist holds (the Service column shows from two)."""
        self.follow_highlight: Callable[[str | None], None] | None = None
        """Called at once when the cursor lands on another task, before :class:`Highlighted` is
        posted: what follows the cursor (the detail pane) changes before the screen repaints, so
        it is drawn in the same frame as the cursor, not one frame (17 ms) or more later."""

    # -- what is on it -------------------------------------------------------------------------

    @property
    def shown(self) -> tuple[str, ...]:
        """The keys of the columns on screen, in order (:func:`column_widths`)."""
        return tuple(self._widths)

    @property
    def highlighted_task(self) -> str | None:
        """The task ID under the cursor, if any."""
        return self.highlighted_key

    def row_order(self) -> list[str]:
        """The task IDs of the rows, top to bottom (the list itself: not to be changed)."""
        return self._rows.order

    def headers(self) -> list[str]:
        """The header of each column on screen, the sort column's with its arrow (``Status ▼``)."""
        marked = SORT_COLUMNS.get(self.sort_mode)
        return [f"{LABELS[key]} ▼" if key == marked else LABELS[key] for key in self._widths]

    def get_row_index(self, task_id: str) -> int:
        """The index of ``task_id``'s row.

        Raises:
            KeyError: The task has no row.
        """
        return self._rows.index[task_id]

    def get_row(self, task_id: str) -> list[Text]:
        """The cells on screen of ``task_id``'s row, in the order of the columns."""
        cells = self._rows.cells[task_id]
        return [cells[key] for key in self._widths]

    def cells_of(self, task_id: str) -> dict[str, str]:
        """The plain text of each cell on screen of ``task_id``'s row, by column key."""
        cells = self._rows.cells[task_id]
        return {key: cells[key].plain for key in self._widths}

    def highlight_moved(self, key: str | None) -> None:
        """Tell :attr:`follow_highlight`, then post :class:`Highlighted`: a new task is under it."""
        if self.follow_highlight is not None:
            self.follow_highlight(key)
        self.post_message(self.Highlighted(self, key))

    def header_clicked(self, x: int) -> None:
        """Post :class:`HeaderClicked` for the column at ``x``."""
        left = 0
        for key, width in self._widths.items():
            left += width + 2 * PADDING
            if x < left:
                self.post_message(self.HeaderClicked(self, key))
                return

    # -- columns -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._lay_out(column_widths(max(80, self.size.width), PADDING, services=self.services))

    def on_resize(self) -> None:
        """Fit the columns to the new width (see :func:`column_widths`)."""
        self.fit_columns()

    def fit_columns(self) -> None:
        """Show the columns that fit the table's width now, each as wide as it gets."""
        widths = column_widths(self.size.width, PADDING, services=self.services)
        if widths != self._widths:
            self._lay_out(widths)

    def _lay_out(self, widths: Mapping[str, int]) -> None:
        self._widths = dict(widths)
        self._kept.forget()
        self._resize_canvas()
        self.refresh()

    def show_sort(self) -> None:
        """Mark the sort column's header with an arrow (``Status ▼``)."""
        self._kept.forget_header()
        self.refresh(Region(0, 0, self.size.width, 1))

    def _resize_canvas(self) -> None:
        width = sum(width + 2 * PADDING for width in self._widths.values())
        self.virtual_size = Size(width, len(self._rows.order) + 1)

    # -- rows ----------------------------------------------------------------------------------

    def show(
        self,
        records: Iterable[TaskRecord],
        now: float,
        *,
        redraw: bool = False,
        new_rows: int | None = None,
    ) -> bool:
        """Make the rows match ``records`` (filtered and sorted), changing only what differs.

        Rows whose record shows the same as when it was drawn keep their cells (the clock tick
        brings their time columns up to date) unless ``redraw``. With ``new_rows``, at most that
        many rows are added now, the first in order: a screenful paints at once, and the rest
        come on later calls.

        Returns:
            Whether rows are still to be added.
        """
        before = set(self._rows.cells)
        wanted = self._rows.wanted(records, self.sort_mode, self.filter_text)
        for task_id in before - self._rows.cells.keys():
            self._kept.forget(task_id)
        cursor_task = self.highlighted_task
        added = 0
        for record in wanted:
            if record.task_id not in self._rows.cells:
                if new_rows is not None and added >= new_rows:
                    continue
                added += 1
            self._put(record, now, redraw=redraw)
        self._put_in_order(cursor_task)
        return len(self._rows.cells) < len(wanted)

    def resort(self, records: Mapping[str, TaskRecord]) -> None:
        """Put the rows in the order of :attr:`sort_mode` (after it changed): only the order
        is computed again, not the rows (answers not drawn yet are drawn as they come)."""
        self._rows.resort(records, self.sort_mode)
        self._put_in_order(self.highlighted_task)

    def update_records(self, records: Iterable[TaskRecord], now: float) -> bool:
        """Update the rows of ``records`` in place, and move those whose place changed.

        Cheaper than :meth:`show` by the size of the watchlist: only these records are looked
        at, and the rows are put in order by the sort keys kept from before.

        Returns:
            False, having changed nothing, if the view needs a full :meth:`show` instead (a row
            is new, or joins or leaves the filter).
        """
        records = list(records)
        if self._rows.joins_or_leaves(records, self.filter_text):
            return False
        cursor_task = self.highlighted_task
        moved = False
        for record in records:
            if record.task_id not in self._rows.cells:
                continue  # filtered out, and still
            moved = self._rows.rekey(record, self.sort_mode) or moved
            self._put(record, now, redraw=False)
        if moved:
            self._put_in_order(cursor_task)
        return True

    def refresh_clock_columns(self, records: Mapping[str, TaskRecord], now: float) -> None:
        """Update the time-dependent cells of visible rows only (unchanged cells stay as is)."""
        first = int(self.scroll_offset.y)
        for task_id in self._rows.order[first : first + self.rows_on_screen()]:
            record = records.get(task_id)
            if record is not None and not record.is_final:  # a final row never changes with time
                self._put(record, now)

    def _put_in_order(self, cursor_task: str | None) -> None:
        """Order the rows by their kept sort keys; the cursor stays on its task; the screen is
        repainted only if the rows on it are not the ones that were there."""
        top = int(self.scroll_offset.y)
        rows = slice(top, top + self.rows_on_screen())
        before = self._rows.order[rows]
        if self._rows.put_in_order():
            order = self._rows.order
            if len(order) + 1 != self.virtual_size.height:
                self._resize_canvas()
            if order[rows] != before:
                self.refresh()
        if cursor_task in self._rows.index:
            row = self._rows.index[cursor_task]
            if row != self._cursor:
                self.move_cursor(row=row)
        elif self._cursor >= len(self._rows.order):
            self.move_cursor(row=len(self._rows.order) - 1)
        self.tell_highlight()

    def _put(self, record: TaskRecord, now: float, *, redraw: bool = True) -> None:
        """Add ``record``'s cells, or update those of them that changed (with ``redraw``
        False, only if the record shows differently from when it was last drawn)."""
        put = self._rows.put(record, lambda r: self._cells_for(r, now), redraw=redraw)
        if put is None:
            return
        old, cells = put
        task_id = record.task_id
        if old is None or task_id not in self._rows.index:
            return  # a new row: drawn once it has its place (_put_in_order)
        changed = [
            key
            for key in self._widths
            if cells[key] != old[key] or cells[key].style != old[key].style
        ]
        if changed:
            self._kept.forget(task_id)
            self._refresh_cells(self._rows.index[task_id], changed)

    def _cells_for(self, record: TaskRecord, now: float) -> dict[str, Text]:
        eta = self.eta_for(record, now) if self.eta_for is not None else None
        service = self.service_for(record.profile) if self.service_for is not None else ""
        return row_cells(record, now, self.styles_for, eta, service)

    # -- drawing -------------------------------------------------------------------------------

    def _refresh_cells(self, row: int, keys: list[str]) -> None:
        """Repaint the cells ``keys`` of row ``row`` if it is on screen; nothing else."""
        y = row + 1 - int(self.scroll_offset.y)
        if not 1 <= y < self.size.height:
            return
        regions, left = [], 0
        for key, width in self._widths.items():
            if key in keys:
                regions.append(Region(left, y, width + 2 * PADDING, 1))
            left += width + 2 * PADDING
        self.refresh(*regions)

    def notify_style_update(self) -> None:
        """The theme or the focus changed the styles: the kept lines are drawn again."""
        super().notify_style_update()
        self._kept.restyle(None)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style walks every ancestor's styles (~50 µs a line): take it once per
        # drawing pass, and draw the kept lines again only if it changed (focus, theme).
        styles = (
            self.rich_style,
            self.get_component_rich_style("task-table--header"),
            self.get_component_rich_style("task-table--cursor"),
        )
        self._kept.restyle(styles)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """One line on screen: the header, a row, or blank below the last row."""
        base, header, cursor = self._kept.styles or (self.rich_style, Style(), Style())
        width = self.size.width
        if y == 0:
            return self._kept.header(
                lambda: self._paint([Text(t) for t in self.headers()], base + header, None, width)
            )
        row = int(self.scroll_offset.y) + y - 1
        if row >= len(self._rows.order):
            return Strip.blank(width, base)
        task_id = self._rows.order[row]
        cells = self._rows.cells[task_id]
        if row == self._cursor:
            return self._paint([cells[key] for key in self._widths], base, cursor, width)
        return self._kept.row(
            task_id, lambda: self._paint([cells[key] for key in self._widths], base, None, width)
        )

    def _paint(self, cells: list[Text], base: Style, over: Style | None, width: int) -> Strip:
        return paint_line(cells, self._widths.values(), base, over, width, self.app.console)
