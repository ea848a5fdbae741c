"""The live task table: one row per task, keyed by task ID, updated cell by cell in place."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from tui.cloud.safe_text import visible
from tui.engine.eta import Eta
from tui.engine.records import TaskRecord, visible_fields
from tui.present.text import (
    eta_text,
    format_checked,
    format_duration,
    format_elapsed,
    format_local,
    origin_mark,
    progress_bar,
    severity,
    status_text,
)
from tui.ui.widgets.cell_repaint import (
    CellContents,
    SegmentLines,
    render_cell,
    reorder_rows,
    set_cells,
)

__all__ = [
    "COLUMNS", "OPTIONAL", "SORT_COLUMNS", "SORT_MODES", "SORT_WORDS", "TASK_WHOLE", "TaskTable",
    "column_widths", "row_cells",
]  # fmt: skip


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    most: int = 0
    """For a column that shares the room left over: the most it takes (``width`` the least)."""


# The columns, in their order on screen. Status, Task, Progress and ETA are always there; the
# others join as the width allows, in the order of OPTIONAL, so that the table always fits its
# width (no horizontal scrollbar) and the Task column (label · job name) takes the slack.
COLUMNS = (
    Column("status", "Status", 11),
    Column("name", "Task", 16, most=60),
    Column("instance", "Instance", 12, most=24),
    Column("progress", "Progress", 9),
    Column("eta", "ETA", 11),
    Column("service", "Service", 9),
    Column("elapsed", "Elapsed", 7),
    Column("checked", "Checked", 7),
    Column("created", "Created", 11),
    Column("profile", "Profile", 10),
)
WIDTHS = {column.key: column.width for column in COLUMNS}
COLUMN_MOST = {column.key: column.most for column in COLUMNS if column.most}
ALWAYS = ("status", "name", "progress", "eta")
OPTIONAL = ("instance", "service", "elapsed", "checked", "created", "profile")
"""The columns that join as the width allows, first to last (Service only when the watchlist
holds more than one service)."""
TASK_WHOLE = 36
"""Cells the Task column keeps before any optional column joins: a 36-character job name."""
SCROLLBAR = 2
"""Cells kept for the vertical scrollbar, so rows that overflow never make the table scroll
sideways."""
_CELL_LIMIT = 300  # outside text is cut here before rendering; the column cuts the rest
CONTENTS_KEPT = 4096  # cells whose laid-out text is kept: some screenfuls of ten columns


def column_widths(table_width: int, padding: int = 1, *, services: int = 1) -> dict[str, int]:
    """The columns shown in a table ``table_width`` cells wide, and each one's width.

    Status, Progress and ETA keep their widths; Task keeps 36 cells (a job name whole) when
    it can; then Instance, Service (with more than one service), Elapsed, Checked, Created and
    Profile join, each while it fits; what is left widens Task, then Instance, then Task again.
    The columns always add up to the table's width: it never scrolls sideways.

    Args:
        table_width: The table's width in cells.
        padding: Cells of padding on each side of a cell.
        services: How many services the watchlist holds.

    Returns:
        Width by column key, for the columns shown, in their order on screen.
    """
    pad = 2 * padding
    widths = {key: WIDTHS[key] for key in ALWAYS}
    room = table_width - SCROLLBAR - sum(widths[key] + pad for key in ALWAYS if key != "name")
    room -= pad  # the Task column's own padding
    task = max(WIDTHS["name"], min(TASK_WHOLE, room))
    left = room - task
    for key in OPTIONAL:
        if key == "service" and services < 2:
            continue
        if left >= WIDTHS[key] + pad:
            widths[key] = WIDTHS[key]
            left -= WIDTHS[key] + pad
    grow = min(left, COLUMN_MOST["name"] - task)
    task, left = task + grow, left - grow
    if "instance" in widths:
        more = min(left, COLUMN_MOST["instance"] - widths["instance"])
        widths["instance"] += more
        left -= more
    widths["name"] = task + max(0, left)
    return {column.key: widths[column.key] for column in COLUMNS if column.key in widths}


SORT_MODES = ("added", "status", "created", "changed")
SORT_COLUMNS = {"status": "status", "created": "created", "changed": "checked"}
"""The column whose header shows the sort arrow (sorting by order added shows none)."""
SORT_WORDS = {
    "added": "order added", "status": "status (worst first)", "created": "created (newest first)",
    "changed": "last change (latest first)",
}  # fmt: skip


def _cut(text: str, style: str = "") -> Text:
    """Outside text for one cell: controls shown, not obeyed, capped before rendering; the
    column then cuts it to its width with an ellipsis, whatever the width is."""
    return Text(visible(text[:_CELL_LIMIT]), style=style, no_wrap=True, overflow="ellipsis")


def _task_cell(record: TaskRecord, name: str) -> Text:
    """The label (bold) and the job name: the label first, so a narrow column keeps it. A task
    a follow rule found starts with its mark (``⟳``); its name leads, as the user's label would."""
    mark = origin_mark(record)
    cell = Text(no_wrap=True, overflow="ellipsis")  # cut at the column's width, with "…"
    if mark:
        cell.append(f"{mark} ", style="dim")
    if not record.label:
        cell.append_text(_cut(name))
        return cell
    cell.append_text(_cut(record.label, "bold"))
    if name:
        cell.append(" · ")
        cell.append_text(_cut(name))
    return cell


