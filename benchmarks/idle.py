"""How calm is the TUI? Bytes written to the terminal and CPU used, measured on the real app in a
pseudo-terminal (run: python benchmarks/idle.py). Prints figures; asserts nothing.

Scenario "final": every task has finished (after the first fetch nothing may change on screen).
Scenario "running": 50 tasks that started five minutes ago and keep running, polled at the
default settings.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.simulator import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, Simulator, SimulatorServer
from tui.simulator.scenarios import make_job

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, all threads


def _pump(master: int, seconds: float) -> int:
    """Read everything the app writes for ``seconds``; return the byte count."""
    total = 0
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([master], [], [], remaining)
        if ready:
            try:
                total += len(os.read(master, 65536))
            except OSError:
                break
    return total


def scenario(name: str, running: bool, tasks: int, warmup: float, window: float) -> None:
    simulator = Simulator(seed=4)
    now = simulator.clock()
    ids = [
        make_job(simulator, "reboot", created_at=now - (300 if running else 7200),
                 running_for=1e6 if running else 600).id
        for _ in range(tasks)
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as home, SimulatorServer(simulator) as server:
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_STATE_HOME": f"{home}/state",
            "HUAWEICLOUD_SDK_AK": DEMO_AK,
            "HUAWEICLOUD_SDK_SK": DEMO_SK,
            "HUAWEICLOUD_SDK_PROJECT_ID": DEMO_PROJECT_ID,
            "TERM": "xterm-256color",
        }
        common = ["--endpoint", server.url]
        subprocess.run([sys.executable, "-m", "tui", "add", *ids, *common], env=env, check=True,
                       capture_output=True)  # fmt: skip
        master, slave = pty.openpty()
        os.set_blocking(master, False)
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        app = subprocess.Popen([sys.executable, "-m", "tui", *common], stdin=slave, stdout=slave,
                               stderr=slave, env=env, start_new_session=True)  # fmt: skip
        os.close(slave)
        try:
            startup = _pump(master, warmup)
            cpu = _cpu_seconds(app.pid)
            written = _pump(master, window)
            used = _cpu_seconds(app.pid) - cpu
        finally:
            app.terminate()
            app.wait(timeout=10)
            os.close(master)
    served = simulator.counters.total
    print(f"{name}: {tasks} tasks; after a {warmup:g} s warm-up ({startup:,} bytes), "
          f"{window:g} s measured: {written:,} bytes to the terminal, CPU {used:.2f} s "
          f"= {used / window * 100:.2f}% of a core; requests served {served}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    args = parser.parse_args()
    scenario("final", running=False, tasks=20, warmup=args.warmup, window=args.window)
    scenario("running", running=True, tasks=50, warmup=args.warmup, window=args.window)


if __name__ == "__main__":
    main()
