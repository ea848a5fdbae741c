"""How the end of a task is announced: the one decision behind toasts, bells and desktop
notifications, whatever front end carries them out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tui.cloud.status import Tone
from tui.engine.events import DeadlineWarning, SessionListener, TaskFinished
from tui.engine.records import TaskRecord
from tui.present.text import (
    format_clock,
    format_duration,
    format_left,
    status_icon,
    task_title,
)

if TYPE_CHECKING:
    from tui.engine.eta import Eta
    from tui.engine.setup.config import NotificationSettings


def _name(record: TaskRecord) -> str:
    return task_title(record)[:60]


__all__ = ["Notice", "Severity", "deadline_notice", "notice_for", "notice_of"]

Severity = Literal["information", "warning", "error"]
SEVERITIES: dict[Tone, Severity] = {
    Tone.GOOD: "information", Tone.BAD: "error", Tone.WARNING: "warning",
    Tone.NEUTRAL: "information",
}  # fmt: skip
"""The notice's severity for each tone of a status (:class:`~tui.cloud.status.Tone`)."""


@dataclass(frozen=True)
class Notice:
    """A notification in words, and through which channels it goes."""

    title: str
    text: str
    severity: Severity
    toast: bool
    bell: bool
    desktop: bool


def notice_of(
    event: TaskFinished | DeadlineWarning, switches: NotificationSettings
) -> Notice | None:
    """How to tell the user of an event the session decided is worth telling.

    Args:
        event: A task that ended, or a deadline warning.
        switches: Which channels the user wants.

    Returns:
        The notice, or None when the event is not announced (a task that had already ended
        before it was added).
    """
    return _NoticeWords(switches).hear(event)


class _NoticeWords(SessionListener["Notice"]):
    """The notice of an ended task or a deadline warning, with the user's channels."""

    def __init__(self, switches: NotificationSettings) -> None:
        self.switches = switches

    def task_finished(self, event: TaskFinished) -> Notice | None:
        return notice_for(event.record, self.switches) if event.announce else None

    def deadline_warning(self, event: DeadlineWarning) -> Notice | None:
        return deadline_notice(event.record, event.kind, event.eta, self.switches, event.at)


def notice_for(record: TaskRecord, switches: NotificationSettings) -> Notice:
    """How to announce that ``record`` ended.

    Args:
        record: A task that reached a final status.
        switches: Which channels the user wants (toast, bell, desktop; bell on success too?).

    Returns:
        The notice: title, text, severity, and which channels to use. A failure or
        cancellation rings the bell; a success only if ``bell_on_success``.
    """
    job = record.job
    state = record.state
    text = f"{status_icon(record.status)} {_name(record)}: {record.status}"
    if job and job.fail_reason:
        text += f" — {job.fail_reason[:200]}"
    tone = state.meaning.tone if state is not None else Tone.WARNING
    severity = SEVERITIES[tone]
    failed = tone != Tone.GOOD
    return Notice(
        title=f"Task {record.status.lower()}",
        text=text,
        severity=severity,
        toast=switches.toast,
        bell=switches.bell and (failed or switches.bell_on_success),
        desktop=switches.desktop,
    )


def deadline_notice(
    record: TaskRecord,
    kind: str,
    eta: Eta | None,
    switches: NotificationSettings,
    now: float,
) -> Notice:
    """How to announce that ``record`` is overdue, or that its estimate passes its deadline.

    Args:
        record: A task with a deadline, still unfinished.
        kind: ``overdue`` or ``at_risk``.
        eta: The estimate, for ``at_risk``.
        switches: Which channels the user wants; both warnings ring the bell if it is on.
        now: Wall time.

    Returns:
        The notice, through the same channels as a failure.
    """
    deadline = record.deadline or now
    status = record.status or "waiting"
    if kind == "overdue":
        title = "Task overdue"
        late = now - deadline
        by = "just" if late < 60 else format_duration(late)
        text = (
            f"⚑ {_name(record)}: still {status}, {by} past its deadline ({format_clock(deadline)})"
        )
        severity: Severity = "error"
    else:
        title = "Task at risk"
        left = eta.seconds if eta else 0
        late = now + left - deadline
        text = (
            f"⚠ {_name(record)}: expected to finish in {format_left(left, approximate=True)} "
            f"({eta.basis if eta else 'no estimate'}), {format_duration(late)} after its "
            f"deadline ({format_clock(deadline)})"
        )
        severity = "warning"
    return Notice(
        title=title,
        text=text,
        severity=severity,
        toast=switches.toast,
        bell=switches.bell,
        desktop=switches.desktop,
    )
