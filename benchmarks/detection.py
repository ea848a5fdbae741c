"""Know first: from the moment a task ends in the cloud to the moment the screen shows it (and the
OSC 9 desktop notification is written), and what that costs in requests (run:
python benchmarks/detection.py). Prints figures; asserts nothing.

The real TUI runs in a 120x40 pseudo-terminal at its default settings against the simulator on
127.0.0.1. Twenty tasks are running when it starts (labels T01..T20); each ends at its own moment
from 20 to 80 s after it, 15 Completed and 5 Failed. In the world of the issue "Never sluggish at
the worst moment" (``--world unchanged``, the default) every answer is the same until the task
ends (progress 40 %, no steps): nothing says which will end first. In ``--world estimates`` half
of them have steps (the cloud's step estimate gives them an ETA) and the others' progress moves.
What the terminal shows is read with a VT emulator (pyte): a
task is "on screen" when its row's status reads Completed or Failed; "notified" when an OSC 9
sequence naming it has been written. Latency is measured from the wall-clock moment the
simulator's answer changed.

Two worlds: lists allowed (roll calls refresh the running tasks), and lists refused (a
credential without the IAM list action: one request per task). ``--app PATH`` runs the
taskwatch of another checkout (e.g. a worktree of an older commit) for a side-by-side
comparison; ``--interval`` sets ``refresh_interval`` (compare at equal request counts).

Requests per task-minute, as the issue counts them: every request of the run (from the app's
start until the last row turned final) ÷ the 20 tasks ÷ the run's minutes.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import select
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyte

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ptyrun import PtyProcess, benchmark_env
from tui.simulator import Simulator, SimulatorServer
from tui.simulator.core import ScriptedJob
from tui.simulator.demo import DEMO_PROJECT_ID
from tui.simulator.scenarios import make_job

ROOT = Path(__file__).resolve().parent.parent
TASKS = 20
FAILED = 5
LEAD = 20.0
"""Seconds from the app's start to the first end: the first answers are in by then."""
SPREAD = 60.0
OSC9 = re.compile(rb"\x1b\]9;([^\x07\x1b]*)(?:\x07|\x1b\\)")


BUDGETS = {True: (1.5, 12.5), False: (3.0, 12.5)}
"""Lists allowed or not → (p95 seconds from the end to the row, requests per task-minute)."""


def _world(
    seed: int, lists: bool, estimates: bool
) -> tuple[Simulator, list[ScriptedJob], dict[str, str]]:
    simulator = Simulator(seed=seed)
    if not lists:
        simulator.denied.add("list")
    rng = random.Random(seed)
    now = simulator.clock()
    jobs, labels = [], {}
    for n in range(TASKS):
        ends = now + LEAD + rng.uniform(0, SPREAD)
        # resize has steps: the cloud's ETA is known; bind_eip has none.
        kind = "resize" if n % 2 and estimates else "bind_eip"
        job = make_job(
            simulator,
            kind,
            created_at=now - 120,
            running_for=ends - (now - 120),
            outcome="Failed" if n < FAILED else "Completed",
            fail_reason="disk full" if n < FAILED else "",
        )
        if not estimates:
            job.stuck_at = 40
        jobs.append(job)
        labels[job.id] = f"T{n + 1:02d}"
    return simulator, jobs, labels


def _prepare(home: str, url: str, labels: dict[str, str], interval: float | None) -> None:
    config = Path(home) / "config" / "taskwatch" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    extra = f"refresh_interval = {interval}\n" if interval else ""
    config.write_text(
        f'{extra}[profiles.default]\nendpoint = "{url}"\nproject_id = "{DEMO_PROJECT_ID}"\n'
    )
    from tui.engine.storage import Store

    store = Store.open(Path(home) / "data" / "taskwatch" / "watchlist.sqlite3")
    for task_id, label in labels.items():
        store.add_tasks([task_id], profile="default", label=label)
    store.close()


