"""The detail pane: every field of the highlighted task, its history, its last error."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rich.console import Group, RenderableType
from rich.json import JSON
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from tui.cloud.safe_text import visible, visible_data
from tui.cloud.status import JobStatus
from tui.cloud.steps import TaskSteps
from tui.engine.eta import Eta
from tui.engine.records import Observation, TaskRecord, visible_fields
from tui.engine.views import TaskView
from tui.present.text import (
    entity_lines,
    format_checked,
    format_clock,
    format_duration,
    format_elapsed,
    format_left,
    format_local,
    format_progress,
    status_text,
    step_state,
    steps_note,
)

__all__ = ["DetailContent", "DetailPane", "detail_key", "render_detail", "steps_lines"]

# Outside text is cut at these lengths on screen (a 3 MB job name must not stall the UI); the
# whole text stays in the database and in the raw JSON view.
FIELD_LIMIT = 500
REASON_LIMIT = 5000


class _Fields:
    """Label/value rows. Every cell is literal text: labels, names, entities and error messages
    come from users and the cloud, and Rich would otherwise read ``[...]`` in them as markup."""

    def __init__(self) -> None:
        self.table = Table.grid(padding=(0, 1))
        self.table.add_column(style="bold", no_wrap=True)
        self.table.add_column(overflow="fold")

    def add_row(self, label: str, value: str | Text) -> None:
        if not isinstance(value, Text):
            value = Text(visible(value, multiline=True, limit=FIELD_LIMIT))
        self.table.add_row(Text(visible(label, limit=60)), value)


def detail_key(
    record: TaskRecord, now: float, raw: bool, problem: str | None, eta: Eta | None = None
) -> tuple[object, ...]:
    """Everything the detail pane shows; when it is unchanged the pane is not repainted."""
    job = record.job
    created = job.created_at if job else None
    elapsed = format_elapsed(now - created.timestamp()) if created else ""
    checked = format_checked(now - record.checked_at) if record.checked_at else ""
    if record.is_final:
        checked = str(record.checked_at)
    planned = record.planned_start if record.state is JobStatus.SCHEDULED else None
    timing = (
        _eta_line(eta), _deadline_line(record, now),
        _planned_line(planned, now) if planned is not None else "",
    )  # fmt: skip
    steps = record.steps
    shown_steps = (
        tuple(steps_lines(steps, final=record.is_final, before_end=record.steps_before_end))
        if steps is not None
        else None
    )
    fields = visible_fields(record, steps=False)
    return (record.task_id, fields, shown_steps, elapsed, checked, raw, problem, timing)


@dataclass(frozen=True)
class DetailContent:
    """What the pane is asked to show: a task's view at a moment, raw JSON or not.

    Two contents are equal when the pane would show the same text (:func:`detail_key`: the
    shown fields, steps as drawn, the clock's texts, the problem), so the pane's reactive
    repaints only when something on it moved.
    """

    view: TaskView = field(compare=False)
    now: float = field(compare=False)
    raw: bool = field(compare=False, default=False)
    shown: tuple[object, ...] = field(init=False)

    def __post_init__(self) -> None:
        view, now = self.view, self.now
        shown = detail_key(view.record, now, self.raw, view.problem, view.eta(now))
        object.__setattr__(self, "shown", (*shown, len(view.history)))

    def render(self, error_style: str = "red") -> RenderableType:
        """The pane's text (see :func:`render_detail`)."""
        view = self.view
        return render_detail(
            view.record,
            view.history,
            now=self.now,
            raw=self.raw,
            problem=view.problem,
            error_style=error_style,
            eta=view.eta(self.now),
        )


def _eta_line(eta: Eta | None) -> str:
    if eta is None:
        return ""
    if eta.overrun:
        return f"overrunning by {format_left(eta.overrun)} ({eta.basis})"
    return f"{format_left(eta.seconds, approximate=True)} ({eta.basis})"


def _planned_line(planned: float, now: float) -> str:
    # The cloud often starts a scheduled job late; until the job API knows it, that is all.
    late = "  (not started yet)" if planned <= now else ""
    return format_local_epoch(planned, now) + late


def _deadline_line(record: TaskRecord, now: float) -> str:
    if record.deadline is None:
        return ""
    when = format_clock(record.deadline, now=now)
    if record.is_overdue(now):
        return f"⚑ {when} — overdue by {format_left(now - record.deadline)}"
    if record.is_final:
        return when
    return f"{when} (in {format_left(record.deadline - now)})"


_STEP_ICONS = {"done": "✔", "active": "▶", "waiting": "◌", "failed": "✘", "unknown": "?"}


def steps_lines(
    steps: TaskSteps, *, final: bool = False, before_end: bool = False
) -> list[tuple[str, str]]:
    """One (step, state) line per step, as the cloud sent it: a value that cannot be read is
    shown as sent, never turned into a number.

    Only a running step of a running task shows the cloud's time left (a pending step's
    ``remaining_time`` is its planned length, not time left). Steps read before their task
    ended show no step as running: ``was Running 35%``, and no time left.
    """
    lines = []
    for step in steps.steps:
        icon = (
            "·" if before_end and step.phase in ("active", "waiting") else _STEP_ICONS[step.phase]
        )
        label = f"{icon} {step.name or '(unnamed)'}"
        state = step_state(step, before_end=before_end, gap="  ")
        remaining = step.remaining
        if step.phase == "active" and not final and remaining is not None and remaining > 0:
            state += f"  {format_left(remaining, approximate=True)} left"
        elif remaining is None and step.remaining_text.strip() and not final:
            state += f"  remaining {step.remaining_text.strip()!r}"
        lines.append((label, state))
    return lines


def render_detail(
    record: TaskRecord,
    history: Sequence[Observation],
    *,
    now: float,
    raw: bool = False,
    problem: str | None = None,
    error_style: str = "red",
    eta: Eta | None = None,
) -> RenderableType:
    """Everything known about ``record`` as one renderable: status and name, the failure reason
    in a panel, the fields, the entities, what is wrong with refreshing, the observed history,
    and the raw JSON when ``raw``."""
    job = record.job
    title = Text(status_text(record.status, not_found=record.not_found), style="bold")
    title.append(f"  {visible(job.name, limit=FIELD_LIMIT)}" if job and job.name else "")
    # The ID on a line of its own, never folded: it is selected by hand as often as copied.
    task_id = Text(record.task_id, style="dim", no_wrap=True, overflow="ellipsis")
    parts: list[RenderableType] = [title, task_id]
    if job and job.fail_reason:
        reason = Text(visible(job.fail_reason, multiline=True, limit=REASON_LIMIT))
        parts.append(
            Panel(reason, title="Failure reason", title_align="left", border_style=error_style)
        )
    parts.append(_fields(record, now, eta))
    steps = record.steps
    if steps is not None and steps.steps:
        before_end = record.steps_before_end
        note = steps_note(record.steps_checked_at if before_end else None)
        heading = f"Steps ({note})" if note else "Steps"
        lines = steps_lines(steps, final=record.is_final, before_end=before_end)
        parts.append(_section(heading, lines))
    elif record.steps_refused and not record.is_final:
        parts.append(Text("\nThe cloud shows no steps for this job.", style="dim"))
    entities = entity_lines(job) if job else []
    if entities:
        parts.append(_section("Entities", entities))
    if problem or record.is_stale:
        heading, message = _problem_text(record, problem)
        parts.append(Text(f"\n{heading}", style="bold underline"))
        parts.append(Text(visible(message, multiline=True, limit=REASON_LIMIT), style=error_style))
    if history:
        parts.append(_section("Observed history", history_lines(history, now)))
    if raw and job:
        parts.append(Text("\nRaw JSON", style="bold underline"))
        shown = visible_data(job.raw or job.to_api_dict())  # the full text, controls shown
        parts.append(JSON(json.dumps(shown, ensure_ascii=False)))
    elif job:
        parts.append(Text("\nv: raw JSON", style="dim"))
    return Group(*parts)


def _section(heading: str, rows: Sequence[tuple[str, str]]) -> RenderableType:
    grid = _Fields()
    for label, value in rows:
        grid.add_row(label, value)
    return Group(Text(f"\n{heading}", style="bold underline"), grid.table)


def _fields(record: TaskRecord, now: float, eta: Eta | None = None) -> Table:
    """The task's own fields: ID, label, profile, instance, times, progress, ETA, deadline,
    last check."""
    job = record.job
    grid = _Fields()
    if record.label:
        grid.add_row("label", record.label)
    grid.add_row("profile", record.profile)
    if record.origin.startswith("rule:"):
        grid.add_row("origin", f"found by follow rule {record.origin[5:]}")
    elif record.origin == "recent":
        grid.add_row("origin", "added from taskwatch recent")
    if job:
        grid.add_row("instance", f"{job.instance.name}\n{job.instance.id}".strip())
        created, ended = job.created_at, job.ended_at
        if created or record.state is not JobStatus.SCHEDULED:
            grid.add_row("created", f"{format_local(created, now=_local(now))}")
            sent = visible(job.created or "empty", limit=80)
            grid.add_row("", Text(f"as sent: {sent}", style="dim"))
        if ended:
            grid.add_row("ended", f"{format_local(ended, now=_local(now))}")
            grid.add_row("", Text(f"as sent: {visible(job.ended, limit=80)}", style="dim"))
        if created and ended:
            grid.add_row("duration", format_duration((ended - created).total_seconds()))
        elif created:
            grid.add_row("elapsed", format_elapsed(now - created.timestamp()))
        progress = format_progress(job.progress, job.status)
        if progress:
            sent = f"  (process {job.process!r})" if job.process else ""
            grid.add_row("progress", progress + sent)
    planned = record.planned_start if record.state is JobStatus.SCHEDULED else None
    if planned is not None:
        grid.add_row("planned", _planned_line(planned, now))
    if eta is not None:
        grid.add_row("ETA", _eta_line(eta))
    elif not record.is_final and record.status and planned is None:
        grid.add_row("ETA", Text("no estimate yet", style="dim"))
    if record.deadline is not None:
        grid.add_row("deadline", _deadline_line(record, now))
    if record.checked_at and not record.is_final:
        grid.add_row("checked", format_checked(now - record.checked_at))
    elif record.checked_at:
        grid.add_row("checked", format_local_epoch(record.checked_at, now))
    return grid.table


def _problem_text(record: TaskRecord, problem: str | None) -> tuple[str, str]:
    """A heading and an explanation for what is wrong with ``record``'s refreshes."""
    if problem:
        return "Not polled", problem
    answer = record.error_text or ""
    if record.not_found:
        return "Not found", (
            "The Task Center does not know this task: a mistyped ID, another region or project "
            "(check the profile), or older than a month (the cloud keeps one month; what was "
            f"seen before stays here). Checked again every 10 minutes. Last answer: {answer}"
        )
    if record.error_kind == "not_found":
        return "Not visible yet", (
            "New tasks take a few seconds to appear in the Task Center; taskwatch keeps asking "
            f"and marks the task not found only after the grace period. Last answer: {answer}"
        )
    heading = "Last refresh failed" + (" (showing the last good data)" if record.job else "")
    return heading, f"{record.error_kind}: {answer}"


def format_local_epoch(epoch: float, now: float) -> str:
    """An epoch timestamp in local time (date shown when not today)."""
    return format_local(_local(epoch), now=_local(now))


def _local(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch).astimezone()


def history_lines(history: Sequence[Observation], now: float) -> list[tuple[str, str]]:
    """One line per status the task went through; progress shown as the range observed."""
    runs: list[list[Observation]] = []
    for observation in history:
        if (
            runs
            and runs[-1][0].status == observation.status
            and not runs[-1][0].error_text
            and not observation.error_text
        ):
            runs[-1].append(observation)
        else:
            runs.append([observation])
    lines = []
    for run in runs:
        first, last = run[0], run[-1]
        if first.error_text:
            lines.append((format_local_epoch(first.observed_at, now), f"⚠ {first.error_text}"))
            continue
        text = status_text(first.status)
        low = format_progress(first.progress, first.status)
        high = format_progress(last.progress, last.status)
        if low and high and low != high:
            text += f" {low} → {high}"
        elif high:
            text += f" {high}"
        when = format_local_epoch(first.observed_at, now)
        if len(run) > 1:
            text += f"  (until {format_local_epoch(last.observed_at, now)})"
        lines.append((when, text))
    return lines


class DetailPane(VerticalScroll):
    """Shows the highlighted task in full; scrolls when it does not fit.

    Set :attr:`content` to show a task: it is drawn again only when it differs from what is
    shown (Posting's response area works the same way).
    """

    can_focus = True

    content: reactive[DetailContent | None] = reactive(None, init=False)
    """The task shown, or None (then :meth:`show_empty`'s text is)."""
    error_style = "red"
    """The theme's error colour: the failure reason's frame and the problem text."""

    def compose(self) -> ComposeResult:
        yield Static("Select a task to see its details.", id="detail-body")

    current: RenderableType = ""
    """What the pane shows now."""

    def watch_content(self, content: DetailContent | None) -> None:
        if content is not None:
            self.show(content.render(self.error_style))

    def show(self, renderable: RenderableType) -> None:
        """Show ``renderable``; the screen is laid out again only if its height changed.

        A layout redraws the whole screen (80-100 ms with 1,000 rows, measured during a first
        sweep): a task's pane changes often (progress, checked) but rarely its number of lines.

        Args:
            renderable: What to show.
        """
        self.current = renderable
        body = self.query_one("#detail-body", Static)
        body.update(renderable, layout=False)
        width, height = body.size
        if not width or body.get_content_height(self.size, self.app.size, width) != height:
            body.refresh(layout=True)

    def show_empty(self, text: str = "No task selected.") -> None:
        """Show ``text`` instead of a task."""
        self.set_reactive(DetailPane.content, None)
        self.show(Text(text, style="dim"))
