"""The session's health: whether requests are going, and why some tasks are not polled or
followed (a refused credential, a profile that could not be set up, a refused list)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.engine.events import EndpointChanged, EndpointState, SessionEvent, SinkChanged

if TYPE_CHECKING:
    from tui.engine.session.lease import PollingLease
    from tui.engine.setup.runtime import Runtime

__all__ = ["Connection", "Health"]


@dataclass(frozen=True)
class Connection:
    """How the session's requests are going, worst first: ``shared`` (another process polls
    this watchlist), ``paused``, ``refused`` (a
    credential), ``unconfigured`` (a profile), ``offline``, ``throttled``, ``ok`` or
    ``connecting`` (nothing answered yet); ``since`` is the wall time an outage began."""

    state: str
    since: float | None = None


_RANK = {EndpointState.OFFLINE: 0, EndpointState.THROTTLED: 1}


class Health:
    """Reads the session's state to say how it is doing; keeps only what the team sinks say
    of themselves (:meth:`sink_changed`).

    Args:
        refused: Profiles whose credential was refused, with the sentence to show.
        follow_problems: Profiles whose following is paused, with the sentence to show.
        endpoints: How each endpoint is doing, as last heard.
        paused: Whether the user paused refreshing.
        runtime: The clients and the profiles that could not be set up (None before connecting).
        lease: Whether this process polls, or another one does.
        emit: Tells the session's subscribers (a sink stopped or started delivering).
    """

    def __init__(
        self,
        refused: dict[str, str],
        follow_problems: dict[str, str],
        endpoints: dict[str, EndpointChanged],
        paused: Callable[[], bool],
        runtime: Callable[[], Runtime | None],
        lease: PollingLease | None = None,
        emit: Callable[[SessionEvent], None] | None = None,
    ) -> None:
        self._lease = lease
        self._emit = emit
        self._sink_problems: dict[str, str] = {}
        """Team notification sinks that do not take messages, with the sentence."""
        self._refused = refused
        self._follow_problems = follow_problems
        self._endpoints = endpoints
        self._paused = paused
        self._runtime = runtime

    def sink_changed(self, sink: str, problem: str | None) -> None:
        """A team notification sink stopped taking messages, or works again: shown with the
        other problems (the banner) and told to subscribers.

        Args:
            sink: The sink's redacted name.
            problem: Why it does not take messages, or None when it works again.
        """
        if problem is None:
            self._sink_problems.pop(sink, None)
        else:
            self._sink_problems[sink] = f"Team notifications to {sink} are not delivered: {problem}"
        if self._emit is not None:
            self._emit(SinkChanged(sink, problem))

    @property
    def unusable(self) -> dict[str, str]:
        """Profiles that could not be set up (configuration), with the sentence to show."""
        runtime = self._runtime()
        problems = runtime.problems if runtime else {}
        return {name: f"Profile '{name}' is not polled: {why}" for name, why in problems.items()}

    def problem_for(self, profile: str) -> str | None:
        """Why ``profile``'s tasks are not polled (a refused credential, a bad profile), if so.

        Args:
            profile: A profile name.

        Returns:
            One sentence, or None when its tasks are polled.
        """
        return self._refused.get(profile) or self.unusable.get(profile)

    @property
    def problems(self) -> list[str]:
        """Every reason some tasks are not polled or followed, or the team not told, one
        sentence each (a banner)."""
        runtime = self._runtime()
        return [
            *self._refused.values(),
            *self.unusable.values(),
            *(runtime.notices if runtime else ()),
            *self._follow_problems.values(),
            *self._sink_problems.values(),
        ]

    def connection(self) -> Connection:
        """The worst thing about the session's requests right now.

        Returns:
            The state, and since when for an outage.
        """
        if self._lease is not None and not self._lease.holds and self._lease.holder is not None:
            return Connection("shared")
        if self._paused():
            return Connection("paused")
        if self._refused:
            return Connection("refused")
        if self.unusable:
            return Connection("unconfigured")
        endpoints = self._endpoints
        trouble = [e for e in endpoints.values() if e.state != EndpointState.OK]
        if not trouble:
            return Connection("ok" if endpoints else "connecting")
        worst = min(trouble, key=lambda e: _RANK.get(e.state, 2))
        return Connection(worst.state.value, worst.since)
