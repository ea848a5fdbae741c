"""How tasks read to a person: status icons and words, times, durations, entities.

Shared by the CLI and the TUI so that both say the same thing the same way.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.cloud.safe_text import visible
from tui.cloud.status import JobStatus, meaning_of, rank_of

if TYPE_CHECKING:
    from tui.cloud.models import Job
    from tui.cloud.steps import SubTask
    from tui.engine.eta import Eta
    from tui.engine.records import TaskRecord

__all__ = [
    "AXIS_STEPS",
    "axis_step",
    "entity_lines",
    "eta_text",
    "format_checked",
    "format_clock",
    "format_duration",
    "format_elapsed",
    "format_left",
    "format_local",
    "format_progress",
    "origin_mark",
    "progress_bar",
    "severity",
    "status_icon",
    "status_text",
    "step_state",
    "step_summary",
    "steps_note",
    "task_title",
    "tasks_count",
]


def status_icon(status: str, *, not_found: bool = False) -> str:
    """A one-cell icon for ``status``; never the only signal (the word is always shown too).

    Args:
        status: The status as sent ("" before the first fetch).
        not_found: The cloud does not know the task.

    Returns:
        One character.
    """
    if not_found:
        return "∅"
    if not status:
        return "·"
    meaning = meaning_of(status)
    return meaning.icon if meaning is not None else "?"


def status_text(status: str, *, not_found: bool = False) -> str:
    """Icon and word, e.g. ``✘ Failed``; ``? Rollbacking`` for a status no document lists.

    Args:
        status: The status as sent ("" before the first fetch).
        not_found: The cloud does not know the task.

    Returns:
        The text for a status cell or line.
    """
    if not_found:
        return "∅ Not found"
    if not status:
        return "· Waiting"
    return f"{status_icon(status)} {visible(status, limit=40)}"  # an unknown status is shown


def severity(status: str, *, not_found: bool = False, stale: bool = False) -> int:
    """Sort key: failures first, then anything unusual, running, pending, finished last.

    Args:
        status: The status as sent.
        not_found: The cloud does not know the task.
        stale: The last refresh failed.

    Returns:
        A rank; lower sorts first.
    """
    return rank_of(status, not_found=not_found, stale=stale)


def format_duration(seconds: float | None) -> str:
    """``42s``, ``5m 03s``, ``2h 07m``, ``3d 04h``; empty for None.

    Args:
        seconds: A duration (negative counts as zero).

    Returns:
        Two units at most.
    """
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    return _hours_and_more(minutes, " ")


def format_elapsed(seconds: float) -> str:
    """A running task's age: seconds for the first minute, then minutes, so that the column
    changes once a minute instead of at every tick.

    Args:
        seconds: Time since the task was created.

    Returns:
        ``42s``, ``17m``, then as :func:`format_duration`.
    """
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return format_duration(seconds)


FRESH_CHECK = 15.0  # a check younger than this reads "now"


def format_checked(seconds: float) -> str:
    """How long ago a task was checked: ``now`` while polling keeps up; the age once it lags.

    Args:
        seconds: Time since the last check.

    Returns:
        ``now`` or a duration.
    """
    return "now" if seconds < FRESH_CHECK else format_duration(seconds)


def format_local(moment: datetime | None, *, now: datetime | None = None) -> str:
    """Local time: ``14:03:09`` today, ``11-25 14:03`` this year, else the full date.

    Args:
        moment: An aware datetime, or None.
        now: What counts as today (default: the clock).

    Returns:
        The text ("" for None).
    """
    if moment is None:
        return ""
    local = moment.astimezone()
    now = (now or datetime.now().astimezone()).astimezone()
    if local.date() == now.date():
        return local.strftime("%H:%M:%S")
    if local.year == now.year:
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def format_clock(moment: float, *, now: float | None = None) -> str:
    """A wall time as local ``HH:MM`` today, ``MM-DD HH:MM`` on another day (deadlines).

    Args:
        moment: Epoch seconds.
        now: What counts as today (default: the clock).

    Returns:
        The text; ``invalid`` for a value no clock shows (a damaged or hostile file: a
        renderer must never die on a stored value).
    """
    try:
        local = datetime.fromtimestamp(moment).astimezone()
        today = datetime.fromtimestamp(now).astimezone() if now is not None else None
    except (OverflowError, OSError, ValueError):
        return "invalid"
    today = today or datetime.now().astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


def format_left(seconds: float, *, approximate: bool = False) -> str:
    """A time still to go, calmly: ``<1m``, ``7m``, ``1h05m``, ``2d03h`` (minutes rounded up,
    so the text changes once a minute at most, not at every tick).

    Args:
        seconds: Seconds.
        approximate: Mark an estimate: ``~7m`` (``<1m`` says it already).

    Returns:
        The text.
    """
    if seconds < 60:
        return "<1m"
    if approximate:
        return "~" + format_left(seconds)
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes}m"
    return _hours_and_more(minutes, "")


def _hours_and_more(minutes: int, gap: str) -> str:
    """An hour or more in its two largest units: ``2h07m`` below two days, ``3d04h`` above."""
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{gap}{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{gap}{hours:02d}h"


def eta_text(eta: Eta | None, record: TaskRecord, now: float) -> str:
    """The ETA cell: ``~7m``, ``over 4m`` past the estimate, ``⚑ overdue`` past the deadline,
    ``~12m ⚠`` when the estimate ends after the deadline; empty without an estimate.

    Args:
        eta: The task's estimate, if any.
        record: The task.
        now: Wall time.

    Returns:
        The text (icons are never the only signal: a word or a number goes with each).
    """
    if record.is_overdue(now):
        return "⚑ overdue"
    planned = record.planned_start if record.state is JobStatus.SCHEDULED else None
    if planned is not None:
        return f"at {format_clock(planned, now=now)}"
    if eta is None:
        return ""
    if eta.overrun:
        return f"over {format_left(eta.overrun)}"
    text = format_left(eta.seconds, approximate=True)
    if record.deadline is not None and now + eta.seconds > record.deadline:
        text += " ⚠"
    return text


_BAR_CELLS = "▏▎▍▌▋▊▉█"


def progress_bar(progress: int | None, status: str, width: int = 5) -> str:
    """A small bar of block characters and the number: ``██▌   50%`` (never animated; the
    number reads without colour).

    Args:
        progress: The percent, if the cloud sent one.
        status: The task's status (Completed without a percent is 100%).
        width: Cells for the bar.

    Returns:
        The bar and the percent, or "" when there is no percent.
    """
    text = format_progress(progress, status)
    if not text:
        return ""
    percent = progress if progress is not None else 100
    eighths = round(max(0, min(100, percent)) * width * 8 / 100)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_BAR_CELLS[part - 1] if part else "")
    return f"{bar:<{width}} {text:>4}"


def tasks_count(count: int, what: str = "task") -> str:
    """``1 task``, ``3 tasks``, ``no task``: a count a person reads, not ``task(s)``.

    Args:
        count: How many.
        what: The noun, singular.

    Returns:
        The words.
    """
    if count == 0:
        return f"no {what}"
    return f"{count} {what}" + ("" if count == 1 else "s")


def format_progress(progress: int | None, status: str) -> str:
    """``60%``; ``100%`` once Completed; empty otherwise.

    Args:
        progress: The percent, if the cloud sent one.
        status: The task's status.

    Returns:
        The text.
    """
    if progress is not None:
        return f"{progress}%"
    return "100%" if JobStatus.parse(status) is JobStatus.COMPLETED else ""


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        out.append((prefix, ", ".join(str(v) for v in value) or "[]"))
    elif isinstance(value, str):
        out.append((prefix, value))
    else:
        out.append((prefix, json.dumps(value, ensure_ascii=False)))


def entity_lines(job: Job) -> list[tuple[str, str]]:
    """The entities as (label, value) lines: documented shapes readably, the rest generically.

    Args:
        job: The job.

    Returns:
        One (label, value) per entity; values are the cloud's text, unescaped.
    """
    typed = job.typed_entities
    lines: list[tuple[str, str]] = []
    handled: set[str] = set()
    instance = typed.instance
    if instance is not None:
        handled.add("instance")
        if instance.endpoint:
            lines.append(("endpoint", instance.endpoint))
        if instance.type:
            lines.append(("instance type", instance.type))
        if instance.datastore is not None:
            engine = " ".join(x for x in (instance.datastore.type, instance.datastore.version) if x)
            lines.append(("datastore", engine))
        if instance.replica_of:
            lines.append(("replica of", instance.replica_of))
        for key, value in (instance.model_extra or {}).items():
            _flatten(f"instance.{key}", value, lines)
    if typed.public_ip is not None:
        handled.add("public_ip")
        lines.append(("public IP", typed.public_ip))
    if typed.resource_ids is not None:
        handled.add("resource_ids")
        lines.append(("resources", ", ".join(typed.resource_ids) or "none"))
    if typed.volume is not None:
        handled.add("volume")
        volume = typed.volume
        sizes = f"{volume.original_size or '?'} GB → {volume.target_size or '?'} GB"
        lines.append(("volume", f"{sizes} ({volume.type})" if volume.type else sizes))
    if typed.switch_strategy is not None:
        handled.add("switch_strategy")
        lines.append(("switch strategy", typed.switch_strategy))
    for key, value in job.entities.items():
        if key not in handled:
            _flatten(key, value, lines)
    # Keys and values are the cloud's text: shown, never obeyed.
    return [(visible(label, limit=60), visible(value, limit=2000)) for label, value in lines]


# Round steps for a time axis: minutes, then hours.
AXIS_STEPS = [60 * m for m in (1, 2, 5, 10, 15, 30)] + [3600 * h for h in (1, 2, 3, 6, 12, 24, 48)]


def axis_step(seconds: float, most: int) -> int:
    """The roundest tick interval that puts at most ``most`` ticks on an axis ``seconds`` long.

    Args:
        seconds: The span of the axis.
        most: How many ticks fit.

    Returns:
        Seconds between ticks (the largest step when even that gives more).
    """
    return next((s for s in AXIS_STEPS if max(1.0, seconds) / s <= most), AXIS_STEPS[-1])


FOLLOWED_MARK = "⟳"
"""The mark of a task a follow rule found (the detail pane names the rule)."""


def origin_mark(record: TaskRecord) -> str:
    """The mark of where a task came from: ``⟳`` when a follow rule found it, else empty.

    Args:
        record: A task.

    Returns:
        The mark.
    """
    return FOLLOWED_MARK if record.origin.startswith("rule:") else ""


def task_title(record: TaskRecord) -> str:
    """A task named as the table names it: ``label · job name``, either alone, else its ID.

    Args:
        record: A task.

    Returns:
        The name, unescaped (the caller makes it visible for where it goes).
    """
    job = record.job
    name = job.name.strip() if job and job.name else ""
    if record.label and name:
        return f"{record.label} · {name}"
    return record.label or name or record.task_id


def step_state(step: SubTask, *, before_end: bool = False, gap: str = " ") -> str:
    """A step's status and percent: ``Running 40%``; ``was Running 40%`` when the steps were
    read before the task ended (a step is never shown running after its task is final).

    Args:
        step: A step as the cloud sent it.
        before_end: The task has ended since these steps were read.
        gap: What goes between the status and the percent.

    Returns:
        The status and the percent (as sent when it is not a number 0-100).
    """
    state = step.status.strip() or "no status"
    if before_end and step.phase in ("active", "waiting"):
        state = f"was {state}"
    if step.percent is not None:
        return f"{state}{gap}{step.percent}%"
    if step.percent_text.strip():
        return f"{state}{gap}(percent {step.percent_text.strip()!r})"
    return state


def steps_note(seen_at: float | None) -> str:
    """What to say above steps read before their task ended (empty otherwise).

    Args:
        seen_at: When they were read, if before the end.

    Returns:
        ``last seen 01:02, before it ended``, or "".
    """
    return f"last seen {format_clock(seen_at)}, before it ended" if seen_at is not None else ""


def step_summary(step: SubTask, *, before_end: bool = False) -> str:
    """One step in a line of a report: ``Upgrade the kernel: Running 40%``.

    Args:
        step: A step as the cloud sent it.
        before_end: The task has ended since these steps were read.

    Returns:
        Its name and :func:`step_state`; unescaped: each format escapes it its own way.
    """
    return f"{step.name.strip() or '(unnamed)'}: {step_state(step, before_end=before_end)}"
