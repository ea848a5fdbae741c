"""One poller per watchlist: the session's side of the polling lease.

Every process on a watchlist (TUIs, ``watch``) tries to hold the lease in the database. The
holder polls, follows, warns of deadlines and tells the team; the others ask the cloud nothing
and show what the holder writes. The holder renews the lease every :data:`LEASE_RENEW` seconds;
when it dies (even by SIGKILL) the lease goes stale after :data:`LEASE_STALE` seconds and the
first process to look takes it over.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable

from tui.engine.storage import Store
from tui.engine.storage.database import BACKGROUND_PATIENCE
from tui.engine.storage.lease import LeaseHolder
from tui.errors import StoreError

__all__ = ["LEASE_RENEW", "LEASE_STALE", "PollingLease"]

log = logging.getLogger(__name__)

LEASE_RENEW = 2.0
"""Seconds between renewals by the holder (and looks by the others)."""
LEASE_STALE = 6.0
"""Seconds without renewal after which the holder counts as gone."""


class PollingLease:
    """This session's claim to poll its watchlist.

    Args:
        store: The watchlist database, or None (a session in memory always polls).
        wall: Wall time (shared by every process, unlike monotonic time).
        kind: What this process is, shown to the others (``tui``, ``watch``).
    """

    def __init__(self, store: Store | None, wall: Callable[[], float], kind: str) -> None:
        self._store = store
        self._wall = wall
        self.kind = kind
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.holds = store is None
        """Whether this process polls (always, without a database)."""
        self.holder: LeaseHolder | None = None
        """Who polls instead, when this process does not."""
        self.claimed_at: float | None = None
        """Monotonic time of the last claim (None before the first)."""
        self._trouble = False

    def claim(self, monotonic: float) -> bool:
        """Renew the lease, or take it if it is free or stale; return whether ``holds`` changed.

        Args:
            monotonic: Monotonic time now (when the next claim is due).

        Returns:
            True when this process started or stopped being the poller (and on the first
            claim, whatever its outcome: the role is news then too).
        """
        first, self.claimed_at = self.claimed_at is None, monotonic
        store = self._store
        if store is None:
            return False
        return self._claim(store) or first

    def _claim(self, store: Store) -> bool:
        now = self._wall()
        try:
            if not self.holds:  # a look first: a live holder's lease costs no write
                holder = store.lease_holder()
                if (
                    holder is not None
                    and holder.owner != self.owner
                    and 0 <= now - holder.renewed_at < LEASE_STALE
                ):
                    return self._became(holder)
            with store.patience(BACKGROUND_PATIENCE):
                other = store.hold_lease(
                    self.owner, pid=os.getpid(), kind=self.kind, now=now, stale=LEASE_STALE
                )
        except StoreError as exc:  # a held lock: try again at the next renewal
            if not self._trouble:
                self._trouble = True
                log.warning("polling lease not renewed: %s", exc)
            return self._unwritable(store, now)
        self._trouble = False
        return self._became(other)

    def _unwritable(self, store: Store, now: float) -> bool:
        """The lease could not be written: poll unless another live process visibly does.

        Two pollers for a moment cost a few requests; none at all would leave every row
        stale while a lock is held (and a file that cannot be written cannot be shared).
        """
        try:
            holder = store.lease_holder()
        except StoreError:
            holder = None
        live = holder is not None and 0 <= now - holder.renewed_at < LEASE_STALE
        if holder is not None and live and holder.owner != self.owner:
            return self._became(holder)
        return self._became(None)

    def _became(self, other: LeaseHolder | None) -> bool:
        was = self.holds
        self.holds = other is None
        previous, self.holder = self.holder, other
        if self.holds != was:
            if self.holds:
                gone = f" (pid {previous.pid} stopped renewing)" if previous else ""
                log.info("polling the watchlist%s", gone)
            else:
                log.info(
                    "pid %s (%s) polls the watchlist", other and other.pid, other and other.kind
                )
        return self.holds != was

    def confirm(self, key: str | None) -> bool | None:
        """Whether this process may tell the team of ``key`` now: it still holds a live lease
        (confirmed in the database, not from memory: it may have slept through a takeover) and
        no holder has told of it before. Recorded as told in the same transaction.

        Args:
            key: The event's identity (``finished:<task>:<status>``), or None.

        Returns:
            True: send it. False: do not (another process leads, or it was told). None: the
            database could not be written now (a held lock): ask again shortly.
        """
        if self._store is None:
            return True
        if not self.holds:
            return False
        try:
            with self._store.patience(BACKGROUND_PATIENCE):
                confirmed = self._store.confirm_lease(self.owner, key, now=self._wall())
        except StoreError as exc:
            log.info("team message held back: the lease cannot be confirmed now (%s)", exc)
            return None
        if not confirmed and key is not None:
            log.info("not telling the team of %s: told already or no longer polling", key)
        return confirmed

    def describe(self) -> str:
        """Who polls, in words: ``this process polls`` or ``pid 4242 (watch) polls``."""
        if self.holds or self.holder is None:
            return "this taskwatch polls the watchlist"
        return f"taskwatch pid {self.holder.pid} ({self.holder.kind}) polls this watchlist"

    def release(self) -> None:
        """Give the lease up so another process takes over at once (the session ends)."""
        if self._store is None or not self.holds:
            return
        try:
            with self._store.patience(BACKGROUND_PATIENCE):
                self._store.release_lease(self.owner)
        except StoreError as exc:  # it goes stale by itself
            log.warning("polling lease not released: %s", exc)
        self.holds = False
