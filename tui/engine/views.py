"""One view of a task: what a row, the detail pane, the timeline and a notice show of it,
decided once per answer.

A :class:`TaskView` is a frozen value: the record as stored, the estimate made from it (a
:class:`~tui.engine.eta.Forecast`, true at any moment), why its profile is not polled, and, for
the task the user looks at, its observed history. A front end that holds the view it showed
knows whether anything changed by comparing two values.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.engine.eta import Eta, Forecast
from tui.engine.records import Observation, TaskRecord

__all__ = ["TaskView"]


@dataclass(frozen=True)
class TaskView:
    """A task as every front end shows it.

    Attributes:
        record: The task as stored.
        forecast: How long it still needs (None: ended, or nothing to estimate from).
        problem: Why its profile is not polled (a refused credential), if so.
        history: Its observed changes, oldest first: read for the focused task only (the one
            in the detail pane); empty for the others.
    """

    record: TaskRecord
    forecast: Forecast | None = None
    problem: str | None = None
    history: tuple[Observation, ...] = ()

    @property
    def task_id(self) -> str:
        """The task's ID."""
        return self.record.task_id

    def eta(self, now: float) -> Eta | None:
        """The estimate at wall time ``now``, or None."""
        return self.forecast.at(now) if self.forecast is not None else None
