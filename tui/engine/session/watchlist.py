"""The watched tasks as a live set of records, kept in a backend (the SQLite store, or memory).

The watch session holds one of these. It takes the user's changes (waiting for a lock, saying
when the file refuses), remembers removals for undo and notices another process's writes
cheaply; the cloud's answers are recorded by its :class:`~.cloud_results.CloudResults`, which
keeps in memory what a held lock or a full disk would not take, until it can be written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from tui.cloud.ids import clean_label
from tui.engine.records import Observation, TaskRecord
from tui.engine.session.backends import Backend, MemoryBackend
from tui.engine.session.cloud_results import CloudResults
from tui.engine.session.record_set import RecordSet
from tui.engine.storage import AddResult, Store
from tui.engine.storage.database import BACKGROUND_PATIENCE

if TYPE_CHECKING:
    pass

__all__ = ["Watchlist"]


class Watchlist:
    """The watched tasks and their last known state.

    Every change goes through here or through :attr:`results` to the one backend, and both
    change the one :class:`~.record_set.RecordSet`, because one invariant spans them all: the
    records in memory, the summary counts and what is written (or still waiting to be written,
    when a lock or a full disk refused it) must agree.

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
        self._set = RecordSet()
        self.results = CloudResults(self._backend, self._set, wall, monotonic)
        """Where the poll results are recorded (:class:`CloudResults`)."""
        self._undo: list[list[str]] = []
        self._data_version = self._backend.data_version()

    @property
    def records(self) -> Mapping[str, TaskRecord]:
        """Every watched task by ID, in the order added."""
        return self._set.records

    def counts(self) -> list[tuple[str, int]]:
        """How many tasks have each status, worst first (see :meth:`RecordSet.counts`).

        Returns:
            (status, count) pairs, worst first.
        """
        return self._set.counts()

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
                    self._set.put(record)
        self._data_version = self._backend.data_version()
        return added

    def remove(self, task_id: str) -> TaskRecord | None:
        """Stop watching ``task_id`` (:meth:`undo` brings it back); return what was removed.

        Args:
            task_id: A watched task.

        Returns:
            The record as it was, or None if the task was not watched.
        """
        record = self._set.records.get(task_id)
        if record is None:
            return None
        self._backend.remove_tasks([task_id])
        self._set.drop(task_id)
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
        if task_id in self._set.records:
            self._set.put(self._set.records[task_id].evolve(label=clean_label(label)))

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
        records = self._set.records
        unsaved = {
            task_id: records[task_id]
            for task_id in self.results.writes.unsaved
            if task_id in records
        }
        self._set.reset()
        for record in self._backend.list_tasks():
            newer = unsaved.get(record.task_id)
            # The label and the deadline are the user's: the store has the latest of those.
            kept = replace(newer, label=record.label, deadline=record.deadline) if newer else None
            self._set.put(kept or record)
        self._data_version = self._backend.data_version()

    def set_deadline(self, task_ids: Iterable[str], deadline: float | None) -> list[str]:
        """Set or clear the deadline of watched tasks (a user's action: waits for a lock).

        Args:
            task_ids: Watched task IDs.
            deadline: Wall time, or None to clear.

        Returns:
            The IDs changed.
        """
        ids = [task_id for task_id in task_ids if task_id in self._set.records]
        self._backend.set_deadline(ids, deadline)
        for task_id in ids:
            self._set.put(
                self._set.records[task_id].evolve(
                    deadline=deadline, at_risk_warned=False, overdue_warned=False
                )
            )
        return ids

    def save_pending(self) -> int:
        """Write what a held lock or a full disk kept in memory only, if the file allows now.

        Returns:
            How many tasks were saved.
        """
        return self.results.writes.save_pending(self._set.records)
