"""Deadlines: which tasks are overdue, and the one warning per deadline when a task is overdue
or its estimate passes its deadline (decided here; each front end words it)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from tui.engine.eta import Eta
from tui.engine.events import DeadlineWarning, SessionEvent
from tui.engine.records import TaskRecord
from tui.engine.session.watchlist import Watchlist

__all__ = ["Deadlines"]

log = logging.getLogger(__name__)


class Deadlines:
    """The deadline checks of one session.

    Args:
        watchlist: The watched tasks (the warned flags are written through it).
        eta: The estimate of a record at a wall time.
        emit: Tells the session's subscribers.
        wall: Wall time (what :meth:`check_all` checks against by default).
    """

    def __init__(
        self,
        watchlist: Watchlist,
        eta: Callable[[TaskRecord, float], Eta | None],
        emit: Callable[[SessionEvent], None],
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._watchlist = watchlist
        self._wall = wall
        self._eta = eta
        self._emit = emit
        self.overdue: set[str] = set()
        """Tasks still unfinished past their deadline (kept up to date, not recounted)."""
        self.warns = True
        """Whether this process gives the warnings (it polls: holds the lease); the others
        only mark tasks overdue and show the holder's warned flags."""

    def check_all(self, now: float | None = None) -> int:
        """Mark tasks overdue, and warn once per deadline of each overdue or at-risk task.

        Called as time passes (the TUI's clock tick) and after an edit of deadlines; each
        answer about a task checks that task (:meth:`check`).

        Args:
            now: Wall time (default: the clock).

        Returns:
            How many warnings were given.
        """
        now = self._wall() if now is None else now
        given = 0
        for record in list(self._watchlist.records.values()):
            if record.deadline is not None or record.task_id in self.overdue:
                given += self.check(record, now)
        return given

    def check(self, record: TaskRecord, now: float) -> int:
        """Mark ``record`` overdue or not, and warn once per deadline.

        Args:
            record: A watched task.
            now: Wall time.

        Returns:
            1 if a warning was given, else 0.
        """
        if record.is_overdue(now):
            self.overdue.add(record.task_id)
        else:
            self.overdue.discard(record.task_id)
        if record.deadline is None or record.is_final or not self.warns:
            return 0
        eta: Eta | None = None
        if record.is_overdue(now):
            if record.overdue_warned:
                return 0
            kind: str = "overdue"
        else:
            eta = None if record.at_risk_warned else self._eta(record, now)
            if eta is None or now + eta.seconds <= record.deadline:
                return 0
            kind = "at_risk"
        self._watchlist.results.mark_warned(
            record.task_id, at_risk=kind == "at_risk", overdue=kind == "overdue"
        )
        warned = self._watchlist.records[record.task_id]
        log.info("%s is %s (deadline %s)", record.task_id, kind, record.deadline)
        self._emit(DeadlineWarning(warned, "overdue" if kind == "overdue" else "at_risk", eta, now))
        return 1
