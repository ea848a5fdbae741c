"""The session's way to the cloud: the settings and clients (loaded in a thread, after the
first paint, when the front end asks for that), and the poller built over them."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.engine.polling.outcomes import PollOutcome
from tui.engine.storage import Store

if TYPE_CHECKING:
    # Settings (pydantic) and the runtime and poller (httpx) are imported when first needed,
    # so that the TUI paints its first screen before paying for them.
    from tui.engine.polling.poller import Poller, PollerConfig
    from tui.engine.setup.config import Settings
    from tui.engine.setup.runtime import Runtime

__all__ = ["Connecting", "Connector"]

log = logging.getLogger(__name__)

Connector = Callable[[list[str]], "tuple[Settings, Runtime]"]
"""Loads the settings and builds the clients for the given profiles (those of the watched
tasks): what :meth:`Connecting.start` defers. It runs in a worker thread."""


class Connecting:
    """Holds the runtime and the poller once there are any.

    Args:
        settings: The settings, if known now.
        connect: Loads settings and builds the clients when :meth:`start` is called.
        poll: False for a session that never asks the cloud (no poller is built).
        poller_config: Tunables, by default derived from the settings.
        rng: Randomness for the poller's jitter (tests seed it).
        monotonic: Monotonic time.
        wall: Wall time.
        report: Where the poller's outcomes go (the session's answers).
        seconds_left: A task's estimated seconds left (the poller aims at its end).
        attached: Told of the runtime and the poller once built (the credential keeper and
            the follow rules use them).
    """

    def __init__(
        self,
        settings: Settings | None,
        connect: Connector | None,
        *,
        poll: bool,
        poller_config: PollerConfig | None,
        rng: random.Random | None,
        monotonic: Callable[[], float],
        wall: Callable[[], float],
        report: Callable[[PollOutcome], None],
        seconds_left: Callable[[str], float | None],
        attached: Callable[[Runtime, Poller | None], None],
    ) -> None:
        self.runtime: Runtime | None = None
        self.poller: Poller | None = None
        self._settings = settings
        self._connect = connect
        self._poll = poll
        self._poller_config = poller_config
        self._rng = rng
        self._monotonic = monotonic
        self._wall = wall
        self._report = report
        self._seconds_left = seconds_left
        self._attached = attached

    @property
    def settings(self) -> Settings:
        """The settings in force (the defaults until a deferred connect has loaded them)."""
        if self._settings is None:
            from tui.engine.setup.config import Settings

            self._settings = Settings()
        return self._settings

    def service_of(self, profile: str) -> str:
        """The service ``profile``'s tasks run on (its own name before connecting)."""
        runtime = self.runtime
        if runtime is not None and profile in runtime.profiles:
            return str(runtime.profiles[profile].service)
        return profile

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

    async def start(self, profiles: list[str], project_cache: Store | None) -> bool:
        """Load the settings and build the clients if that was deferred; True if it was.

        The loading runs in a thread, so a UI stays responsive (and paints) meanwhile.

        Args:
            profiles: The profiles of the watched tasks.
            project_cache: Where looked-up project IDs are kept (the watchlist database).

        Returns:
            Whether a runtime was attached now.

        Raises:
            TaskwatchError: The configuration or a credential cannot be used.
        """
        if self._connect is None:
            return False
        connect, self._connect = self._connect, None
        self._settings, runtime = await asyncio.to_thread(_connected, connect, profiles)
        runtime.project_cache = project_cache
        await runtime.prepare()  # first temporary keys, project IDs: what cannot be set up shows
        self.attach(runtime)
        return True

    def attach(self, runtime: Runtime) -> None:
        """Use ``runtime``'s clients, and build the poller over them (unless never polling).

        Args:
            runtime: The clients per profile.
        """
        self.runtime = runtime
        for profile in runtime.profiles.values():
            log.info(
                "profile %s: %s, %s", profile.name, profile.endpoint, profile.credential.display
            )
        if self._poll:
            self.poller = self._build_poller(runtime)
        self._attached(runtime, self.poller)

    def _build_poller(self, runtime: Runtime) -> Poller:
        from tui.engine.polling.poller import Poller, PollerConfig

        settings = self.settings
        return Poller(
            runtime.clients,
            credential_keys=runtime.credential_keys,
            rate_limits=runtime.rate_limits,
            config=self._poller_config
            or PollerConfig(
                interval=settings.refresh_interval,
                concurrency=settings.concurrency,
                not_found_grace=settings.not_found_grace,
            ),
            clock=self._monotonic,
            wall_clock=self._wall,
            rng=self._rng,
            report=self._report,
            estimate=self._seconds_left,
        )


def _connected(connect: Connector, profiles: list[str]) -> tuple[Settings, Runtime]:
    """``connect`` (in a thread), then the wire models made ready for the first answers."""
    from tui.cloud.models import warm

    result = connect(profiles)
    warm()
    return result
