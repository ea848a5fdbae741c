"""The poller's dispatch: the due tasks started within the caps, the requests in flight, and
what the poller's rooms (polls, roll calls, steps) ask of it (:class:`~.scheduler.Scheduler`).

The dispatch loop and the in-flight set are one piece of bookkeeping whose invariants (a task
is never in flight twice, a probe goes alone, a finished request frees its slot before the loop
looks again) are easiest to check in one place: here. The :class:`~.poller.Poller` is the face
the session sees.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine

from tui.engine.polling.admission import Closed, Gate, Pass
from tui.engine.polling.budget import RequestBudget
from tui.engine.polling.outcomes import FetchFailed, PollOutcome, Report
from tui.engine.polling.polls import Polls
from tui.engine.polling.roll_call import RollCalls
from tui.engine.polling.schedule import Schedule
from tui.engine.polling.scheduler import PollerConfig
from tui.engine.polling.steps import Steps
from tui.engine.polling.tracked import Entry, Tracked
from tui.errors import TaskCenterError, ThrottledError

__all__ = ["Dispatcher"]


class Dispatcher:
    """Starts the due requests and keeps what is in flight; the rooms' :class:`Scheduler`.

    Args:
        config: Tunables.
        gate: Whether a request may go, and what its error means.
        clock: Monotonic time (scheduling).
        wall_clock: Wall time.
        rng: Randomness for jitter.
        report: Hears every outcome, in order, on the event loop.
        estimate: Seconds until a task's estimated end (negative: past it), or None.
    """

    def __init__(
        self,
        config: PollerConfig,
        gate: Gate,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        rng: random.Random,
        report: Report,
        estimate: Callable[[str], float | None],
    ) -> None:
        self.config = config
        self.gate = gate
        self._clock = clock
        self._wall = wall_clock
        self._rng = rng
        self._report = report
        self._estimate = estimate
        self.tasks = Schedule(config, clock, wall_clock, rng)
        """The tracked tasks and when each is due."""
        self.budget = RequestBudget(self.tasks.of_profile)
        self.in_flight: set[asyncio.Task[None]] = set()
        self.woken = asyncio.Event()
        """Set when the loop should look again at what may go."""
        self.stopped = False
        self.paused = False
        self._bucket_wait: float | None = None
        self.steps = Steps(self)
        self.roll_calls = RollCalls(self, self.steps)
        self._polls = Polls(self, self.steps)

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
        return self.tasks.is_current(tracked)

    def tracked_of(self, profile: str) -> list[Tracked]:
        """Every task of ``profile``."""
        return self.tasks.of_profile(profile)

    def schedule(self, tracked: Tracked, due: float) -> None:
        """Make ``tracked`` due at monotonic time ``due`` (any earlier entry is void)."""
        self.tasks.put(tracked, due)

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
        return len(self.in_flight) < self.config.concurrency

    def wait_for_token(self, profile: str, now: float) -> None:
        """Sleep no longer than until ``profile``'s bucket has a token again."""
        bucket = self.gate.bucket_of(profile)
        if bucket is not None:
            wait = bucket.wait_time(now)
            self._bucket_wait = wait if self._bucket_wait is None else min(self._bucket_wait, wait)

    def wake(self) -> None:
        """Let the loop look again at what may go."""
        self.woken.set()

    def poll_waiting(self, now: float) -> bool:
        """Whether a poll is due and waiting for its turn."""
        return self.tasks.waiting(now)

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
        self.in_flight.add(task)
        task.add_done_callback(lambda done: self._finished(done, tasks))
        return task

    def _finished(self, task: asyncio.Task[None], tasks: list[Tracked]) -> None:
        # The slot is free only now, after the request's own code ran: a wake-up sent from
        # that code could reach the loop while the slot still looked taken, and the loop would
        # then wait for a wake-up that never comes (all polling stopped; seen under load).
        self.in_flight.discard(task)
        for tracked in tasks:
            self.tasks.landed(tracked)  # a turn missed while in flight was not lost
        self.woken.set()

    def settle(self, ticket: Pass) -> None:
        """A request is over: a probe's end lets the requests held behind it go."""
        if self.gate.settle(ticket):
            self.tasks.release(ticket.credential.key)
        self.woken.set()

    # -- dispatching ------------------------------------------------------------------------------

    def dispatch_due(self) -> None:
        """Start a request for every due task, within the caps.

        A task that cannot go now is set aside so that nothing spins: behind a refused
        credential it waits for :meth:`~.poller.Poller.resume_credential`; behind a credential's
        first (probe) request it waits for that request; behind an empty token bucket it stays
        due and the loop sleeps until the bucket refills.
        """
        self._bucket_wait = None
        if self.paused or self.stopped:
            return
        now = self.now()
        deferred: list[Entry] = []
        empty: set[str] = set()
        """Profiles whose bucket ran dry in this round: their tasks wait without being tried."""
        while self.slot_free() and (due := self.tasks.pop_due(now)) is not None:
            entry, tracked = due
            profile = tracked.profile
            ticket = Closed.BUCKET_EMPTY if profile in empty else self.gate.admit(profile, now)
            if ticket is Closed.PROBING:
                credential = self.gate.credential_of(profile)
                if credential is not None:
                    self.tasks.hold(credential.key, entry)
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
        self.tasks.push_back(deferred)
        self.steps.dispatch(now)

    def next_wakeup(self) -> float | None:
        """Seconds until something may be dispatched, or None to wait for an event."""
        until_due = self.tasks.until_next()
        if until_due is None:
            return self._bucket_wait if self.steps.waiting else None
        if until_due > 0:
            return until_due
        if not self.slot_free():
            return None  # a finishing request wakes the loop
        # Due, and a slot free: the bucket's wait, or at once. An entry may have come due since
        # dispatch_due() read the clock; waiting for an event then, with nothing in flight to
        # send one, stopped all polling (seen under load: every task, for good).
        return self._bucket_wait if self._bucket_wait is not None else 0.0
