"""What an engine test drives: the simulator, an HTTP client onto it, a fake clock and a watchlist,
with the session built over them and ticked on that clock."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any

import httpx

from tests.conftest import SIM_ENDPOINT, demo_client, sim_auth
from tests.ui_fixtures import demo_profile
from tui.cloud.client import TaskCenterClient
from tui.cloud.endpoints import Service
from tui.engine.events import SessionEvent
from tui.engine.polling.poller import PollerConfig
from tui.engine.session import Clock, WatchSession
from tui.engine.setup.config import Settings
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.simulator import FakeClock, Simulator
from tui.simulator.core import ScriptedJob
from tui.simulator.demo import DEMO_SK
from tui.simulator.scenarios import make_job

__all__ = ["Rig", "run_for"]


@dataclass
class Rig:
    """A simulator on a fake clock and a store, and the sessions a test builds over them."""

    simulator: Simulator
    http: httpx.AsyncClient
    clock: FakeClock
    store: Store

    def watch(self, kind: str, count: int = 1, **job: Any) -> list[ScriptedJob]:
        """Script ``count`` jobs of ``kind`` in the simulator and watch them in the store.

        Args:
            kind: A scenario kind of :func:`make_job` ("reboot", "upgrade", …).
            count: How many jobs.
            **job: Passed to :func:`make_job` (``running_for``, ``fail_after``, …).

        Returns:
            The scripted jobs, in the order they were made.
        """
        jobs = [make_job(self.simulator, kind, **job) for _ in range(count)]
        self.store.add_tasks([j.id for j in jobs], profile="default")
        return jobs

    def client(self, sk: str = DEMO_SK, service: Service = Service.TAURUSDB) -> TaskCenterClient:
        """A Task Center client onto the simulator, signing with the demo AK and ``sk``."""
        return demo_client(self.http, SIM_ENDPOINT, sim_auth(self.clock, sk=sk), service=service)

    def session(
        self,
        client: TaskCenterClient | None = None,
        *,
        store: Store | None = None,
        sk: str = DEMO_SK,
        rate: float = 1000.0,
        settings: Settings | None = None,
        **config: float,
    ) -> tuple[WatchSession, list[SessionEvent]]:
        """A watch session over the store, polling through ``client`` on the fake clock.

        Args:
            client: The client of the "default" profile; by default :meth:`client` with ``sk``.
            store: The watchlist, if not the rig's own (another process's view of a file).
            sk: The secret key of the default client (a wrong one is refused).
            rate: The profile's request rate limit.
            settings: The session's settings, if not the defaults.
            **config: Fields of :class:`PollerConfig`.

        Returns:
            The session and the list its events are appended to.
        """
        client = client or self.client(sk)
        profile = dataclasses.replace(demo_profile(), service=client.service, rate_limit=rate)
        runtime = Runtime(self.http, profiles={"default": profile}, clients={"default": client})
        session = WatchSession(
            store or self.store,
            runtime,
            settings,
            clock=Clock(wall=self.clock.now, monotonic=self.clock.now),
            poller_config=PollerConfig(**config),  # type: ignore[arg-type]
            rng=random.Random(1),
        )
        events: list[SessionEvent] = []
        session.subscribe(events.append)
        return session, events

    async def run_for(self, session: WatchSession, seconds: float, step: float = 1.0) -> list[int]:
        """Advance the rig's clock ``step`` at a time, ticking ``session``; see :func:`run_for`."""
        return await run_for(session, self.clock, seconds, step)


async def run_for(
    session: WatchSession, clock: FakeClock, seconds: float, step: float = 1.0
) -> list[int]:
    """Advance the fake clock ``step`` at a time, ticking the engine.

    Returns:
        The requests sent at each step.
    """
    sent = []
    elapsed = 0.0
    while elapsed < seconds:
        sent.append(await session.tick())
        clock.advance(step)
        elapsed += step
    return sent
