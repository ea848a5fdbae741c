"""The chaos suite: the real app, in a pseudo-terminal, against the simulator over 127.0.0.1,
under a storm of faults, SIGKILLs with concurrent writers, and a held database lock.

Short storms in CI; ``pytest tests/chaos --soak 600`` (or TASKWATCH_SOAK=600) lets each last ten
minutes. The hostile-text injection counted at the pty and the first-use creation race have their
own tests (tests/test_hostile_text.py, tests/test_store_trouble.py) and run in CI beside these.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ptyrun import PtyProcess, isolated_env
from tui.cloud.status import is_final
from tui.simulator import Simulator, SimulatorServer
from tui.simulator.demo import DEMO_PROJECT_ID
from tui.simulator.scenarios import add_random_jobs, make_job

ROOT = Path(__file__).resolve().parents[2]


class Storm(threading.Thread):
    """Turns the simulator's faults on and off at random (seeded) every half second: latency,
    429 storms with and without Retry-After, 5xx bursts, hangs, resets, HTML and truncated
    bodies, and calm spells."""

    def __init__(self, simulator: Simulator, seed: int) -> None:
        super().__init__(daemon=True)
        self.simulator = simulator
        self.rng = random.Random(seed)
        self.stopped = threading.Event()
        self.kinds: list[str] = []

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            faults = self.simulator.faults
            kind = self.rng.choice(
                ["calm", "latency", "throttle", "5xx", "hang", "drop", "html", "truncated"]
            )
            self.kinds.append(kind)
            faults.latency = self.rng.uniform(0.05, 0.4) if kind == "latency" else 0.0
            faults.rate_limit = self.rng.choice([2.0, 5.0]) if kind == "throttle" else None
            faults.retry_after = self.rng.choice([None, 1.0]) if kind == "throttle" else None
            faults.server_errors_next = self.rng.randint(3, 15) if kind == "5xx" else 0
            faults.server_error_status = self.rng.choice([500, 502, 503, 504])
            faults.hang_next = 1 if kind == "hang" else 0
            faults.drop_next = self.rng.randint(1, 5) if kind == "drop" else 0
            faults.malformed_next = self.rng.randint(1, 5) if kind == "html" else 0
            faults.truncated_next = self.rng.randint(1, 5) if kind == "truncated" else 0

    def calm(self) -> None:
        """Stop the storm and clear every fault."""
        self.stopped.set()
        self.join()
        faults = self.simulator.faults
        faults.latency, faults.rate_limit, faults.retry_after = 0.0, None, None
        faults.server_errors_next = faults.hang_next = faults.drop_next = 0
        faults.malformed_next = faults.truncated_next = 0


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    simulator = Simulator(seed=31)
    with SimulatorServer(simulator) as running:  # a hang lasts 30 s: past the read timeout
        yield running


def _configure(home: Path, url: str, *, interval: float = 1.0, rate: float = 50.0) -> None:
    config = home / "config" / "taskwatch" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f"refresh_interval = {interval}\nconcurrency = 8\nnot_found_grace = 30\n\n"
        f'[profiles.default]\nendpoint = "{url}"\nproject_id = "{DEMO_PROJECT_ID}"\n'
        f"rate_limit = {rate}\n"
    )


def _cli(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], input=stdin, capture_output=True, text=True,
        env=isolated_env(str(home)), cwd=str(ROOT), timeout=60,
    )  # fmt: skip


def _tui(home: Path) -> PtyProcess:
    return PtyProcess([sys.executable, "-m", "tui"], isolated_env(str(home)), cwd=str(ROOT))


def _watchlist(home: Path) -> list[dict[str, object]]:
    result = _cli(home, "list", "--json")
    assert result.returncode == 0, result.stderr
    listed: list[dict[str, object]] = json.loads(result.stdout)
    return listed


def _tracebacks(home: Path, app: PtyProcess) -> list[str]:
    found = []
    if b"Traceback" in app.output:
        found.append("terminal")
    for log in (home / "state").rglob("*.log*"):
        if "Traceback" in log.read_text("utf-8", errors="replace"):
            found.append(str(log))
    return found


def test_a_fault_storm_ends_with_every_task_final_and_no_traceback(
    home: Path, server: SimulatorServer, soak: float
) -> None:
    storm_seconds = soak or 10.0
    sim = server.simulator
    jobs = add_random_jobs(sim, 250, max_running=storm_seconds, visible_after=0.5)
    _configure(home, server.url)
    added = _cli(home, "add", "-", stdin="\n".join(j.id for j in jobs))
    assert added.returncode == 0, added.stderr
    app = _tui(home)
    storm = Storm(sim, seed=5)
    try:
        app.wait_for(b"Status", timeout=30)
        storm.start()
        app.pump(storm_seconds)
        storm.calm()
        # Backoff grows with each failure: a long soak can push a task to the 300 s cap.
        drain = 90 if not soak else 400
        deadline = time.monotonic() + drain
        unfinished = len(jobs)
        while time.monotonic() < deadline:
            app.pump(2.0)  # keep reading the terminal so the app never blocks on it
            with contextlib.closing(
                sqlite3.connect(home / "data" / "taskwatch" / "watchlist.sqlite3")
            ) as db:
                unfinished = sum(
                    1
                    for (status,) in db.execute("SELECT status FROM tasks")
                    if not is_final(status)
                )
            if unfinished == 0:
                break
        assert unfinished == 0, f"{unfinished} tasks not final {drain} s after the storm"
        assert app.process.poll() is None  # still running
    finally:
        storm.stopped.set()
        app.close()
    assert set(storm.kinds) >= {"throttle", "5xx", "html"}  # the storm was a storm
    assert sum(sim.counters.after_final.values()) == 0  # nothing asked after a final answer
    assert _tracebacks(home, app) == []
    statuses = {str(t["task_id"]): t["status"] for t in _watchlist(home)}
    assert statuses == {j.id: j.outcome for j in jobs}


def test_sigkill_rounds_with_concurrent_writers_lose_no_confirmed_id(
    home: Path, server: SimulatorServer, soak: float
) -> None:
    rounds = max(4, int(soak / 5))
    sim = server.simulator
    _configure(home, server.url)
    rng = random.Random(7)
    confirmed: set[str] = set()
    for round_number in range(rounds):
        app = _tui(home)
        try:
            app.wait_for(b"Status", timeout=30)
            writers = []
            for _ in range(3):  # three writers at once, while the TUI polls and writes
                batch = [make_job(sim, "reboot", running_for=1e5).id for _ in range(10)]
                writers.append(
                    (
                        batch,
                        subprocess.Popen(
                            [sys.executable, "-m", "tui", "add", *batch],
                            env=isolated_env(str(home)), cwd=str(ROOT),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                        ),
                    )
                )  # fmt: skip
            app.pump(rng.uniform(0.3, 1.5))
            os.killpg(app.process.pid, signal.SIGKILL)  # mid-write, mid-poll: no goodbye
            app.process.wait()
            for batch, writer in writers:
                if writer.wait(timeout=60) == 0:
                    confirmed.update(batch)
                else:
                    assert writer.stderr is not None
                    pytest.fail(f"add failed in round {round_number}: {writer.stderr.read()!r}")
        finally:
            with contextlib.suppress(OSError):
                os.close(app.master)
    listed = {str(t["task_id"]) for t in _watchlist(home)}
    assert confirmed <= listed and len(confirmed) == rounds * 30
    with contextlib.closing(
        sqlite3.connect(home / "data" / "taskwatch" / "watchlist.sqlite3")
    ) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not list((home / "data" / "taskwatch").glob("*.corrupt-*"))


def test_a_held_lock_keeps_keys_answering_and_every_task_is_polled_after(
    home: Path, server: SimulatorServer, soak: float
) -> None:
    hold = soak or 6.0
    sim = server.simulator
    jobs = [make_job(sim, "reboot", running_for=1e5) for _ in range(20)]
    _configure(home, server.url)
    assert _cli(home, "add", *[j.id for j in jobs]).returncode == 0
    app = _tui(home)
    latencies: list[float] = []
    try:
        app.wait_for(b"Status", timeout=30)
        app.pump(2.0)
        path = home / "data" / "taskwatch" / "watchlist.sqlite3"
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as locker:
            locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            locker.execute("UPDATE tasks SET label = label")
            started = time.monotonic()
            modes = ["status", "created", "changed", "added"]
            index = 0
            while time.monotonic() - started < hold:
                marker = f"sort: {modes[index % 4]}".encode()
                mark = len(app.output)
                pressed = time.perf_counter()
                app.send(b"s")
                while marker not in app.output[mark:]:
                    app.pump(0.01)
                    assert time.perf_counter() - pressed < 5, "a key went unanswered"
                latencies.append(time.perf_counter() - pressed)
                index += 1
                app.pump(0.2)
            locker.execute("ROLLBACK")
        released = time.time()
        deadline = time.monotonic() + 30
        stale = len(jobs)
        while time.monotonic() < deadline and stale:
            app.pump(1.0)
            with contextlib.closing(sqlite3.connect(path)) as db:
                stale = sum(
                    1 for (checked,) in db.execute("SELECT checked_at FROM tasks")
                    if not checked or checked < released
                )  # fmt: skip
        assert stale == 0, f"{stale} tasks not polled (and saved) after the lock was released"
    finally:
        app.close()
    assert _tracebacks(home, app) == []
    print(  # the figure for the README, not a pass/fail line (timing belongs to benchmarks)
        f"\nkey→screen while the database was locked: p95 "
        f"{statistics.quantiles(latencies, n=20)[-1] * 1000:.0f} ms over {len(latencies)} keys"
    )


def test_a_hostile_task_center_cannot_flood_the_watchlist_fill_the_disk_or_reach_the_screen(
    home: Path, server: SimulatorServer
) -> None:
    """Lists whose items are no task IDs (paths, escapes, formulas, 200,000 characters), lists
    that never end, and steps answers of 10,000 steps, against the real TUI following the
    whole project: nothing junk is stored, each round adds at most 200, the database stays
    small, no escape sequence of the cloud's reaches the terminal, and no traceback."""
    sim = server.simulator
    jobs = [make_job(sim, "upgrade", running_for=8.0) for _ in range(6)]  # upgrades have steps
    _configure(home, server.url, rate=100.0)
    assert _cli(home, "add", *(j.id for j in jobs)).returncode == 0
    assert _cli(home, "follow").returncode == 0  # the whole project
    sim.hostile = True
    app = _tui(home)
    try:
        app.wait_for(b"Status", timeout=30)
        app.pump(25.0)  # two discovery rounds, the steps of six running upgrades
        assert app.process.poll() is None
    finally:
        app.close()
    database = home / "data" / "taskwatch" / "watchlist.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as db:
        ids = [task_id for (task_id,) in db.execute("SELECT task_id FROM tasks")]
        found = db.execute("SELECT COUNT(*) FROM tasks WHERE origin LIKE 'rule:%'").fetchone()[0]
        steps = db.execute("SELECT COALESCE(SUM(LENGTH(steps_json)), 0) FROM step_observations")
        stored_steps = steps.fetchone()[0]
    assert all(len(task_id) == 36 for task_id in ids)  # no path, formula, escape or giant
    assert 0 < found <= 2 * 200  # the endless lists were cut, a round added at most 200
    assert stored_steps < 2_000_000  # 10,000-step answers are stored as what was read
    assert database.stat().st_size < 20_000_000
    assert b"\x1b]2;pwned" not in app.output and b"\x1b]52;c;QQ==" not in app.output
    assert b"\x1b[31mRed" not in app.output
    assert _tracebacks(home, app) == []
