"""How the end of a task is announced: the one decision behind toasts, bells and desktop
notifications, whatever front end carries them out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.cloud.status import JobStatus
from tui.engine.events import Notice, Severity
from tui.engine.present import status_icon
from tui.engine.records import TaskRecord

if TYPE_CHECKING:
    from tui.engine.config import NotificationSettings

__all__ = ["notice_for"]


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
    name = (record.label or (job.name if job else "") or record.task_id)[:60]
    text = f"{status_icon(record.status)} {name}: {record.status}"
    if job and job.fail_reason:
        text += f" — {job.fail_reason[:200]}"
    severity: Severity = "warning"
    if state == JobStatus.COMPLETED:
        severity = "information"
    elif state == JobStatus.FAILED:
        severity = "error"
    failed = state != JobStatus.COMPLETED
    return Notice(
        title=f"Task {record.status.lower()}",
        text=text,
        severity=severity,
        toast=switches.toast,
        bell=switches.bell and (failed or switches.bell_on_success),
        desktop=switches.desktop,
    )
