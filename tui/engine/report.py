"""The record of a window: which tasks were active in it, how each went, and the totals.

Built from the local database only (the cloud forgets tasks after a month; taskwatch does not).
Rendering is elsewhere (:mod:`tui.present.report_formats`); this module decides what is in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tui.cloud.status import JobStatus
from tui.cloud.steps import SubTask
from tui.engine.records import TaskRecord
from tui.engine.storage import Store

__all__ = ["Report", "ReportTask", "build_report"]


@dataclass(frozen=True, slots=True)  # a report may hold 100,000 of them
class ReportTask:
    """One task as the change record tells it (times are aware, in UTC)."""

    task_id: str
    label: str
    name: str
    instance_name: str
    instance_id: str
    profile: str
    outcome: str
    """The last known status (``waiting`` before the first answer, ``not found``)."""
    final: bool
    created: datetime | None
    ended: datetime | None
    fail_reason: str
    first_seen: datetime | None
    last_seen: datetime | None
    start: datetime
    """Where its bar starts: created, else first seen, else added."""
    end: datetime
    """Where its bar ends: ended, else now for a task still running, else last seen."""
    steps: tuple[SubTask, ...] = ()
    """Its steps as last seen (empty when the cloud showed none)."""
    steps_seen_at: float | None = None
    """When the steps were last read, if that was before the task ended (they show it as it
    was then, not as it ended: the final snapshot could not be read)."""

    @property
    def duration(self) -> float | None:
        """Seconds from created to ended (None while running or unknown)."""
        if self.created and self.ended:
            return max(0.0, (self.ended - self.created).total_seconds())
        return None


@dataclass(frozen=True)
class Report:
    """What happened between ``start`` and ``end``."""

    start: datetime
    end: datetime
    generated: datetime
    tasks: list[ReportTask]

    @property
    def totals(self) -> dict[str, int]:
        """How many completed, failed, canceled, and are still running (or waiting)."""
        counts = {"completed": 0, "failed": 0, "canceled": 0, "running": 0}
        for task in self.tasks:
            state = JobStatus.parse(task.outcome)
            key = state.value.lower() if state and task.final else "running"
            counts[key] += 1
        return counts

    @property
    def span(self) -> tuple[datetime, datetime] | None:
        """From the first task's start to the last task's end (None without tasks)."""
        if not self.tasks:
            return None
        return min(t.start for t in self.tasks), max(t.end for t in self.tasks)


def build_report(
    store: Store,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    label: str | None = None,
    profile: str | None = None,
) -> Report:
    """The tasks active between ``start`` and ``end``: created, ended or observed in the
    window, or running across it; removed tasks too. In time order.

    Args:
        store: The watchlist database (nothing is asked of the cloud).
        start: The window's start (aware).
        end: The window's end (aware).
        now: The current time, where a running task's bar ends.
        label: Only tasks whose label contains this (case-insensitive).
        profile: Only tasks of this profile.

    Returns:
        The report.
    """
    seen = store.seen_range()
    tasks = []
    for record in store.each_task(removed=True):  # one at a time: its parsed job goes with it
        if profile and record.profile != profile:
            continue
        if label and label.lower() not in record.label.lower():
            continue
        task = _report_task(record, seen.get(record.task_id), now)
        if task.start <= end and task.end >= start:
            tasks.append(task)
    tasks.sort(key=lambda t: (t.start, t.task_id))
    return Report(start=start, end=end, generated=now, tasks=tasks)


def _utc(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


def _report_task(record: TaskRecord, seen: tuple[float, float] | None, now: datetime) -> ReportTask:
    job = record.job
    created = job.created_at.astimezone(UTC) if job and job.created_at else None
    ended = job.ended_at.astimezone(UTC) if job and job.ended_at else None
    first_seen, last_seen = (_utc(seen[0]), _utc(seen[1])) if seen else (None, None)
    added = _utc(record.added_at) or now
    start = created or first_seen or added
    if ended:
        finish = ended
    elif record.is_final:
        finish = last_seen or start
    else:
        finish = max(now, start)
    return ReportTask(
        task_id=record.task_id,
        label=record.label,
        name=job.name if job else "",
        instance_name=job.instance.name if job else "",
        instance_id=job.instance.id if job else "",
        profile=record.profile,
        outcome=record.count_key,
        final=record.is_final,
        created=created,
        ended=ended,
        fail_reason=job.fail_reason if job else "",
        first_seen=first_seen,
        last_seen=last_seen,
        start=start,
        end=finish,
        steps=record.steps.steps if record.steps is not None else (),
        steps_seen_at=record.steps_checked_at if record.steps_before_end else None,
    )
