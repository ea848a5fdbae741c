"""How fast does Tab answer? The shell runs ``taskwatch`` to complete a word; this times that
process (a watchlist of 200 tasks, completing a task ID) beside a bare ``python -c pass`` run
alternately, on this machine. Budget: 150 ms. Prints figures; asserts nothing.

Run: python benchmarks/completion.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ptyrun import benchmark_env

TASKWATCH = [sys.executable, "-m", "tui"]


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = benchmark_env(home)
        ids = [str(uuid.uuid4()) for _ in range(200)]
        subprocess.run([*TASKWATCH, "add", *ids], env=env, check=True, capture_output=True)
        line = f"taskwatch wait {ids[0][:3]}"
        asking = {
            **env, "_ARGCOMPLETE": "1", "COMP_LINE": line, "COMP_POINT": str(len(line)),
            "COMP_TYPE": "9", "_ARGCOMPLETE_STDOUT_FILENAME": os.devnull,
        }  # fmt: skip
        bare, completing = [], []
        _timed(TASKWATCH, asking)  # bytecode caches warm, as on an installed system
        for _ in range(args.runs):
            bare.append(_timed([sys.executable, "-c", "pass"], env))
            completing.append(_timed(TASKWATCH, asking))
    ms = 1000 * statistics.median(completing)
    base = 1000 * statistics.median(bare)
    print(
        f"completing a task ID (200 watched): median {ms:.0f} ms, max "
        f"{1000 * max(completing):.0f} ms (budget 150 ms); bare python start {base:.0f} ms; "
        f"taskwatch's own share {ms - base:.0f} ms"
    )


if __name__ == "__main__":
    main()
