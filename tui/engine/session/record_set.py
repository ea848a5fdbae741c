"""The watched tasks' records in memory, with the summary's counts kept up to date as each
record changes (never recounted from scratch)."""

from __future__ import annotations

from collections import Counter

from tui.cloud.status import count_rank
from tui.engine.records import TaskRecord

__all__ = ["RecordSet"]


class RecordSet:
    """Records by task ID, in the order put, and how many have each status."""

    def __init__(self) -> None:
        self.records: dict[str, TaskRecord] = {}
        """The records (a plain dict: it is read on every frame). Changed through :meth:`put`
        and :meth:`drop` only, so that the counts agree."""
        self._counts: Counter[str] = Counter()

    def reset(self) -> None:
        """Start empty, in a new dict: whoever holds the old one keeps it as it was."""
        self.records = {}
        self._counts.clear()

    def put(self, record: TaskRecord) -> None:
        """Add ``record``, or put it in place of its task's old one."""
        old = self.records.get(record.task_id)
        if old is not None:
            self._counts[old.count_key] -= 1
        self._counts[record.count_key] += 1
        self.records[record.task_id] = record

    def drop(self, task_id: str) -> None:
        """Forget a task's record (if there is one)."""
        old = self.records.pop(task_id, None)
        if old is not None:
            self._counts[old.count_key] -= 1

    def counts(self) -> list[tuple[str, int]]:
        """How many tasks have each status (``waiting``, ``not found`` included), worst first.

        Returns:
            (status, count) pairs, worst first.
        """
        shown = sorted((key for key, n in self._counts.items() if n > 0), key=count_rank)
        return [(key, self._counts[key]) for key in shown]
