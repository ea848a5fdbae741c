"""How long importing a large export takes (run: python benchmarks/import_export.py).

Prints figures; asserts nothing. The import is one transaction, so 100,000 tasks take seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.engine.storage import Store
from tui.engine.storage.transfer import export_watchlist, import_watchlist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    args = parser.parse_args()
    data = {
        "format": "taskwatch-watchlist/1",
        "tasks": [
            {"task_id": str(uuid.uuid4()), "profile": "prod", "label": f"CHG-{n % 97}"}
            for n in range(args.tasks)
        ],
    }
    with tempfile.TemporaryDirectory() as scratch:
        store = Store.open(Path(scratch) / "w.sqlite3")
        started = time.perf_counter()
        result = import_watchlist(store, json.loads(json.dumps(data)), default_profile="x")
        imported = time.perf_counter() - started
        started = time.perf_counter()
        exported = export_watchlist(store)
        exporting = time.perf_counter() - started
    print(f"import of {args.tasks:,} tasks: {imported:.2f} s ({len(result.added):,} added); "
          f"export: {exporting:.2f} s ({len(exported['tasks']):,} tasks)")  # fmt: skip


if __name__ == "__main__":
    main()
