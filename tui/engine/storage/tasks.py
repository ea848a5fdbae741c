"""The watchlist's membership: which tasks are watched, under which profile and label, in
which order; removal with undo, deadlines and the warnings given for them."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tui.cloud.ids import clean_label, validate_task_id
from tui.engine.records import TaskRecord, check_deadline
from tui.engine.storage.database import Database
from tui.engine.storage.schema import COLUMNS, record_of

__all__ = ["AddResult", "TaskRows"]


@dataclass(frozen=True)
class AddResult:
    """Which IDs an addition watched anew and which were already watched."""

    added: list[str]
    already: list[str]


class TaskRows(Database):
    """The ``tasks`` table as a watchlist."""

    # -- adding ---------------------------------------------------------------------------------

    def add_tasks(
        self, task_ids: Iterable[str], *, profile: str, label: str = "", now: float | None = None
    ) -> AddResult:
        """Watch ``task_ids`` (validated) under ``profile``; already-watched IDs are left as is.

        A previously removed task is watched again with its history.

        Args:
            task_ids: Task IDs; InvalidInputError names a bad one and nothing is added.
            profile: The profile to ask the cloud with.
            label: A note shown with the tasks.
            now: Wall time of the addition (default: the clock).

        Returns:
            Which IDs are new and which were already watched.
        """
        ids = [validate_task_id(task_id) for task_id in task_ids]
        label = clean_label(label)
        return self.add_entries([(task_id, profile, label) for task_id in ids], now=now)

    def add_entries(
        self, entries: Iterable[tuple[str, str, str]], *, now: float | None = None
    ) -> AddResult:
        """Watch many tasks, each with its own profile and label, in one transaction.

        Args:
            entries: (task ID, profile, label), already validated and cleaned.
            now: Wall time of the addition (default: the clock).

        Returns:
            Which IDs are new and which were already watched (the first entry of an ID wins).
        """
        now = time.time() if now is None else now
        added: list[str] = []
        already: list[str] = []
        with self._write() as db:
            position = db.execute("SELECT COALESCE(MAX(position), 0) FROM tasks").fetchone()[0]
            first: dict[str, tuple[str, str, str]] = {}
            for entry in entries:
                first.setdefault(entry[0], entry)
            for task_id, profile, label in first.values():
                row = db.execute(
                    "SELECT removed_at FROM tasks WHERE task_id = ?", (task_id,)
                ).fetchone()
                if row is not None and row["removed_at"] is None:
                    already.append(task_id)
                    continue
                position += 1
                if row is None:
                    db.execute(
                        "INSERT INTO tasks (task_id, profile, label, added_at, position) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (task_id, profile, label, now, position),
                    )
                else:
                    db.execute(
                        "UPDATE tasks SET removed_at = NULL, profile = ?, label = ?, added_at = ?, "
                        "position = ? WHERE task_id = ?",
                        (profile, label, now, position, task_id),
                    )
                added.append(task_id)
        return AddResult(added=added, already=already)

    def add_discovered(
        self, tasks: Iterable[tuple[str, str, str, str, str, str]], *, now: float
    ) -> list[str]:
        """Watch tasks a follow rule found, unless they were ever watched (a task the user
        removed is not brought back), in one transaction.

        Args:
            tasks: (task ID, profile, label, origin, status, job JSON) of each task found.
            now: Wall time of the discovery.

        Returns:
            The IDs added.
        """
        added: list[str] = []
        with self._write() as db:
            position = db.execute("SELECT COALESCE(MAX(position), 0) FROM tasks").fetchone()[0]
            for task_id, profile, label, origin, status, snapshot in tasks:
                if db.execute("SELECT 1 FROM tasks WHERE task_id = ?", (task_id,)).fetchone():
                    continue
                position += 1
                db.execute(
                    "INSERT INTO tasks (task_id, profile, label, added_at, position, origin, "
                    "status, job_json, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (task_id, profile, label, now, position, origin, status, snapshot, now),
                )
                added.append(task_id)
        return added

    # -- removing and changing ------------------------------------------------------------------

    def remove_tasks(self, task_ids: Iterable[str], *, now: float | None = None) -> list[str]:
        """Stop watching ``task_ids``; return those that were watched. Undo with restore_tasks.

        Args:
            task_ids: Task IDs (any case).
            now: Wall time of the removal (default: the clock).

        Returns:
            The IDs that were watched and are not any more.
        """
        now = time.time() if now is None else now
        return self._update_each(
            "UPDATE tasks SET removed_at = ? WHERE task_id = ? AND removed_at IS NULL",
            (now,),
            [task_id.lower() for task_id in task_ids],
        )

    def restore_tasks(self, task_ids: Iterable[str]) -> list[str]:
        """Undo a removal: watch ``task_ids`` again, with their history and position.

        Args:
            task_ids: Removed task IDs.

        Returns:
            The IDs watched again.
        """
        return self._update_each(
            "UPDATE tasks SET removed_at = NULL WHERE task_id = ? AND removed_at IS NOT NULL",
            (),
            task_ids,
        )

    def set_label(self, task_id: str, label: str) -> None:
        """Change a task's label (validated like any label).

        Args:
            task_id: A task.
            label: The new label ("" for none).
        """
        with self._write() as db:
            db.execute(
                "UPDATE tasks SET label = ? WHERE task_id = ?", (clean_label(label), task_id)
            )

    def set_deadline(self, task_ids: Iterable[str], deadline: float | None) -> list[str]:
        """Set (or, with None, clear) the deadline of watched tasks; warnings may fire again.

        Args:
            task_ids: Task IDs (any case).
            deadline: Wall time by which the tasks should be done, or None.

        Returns:
            The IDs that are watched (and were changed).

        Raises:
            InvalidInputError: A deadline that cannot be kept (see
                :func:`~tui.engine.records.check_deadline`); nothing is changed.
        """
        if deadline is not None:
            check_deadline(deadline, now=time.time())
        return self._update_each(
            "UPDATE tasks SET deadline = ?, at_risk_warned = 0, overdue_warned = 0 "
            "WHERE task_id = ? AND removed_at IS NULL",
            (deadline,),
            [task_id.lower() for task_id in task_ids],
        )

    def _update_each(
        self, sql: str, values: tuple[object, ...], task_ids: Iterable[str]
    ) -> list[str]:
        """Run ``sql`` (``values``, then the task ID, as its parameters) for each task in one
        transaction; return the IDs of the tasks it changed."""
        changed = []
        with self._write() as db:
            for task_id in task_ids:
                if db.execute(sql, (*values, task_id)).rowcount:
                    changed.append(task_id)
        return changed

    def mark_warned(self, task_id: str, *, at_risk: bool = False, overdue: bool = False) -> None:
        """Remember that a deadline warning was given, so that it is given once.

        Args:
            task_id: The watched task.
            at_risk: The "at risk" warning was given.
            overdue: The "overdue" warning was given.
        """
        with self._write() as db:
            db.execute(
                "UPDATE tasks SET at_risk_warned = MAX(at_risk_warned, ?), "
                "overdue_warned = MAX(overdue_warned, ?) WHERE task_id = ?",
                (int(at_risk), int(overdue), task_id),
            )

    # -- reading --------------------------------------------------------------------------------

    def list_tasks(self) -> list[TaskRecord]:
        """Every watched task, in the order added.

        Returns:
            The records, oldest addition first.
        """
        return list(self.each_task())

    def each_task(self, *, removed: bool = False) -> Iterator[TaskRecord]:
        """Every watched task (``removed``: ever watched) in the order added, read a few
        hundred rows at a time: a report or an export of 100,000 tasks never holds them all.

        Args:
            removed: Include removed tasks (a report covers what happened).

        Yields:
            The records, oldest addition first.
        """
        where = "" if removed else "WHERE removed_at IS NULL "
        cursor = self._db.execute(
            f"SELECT {COLUMNS} FROM tasks {where}ORDER BY position"  # noqa: S608 - constants
        )
        while rows := cursor.fetchmany(500):
            yield from (record_of(row) for row in rows)

    def all_tasks(self) -> list[TaskRecord]:
        """Every task ever watched, removed ones too (a report covers what happened).

        Returns:
            The records, oldest addition first.
        """
        return list(self.each_task(removed=True))

    def get_task(self, task_id: str) -> TaskRecord | None:
        """A watched task by ID, or None.

        Args:
            task_id: A task ID (any case).

        Returns:
            The record, or None if it is not watched.
        """
        row = self._db.execute(
            f"SELECT {COLUMNS} FROM tasks WHERE task_id = ? AND removed_at IS NULL",  # noqa: S608
            (task_id.lower(),),
        ).fetchone()
        return record_of(row) if row else None

    def ever_watched(self, task_ids: Iterable[str]) -> set[str]:
        """Which of ``task_ids`` are or were ever in the watchlist (removed ones too).

        Args:
            task_ids: Task IDs (lower case).

        Returns:
            The known ones.
        """
        return {
            row["task_id"]
            for row in self._select_in("SELECT task_id FROM tasks WHERE task_id IN ({})", task_ids)
        }
