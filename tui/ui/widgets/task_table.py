"""The live task table: one row per task, keyed by task ID, updated in place.

A Line API widget (as Textual's own ``Log`` and Toolong's log view are): it draws only the
lines on screen, each from a strip kept per row, so a refreshed cell repaints that cell's
region and costs nothing proportional to the table's length; re-sorting 1,000 rows moves
strips, it lays out no text. Only Textual's public API is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.engine.eta import Eta
from tui.engine.records import TaskRecord, visible_fields
from tui.ui.widgets.task_columns import (
    COLUMNS,
    OPTIONAL,
    SORT_COLUMNS,
    SORT_MODES,
    SORT_WORDS,
    TASK_WHOLE,
    column_widths,
    matches,
    row_cells,
    sort_key,
)

__all__ = [
    "COLUMNS", "OPTIONAL", "SORT_COLUMNS", "SORT_MODES", "SORT_WORDS", "TASK_WHOLE", "TaskTable",
    "column_widths", "fit_cell", "row_cells",
]  # fmt: skip

PADDING = 1
"""Cells of space on each side of a cell."""
LINES_KEPT = 2048
"""Rows whose drawn line is kept (a re-sort of 1,000 rows draws the screenful it shows)."""
LABELS = {column.key: column.label for column in COLUMNS}
COLUMN_META = [Style.from_meta({"column": index}) for index in range(len(COLUMNS))]


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


class TaskTable(ScrollView, can_focus=True):
    """The table of watched tasks. Rows are added, updated and removed by task ID; the table is
    never cleared and rebuilt, so the cursor and the scroll position stay where the user put them.

    The header is the first line of the widget and stays there; row ``i`` is line ``i + 1`` of
    the virtual canvas, drawn at ``i + 1 - scroll_y``.
    """

    DEFAULT_CSS = """
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
    COMPONENT_CLASSES: ClassVar[set[str]] = {"task-table--header", "task-table--cursor"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first_row", "First", show=False),
        Binding("end,ctrl+end", "last_row", "Last", show=False),
    ]

    class Highlighted(Message):
        """The cursor is on another task (or on none: the table is empty)."""

        def __init__(self, table: TaskTable, task_id: str | None) -> None:
            super().__init__()
            self.table = table
            self.task_id = task_id

        @property
        def control(self) -> TaskTable:
            """The table, so that ``@on(TaskTable.Highlighted, "#tasks")`` can select it."""
            return self.table

    class HeaderClicked(Message):
        """A column's header was clicked."""

        def __init__(self, table: TaskTable, column: str) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> TaskTable:
            """The table, so that ``@on(TaskTable.HeaderClicked, "#tasks")`` can select it."""
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.cell_padding = PADDING
        self._cells: dict[str, dict[str, Text]] = {}
        self._drawn: dict[str, tuple[object, ...]] = {}
        """What each row was drawn from (:func:`visible_fields`): an unchanged record is not
        drawn again (re-sorting 1,000 rows moves them; it need not recompute them)."""
        self._order: list[str] = []
        """The task IDs of the rows, top to bottom."""
        self._index: dict[str, int] = {}
        """Each row's place in :attr:`_order`."""
        self._keys: dict[str, tuple[float | int | str, ...]] = {}
        """Each shown row's sort key when the rows were last put in order."""
        self._widths: dict[str, int] = {}
        """The columns on screen and the width of each one's text, in order."""
        self._lines: LRUCache[str, Strip] = LRUCache(LINES_KEPT)
        """Each row's line as drawn without the cursor, at the current widths and styles."""
        self._header: Strip | None = None
        self._styles: tuple[Style, Style, Style] | None = None
        """(base, header, cursor) the kept lines were drawn with."""
        self._cursor = 0
        self._told: str | None = None
        """The task the last :class:`Highlighted` named."""
        self.sort_mode = "added"
        self.filter_text = ""
        self.styles_for: Callable[[str], str] | None = None
        self.eta_for: Callable[[TaskRecord, float], Eta | None] | None = None
        """How the table learns a task's ETA (the session's estimator)."""
        self.service_for: Callable[[str], str] | None = None
        """A profile's service (``taurusdb``, ``rds`` ...), for the Service column."""
        self.services = 1
        """How many services the watchlist holds (the Service column shows from two)."""

    # -- what is on it -------------------------------------------------------------------------

    @property
    def shown(self) -> tuple[str, ...]:
        """The keys of the columns on screen, in order (:func:`column_widths`)."""
        return tuple(self._widths)

    @property
    def row_ids(self) -> list[str]:
        """The task IDs of the rows, top to bottom."""
        return list(self._order)

    @property
    def row_count(self) -> int:
        """How many rows the table has."""
        return len(self._order)

    @property
    def cursor_row(self) -> int:
        """The index of the row under the cursor."""
        return self._cursor

    @property
    def highlighted_task(self) -> str | None:
        """The task ID under the cursor, if any."""
        return self._order[self._cursor] if self._cursor < len(self._order) else None

    def headers(self) -> list[str]:
        """The header of each column on screen, the sort column's with its arrow (``Status ▼``)."""
        marked = SORT_COLUMNS.get(self.sort_mode)
        return [f"{LABELS[key]} ▼" if key == marked else LABELS[key] for key in self._widths]

    def get_row_index(self, task_id: str) -> int:
        """The index of ``task_id``'s row.

        Raises:
            KeyError: The task has no row.
        """
        return self._index[task_id]

    def get_row(self, task_id: str) -> list[Text]:
        """The cells on screen of ``task_id``'s row, in the order of the columns."""
        cells = self._cells[task_id]
        return [cells[key] for key in self._widths]

    def cells_of(self, task_id: str) -> dict[str, str]:
        """The text of each cell on screen of ``task_id``'s row, by column key.

        Args:
            task_id: A task with a row.

        Returns:
            Column key → the cell's plain text.
        """
        cells = self._cells[task_id]
        return {key: cells[key].plain for key in self._widths}

    # -- the cursor ----------------------------------------------------------------------------

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        """Put the cursor on row ``row`` (kept within the table) and scroll it into view.

        Args:
            row: The row's index.
            animate: Scroll smoothly rather than at once.
        """
        row = max(0, min(row, len(self._order) - 1))
        if row != self._cursor:
            self._refresh_row(self._cursor)
            self._cursor = row
            self._refresh_row(row)
        self._scroll_to_cursor(animate)
        self._tell_highlight()

    def action_cursor_down(self) -> None:
        """Move the cursor one row down."""
        self.move_cursor(row=self._cursor + 1)

    def action_cursor_up(self) -> None:
        """Move the cursor one row up."""
        self.move_cursor(row=self._cursor - 1)

    def action_page_down(self) -> None:
        """Move the cursor a screenful down."""
        self.move_cursor(row=self._cursor + self._rows_on_screen())

    def action_page_up(self) -> None:
        """Move the cursor a screenful up."""
        self.move_cursor(row=self._cursor - self._rows_on_screen())

    def action_first_row(self) -> None:
        """Move the cursor to the first row."""
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        """Move the cursor to the last row."""
        self.move_cursor(row=len(self._order) - 1)

    def _rows_on_screen(self) -> int:
        return max(1, self.size.height - 1)  # the header takes a line

    def _scroll_to_cursor(self, animate: bool) -> None:
        top, rows = int(self.scroll_offset.y), self._rows_on_screen()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=animate)
        elif self._cursor >= top + rows:
            self.scroll_to(y=self._cursor - rows + 1, animate=animate)

    def _tell_highlight(self) -> None:
        task = self.highlighted_task
        if task != self._told:
            self._told = task
            self.post_message(self.Highlighted(self, task))

    def on_click(self, event: events.Click) -> None:
        """A click on a header asks to sort by it; on a row, puts the cursor there."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            left = 0
            for key, width in self._widths.items():
                left += width + 2 * PADDING
                if offset.x < left:
                    self.post_message(self.HeaderClicked(self, key))
                    return
            return
        row = int(self.scroll_offset.y) + offset.y - 1
        if row < len(self._order):
            self.move_cursor(row=row)

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
        self._forget_lines()
        self._resize_canvas()
        self.refresh()

    def show_sort(self) -> None:
        """Mark the sort column's header with an arrow (``Status ▼``)."""
        self._header = None
        self.refresh(Region(0, 0, self.size.width, 1))

    def _resize_canvas(self) -> None:
        width = sum(width + 2 * PADDING for width in self._widths.values())
        self.virtual_size = Size(width, len(self._order) + 1)

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
        wanted = [r for r in records if matches(r, self.filter_text)]
        keys = {r.task_id: sort_key(self.sort_mode, r) for r in wanted}
        wanted.sort(key=lambda r: keys[r.task_id])
        self._keys = keys
        cursor_task = self.highlighted_task
        for task_id in set(self._cells) - keys.keys():
            del self._cells[task_id]
            self._drawn.pop(task_id, None)
            self._lines.discard(task_id)
        added = 0
        for record in wanted:
            if record.task_id not in self._cells:
                if new_rows is not None and added >= new_rows:
                    continue
                added += 1
            self._put(record, now, redraw=redraw)
        self._put_in_order(cursor_task)
        return len(self._cells) < len(wanted)

    def resort(self, records: Mapping[str, TaskRecord]) -> None:
        """Put the rows in the order of :attr:`sort_mode` (after it changed): only the order
        is computed again, not the rows (answers not drawn yet are drawn as they come)."""
        keys = self._keys
        for task_id in keys:
            record = records.get(task_id)
            if record is not None:
                keys[task_id] = sort_key(self.sort_mode, record)
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
        for record in records:
            if (record.task_id in self._cells) != matches(record, self.filter_text):
                return False
        cursor_task = self.highlighted_task
        moved = False
        for record in records:
            if record.task_id not in self._cells:
                continue  # filtered out, and still
            key = sort_key(self.sort_mode, record)
            if self._keys.get(record.task_id) != key:
                self._keys[record.task_id] = key
                moved = True
            self._put(record, now, redraw=False)
        if moved:
            self._put_in_order(cursor_task)
        return True

    def refresh_clock_columns(self, records: Mapping[str, TaskRecord], now: float) -> None:
        """Update the time-dependent cells of visible rows only (unchanged cells stay as is)."""
        first = int(self.scroll_offset.y)
        for task_id in self._order[first : first + self._rows_on_screen()]:
            record = records.get(task_id)
            if record is not None and not record.is_final:  # a final row never changes with time
                self._put(record, now)

    def _put_in_order(self, cursor_task: str | None) -> None:
        """Order the rows by their kept sort keys; the cursor stays on its task; the screen is
        repainted only if the rows on it are not the ones that were there."""
        order = sorted(self._cells, key=self._keys.__getitem__)
        if order != self._order:
            top = int(self.scroll_offset.y)
            rows = slice(top, top + self._rows_on_screen())
            before = self._order[rows]
            self._order = order
            self._index = {task_id: index for index, task_id in enumerate(order)}
            if len(order) + 1 != self.virtual_size.height:
                self._resize_canvas()
            if order[rows] != before:
                self.refresh()
        if cursor_task in self._index:
            row = self._index[cursor_task]
            if row != self._cursor:
                self.move_cursor(row=row)
        elif self._cursor >= len(self._order):
            self.move_cursor(row=len(self._order) - 1)
        self._tell_highlight()

    def _put(self, record: TaskRecord, now: float, *, redraw: bool = True) -> None:
        """Add ``record``'s cells, or update those of them that changed (with ``redraw``
        False, only if the record shows differently from when it was last drawn)."""
        fields = visible_fields(record)
        task_id = record.task_id
        if not redraw and self._drawn.get(task_id) == fields:
            return
        self._drawn[task_id] = fields
        eta = self.eta_for(record, now) if self.eta_for is not None else None
        service = self.service_for(record.profile) if self.service_for is not None else ""
        cells = row_cells(record, now, self.styles_for, eta, service)
        old = self._cells.get(task_id)
        self._cells[task_id] = cells
        if old is None or task_id not in self._index:
            return  # a new row: drawn once it has its place (_put_in_order)
        changed = [
            key
            for key in self._widths
            if cells[key] != old[key] or cells[key].style != old[key].style
        ]
        if changed:
            self._lines.discard(task_id)
            self._refresh_cells(self._index[task_id], changed)

    # -- drawing -------------------------------------------------------------------------------

    def _refresh_row(self, row: int) -> None:
        y = row + 1 - int(self.scroll_offset.y)
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

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

    def _forget_lines(self) -> None:
        self._lines.clear()
        self._header = None

    def notify_style_update(self) -> None:
        """The theme or the focus changed the styles: the kept lines are drawn again."""
        super().notify_style_update()
        self._styles = None
        self._forget_lines()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style walks every ancestor's styles (~50 µs a line): take it once per
        # drawing pass, and draw the kept lines again only if it changed (focus, theme).
        styles = (
            self.rich_style,
            self.get_component_rich_style("task-table--header"),
            self.get_component_rich_style("task-table--cursor"),
        )
        if styles != self._styles:
            self._styles = styles
            self._forget_lines()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """One line on screen: the header, a row, or blank below the last row."""
        base, header, cursor = self._styles or (self.rich_style, Style(), Style())
        width = self.size.width
        if y == 0:
            if self._header is None:
                labels = [Text(label) for label in self.headers()]
                self._header = self._strip(labels, base + header, None, width)
            return self._header
        row = int(self.scroll_offset.y) + y - 1
        if row >= len(self._order):
            return Strip.blank(width, base)
        task_id = self._order[row]
        cells = self._cells[task_id]
        if row == self._cursor:
            return self._strip([cells[key] for key in self._widths], base, cursor, width)
        line = self._lines.get(task_id)
        if line is None:
            line = self._strip([cells[key] for key in self._widths], base, None, width)
            self._lines[task_id] = line
        return line

    def _strip(self, cells: list[Text], base: Style, over: Style | None, width: int) -> Strip:
        """One line of ``cells`` in the columns' widths, on ``base``, ``over`` on top."""
        console = self.app.console
        pad = Segment(" " * PADDING)
        segments: list[Segment] = []
        for index, (cell, room) in enumerate(zip(cells, self._widths.values(), strict=True)):
            # Each cell's segments carry its column, so that none merges with its neighbour's:
            # an SVG screenshot places each segment at its own cell (a glyph drawn wider than a
            # cell then cannot push the next column along).
            column = COLUMN_META[index]
            segments.append(Segment(pad.text, column))
            segments.extend(Segment.apply_style(fit_cell(cell, room, console), column))
            segments.append(Segment(pad.text, column))
        styled = Segment.apply_style(segments, base, over)
        return Strip(list(styled)).crop_extend(0, width, base + over if over else base)
