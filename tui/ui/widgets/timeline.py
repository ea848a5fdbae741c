"""The timeline view: the tasks in the table as bars on one time axis.

It shows the rows of the table in the table's order and follows the table's cursor, so the
selected task is the same in both views. By itself it fits the tasks of the window in hand (the
unfinished ones and those that ended in the last half hour), so one task from hours ago does not
squeeze tonight's into the last cells; ``0`` fits every task, ``=`` goes back, ``+``/``-`` zoom
and ``←``/``→`` pan. It is redrawn only when its text changes: with every task finished nothing
moves, so nothing is sent to the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from tui.cloud.safe_text import visible
from tui.cloud.status import JobStatus
from tui.engine.records import TaskRecord, time_span
from tui.present.text import axis_step, format_clock, origin_mark, status_icon, task_title

__all__ = [
    "TIMELINE_KEYS", "TimeWindow", "Timeline", "fit_window", "name_width_for", "timeline_text",
]  # fmt: skip

NAME_WIDTH = 22
"""The name column at 100 cells; it grows and shrinks with the width (:func:`name_width_for`)."""


def name_width_for(width: int) -> int:
    """Cells for the task names in a timeline ``width`` cells wide: a third of what the bars
    leave, 14 at the least (80 columns), 40 at the most (a wide terminal names tasks whole)."""
    return min(40, max(14, (width - 30) // 3))


RECENT = 30 * 60.0
"""A task that ended this long ago or less still belongs to the window in hand."""
SHORTEST = 120.0
"""The narrowest window zooming gives: two minutes (the axis ticks every minute)."""
LONGEST = 62 * 86400.0
"""The widest: two months (the Task Center keeps a month)."""

NOW_MARK = "┊"
PLANNED_MARK = "◇"
DEADLINE_MARK = "⚑"
BEFORE, AFTER = "◂", "▸"

TIMELINE_KEYS = [
    ("+ -", "Zoom in, out"),
    ("← →", "Pan earlier, later"),
    ("0", "Fit every task"),
    ("=", "Fit the tasks in hand (running, and ended in the last 30 min)"),
]
"""The timeline's own keys, for the help screen and the key line."""


@dataclass(frozen=True)
class TimeWindow:
    """The stretch of wall time the bars are drawn over."""

    start: float
    end: float

    @property
    def span(self) -> float:
        """Seconds from start to end."""
        return self.end - self.start

    def zoomed(self, factor: float, around: float) -> TimeWindow:
        """This window ``factor`` times as long (within limits), ``around`` staying where it is
        on screen when it is in the window (now, say), else around the middle."""
        span = min(LONGEST, max(SHORTEST, self.span * factor))
        if not self.start <= around <= self.end:
            around = (self.start + self.end) / 2
        share = (around - self.start) / self.span
        return TimeWindow(around - span * share, around + span * (1 - share))

    def panned(self, fraction: float) -> TimeWindow:
        """This window moved by ``fraction`` of its length (negative: earlier)."""
        shift = self.span * fraction
        return TimeWindow(self.start + shift, self.end + shift)


def _planned(record: TaskRecord) -> float | None:
    return record.planned_start if record.state is JobStatus.SCHEDULED else None


def _span(record: TaskRecord, now: float) -> tuple[float, float] | None:
    """Where a started task's bar runs; None before the cloud gave it a start time."""
    job = record.job
    if record.state is JobStatus.SCHEDULED or job is None or job.created_at is None:
        return None
    return time_span(record, now)


def fit_window(records: Sequence[TaskRecord], now: float, *, everything: bool) -> TimeWindow:
    """The window that shows the tasks that matter, with a little room either side.

    Args:
        records: The tasks.
        now: The current wall time.
        everything: Fit every task, not only those in hand (unfinished, or ended within
            :data:`RECENT`; every task when none is).

    Returns:
        The window; the last half hour when no task has a time yet.
    """
    points: list[float] = []
    for record in records:
        span = _span(record, now)
        if not everything and record.is_final and (span is None or now - span[1] > RECENT):
            continue
        if span is not None:
            points.extend(span)
        if (planned := _planned(record)) is not None:
            points.append(planned)
        if record.deadline is not None and not record.is_final:
            points.append(record.deadline)
        if not record.is_final:
            points.append(now)
    if not points:
        if not everything and records:
            return fit_window(records, now, everything=True)
        return TimeWindow(now - RECENT, now)
    low, high = min(points), max(points)
    length = min(LONGEST, max(SHORTEST, high - low))
    room = length * 0.03
    return TimeWindow(high - length - room, high + room)


