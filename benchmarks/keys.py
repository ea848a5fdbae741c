"""Keys while the answers pour in: the real TUI in a pseudo-terminal (120x40), against the
simulator on 127.0.0.1 (run: python benchmarks/keys.py). Prints figures; asserts nothing.

The scenario of the issue "Never sluggish at the worst moment": 1,000 freshly added tasks
(never answered), 100 of them running, ``rate_limit = 100``, ``refresh_interval = 1``; from
0.5 s after the first paint, 20 keys, down then up, 0.25 s apart. A key's latency is the time
from writing it to the terminal until the detail pane shows the task the cursor moved to (its
task ID appears in the output). Then, the first sweep over (from 20 s after the first paint),
the steady stress: the CPU per poll over a 30 s window (a poll is one task's state brought up to
date: a job-by-ID answer or a task on a list page), and the same 20 keys again.
``--app OTHER_CHECKOUT`` runs another checkout's taskwatch in alternation with this one, for
figures side by side on a noisy machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scale import _env, _prepare, _told, _world  # noqa: E402  # beside this file, after the path

from tests.ptyrun import PtyProcess, cpu_seconds  # noqa: E402
from tui.simulator import SimulatorServer  # noqa: E402

DOWN, UP = b"\x1b[B", b"\x1b[A"
KEYS = 20


STEADY_FROM = 20.0
"""Seconds after the first paint from which the first sweep is over."""
WINDOW = 30.0


def _keys(app: PtyProcess, ids: list[str]) -> list[float]:
    """Press down 10 times then up 10 times, 0.25 s apart; each key's latency in seconds."""
    latencies, row = [], 0
    for n in range(KEYS):
        down = n < KEYS // 2
        row += 1 if down else -1
        marker = ids[row][:18].encode()  # one style run: never split by escapes
        app.output.clear()
        started = app.elapsed()
        app.send(DOWN if down else UP)
        app.wait_for(marker, timeout=30)
        latencies.append(app.elapsed() - started)
        app.pump(0.25)
    return latencies


def run(app_root: Path) -> tuple[list[float], float, float, list[float]]:
    """One run of the scenario with ``app_root``'s taskwatch.

    Returns:
        The keys' latencies while the first answers arrive; the CPU seconds per poll and the
        polls per second of the steady stress; the keys' latencies in it.
    """
    simulator, jobs = _world(100, 1000)
    ids = [job.id for job in jobs]
    with tempfile.TemporaryDirectory() as home, SimulatorServer(simulator) as server:
        _prepare(home, server.url, jobs, rate=100, interval=1, now=simulator.clock(),
                 observed=False)  # fmt: skip
        app = PtyProcess([sys.executable, "-m", "tui"], _env(home), cwd=str(app_root))
        try:
            painted = app.wait_for(b"Quit", timeout=60)
            app.pump(0.5)
            first = _keys(app, ids)
            app.pump(max(0.0, painted + STEADY_FROM - app.elapsed()))
            cpu, told = cpu_seconds(app.process.pid), _told(simulator)
            app.pump(WINDOW)
            used, polls = cpu_seconds(app.process.pid) - cpu, _told(simulator) - told
            steady = _keys(app, ids)
        finally:
            app.close()
    return first, used / max(1, polls), polls / WINDOW, steady


def _figures(latencies: list[float]) -> str:
    p95 = statistics.quantiles(latencies, n=20)[-1]
    return (
        f"p95 {p95 * 1000:.0f} ms (median {statistics.median(latencies) * 1000:.0f}, "
        f"max {max(latencies) * 1000:.0f}, {len(latencies)} keys)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app", type=Path, help="another checkout, run side by side")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    apps = {"this checkout": ROOT}
    if args.app is not None:
        apps["other"] = args.app.resolve()
    first: dict[str, list[float]] = {name: [] for name in apps}
    steady: dict[str, list[float]] = {name: [] for name in apps}
    per_poll: dict[str, list[float]] = {name: [] for name in apps}
    rates: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(args.runs):
        for name, root in apps.items():  # alternating: the machine's noise falls on both
            keys, cpu, rate, later = run(root)
            first[name].extend(keys)
            steady[name].extend(later)
            per_poll[name].append(cpu)
            rates[name].append(rate)
    print("budgets: key → screen p95 <= 50 ms while the first answers of 1,000 tasks arrive "
          "and in the steady stress after; <= 1 ms CPU per poll in it")  # fmt: skip
    for name in apps:
        print(f"{name} ({apps[name]}):\n  first answers: {_figures(first[name])}\n"
              f"  steady stress: {_figures(steady[name])}; CPU per poll "
              f"{statistics.median(per_poll[name]) * 1000:.2f} ms (median of runs; "
              f"{statistics.median(rates[name]):.0f} polls/s)")  # fmt: skip


if __name__ == "__main__":
    main()
