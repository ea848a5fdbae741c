"""Poll results written through to the watchlist's backend, or kept in memory while a held
lock or a full disk refuses them, and written once the file takes them again.

A background write waits for a lock only briefly (:data:`BACKGROUND_PATIENCE`): polling must
not stall behind another process's transaction. After a write fails, writes pause for
:data:`WRITE_PAUSE` so a held lock costs one short wait, not one per answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping

from tui.engine.records import TaskRecord
from tui.engine.session.backends import Backend
from tui.engine.storage.database import BACKGROUND_PATIENCE
from tui.errors import StoreError

__all__ = ["WRITE_PAUSE", "BackgroundWrites"]

log = logging.getLogger(__name__)

WRITE_PAUSE = 1.0
"""Seconds without writing poll results after one could not be written."""


class BackgroundWrites:
    """Which tasks' latest state is only in memory, and the writes that may save it.

    Args:
        backend: Where records are written.
        wall: Wall time (the time a kept state is saved at).
        monotonic: Monotonic time, for pausing writes after one failed.
    """

    def __init__(
        self,
        backend: Backend,
        wall: Callable[[], float],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backend = backend
        self._wall = wall
        self._monotonic = monotonic
        self.unsaved: set[str] = set()
        """Tasks whose latest state is only in memory (a write failed); saved when it can be."""
        self._troubles: set[str] = set()
        self._paused_until = 0.0

    def may_write(self) -> bool:
        """False for a moment after a write failed, so a held lock costs one short wait."""
        return self._monotonic() >= self._paused_until

    def write(self, task_ids: Iterable[str], write: Callable[[Backend], object]) -> bool:
        """Write a background result, or keep the tasks for later when the file will not take it.

        Args:
            task_ids: The tasks the write is about.
            write: The write, given the backend.

        Returns:
            Whether it was written.
        """
        if not self.may_write():
            self.unsaved.update(task_ids)  # writes are paused for a moment
            return False
        try:
            with self._backend.patience(BACKGROUND_PATIENCE):
                write(self._backend)
        except StoreError as exc:
            self.not_saved(exc, task_ids)
            return False
        return True

    def not_saved(self, error: StoreError, task_ids: Iterable[str]) -> None:
        """A poll result could not be written (disk full, a long lock): polling goes on with
        the results in memory; the log says so once per kind of trouble.

        Args:
            error: Why the file refused it.
            task_ids: The tasks whose state is now only in memory.
        """
        self._paused_until = self._monotonic() + WRITE_PAUSE
        self.unsaved.update(task_ids)
        message = str(error)
        if message not in self._troubles:
            self._troubles.add(message)
            log.warning("results kept in memory only: %s", message)

    def save_pending(self, records: Mapping[str, TaskRecord]) -> int:
        """Write what a held lock or a full disk kept in memory only, if the file allows now.

        Args:
            records: The watched tasks' records (a task no longer watched is let go).

        Returns:
            How many tasks were saved.
        """
        if not self.unsaved or not self.may_write():
            return 0
        saved = 0
        for task_id in sorted(self.unsaved):
            record = records.get(task_id)
            try:
                with self._backend.patience(BACKGROUND_PATIENCE):
                    if record is not None:
                        self._backend.save_state(record, now=self._wall())
            except StoreError as exc:
                self.not_saved(exc, [task_id])
                break
            self.unsaved.discard(task_id)
            saved += 1
        return saved
