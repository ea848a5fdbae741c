"""The watch session: the watched tasks' live state, and everything a front end can do to it.

It owns the watchlist store (or an in-memory list, for ``wait``), the Task Center clients, the
poller and the task records, and it tells subscribers what happened in the one vocabulary of
:mod:`tui.engine.events`. The TUI and ``wait`` are both front ends of a session; neither keeps
task state of its own. No Textual here.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.engine.eta import Eta
from tui.engine.events import (
    SessionEvent,
)
from tui.engine.records import TaskRecord
from tui.engine.session.answers import Answers
from tui.engine.session.connecting import Connecting, Connector
from tui.engine.session.credentials import CredentialKeeper, RefusalMemo
from tui.engine.session.deadlines import Deadlines
from tui.engine.session.edits import Edits
from tui.engine.session.following import Following
from tui.engine.session.health import Connection, Health
from tui.engine.session.lease import PollingLease
from tui.engine.session.roles import Roles
from tui.engine.session.views import Views
from tui.engine.session.watchlist import Watchlist
from tui.engine.storage import Store

if TYPE_CHECKING:
    # Settings (pydantic) and the runtime, clients and poller (httpx) are imported when first
    # needed, so that the TUI paints its first screen before paying for them.
    from tui.engine.polling.poller import Poller, PollerConfig
    from tui.engine.setup.config import Settings
    from tui.engine.setup.runtime import Runtime

__all__ = ["Clock", "Connection", "WatchSession"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Clock:
    """Wall time for display and records, monotonic time for scheduling; tests pin both."""

    wall: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic


Subscriber = Callable[[SessionEvent], None]


class WatchSession:
    """The watched tasks of one process, kept live by polling.

    The one object a front end (the TUI, ``wait``) talks to; the work is in its rooms:
    :class:`Watchlist`, :class:`Connecting` (settings, clients, the poller), :class:`Edits`
    (every change of the watchlist: ``session.edits.add(...)``), :class:`Roles` (the polling
    lease, the pause), :class:`CredentialKeeper`, :class:`Answers`, :class:`Views`,
    :class:`Deadlines`, :class:`Following` and :class:`Health`. What is left here is the
    facade: reading the state, the run controls, and the subscribers.

    Args:
        store: The watchlist database, or None to watch in memory only (``wait`` observes
            without changing the watchlist).
        runtime: The clients per profile; None for a session that never polls (or that
            connects later).
        settings: Intervals, concurrency and notification switches (defaults when None).
        connect: Loads settings and builds the clients when :meth:`start` is called, instead
            of now: the TUI shows the watchlist first and connects right after.
        clock: Wall and monotonic time (tests pin both).
        poll: False for a session that shows the watchlist but never asks the cloud.
        poller_config: Tunables, by default derived from ``settings``.
        rng: Randomness for jitter (tests seed it).
        demo: Whether this is the ``--demo`` world (shown in the summary).
        refusals: Where refused credentials are remembered across processes (by default the
            store; ``wait`` passes the watchlist database although it watches in memory).
        kind: What this process is (``tui``, ``watch``), shown to the other processes on the
            watchlist when this one holds the polling lease.
    """

    def __init__(
        self,
        store: Store | None,
        runtime: Runtime | None = None,
        settings: Settings | None = None,
        *,
        connect: Connector | None = None,
        clock: Clock | None = None,
        poll: bool = True,
        poller_config: PollerConfig | None = None,
        rng: random.Random | None = None,
        demo: bool = False,
        refusals: RefusalMemo | None = None,
        kind: str = "tui",
    ) -> None:
        self.clock = clock or Clock()
        self.demo = demo
        self.watchlist = Watchlist(store, self.clock.wall, self.clock.monotonic)
        self.lease = PollingLease(store if poll else None, self.clock.wall, kind)
        """Whether this process polls the watchlist, or reads another's results."""
        self.credentials = CredentialKeeper(refusals or RefusalMemo(store), self.clock.wall)
        """The keeper of the "never lock the AK" rule, across processes too."""
        self._subscribers: list[Subscriber] = []
        self.views = Views(
            lambda profile: self.connecting.service_of(profile),
            lambda profile: self.health.problem_for(profile),
            self.watchlist.history,
            self.clock.wall,
        )
        """Each task's view, built once per answer (its estimate, problem, history)."""
        self.deadlines = Deadlines(self.watchlist, self.eta, self._emit, self.clock.wall)
        self.following = Following(
            store, self._emit, lambda rows, now: self.edits.discovered(rows, now), self.clock.wall
        )
        self.answers = Answers(
            self.watchlist,
            self.views.estimator,
            self.views.of,
            self.credentials,
            self.deadlines,
            self._emit,
            self.clock.wall,
        )
        self.health = Health(
            self.credentials.refused,
            self.following.problems,
            self.answers.endpoints,
            lambda: self.roles.paused,
            lambda: self.connecting.runtime,
            self.lease,
            self._emit,
        )
        """Whether requests are going, and why some tasks are not polled or followed."""
        self.connecting = Connecting(
            settings,
            connect,
            poll=poll,
            poller_config=poller_config,
            rng=rng,
            monotonic=self.clock.monotonic,
            wall=self.clock.wall,
            report=self.answers.heard,
            seconds_left=self._seconds_left,
            attached=self._attached,
        )
        self.edits = Edits(
            self.watchlist, lambda: self.poller, self.views.of, self.deadlines.check_all, self._emit
        )
        self.roles = Roles(
            self.lease,
            self.deadlines,
            self.following,
            lambda: self.connecting.poller,
            self._took_over,
            self.clock.monotonic,
            self._emit,
        )
        if runtime is not None:
            self.connecting.attach(runtime)
        self.reload()

    # -- connecting ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the settings and build the clients if that was deferred (see ``connect``).

        The loading runs in a thread, so a UI stays responsive (and paints) meanwhile.

        Raises:
            TaskwatchError: The configuration or a credential cannot be used.
        """
        in_use = sorted({record.profile for record in self.records.values()})
        if not await self.connecting.start(in_use, self.store):
            return
        if self.poller is not None:
            self.poller.sync(self.records.values())
        self.load_estimates()

    @property
    def runtime(self) -> Runtime | None:
        """The clients per profile, once connected."""
        return self.connecting.runtime

    @property
    def poller(self) -> Poller | None:
        """The poller, once connected (never, for a session that does not poll)."""
        return self.connecting.poller

    @property
    def settings(self) -> Settings:
        """The settings in force (the defaults until a deferred connect has loaded them)."""
        return self.connecting.settings

    def load_estimates(self) -> None:
        """Learn past durations and progress from the store (once; after the first paint)."""
        self.views.load_estimates(self.store, self.records.values())

    def _attached(self, runtime: Runtime, poller: Poller | None) -> None:
        self.credentials.attach(runtime, poller)
        if poller is not None:
            interval = self.settings.discovery_interval
            self.following.attach(runtime, poller, interval, self.clock.monotonic)

    @property
    def paused(self) -> bool:
        """Whether every request is paused (the user's ``p``)."""
        return self.roles.paused

    @property
    def leads(self) -> bool:
        """Whether this process holds the polling lease (see :class:`Roles`)."""
        return self.roles.leads

    def keep_lease(self) -> bool:
        """Renew or take over the polling lease; True when the role changed (see :class:`Roles`)."""
        return self.roles.keep_lease()

    def _took_over(self) -> None:
        self.watchlist.reload()  # the last holder's latest results, then poll from there
        self.edits.sync_poller()

    # -- reading ----------------------------------------------------------------------------

    @property
    def store(self) -> Store | None:
        """The watchlist database (None when watching in memory)."""
        return self.watchlist.store

    @property
    def records(self) -> Mapping[str, TaskRecord]:
        """Every watched task by ID, in the order added."""
        return self.watchlist.records

    def subscribe(self, callback: Subscriber) -> None:
        """Call ``callback`` with every event, on the event loop, in order.

        Args:
            callback: Receives each :data:`~tui.engine.events.SessionEvent`.
        """
        self._subscribers.append(callback)

    def _seconds_left(self, task_id: str) -> float | None:
        """Seconds until a watched task's estimated end (negative: past it), for the poller."""
        record = self.records.get(task_id)
        eta = self.eta(record) if record is not None else None
        if eta is None:
            return None
        return float(eta.seconds) if eta.seconds > 0 else -float(eta.overrun)

    def eta(self, record: TaskRecord, now: float | None = None) -> Eta | None:
        """How long ``record`` still needs, and where that comes from (see :mod:`.eta`).

        Args:
            record: A watched task.
            now: Wall time (default: the clock).

        Returns:
            The estimate, or None.
        """
        return self.views.of(record).eta(self.clock.wall() if now is None else now)

    @property
    def overdue(self) -> set[str]:
        """Tasks still unfinished past their deadline."""
        return self.deadlines.overdue

    # -- the watchlist ---------------------------------------------------------------------------

    def check_outside_changes(self) -> bool:
        """Pick up another process's writes; True if there were (see :meth:`Edits.from_outside`)."""
        return self.edits.from_outside()

    def reload(self) -> None:
        """Read the watchlist again from the store, and poll exactly what it holds."""
        self.edits.reload()

    # -- controls ------------------------------------------------------------------------------

    def set_paused(self, paused: bool) -> None:
        """Pause or resume every request.

        Args:
            paused: True to stop sending requests, False to resume.
        """
        self.roles.set_paused(paused)

    def refresh(self, task_id: str | None = None) -> int:
        """Ask about one task (or every unfinished one) now; return how many were scheduled.

        Args:
            task_id: One task, or None for every unfinished one.

        Returns:
            How many requests were made due.
        """
        return self.poller.refresh_now(task_id) if self.poller is not None else 0

    async def run(self) -> None:
        """Poll (and follow) in real time until :meth:`stop`, while this process holds the
        polling lease; otherwise show the holder's results and take over if it goes."""
        self.roles.keep_lease()
        self.roles.apply()
        self.credentials.recall()
        await self.credentials.take_turns()
        self.load_estimates()
        if self.poller is not None:
            loops = [self.poller.run(), self.roles.run()]
            if self.following.discovery is not None:
                loops.append(self.following.discovery.run())
            await asyncio.gather(*loops)

    async def discover(self) -> int:
        """List for the follow rules that are due (tests on a fake clock); return requests.

        Returns:
            How many list requests were sent.
        """
        self.credentials.recall()
        discovery = self.following.discovery
        return await discovery.tick() if discovery is not None else 0

    async def tick(self) -> int:
        """Send every request due now and wait for them (tests on a fake clock); return how many.

        Returns:
            How many requests were sent.
        """
        self.roles.renew_if_due()
        self.credentials.recall()
        await self.credentials.take_turns()
        self.load_estimates()
        return await self.poller.tick() if self.poller is not None else 0

    def stop(self) -> None:
        """Stop polling; events from requests that end while stopping are not reported."""
        if self.poller is not None:
            self.poller.stop()
        self.watchlist.results.write_answered_again(self.clock.wall())
        self.following.stop()
        self.credentials.release_all()
        self.roles.stop()  # another window on the watchlist takes over at once

    async def aclose(self) -> None:
        """Close the HTTP connections (on the loop that used them)."""
        if self.runtime is not None:
            await self.runtime.aclose()

    def _emit(self, event: SessionEvent) -> None:
        for subscriber in list(self._subscribers):
            subscriber(event)