def row_cells(
    record: TaskRecord,
    now: float,
    styles: Callable[[str], str] | None = None,
    eta: Eta | None = None,
    service: str = "",
) -> dict[str, Text]:
    """The cells of ``record``'s row at wall time ``now``; pure, so it is cheap to compare."""
    job = record.job
    status = status_text(record.status, not_found=record.not_found)
    # A new task the cloud does not show yet is waiting, not failing: no warning for that.
    stale = record.is_stale and not record.not_found and record.error_kind != "not_found"
    if stale:
        status += " ⚠"
    style = styles(record.status.lower()) if styles else ""
    if (record.not_found or stale) and styles:
        style = styles("stale")
    created = job.created_at if job else None
    ended = job.ended_at if job else None
    if created and ended:
        elapsed = format_duration((ended - created).total_seconds())
    elif created and not record.is_final:
        elapsed = format_elapsed(now - created.timestamp())
    else:
        elapsed = ""
    if record.is_final or record.checked_at is None:
        checked = "—" if record.is_final else "never"
    else:
        checked = format_checked(now - record.checked_at)
    timing = eta_text(eta, record, now)
    overdue = record.is_overdue(now)
    values: dict[str, Text] = {
        "status": Text(status, style=style),
        "name": _task_cell(record, job.name if job else ""),
        "progress": Text(progress_bar(record.progress, record.status, width=4), no_wrap=True),
        "eta": Text(timing, style=styles("failed") if overdue and styles else "", no_wrap=True),
        "elapsed": Text(elapsed, justify="right"),
        "instance": _cut(job.instance.name if job else ""),
        "created": Text(format_local(created, now=datetime.fromtimestamp(now).astimezone())),
        "checked": Text(checked, justify="right"),
        "profile": _cut(record.profile),
        "service": _cut(service),
    }
    return values


def sort_key(mode: str, record: TaskRecord) -> tuple[float | int | str, ...]:
    """Order of rows for a sort mode; ties fall back to the order added."""
    if mode == "status":
        rank = severity(record.status, not_found=record.not_found, stale=record.is_stale)
        return (rank, record.position)
    if mode == "created":
        created = record.created_time
        return (-created if created is not None else float("inf"), record.position)
    if mode == "changed":
        return (-(record.changed_at or 0.0), record.position)
    return (record.position,)


def matches(record: TaskRecord, needle: str) -> bool:
    """Whether ``record`` matches the filter text (any field, case-insensitive)."""
    if not needle:
        return True
    job = record.job
    haystack = " ".join(
        [
            record.task_id,
            record.label,
            record.profile,
            record.status or "waiting",
            "not found" if record.not_found else "",
            "stale" if record.is_stale else "",
            job.name if job else "",
            job.instance.name if job else "",
            job.instance.id if job else "",
            job.fail_reason if job else "",
        ]
    ).lower()
    return all(word in haystack for word in needle.lower().split())


