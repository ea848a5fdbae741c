"""The polling engine: which task to ask about when, and what is in flight.

UI-agnostic (no Textual here). Cadence by status: Pending/Running/unknown every ``interval``
seconds with jitter; Completed/Failed/Canceled never again. At most ``concurrency`` requests in
flight; exponential backoff with jitter (honouring Retry-After) per task. Whether a request may
go, and what its error means, is the :class:`~tui.engine.polling.admission.Gate`'s to say; roll
calls and steps are rooms of their own (:mod:`.roll_call`, :mod:`.steps`). The poller keeps no
task state beyond scheduling: it reports each outcome (:mod:`.outcomes`) to the watch session.

Time comes from an injectable clock; :meth:`Poller.tick` dispatches whatever is due and waits for
it, so tests drive the engine deterministically; :meth:`Poller.run` is the same loop in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TypeVar

from tui.cloud.client import TaskCenterClient
from tui.engine.polling.admission import Gate, Meaning, Pass
from tui.engine.polling.bucket import TokenBucket
from tui.engine.polling.dispatch import Dispatcher
from tui.engine.polling.outcomes import PollOutcome, Report
from tui.engine.polling.requests import as_task_center_error
from tui.engine.polling.scheduler import PollerConfig
from tui.engine.records import TaskRecord
from tui.errors import TaskCenterError

log = logging.getLogger(__name__)

__all__ = ["Poller", "PollerConfig", "TokenBucket"]

T = TypeVar("T")


def _ignore(_outcome: PollOutcome) -> None:
    """Hears nothing: a poller nobody listens to (a benchmark's)."""


def _no_estimate(_task_id: str) -> float | None:
    """Knows no task's end."""
    return None


class Poller:
    """Polls the tasks it is given (:meth:`sync`) through the client of each task's profile.

    The face the session sees: what to poll, the controls, the loops. The due requests are
    started and kept by its :class:`~.dispatch.Dispatcher`, which is what the rooms (polls,
    roll calls, steps) see.

    Args:
        clients: The Task Center client of each profile.
        credential_keys: Each profile's credential fingerprint (profiles sharing one are
            refused and proven together); the profile's name when missing.
        rate_limits: Requests per second per profile's endpoint.
        config: Tunables.
        clock: Monotonic time (scheduling).
        wall_clock: Wall time (a new task's grace, when an endpoint changed).
        rng: Randomness for jitter.
        report: Hears every outcome, in order, on the event loop.
        estimate: Seconds until a task's estimated end (negative: past it), or None: a running
            task polled by ID is asked sooner when its end is near.
    """

    def __init__(
        self,
        clients: Mapping[str, TaskCenterClient],
        *,
        credential_keys: Mapping[str, str] | None = None,
        rate_limits: Mapping[str, float] | None = None,
        config: PollerConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        report: Report = _ignore,
        estimate: Callable[[str], float | None] = _no_estimate,
    ) -> None:
        self.config = config or PollerConfig()
        self.gate = Gate(report, rate_limits or {}, clock, wall_clock)
        self._core = Dispatcher(
            self.config, self.gate, clock, wall_clock, rng or random.Random(), report, estimate
        )
        self.steps = self._core.steps
        self.roll_calls = self._core.roll_calls
        for profile, client in clients.items():
            key = (credential_keys or {}).get(profile, profile)
            self.set_client(profile, client, credential_key=key)

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._core.stopped

    @property
    def paused(self) -> bool:
        """Whether nothing is sent until :meth:`resume`."""
        return self._core.paused

    # -- configuration -------------------------------------------------------------------------

    def set_client(
        self, profile: str, client: TaskCenterClient, *, credential_key: str | None = None
    ) -> None:
        """Use ``client`` for ``profile``. A new credential unblocks the profile.

        Args:
            profile: The profile's name, as tasks carry it.
            client: The Task Center client to poll its tasks with.
            credential_key: Identifies the credential (a fingerprint, never the secret).
        """
        if self.gate.set_client(profile, client, credential_key or profile):
            now = self._core.now()
            for tracked in self._core.tracked_of(profile):
                if not tracked.final:
                    self._core.schedule(tracked, now)
        self._core.wake()

    # -- the watchlist --------------------------------------------------------------------------

    def sync(self, watched: Iterable[TaskRecord]) -> None:
        """Poll exactly the tasks in ``watched``: new ones at once, removed ones no more.

        Args:
            watched: Every task to watch, with its profile and last known status.
        """
        self._core.tasks.sync(watched)
        self._core.wake()

    def track(self, record: TaskRecord) -> None:
        """Poll ``record``'s task (new: at once), or bring what is known of it up to date.

        Args:
            record: A watched task, with its profile and last known status.
        """
        self._core.tasks.track(record)
        self._core.wake()

    def untrack(self, task_id: str) -> None:
        """Poll ``task_id`` no more (a request in flight for it is not reported).

        Args:
            task_id: A tracked task.
        """
        self._core.tasks.untrack(task_id)

    # -- controls ---------------------------------------------------------------------------------

    def pause(self) -> None:
        """Send nothing until :meth:`resume`; requests in flight finish."""
        self._core.paused = True

    def resume(self) -> None:
        """Send again whatever became due while paused."""
        self._core.paused = False
        self._core.wake()

    def refresh_now(self, task_id: str | None = None) -> int:
        """Make one task (or every non-final task) due now; return how many were scheduled.

        Args:
            task_id: One task, or None for every unfinished one.

        Returns:
            How many were made due (a request already in flight is not doubled).
        """
        now = self._core.now()
        watched = self._core.tasks.tracked
        chosen = [watched[task_id]] if task_id in watched else []
        if task_id is None:
            chosen = list(watched.values())
        count = 0
        for tracked in chosen:
            if not tracked.final and not tracked.in_flight:
                tracked.failures = 0
                if task_id is not None:
                    tracked.by_id_due = 0.0  # one task asked for: the whole answer, by ID
                self._core.schedule(tracked, now)
                count += 1
        self._core.wake()
        return count

    def refuse_credential(self, profile: str, error: TaskCenterError) -> None:
        """Treat ``profile``'s credential as refused without asking (it was, recently).

        Args:
            profile: A profile with a client.
            error: Why (shown to the user).
        """
        self.gate.refuse(profile, error)

    def resume_credential(self, profile: str | None = None) -> None:
        """Let blocked credentials try again (one probe request first).

        Args:
            profile: The profile whose credential to retry, or None for every blocked one.
        """
        self.gate.resume(profile)
        self.refresh_now()

    def stop(self) -> None:
        """End :meth:`run`; results that arrive while stopping are not reported."""
        self._core.stopped = True
        self.gate.quiet = True
        self._core.wake()

    async def tick(self) -> int:
        """Dispatch everything due now (as the caps allow), wait for it; return requests made.

        Returns:
            How many requests were sent.
        """
        started = 0
        while True:
            before = len(self._core.in_flight)
            self._core.dispatch_due()
            started += len(self._core.in_flight) - before
            if not self._core.in_flight:
                return started
            # Pipelined: as soon as one request finishes, the next due task may go.
            await asyncio.wait(set(self._core.in_flight), return_when=asyncio.FIRST_COMPLETED)

    async def run(self) -> None:
        """Poll until :meth:`stop`. Real-time loop over the same dispatch as :meth:`tick`."""
        try:
            while not self.stopped:
                self._core.woken.clear()
                self._core.dispatch_due()
                timeout = None if self.paused else self._core.next_wakeup()
                if timeout is not None:
                    timeout = max(timeout, 0.02)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._core.woken.wait(), timeout)
        finally:
            for task in list(self._core.in_flight):
                task.cancel()
            if self._core.in_flight:
                await asyncio.gather(*self._core.in_flight, return_exceptions=True)

    # -- one request ------------------------------------------------------------------------------

    async def borrow(
        self, profile: str, call: Callable[[TaskCenterClient], Awaitable[T]]
    ) -> T | None:
        """Make a request other than a poll (a list) under the same rules as the polls.

        It goes through the gate: nothing is sent while the credential is refused, paused, or
        being proven by another request, or while the endpoint's bucket is empty; an
        authentication error stops every request with the credential, as a poll's would.

        Args:
            profile: Whose client and credential to use.
            call: Sends the request with the client it is given.

        Returns:
            What ``call`` returned, or None when nothing was sent (or the credential was
            refused).

        Raises:
            TaskCenterError: Any other failure of ``call`` (after its bookkeeping).
        """
        if self.paused or self.stopped:
            return None
        ticket = self.gate.admit(profile, self._core.now())
        if not isinstance(ticket, Pass):
            return None
        try:
            result = await call(ticket.client)
        except Exception as exc:
            error = as_task_center_error(exc)
            if self.gate.failed(ticket, error, essential=False) is Meaning.REFUSED:
                return None
            raise error from None
        else:
            self.gate.succeeded(ticket)
            return result
        finally:
            self._core.settle(ticket)
