"""First paint: taskwatch against a bare Textual app with one DataTable, side by side in a
pseudo-terminal (run: python benchmarks/startup.py). Prints figures; asserts nothing.

Both programs are started alternately, so a busy shared machine slows both alike; the figure that
counts is the ratio of the medians. First paint = from process start until the footer's "Quit" key
is on the terminal. taskwatch runs on an empty watchlist with an isolated home and an endpoint on
127.0.0.1 (nothing is polled, nothing leaves the machine). Also: `taskwatch --version` and
`taskwatch list` times, and which heavy modules `--version` loads.

Both programs run from bytecode caches, as an installed (or once-run) taskwatch does (see
`benchmark_env`): recompiling taskwatch's ~55 modules on every start was ~45 ms of the gap once.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ptyrun import PtyProcess, benchmark_env

ROOT = Path(__file__).resolve().parent.parent

BARE_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer, Static


class Bare(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Static("no tasks")
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        for name in ("Status", "Label", "Task", "Prog", "Elapsed", "Checked", "Instance"):
            table.add_column(name)


Bare().run()
"""


def _env(home: str) -> dict[str, str]:
    return benchmark_env(home)


def first_paint(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    """Seconds from start to the first frame (the footer's Quit key on the terminal)."""
    app = PtyProcess(argv, env, cwd=str(cwd))
    try:
        return app.wait_for(b"Quit")
    finally:
        app.close()


def command_time(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, cwd=str(ROOT))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--checkout", type=Path, default=ROOT, help="measure the taskwatch in this source tree"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = _env(home)
        taskwatch = [sys.executable, "-m", "tui", "--endpoint", "http://127.0.0.1:9"]
        bare = [sys.executable, "-c", BARE_APP]
        first_paint(taskwatch, env, args.checkout)  # warm the cache, create the watchlist
        first_paint(bare, env)
        ours, theirs = [], []
        for _ in range(args.runs):
            ours.append(first_paint(taskwatch, env, args.checkout))
            theirs.append(first_paint(bare, env))
        pairs = [a / b for a, b in zip(ours, theirs, strict=True)]
        print(f"first paint, median of {args.runs} alternating runs in a 120x40 pty:")
        print(f"  bare Textual app with one DataTable: {statistics.median(theirs) * 1000:.0f} ms")
        print(f"  taskwatch (empty watchlist):         {statistics.median(ours) * 1000:.0f} ms")
        print(f"  ratio of medians {statistics.median(ours) / statistics.median(theirs):.2f}; "
              f"median of pair ratios {statistics.median(pairs):.2f} "
              f"(pairs {min(pairs):.2f}..{max(pairs):.2f})")  # fmt: skip
        version = [command_time([sys.executable, "-m", "tui", "--version"], env)
                   for _ in range(args.runs)]  # fmt: skip
        listing = [command_time([sys.executable, "-m", "tui", "list"], env)
                   for _ in range(args.runs)]  # fmt: skip
        python = [command_time([sys.executable, "-c", "pass"], env) for _ in range(args.runs)]
        print(
            f"taskwatch --version {statistics.median(version) * 1000:.0f} ms, "
            f"taskwatch list {statistics.median(listing) * 1000:.0f} ms "
            f"(bare python {statistics.median(python) * 1000:.0f} ms)"
        )
        probe = (
            "import sys\nfrom tui.cli import main\ntry: main(['--version'])\n"
            "except SystemExit: pass\nprint(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'textual', 'httpx', 'pydantic', 'sqlite3', 'rich'}))"
        )
        run = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True,
            cwd=str(ROOT),
        )  # fmt: skip
        loaded = run.stdout.strip().splitlines()[-1]
        print(f"heavy modules loaded by --version: {loaded}")


if __name__ == "__main__":
    main()
