"""The polling engine: which task to ask about when, politely, and what to tell subscribers.

UI-agnostic (no Textual here). Cadence by status: Pending/Running/unknown every ``interval``
seconds with jitter; Completed/Failed/Canceled never again. At most ``concurrency`` requests in
flight, a token bucket per endpoint that halves on throttling and recovers on success, exponential
backoff with jitter (honouring Retry-After) per task. A credential is proven with a single request
before tasks using it are polled in parallel, and an authentication error stops every request for
that credential at once: the gateway locks an AK after five failures, and we must never cause that.

The poller keeps no task state beyond scheduling: it reports each outcome to its
:class:`PollListener` (the watch session), which records it and tells subscribers.

Time comes from an injectable clock; :meth:`Poller.tick` dispatches whatever is due and waits for
it, so tests drive the engine deterministically; :meth:`Poller.run` is the same loop in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from tui.cloud.client import TaskCenterClient
from tui.cloud.models import Job
from tui.cloud.steps import TaskSteps
from tui.engine.events import EndpointState
from tui.engine.records import TaskRecord
from tui.errors import (
    AuthenticationError,
    ErrorKind,
    JobNotFoundError,
    PermissionDeniedError,
    RequestError,
    TaskCenterError,
    ThrottledError,
)

log = logging.getLogger(__name__)

__all__ = ["PollListener", "Poller", "PollerConfig", "TokenBucket"]

T = TypeVar("T")


@dataclass(frozen=True)
class PollerConfig:
    """Tunables; the defaults are the product's documented behaviour."""

    interval: float = 5.0
    jitter: float = 0.15
    """Fraction of the interval added or removed at random, so polls do not march in step."""
    concurrency: int = 8
    not_found_grace: float = 60.0
    not_found_retry: float = 3.0
    """How soon to ask again about a new task the cloud does not know yet."""
    not_found_recheck: float = 600.0
    """How often to look again for a task marked not found."""
    backoff_max: float = 300.0
    steps_interval: float = 30.0
    """How often at most a running task's steps are asked for (ShowTaskDetails)."""


class PollListener(Protocol):
    """Who hears what the poller learns (the watch session). Called on the event loop, in order."""

    def job_fetched(self, task_id: str, job: Job) -> None:
        """The cloud returned ``job`` for ``task_id``.

        Args:
            task_id: The task asked about.
            job: The answer.
        """

    def fetch_failed(
        self, task_id: str, error: TaskCenterError, *, failures: int, not_found: bool
    ) -> None:
        """A refresh failed ``failures`` times in a row; ``not_found`` once the grace is over.

        Args:
            task_id: The task asked about.
            error: Why it failed.
            failures: Consecutive failures of this task (not-found answers do not count).
            not_found: The grace period is over and the cloud still does not know the task.
        """

    def credential_refused(self, profiles: tuple[str, ...], error: TaskCenterError) -> None:
        """Every request with the credential of ``profiles`` stopped.

        Args:
            profiles: Every profile that uses the refused credential.
            error: The authentication error.
        """

    def credential_restored(self, profiles: tuple[str, ...]) -> None:
        """The credential of ``profiles`` may be tried again.

        Args:
            profiles: The profiles that may send requests again.
        """

    def endpoint_changed(self, endpoint: str, state: EndpointState, since: float) -> None:
        """``endpoint`` became ok, throttled or offline at wall time ``since``.

        Args:
            endpoint: The endpoint URL.
            state: Its new state.
            since: Wall time of the change.
        """

    def steps_fetched(self, task_id: str, steps: TaskSteps) -> None:
        """The cloud returned the steps of a running task.

        Args:
            task_id: The task asked about.
            steps: The answer.
        """

    def steps_refused(self, task_id: str, error: TaskCenterError) -> None:
        """The cloud shows no steps for ``task_id``; they are not asked for again.

        Args:
            task_id: The task asked about.
            error: The refusal.
        """


# -- rate limiting --------------------------------------------------------------------------------


