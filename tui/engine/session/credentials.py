"""The "never lock the AK" rule, kept by one object end to end.

The gateway locks an AK for five minutes after five failed signatures. taskwatch must never cause
that, whether one process or six started together by a script use the credential:

- Inside a process, the poller's gate stops every request with a credential at its first
  refusal (:mod:`tui.engine.polling.admission`).
- Across processes, a refusal is recorded by fingerprint in the shared database; for the lock
  window no process sends with that credential, and a retry of the same, unchanged credential
  is refused locally, without a request (:class:`RefusalMemo`).
- Processes started together prove each credential once: the first request is claimed in the
  database and the others wait for its outcome (:meth:`CredentialKeeper.take_turns`).

:class:`CredentialKeeper` ties these together for one session; the session only tells it what
the poller reported.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.engine.storage import Store
from tui.errors import AuthenticationError, StoreError, TaskCenterError

if TYPE_CHECKING:
    from tui.engine.polling.poller import Poller
    from tui.engine.setup.runtime import Runtime

__all__ = ["LOCK_WINDOW", "PROBE_STALE", "CredentialKeeper", "RefusalMemo", "RememberedRefusal"]

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


class CredentialKeeper:
    """Keeps the rule for one session: recalls refusals, takes turns to probe, records refusals
    and forgets them once a credential works, and decides what a retry may send.

    Args:
        memo: Where refusals are remembered across processes.
        wall: Wall time.
    """

    def __init__(self, memo: RefusalMemo, wall: Callable[[], float]) -> None:
        self.memo = memo
        self._wall = wall
        self._runtime: Runtime | None = None
        self._poller: Poller | None = None
        self._recalled = False
        self._probes_settled = False
        self._remembered: set[str] = set()
        """Fingerprints with a recorded refusal (forgotten when the credential works)."""
        self.refused: dict[str, str] = {}
        """Profiles whose credential the cloud refused, with the message to show."""

    def attach(self, runtime: Runtime, poller: Poller | None) -> None:
        """Keep the rule for ``runtime``'s credentials, sent through ``poller``.

        Args:
            runtime: The clients and credentials per profile.
            poller: The poller (None for a session that never polls).
        """
        self._runtime = runtime
        self._poller = poller

    def recall(self) -> None:
        """Hold back a credential another process (or this one) saw refused a moment ago.

        Done when polling starts, not at construction, so that subscribers hear of it.
        """
        if self._recalled or self._poller is None or self._runtime is None:
            return
        self._recalled = True
        now = self._wall()
        for name, profile in self._runtime.profiles.items():
            key = profile.credential.key
            if self.memo.known(key):
                self._remembered.add(key)  # forgotten once the credential works
            remembered = self.memo.recent(key, now=now)
            if remembered is not None:
                self._poller.refuse_credential(name, remembered)

    async def take_turns(self) -> None:
        """Prove each credential once across processes started together.

        Six ``wait`` processes launched by one script with a wrong SK would each send a first
        request: six failed signatures, past the gateway's five-strike lock. Each credential's
        first request is claimed in the shared database; a process that finds another's claim
        waits (up to :data:`PROBE_STALE` s) for that outcome: a refusal it then honours without
        sending anything, or the claim's release, after which it goes ahead.
        """
        runtime, poller = self._runtime, self._poller
        if self._probes_settled or poller is None or runtime is None:
            return
        self._probes_settled = True
        by_key = {p.credential.key: name for name, p in runtime.profiles.items()}
        for key, profile in by_key.items():
            if profile in self.refused or profile in runtime.problems:
                continue  # refused already (recalled), or not set up: nothing will be sent
            give_up = time.monotonic() + PROBE_STALE  # real time: other processes are real
            while True:
                now = self._wall()
                remembered = self.memo.recent(key, now=now)
                if remembered is not None:
                    self._remembered.add(key)
                    poller.refuse_credential(profile, remembered)
                    break
                if self.memo.claim(key, now=now) or time.monotonic() > give_up:
                    break
                await asyncio.sleep(0.2)

    def accepted(self, profile: str) -> None:
        """The gateway accepted a request with ``profile``'s credential: forget its refusal,
        and let the processes waiting on its first request go.

        Args:
            profile: The profile whose request was answered.
        """
        key = self._key(profile)
        if key is None:
            return
        if key in self._remembered:
            self._remembered.discard(key)
            self.memo.forget(key)
        if self.memo.claimed:
            self.memo.release(key)

    def refused_now(self, profiles: tuple[str, ...], error: TaskCenterError) -> None:
        """The credential of ``profiles`` was refused: say so, and record it for the others.

        Args:
            profiles: Every profile that uses the refused credential.
            error: The authentication error.
        """
        for profile in profiles:
            self.refused[profile] = (
                f"Authentication failed for profile '{profile}': {error}. "
                "All requests with this credential have stopped. Fix it, then press ctrl+r to "
                "retry (each failed try counts toward the gateway's 5-strike AK lock)."
            )
        if isinstance(error, RememberedRefusal):
            return  # already on record
        for key in {k for p in profiles if (k := self._key(p)) is not None}:
            self.memo.remember(key, str(error), now=self._wall())
            self._remembered.add(key)
            self.memo.release(key)  # recorded: the processes waiting on it may read it

    def restored(self, profiles: tuple[str, ...]) -> None:
        """The credential of ``profiles`` may be tried again.

        Args:
            profiles: The profiles that may send requests again.
        """
        for profile in profiles:
            self.refused.pop(profile, None)

    def retry(self) -> str:
        """Try refused credentials again, read afresh from their source.

        A credential that changed (the file was fixed after a key rotation) replaces the refused
        one at once. The same credential is tried again (with one request) only once the
        gateway's lock window since its refusal has passed: retrying it sooner can only lock
        the AK.

        Returns:
            What happened, in one sentence for the user ("" if nothing was refused).
        """
        runtime, poller = self._runtime, self._poller
        if poller is None or runtime is None or not self.refused:
            return ""
        said = []
        now = self._wall()
        for profile in list(self.refused):
            if runtime.reload(profile):
                key = runtime.profiles[profile].credential.key
                poller.set_client(profile, runtime.clients[profile], credential_key=key)
                said.append(f"'{profile}': new credential, trying it with one request")
            elif self.memo.recent(runtime.profiles[profile].credential.key, now=now):
                said.append(
                    f"'{profile}': the credential has not changed since it was refused; "
                    "fix it first (nothing was sent)"
                )
            else:
                poller.resume_credential(profile)
                said.append(f"'{profile}': trying the same credential again with one request")
        return "; ".join(said) + "."

    def release_all(self) -> None:
        """The session ends: give up every claim to probe."""
        for key in list(self.memo.claimed):
            self.memo.release(key)

    def _key(self, profile: str) -> str | None:
        runtime = self._runtime
        if runtime is None or profile not in runtime.profiles:
            return None
        return runtime.profiles[profile].credential.key
