"""Who polls: the polling lease decides whether this process polls the watchlist, follows,
warns and tells the team, or shows what the holder writes; pausing stops the requests too."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.engine.events import LeaseChanged, SessionEvent
from tui.engine.session.deadlines import Deadlines
from tui.engine.session.following import Following
from tui.engine.session.lease import LEASE_RENEW, PollingLease

if TYPE_CHECKING:
    from tui.engine.polling.poller import Poller

__all__ = ["Roles"]


class Roles:
    """Applies the lease and the pause to the poller, the follow rules and the deadlines.

    Args:
        lease: The polling lease of the watchlist.
        deadlines: Warn only as the holder.
        following: Follow only as the holder.
        poller: The session's poller, when it has one.
        took_over: Called when this process takes the lease from another (read its latest
            results, then poll from there).
        monotonic: Monotonic time.
        emit: Tells the session's subscribers.
    """

    def __init__(
        self,
        lease: PollingLease,
        deadlines: Deadlines,
        following: Following,
        poller: Callable[[], Poller | None],
        took_over: Callable[[], None],
        monotonic: Callable[[], float],
        emit: Callable[[SessionEvent], None],
    ) -> None:
        self.lease = lease
        self._deadlines = deadlines
        self._following = following
        self._poller = poller
        self._took_over = took_over
        self._monotonic = monotonic
        self._emit = emit
        self.paused = False
        self._stop = asyncio.Event()

    @property
    def leads(self) -> bool:
        """Whether this process polls the watchlist, follows, warns and tells the team (it
        holds the polling lease); otherwise it shows what the holder writes."""
        return self.lease.holds

    def keep_lease(self) -> bool:
        """Renew the polling lease, or take it over if its holder is gone; return whether this
        process started or stopped polling (subscribers then get a LeaseChanged).

        Returns:
            True when the role changed.
        """
        was_following = self.lease.holder is not None
        if not self.lease.claim(self._monotonic()):
            return False
        self.apply()
        if self.leads and was_following:
            self._took_over()
        self._emit(LeaseChanged(self.leads, self.lease.describe()))
        return True

    def apply(self) -> None:
        """Poll, follow and warn only as the lease holder, and only while not paused."""
        self._deadlines.warns = self.leads
        if self._following.discovery is not None:
            self._following.discovery.leading = self.leads
        if (poller := self._poller()) is not None:
            if self.paused or not self.leads:
                poller.pause()
            else:
                poller.resume()

    def set_paused(self, paused: bool) -> None:
        """Pause or resume every request.

        Args:
            paused: True to stop sending requests, False to resume.
        """
        self.paused = paused
        self.apply()

    def renew_if_due(self) -> None:
        """Renew the lease when it is due (a tick on a fake clock)."""
        claimed = self.lease.claimed_at
        due = claimed is None or self._monotonic() - claimed >= LEASE_RENEW
        if due and not self.keep_lease():
            self.apply()

    async def run(self) -> None:
        """Renew the lease every :data:`LEASE_RENEW` seconds until :meth:`stop`."""
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), LEASE_RENEW)
            if not self._stop.is_set():
                self.keep_lease()

    def stop(self) -> None:
        """Stop renewing and give the lease up: another window on the watchlist takes over."""
        self._stop.set()
        self.lease.release()
