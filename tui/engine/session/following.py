"""Following: the follow rules of a session, and discovery running them next to the poller."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from tui.engine.events import FollowingChanged, SessionEvent, TasksDiscovered, WatchlistChanged
from tui.engine.records import FollowRule
from tui.engine.storage import Store

if TYPE_CHECKING:
    from tui.engine.polling.discovery import Discovered, DiscoveredRow, Discovery
    from tui.engine.polling.poller import Poller
    from tui.engine.setup.runtime import Runtime

__all__ = ["Following"]


class Following:
    """Follow rules and discovery for one session.

    Args:
        store: The watchlist database (None: nothing is followed).
        emit: Tells the session's subscribers.
        watch: Adds the tasks discovery found to the watchlist; returns the IDs added.
        wall: Wall time.
    """

    def __init__(
        self,
        store: Store | None,
        emit: Callable[[SessionEvent], None],
        watch: Callable[[list[DiscoveredRow], float], list[str]],
        wall: Callable[[], float],
    ) -> None:
        self._store = store
        self._emit = emit
        self._watch = watch
        self._wall = wall
        self.discovery: Discovery | None = None
        self.problems: dict[str, str] = {}
        """Profiles whose following is paused or failing, with the sentence to show."""
        self._rules_seen: list[FollowRule] | None = None

    def attach(
        self, runtime: Runtime, poller: Poller, interval: float, monotonic: Callable[[], float]
    ) -> None:
        """Run discovery for the rules, through ``poller``'s gate.

        Args:
            runtime: The clients per profile.
            poller: Whose gate and buckets the lists go through.
            interval: Seconds between lists of a profile.
            monotonic: Monotonic time.
        """
        if self._store is None:
            return
        from tui.engine.polling.discovery import Discovery

        self.discovery = Discovery(
            store=self._store,
            runtime=runtime,
            poller=poller,
            interval=interval,
            wall=self._wall,
            monotonic=monotonic,
            on_added=self._discovered,
            on_problem=self._problem,
            watch=self._watch,
        )
        self.discovery.rules()

    def rules(self) -> list[FollowRule]:
        """Every follow rule (none without a store).

        Returns:
            The rules, oldest first.
        """
        if self.discovery is not None:
            return self.discovery.rules()
        return self._store.rules() if self._store is not None else []

    @property
    def followed(self) -> list[FollowRule]:
        """The follow rules as last read (for the summary bar: no query per redraw)."""
        if self.discovery is not None:
            return self.discovery.known_rules
        if self._rules_seen is None:
            self._rules_seen = self._store.rules() if self._store is not None else []
        return self._rules_seen

    def follow(self, profile: str, instance_ids: Iterable[str], names: Iterable[str]) -> int:
        """Add a follow rule and list for it now.

        Args:
            profile: The profile whose project is listed.
            instance_ids: Instances (none: all).
            names: Job names (none: all).

        Returns:
            The rule's number (0 without a store).
        """
        if self._store is None:
            return 0
        rule = self._store.add_rule(profile, instance_ids, names, now=self._wall())
        if self.discovery is not None:
            self.discovery.rules()
            self.discovery.resume(profile)
            self.discovery.poke()
        self._emit(FollowingChanged(profile, self.problems.get(profile)))
        return rule

    def unfollow(self, rule_ids: Iterable[int] | None) -> list[int]:
        """Remove follow rules (None: all); the tasks they added stay.

        Args:
            rule_ids: Rule numbers, or None for every rule.

        Returns:
            The numbers removed.
        """
        removed = self._store.remove_rules(rule_ids) if self._store is not None else []
        if self.discovery is not None:
            self.discovery.rules()
        self._emit(FollowingChanged("", None))
        return removed

    def stop(self) -> None:
        """Stop listing."""
        if self.discovery is not None:
            self.discovery.stop()

    def _discovered(self, found: Discovered) -> None:
        self._emit(WatchlistChanged())
        self._emit(TasksDiscovered(found.profile, tuple(found.added), found.message))

    def _problem(self, profile: str, problem: str | None) -> None:
        if problem is None:
            self.problems.pop(profile, None)
        else:
            self.problems[profile] = problem
        self._emit(FollowingChanged(profile, problem))
