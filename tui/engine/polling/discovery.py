"""Following instances: new tasks found by the cloud's list operations join the watchlist.

While a follow rule exists for a profile, its project is listed once per
``discovery_interval``: the instant tasks and the scheduled ones by turns, so that with nothing
new it costs one request per interval per profile. Each list goes through the poller's token
bucket and credential breaker (:meth:`~tui.engine.polling.poller.Poller.borrow`): a refused
credential stops the lists as well, with no request of their own. The instant list's time window
moves forward with an overlap, and a task ever watched (removed ones too) is never added again, so
nothing is missed at a page or clock boundary and nothing is added twice. A 403 names the IAM
action that is missing and pauses following for that profile; it is not retried.

No Textual here: the session runs this next to the poller and tells subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.cloud.listing import Kind, ListedTask
from tui.cloud.status import WAITING, JobStatus, is_final, meaning_of
from tui.engine.records import FollowRule
from tui.engine.storage.database import BACKGROUND_PATIENCE
from tui.errors import PermissionDeniedError, StoreError, TaskCenterError

if TYPE_CHECKING:
    from tui.cloud.client import ListPage, TaskCenterClient
    from tui.engine.polling.poller import Poller
    from tui.engine.setup.runtime import Runtime
    from tui.engine.storage import Store

__all__ = ["LOOKBACK", "OVERLAP", "Discovered", "Discovery"]

log = logging.getLogger(__name__)

OVERLAP = 300.0
"""Seconds each instant list reaches back before the last one's end (clock skew, late pages)."""
LOOKBACK = 24 * 3600.0
"""How far a new rule looks back for tasks still running."""
ROUND_CAP = 200
"""Tasks one list may add at most: an endless or hostile list must not flood the watchlist;
the rest are added in the next rounds (the list window waits for them)."""


@dataclass(frozen=True)
class Discovered:
    """What one list found: the tasks added, by instance name, for one toast."""

    profile: str
    added: list[str]
    instances: list[str]

    @property
    def message(self) -> str:
        """``2 new tasks on prod-orders-01`` (or on several instances)."""
        count = len(self.added)
        what = f"{count} new task{'s' if count != 1 else ''}"
        names = sorted(set(self.instances))
        if len(names) == 1:
            return f"{what} on {names[0]}"
        return f"{what} on {len(names)} instances"


@dataclass
class _Profile:
    due: float = 0.0
    turn: int = 0
    paused: str | None = None
    failing: str | None = None
    requests: int = 0


DiscoveredRow = tuple[str, str, str, str, str, str]
"""A task a rule found: (task ID, profile, label, origin, status, job JSON)."""


