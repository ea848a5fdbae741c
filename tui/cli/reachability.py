"""Whether the Task Center answers: since when nothing has, and the last error, so that ``wait``
and ``watch --until-done`` give up with exit 6 only when it stayed out of reach long enough.

Weather (throttling, 5xx, timeouts, resets, garbage) is retried by the engine with backoff;
this only watches the session's events.
"""

from __future__ import annotations

import time

from tui.engine.events import RefreshFailed, SessionEvent, TaskRefreshed, TasksChecked
from tui.errors import AuthenticationError, JobNotFoundError, RequestError, TaskCenterError

__all__ = ["Reachability"]


class Reachability:
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
        if isinstance(event, TaskRefreshed | TasksChecked) or (
            isinstance(event, RefreshFailed) and isinstance(event.error, JobNotFoundError)
        ):
            self.since = None  # the Task Center answered
            return False
        if not isinstance(event, RefreshFailed) or event.not_found:
            return False
        if isinstance(event.error, JobNotFoundError | AuthenticationError | RequestError):
            return False
        first = self.last_error is None or event.failures == 1
        self.last_error = event.error
        if self.since is None:
            self.since = time.monotonic()
        return first

    def unreachable_for(self, now: float) -> float:
        """Seconds since the last successful answer, or 0 while answers come."""
        return 0.0 if self.since is None else now - self.since
