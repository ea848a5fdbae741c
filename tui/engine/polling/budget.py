"""The request budget of a profile's running tasks: a rate for the whole watchlist, not per task.

The gateway throttles an account, not a task, so what the poller may spend is a rate: one request
per running task per interval, counted at the most tasks that ran at once within the last ten
minutes. When a task ends, its part of the budget goes to those still running, so the time from
a task's end to its row does not grow as fewer tasks remain: the last task of the night is asked
as often as the budget of the twenty that ran beside it allows (never more than once a second).
A profile that only ever ran one task is asked every interval, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui.engine.polling.tracked import Tracked

__all__ = ["RequestBudget"]


@dataclass
class _Count:
    running: int = 0
    peak: int = 0
    peak_at: float = float("-inf")
    counted_at: float = float("-inf")


class RequestBudget:
    """How many tasks each profile's budget is for, and how many of them still run.

    Args:
        tracked_of: Every tracked task of a profile.
        memory: How long, in seconds, an ended task's part of the budget stays with the others.
        recount: How often at most a profile's running tasks are counted again (a count walks
            every task of the profile: not once per answer of a thousand).
    """

    def __init__(
        self,
        tracked_of: Callable[[str], list[Tracked]],
        *,
        memory: float = 600.0,
        recount: float = 1.0,
    ) -> None:
        self._tracked_of = tracked_of
        self._memory = memory
        self._recount = recount
        self._counts: dict[str, _Count] = {}

    def peak(self, profile: str, now: float) -> int:
        """The most tasks of ``profile`` that ran at once within the memory (at least one).

        Args:
            profile: A profile.
            now: Monotonic time.
        """
        return max(1, self._count(profile, now).peak)

    def share(self, profile: str, now: float) -> float:
        """The part of the budget each running task of ``profile`` takes now, from 1 (no task
        ended: one request per interval each) down to 0 (one is left of many).

        Args:
            profile: A profile.
            now: Monotonic time.

        Returns:
            Running tasks ÷ :meth:`peak`: the fraction of the interval to wait.
        """
        count = self._count(profile, now)
        return min(1.0, count.running / max(1, count.peak))

    def _count(self, profile: str, now: float) -> _Count:
        count = self._counts.setdefault(profile, _Count())
        if now - count.counted_at >= self._recount:
            count.counted_at = now
            count.running = sum(1 for t in self._tracked_of(profile) if t.running and not t.final)
            if count.running >= count.peak or now - count.peak_at > self._memory:
                count.peak, count.peak_at = count.running, now
        return count
