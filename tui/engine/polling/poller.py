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
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from typing import TypeVar

from tui.cloud.client import TaskCenterClient
from tui.engine.polling.admission import Closed, Gate, Meaning, Pass
from tui.engine.polling.bucket import TokenBucket
from tui.engine.polling.outcomes import FetchFailed, PollOutcome, Report
from tui.engine.polling.polls import Polls
from tui.engine.polling.requests import as_task_center_error
from tui.engine.polling.roll_call import RollCalls
from tui.engine.polling.schedule import Schedule
from tui.engine.polling.scheduler import PollerConfig
from tui.engine.polling.steps import Steps
from tui.engine.polling.tracked import Entry, Tracked
from tui.engine.records import TaskRecord
from tui.errors import TaskCenterError, ThrottledError

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

    The dispatch loop and the in-flight set are one piece of bookkeeping whose invariants (a
    task is never in flight twice, a probe goes alone, a finished request frees its slot before
    the loop looks again) are easiest to check in one place; that, and the narrow interface its
    rooms see (:class:`~tui.engine.polling.scheduler.Scheduler`), is why it stays about 380
    lines while the schedule, the gate, polls, roll calls and steps live in modules of their own.

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
        self._estimate = estimate
        self._clock = clock
        self._wall = wall_clock
        self._rng = rng or random.Random()
        self._report = report
        self._schedule = Schedule(self.config, clock, wall_clock, self._rng)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self.stopped = False
        self.paused = False
        self._bucket_wait: float | None = None
        self.gate = Gate(report, rate_limits or {}, clock, wall_clock)
        self.steps = Steps(self)
        self.roll_calls = RollCalls(self, self.steps)
        self._polls = Polls(self, self.steps)
        for profile, client in clients.items():
            key = (credential_keys or {}).get(profile, profile)
            self.set_client(profile, client, credential_key=key)

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
            now = self.now()
            for tracked in self.tracked_of(profile):
                if not tracked.final:
                    self.schedule(tracked, now)
        self._wake.set()

    # -- the watchlist --------------------------------------------------------------------------

    def sync(self, watched: Iterable[TaskRecord]) -> None:
        """Poll exactly the tasks in ``watched``: new ones at once, removed ones no more.

        Args:
            watched: Every task to watch, with its profile and last known status.
        """
        self._schedule.sync(watched)
        self._wake.set()

    def track(self, record: TaskRecord) -> None:
        """Poll ``record``'s task (new: at once), or bring what is known of it up to date.

        Args:
            record: A watched task, with its profile and last known status.
        """
        self._schedule.track(record)
        self._wake.set()

    def untrack(self, task_id: str) -> None:
        """Poll ``task_id`` no more (a request in flight for it is not reported).

        Args:
            task_id: A tracked task.
        """
        self._schedule.untrack(task_id)

    # -- controls ---------------------------------------------------------------------------------

    def pause(self) -> None:
        """Send nothing until :meth:`resume`; requests in flight finish."""
        self.paused = True

    def resume(self) -> None:
        """Send again whatever became due while paused."""
        self.paused = False
        self._wake.set()

    def refresh_now(self, task_id: str | None = None) -> int:
        """Make one task (or every non-final task) due now; return how many were scheduled.

        Args:
            task_id: One task, or None for every unfinished one.

        Returns:
            How many were made due (a request already in flight is not doubled).
        """
        now = self.now()
        watched = self._schedule.tracked
        chosen = [watched[task_id]] if task_id in watched else []
        if task_id is None:
            chosen = list(watched.values())
        count = 0
        for tracked in chosen:
            if not tracked.final and not tracked.in_flight:
                tracked.failures = 0
                if task_id is not None:
                    tracked.by_id_due = 0.0  # one task asked for: the whole answer, by ID
                self.schedule(tracked, now)
                count += 1
        self._wake.set()
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
        self.stopped = True
        self.gate.quiet = True
        self._wake.set()

    # -- what the rooms share ----------------------------------------------------------------

    def now(self) -> float:
        """Monotonic time, from the poller's clock."""
        return self._clock()

    def wall(self) -> float:
        """Wall time, from the poller's clock."""
        return self._wall()

    def seconds_left(self, task_id: str) -> float | None:
        """Seconds until the task's estimated end (negative: past it), or None."""
        return self._estimate(task_id)

    def tell(self, outcome: PollOutcome) -> None:
        """Report ``outcome`` (nothing once stopping).

        Args:
            outcome: What happened.
        """
        if not self.stopped:
            self._report(outcome)

    def is_current(self, tracked: Tracked) -> bool:
        """Whether ``tracked`` is still watched (not removed, nor re-added, meanwhile)."""
        return self._schedule.is_current(tracked)

    def tracked_of(self, profile: str) -> list[Tracked]:
        """Every task of ``profile``."""
        return self._schedule.of_profile(profile)

    def schedule(self, tracked: Tracked, due: float) -> None:
        """Make ``tracked`` due at monotonic time ``due`` (any earlier entry is void)."""
        self._schedule.put(tracked, due)

    def jittered(self, seconds: float) -> float:
        """``seconds`` give or take the configured jitter."""
        spread = self.config.jitter
        return seconds * (1.0 + self._rng.uniform(-spread, spread))

    def backoff(self, failures: int, error: TaskCenterError) -> float:
        """Seconds to wait after ``failures`` failures in a row, ending with ``error``:
        exponential with jitter, at least what a ``Retry-After`` says."""
        base: float = min(self.config.backoff_max, self.config.interval * 2.0**failures)
        delay = base * self._rng.uniform(0.5, 1.0) + self.config.interval
        if isinstance(error, ThrottledError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return delay

    def report_failure(self, tracked: Tracked, error: TaskCenterError, *, not_found: bool) -> None:
        """Report a failed refresh of a task still watched."""
        if self.is_current(tracked):
            self.tell(FetchFailed(tracked.task_id, error, tracked.failures, not_found))

    def slot_free(self) -> bool:
        """Whether another request may start (fewer than ``concurrency`` in flight)."""
        return len(self._in_flight) < self.config.concurrency

    def wait_for_token(self, profile: str, now: float) -> None:
        """Sleep no longer than until ``profile``'s bucket has a token again."""
        bucket = self.gate.bucket_of(profile)
        if bucket is not None:
            wait = bucket.wait_time(now)
            self._bucket_wait = wait if self._bucket_wait is None else min(self._bucket_wait, wait)

    def wake(self) -> None:
        """Let the loop look again at what may go."""
        self._wake.set()

    def poll_waiting(self, now: float) -> bool:
        """Whether a poll is due and waiting for its turn."""
        return self._schedule.waiting(now)

    def start(
        self, request: Coroutine[None, None, None], tasks: list[Tracked]
    ) -> asyncio.Task[None]:
        """Run ``request`` in a slot; ``tasks`` are in flight until it ends.

        Args:
            request: The request's coroutine.
            tasks: The tasks it asks about.

        Returns:
            The asyncio task.
        """
        for tracked in tasks:
            tracked.in_flight = True
        task = asyncio.get_running_loop().create_task(request)
        self._in_flight.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        # The slot is free only now, after the request's own code ran: a wake-up sent from
        # that code could reach the loop while the slot still looked taken, and the loop would
        # then wait for a wake-up that never comes (all polling stopped; seen under load).
        self._in_flight.discard(task)
        self._wake.set()

    def settle(self, ticket: Pass) -> None:
        """A request is over: a probe's end lets the requests held behind it go."""
        if self.gate.settle(ticket):
            self._schedule.release(ticket.credential.key)
        self._wake.set()

    # -- dispatching ------------------------------------------------------------------------------

    def _dispatch_due(self) -> None:
        """Start a request for every due task, within the caps.

        A task that cannot go now is set aside so that nothing spins: behind a refused
        credential it waits for :meth:`resume_credential`; behind a credential's first (probe)
        request it waits for that request; behind an empty token bucket it stays due and the
        loop sleeps until the bucket refills.
        """
        self._bucket_wait = None
        if self.paused or self.stopped:
            return
        now = self.now()
        deferred: list[Entry] = []
        empty: set[str] = set()
        """Profiles whose bucket ran dry in this round: their tasks wait without being tried."""
        while self.slot_free() and (due := self._schedule.pop_due(now)) is not None:
            entry, tracked = due
            profile = tracked.profile
            ticket = Closed.BUCKET_EMPTY if profile in empty else self.gate.admit(profile, now)
            if ticket is Closed.PROBING:
                credential = self.gate.credential_of(profile)
                if credential is not None:
                    self._schedule.hold(credential.key, entry)
                continue
            if ticket is Closed.BUCKET_EMPTY:
                deferred.append(entry)
                if profile not in empty:
                    empty.add(profile)
                    self.wait_for_token(profile, now)
                if len(empty) >= len(self.gate.clients):
                    break  # every profile is out of tokens: the rest stays due, untouched
                continue
            if not isinstance(ticket, Pass):
                continue  # no client, or refused: resume_credential() schedules it again
            group = self.roll_calls.group(tracked, now)
            if group:
                self.start(self.roll_calls.run(ticket, group), group)
            else:
                self.start(self._polls.run(tracked, ticket), [tracked])
        self._schedule.push_back(deferred)
        self.steps.dispatch(now)

    def _next_wakeup(self) -> float | None:
        """Seconds until something may be dispatched, or None to wait for an event."""
        until_due = self._schedule.until_next()
        if until_due is None:
            return self._bucket_wait if self.steps.waiting else None
        if until_due > 0:
            return until_due
        if not self.slot_free():
            return None  # a finishing request wakes the loop
        return self._bucket_wait

    async def tick(self) -> int:
        """Dispatch everything due now (as the caps allow), wait for it; return requests made.

        Returns:
            How many requests were sent.
        """
        started = 0
        while True:
            before = len(self._in_flight)
            self._dispatch_due()
            started += len(self._in_flight) - before
            if not self._in_flight:
                return started
            # Pipelined: as soon as one request finishes, the next due task may go.
            await asyncio.wait(set(self._in_flight), return_when=asyncio.FIRST_COMPLETED)

    async def run(self) -> None:
        """Poll until :meth:`stop`. Real-time loop over the same dispatch as :meth:`tick`."""
        try:
            while not self.stopped:
                self._wake.clear()
                self._dispatch_due()
                timeout = None if self.paused else self._next_wakeup()
                if timeout is not None:
                    timeout = max(timeout, 0.02)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            for task in list(self._in_flight):
                task.cancel()
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)

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
        ticket = self.gate.admit(profile, self.now())
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
            self.settle(ticket)
