"""Does a hanging sink hold the others back? A real ``taskwatch watch`` with ten ``[[notify]]``
sinks, two of which never answer (a local receiver holds them), and a task that fails: how long
after ``watch`` saw the failure each healthy sink had its message (budget: 1 s), and how long a
SIGTERM then takes with the hanging sends still open (budget: 5 s for the sinks).

Run: python benchmarks/sinks.py [--runs 3] [--checkout DIR]. Prints figures; asserts nothing.
``--checkout`` measures the taskwatch of another source tree (e.g. a ``git worktree`` of the
previous commit), for a side-by-side.
"""

from __future__ import annotations

import argparse
import json
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ptyrun import benchmark_env
from tests.receiver import Receiver
from tui.simulator import Simulator, SimulatorServer
from tui.simulator.demo import DEMO_PROJECT_ID
from tui.simulator.scenarios import make_job

ROOT = Path(__file__).resolve().parent.parent
HEALTHY, HANGING = 8, 2


def one_run(checkout: Path) -> tuple[float, float, int]:
    """(slowest healthy delivery after the failure line, SIGTERM to exit, healthy delivered)."""
    receiver = Receiver()
    hanging = [f"/hang{n}" for n in range(HANGING)]
    receiver.hold.update(hanging)
    paths = [*hanging, *(f"/ok{n}" for n in range(HEALTHY))]
    urls = ", ".join(f'"{receiver.url(path)}"' for path in paths)
    with tempfile.TemporaryDirectory() as home, SimulatorServer(Simulator(seed=4)) as server:
        env = benchmark_env(home)
        config = Path(home) / "config" / "taskwatch" / "config.toml"
        config.parent.mkdir(parents=True, mode=0o700)
        config.write_text(
            f"refresh_interval = 1\n[[notify]]\nurls = [{urls}]\ndigest = 0\n"
            f'[profiles.default]\nendpoint = "{server.url}"\nproject_id = "{DEMO_PROJECT_ID}"\n'
        )
        config.chmod(0o600)
        job = make_job(server.simulator, "reboot", outcome="Failed", running_for=3)
        subprocess.run(
            [sys.executable, "-m", "tui", "add", job.id], env=env, cwd=checkout, check=True,
            capture_output=True,
        )  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "tui", "watch", "--json"],
            env=env, cwd=checkout, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            seen = _failure_time(process)
            delivered = receiver.wait_for(HEALTHY, None, timeout=30)
            healthy = [p for p in delivered if p.path.startswith("/ok")]
            late = max(p.at for p in healthy) - seen if healthy else float("inf")
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
            stop = time.monotonic() - started
        finally:
            process.kill()
            receiver.close()
    return late, stop, len(healthy)


def _failure_time(process: subprocess.Popen[str]) -> float:
    assert process.stdout is not None
    end = time.monotonic() + 60
    while time.monotonic() < end:
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if ready:
            line = json.loads(process.stdout.readline() or "{}")
            if line.get("status") == "Failed":
                return float(line["time"])
    raise SystemExit("watch never saw the failure")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--checkout", type=Path, default=ROOT)
    args = parser.parse_args()
    lates, stops = [], []
    for run in range(args.runs):
        late, stop, count = one_run(args.checkout)
        lates.append(late)
        stops.append(stop)
        print(f"run {run + 1}: {count}/{HEALTHY} healthy sinks, slowest {late:.2f} s after the "
              f"failure line; SIGTERM to exit {stop:.2f} s")  # fmt: skip
    print(
        f"healthy delivery: median {statistics.median(lates):.2f} s, max {max(lates):.2f} s "
        f"(budget 1 s); SIGTERM to exit with {HANGING} hanging sends: median "
        f"{statistics.median(stops):.2f} s, max {max(stops):.2f} s (budget 5 s for the sinks)"
    )


if __name__ == "__main__":
    main()
