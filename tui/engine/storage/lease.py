"""The polling lease: which process polls the watchlist, so that a TUI and ``watch`` (or two
TUIs) on one watchlist ask the cloud once, not once each. The holder renews it every few
seconds; a lease not renewed for ``stale`` seconds (its holder died) is free to take."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from tui.engine.storage.database import Database
from tui.errors import StoreError

__all__ = ["SENT_KEPT", "LeaseHolder", "LeaseRows"]

SENT_KEPT = 7 * 86400.0
"""Seconds an event told to the team is remembered (long after any holder could repeat it)."""


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds the lease: an opaque owner key, its process ID and kind (``tui``, ``watch``)."""

    owner: str
    pid: int
    kind: str
    renewed_at: float


class LeaseRows(Database):
    """The ``poll_lease`` table (one row at most)."""

    def hold_lease(
        self, owner: str, *, pid: int, kind: str, now: float, stale: float
    ) -> LeaseHolder | None:
        """Take or renew the lease for ``owner`` unless another live process holds it.

        Args:
            owner: This session's key.
            pid: This process's ID (shown to the others).
            kind: ``tui`` or ``watch`` (shown to the others).
            now: Wall time.
            stale: Seconds after which another's lease no longer counts.

        Returns:
            None when ``owner`` holds the lease now; otherwise who does.
        """
        with self._write() as db:
            row = db.execute("SELECT owner, pid, kind, renewed_at FROM poll_lease").fetchone()
            if row is not None and row["owner"] != owner and 0 <= now - row["renewed_at"] < stale:
                return LeaseHolder(row["owner"], row["pid"], row["kind"], row["renewed_at"])
            db.execute(
                "INSERT OR REPLACE INTO poll_lease (id, owner, pid, kind, renewed_at) "
                "VALUES (1, ?, ?, ?, ?)",
                (owner, pid, kind, now),
            )
        return None

    def confirm_lease(self, owner: str, key: str | None, *, now: float) -> bool:
        """Confirm ``owner`` still holds a live lease and record ``key`` as told, in one
        transaction: whether the team may be told of it now, by this process.

        Args:
            owner: This session's key.
            key: What is about to be sent (``finished:<task>:<status>``), or None for an event
                with no identity of its own (only the lease is confirmed).
            now: Wall time.

        Returns:
            True when the lease row is ``owner``'s and ``key`` was not told before. The row, read
            under the write lock, is the truth: a takeover rewrites it, so a holder that slept
            (SIGSTOP, ``ctrl+z``, a long lock) and still finds its own name was not replaced.
        """
        with self._write() as db:
            row = db.execute("SELECT owner FROM poll_lease").fetchone()
            if row is None or row["owner"] != owner:
                return False
            db.execute("UPDATE poll_lease SET renewed_at = ? WHERE owner = ?", (now, owner))
            if key is None:
                return True
            db.execute("DELETE FROM team_sent WHERE sent_at < ?", (now - SENT_KEPT,))
            inserted = db.execute(
                "INSERT OR IGNORE INTO team_sent (key, sent_at) VALUES (?, ?)", (key, now)
            )
            return inserted.rowcount == 1

    def lease_holder(self) -> LeaseHolder | None:
        """Who holds the lease as last written (it may be stale), or None.

        Returns:
            The holder, or None.

        Raises:
            StoreError: The file could not be read now.
        """
        try:
            row = self._db.execute("SELECT owner, pid, kind, renewed_at FROM poll_lease").fetchone()
        except sqlite3.Error as exc:  # asked every few seconds in the background: never fatal
            raise StoreError(f"cannot read the polling lease: {exc}") from None
        return None if row is None else LeaseHolder(*row)

    def release_lease(self, owner: str) -> None:
        """Give the lease up (the session ends), so that another process takes it at once.

        Args:
            owner: This session's key.
        """
        with self._write() as db:
            db.execute("DELETE FROM poll_lease WHERE owner = ?", (owner,))