def _watch(app: PtyProcess, labels: dict[str, str], until: float) -> tuple[dict[str, float], ...]:
    """Read the terminal until ``until`` (wall): when each label's row turned final, and when
    its OSC 9 came."""
    screen = pyte.Screen(120, 40)
    stream = pyte.ByteStream(screen)
    on_screen: dict[str, float] = {}
    notified: dict[str, float] = {}
    wanted = set(labels.values())
    while time.time() < until and (len(on_screen) < len(wanted) or len(notified) < len(wanted)):
        ready, _, _ = select.select([app.master], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(app.master, 65536)
        except OSError:
            break
        moment = time.time()
        for text in OSC9.findall(chunk):
            for label in wanted - notified.keys():
                if label.encode() in text:
                    notified[label] = moment
        stream.feed(chunk)
        for line in screen.display:
            for label in wanted - on_screen.keys():
                if f" {label} " in line and ("Completed" in line or "Failed" in line):
                    on_screen[label] = moment
    return on_screen, notified


def _figures(name: str, seen: dict[str, float], ends: dict[str, float]) -> str:
    late = sorted(seen[label] - ends[label] for label in ends if label in seen)
    if not late:
        return f"{name}: none seen"
    p95 = statistics.quantiles(late, n=20, method="inclusive")[-1] if len(late) > 1 else late[0]
    missing = len(ends) - len(late)
    return f"{name} p50 {statistics.median(late):.2f} s, p95 {p95:.2f} s, max {late[-1]:.2f} s" + (
        f" ({missing} never seen)" if missing else ""
    )


def measure(
    lists: bool, app_root: Path, interval: float | None, seed: int, estimates: bool
) -> None:
    simulator, jobs, labels = _world(seed, lists, estimates)
    ends = {labels[job.id]: job.ends_at for job in jobs}
    with tempfile.TemporaryDirectory() as home, SimulatorServer(simulator) as server:
        _prepare(home, server.url, labels, interval)
        env = benchmark_env(home, PYTHONPATH=str(app_root))
        started = time.time()
        app = PtyProcess([sys.executable, "-m", "tui"], env, cwd=str(app_root))
        try:
            app.wait_for(b"Quit", timeout=60)
            start = min(ends.values())
            app.pump(max(0.0, start - time.time()))  # first answers; nothing ended yet
            served = simulator.counters.total
            on_screen, notified = _watch(app, labels, max(ends.values()) + 30)
            requests = simulator.counters.total - served
            every_request = simulator.counters.total
        finally:
            app.close()
    task_minutes = sum(end - start for end in ends.values()) / 60
    run_minutes = (max(on_screen.values(), default=time.time()) - started) / 60
    per_task_minute = every_request / TASKS / run_minutes
    world = "lists allowed" if lists else "lists refused"
    late = sorted(on_screen[label] - ends[label] for label in ends if label in on_screen)
    p95 = statistics.quantiles(late, n=20, method="inclusive")[-1] if len(late) > 1 else None
    seconds, rate = BUDGETS[lists]
    print(
        f"{world}: row p95 {p95 or 0:.2f} s (budget <= {seconds:g} s), worst three "
        f"{', '.join(f'{x:.2f}' for x in late[-3:])} s; {per_task_minute:.1f} requests per "
        f"task-minute (budget <= {rate:g}: {every_request} requests / {TASKS} tasks / "
        f"{run_minutes:.2f} min)"
    )
    stepped = {labels[job.id]: ends[labels[job.id]] for job in jobs if job.steps}
    plain = {label: end for label, end in ends.items() if label not in stepped}
    print(
        f"{world}: {_figures('row', on_screen, ends)}; {_figures('OSC 9', notified, ends)}; "
        f"{requests} requests after the first end = {requests / task_minutes:.1f} per minute a "
        "task ran after it\n"
        f"  {_figures('row, tasks with the cloud ETA', on_screen, stepped)}; "
        f"{_figures('row, the others', on_screen, plain)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=ROOT, help="checkout whose taskwatch runs")
    parser.add_argument("--interval", type=float, default=None, help="refresh_interval")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", choices=["allowed", "refused"], default=None)
    parser.add_argument("--world", choices=["unchanged", "estimates"], default="unchanged")
    args = parser.parse_args()
    for lists in (True, False):
        if args.only is None or args.only == ("allowed" if lists else "refused"):
            measure(lists, args.app.resolve(), args.interval, args.seed, args.world == "estimates")


if __name__ == "__main__":
    main()