class TokenBucket:
    """A token bucket whose rate drops by half on throttling and creeps back on success."""

    def __init__(self, rate: float, now: float) -> None:
        self.max_rate = rate
        self.rate = rate
        self.tokens = max(1.0, rate)  # start full: the first sweep need not wait
        self.updated = now

    def _refill(self, now: float) -> None:
        capacity = max(1.0, self.rate)
        self.tokens = min(capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def try_take(self, now: float) -> bool:
        """Take a token if one is available.

        Args:
            now: Monotonic time.

        Returns:
            Whether a token was taken (a request may go).
        """
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait_time(self, now: float) -> float:
        """Seconds until a token is available.

        Args:
            now: Monotonic time.

        Returns:
            Zero when a request may go now.
        """
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def slow_down(self) -> None:
        """The gateway throttled: halve the rate (down to 1/32 of the maximum), empty the bucket."""
        self.rate = max(self.max_rate / 32, self.rate / 2)
        self.tokens = min(self.tokens, 0.0)

    def speed_up(self) -> None:
        """Raise the rate by about a tenth, up to the maximum: a request went through."""
        self.rate = min(self.max_rate, self.rate * 1.1 + 0.05)


# -- the engine -----------------------------------------------------------------------------------


# A scheduled poll: (due time, tie-breaker, task ID, generation). A task rescheduled since the
# entry was pushed has a newer generation, and the stale entry is skipped when popped.
_Entry = tuple[float, int, str, int]


@dataclass
class _Tracked:
    """What the engine knows about one watched task."""

    task_id: str
    profile: str
    added_at: float
    final: bool = False
    in_flight: bool = False
    failures: int = 0
    """Consecutive failed refreshes (not counting not-found answers)."""
    ever_found: bool = False
    """The cloud has returned this task at least once (no grace period applies any more)."""
    generation: int = 0
    steps_due: float = 0.0
    """Monotonic time from which its steps may be asked for again."""
    steps_refused: bool = False
    """The cloud shows no steps for it (refused once, remembered in the store)."""


@dataclass
class _CredentialState:
    profiles: set[str] = field(default_factory=set)
    verified: bool = False
    probing: bool = False
    blocked: TaskCenterError | None = None
    waiting: list[_Entry] = field(default_factory=list)
    """Heap entries held back while the credential's probe request is out."""


class _Silent:
    """A listener that hears nothing, until the session sets itself as the listener."""

    def job_fetched(self, task_id: str, job: Job) -> None:
        pass

    def fetch_failed(
        self, task_id: str, error: TaskCenterError, *, failures: int, not_found: bool
    ) -> None:
        pass

    def credential_refused(self, profiles: tuple[str, ...], error: TaskCenterError) -> None:
        pass

    def credential_restored(self, profiles: tuple[str, ...]) -> None:
        pass

    def endpoint_changed(self, endpoint: str, state: EndpointState, since: float) -> None:
        pass

    def steps_fetched(self, task_id: str, steps: TaskSteps) -> None:
        pass

    def steps_refused(self, task_id: str, error: TaskCenterError) -> None:
        pass


class Poller:
    """Polls the tasks it is given (:meth:`sync`) through the client of each task's profile.

    About 340 lines, on purpose: the heap, the in-flight set, the credential states and the
    token buckets are one piece of bookkeeping whose invariants (a task is never in flight
    twice, a blocked credential sends nothing, a probe goes alone) are easiest to check in one
    place. The pure parts (tunables, token bucket) live outside the class.
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
    ) -> None:
        self.listener: PollListener = _Silent()
        self.config = config or PollerConfig()
        self._clock = clock
        self._wall = wall_clock
        self._rng = rng or random.Random()
        self._tracked: dict[str, _Tracked] = {}
        self._heap: list[_Entry] = []
        self._sequence = itertools.count()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopped = False
        self.paused = False
        self._clients: dict[str, TaskCenterClient] = {}
        self._profile_key: dict[str, str] = {}
        self._credentials: dict[str, _CredentialState] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self._endpoint_state: dict[str, EndpointState] = {}
        self._rate_limits = dict(rate_limits or {})
        self._bucket_wait: float | None = None
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
            credential_key: Identifies the credential (a fingerprint, never the secret);
                profiles sharing a credential are blocked and probed together.
        """
        key = credential_key or profile
        old_key = self._profile_key.get(profile)
        was_blocked = False
        if old_key is not None and old_key != key:
            old_state = self._credentials[old_key]
            old_state.profiles.discard(profile)
            was_blocked = old_state.blocked is not None
        self._clients[profile] = client
        self._profile_key[profile] = key
        self._credentials.setdefault(key, _CredentialState()).profiles.add(profile)
        rate = self._rate_limits.get(profile, 5.0)
        if client.endpoint not in self._buckets:
            self._buckets[client.endpoint] = TokenBucket(rate, self._clock())
        if was_blocked and self._credentials[key].blocked is None:
            if not self._stopped:
                self.listener.credential_restored((profile,))
            now = self._clock()
            for tracked in self._tracked.values():
                if tracked.profile == profile and not tracked.final:
                    self._schedule(tracked, now)
        self._wake.set()

    # -- the watchlist --------------------------------------------------------------------------

    def sync(self, watched: Iterable[TaskRecord]) -> None:
        """Poll exactly the tasks in ``watched``: new ones at once, removed ones no more.

        Args:
            watched: Every task to watch, with its profile and last known status.
        """
        now = self._clock()
        records = {record.task_id: record for record in watched}
        for task_id in list(self._tracked):
            if task_id not in records:
                del self._tracked[task_id]
        for task_id, record in records.items():
            tracked = self._tracked.get(task_id)
            if tracked is None:
                tracked = _Tracked(task_id, record.profile, record.added_at)
                tracked.ever_found = record.job_json is not None and record.checked_at is not None
                due = now
                # Only a Scheduled row has a planned start (reading it parses the snapshot:
                # not for each of a thousand tasks at start).
                planned = record.planned_start if record.status == "Scheduled" else None
                if planned is not None:
                    # A scheduled task exists for the job API once it starts: ask then, and
                    # count the grace for a new ID from then.
                    tracked.added_at = max(tracked.added_at, planned)
                    due = now + max(0.0, planned - self._wall())
                self._tracked[task_id] = tracked
                self._schedule(tracked, due)
            tracked.profile = record.profile
            tracked.final = record.is_final
            tracked.steps_refused = record.steps_refused is not None
            if record.steps_checked_at is not None and tracked.steps_due == 0.0:
                # Asked in an earlier run: wait out the rest of the interval, not a new one.
                age = max(0.0, self._wall() - record.steps_checked_at)
                tracked.steps_due = now + max(0.0, self.config.steps_interval - age)
        self._wake.set()

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
        now = self._clock()
        chosen = [self._tracked[task_id]] if task_id in self._tracked else []
        if task_id is None:
            chosen = list(self._tracked.values())
        count = 0
        for tracked in chosen:
            if not tracked.final and not tracked.in_flight:
                tracked.failures = 0
                self._schedule(tracked, now)
                count += 1
        self._wake.set()
        return count

    def refuse_credential(self, profile: str, error: TaskCenterError) -> None:
        """Treat ``profile``'s credential as refused without asking (it was, recently).

        Args:
            profile: A profile with a client.
            error: Why (shown to the user).
        """
        key = self._profile_key.get(profile)
        state = self._credentials.get(key) if key else None
        if state is None or state.blocked is not None:
            return
        state.blocked = error
        state.verified = False
        if not self._stopped:
            self.listener.credential_refused(tuple(sorted(state.profiles)), error)

    def resume_credential(self, profile: str | None = None) -> None:
        """Let blocked credentials try again (one probe request first).

        Args:
            profile: The profile whose credential to retry, or None for every blocked one.
        """
        for state in self._credentials.values():
            if state.blocked is not None and (profile is None or profile in state.profiles):
                state.blocked = None
                state.verified = False
                if not self._stopped:
                    self.listener.credential_restored(tuple(sorted(state.profiles)))
        self.refresh_now()

    def stop(self) -> None:
        """End :meth:`run`; results that arrive while stopping are not reported."""
        self._stopped = True
        self._wake.set()

    # -- scheduling -------------------------------------------------------------------------------

    def _schedule(self, tracked: _Tracked, due: float) -> None:
        tracked.generation += 1
        heapq.heappush(self._heap, (due, next(self._sequence), tracked.task_id, tracked.generation))

    def _jittered(self, seconds: float) -> float:
        spread = self.config.jitter
        return seconds * (1.0 + self._rng.uniform(-spread, spread))

    def _dispatch_due(self) -> None:
        """Start a request for every due task, within the caps.

        A task that cannot go now is set aside so that nothing spins: behind a blocked credential
        it waits for :meth:`resume_credential`; behind a credential's first (probe) request it
        waits for that request; behind an empty token bucket it stays due and the loop sleeps
        until the bucket refills.
        """
        self._bucket_wait = None
        if self.paused or self._stopped:
            return
        now = self._clock()
        deferred: list[_Entry] = []
        empty: set[str] = set()
        """Endpoints whose bucket ran dry in this round: their tasks wait without being tried."""
        while self._heap and self._heap[0][0] <= now:
            if len(self._in_flight) >= self.config.concurrency:
                break
            if len(empty) == len(self._buckets):
                break  # every endpoint is out of tokens: the rest stays due, untouched
            entry = heapq.heappop(self._heap)
            _, _, task_id, generation = entry
            tracked = self._tracked.get(task_id)
            if tracked is None or tracked.generation != generation or tracked.final:
                continue
            if tracked.in_flight:
                continue
            client = self._clients.get(tracked.profile)
            if client is None:
                continue  # a profile this process has no client for
            credential = self._credentials[self._profile_key[tracked.profile]]
            if credential.blocked is not None:
                continue  # resume_credential() schedules it again
            if not credential.verified and credential.probing:
                credential.waiting.append(entry)
                continue
            bucket = self._buckets[client.endpoint]
            if client.endpoint in empty or not bucket.try_take(now):
                deferred.append(entry)
                if client.endpoint not in empty:
                    empty.add(client.endpoint)
                    wait = bucket.wait_time(now)
                    self._bucket_wait = (
                        wait if self._bucket_wait is None else min(self._bucket_wait, wait)
                    )
                continue
            if not credential.verified:
                credential.probing = True
            tracked.in_flight = True
            task = asyncio.get_running_loop().create_task(self._poll(tracked, client, credential))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        for entry in deferred:
            heapq.heappush(self._heap, entry)

    def _next_wakeup(self) -> float | None:
        """Seconds until something may be dispatched, or None to wait for an event."""
        if not self._heap:
            return None
        until_due = self._heap[0][0] - self._clock()
        if until_due > 0:
            return until_due
        if len(self._in_flight) >= self.config.concurrency:
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
            while not self._stopped:
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

    async def _poll(
        self, tracked: _Tracked, client: TaskCenterClient, credential: _CredentialState
    ) -> None:
        try:
            try:
                result = await client.get_job(tracked.task_id)
            except TaskCenterError as error:
                self._on_error(tracked, client, credential, error)
            else:
                self._on_success(tracked, client, credential, result.job)
                if self._steps_wanted(tracked, client, credential, result.job):
                    await self._fetch_steps(tracked, client, credential, result.job)
        finally:
            tracked.in_flight = False
            credential.probing = False
            for entry in credential.waiting:
                heapq.heappush(self._heap, entry)
            credential.waiting.clear()
            self._wake.set()

    def _block(self, credential: _CredentialState, profile: str, error: TaskCenterError) -> None:
        """Stop every request with ``credential``: the gateway refused it."""
        if credential.blocked is None:
            credential.blocked = error
            credential.verified = False
            log.error("credential refused for %s; requests stopped: %s", profile, error)
            if not self._stopped:
                self.listener.credential_refused(tuple(sorted(credential.profiles)), error)

    async def borrow(
        self, profile: str, call: Callable[[TaskCenterClient], Awaitable[T]]
    ) -> T | None:
        """Make a request other than a poll (a list) under the same rules as the polls.

        It goes through the endpoint's token bucket and the credential's breaker: nothing is
        sent while the credential is refused, paused, or being proven by another request; an
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
        client = self._clients.get(profile)
        if client is None or self.paused or self._stopped:
            return None
        credential = self._credentials[self._profile_key[profile]]
        if credential.blocked is not None or (credential.probing and not credential.verified):
            return None
        bucket = self._buckets[client.endpoint]
        if not bucket.try_take(self._clock()):
            return None
        probe = not credential.verified
        credential.probing = credential.probing or probe
        try:
            result = await call(client)
        except PermissionDeniedError:
            # The credential works but may not do this (an IAM action is missing): the caller
            # says which; polls with the credential go on.
            credential.verified = True
            raise
        except AuthenticationError as error:
            self._block(credential, profile, error)
            return None
        except TaskCenterError as error:
            if isinstance(error, ThrottledError):
                bucket.slow_down()
                self._set_endpoint_state(client.endpoint, EndpointState.THROTTLED)
            elif error.kind == ErrorKind.NETWORK:
                self._set_endpoint_state(client.endpoint, EndpointState.OFFLINE)
            else:
                credential.verified = True  # the gateway accepted the credential
            raise
        else:
            credential.verified = True
            bucket.speed_up()
            self._set_endpoint_state(client.endpoint, EndpointState.OK)
            return result
        finally:
            if probe:
                credential.probing = False
                for entry in credential.waiting:
                    heapq.heappush(self._heap, entry)
                credential.waiting.clear()
                self._wake.set()

    def _steps_wanted(
        self, tracked: _Tracked, client: TaskCenterClient, credential: _CredentialState, job: Job
    ) -> bool:
        """Whether to ask for the job's steps now, right after its job answer.

        Only for a running job the cloud has not refused steps for, at most every
        ``steps_interval``, only when no poll is waiting for its turn, and only with a token of
        the endpoint's bucket to spare: steps are a nicety that must never crowd out the polls.
        """
        now = self._clock()
        polls_waiting = bool(self._heap) and self._heap[0][0] <= now
        return (
            job.status.lower() == "running"
            and not polls_waiting  # polls come first: steps only take a spare token
            and bool(job.instance.id)
            and not tracked.steps_refused
            and now >= tracked.steps_due
            and credential.blocked is None
            and not self._stopped
            and not self.paused
            and self._tracked.get(tracked.task_id) is tracked
            and self._buckets[client.endpoint].try_take(now)
        )

    async def _fetch_steps(
        self, tracked: _Tracked, client: TaskCenterClient, credential: _CredentialState, job: Job
    ) -> None:
        tracked.steps_due = self._clock() + self.config.steps_interval
        try:
            steps = await client.get_steps(tracked.task_id, job.name, job.instance.id)
        except (RequestError, JobNotFoundError, PermissionDeniedError) as error:
            # The cloud's answer for a job without details: remember it, ask no more.
            tracked.steps_refused = True
            log.info("no steps for %s: %s", tracked.task_id, error)
            if self._tracked.get(tracked.task_id) is tracked and not self._stopped:
                self.listener.steps_refused(tracked.task_id, error)
        except AuthenticationError as error:
            self._block(credential, tracked.profile, error)
            self._schedule(tracked, self._clock())  # polled again once the credential is back
        except TaskCenterError as error:
            # Weather (throttling, a 5xx, a timeout, a garbage body): try again next interval.
            if isinstance(error, ThrottledError):
                self._buckets[client.endpoint].slow_down()
                self._set_endpoint_state(client.endpoint, EndpointState.THROTTLED)
            log.warning("steps of %s not fetched (%s): %s", tracked.task_id, error.kind, error)
        else:
            if self._tracked.get(tracked.task_id) is tracked and not self._stopped:
                self.listener.steps_fetched(tracked.task_id, steps)

    def _on_success(
        self,
        tracked: _Tracked,
        client: TaskCenterClient,
        credential: _CredentialState,
        job: Job,
    ) -> None:
        credential.verified = True
        self._buckets[client.endpoint].speed_up()
        self._set_endpoint_state(client.endpoint, EndpointState.OK)
        if self._tracked.get(tracked.task_id) is not tracked or self._stopped:
            return  # removed while the request was in flight, or shutting down
        tracked.failures = 0
        tracked.ever_found = True
        tracked.final = job.is_final
        if not tracked.final:
            self._schedule(tracked, self._clock() + self._jittered(self.config.interval))
        self.listener.job_fetched(tracked.task_id, job)

    def _on_error(
        self,
        tracked: _Tracked,
        client: TaskCenterClient,
        credential: _CredentialState,
        error: TaskCenterError,
    ) -> None:
        now = self._clock()
        if isinstance(error, AuthenticationError):
            self._schedule(tracked, now)  # ready the moment the credential is resumed
            self._block(credential, tracked.profile, error)
            self._report_failure(tracked, error, not_found=False)
            return
        credential.verified = True  # the gateway accepted the credential
        delay, not_found = self._retry_delay(tracked, client, error)
        expected = isinstance(error, JobNotFoundError) and not not_found  # new IDs take seconds
        log.log(
            logging.INFO if expected else logging.WARNING,
            "refresh of %s failed (%s, attempt %d): %s",
            tracked.task_id,
            error.kind,
            tracked.failures,
            error,
        )
        self._schedule(tracked, now + self._jittered(delay) if delay > 1 else now + delay)
        self._report_failure(tracked, error, not_found=not_found)

    def _retry_delay(
        self, tracked: _Tracked, client: TaskCenterClient, error: TaskCenterError
    ) -> tuple[float, bool]:
        """When to ask again after ``error``, and whether the task now counts as not found.

        A task the cloud does not know yet is asked about again soon during its grace period
        (new IDs take seconds to appear), then rarely; every other failure backs off
        exponentially with jitter, at least as long as a ``Retry-After`` says.
        """
        if isinstance(error, JobNotFoundError):
            self._set_endpoint_state(client.endpoint, EndpointState.OK)
            tracked.failures = 0
            age = self._wall() - tracked.added_at
            if not tracked.ever_found and age < self.config.not_found_grace:
                return self.config.not_found_retry, False
            return self.config.not_found_recheck, True
        tracked.failures += 1
        backoff = min(self.config.backoff_max, self.config.interval * 2**tracked.failures)
        delay = backoff * self._rng.uniform(0.5, 1.0) + self.config.interval
        if isinstance(error, ThrottledError):
            self._buckets[client.endpoint].slow_down()
            self._set_endpoint_state(client.endpoint, EndpointState.THROTTLED)
            if error.retry_after is not None:
                delay = max(delay, error.retry_after)
        elif error.kind == ErrorKind.NETWORK:
            self._set_endpoint_state(client.endpoint, EndpointState.OFFLINE)
        return delay, False

    def _report_failure(
        self, tracked: _Tracked, error: TaskCenterError, *, not_found: bool
    ) -> None:
        if self._tracked.get(tracked.task_id) is tracked and not self._stopped:
            self.listener.fetch_failed(
                tracked.task_id, error, failures=tracked.failures, not_found=not_found
            )

    def _set_endpoint_state(self, endpoint: str, state: EndpointState) -> None:
        if self._endpoint_state.get(endpoint) != state:
            log.info("endpoint %s is %s", endpoint, state)
            self._endpoint_state[endpoint] = state
            if not self._stopped:  # nobody should hear about requests that end while stopping
                self.listener.endpoint_changed(endpoint, state, self._wall())
