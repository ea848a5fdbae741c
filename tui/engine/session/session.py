"""The watch session: the watched tasks' live state, and everything a front end can do to it.

It owns the watchlist store (or an in-memory list, for ``wait``), the Task Center clients, the
poller and the task records, and it tells subscribers what happened in the one vocabulary of
:mod:`tui.engine.events`. The TUI and ``wait`` are both front ends of a session; neither keeps
task state of its own. No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.engine.changes import UNCHANGED, compared
from tui.engine.eta import Estimator, Eta
from tui.engine.events import (
    LeaseChanged,
    SessionEvent,
    SinkChanged,
    TaskFinished,
    TaskRefreshed,
    WatchlistChanged,
)
from tui.engine.records import Observation, TaskRecord
from tui.engine.session.answers import Answers
from tui.engine.session.credentials import CredentialKeeper, RefusalMemo
from tui.engine.session.deadlines import Deadlines
from tui.engine.session.following import Following
from tui.engine.session.health import Connection, Health
from tui.engine.session.lease import LEASE_RENEW, PollingLease
from tui.engine.session.views import Views
from tui.engine.session.watchlist import Watchlist
from tui.engine.storage import AddResult, Store
from tui.engine.views import TaskView
from tui.errors import StoreError

if TYPE_CHECKING:
    # Settings (pydantic) and the runtime, clients and poller (httpx) are imported when first
    # needed, so that the TUI paints its first screen before paying for them.
    from tui.engine.polling.discovery import DiscoveredRow
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
Connector = Callable[[list[str]], "tuple[Settings, Runtime]"]
"""Loads the settings and builds the clients for the given profiles (those of the watched
tasks): what :meth:`WatchSession.start` defers. It runs in a worker thread."""


class WatchSession:
    """The watched tasks of one process, kept live by polling.

    The one object a front end (the TUI, ``wait``) talks to; the work is in its rooms:
    :class:`Watchlist`, :class:`CredentialKeeper`, :class:`Answers`, :class:`Deadlines`,
    :class:`Following`, :class:`Health`, :class:`PollingLease` and the poller. Its size (about
    520 lines, of them ~180 docstrings and ~80 blank or comment) is that of a facade: connecting,
    user edits, run controls and the polling role, each a few lines over a room, kept here so
    that a front end never reaches past the session.

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
        self.runtime: Runtime | None = None
        self._settings = settings
        self._connect = connect
        self._poll = poll
        self._poller_config = poller_config
        self._rng = rng
        self.clock = clock or Clock()
        self.demo = demo
        self.paused = False
        self.watchlist = Watchlist(store, self.clock.wall, self.clock.monotonic)
        self.lease = PollingLease(store if poll else None, self.clock.wall, kind)
        """Whether this process polls the watchlist, or reads another's results."""
        self._lease_stop = asyncio.Event()
        self.credentials = CredentialKeeper(refusals or RefusalMemo(store), self.clock.wall)
        """The keeper of the "never lock the AK" rule, across processes too."""
        self._subscribers: list[Subscriber] = []
        self.poller: Poller | None = None
        self.estimator = Estimator(self._service_of)
        """Past durations and observed progress: the inputs of each task's ETA."""
        self._estimates_loaded = False
        self.views = Views(
            self.estimator.forecast,
            lambda profile: self.health.problem_for(profile),
            self.watchlist.history,
            self.clock.wall,
        )
        """Each task's view, built once per answer (its estimate, problem, history)."""
        self.deadlines = Deadlines(self.watchlist, self.eta, self._emit)
        self.following = Following(store, self._emit, self._watch_discovered, self.clock.wall)
        self.answers = Answers(
            self.watchlist,
            self.estimator,
            self.views.of,
            self.credentials,
            self.deadlines,
            self._emit,
            self.clock.wall,
        )
        self.sink_problems: dict[str, str] = {}
        """Team notification sinks that do not take messages (by redacted name)."""
        self.health = Health(
            self.credentials.refused,
            self.following.problems,
            self.answers.endpoints,
            lambda: self.paused,
            lambda: self.runtime,
            self.sink_problems,
            self.lease,
        )
        """Whether requests are going, and why some tasks are not polled or followed."""
        if runtime is not None:
            self._attach(runtime)
        self.reload()

    # -- connecting ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the settings and build the clients if that was deferred (see ``connect``).

        The loading runs in a thread, so a UI stays responsive (and paints) meanwhile.

        Raises:
            TaskwatchError: The configuration or a credential cannot be used.
        """
        if self._connect is None:
            return
        connect, self._connect = self._connect, None
        in_use = sorted({record.profile for record in self.records.values()})
        self._settings, runtime = await asyncio.to_thread(connect, in_use)
        runtime.project_cache = self.store  # looked-up project IDs are kept with the watchlist
        await runtime.prepare()  # first temporary keys, project IDs: what cannot be set up shows
        self._attach(runtime)
        if self.poller is not None:
            self.poller.sync(self.records.values())
        self.load_estimates()

    def load_estimates(self) -> None:
        """Learn past durations and progress from the store (once; after the first paint)."""
        if self._estimates_loaded:
            return
        self._estimates_loaded = True
        try:
            self.estimator.load(self.store, self.records.values())
            self.views.forget()  # the estimates rest on more now
        except StoreError as exc:  # estimates are a nicety: a locked file costs them, no more
            log.warning("past durations not read: %s", exc)

    def _service_of(self, profile: str) -> str:
        runtime = self.runtime
        if runtime is not None and profile in runtime.profiles:
            return str(runtime.profiles[profile].service)
        return profile

    def _attach(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.credentials.attach(runtime, None)
        for profile in runtime.profiles.values():
            log.info(
                "profile %s: %s, %s", profile.name, profile.endpoint, profile.credential.display
            )
        if not self._poll:
            return
        from tui.engine.polling.poller import Poller, PollerConfig

        settings = self.settings
        self.poller = Poller(
            runtime.clients,
            credential_keys=runtime.credential_keys,
            rate_limits=runtime.rate_limits,
            config=self._poller_config
            or PollerConfig(
                interval=settings.refresh_interval,
                concurrency=settings.concurrency,
                not_found_grace=settings.not_found_grace,
            ),
            clock=self.clock.monotonic,
            wall_clock=self.clock.wall,
            rng=self._rng,
            report=self.answers.heard,
            estimate=self._seconds_left,
        )
        self.credentials.attach(runtime, self.poller)
        interval = settings.discovery_interval
        self.following.attach(runtime, self.poller, interval, self.clock.monotonic)

    @property
    def settings(self) -> Settings:
        """The settings in force (the defaults until a deferred connect has loaded them)."""
        if self._settings is None:
            from tui.engine.setup.config import Settings

            self._settings = Settings()
        return self._settings

    @property
    def leads(self) -> bool:
        """Whether this process polls the watchlist, follows, warns and tells the team (it
        holds the polling lease); otherwise it shows what the holder writes."""
        return self.lease.holds

    def keep_lease(self) -> bool:
        """Renew the polling lease, or take it over if its holder is gone; return whether this
        process started or stopped polling (subscribers then get a LeaseChanged).

        Returns:
            True when the role changed.
        """
        was_following = self.lease.holder is not None
        if not self.lease.claim(self.clock.monotonic()):
            return False
        self._apply_roles()
        if self.leads and was_following:
            self.watchlist.reload()  # the last holder's latest results, then poll from there
            self._sync_poller()
        self._emit(LeaseChanged(self.leads, self.lease.describe()))
        return True

    def _apply_roles(self) -> None:
        """Poll, follow and warn only as the lease holder, and only while not paused."""
        self.deadlines.warns = self.leads
        if self.following.discovery is not None:
            self.following.discovery.leading = self.leads
        if self.poller is not None:
            if self.paused or not self.leads:
                self.poller.pause()
            else:
                self.poller.resume()

    def _lease_due(self) -> bool:
        claimed = self.lease.claimed_at
        return claimed is None or self.clock.monotonic() - claimed >= LEASE_RENEW

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

    def history(self, task_id: str) -> list[Observation]:
        """The observed changes of ``task_id``, oldest first (none when watching in memory).

        Args:
            task_id: A watched task.

        Returns:
            One observation per change of status, progress or error kind.
        """
        return self.watchlist.history(task_id)

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

    def view(self, record: TaskRecord) -> TaskView:
        """The view of ``record`` (see :class:`~tui.engine.views.TaskView`): built once per
        answer, its history read only for the focused task (:meth:`focus`).

        Args:
            record: A watched task.

        Returns:
            Its view.
        """
        return self.views.of(record)

    def focus(self, task_id: str | None) -> None:
        """The task the user looks at (the detail pane): its views carry its history.

        Args:
            task_id: The task, or None.
        """
        self.views.focus(task_id)

    def counts(self) -> list[tuple[str, int]]:
        """How many tasks have each status, worst first (see :meth:`Watchlist.counts`).

        Returns:
            (status, count) pairs, ``waiting`` and ``not found`` included, worst first.
        """
        return self.watchlist.counts()

    @property
    def overdue(self) -> set[str]:
        """Tasks still unfinished past their deadline."""
        return self.deadlines.overdue

    @property
    def places(self) -> list[str]:
        """Where the session looks: ``name (region or endpoint)`` per profile, and whether its
        project ID was looked up in IAM rather than configured."""
        profiles = self.runtime.profiles.values() if self.runtime else []
        return [
            f"{p.name} ({p.region or p.endpoint}"
            + (", project looked up)" if p.project_id is None else ")")
            for p in profiles
        ]

    @property
    def profile_names(self) -> list[str]:
        """Profiles a task can be added under: the ones in use, then the configured ones."""
        names = list(self.runtime.profiles) if self.runtime else []
        return list(dict.fromkeys([*names, *self.settings.profiles]))

    # -- changing the watchlist ---------------------------------------------------------------

    def add(self, task_ids: Iterable[str], *, profile: str, label: str = "") -> AddResult:
        """Watch ``task_ids`` under ``profile``; they are polled at once.

        Args:
            task_ids: Task IDs (validated; InvalidInputError names a bad one).
            profile: The profile to ask the cloud with.
            label: A note shown with the tasks.

        Returns:
            Which IDs are new and which were already watched.
        """
        result = self.watchlist.add(task_ids, profile=profile, label=label)
        self._changed(track=result.added)
        return result

    def remove(self, task_id: str) -> TaskRecord | None:
        """Stop watching ``task_id`` (:meth:`undo` brings it back); return what was removed.

        Args:
            task_id: A watched task.

        Returns:
            The record as it was, or None if the task was not watched.
        """
        record = self.watchlist.remove(task_id)
        if record is not None:
            if self.poller is not None:
                self.poller.untrack(task_id)
            self._changed()
        return record

    def undo(self) -> list[str]:
        """Watch the most recently removed tasks again; return their IDs (empty if none).

        Returns:
            The IDs watched again.
        """
        restored = self.watchlist.undo()
        self._changed(track=restored)
        return restored

    def set_label(self, task_id: str, label: str) -> None:
        """Change a task's label (validated like any label).

        Args:
            task_id: A watched task.
            label: The new label ("" for none); InvalidInputError if it is unusable.
        """
        self.watchlist.set_label(task_id, label)
        self._changed()

    def set_deadline(self, task_ids: Iterable[str], deadline: float | None) -> list[str]:
        """Set (or with None clear) the deadline of watched tasks; its warnings may fire again.

        Args:
            task_ids: Watched task IDs.
            deadline: Wall time by which they should be done, or None.

        Returns:
            The IDs changed.
        """
        changed = self.watchlist.set_deadline(task_ids, deadline)
        self._emit(WatchlistChanged())
        self.check_deadlines()
        return changed

    def check_deadlines(self, now: float | None = None) -> int:
        """Mark tasks overdue, and warn once per deadline of each overdue or at-risk task.

        Called as time passes (the TUI's clock tick) and after every answer about a task.

        Args:
            now: Wall time (default: the clock).

        Returns:
            How many warnings were given.
        """
        return self.deadlines.check_all(self.clock.wall() if now is None else now)

    def check_outside_changes(self) -> bool:
        """Pick up another process's writes (the CLI, a second TUI); return whether there were.

        Also saves what a held lock or a full disk kept in memory only, once it can.

        Returns:
            True if the watchlist was read again (subscribers get a WatchlistChanged).
        """
        self.watchlist.save_pending()
        before = self.watchlist.records  # reloading makes a new mapping: this one stays as it was
        if not self.watchlist.outside_changes():
            return False
        self._sync_poller()  # another process may have added or removed anything
        self._changed()
        self._tell_changes(before)
        return True

    def _tell_changes(self, before: Mapping[str, TaskRecord]) -> None:
        """Tell subscribers of the tasks another process (the lease holder) saw change, as if
        this one had polled them: rows, toasts and ``watch`` lines follow the holder's answers."""
        for task_id, record in self.records.items():
            old = before.get(task_id)
            change = compared(old, record) if old is not None else UNCHANGED
            if not change.changed:
                continue
            self._emit(TaskRefreshed(record, change, self.views.of(record)))
            if change.finished:
                self._emit(TaskFinished(record, announce=True))

    def reload(self) -> None:
        """Read the watchlist again from the store, and poll exactly what it holds."""
        self.watchlist.reload()
        self._sync_poller()

    def _watch_discovered(self, rows: list[DiscoveredRow], now: float) -> list[str]:
        """Discovery found tasks: they join the watchlist and are polled, one by one."""
        added = self.watchlist.add_discovered(rows, now)
        if self.poller is not None:
            for task_id in added:
                self.poller.track(self.records[task_id])
        return added

    def _changed(self, track: Iterable[str] = ()) -> None:
        """The user changed the watchlist: poll the tasks in ``track`` (new or restored) and
        tell subscribers. One task at a time, not a re-sync of every task per edit."""
        if self.poller is not None:
            for task_id in track:
                if (record := self.records.get(task_id)) is not None:
                    self.poller.track(record)
        self._emit(WatchlistChanged())

    def _sync_poller(self) -> None:
        if self.poller is not None:
            self.poller.sync(self.records.values())

    # -- controls ------------------------------------------------------------------------------

    def set_paused(self, paused: bool) -> None:
        """Pause or resume every request.

        Args:
            paused: True to stop sending requests, False to resume.
        """
        self.paused = paused
        self._apply_roles()

    def refresh(self, task_id: str | None = None) -> int:
        """Ask about one task (or every unfinished one) now; return how many were scheduled.

        Args:
            task_id: One task, or None for every unfinished one.

        Returns:
            How many requests were made due.
        """
        return self.poller.refresh_now(task_id) if self.poller is not None else 0

    def sink_changed(self, sink: str, problem: str | None) -> None:
        """A team notification sink stopped taking messages, or works again: shown with the
        other problems (the banner) and told to subscribers.

        Args:
            sink: The sink's redacted name.
            problem: Why it does not take messages, or None when it works again.
        """
        if problem is None:
            self.sink_problems.pop(sink, None)
        else:
            self.sink_problems[sink] = f"Team notifications to {sink} are not delivered: {problem}"
        self._emit(SinkChanged(sink, problem))

    def retry_credentials(self) -> str:
        """Try refused credentials again, read afresh from their source (see
        :meth:`CredentialKeeper.retry`: an unchanged one is not sent within the lock window).

        Returns:
            What happened, in one sentence for the user ("" if nothing was refused).
        """
        return self.credentials.retry()

    async def run(self) -> None:
        """Poll (and follow) in real time until :meth:`stop`, while this process holds the
        polling lease; otherwise show the holder's results and take over if it goes."""
        self.keep_lease()
        self._apply_roles()
        self.credentials.recall()
        await self.credentials.take_turns()
        self.load_estimates()
        if self.poller is not None:
            loops = [self.poller.run(), self._lease_loop()]
            if self.following.discovery is not None:
                loops.append(self.following.discovery.run())
            await asyncio.gather(*loops)

    async def _lease_loop(self) -> None:
        while not self._lease_stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lease_stop.wait(), LEASE_RENEW)
            if not self._lease_stop.is_set():
                self.keep_lease()

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
        if self._lease_due() and not self.keep_lease():
            self._apply_roles()
        self.credentials.recall()
        await self.credentials.take_turns()
        self.load_estimates()
        return await self.poller.tick() if self.poller is not None else 0

    def stop(self) -> None:
        """Stop polling; events from requests that end while stopping are not reported."""
        if self.poller is not None:
            self.poller.stop()
        self.following.stop()
        self.credentials.release_all()
        self._lease_stop.set()
        self.lease.release()  # another window on the watchlist takes over at once

    async def aclose(self) -> None:
        """Close the HTTP connections (on the loop that used them)."""
        if self.runtime is not None:
            await self.runtime.aclose()

    def _emit(self, event: SessionEvent) -> None:
        for subscriber in list(self._subscribers):
            subscriber(event)
