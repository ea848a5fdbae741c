"""What the task table shows: its columns and their widths, each row's cells, the order of
rows and the filter. Pure functions of records, so they are cheap to test and to compare; the
widget in :mod:`tui.ui.widgets.task_table` draws them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from tui.cloud.safe_text import visible
from tui.engine.eta import Eta
from tui.engine.records import TaskRecord
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

__all__ = [
    "ALWAYS", "COLUMNS", "OPTIONAL", "SORT_COLUMNS", "SORT_MODES", "SORT_WORDS", "TASK_WHOLE",
    "Column", "column_widths", "matches", "row_cells", "sort_key",
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
    job = record.facts
    status = status_text(record.status, not_found=record.not_found)
    # A new task the cloud does not show yet is waiting, not failing: no warning for that.
    stale = record.is_stale and not record.not_found and record.error_kind != "not_found"
    if stale:
        status += " ⚠"
    style = styles(record.status.lower()) if styles else ""
    if (record.not_found or stale) and styles:
        style = styles("stale")
    created, ended = job.created_at, job.ended_at
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
        "name": _task_cell(record, job.name),
        "progress": Text(progress_bar(record.progress, record.status, width=4), no_wrap=True),
        "eta": Text(timing, style=styles("failed") if overdue and styles else "", no_wrap=True),
        "elapsed": Text(elapsed, justify="right"),
        "instance": _cut(job.instance_name),
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
    job = record.facts
    haystack = " ".join(
        [
            record.task_id,
            record.label,
            record.profile,
            record.status or "waiting",
            "not found" if record.not_found else "",
            "stale" if record.is_stale else "",
            job.name,
            job.instance_name,
            job.instance_id,
            job.fail_reason,
        ]
    ).lower()
    return all(word in haystack for word in needle.lower().split())
