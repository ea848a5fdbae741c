"""What the cloud said of each task: its last state on the task row, a history row per change
(status, progress, the kind of error, the steps), and the reads of that history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tui.engine.changes import Change, change_between, kept_progress
from tui.engine.records import Observation, TaskRecord, job_json
from tui.engine.storage.database import Database, in_chunks

if TYPE_CHECKING:
    from tui.cloud.models import Job

__all__ = ["STEP_HISTORY", "ObservationRows", "Recorded"]

STEP_HISTORY = 200
"""Changes of a task's steps kept at most (a real job has a few dozen)."""


Recorded = Change
"""What :meth:`ObservationRows.record_success` did: the change rule's verdict on the answer."""


class ObservationRows(Database):
    """Answers and failures written on the ``tasks`` rows, history in ``observations`` and
    ``step_observations``."""

    # -- writing --------------------------------------------------------------------------------

    def record_success(
        self, task_id: str, job: Job, *, now: float, snapshot: str | None = None
    ) -> Recorded | None:
        """Store a fetched job; add a history row if status or progress changed.

        Args:
            task_id: The watched task.
            job: What the cloud returned.
            now: Wall time of the fetch.
            snapshot: ``job`` as stored (:func:`~tui.engine.records.job_json`), if the caller
                has it already; it is computed otherwise.

        Returns:
            What changed, or None if the task is not in the watchlist.
        """
        snapshot = snapshot if snapshot is not None else job_json(job)
        with self._write() as db:
            row = db.execute(
                "SELECT status, progress, not_found FROM tasks WHERE task_id = ?", (task_id,)
            ).fetchone()
            if row is None:
                return None
            progress = kept_progress(row["progress"], job)
            before = (row["status"], row["progress"], bool(row["not_found"]))
            change = change_between(before, (job.status, progress, False))
            changed = change.moved
            db.execute(
                "UPDATE tasks SET status = ?, progress = ?, job_json = ?, checked_at = ?, "
                "changed_at = CASE WHEN ? THEN ? ELSE changed_at END, "
                "error_kind = NULL, error_text = NULL, not_found = 0 WHERE task_id = ?",
                (job.status, progress, snapshot, now, changed, now, task_id),
            )
            if changed:
                db.execute(
                    "INSERT INTO observations (task_id, observed_at, status, progress, job_json) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (task_id, now, job.status, progress, snapshot),
                )
        return change

    def record_checked(self, task_ids: Iterable[str], *, now: float) -> None:
        """Mark tasks checked at ``now`` with nothing changed (a roll call found them as they
        were): one transaction for them all; their errors are cleared.

        Args:
            task_ids: Watched tasks (IDs no longer in the watchlist are ignored).
            now: Wall time of the answer.
        """
        query = (
            "UPDATE tasks SET checked_at = ?, error_kind = NULL, error_text = NULL, "
            "not_found = 0 WHERE task_id IN ({})"
        )
        with self._write() as db:
            for chunk, marks in in_chunks(task_ids):
                db.execute(query.format(marks), (now, *chunk))

    def save_state(self, record: TaskRecord, *, now: float) -> None:
        """Write a record's last known state as it is in memory (what could not be saved when
        it was observed); a history row is added if its status or progress differs.

        Args:
            record: The task as the session knows it.
            now: Wall time of the save (the history row's time).
        """
        with self._write() as db:
            row = db.execute(
                "SELECT status, progress FROM tasks WHERE task_id = ?", (record.task_id,)
            ).fetchone()
            if row is None:
                return
            if (row["status"], row["progress"]) != (record.status, record.progress):
                db.execute(
                    "INSERT INTO observations (task_id, observed_at, status, progress, job_json) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (record.task_id, now, record.status, record.progress, record.job_json),
                )
            db.execute(
                "UPDATE tasks SET status = ?, progress = ?, job_json = ?, checked_at = ?, "
                "changed_at = ?, error_kind = ?, error_text = ?, not_found = ?, steps_json = ?, "
                "steps_checked_at = ?, steps_refused = ?, "
                "at_risk_warned = MAX(at_risk_warned, ?), overdue_warned = MAX(overdue_warned, ?) "
                "WHERE task_id = ?",
                (
                    record.status, record.progress, record.job_json, record.checked_at,
                    record.changed_at, record.error_kind, record.error_text,
                    int(record.not_found), record.steps_json, record.steps_checked_at,
                    record.steps_refused, int(record.at_risk_warned), int(record.overdue_warned),
                    record.task_id,
                ),
            )  # fmt: skip

    def record_error(
        self, task_id: str, *, kind: str, text: str, now: float, not_found: bool = False
    ) -> None:
        """Remember a failed refresh; the last good snapshot is kept.

        When the kind of failure changes (the first failure after a success, say), a history row
        records it too, so the history shows when refreshing broke; repeats add no rows.

        Args:
            task_id: The task.
            kind: The kind of error (an :class:`~tui.errors.ErrorKind` value).
            text: The error, as shown (already redacted).
            now: Wall time of the failure.
            not_found: The grace period is over and the cloud still does not know the task.
        """
        with self._write() as db:
            row = db.execute(
                "SELECT status, progress, error_kind FROM tasks WHERE task_id = ?", (task_id,)
            ).fetchone()
            if row is not None and row["error_kind"] != kind:
                db.execute(
                    "INSERT INTO observations (task_id, observed_at, status, progress, error_text)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (task_id, now, row["status"], row["progress"], f"{kind}: {text}"),
                )
            db.execute(
                "UPDATE tasks SET checked_at = ?, error_kind = ?, error_text = ?, "
                "not_found = ? WHERE task_id = ?",
                (now, kind, text, int(not_found), task_id),
            )

    def record_steps(self, task_id: str, steps_json: str, *, now: float) -> bool:
        """Store a job's steps; add a history row if they differ from the last ones stored.

        Args:
            task_id: The watched task.
            steps_json: The answer as stored (:meth:`~tui.cloud.steps.TaskSteps.to_json`).
            now: Wall time of the fetch.

        Returns:
            Whether the steps changed.
        """
        with self._write() as db:
            row = db.execute(
                "SELECT steps_json FROM tasks WHERE task_id = ?", (task_id,)
            ).fetchone()
            if row is None:
                return False
            changed = bool(row["steps_json"] != steps_json)
            if changed:
                db.execute(
                    "INSERT INTO step_observations (task_id, observed_at, steps_json) "
                    "VALUES (?, ?, ?)",
                    (task_id, now, steps_json),
                )
                # A task's step history is capped: the oldest changes go first.
                db.execute(
                    "DELETE FROM step_observations WHERE task_id = ? AND id NOT IN ("
                    "SELECT id FROM step_observations WHERE task_id = ? "
                    "ORDER BY id DESC LIMIT ?)",
                    (task_id, task_id, STEP_HISTORY),
                )
            db.execute(
                "UPDATE tasks SET steps_json = ?, steps_checked_at = ?, steps_refused = NULL "
                "WHERE task_id = ?",
                (steps_json, now, task_id),
            )
        return changed

    def refuse_steps(self, task_id: str, why: str, *, now: float) -> None:
        """Remember that the cloud shows no steps for ``task_id`` (it is not asked again).

        Args:
            task_id: The watched task.
            why: The cloud's answer, as shown (already redacted).
            now: Wall time of the refusal.
        """
        with self._write() as db:
            db.execute(
                "UPDATE tasks SET steps_refused = ?, steps_checked_at = ? WHERE task_id = ?",
                (why or "refused", now, task_id),
            )

    # -- reading --------------------------------------------------------------------------------

    def history(self, task_id: str) -> list[Observation]:
        """The observed changes of ``task_id``, oldest first.

        Args:
            task_id: A task.

        Returns:
            One observation per change of status, progress or error kind.
        """
        rows = self._db.execute(
            "SELECT observed_at, status, progress, job_json, error_text FROM observations "
            "WHERE task_id = ? ORDER BY observed_at, id",
            (task_id,),
        ).fetchall()
        return [Observation(**dict(row)) for row in rows]

    def step_history(self, task_id: str) -> list[tuple[float, str]]:
        """Every change of ``task_id``'s steps, oldest first.

        Args:
            task_id: A task.

        Returns:
            (wall time, steps JSON) pairs.
        """
        rows = self._db.execute(
            "SELECT observed_at, steps_json FROM step_observations WHERE task_id = ? "
            "ORDER BY observed_at, id",
            (task_id,),
        ).fetchall()
        return [(row["observed_at"], row["steps_json"]) for row in rows]

    def progress_samples(self, task_ids: Iterable[str]) -> dict[str, list[tuple[float, int]]]:
        """The observed progress values of tasks while they ran, oldest first.

        Args:
            task_ids: The tasks wanted (those still running).

        Returns:
            (wall time, percent) lists by task ID.
        """
        samples: dict[str, list[tuple[float, int]]] = {}
        for row in self._select_in(
            "SELECT task_id, observed_at, progress FROM observations WHERE task_id IN ({}) "
            "AND progress IS NOT NULL AND status = 'Running' ORDER BY observed_at, id",
            task_ids,
        ):
            samples.setdefault(row["task_id"], []).append((row["observed_at"], row["progress"]))
        return samples

    def completed_jobs(self) -> list[tuple[str, str]]:
        """Every Completed task ever watched, removed ones too, for learning durations.

        Returns:
            (profile, job JSON) pairs.
        """
        rows = self._db.execute(
            "SELECT profile, job_json FROM tasks "
            "WHERE status = 'Completed' AND job_json IS NOT NULL"
        ).fetchall()
        return [(row["profile"], row["job_json"]) for row in rows]

    def seen_range(self) -> dict[str, tuple[float, float]]:
        """When each task was first and last observed (its history rows and its last check).

        Returns:
            (first, last) wall times by task ID, for tasks observed at least once.
        """
        rows = self._db.execute(
            "SELECT t.task_id, MIN(o.observed_at) AS first, "
            "MAX(MAX(COALESCE(o.observed_at, 0)), COALESCE(t.checked_at, 0)) AS last "
            "FROM tasks t LEFT JOIN observations o ON o.task_id = t.task_id GROUP BY t.task_id"
        ).fetchall()
        seen = {}
        for row in rows:
            first = row["first"] if row["first"] is not None else row["last"] or None
            if first:
                seen[row["task_id"]] = (first, row["last"] or first)
        return seen
