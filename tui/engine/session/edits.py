"""The watchlist's edits as a session makes them: the user's (add, remove, undo, label,
deadline), a follow rule's, and another process's, each reaching the watchlist, the poller and
the subscribers in that order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from tui.engine.changes import UNCHANGED, compared
from tui.engine.events import SessionEvent, TaskFinished, TaskRefreshed, WatchlistChanged
from tui.engine.records import TaskRecord
from tui.engine.session.watchlist import Watchlist
from tui.engine.storage import AddResult
from tui.engine.views import TaskView

if TYPE_CHECKING:
    from tui.engine.polling.discovery import DiscoveredRow
    from tui.engine.polling.poller import Poller

__all__ = ["Edits"]


class Edits:
    """Changes the watchlist and keeps the poller and the subscribers in step with it.

    Args:
        watchlist: The watched tasks.
        poller: The session's poller, when it has one (read at each edit: it comes later).
        view_of: A record's view (for the events of another process's answers).
        check_deadlines: Looks at every deadline again (a deadline was set).
        emit: Tells the session's subscribers.
    """

    def __init__(
        self,
        watchlist: Watchlist,
        poller: Callable[[], Poller | None],
        view_of: Callable[[TaskRecord], TaskView],
        check_deadlines: Callable[[], object],
        emit: Callable[[SessionEvent], None],
    ) -> None:
        self._watchlist = watchlist
        self._poller = poller
        self._view_of = view_of
        self._check_deadlines = check_deadlines
        self._emit = emit

    # -- the user's ------------------------------------------------------------------------------

    def add(self, task_ids: Iterable[str], *, profile: str, label: str = "") -> AddResult:
        """Watch ``task_ids`` under ``profile``; they are polled at once.

        Args:
            task_ids: Task IDs (validated; InvalidInputError names a bad one).
            profile: The profile to ask the cloud with.
            label: A note shown with the tasks.

        Returns:
            Which IDs are new and which were already watched.
        """
        result = self._watchlist.add(task_ids, profile=profile, label=label)
        self._changed(track=result.added)
        return result

    def remove(self, task_id: str) -> TaskRecord | None:
        """:meth:`Watchlist.remove <tui.engine.session.watchlist.Watchlist.remove>`, and the
        poller stops asking about the task."""
        record = self._watchlist.remove(task_id)
        if record is not None:
            if (poller := self._poller()) is not None:
                poller.untrack(task_id)
            self._changed()
        return record

    def undo(self) -> list[str]:
        """Watch the most recently removed tasks again; return their IDs (empty if none).

        Returns:
            The IDs watched again.
        """
        restored = self._watchlist.undo()
        self._changed(track=restored)
        return restored

    def set_label(self, task_id: str, label: str) -> None:
        """Change a task's label (validated like any label).

        Args:
            task_id: A watched task.
            label: The new label ("" for none); InvalidInputError if it is unusable.
        """
        self._watchlist.set_label(task_id, label)
        self._changed()

    def set_deadline(self, task_ids: Iterable[str], deadline: float | None) -> list[str]:
        """Set (or with None clear) the deadline of watched tasks; its warnings may fire again.

        Args:
            task_ids: Watched task IDs.
            deadline: Wall time by which they should be done, or None.

        Returns:
            The IDs changed.
        """
        changed = self._watchlist.set_deadline(task_ids, deadline)
        self._emit(WatchlistChanged())
        self._check_deadlines()
        return changed

    # -- a follow rule's and another process's ---------------------------------------------------

    def discovered(self, rows: list[DiscoveredRow], now: float) -> list[str]:
        """Discovery found tasks: they join the watchlist and are polled, one by one.

        Args:
            rows: What the lists found.
            now: Wall time.

        Returns:
            The IDs added.
        """
        added = self._watchlist.add_discovered(rows, now)
        if (poller := self._poller()) is not None:
            for task_id in added:
                poller.track(self._watchlist.records[task_id])
        return added

    def from_outside(self) -> bool:
        """Pick up another process's writes (the CLI, a second TUI); return whether there were.

        Also saves what a held lock or a full disk kept in memory only, once it can.

        Returns:
            True if the watchlist was read again (subscribers get a WatchlistChanged).
        """
        self._watchlist.save_pending()
        before = self._watchlist.records  # reloading makes a new mapping: this one stays
        if not self._watchlist.outside_changes():
            return False
        self.sync_poller()  # another process may have added or removed anything
        self._changed()
        self._tell_changes(before)
        return True

    def reload(self) -> None:
        """Read the watchlist again from the store, and poll exactly what it holds."""
        self._watchlist.reload()
        self.sync_poller()

    def sync_poller(self) -> None:
        """Have the poller track exactly the watched tasks."""
        if (poller := self._poller()) is not None:
            poller.sync(self._watchlist.records.values())

    def _tell_changes(self, before: Mapping[str, TaskRecord]) -> None:
        """Tell subscribers of the tasks another process (the lease holder) saw change, as if
        this one had polled them: rows, toasts and ``watch`` lines follow the holder's answers."""
        for task_id, record in self._watchlist.records.items():
            old = before.get(task_id)
            change = compared(old, record) if old is not None else UNCHANGED
            if not change.changed:
                continue
            self._emit(TaskRefreshed(record, change, self._view_of(record)))
            if change.finished:
                self._emit(TaskFinished(record, announce=True))

    def _changed(self, track: Iterable[str] = ()) -> None:
        """The watchlist changed: poll the tasks in ``track`` (new or restored) and tell
        subscribers. One task at a time, not a re-sync of every task per edit."""
        if (poller := self._poller()) is not None:
            for task_id in track:
                if (record := self._watchlist.records.get(task_id)) is not None:
                    poller.track(record)
        self._emit(WatchlistChanged())
