"""The session's views of its tasks (:class:`~tui.engine.views.TaskView`): each built when
its record changes, and shared by the event, the row, the detail pane and the poller."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from tui.engine.eta import Estimator, StoredHistory
from tui.engine.records import Observation, TaskRecord
from tui.engine.views import TaskView
from tui.errors import StoreError

__all__ = ["Views"]

log = logging.getLogger(__name__)


class Views:
    """Builds a task's view once per record; the estimate and the history are not made again
    while the record is the same object.

    Args:
        service_of: The service a profile's tasks run on (past durations are by service).
        problem_for: Why a profile is not polled, if so (read each time: it changes without
            an answer, when a credential is refused).
        history: A task's observed changes (a database read: for the focused task only).
        wall: The session's wall clock.
    """

    def __init__(
        self,
        service_of: Callable[[str], str],
        problem_for: Callable[[str], str | None],
        history: Callable[[str], list[Observation]],
        wall: Callable[[], float],
    ) -> None:
        self.estimator = Estimator(service_of)
        """Past durations and observed progress: what each forecast rests on."""
        self._estimates_loaded = False
        self._problem_for = problem_for
        self._history = history
        self._wall = wall
        self._views: dict[str, TaskView] = {}
        self.focused: str | None = None
        """The task whose views carry its history (the detail pane's)."""

    def of(self, record: TaskRecord) -> TaskView:
        """The view of ``record``: the one already built for it, or a new one.

        Args:
            record: A watched task's record, as the watchlist holds it.

        Returns:
            Its view.
        """
        view = self._views.get(record.task_id)
        problem = self._problem_for(record.profile)
        if view is not None and view.record is record and view.problem == problem:
            return view
        history = tuple(self._history(record.task_id)) if record.task_id == self.focused else ()
        view = TaskView(record, self.estimator.forecast(record, self._wall()), problem, history)
        self._views[record.task_id] = view
        return view

    def load_estimates(self, store: StoredHistory | None, records: Iterable[TaskRecord]) -> None:
        """Learn past durations and progress from the store (once; after the first paint).

        Args:
            store: The watchlist database (None: nothing to learn).
            records: The watched tasks.
        """
        if self._estimates_loaded:
            return
        self._estimates_loaded = True
        try:
            self.estimator.load(store, records)
        except StoreError as exc:  # estimates are a nicety: a locked file costs them, no more
            log.warning("past durations not read: %s", exc)
        self.forget()  # the estimates rest on more now

    def focus(self, task_id: str | None) -> None:
        """Carry ``task_id``'s history in its views from now on (and no other task's).

        Args:
            task_id: The task in the detail pane, or None.
        """
        if task_id == self.focused:
            return
        for dropped in (self.focused, task_id):
            if dropped is not None:
                self._views.pop(dropped, None)
        self.focused = task_id

    def forget(self, task_id: str | None = None) -> None:
        """Build a view again on its next use: one task's, or (None) every one, when what the
        estimates rest on changed (past durations loaded) or a task's history grew.

        Args:
            task_id: The task, or None for all.
        """
        if task_id is None:
            self._views.clear()
        else:
            self._views.pop(task_id, None)
