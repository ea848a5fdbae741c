"""Report and export over a big watchlist: time and peak RSS of each format (run: python
benchmarks/reports.py [--tasks 100000]). Prints figures; asserts nothing.

The database is written directly (one transaction, realistic job snapshots and one history row
a task) in a temporary data folder; each command runs in its own process, which prints its own
peak RSS (``ru_maxrss``) when it ends.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

MEASURE = """
import resource, sys
from tui.cli import main
code = main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
raise SystemExit(code)
"""


def _job(task_id: str, n: int, now: float) -> str:
    created = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(now - 3600 - n % 3000))
    ended = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(now - 600 - n % 3000))
    failed = n % 7 == 0
    return json.dumps(
        {
            "id": task_id,
            "name": "ResizeGaussDBforMySQLFlavor",
            "status": "Failed" if failed else "Completed",
            "created": created,
            "ended": ended,
            "process": "100%",
            "instance": {"id": f"{n:032x}in07", "name": f"taurus-{n % 500}"},
            "entities": {"instance": {"endpoint": "192.168.0.1:3306", "type": "Cluster"}},
            "fail_reason": "The disk is full on the primary node." if failed else "",
        },
        sort_keys=True,
    )


def _fill(data_home: Path, tasks: int) -> None:
    os.environ["XDG_DATA_HOME"] = str(data_home)
    from tui.engine.setup.paths import database_file
    from tui.engine.storage import Store

    store = Store.open(database_file())
    now = time.time()
    rows, history = [], []
    for n in range(tasks):
        task_id = str(uuid.UUID(int=n + 1))
        snapshot = _job(task_id, n, now)
        status = "Failed" if n % 7 == 0 else "Completed"
        rows.append((task_id, "default", f"CHG-{n % 100}", now - 4000, n + 1, status, 100,
                     snapshot, now - 500, now - 600))  # fmt: skip
        history.append((task_id, now - 600, status, 100, snapshot))
    with store._write() as db:
        db.executemany(
            "INSERT INTO tasks (task_id, profile, label, added_at, position, status, progress, "
            "job_json, checked_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany(
            "INSERT INTO observations (task_id, observed_at, status, progress, job_json) "
            "VALUES (?, ?, ?, ?, ?)",
            history,
        )
    store.close()


def _run(home: Path, *args: str) -> tuple[float, float]:
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "c"),
           "XDG_STATE_HOME": str(home / "s")}  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], env=env, capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - started
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        started = time.perf_counter()
        _fill(home / "data", args.tasks)
        print(f"{args.tasks:,} tasks written in {time.perf_counter() - started:.1f} s")
        for fmt in ("md", "csv", "json", "html"):
            seconds, rss = _run(home, "report", "--since", "1d", "--format", fmt,
                                "--output", str(home / f"report.{fmt}"))  # fmt: skip
            print(f"report --format {fmt:<4}: {seconds:5.1f} s, peak RSS {rss:4.0f} MB")
        seconds, rss = _run(home, "export", str(home / "export.json"))
        print(f"export              : {seconds:5.1f} s, peak RSS {rss:4.0f} MB")


if __name__ == "__main__":
    main()
