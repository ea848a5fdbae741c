"""Memory of opening and closing dialogs and the filter (run: python benchmarks/dialogs.py).
Prints figures.

Each dialog (help ?, add a, label l) is opened and closed 300 times, and the filter is opened,
typed into and cleared 300 times, in the real app (headless, the snapshot fixture's watchlist);
resident memory is read before and after.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from pathlib import Path

os.environ.setdefault("TZ", "UTC")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ui_fixtures import frozen_app


def _rss_mb() -> float:
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def cycles(keys: tuple[str, ...], count: int) -> tuple[float, float]:
    app = frozen_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(10):  # warm up: first-use imports and caches
            await pilot.press(*keys, "escape")
        gc.collect()
        before = _rss_mb()
        for _ in range(count):
            await pilot.press(*keys)
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        gc.collect()
        return before, _rss_mb()


def main() -> None:
    scenarios = {
        "help": ("question_mark",),
        "add": ("a",),
        "label": ("l",),
        "filter": ("slash", *"upgr"),
    }
    for name, keys in scenarios.items():
        before, after = asyncio.run(cycles(keys, 300))
        print(f"{name}: 300 open/close: RSS {before:.1f} -> {after:.1f} MB "
              f"({after - before:+.1f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
