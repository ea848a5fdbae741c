"""Where a watchlist keeps its tasks: one small protocol, met by the SQLite store and by memory.

The watchlist talks to a :class:`Backend` only, never asking which one it has: the TUI and the
CLI keep the watchlist in the shared SQLite file (:class:`~tui.engine.storage.Store` meets the
protocol as it is); ``wait`` watches in memory (:class:`MemoryBackend`), changing nothing on
disk. Each backend decides whether an answer changed a task (status or progress), once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol

from tui.cloud.ids import clean_label, validate_task_id
from tui.engine.changes import answered
from tui.engine.records import Observation, TaskRecord, check_deadline
from tui.engine.storage import AddResult, Recorded

if TYPE_CHECKING:
    from tui.cloud.models import Job

__all__ = ["Backend", "MemoryBackend"]


class Backend(Protocol):
    """What a watchlist needs of the place its tasks are kept."""

    def add_tasks(
        self, task_ids: Iterable[str], *, profile: str, label: str = "", now: float | None = None
    ) -> AddResult:
        """Watch ``task_ids`` (validated) under ``profile``."""

    def add_discovered(
        self, tasks: Iterable[tuple[str, str, str, str, str, str]], *, now: float
    ) -> list[str]:
        """Watch tasks a follow rule found, unless ever watched; return the IDs added."""

    def get_task(self, task_id: str) -> TaskRecord | None:
        """A watched task by ID, or None."""

    def remove_tasks(self, task_ids: Iterable[str], *, now: float | None = None) -> list[str]:
        """Stop watching ``task_ids``; return those that were watched."""

    def restore_tasks(self, task_ids: Iterable[str]) -> list[str]:
        """Watch removed tasks again; return those restored."""

    def set_label(self, task_id: str, label: str) -> None:
        """Change a task's label."""

    def set_deadline(self, task_ids: Iterable[str], deadline: float | None) -> list[str]:
        """Set or clear deadlines; return the IDs changed."""

    def mark_warned(self, task_id: str, *, at_risk: bool = False, overdue: bool = False) -> None:
        """Remember that a deadline warning was given."""

    def list_tasks(self) -> list[TaskRecord]:
        """Every watched task, in the order added."""

    def record_success(
        self, task_id: str, job: Job, *, now: float, snapshot: str | None = None
    ) -> Recorded | None:
        """Keep a fetched job; say whether it changed the task (None: not watched)."""

    def record_checked(self, task_ids: Iterable[str], *, now: float) -> None:
        """Mark tasks checked with nothing changed."""

    def record_error(
        self, task_id: str, *, kind: str, text: str, now: float, not_found: bool = False
    ) -> None:
        """Keep a failed refresh (the last good data stays)."""

    def record_steps(self, task_id: str, steps_json: str, *, now: float) -> bool:
        """Keep a job's steps; say whether they changed."""

    def refuse_steps(self, task_id: str, why: str, *, now: float) -> None:
        """Remember that the cloud shows no steps for a task."""

    def save_state(self, record: TaskRecord, *, now: float) -> None:
        """Write a record's state as it is in memory."""

    def history(self, task_id: str) -> list[Observation]:
        """The observed changes of a task, oldest first."""

    def data_version(self) -> int:
        """A number that changes when another process writes."""

    def patience(self, seconds: float) -> AbstractContextManager[None]:
        """Wait at most ``seconds`` for another process's lock in this block."""


