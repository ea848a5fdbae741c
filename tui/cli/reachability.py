"""Whether the Task Center answers: since when nothing has, and the last error, so that ``wait``
and ``watch --until-done`` give up with exit 6 only when it stayed out of reach long enough.

Weather (throttling, 5xx, timeouts, resets, garbage) is retried by the engine with backoff;
this only watches the session's events.
"""

from __future__ import annotations

import time

from tui.engine.events import (
    RefreshFailed,
    SessionEvent,
    SessionListener,
    TaskRefreshed,
    TasksChecked,
)
from tui.errors import AuthenticationError, JobNotFoundError, RequestError, TaskCenterError

__all__ = ["Reachability"]


class Reachability(SessionListener[bool]):
    """Follows the session's answers and failures.

    Args:
        started: Monotonic time the watching began (nothing has answered yet then).
    """

    def __init__(self, started: float) -> None:
        self.since: float | None = started
        """Monotonic time since when nothing succeeded (None while requests succeed)."""
        self.last_error: TaskCenterError | None = None
        """The last weather error (not a refusal, not a "not found")."""

    def observe(self, event: SessionEvent) -> bool:
        """Take a session event; return True when it is the first of a run of weather errors.

        Args:
            event: Anything the session reported.

        Returns:
            Whether ``event`` is a weather failure that starts a run (worth a line).
        """
        return bool(self.hear(event))

    def task_refreshed(self, event: TaskRefreshed) -> bool:
        """The Task Center answered."""
        self.since = None
        return False

    def tasks_checked(self, event: TasksChecked) -> bool:
        """The Task Center answered (a roll call)."""
        self.since = None
        return False

    def refresh_failed(self, event: RefreshFailed) -> bool:
        """A failure: weather starts or continues a run; "not found" is an answer."""
        if isinstance(event.error, JobNotFoundError):
            self.since = None  # the Task Center answered
            return False
        if event.not_found or isinstance(event.error, AuthenticationError | RequestError):
            return False
        first = self.last_error is None or event.failures == 1
        self.last_error = event.error
        if self.since is None:
            self.since = time.monotonic()
        return first

    def unreachable_for(self, now: float) -> float:
        """Seconds since the last successful answer, or 0 while answers come."""
        return 0.0 if self.since is None else now - self.since
