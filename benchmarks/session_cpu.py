"""The engine's CPU per poll, without a terminal: a watch session over 1,000 running tasks
against the in-process simulator, on a fake clock (run: python benchmarks/session_cpu.py).
Prints figures; asserts nothing.

What it measures is the session's own work per task state it learns: the poller, the answers,
the change rule, the store's writes, the views and the events to a subscriber that keeps them,
but no HTTP server, no pseudo-terminal and no screen. The simulator runs in the same process,
so its time is measured apart (``simulator``) and taken off. Being single-threaded and on a
fake clock, the figure moves far less with a busy machine than the pty benchmarks' CPU does;
``--checkout OTHER`` runs another source tree's engine (a worktree of an older commit) in
alternation with this one, for figures side by side.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r'''
import asyncio, dataclasses, random, sys, tempfile, time
from pathlib import Path

from tests.conftest import SIM_ENDPOINT, sim_auth
from tui.cloud.client import TaskCenterClient, new_http_client
from tui.cloud.endpoints import Service
from tui.engine.polling.poller import PollerConfig
from tui.engine.session import WatchSession
from tui.engine.session.session import Clock
from tests.ui_fixtures import demo_profile
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator import FakeClock, Simulator
from tui.simulator import SimulatorTransport
from tui.simulator.scenarios import make_job

TASKS, SECONDS = int(sys.argv[1]), int(sys.argv[2])


class TimedTransport(SimulatorTransport):
    """The in-process simulator, its own time counted apart."""

    spent = 0.0

    async def handle_async_request(self, request):
        started = time.process_time()
        try:
            return await super().handle_async_request(request)
        finally:
            TimedTransport.spent += time.process_time() - started


async def main() -> None:
    clock = FakeClock()
    simulator = Simulator(clock=clock.now, seed=7)
    jobs = [make_job(simulator, "upgrade", running_for=36_000) for _ in range(TASKS)]
    with tempfile.TemporaryDirectory() as home:
        store = Store.open(Path(home) / "w.sqlite3")
        store.add_tasks([job.id for job in jobs], profile="default")
        async with new_http_client(transport=TimedTransport(simulator)) as http:
            client = TaskCenterClient(
                http, endpoint=SIM_ENDPOINT, service=Service.TAURUSDB,
                project_id=DEMO_PROJECT_ID, auth=sim_auth(clock), secrets=(DEMO_AK, DEMO_SK),
            )
            profile = dataclasses.replace(demo_profile(), rate_limit=100.0)
            runtime = Runtime(http, profiles={"default": profile}, clients={"default": client})
            session = WatchSession(
                store, runtime, clock=Clock(wall=clock.now, monotonic=clock.now),
                poller_config=PollerConfig(interval=1.0), rng=random.Random(1),
            )
            events = []
            session.subscribe(events.append)
            for _ in range(5):  # the first sweep: every task answered once
                await session.tick()
                clock.advance(1.0)
            told = lambda: sum(simulator.counters.by_job.values()) + simulator.counters.listed
            before, requests = told(), simulator.counters.total
            TimedTransport.spent = 0.0
            started = time.process_time()
            for _ in range(SECONDS):
                await session.tick()
                clock.advance(1.0)
            used = time.process_time() - started - TimedTransport.spent
            polls = told() - before
            session.stop()
        store.close()
    print(f"{used / polls * 1000:.4f} {polls} {simulator.counters.total - requests} {len(events)}")


asyncio.run(main())
'''


def run(checkout: Path, tasks: int, seconds: int) -> tuple[float, int, int]:
    """One measurement in a fresh interpreter: (ms CPU per poll, polls, requests)."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tasks), str(seconds)],
        env=env, cwd=checkout, capture_output=True, text=True, check=True,
    )  # fmt: skip
    per_poll, polls, requests, _events = done.stdout.split()
    return float(per_poll), int(polls), int(requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=30, help="fake-clock seconds measured")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--checkout", type=Path, help="another source tree, side by side")
    args = parser.parse_args()
    trees = [ROOT] + ([args.checkout] if args.checkout else [])
    figures: dict[Path, list[float]] = {tree: [] for tree in trees}
    for _ in range(args.runs):
        for tree in trees:
            per_poll, polls, requests = run(tree, args.tasks, args.seconds)
            figures[tree].append(per_poll)
            print(f"  {tree}: {per_poll:.3f} ms CPU per poll ({polls} polls, {requests} requests)")
    scenario = f"{args.tasks} running tasks, interval 1 s, 100 requests/s"
    print(f"{scenario}, {args.seconds} s on a fake clock:")
    for tree, values in figures.items():
        print(f"  {tree}: median {statistics.median(values):.3f} ms CPU per poll (budget <= 1 ms)")


if __name__ == "__main__":
    main()
