"""A month of tasks: the real TUI in a pseudo-terminal with 1,000 watched tasks, against the
simulator on 127.0.0.1 (run: python benchmarks/scale.py). Prints figures beside the budgets of
the issue "Calm at 1,000 tasks"; asserts nothing.

Scenarios:
- steady: 1,000 watched, 100 running, default rate (5 requests/s to the endpoint)
- stress: 1,000 watched, all running, 100 requests/s allowed (interval 1 s); key→screen latency
  is the time from pressing `s` to the summary showing the new sort mode (60 presses, 0.25 s
  apart)

A poll is one task's state brought up to date: a job-by-ID answer, or a task on a roll call's
list page (one request refreshes up to 50). Requests are printed beside.
- final: 1,000 watched, every one finished
- first paint: 1,000 watched against an empty watchlist, side by side
- sweep: 1,000 freshly added (never answered), 100 running, 100 requests/s allowed, interval
  1 s: bytes to the terminal over the first 15 s after the first paint (no key pressed), then
  in a second run key→screen latency over the same 15 s
- by-id: 100 running, interval 1 s, 100 requests/s allowed, the list operations refused (a user
  without the IAM list permission: every task is asked about by ID); CPU per request
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ptyrun import PtyProcess, benchmark_env, cpu_seconds, rss_mb
from tui.cloud.models import parse_job_dict
from tui.engine.storage import Store
from tui.simulator import Simulator, SimulatorServer
from tui.simulator.core import ScriptedJob
from tui.simulator.demo import DEMO_PROJECT_ID
from tui.simulator.scenarios import make_job

SORTS = ["status", "created", "changed", "added"]


def _env(home: str) -> dict[str, str]:
    return benchmark_env(home)


def _world(running: int, total: int) -> tuple[Simulator, list[ScriptedJob]]:
    simulator = Simulator(seed=6)
    now = simulator.clock()
    jobs = [
        make_job(simulator, "reboot", created_at=now - 600, running_for=1e6)
        if n < running
        else make_job(simulator, "reboot", created_at=now - 86400 + n, running_for=300)
        for n in range(total)
    ]
    return simulator, jobs


def _prepare(
    home: str, url: str, jobs: list[ScriptedJob], *, rate: float, interval: float, now: float,
    observed: bool = True,
) -> None:  # fmt: skip
    """Config, and a watchlist of ``jobs`` already observed once (a month of tasks, watched
    before this session: the measurement shows the steady state, not the first sweep) unless
    not ``observed``."""
    config = Path(home) / "config" / "taskwatch" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f"refresh_interval = {interval}\nconcurrency = 16\n\n[profiles.default]\n"
        f'endpoint = "{url}"\nproject_id = "{DEMO_PROJECT_ID}"\nrate_limit = {rate}\n'
    )
    if not jobs:
        return
    subprocess.run([sys.executable, "-m", "tui", "add", *(j.id for j in jobs)], env=_env(home),
                   check=True, capture_output=True)  # fmt: skip
    if not observed:
        return
    store = Store.open(Path(home) / "data" / "taskwatch" / "watchlist.sqlite3")
    for job in jobs:
        store.record_success(job.id, parse_job_dict(job.snapshot(now)), now=now)
    store.close()


def _told(simulator: Simulator) -> int:
    """Task states the app was told: job-by-ID answers, and tasks on list pages (a roll call
    refreshes up to 50 tasks with one request). Steps requests are not polls."""
    return sum(simulator.counters.by_job.values()) + simulator.counters.listed


PROFILE: Path | None = None
"""``--profile FILE``: the app runs under cProfile, its statistics written there at the end
(the time profiling adds makes the CPU figures of that run meaningless)."""


def _taskwatch() -> list[str]:
    if PROFILE is None:
        return [sys.executable, "-m", "tui"]
    return [sys.executable, "-m", "cProfile", "-o", str(PROFILE), "-m", "tui"]


def measure(name: str, running: int, *, rate: float, interval: float, window: float,
            warmup: float, keys: int = 0) -> None:  # fmt: skip
    simulator, jobs = _world(running, 1000)
    with tempfile.TemporaryDirectory() as home, SimulatorServer(simulator) as server:
        _prepare(home, server.url, jobs, rate=rate, interval=interval, now=simulator.clock())
        app = PtyProcess(_taskwatch(), _env(home), cwd=str(Path.cwd()))
        try:
            app.wait_for(b"Quit", timeout=60)
            app.pump(warmup)
            cpu, served, told = (
                cpu_seconds(app.process.pid),
                simulator.counters.total,
                _told(simulator),
            )
            written = app.pump(window)
            used = cpu_seconds(app.process.pid) - cpu
            requests = simulator.counters.total - served
            polls = _told(simulator) - told
            latencies = []
            for n in range(keys):
                app.output.clear()
                started = app.elapsed()
                app.send(b"s")
                app.wait_for(f"sort: {SORTS[n % 4]}".encode(), timeout=30)
                latencies.append(app.elapsed() - started)
                app.pump(0.25)  # keys a person presses, not a burst
            rss = rss_mb(app.process.pid)
        finally:
            app.close()
    per_poll = f"; {used / polls * 1000:.2f} ms CPU per poll" if polls else ""
    line = (
        f"{name}: {polls} polls ({requests} requests) in {window:g} s; "
        f"CPU {used / window * 100:.1f}% of a core"
        f"{per_poll}; {written / window / 1024:.2f} KB/s to the terminal; RSS {rss:.0f} MB"
    )
    if latencies:
        p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
        median = statistics.median(latencies)
        line += (
            f"; key→screen p95 {p95 * 1000:.0f} ms (median {median * 1000:.0f},"
            f" max {max(latencies) * 1000:.0f}, {len(latencies)} keys)"
        )
    print(line, flush=True)


def _press_sort_keys(app: PtyProcess, seconds: float) -> list[float]:
    """Press ``s`` every 0.25 s for ``seconds``; the time each took to show on screen."""
    latencies = []
    deadline = app.elapsed() + seconds
    n = 0
    while app.elapsed() < deadline:
        app.output.clear()
        started = app.elapsed()
        app.send(b"s")
        app.wait_for(f"sort: {SORTS[n % 4]}".encode(), timeout=30)
        latencies.append(app.elapsed() - started)
        n += 1
        app.pump(0.25)
    return latencies


def sweep(window: float) -> None:
    """The first sweep of 1,000 freshly added tasks: bytes, then (another run) keys."""
    figures: list[str] = []
    for keys in (False, True):
        simulator, jobs = _world(100, 1000)
        with tempfile.TemporaryDirectory() as home, SimulatorServer(simulator) as server:
            _prepare(home, server.url, jobs, rate=100, interval=1, now=simulator.clock(),
                     observed=False)  # fmt: skip
            app = PtyProcess(_taskwatch(), _env(home), cwd=str(Path.cwd()))
            try:
                app.wait_for(b"Quit", timeout=60)
                cpu = cpu_seconds(app.process.pid)
                if keys:
                    latencies = _press_sort_keys(app, window)
                    p95 = statistics.quantiles(latencies, n=20)[-1]
                    figures.append(
                        f"key→screen p95 {p95 * 1000:.0f} ms (median "
                        f"{statistics.median(latencies) * 1000:.0f}, max "
                        f"{max(latencies) * 1000:.0f}, {len(latencies)} keys)"
                    )
                else:
                    written = app.pump(window)
                    used = cpu_seconds(app.process.pid) - cpu
                    figures.append(
                        f"{written / window / 1024:.1f} KB/s to the terminal, CPU "
                        f"{used / window * 100:.0f}% of a core, {simulator.counters.total} "
                        "requests"
                    )
            finally:
                app.close()
    print(f"sweep (1,000 new, 100 running, 100 requests/s, first {window:g} s after the first "
          f"paint): {'; '.join(figures)}", flush=True)  # fmt: skip


def by_id(window: float, warmup: float) -> None:
    """Lists refused: every poll is a request by ID. CPU per request."""
    simulator, jobs = _world(100, 100)
    simulator.denied.add("list")
    with tempfile.TemporaryDirectory() as home, SimulatorServer(simulator) as server:
        _prepare(home, server.url, jobs, rate=100, interval=1, now=simulator.clock())
        app = PtyProcess(_taskwatch(), _env(home), cwd=str(Path.cwd()))
        try:
            app.wait_for(b"Quit", timeout=60)
            app.pump(warmup)
            cpu, served = cpu_seconds(app.process.pid), simulator.counters.total
            written = app.pump(window)
            used = cpu_seconds(app.process.pid) - cpu
            requests = simulator.counters.total - served
        finally:
            app.close()
    print(f"by-id (lists refused, 100 running, interval 1 s, 100 requests/s): {requests} "
          f"requests in {window:g} s = {requests / window:.0f}/s; CPU {used / window * 100:.0f}% "
          f"of a core = {used / max(1, requests) * 1000:.2f} ms per request; "
          f"{written / window / 1024:.1f} KB/s to the terminal", flush=True)  # fmt: skip


def first_paint(runs: int) -> None:
    simulator, jobs = _world(0, 1000)
    times: dict[str, list[float]] = {"empty": [], "1,000": []}
    with (
        tempfile.TemporaryDirectory() as full,
        tempfile.TemporaryDirectory() as empty,
        SimulatorServer(simulator) as server,
    ):
        _prepare(full, server.url, jobs, rate=5, interval=5, now=simulator.clock())
        _prepare(empty, server.url, [], rate=5, interval=5, now=simulator.clock())
        for _ in range(runs):
            for label, home in (("empty", empty), ("1,000", full)):
                app = PtyProcess([sys.executable, "-m", "tui"], _env(home), cwd=str(Path.cwd()))
                try:
                    times[label].append(app.wait_for(b"Quit", timeout=60))
                finally:
                    app.close()
    a, b = statistics.median(times["empty"]), statistics.median(times["1,000"])
    print(f"first paint: empty {a * 1000:.0f} ms, 1,000 watched {b * 1000:.0f} ms, "
          f"ratio {b / a:.2f} (median of {runs})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument(
        "--only", nargs="+", choices=["steady", "stress", "final", "paint", "sweep", "by-id"],
        default=["steady", "stress", "final", "paint", "sweep", "by-id"],
        help="the scenarios to run",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=9, help="first paint: alternating pairs")
    parser.add_argument("--profile", type=Path, help="run the app under cProfile, stats here")
    args = parser.parse_args()
    global PROFILE  # a switch of this script, set once
    PROFILE = args.profile
    print(
        "budgets: steady <5% CPU, <2 KB/s, RSS <=100 MB; stress <=1 ms CPU per poll, "
        "<10 KB/s, key p95 <=50 ms; first paint <=1.3x empty; final 0 bytes, <0.5% CPU; "
        "sweep <20 KB/s over the first 15 s, key p95 <=50 ms; by-id <=2 ms CPU per request"
    )
    if "steady" in args.only:
        measure("steady (1,000 watched, 100 running, 5 req/s)", 100, rate=5, interval=5,
                window=args.window, warmup=args.warmup)  # fmt: skip
    if "stress" in args.only:
        measure("stress (1,000 running, 100 requests/s allowed)", 1000, rate=100, interval=1,
                window=args.window, warmup=args.warmup, keys=60)  # fmt: skip
    if "final" in args.only:
        measure("final (1,000 finished)", 0, rate=5, interval=5, window=args.window,
                warmup=args.warmup)  # fmt: skip
    if "paint" in args.only:
        first_paint(args.runs)
    if "sweep" in args.only:
        sweep(15.0)
    if "by-id" in args.only:
        by_id(args.window, args.warmup)


if __name__ == "__main__":
    main()