class TaskTable(DataTable[Text]):
    """The table of watched tasks. Rows are added, updated and removed by task ID; the table is
    never cleared and rebuilt, so the cursor and the scroll position stay where the user put them.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self._cells: dict[str, dict[str, Text]] = {}
        self._drawn: dict[str, tuple[object, ...]] = {}
        """What each row was drawn from (:func:`visible_fields`): an unchanged record is not
        drawn again (re-sorting 1,000 rows moves them; it need not recompute them)."""
        self._contents: CellContents = LRUCache(CONTENTS_KEPT)
        self._pass_style: Style | None = None
        self._keys: dict[str, tuple[float | int | str, ...]] = {}
        """Each shown row's sort key when the rows were last put in order."""
        self.sort_mode = "added"
        self.filter_text = ""
        self.styles_for: Callable[[str], str] | None = None
        self.eta_for: Callable[[TaskRecord, float], Eta | None] | None = None
        """How the table learns a task's ETA (the session's estimator)."""
        self.service_for: Callable[[str], str] | None = None
        """A profile's service (``taurusdb``, ``rds`` ...), for the Service column."""
        self.services = 1
        """How many services the watchlist holds (the Service column shows from two)."""
        self.shown: tuple[str, ...] = ()
        """The keys of the columns on screen, in order (:func:`column_widths`)."""

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        # A re-sort redraws every visible cell: the short way is ~7x faster (cell_repaint), and
        # the text laid out before is laid out once.
        lines = render_cell(
            self, row_index, column_index, base_style, width, cursor, hover, self._contents
        )
        if lines is None:
            lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        return lines

    def render_lines(self, crop: Region) -> list[Strip]:
        # DataTable asks for its own style once per line, and each time walks every ancestor's
        # styles (~2 ms a full table): nothing changes styles in the middle of drawing.
        self._pass_style = super().rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    @property
    def rich_style(self) -> Style:
        """The table's style (computed once per drawing pass while drawing)."""
        return self._pass_style or super().rich_style

    def on_mount(self) -> None:
        self._lay_out(column_widths(max(80, self.size.width), self.cell_padding))

    def show_sort(self) -> None:
        """Mark the sort column's header with an arrow (``Status ▼``)."""
        marked = SORT_COLUMNS.get(self.sort_mode)
        for column in COLUMNS:
            if column.key in self.shown:
                label = f"{column.label} ▼" if column.key == marked else column.label
                self.columns[ColumnKey(column.key)].label = Text(label)
        self.refresh()

    def on_resize(self) -> None:
        """Fit the columns to the new width (see :func:`column_widths`)."""
        self.fit_columns()

    def fit_columns(self) -> None:
        """Show the columns that fit the table's width now, each as wide as it gets; the rows
        are laid out again only when the set of columns changed (a width crossed a step)."""
        widths = column_widths(self.size.width, self.cell_padding, services=self.services)
        if tuple(widths) != self.shown:
            self._lay_out(widths)
            return
        changed = False
        for key, column in self.columns.items():
            width = widths[str(key.value)]
            if column.width != width:
                column.width = width
                changed = True
        if changed:
            self._require_update_dimensions = True  # the virtual width follows the columns
            self.refresh()

    def _lay_out(self, widths: Mapping[str, int]) -> None:
        """Put up ``widths``' columns and the rows again with them, in the same order, the
        cursor on the same task (on a resize across a step: not per answer)."""
        cursor_task = self.highlighted_task
        order = [str(row.key.value) for row in self.ordered_rows]
        self.clear(columns=True)
        self._contents.clear()  # laid-out cells are kept by column position
        self.shown = tuple(widths)
        labels = {column.key: column.label for column in COLUMNS}
        for key, width in widths.items():
            self.add_column(labels[key], key=key, width=width)
        for task_id in order:
            cells = self._cells[task_id]
            self.add_row(*(cells[key] for key in self.shown), key=task_id)
        if cursor_task in self._cells:
            self.move_cursor(row=self.get_row_index(cursor_task), animate=False)
        self.show_sort()

    def cells_of(self, task_id: str) -> dict[str, str]:
        """The text of each cell on screen of ``task_id``'s row, by column key.

        Args:
            task_id: A task with a row.

        Returns:
            Column key → the cell's plain text.
        """
        return {key: str(cell) for key, cell in zip(self.shown, self.get_row(task_id), strict=True)}

    @property
    def highlighted_task(self) -> str | None:
        """The task ID under the cursor, if any."""
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # an empty or shrinking table has no valid cursor
            return None
        return str(key.value) if key.value is not None else None

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
        keep = {r.task_id for r in wanted}
        cursor_task = self.highlighted_task
        for task_id in list(self._cells):
            if task_id not in keep:
                self.remove_row(task_id)
                del self._cells[task_id]
                self._drawn.pop(task_id, None)
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
            shown = record.task_id in self._cells
            if shown != matches(record, self.filter_text):
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

    def _put_in_order(self, cursor_task: str | None) -> None:
        """Order the rows by their kept sort keys; the cursor stays on its task."""
        keys = self._keys
        shown = sorted((task_id for task_id in self._cells), key=keys.__getitem__)
        if [str(row.key.value) for row in self.ordered_rows] == shown:
            return
        reorder_rows(self, [RowKey(task_id) for task_id in shown])
        if cursor_task in self._cells:
            row = self.get_row_index(cursor_task)
            if row != self.cursor_row:
                self.move_cursor(row=row, animate=False)

    def _put(self, record: TaskRecord, now: float, *, redraw: bool = True) -> None:
        """Add ``record``'s row, or update the cells of it that changed (with ``redraw``
        False, only if the record shows differently from when it was last drawn)."""
        fields = visible_fields(record)
        if not redraw and self._drawn.get(record.task_id) == fields:
            return
        self._drawn[record.task_id] = fields
        eta = self.eta_for(record, now) if self.eta_for is not None else None
        service = self.service_for(record.profile) if self.service_for is not None else ""
        cells = row_cells(record, now, self.styles_for, eta, service)
        old = self._cells.get(record.task_id)
        if old is None:
            self.add_row(*(cells[key] for key in self.shown), key=record.task_id)
        else:
            changed = {
                ColumnKey(key): cells[key]
                for key in self.shown
                if cells[key] != old[key] or cells[key].style != old[key].style
            }
            if changed:
                set_cells(self, RowKey(record.task_id), changed)
        self._cells[record.task_id] = cells

    def refresh_clock_columns(self, records: Mapping[str, TaskRecord], now: float) -> None:
        """Update the time-dependent cells of visible rows only (unchanged cells stay as is)."""
        first = max(0, int(self.scroll_offset.y))
        last = first + max(1, self.size.height)
        for row in self.ordered_rows[first:last]:
            record = records.get(str(row.key.value))
            if record is not None and not record.is_final:  # a final row never changes with time
                self._put(record, now)
