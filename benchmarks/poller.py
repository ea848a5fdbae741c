"""Polling-engine benchmark: prints figures, asserts nothing (run: python benchmarks/poller.py).

1. One sweep of N running tasks against the simulator over real HTTP (in a separate process,
   so that its CPU is not counted as ours), with simulated latency, at a given concurrency;
   compared with the lower bound N x latency / concurrency.
2. Client CPU seconds per 1,000 polls, from the same sweep.
3. Requests per task per minute at the default interval, on a simulated clock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.cloud.client import TaskCenterClient, new_http_client
from tui.cloud.endpoints import Service
from tui.cloud.identity.keys import Keys
from tui.cloud.identity.live import LiveCredential
from tui.cloud.signing import AkSkAuth
from tui.engine.polling.poller import PollerConfig
from tui.engine.session import Clock, WatchSession
from tui.engine.setup.config import Profile
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.simulator import FakeClock, Simulator, SimulatorTransport
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.scenarios import make_job

SERVER = textwrap.dedent(
    """
    import json, sys
    from tui.simulator import Simulator, SimulatorServer
    from tui.simulator.scenarios import make_job
    simulator = Simulator(seed=1)
    simulator.faults.latency = float(sys.argv[2])
    ids = [make_job(simulator, "reboot", running_for=1e6).id for _ in range(int(sys.argv[1]))]
    with SimulatorServer(simulator) as server:
        print(json.dumps({"url": server.url, "ids": ids}), flush=True)
        sys.stdin.read()
    """
)


async def sweep(tasks: int, latency: float, concurrency: int) -> None:
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measurement
        [sys.executable, "-c", SERVER, str(tasks), str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        world = json.loads(server.stdout.readline())
        store = Store.open(":memory:")
        store.add_tasks(world["ids"], profile="bench")
        async with new_http_client(max_connections=concurrency) as http:
            client = TaskCenterClient(
                http,
                endpoint=world["url"],
                service=Service.TAURUSDB,
                project_id=DEMO_PROJECT_ID,
                auth=AkSkAuth(DEMO_AK, DEMO_SK),
            )
            # A rate limit of 1e6: measure the concurrency bound, not the rate limit.
            session = WatchSession(
                store,
                _runtime(http, client, rate=1e6),
                poller_config=PollerConfig(concurrency=concurrency),
            )
            cpu, wall = time.process_time(), time.perf_counter()
            sent = await session.tick()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        bound = tasks * latency / concurrency
        statuses = {r.status for r in store.list_tasks()}
        print(f"sweep: {sent} tasks, {latency * 1000:.0f} ms latency, concurrency {concurrency}")
        print(f"  wall {wall:.2f} s; bound N x latency / concurrency = {bound:.2f} s; "
              f"ratio {wall / bound:.2f}")  # fmt: skip
        print(f"  client CPU {cpu:.2f} s = {cpu / sent * 1000:.2f} CPU s per 1,000 polls "
              "(signing, HTTP, parsing, SQLite writes); "
              f"statuses seen: {sorted(statuses)}")  # fmt: skip
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)


def _runtime(http: httpx.AsyncClient, client: TaskCenterClient, *, rate: float) -> Runtime:
    """One profile, ``bench``, polling through ``client`` at most ``rate`` requests a second."""
    profile = Profile(
        name="bench",
        service=Service.TAURUSDB,
        endpoint=client.endpoint,
        project_id=DEMO_PROJECT_ID,
        credential=LiveCredential.fixed(Keys(ak=DEMO_AK, sk=DEMO_SK), "benchmark"),
        rate_limit=rate,
    )
    return Runtime(http, profiles={"bench": profile}, clients={"bench": client})


async def cadence(tasks: int, minutes: float) -> None:
    clock = FakeClock()
    simulator = Simulator(clock=clock.now, seed=2)
    ids = [make_job(simulator, "reboot", running_for=1e6).id for _ in range(tasks)]
    store = Store.open(":memory:")
    store.add_tasks(ids, profile="bench")
    async with new_http_client(transport=SimulatorTransport(simulator)) as http:
        client = TaskCenterClient(
            http,
            endpoint="http://127.0.0.1:9",
            service=Service.TAURUSDB,
            project_id=DEMO_PROJECT_ID,
            auth=AkSkAuth(DEMO_AK, DEMO_SK, clock=lambda: _utc(clock.now())),
        )
        session = WatchSession(
            store, _runtime(http, client, rate=100.0), poller_config=PollerConfig(),
            clock=Clock(wall=clock.now, monotonic=clock.now), rng=random.Random(3),
        )  # fmt: skip
        step, elapsed = 0.25, 0.0
        while elapsed < minutes * 60:
            await session.tick()
            clock.advance(step)
            elapsed += step
    per_task_minute = simulator.counters.total / tasks / minutes
    print(f"cadence: {tasks} running tasks for {minutes:g} simulated minutes at the default "
          f"interval ({PollerConfig().interval:g} s, jitter ±{PollerConfig().jitter:.0%}): "
          f"{per_task_minute:.2f} requests per task per minute")  # fmt: skip


def _utc(epoch: float):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(sweep(args.tasks, args.latency, args.concurrency))
    asyncio.run(cadence(100, 10))


if __name__ == "__main__":
    main()
