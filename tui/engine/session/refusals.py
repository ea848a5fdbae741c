"""Remembering refused credentials across processes, so that nobody knocks twice.

The gateway locks an AK for five minutes after five failed signatures. A credential that one
process (a TUI, a ``wait``) saw refused is recorded by fingerprint in the shared database; for
those five minutes no other process sends a request with it, and a retry with the same,
unchanged credential is refused locally, without a request.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from tui.engine.storage import Store
from tui.errors import AuthenticationError, StoreError

__all__ = ["LOCK_WINDOW", "RefusalMemo", "RememberedRefusal"]

log = logging.getLogger(__name__)

LOCK_WINDOW = 300.0
"""Seconds the gateway keeps an AK locked after repeated failures."""
PROBE_STALE = 15.0
"""Seconds after which another process's claim to probe a credential no longer holds (it
died, or its request hangs past every timeout)."""


class RememberedRefusal(AuthenticationError):
    """A credential refused recently (here or in another process); no request was sent."""


class RefusalMemo:
    """Refusals by credential fingerprint, in the watchlist database (best effort: a database
    that cannot be read or written just means nothing is remembered).

    Args:
        store: The shared watchlist database, or None to remember nothing.
    """

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.owner = f"{os.getpid()}:{id(self)}"
        self.claimed: set[str] = set()
        """Fingerprints whose first request this process is sending."""

    def claim(self, fingerprint: str, *, now: float) -> bool:
        """Claim the right to send ``fingerprint``'s first request (True without a database).

        Args:
            fingerprint: The credential's key.
            now: Wall time.

        Returns:
            Whether this process may send it now; False while another process is proving it.
        """
        if self.store is None:
            return True
        try:
            claimed = self.store.claim_probe(fingerprint, self.owner, now=now, stale=PROBE_STALE)
        except StoreError:
            return True  # best effort: a locked file must not stop polling
        if claimed:
            self.claimed.add(fingerprint)
        return claimed

    def release(self, fingerprint: str) -> None:
        """The first request's outcome is recorded (or the session ends): let others go."""
        if fingerprint in self.claimed:
            self.claimed.discard(fingerprint)
            self._quietly(lambda store: store.release_probe(fingerprint, self.owner))

    def recent(self, fingerprint: str, *, now: float) -> RememberedRefusal | None:
        """The refusal of ``fingerprint`` if it happened within the lock window.

        Args:
            fingerprint: The credential's key.
            now: Wall time.

        Returns:
            An error saying when it was refused and until when it will not be tried, or None.
        """
        if self.store is None:
            return None
        try:
            found = self.store.refusal(fingerprint)
        except StoreError:
            return None
        if found is None or now - found[0] >= LOCK_WINDOW:
            return None
        refused_at, message = found
        wait = LOCK_WINDOW - (now - refused_at)
        return RememberedRefusal(
            f"this credential was refused {now - refused_at:.0f} s ago and has not changed; "
            f"not tried again for {wait:.0f} s unless it changes (it was: {message})"
        )

    def known(self, fingerprint: str) -> bool:
        """Whether a refusal of ``fingerprint`` is on record, however old."""
        if self.store is None:
            return False
        try:
            return self.store.refusal(fingerprint) is not None
        except StoreError:
            return False

    def remember(self, fingerprint: str, message: str, *, now: float) -> None:
        """Record a refusal seen just now."""
        self._quietly(lambda store: store.remember_refusal(fingerprint, message, now=now))

    def forget(self, fingerprint: str) -> None:
        """The credential works: drop its refusal."""
        self._quietly(lambda store: store.forget_refusal(fingerprint))

    def _quietly(self, write: Callable[[Store], None]) -> None:
        if self.store is None:
            return
        try:
            write(self.store)
        except StoreError as exc:
            log.warning("could not record a credential refusal: %s", exc)
