"""The polling engine: which task to ask about when, politely, and what to tell subscribers.

UI-agnostic (no Textual here). Cadence by status: Pending/Running/unknown every ``interval``
seconds with jitter; Completed/Failed/Canceled never again. At most ``concurrency`` requests in
flight, a token bucket per endpoint that halves on throttling and recovers on success, exponential
backoff with jitter (honouring Retry-After) per task. A credential is proven with a single request
before tasks using it are polled in parallel, and an authentication error stops every request for
that credential at once: the gateway locks an AK after five failures, and we must never cause that.

Roll calls: when a profile has several running tasks, one list request (``status=Running``, 50
tasks a page) refreshes them all instead of one request each. A task the list leaves out (it
ended, or the list is not what the job API says) is asked about by ID at once, so a final answer
always comes from the job API with its entities; a refused or failing list turns roll calls off
for the profile for a while, and the tasks are polled one by one as before.

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
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from tui.cloud.client import TaskCenterClient
from tui.cloud.listing import ListedTask
from tui.cloud.models import Job
from tui.cloud.steps import TaskSteps
from tui.engine.events import EndpointState
from tui.engine.records import TaskRecord
from tui.errors import (
    AuthenticationError,
    BadResponseError,
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
    roll_call_min: int = 4
    """Running tasks of one profile from which they are refreshed together by listing the
    project's running tasks (one request a page of 50) instead of one request each; 0: never."""
    by_id_every: float = 300.0
    """How often at least a task that roll calls refresh is asked about by ID: a list entry has
    no entities (an endpoint appears, an EIP is bound) and the detail pane shows them."""
    roll_call_pause: float = 600.0
    """How long roll calls stay off for a profile after its list was refused, failed, or
    found none of the tasks it was asked about."""


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

    def tasks_listed(self, listed: list[tuple[str, ListedTask]]) -> None:
        """A roll call found these tasks still running (each with its list entry).

        Args:
            listed: Task IDs with what the list says of each.
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

    def spend(self, now: float) -> None:
        """Take a token even if none is left: the next requests wait until it is paid back.

        For the further pages of one list request, which cannot wait half-way.

        Args:
            now: Monotonic time.
        """
        self._refill(now)
        self.tokens -= 1.0

    def slow_down(self) -> None:
        """The gateway throttled: halve the rate (down to 1/32 of the maximum), empty the bucket."""
        self.rate = max(self.max_rate / 32, self.rate / 2)
        self.tokens = min(self.tokens, 0.0)

    def speed_up(self) -> None:
        """Raise the rate by about a tenth, up to the maximum: a request went through."""
        self.rate = min(self.max_rate, self.rate * 1.1 + 0.05)


# -- the engine -----------------------------------------------------------------------------------


_LISTED_CHUNK = 100
"""Roll call answers handed to the listener at once, between which the event loop runs."""

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
    running: bool = False
    """Its last known status is Running: a roll call may refresh it."""
    steps_queued: bool = False
    """Waiting in the steps queue."""
    by_id_due: float = 0.0
    """Monotonic time from which its next refresh is a request by ID (not a roll call)."""


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

    def tasks_listed(self, listed: list[tuple[str, ListedTask]]) -> None:
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
        self._steps_in_flight = 0
        self._steps_queue: deque[tuple[_Tracked, str, str]] = deque()
        """Tasks a roll call found whose steps are due (task, job name, instance ID): asked
        for one by one as spare tokens allow, after the polls."""
        self._roll_calls_off: dict[str, float] = {}
        """Profiles whose roll calls are off, until when (monotonic)."""
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
                # Seen before: its refreshes by ID are spread over the interval, not all at once.
                spread = self._rng.uniform(0.0, self.config.by_id_every)
                tracked.by_id_due = now + spread if tracked.ever_found else 0.0
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
            tracked.running = record.status.lower() == "running"
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
                if task_id is not None:
                    tracked.by_id_due = 0.0  # one task asked for: the whole answer, by ID
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
            group = self._roll_call_group(tracked, credential, now)
            if group:
                self._start(self._roll_call(tracked.profile, client, credential, group), group)
            else:
                self._start(self._poll(tracked, client, credential), [tracked])
        for entry in deferred:
            heapq.heappush(self._heap, entry)
        self._dispatch_steps(now)

    def _dispatch_steps(self, now: float) -> None:
        """Ask for queued steps with the tokens the polls leave, while no poll waits."""
        queue = self._steps_queue
        most = max(1, self.config.concurrency // 4)  # the other slots stay free for polls
        while (
            queue
            and self._steps_in_flight < most
            and len(self._in_flight) < self.config.concurrency
        ):
            tracked, name, instance_id = queue[0]
            client = self._clients.get(tracked.profile)
            credential = self._credentials.get(self._profile_key.get(tracked.profile, ""))
            if (
                client is None
                or credential is None
                or self._tracked.get(tracked.task_id) is not tracked
                or not self._steps_due(tracked, credential, "Running", instance_id, now)
            ):
                queue.popleft()
                tracked.steps_queued = False
                continue
            if self._poll_waiting(now):
                return  # polls first
            bucket = self._buckets[client.endpoint]
            if not bucket.try_take(now):
                wait = bucket.wait_time(now)
                self._bucket_wait = (
                    wait if self._bucket_wait is None else min(self._bucket_wait, wait)
                )
                return
            queue.popleft()
            tracked.steps_queued = False
            self._steps_in_flight += 1  # counted now: the task starts only after this loop
            steps = self._fetch_steps(tracked, client, credential, name, instance_id)
            self._start(steps, []).add_done_callback(self._steps_finished)

    def _steps_finished(self, _task: asyncio.Task[None]) -> None:
        self._steps_in_flight -= 1

    def _start(
        self, request: Coroutine[None, None, None], tasks: list[_Tracked]
    ) -> asyncio.Task[None]:
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

    def _roll_call_group(
        self, tracked: _Tracked, credential: _CredentialState, now: float
    ) -> list[_Tracked]:
        """The tasks one list request should refresh with ``tracked``, or [] to poll it alone.

        Every running task of the profile that is not in flight goes in, due or not, so they
        all fall due together again and the next roll call takes them all.
        """
        minimum = self.config.roll_call_min
        if (
            minimum <= 0
            or not credential.verified
            or not self._may_roll_call(tracked, now)
            or self._roll_calls_off.get(tracked.profile, 0.0) > now
        ):
            return []
        group = [
            other
            for other in self._tracked.values()
            if other.profile == tracked.profile
            and (other is tracked or not other.in_flight)
            and self._may_roll_call(other, now)
        ]
        return group if len(group) >= minimum else []

    @staticmethod
    def _may_roll_call(tracked: _Tracked, now: float) -> bool:
        return (
            tracked.running
            and tracked.ever_found
            and not tracked.final
            and tracked.by_id_due > now  # otherwise its turn to be asked by ID has come
        )

    def _next_wakeup(self) -> float | None:
        """Seconds until something may be dispatched, or None to wait for an event."""
        if not self._heap:
            return self._bucket_wait if self._steps_queue else None
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
                job = result.job
                self._on_success(tracked, client, credential, job)
                if self._steps_wanted(tracked, client, credential, job.status, job.instance.id):
                    await self._fetch_steps(tracked, client, credential, job.name, job.instance.id)
        finally:
            tracked.in_flight = False
            credential.probing = False
            for entry in credential.waiting:
                heapq.heappush(self._heap, entry)
            credential.waiting.clear()
            self._wake.set()

    async def _roll_call(
        self,
        profile: str,
        client: TaskCenterClient,
        credential: _CredentialState,
        group: list[_Tracked],
    ) -> None:
        """Refresh ``group`` (running tasks of ``profile``) with one list of running tasks."""
        bucket = self._buckets[client.endpoint]
        try:
            page = await client.list_tasks(
                "instant", status="Running", on_page=lambda: bucket.spend(self._clock())
            )
        except TaskCenterError as error:
            self._roll_call_failed(profile, client, credential, group, error)
            return
        except Exception as exc:  # a bug here must not leave a thousand tasks unpolled
            log.exception("listing the running tasks of %s broke", profile)
            failure = BadResponseError(f"the list could not be read ({type(exc).__name__})")
            self._roll_call_failed(profile, client, credential, group, failure)
            return
        finally:
            for tracked in group:
                tracked.in_flight = False
            self._wake.set()
        credential.verified = True
        bucket.speed_up()
        self._set_endpoint_state(client.endpoint, EndpointState.OK)
        if self._stopped:
            return
        listed = {item.id: item for item in page.tasks if item.status.lower() == "running"}
        now = self._clock()
        if page.requests >= len(group):
            # The project runs far more than we watch: one request each is cheaper for now.
            self._roll_calls_off[profile] = now + self.config.roll_call_pause
            log.info("the running tasks of %s took %d pages for %d watched: polling them one "
                     "by one for a while", profile, page.requests, len(group))  # fmt: skip
        due = now + self._jittered(self.config.interval)  # one due time: they stay together
        found: list[tuple[_Tracked, ListedTask]] = []
        for tracked in group:
            if self._tracked.get(tracked.task_id) is not tracked or tracked.final:
                continue  # removed, or ended by a poll while the list was out
            item = listed.get(tracked.task_id)
            if item is None:
                tracked.by_id_due = 0.0  # it ended, or the list left it out: ask by ID, now
                self._schedule(tracked, now)
                continue
            tracked.failures = 0
            self._schedule(tracked, due)
            found.append((tracked, item))
        if not found:
            self._roll_calls_off[profile] = now + self.config.roll_call_pause
            log.warning("the list of running tasks of %s had none of %d watched: polling "
                        "them one by one for a while", profile, len(group))  # fmt: skip
            return
        for start in range(0, len(found), _LISTED_CHUNK):
            if start:
                await asyncio.sleep(0)  # a thousand answers: keys and frames go in between
            chunk = found[start : start + _LISTED_CHUNK]
            answers = [
                (t.task_id, item)
                for t, item in chunk
                if self._tracked.get(t.task_id) is t and not t.final  # not ended meanwhile
            ]
            if answers and not self._stopped:
                self.listener.tasks_listed(answers)
        for tracked, item in found:
            wanted = self._steps_due(tracked, credential, item.status, item.instance_id, now)
            if wanted and not tracked.steps_queued:
                tracked.steps_queued = True
                self._steps_queue.append((tracked, item.name, item.instance_id))
        self._dispatch_steps(self._clock())

    def _roll_call_failed(
        self,
        profile: str,
        client: TaskCenterClient,
        credential: _CredentialState,
        group: list[_Tracked],
        error: TaskCenterError,
    ) -> None:
        """A roll call's list failed. Throttled: the group backs off together (a list is the
        cheapest way to ask). Refused (an IAM action missing, a parameter this cloud rejects):
        roll calls stop for ``roll_call_pause``. Anything else (a 5xx, a timeout, an unreadable
        page): roll calls stop for a short while. Either way its tasks are then asked by ID."""
        now = self._clock()
        group = [t for t in group if self._tracked.get(t.task_id) is t and not t.final]
        if isinstance(error, AuthenticationError) and not isinstance(error, PermissionDeniedError):
            for tracked in group:
                self._schedule(tracked, now)  # ready the moment the credential is resumed
            self._block(credential, profile, error)
            return
        credential.verified = True  # the gateway accepted the credential
        if isinstance(error, ThrottledError):
            self._buckets[client.endpoint].slow_down()
            self._set_endpoint_state(client.endpoint, EndpointState.THROTTLED)
            failures = max((t.failures for t in group), default=0) + 1
            backoff = min(self.config.backoff_max, self.config.interval * 2**failures)
            delay = max(
                backoff * self._rng.uniform(0.5, 1.0) + self.config.interval,
                error.retry_after or 0.0,
            )
            for tracked in group:
                tracked.failures = failures
                self._schedule(tracked, now + delay)
                self._report_failure(tracked, error, not_found=False)
            return
        if error.kind == ErrorKind.NETWORK:
            self._set_endpoint_state(client.endpoint, EndpointState.OFFLINE)
        refused = isinstance(error, PermissionDeniedError | RequestError | JobNotFoundError)
        pause = self.config.roll_call_pause if refused else max(60.0, 4 * self.config.interval)
        self._roll_calls_off[profile] = now + pause
        for tracked in group:
            self._schedule(tracked, now)
        log.warning("listing the running tasks of %s failed (%s): polling them one by one for "
                    "%.0f s: %s", profile, error.kind, pause, error)  # fmt: skip

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
        self,
        tracked: _Tracked,
        client: TaskCenterClient,
        credential: _CredentialState,
        status: str,
        instance_id: str,
    ) -> bool:
        """Whether to ask for the job's steps now, right after its job answer.

        Only for a running job the cloud has not refused steps for, at most every
        ``steps_interval``, only when no poll is waiting for its turn, and only with a token of
        the endpoint's bucket to spare: steps are a nicety that must never crowd out the polls.
        """
        now = self._clock()
        return (
            self._steps_due(tracked, credential, status, instance_id, now)
            and not self._poll_waiting(now)  # polls come first: steps only take a spare token
            and self._buckets[client.endpoint].try_take(now)
        )

    def _steps_due(
        self,
        tracked: _Tracked,
        credential: _CredentialState,
        status: str,
        instance_id: str,
        now: float,
    ) -> bool:
        """Whether a task's steps may be asked for now, tokens and waiting polls aside."""
        return (
            status.lower() == "running"
            and bool(instance_id)
            and not tracked.steps_refused
            and not tracked.final
            and now >= tracked.steps_due
            and credential.blocked is None
            and not self._stopped
            and not self.paused
            and self._tracked.get(tracked.task_id) is tracked
        )

    def _poll_waiting(self, now: float) -> bool:
        """Whether a poll is due and waiting for its turn (entries made stale by a reschedule
        are dropped on the way, as the dispatcher would drop them)."""
        heap = self._heap
        while heap:
            due, _, task_id, generation = heap[0]
            tracked = self._tracked.get(task_id)
            if tracked is not None and tracked.generation == generation and not tracked.final:
                return due <= now
            heapq.heappop(heap)
        return False

    async def _fetch_steps(
        self,
        tracked: _Tracked,
        client: TaskCenterClient,
        credential: _CredentialState,
        name: str,
        instance_id: str,
    ) -> None:
        tracked.steps_due = self._clock() + self.config.steps_interval
        try:
            steps = await client.get_steps(tracked.task_id, name, instance_id)
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
        tracked.running = job.status.lower() == "running"
        tracked.by_id_due = self._clock() + self._jittered(self.config.by_id_every)
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
