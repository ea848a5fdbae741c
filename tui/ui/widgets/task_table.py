"""The live task table: one row per task, keyed by task ID, updated cell by cell in place."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from tui.cloud.safe_text import visible
from tui.engine.present import (
    format_checked,
    format_duration,
    format_elapsed,
    format_local,
    format_progress,
    severity,
    status_text,
)
from tui.engine.records import TaskRecord
from tui.ui.widgets.cell_repaint import set_cells

__all__ = ["COLUMNS", "SORT_MODES", "TaskTable", "row_cells"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int


# In order of importance: at 80 columns the first ones are what stays on screen.
COLUMNS = (
    Column("status", "Status", 12),
    Column("label", "Label", 14),
    Column("name", "Task", 22),
    Column("progress", "Prog", 4),
    Column("elapsed", "Elapsed", 7),
    Column("checked", "Checked", 7),
    Column("instance", "Instance", 16),
    Column("created", "Created", 11),
    Column("profile", "Profile", 10),
)
WIDTHS = {column.key: column.width for column in COLUMNS}

SORT_MODES = ("added", "status", "created", "changed")


class StatusCell(Text):
    """The status cell; it carries its task ID so that ``DataTable.sort`` can order rows by
    record (the table's sort key only sees cell values)."""

    task_id: str = ""


def _fit(text: str, width: int) -> str:
    """Outside text for one cell: controls shown, not obeyed, and cut to the column."""
    text = visible(text[: width * 4])  # a stand-in can be longer than its character
    return text if len(text) <= width else text[: width - 1] + "…"


def row_cells(
    record: TaskRecord, now: float, styles: Callable[[str], str] | None = None
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
    status_cell = StatusCell(status, style=style)
    status_cell.task_id = record.task_id
    values: dict[str, Text] = {
        "status": status_cell,
        "label": Text(_fit(record.label, WIDTHS["label"])),
        "name": Text(_fit(job.name if job else "", WIDTHS["name"])),
        "progress": Text(format_progress(record.progress, record.status), justify="right"),
        "elapsed": Text(elapsed, justify="right"),
        "instance": Text(_fit(job.instance.name if job else "", WIDTHS["instance"])),
        "created": Text(format_local(created, now=datetime.fromtimestamp(now).astimezone())),
        "checked": Text(checked, justify="right"),
        "profile": Text(_fit(record.profile, WIDTHS["profile"])),
    }
    return values


def sort_key(mode: str, record: TaskRecord) -> tuple[float | int | str, ...]:
    """Order of rows for a sort mode; ties fall back to the order added."""
    if mode == "status":
        rank = severity(record.status, not_found=record.not_found, stale=record.is_stale)
        return (rank, record.position)
    if mode == "created":
        job = record.job
        created = job.created_at.timestamp() if job and job.created_at else float("inf")
        return (-created if created != float("inf") else float("inf"), record.position)
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
        self.sort_mode = "added"
        self.filter_text = ""
        self.styles_for: Callable[[str], str] | None = None

    def on_mount(self) -> None:
        for column in COLUMNS:
            self.add_column(column.label, key=column.key, width=column.width)

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

    def show(self, records: Iterable[TaskRecord], now: float) -> None:
        """Make the rows match ``records`` (filtered and sorted), changing only what differs."""
        wanted = [r for r in records if matches(r, self.filter_text)]
        wanted.sort(key=lambda r: sort_key(self.sort_mode, r))
        wanted_ids = [r.task_id for r in wanted]
        keep = set(wanted_ids)
        cursor_task = self.highlighted_task
        for task_id in list(self._cells):
            if task_id not in keep:
                self.remove_row(task_id)
                del self._cells[task_id]
        for record in wanted:
            self._put(record, now)
        current = [str(row.key.value) for row in self.ordered_rows]
        if current != wanted_ids:
            order = {task_id: index for index, task_id in enumerate(wanted_ids)}
            self.sort("status", key=lambda cell: order.get(cell.task_id, 0))
            if cursor_task in order:
                self.move_cursor(row=self.get_row_index(cursor_task), animate=False)

    def update_record(self, record: TaskRecord, now: float) -> bool:
        """Update one task's row in place; False if the view needs a full :meth:`show` instead
        (the row is new, filtered out, or its position may have changed)."""
        if (
            record.task_id not in self._cells
            or self.sort_mode != "added"
            or not matches(record, self.filter_text)
        ):
            return False
        self._put(record, now)
        return True

    def _put(self, record: TaskRecord, now: float) -> None:
        """Add ``record``'s row, or update the cells of it that changed."""
        cells = row_cells(record, now, self.styles_for)
        old = self._cells.get(record.task_id)
        if old is None:
            self.add_row(*(cells[c.key] for c in COLUMNS), key=record.task_id)
        else:
            changed = {
                ColumnKey(column.key): cells[column.key]
                for column in COLUMNS
                if cells[column.key] != old[column.key]
                or cells[column.key].style != old[column.key].style
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