def _axis(window: TimeWindow, left: int, width: int, now: float) -> Text:
    """Local times at round intervals over the bar area, and ``now`` where it is."""
    line = [" "] * (left + width)
    now_column = _column(window, now, width)
    if 0 <= now_column < width:
        place = left + min(now_column, width - 3)
        line[place : place + 3] = list("now")
    step = axis_step(window.span, max(2, width // 10))
    moment = "%m-%d" if step >= 86400 else "%H:%M"
    tick = (window.start // step + 1) * step
    while tick < window.end:
        column = left + _column(window, tick, width)
        label = datetime.fromtimestamp(tick).astimezone().strftime(moment)
        if column + len(label) <= left + width and all(c == " " for c in line[column - 1 :][:6]):
            line[column : column + len(label)] = list(label)
        tick += step
    return Text("".join(line), style="dim")


def _column(window: TimeWindow, moment: float, width: int) -> int:
    """The cell of ``moment`` on a bar area ``width`` cells wide (outside it when off screen)."""
    return int((moment - window.start) / window.span * (width - 1) // 1)


class _Row:
    """One task's bar area: a character and a style per cell."""

    def __init__(self, width: int) -> None:
        self.cells = [" "] * width
        self.styles = [""] * width

    def put(self, column: int, char: str, style: str = "", *, over: bool = True) -> bool:
        """Put ``char`` at ``column`` if it is on screen (and, unless ``over``, free)."""
        if not 0 <= column < len(self.cells) or (not over and self.cells[column] != " "):
            return False
        self.cells[column], self.styles[column] = char, style
        return True

    def write(self, column: int, text: str, style: str) -> bool:
        """Write ``text`` from ``column`` if it fits there on free cells."""
        if column < 0 or column + len(text) > len(self.cells):
            return False
        if any(c != " " for c in self.cells[column : column + len(text)]):
            return False
        for offset, char in enumerate(text):
            self.put(column + offset, char, style)
        return True

    def note(self, column: int, text: str, style: str) -> None:
        """Write ``text`` beside ``column``: after it where it fits, else before it."""
        if not self.write(column + 2, text, style):
            self.write(column - 1 - len(text), text, style)

    def text(self) -> Text:
        out = Text()
        for char, style in zip(self.cells, self.styles, strict=True):
            out.append(char, style)
        out.rstrip()
        return out


def _bar(row: _Row, record: TaskRecord, window: TimeWindow, now: float, style: str) -> bool:
    """Draw a started task's bar, clipped to the window with a mark for what is off screen."""
    span = _span(record, now)
    if span is None:
        return False
    width = len(row.cells)
    begin, finish = (_column(window, moment, width) for moment in span)
    finish = max(begin, finish)
    if finish < 0:
        row.put(0, BEFORE, "dim")
        return True
    if begin >= width:
        row.put(width - 1, AFTER, "dim")
        return True
    for column in range(max(0, begin), min(finish, width)):
        row.put(column, "█", style)
    end_glyph = status_icon(record.status) if record.is_final else "▶"
    if finish < width:
        row.put(finish, end_glyph, style)
    else:
        row.put(width - 1, AFTER, style)
    if begin < 0:
        row.put(0, BEFORE, "dim")
    return True


def _marks(row: _Row, record: TaskRecord, window: TimeWindow, now: float) -> None:
    """The planned start of a scheduled task and an unfinished task's deadline."""
    width = len(row.cells)
    planned = _planned(record)
    if planned is not None:
        column = _column(window, planned, width)
        if row.put(column, PLANNED_MARK, "bold"):
            late = " not started yet" if planned <= now else ""
            row.note(column, f"planned {format_clock(planned, now=now)}{late}", "dim")
        elif column < 0:
            row.put(0, BEFORE, "dim")
        else:
            row.put(width - 1, AFTER, "dim")
    if record.deadline is not None and not record.is_final:
        overdue = record.is_overdue(now)
        row.put(
            _column(window, record.deadline, width),
            DEADLINE_MARK,
            "bold red" if overdue else "dim",
            over=overdue,  # an overdue deadline shows even on its bar
        )


def timeline_text(
    records: Sequence[TaskRecord],
    *,
    now: float,
    width: int,
    selected: str | None,
    styles: Callable[[str], str] | None = None,
    window: TimeWindow | None = None,
) -> Text:
    """The timeline of ``records`` as text ``width`` cells wide.

    Args:
        records: The tasks, in the order to show them.
        now: The current wall time (where unfinished bars end, and the now marker).
        width: Cells available.
        selected: The task to highlight.
        styles: Style for a lowercase status (the table's colours); none without.
        window: The stretch of time to show; by default :func:`fit_window` of the tasks in hand.

    Returns:
        An axis line, then one line per task: status glyph, name, bar, glyph at the bar's end;
        ``◇`` a planned start, ``⚑`` a deadline, ``┊`` now, ``◂``/``▸`` more off screen.
    """
    if not records:
        return Text("No task to show.", style="dim")
    window = window or fit_window(records, now, everything=False)
    name_width = name_width_for(width)
    left = name_width + 4  # glyph, space, name, space, "│": the bars start after it
    bar_width = max(10, width - left - 1)
    now_column = _column(window, now, bar_width)
    out = Text(no_wrap=True, overflow="crop")
    out.append_text(_axis(window, left, bar_width, now))
    for record in records:
        glyph = status_icon(record.status, not_found=record.not_found)
        mark = origin_mark(record)
        name = visible(f"{mark} {task_title(record)}" if mark else task_title(record))
        name = name if len(name) <= name_width else name[: name_width - 1] + "…"
        highlight = "reverse" if record.task_id == selected else ""
        out.append("\n")
        out.append(f"{glyph} {name:<{name_width}} ", style=highlight)
        out.append("│")
        row = _Row(bar_width)
        style = styles(record.status.lower() or "waiting") if styles else ""
        drawn = _bar(row, record, window, now, style)
        _marks(row, record, window, now)
        row.put(now_column, NOW_MARK, "dim", over=False)
        if not drawn and _planned(record) is None:
            row.write(1, "no times yet", "dim")
        out.append_text(row.text())
    return out


def _anchor(
    records: Sequence[TaskRecord], selected: str | None, window: TimeWindow, now: float
) -> float | None:
    """The moment zooming keeps in place: the middle of the selected task's bar where it is
    in the window (else the nearest edge of it); None without a selected bar."""
    record = next((r for r in records if r.task_id == selected), None)
    span = _span(record, now) if record is not None else None
    if span is None:
        return None
    middle = (max(span[0], window.start) + min(span[1], window.end)) / 2
    return min(max(middle, window.start), window.end)


class Timeline(VerticalScroll, can_focus=True):
    """Bars on a time axis; up and down move the selection (the table's cursor), the other keys
    move the window (:data:`TIMELINE_KEYS`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "move(-1000000)", "First", show=False),
        Binding("end", "move(1000000)", "Last", show=False),
        Binding("plus", "zoom(0.5)", "Zoom in", show=False),
        Binding("minus", "zoom(2)", "Zoom out", show=False),
        Binding("left", "pan(-0.25)", "Earlier", show=False),
        Binding("right", "pan(0.25)", "Later", show=False),
        Binding("0", "fit(True)", "Fit all", show=False),
        Binding("equals_sign", "fit(False)", "Fit in hand", show=False),
    ]

    class Moved(Message):
        """The user moved the selection by ``rows`` in the timeline."""

        def __init__(self, rows: int) -> None:
            super().__init__()
            self.rows = rows

    class Reframed(Message):
        """The user zoomed, panned or fitted: draw again."""

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.axis = Static(id="timeline-axis")
        """The time axis, docked: it stays on screen while the rows scroll."""
        self.body = Static(id="timeline-body")
        self._anchor: float | None = None
        """Where zooming keeps its place: the selected task's bar (so it stays in view)."""
        self._shown: Text | None = None
        self.fit_all = False
        """Fit every task rather than those in hand (while no zoom or pan is set)."""
        self.window: TimeWindow | None = None
        """The window the user zoomed or panned to; None follows the tasks."""
        self._drawn: TimeWindow | None = None
        self._now = 0.0

    def compose(self) -> ComposeResult:
        yield self.axis
        yield self.body

    def action_move(self, rows: int) -> None:
        """Move the selection ``rows`` up (negative) or down."""
        self.post_message(self.Moved(rows))

    def action_zoom(self, factor: float) -> None:
        """Show ``factor`` times as much time (below 1: zoom in)."""
        if self._drawn is not None:
            around = self._anchor if self._anchor is not None else self._now
            self.window = (self.window or self._drawn).zoomed(factor, around)
            self.post_message(self.Reframed())

    def action_pan(self, fraction: float) -> None:
        """Move the window by ``fraction`` of its length (negative: earlier)."""
        if self._drawn is not None:
            self.window = (self.window or self._drawn).panned(fraction)
            self.post_message(self.Reframed())

    def action_fit(self, everything: bool) -> None:
        """Fit every task, or those in hand, and follow them again."""
        self.fit_all, self.window = everything, None
        self.post_message(self.Reframed())

    def draw(
        self,
        records: Sequence[TaskRecord],
        *,
        now: float,
        selected: str | None,
        styles: Callable[[str], str] | None,
        rows: Mapping[str, int],
    ) -> None:
        """Show ``records``; repaint only if the picture changed, and keep ``selected`` in view.

        Args:
            records: The tasks in table order.
            now: The current wall time.
            selected: The selected task.
            styles: Style per lowercase status.
            rows: The position of each task (for scrolling to the selected one).
        """
        window = self.window or fit_window(records, now, everything=self.fit_all)
        self._drawn, self._now = window, now
        self._anchor = _anchor(records, selected, window, now)
        text = timeline_text(
            records,
            now=now,
            width=max(20, self.size.width - 1),
            selected=selected,
            styles=styles,
            window=window,
        )
        if text != self._shown:
            self._shown = text
            axis, *lines = text.split("\n")
            self.axis.update(axis)
            self.axis.display = bool(lines)  # "No task to show." is the body alone
            self.body.update(Text("\n").join(lines) if lines else axis)
        if selected is not None and selected in rows:
            line = rows[selected]
            visible_rows = max(1, self.size.height - 1)  # less the axis line
            if not self.scroll_y <= line < self.scroll_y + visible_rows:
                self.scroll_to(y=max(0, line - visible_rows // 2), animate=False)