class MemoryBackend:
    """The watchlist in memory only: nothing is written anywhere, no history is kept.

    Args:
        wall: Wall time, for when tasks are added.
    """

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._rows: dict[str, TaskRecord] = {}
        self._removed: set[str] = set()

    def add_tasks(
        self, task_ids: Iterable[str], *, profile: str, label: str = "", now: float | None = None
    ) -> AddResult:
        """Watch ``task_ids`` (validated; InvalidInputError names a bad one, nothing added)."""
        ids = [validate_task_id(task_id) for task_id in task_ids]
        label = clean_label(label)
        now = self._wall() if now is None else now
        added, already = [], []
        for task_id in dict.fromkeys(ids):
            if task_id in self._rows and task_id not in self._removed:
                already.append(task_id)
                continue
            self._removed.discard(task_id)
            position = len(self._rows) + 1
            self._rows[task_id] = TaskRecord(task_id, profile, label, now, position)
            added.append(task_id)
        return AddResult(added, already)

    def add_discovered(
        self, tasks: Iterable[tuple[str, str, str, str, str, str]], *, now: float
    ) -> list[str]:
        """Watch tasks a follow rule found, unless ever watched (removed ones too)."""
        added = []
        for task_id, profile, label, origin, status, snapshot in tasks:
            if task_id in self._rows:
                continue
            self._rows[task_id] = TaskRecord(
                task_id, profile, label, now, len(self._rows) + 1, status=status,
                job_json=snapshot, changed_at=now, origin=origin,
            )  # fmt: skip
            added.append(task_id)
        return added

    def get_task(self, task_id: str) -> TaskRecord | None:
        """A watched task by ID, or None."""
        return self._get(task_id.lower())

    def remove_tasks(self, task_ids: Iterable[str], *, now: float | None = None) -> list[str]:
        """Stop watching ``task_ids`` (kept for :meth:`restore_tasks`)."""
        removed = [i.lower() for i in task_ids if self._get(i.lower()) is not None]
        self._removed.update(removed)
        return removed

    def restore_tasks(self, task_ids: Iterable[str]) -> list[str]:
        """Watch removed tasks again."""
        restored = [task_id for task_id in task_ids if task_id in self._removed]
        self._removed.difference_update(restored)
        return restored

    def set_label(self, task_id: str, label: str) -> None:
        """Change a task's label."""
        self._change(task_id, lambda row: row.evolve(label=clean_label(label)))

    def set_deadline(self, task_ids: Iterable[str], deadline: float | None) -> list[str]:
        """Set or clear deadlines (the warnings may be given again)."""
        if deadline is not None:
            check_deadline(deadline, now=self._wall())
        ids = [i.lower() for i in task_ids if self._get(i.lower()) is not None]
        for task_id in ids:
            self._change(
                task_id,
                lambda r: r.evolve(deadline=deadline, at_risk_warned=False, overdue_warned=False),
            )
        return ids

    def mark_warned(self, task_id: str, *, at_risk: bool = False, overdue: bool = False) -> None:
        """Remember that a deadline warning was given."""
        self._change(
            task_id,
            lambda r: r.evolve(
                at_risk_warned=r.at_risk_warned or at_risk,
                overdue_warned=r.overdue_warned or overdue,
            ),
        )

    def list_tasks(self) -> list[TaskRecord]:
        """Every watched task, in the order added."""
        return [row for task_id, row in self._rows.items() if task_id not in self._removed]

    def record_success(
        self, task_id: str, job: Job, *, now: float, snapshot: str | None = None
    ) -> Recorded | None:
        """Keep a fetched job; say whether its status or progress moved."""
        row = self._get(task_id)
        if row is None:
            return None
        change = answered(row, job)
        self._rows[task_id] = row.fetched(job, now, snapshot=snapshot, changed=change.moved)
        return change

    def record_checked(self, task_ids: Iterable[str], *, now: float) -> None:
        """Mark tasks checked with nothing changed."""
        for task_id in task_ids:
            self._change(task_id, lambda r: r.checked(now))

    def record_error(
        self, task_id: str, *, kind: str, text: str, now: float, not_found: bool = False
    ) -> None:
        """Keep a failed refresh (the last good data stays)."""
        self._change(
            task_id,
            lambda r: r.evolve(
                checked_at=now, error_kind=kind, error_text=text, not_found=not_found
            ),
        )

    def record_steps(self, task_id: str, steps_json: str, *, now: float) -> bool:
        """Keep a job's steps; say whether they changed."""
        row = self._get(task_id)
        if row is None:
            return False
        self._rows[task_id] = row.evolve(
            steps_json=steps_json, steps_checked_at=now, steps_refused=None
        )
        return row.steps_json != steps_json

    def refuse_steps(self, task_id: str, why: str, *, now: float) -> None:
        """Remember that the cloud shows no steps for a task."""
        self._change(
            task_id, lambda r: r.evolve(steps_refused=why or "refused", steps_checked_at=now)
        )

    def save_state(self, record: TaskRecord, *, now: float) -> None:
        """Nothing is ever left unsaved in memory."""

    def history(self, task_id: str) -> list[Observation]:
        """No history is kept in memory."""
        return []

    def data_version(self) -> int:
        """No other process writes to memory."""
        return 0

    @contextmanager
    def patience(self, seconds: float) -> Iterator[None]:
        """Memory has no locks."""
        yield

    def _get(self, task_id: str) -> TaskRecord | None:
        return None if task_id in self._removed else self._rows.get(task_id)

    def _change(self, task_id: str, change: Callable[[TaskRecord], TaskRecord]) -> None:
        row = self._get(task_id)
        if row is not None:
            self._rows[task_id] = change(row)


if TYPE_CHECKING:  # both meet the protocol; mypy checks these two lines
    from tui.engine.storage import Store

    _SQLITE: type[Backend] = Store
    _MEMORY: type[Backend] = MemoryBackend
