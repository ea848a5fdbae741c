"""The watched tasks as a live set of records, kept in a backend (the SQLite store, or memory).

The watch session holds one of these. It keeps the summary counts up to date as records
change, remembers removals for undo, notices another process's writes cheaply, and keeps in
memory what a held lock or a full disk would not take, until it can be written.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from tui.cloud.ids import clean_label
from tui.cloud.status import count_rank
from tui.engine.changes import answered
from tui.engine.records import Observation, TaskRecord
from tui.engine.session.backends import Backend, MemoryBackend
from tui.engine.storage import AddResult, Recorded, Store
from tui.engine.storage.database import BACKGROUND_PATIENCE
from tui.errors import StoreError

if TYPE_CHECKING:
    from tui.cloud.models import Job
    from tui.cloud.steps import TaskSteps
    from tui.errors import TaskCenterError

__all__ = ["Watchlist"]

log = logging.getLogger(__name__)

WRITE_PAUSE = 1.0
"""Seconds without writing poll results after one could not be written."""

# The summary bar's order: what needs attention first.


class Watchlist:
    """The watched tasks and their last known state.

    Every change, from the user or the cloud, goes
    through here to its backend, because one invariant spans them all: the records in memory,
    the summary counts and what is written (or still waiting to be written, when a lock or a
    full disk refused it) must agree.

    Args:
        store: The watchlist database, or None to keep the tasks in memory only
            (:class:`~tui.engine.session.backends.MemoryBackend`).
        wall: Wall time, for when tasks are added in memory.
        monotonic: Monotonic time, for pausing writes after one failed.
    """

    def __init__(
        self,
        store: Store | None,
        wall: Callable[[], float],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        """The database, for the parts of the session that read it (None in memory)."""
        self._backend: Backend = store if store is not None else MemoryBackend(wall)
        self._wall = wall
        self._monotonic = monotonic
        self._unsaved: set[str] = set()
        """Tasks whose latest state is only in memory (a write failed); saved when it can be."""
        self._records: dict[str, TaskRecord] = {}
        self._counts: Counter[str] = Counter()
        self._undo: list[list[str]] = []
        self._data_version = self._backend.data_version()
        self._write_troubles: set[str] = set()
        self._writes_paused_until = 0.0

    @property
    def records(self) -> Mapping[str, TaskRecord]:
        """Every watched task by ID, in the order added."""
        return self._records

    def counts(self) -> list[tuple[str, int]]:
        """How many tasks have each status (``waiting``, ``not found`` included), worst first.

        Kept up to date as records change, never recounted from scratch.

        Returns:
            (status, count) pairs, worst first.
        """
        shown = sorted((key for key, n in self._counts.items() if n > 0), key=count_rank)
        return [(key, self._counts[key]) for key in shown]

    def history(self, task_id: str) -> list[Observation]:
        """The observed changes of ``task_id``, oldest first (none when kept in memory).

        Args:
            task_id: A watched task.

        Returns:
            One observation per change.
        """
        return self._backend.history(task_id)

    # -- changes from the user ---------------------------------------------------------------

    def add(self, task_ids: Iterable[str], *, profile: str, label: str = "") -> AddResult:
        """Watch ``task_ids`` under ``profile`` (validated; InvalidInputError names a bad one).

        Args:
            task_ids: Task IDs.
            profile: The profile to ask the cloud with.
            label: A note shown with the tasks.

        Returns:
            Which IDs are new and which were already watched.
        """
        result = self._backend.add_tasks(task_ids, profile=profile, label=label)
        self.reload()
        return result

    def add_discovered(
        self, rows: Iterable[tuple[str, str, str, str, str, str]], now: float
    ) -> list[str]:
        """Watch tasks a follow rule found (a background write: it waits briefly for a lock,
        and the caller tries again next time if it fails); their records join at once.

        Args:
            rows: (task ID, profile, label, origin, status, job JSON) of each task found.
            now: Wall time of the discovery.

        Returns:
            The IDs added (none that were ever watched).

        Raises:
            StoreError: The file would not take them now.
        """
        with self._backend.patience(BACKGROUND_PATIENCE):
            added = self._backend.add_discovered(rows, now=now)
            for task_id in added:
                if (record := self._backend.get_task(task_id)) is not None:
                    self._put(record)
        self._data_version = self._backend.data_version()
        return added

    def remove(self, task_id: str) -> TaskRecord | None:
        """Stop watching ``task_id`` (:meth:`undo` brings it back); return what was removed.

        Args:
            task_id: A watched task.

        Returns:
            The record as it was, or None if the task was not watched.
        """
        record = self._records.get(task_id)
        if record is None:
            return None
        self._backend.remove_tasks([task_id])
        self._drop(task_id)
        self._undo.append([task_id])
        return record

    def undo(self) -> list[str]:
        """Watch the most recently removed tasks again; return their IDs (empty if none).

        Returns:
            The IDs watched again.
        """
        if not self._undo:
            return []
        restored = self._backend.restore_tasks(self._undo.pop())
        self.reload()
        return restored

    def set_label(self, task_id: str, label: str) -> None:
        """Change a task's label (validated like any label).

        Args:
            task_id: A watched task.
            label: The new label ("" for none).
        """
        self._backend.set_label(task_id, label)
        if task_id in self._records:
            self._put(self._records[task_id].evolve(label=clean_label(label)))

    def outside_changes(self) -> bool:
        """Whether another process (the CLI, a second TUI) wrote since the last read; if so,
        the records are read again.

        Returns:
            True if the records were read again.
        """
        if self._backend.data_version() == self._data_version:
            return False
        self.reload()
        return True

    def reload(self) -> None:
        """Read every record again from the store (keeping the newer state of tasks whose
        latest results could not be saved yet)."""
        unsaved = {
            task_id: self._records[task_id] for task_id in self._unsaved if task_id in self._records
        }
        self._records = {}
        self._counts.clear()
        for record in self._backend.list_tasks():
            newer = unsaved.get(record.task_id)
            # The label and the deadline are the user's: the store has the latest of those.
            kept = replace(newer, label=record.label, deadline=record.deadline) if newer else None
            self._put(kept or record)
        self._data_version = self._backend.data_version()

    # -- changes from the cloud ----------------------------------------------------------------

    def fetched(self, task_id: str, job: Job, now: float) -> tuple[TaskRecord, Recorded] | None:
        """Record a successful fetch of ``task_id``.

        Args:
            task_id: The task asked about.
            job: The answer.
            now: Wall time of the answer.

        Returns:
            The new record and what changed (the backend's view: another
            process may have seen the change first), or None if the task is no longer watched.
        """
        old = self._records.get(task_id)
        if old is None:
            return None
        snapshot = old.snapshot_of(job)
        recorded: Recorded | None = None
        if self._may_write():
            try:
                with self._backend.patience(BACKGROUND_PATIENCE):
                    recorded = self._backend.record_success(
                        task_id, job, now=now, snapshot=snapshot
                    )
            except StoreError as exc:
                self._not_saved(exc, [task_id])  # kept in memory, saved when the file allows
            else:
                if recorded is None:  # another process removed it meanwhile
                    self._drop(task_id)
                    return None
        else:
            self._unsaved.add(task_id)  # writes are paused for a moment: saved once they resume
        # The backend decides what changed (another process may have seen it first); when it
        # could not be asked, the same rule decides here.
        recorded = recorded or answered(old, job)
        record = old.fetched(job, now, snapshot=snapshot, changed=recorded.moved)
        self._put(record)
        return record, recorded

    def checked(self, task_ids: Iterable[str], now: float) -> list[TaskRecord]:
        """Record answers that changed nothing shown (a roll call found the tasks as they were).

        Args:
            task_ids: The tasks answered for.
            now: Wall time of the answer.

        Returns:
            Their new records (tasks no longer watched are left out).
        """
        records = [old.checked(now) for i in task_ids if (old := self._records.get(i)) is not None]
        ids = [record.task_id for record in records]
        if ids:
            self._write_through(ids, lambda backend: backend.record_checked(ids, now=now))
        for record in records:
            self._put(record)
        return records

    def failed(
        self, task_id: str, error: TaskCenterError, now: float, *, not_found: bool
    ) -> TaskRecord | None:
        """Record a failed refresh (the last good data stays); None if no longer watched.

        Args:
            task_id: The task asked about.
            error: Why it failed.
            now: Wall time of the failure.
            not_found: The grace period is over and the cloud still does not know the task.

        Returns:
            The new record.
        """
        return self._change(
            task_id,
            lambda old: old.failed(error.kind, str(error), now, not_found=not_found),
            lambda backend: backend.record_error(
                task_id, kind=error.kind, text=str(error), now=now, not_found=not_found
            ),
        )

    def steps_fetched(self, task_id: str, steps: TaskSteps, now: float) -> TaskRecord | None:
        """Record a running task's steps; None if it is no longer watched.

        Args:
            task_id: The task asked about.
            steps: The answer.
            now: Wall time of the answer.

        Returns:
            The new record.
        """
        steps_json = steps.to_json()
        return self._change(
            task_id,
            lambda old: old.with_steps(steps, now),
            lambda backend: backend.record_steps(task_id, steps_json, now=now),
        )

    def steps_refused(self, task_id: str, why: str, now: float) -> TaskRecord | None:
        """Remember that the cloud shows no steps for a task; None if it is no longer watched.

        Args:
            task_id: The task asked about.
            why: The cloud's answer (already redacted).
            now: Wall time of the answer.

        Returns:
            The new record.
        """
        return self._change(
            task_id,
            lambda old: old.evolve(steps_refused=why or "refused", steps_checked_at=now),
            lambda backend: backend.refuse_steps(task_id, why, now=now),
        )

    def set_deadline(self, task_ids: Iterable[str], deadline: float | None) -> list[str]:
        """Set or clear the deadline of watched tasks (a user's action: waits for a lock).

        Args:
            task_ids: Watched task IDs.
            deadline: Wall time, or None to clear.

        Returns:
            The IDs changed.
        """
        ids = [task_id for task_id in task_ids if task_id in self._records]
        self._backend.set_deadline(ids, deadline)
        for task_id in ids:
            self._put(
                self._records[task_id].evolve(
                    deadline=deadline, at_risk_warned=False, overdue_warned=False
                )
            )
        return ids

    def mark_warned(self, task_id: str, *, at_risk: bool = False, overdue: bool = False) -> None:
        """Remember that a deadline warning was given (once per deadline).

        Args:
            task_id: A watched task.
            at_risk: The "at risk" warning was given.
            overdue: The "overdue" warning was given.
        """
        self._change(
            task_id,
            lambda old: old.evolve(
                at_risk_warned=old.at_risk_warned or at_risk,
                overdue_warned=old.overdue_warned or overdue,
            ),
            lambda backend: backend.mark_warned(task_id, at_risk=at_risk, overdue=overdue),
        )

    def _change(
        self,
        task_id: str,
        change: Callable[[TaskRecord], TaskRecord],
        write: Callable[[Backend], object],
    ) -> TaskRecord | None:
        """The one shape of a background change: the record as it is, changed in memory,
        written through (or kept for later when the file will not take it)."""
        old = self._records.get(task_id)
        if old is None:
            return None
        record = change(old)
        self._write_through([task_id], write)
        self._put(record)
        return record

    def _write_through(self, task_ids: list[str], write: Callable[[Backend], object]) -> None:
        """Write a background result, or keep it in memory when the file will not take it."""
        if not self._may_write():
            self._unsaved.update(task_ids)
            return
        try:
            with self._backend.patience(BACKGROUND_PATIENCE):
                write(self._backend)
        except StoreError as exc:
            self._not_saved(exc, task_ids)

    def save_pending(self) -> int:
        """Write what a held lock or a full disk kept in memory only, if the file allows now.

        Returns:
            How many tasks were saved.
        """
        if not self._unsaved or not self._may_write():
            return 0
        saved = 0
        for task_id in sorted(self._unsaved):
            record = self._records.get(task_id)
            try:
                with self._backend.patience(BACKGROUND_PATIENCE):
                    if record is not None:
                        self._backend.save_state(record, now=self._wall())
            except StoreError as exc:
                self._not_saved(exc, [task_id])
                break
            self._unsaved.discard(task_id)
            saved += 1
        return saved

    def _may_write(self) -> bool:
        """False for a moment after a write failed, so a held lock costs one short wait."""
        return self._monotonic() >= self._writes_paused_until

    def _not_saved(self, error: StoreError, task_ids: list[str]) -> None:
        """A poll result could not be written (disk full, a long lock): polling goes on with
        the results in memory; the log says so once per kind of trouble."""
        self._writes_paused_until = self._monotonic() + WRITE_PAUSE
        self._unsaved.update(task_ids)
        message = str(error)
        if message not in self._write_troubles:
            self._write_troubles.add(message)
            log.warning("results kept in memory only: %s", message)

    def _put(self, record: TaskRecord) -> None:
        old = self._records.get(record.task_id)
        if old is not None:
            self._counts[old.count_key] -= 1
        self._counts[record.count_key] += 1
        self._records[record.task_id] = record

    def _drop(self, task_id: str) -> None:
        old = self._records.pop(task_id, None)
        if old is not None:
            self._counts[old.count_key] -= 1
