"""What the cloud said about the watched tasks, recorded: answers, roll calls, failures,
steps, refused steps and the deadline warnings given.

These are background writes: each waits for a lock only briefly, and what the file will not
take now stays in memory (:class:`~.background_writes.BackgroundWrites`) while polling goes
on. The user's changes (:class:`~.watchlist.Watchlist`) wait for the lock instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from tui.engine.changes import answered
from tui.engine.records import TaskRecord
from tui.engine.session.backends import Backend
from tui.engine.session.background_writes import BackgroundWrites
from tui.engine.session.record_set import RecordSet
from tui.engine.storage import Recorded

if TYPE_CHECKING:
    from tui.cloud.models import Job
    from tui.cloud.steps import TaskSteps
    from tui.errors import TaskCenterError

__all__ = ["QUIET_WRITES_EVERY", "CloudResults"]

QUIET_WRITES_EVERY = 1.0
"""Seconds between the writes of the answers by ID that were their previous ones again: a
hundred of them a second cost one short transaction, not a hundred."""


class CloudResults:
    """Records poll results on the watchlist's records and through to its backend.

    Args:
        backend: Where the records are written.
        records: The watchlist's records (and their counts), changed here too.
        wall: Wall time.
        monotonic: Monotonic time, for pausing writes after one failed.
    """

    def __init__(
        self,
        backend: Backend,
        records: RecordSet,
        wall: Callable[[], float],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backend = backend
        self._records = records
        self.writes = BackgroundWrites(backend, wall, monotonic)
        """Which tasks' latest state is only in memory, and the writes that save it."""
        self._again: set[str] = set()
        """Tasks answered again as before, checked in memory, not yet in the file."""
        self._again_written = float("-inf")

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
        old = self._records.records.get(task_id)
        if old is None:
            return None
        snapshot = old.snapshot_of(job)
        said: list[Recorded | None] = []  # what the backend says changed, once written
        written = self.writes.write(
            [task_id],
            lambda backend: said.append(
                backend.record_success(task_id, job, now=now, snapshot=snapshot)
            ),
        )  # not written: kept in memory, saved when the file allows
        if written and said[0] is None:  # another process removed it meanwhile
            self._records.drop(task_id)
            return None
        # The backend decides what changed (another process may have seen it first); when it
        # could not be asked, the same rule decides here.
        recorded = (said[0] if written else None) or answered(old, job)
        record = old.fetched(job, now, snapshot=snapshot, changed=recorded.moved)
        self._records.put(record)
        return record, recorded

    def answered_again(self, task_id: str, now: float) -> TaskRecord:
        """Record an answer by ID that was its previous one again: checked now in memory; in
        the file with the others answered so, at most every :data:`QUIET_WRITES_EVERY`.

        Args:
            task_id: A watched task.
            now: Wall time of the answer.

        Returns:
            Its new record.
        """
        record = self._records.records[task_id].checked(now)
        self._records.put(record)
        self._again.add(task_id)
        if now - self._again_written >= QUIET_WRITES_EVERY:
            self.write_answered_again(now)
        return record

    def write_answered_again(self, now: float) -> None:
        """Write the checks of :meth:`answered_again` not written yet (also when stopping),
        as of the earliest of them: the file never says a task was checked later than it was.

        Args:
            now: Wall time.
        """
        records = self._records.records
        ids = sorted(i for i in self._again if i in records)
        self._again.clear()
        self._again_written = now
        times = [t for i in ids if (t := records[i].checked_at) is not None]
        if times:
            first = min(times)
            self.writes.write(ids, lambda backend: backend.record_checked(ids, now=first))

    def checked(self, task_ids: Iterable[str], now: float) -> list[TaskRecord]:
        """Record answers that changed nothing shown (a roll call found the tasks as they were).

        Args:
            task_ids: The tasks answered for.
            now: Wall time of the answer.

        Returns:
            Their new records (tasks no longer watched are left out).
        """
        records = [
            old.checked(now) for i in task_ids if (old := self._records.records.get(i)) is not None
        ]
        ids = [record.task_id for record in records]
        if ids:
            self.writes.write(ids, lambda backend: backend.record_checked(ids, now=now))
        for record in records:
            self._records.put(record)
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
        old = self._records.records.get(task_id)
        if old is None:
            return None
        record = change(old)
        self.writes.write([task_id], write)
        self._records.put(record)
        return record