@dataclass
class Discovery:
    """The follow rules of one session, and the loop that lists the cloud for them.

    Args:
        store: Where the rules live (and which tasks were ever watched).
        runtime: The clients per profile (for their service).
        poller: Whose bucket and breaker every list goes through.
        interval: Seconds between lists per profile.
        wall: Wall time.
        monotonic: Monotonic time (scheduling).
        on_added: Told what a list added (the session tells subscribers).
        watch: Adds the tasks found to the watchlist (rows as :data:`DiscoveredRow`), returns
            the IDs added (the watchlist writes them through its backend).
        on_problem: Told when following a profile pauses or fails, and when that ends (None).
    """

    store: Store
    runtime: Runtime
    poller: Poller
    interval: float
    wall: Callable[[], float]
    monotonic: Callable[[], float]
    on_added: Callable[[Discovered], None]
    on_problem: Callable[[str, str | None], None]
    watch: Callable[[list[DiscoveredRow], float], list[str]]
    known_rules: list[FollowRule] = field(default_factory=list)
    """The rules as last read (the summary bar shows them without asking the store)."""
    leading: bool = True
    """Whether this process lists (it holds the polling lease); the others only read."""
    _profiles: dict[str, _Profile] = field(default_factory=dict)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stopped: bool = False

    def rules(self) -> list[FollowRule]:
        """Every follow rule (read from the store: the CLI may have changed them).

        Returns:
            The rules.
        """
        self.known_rules = self.store.rules()
        return self.known_rules

    def resume(self, profile: str | None = None) -> None:
        """Follow again a profile paused by a refusal (after the permission was granted).

        Args:
            profile: The profile, or None for all.
        """
        for name, state in self._profiles.items():
            if profile is None or name == profile:
                state.paused = None
                state.due = 0.0
                self.on_problem(name, None)
        self._wake.set()

    def poke(self) -> None:
        """List now (a rule was added)."""
        for state in self._profiles.values():
            state.due = 0.0
        self._wake.set()

    def stop(self) -> None:
        """End :meth:`run`."""
        self._stopped = True
        self._wake.set()

    async def run(self) -> None:
        """List for the rules until :meth:`stop`."""
        while not self._stopped:
            self._wake.clear()
            try:
                await self.tick()
            except StoreError as error:  # the rules could not be read: try again later
                log.warning("follow rules not read: %s", error)
            due = [s.due for s in self._profiles.values() if s.paused is None]
            timeout = max(0.5, min(due) - self.monotonic()) if due else self.interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def tick(self) -> int:
        """List every profile that is due (tests on a fake clock); return requests sent.

        Returns:
            How many list requests were sent.
        """
        if not self.leading:
            return 0
        rules = self.rules()
        by_profile: dict[str, list[FollowRule]] = {}
        for rule in rules:
            by_profile.setdefault(rule.profile, []).append(rule)
        sent = 0
        now = self.monotonic()
        for profile, its_rules in by_profile.items():
            state = self._profiles.setdefault(profile, _Profile())
            if state.paused is not None or now < state.due or self._stopped:
                continue
            state.due = now + self.interval
            kind: Kind = "instant" if state.turn % 2 == 0 else "scheduled"
            state.turn += 1
            requests = await self._list(profile, its_rules, kind, state)
            if requests == 0:
                # Nothing was sent (the credential's first request is still out, the bucket
                # was empty): the same list again in a second, not a turn lost for 15.
                state.turn -= 1
                state.due = now + min(self.interval, 1.0)
            sent += requests
        return sent

    async def _list(
        self, profile: str, rules: list[FollowRule], kind: Kind, state: _Profile
    ) -> int:
        """One list for ``profile``: add what its rules follow. Returns requests sent."""
        client = self.runtime.clients.get(profile)
        if client is None:
            return 0
        now = self.wall()
        since = (
            min(
                (r.checked_until if r.checked_until is not None else r.created_at - LOOKBACK)
                for r in rules
            )
            - OVERLAP
        )

        async def call(client: TaskCenterClient) -> ListPage:
            if kind == "instant":
                return await client.list_tasks("instant", since=since, until=now + 60)
            return await client.list_tasks("scheduled")

        try:
            page = await self.poller.borrow(profile, call)
        except PermissionDeniedError as error:
            action = client.adapter.list_permission_text()
            state.paused = (
                f"Following paused for profile '{profile}': the credential may not list tasks "
                f"({action} is missing: {error}). Grant it, then press F to resume."
            )
            log.warning("%s", state.paused)
            self.on_problem(profile, state.paused)
            return 1
        except TaskCenterError as error:
            # Weather or garbage: skip this list, say so, keep everything already watched.
            state.failing = f"Following '{profile}': the last list failed ({error.kind}): {error}"
            log.warning("%s", state.failing)
            self.on_problem(profile, state.failing)
            return 1
        if page is None:
            return 0  # nothing sent: the credential is refused, paused, or the bucket empty
        state.requests += page.requests
        if page.skipped:
            log.warning("%s: %d list item(s) skipped: not task IDs", profile, page.skipped)
        trouble = _trouble(profile, page)
        if trouble != state.failing:
            state.failing = trouble
            self.on_problem(profile, trouble)
        try:
            with self.store.patience(BACKGROUND_PATIENCE):
                complete = self._add(profile, rules, page.tasks, now)
                if kind == "instant" and complete:  # the window moves on once all are saved
                    self.store.rules_checked([r.id for r in rules], now)
        except StoreError as error:
            # Another process holds the file: the overlap brings these tasks back next time.
            log.warning("followed tasks not saved this time: %s", error)
        return page.requests

    def _add(
        self, profile: str, rules: list[FollowRule], tasks: Iterable[ListedTask], now: float
    ) -> bool:
        """Add what the rules follow; False when the round cap left some for the next round
        (the list window then stays where it is, so they are listed again)."""
        chosen: list[tuple[ListedTask, FollowRule]] = []
        for task in tasks:
            rule = next((r for r in rules if r.matches(task.instance_id, task.name)), None)
            if rule is not None and _wanted(task, rule):
                chosen.append((task, rule))
        if not chosen:
            return True
        known = self.store.ever_watched(task.id for task, _ in chosen)
        fresh = [(task, rule) for task, rule in chosen if task.id not in known]
        if not fresh:
            return True
        complete = len(fresh) <= ROUND_CAP
        if not complete:
            log.warning("%s: %d new tasks in one list; adding %d now, the rest next time",
                        profile, len(fresh), ROUND_CAP)  # fmt: skip
            fresh = fresh[:ROUND_CAP]
        rows: list[DiscoveredRow] = [
            (
                task.id,
                profile,
                "",  # the label is the user's; where the task came from is its origin
                f"rule:{rule.id}",
                JobStatus.SCHEDULED if task.kind == "scheduled" else "",
                json.dumps(task.to_job(), ensure_ascii=False, sort_keys=True),
            )
            for task, rule in fresh
        ]
        added = self.watch(rows, now)
        if added:
            names = [
                task.instance_name or task.instance_id for task, _ in fresh if task.id in added
            ]
            log.info("follow rules added %d task(s) for %s", len(added), profile)
            self.on_added(Discovered(profile, added, names))
        return complete


def _trouble(profile: str, page: ListPage) -> str | None:
    """What the banner says of a list that was cut at the page cap, or None."""
    if not page.cut:
        return None
    return (
        f"Following '{profile}': the list went on past {page.requests} pages; only its first "
        f"{len(page.tasks)} tasks were read (at most {ROUND_CAP} are added a round)"
    )


def _wanted(task: ListedTask, rule: FollowRule) -> bool:
    """A task created since the rule is wanted whatever its status; an older one only while it
    still runs (a rule follows what happens from now on, plus what is under way)."""
    if task.kind == "scheduled":
        meaning = meaning_of(task.status)
        return meaning.waiting if meaning is not None else task.status.lower() in ("", WAITING)
    from tui.cloud.values import parse_cloud_time

    created = parse_cloud_time(task.created)
    if created is not None and created.timestamp() >= rule.created_at - 60:
        return True
    return not is_final(task.status)
