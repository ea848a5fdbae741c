"""The timeline view: every task in the table as a bar on one time axis.

It shows the rows of the table in the table's order and follows the table's cursor, so the
selected task is the same in both views. It is redrawn only when its text changes: with every
task finished nothing moves, so nothing is sent to the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from tui.cloud.safe_text import visible
from tui.engine.records import TaskRecord, time_span
from tui.present.text import axis_step, status_icon

__all__ = ["Timeline", "timeline_text"]

NAME_WIDTH = 22


def _axis(start: float, end: float, left: int, width: int) -> Text:
    """A line of local times (HH:MM) at round intervals, placed over the bar area."""
    line = [" "] * (left + width)
    seconds = max(1.0, end - start)
    step = axis_step(seconds, max(2, width // 10))
    tick = (start // step + 1) * step
    while tick < end:
        column = left + int((tick - start) / seconds * (width - 1))
        label = datetime.fromtimestamp(tick).astimezone().strftime("%H:%M")
        if column + len(label) <= left + width and all(c == " " for c in line[column - 1 :][:6]):
            line[column : column + len(label)] = list(label)
        tick += step
    return Text("".join(line), style="dim")


def timeline_text(
    records: Sequence[TaskRecord],
    *,
    now: float,
    width: int,
    selected: str | None,
    styles: Callable[[str], str] | None = None,
) -> Text:
    """The timeline of ``records`` as text ``width`` cells wide.

    Args:
        records: The tasks, in the order to show them.
        now: The current wall time (where unfinished bars end).
        width: Cells available.
        selected: The task to highlight.
        styles: Style for a lowercase status (the table's colours); none without.

    Returns:
        An axis line, then one line per task: status glyph, name, bar, glyph at the bar's end.
    """
    # Only tasks the cloud has told us about have times; the others get a line without a bar.
    spans = {r.task_id: time_span(r, now) for r in records if r.job and r.job.created_at}
    if not spans:
        return Text("No task has times yet.", style="dim")
    start = min(s for s, _ in spans.values())
    end = max(max(e for _, e in spans.values()), start + 60)
    name_width = NAME_WIDTH if width >= 100 else 14
    left = name_width + 3
    bar_width = max(10, width - left - 2)
    out = Text(no_wrap=True, overflow="crop")
    out.append_text(_axis(start, end, left, bar_width))
    for record in records:
        job = record.job
        glyph = status_icon(record.status, not_found=record.not_found)
        name = visible(record.label or (job.name if job else "") or record.task_id)
        name = name if len(name) <= name_width else name[: name_width - 1] + "…"
        highlight = "reverse" if record.task_id == selected else ""
        out.append("\n")
        out.append(f"{glyph} {name:<{name_width}} ", style=highlight)
        out.append("│")
        if record.task_id not in spans:
            out.append(" no times yet", style="dim")
            continue
        first, last = spans[record.task_id]
        begin = int((first - start) / (end - start) * (bar_width - 1))
        finish = max(begin, int((last - start) / (end - start) * (bar_width - 1)))
        style = styles(record.status.lower() or "waiting") if styles else ""
        bar = "█" * (finish - begin)
        out.append(" " * begin + bar)
        out.stylize(style, len(out) - len(bar), len(out))
        out.append(glyph if record.is_final else "▶", style=style)
    return out


class Timeline(VerticalScroll, can_focus=True):
    """Bars on a time axis; up and down move the selection (the table's cursor)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "move(-1000000)", "First", show=False),
        Binding("end", "move(1000000)", "Last", show=False),
    ]

    class Moved(Message):
        """The user moved the selection by ``rows`` in the timeline."""

        def __init__(self, rows: int) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.body = Static(id="timeline-body")
        self._shown: Text | None = None

    def compose(self) -> ComposeResult:
        yield self.body

    def action_move(self, rows: int) -> None:
        """Move the selection ``rows`` up (negative) or down."""
        self.post_message(self.Moved(rows))

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
        text = timeline_text(
            records, now=now, width=max(20, self.size.width - 1), selected=selected, styles=styles
        )
        if text != self._shown:
            self._shown = text
            self.body.update(text)
        if selected is not None and selected in rows:
            line = rows[selected] + 1  # below the axis line
            if not self.scroll_y <= line < self.scroll_y + self.size.height - 1:
                self.scroll_to(y=max(0, line - self.size.height // 2), animate=False)
