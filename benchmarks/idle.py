"""How calm is the TUI? Bytes written to the terminal and CPU used, measured on the real app in a
pseudo-terminal (run: python benchmarks/idle.py). Prints figures; asserts nothing.

Scenario "final": every task has finished (after the first fetch nothing may change on screen).
Scenario "running": 50 tasks that started five minutes ago and keep running, polled at the
default settings.

``--sink`` configures a team notification sink (a local webhook receiver, every event, no
digest): idle must stay as calm with one as without.

"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ptyrun import PtyProcess, benchmark_env, cpu_seconds
from tests.receiver import Receiver
from tui.simulator import Simulator, SimulatorServer
from tui.simulator.scenarios import make_job


def scenario(
    name: str,
    running: bool,
    tasks: int,
    warmup: float,
    window: float,
    *,
    sink: bool = False,
) -> None:
    simulator = Simulator(seed=4)
    now = simulator.clock()
    ids = [
        make_job(simulator, "reboot", created_at=now - (300 if running else 7200),
                 running_for=1e6 if running else 600).id
        for _ in range(tasks)
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as home, SimulatorServer(simulator) as server:
        env = benchmark_env(home)
        receiver = Receiver() if sink else None
        if receiver is not None:
            config = Path(home, "config", "taskwatch", "config.toml")
            config.parent.mkdir(parents=True)
            everything = '["failed", "completed", "overdue", "at_risk", "discovered", "credential"]'
            config.write_text(
                f'[[notify]]\nurls = ["{receiver.url("/idle")}"]\non = {everything}\ndigest = 0\n'
            )
        common = ["--endpoint", server.url]
        subprocess.run([sys.executable, "-m", "tui", "add", *ids, *common], env=env, check=True,
                       capture_output=True)  # fmt: skip
        app = PtyProcess([sys.executable, "-m", "tui", *common], env)
        try:
            startup = app.pump(warmup)
            cpu = cpu_seconds(app.process.pid)
            written = app.pump(window)
            used = cpu_seconds(app.process.pid) - cpu
        finally:
            app.close()
            if receiver is not None:
                receiver.close()
    served = simulator.counters.total
    how = ""
    if receiver is not None:
        how += f" (a sink: {len(receiver.posted)} messages)"
    print(f"{name}{how}: {tasks} tasks; after a {warmup:g} s warm-up ({startup:,} bytes), "
          f"{window:g} s measured: {written:,} bytes to the terminal, CPU {used:.2f} s "
          f"= {used / window * 100:.2f}% of a core; requests served {served}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--sink", action="store_true", help="with a team notification sink")
    args = parser.parse_args()
    scenario("final", False, 20, args.warmup, args.window, sink=args.sink)
    scenario("running", True, 50, args.warmup, args.window, sink=args.sink)


if __name__ == "__main__":
    main()
