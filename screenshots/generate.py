"""Regenerate screenshots/*.svg from the snapshot tests' fixtures: python screenshots/generate.py"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["TZ"] = "UTC"
time.tzset()

from tests.test_snapshots import SIZES, VIEWS  # noqa: E402
from tests.ui_fixtures import frozen_app  # noqa: E402


async def shoot(view: str, size: tuple[int, int]) -> Path:
    app = frozen_app()
    target = ROOT / "screenshots" / f"{view}-{size[0]}x{size[1]}.svg"
    async with app.run_test(size=size) as pilot:
        await VIEWS[view](pilot)
        await pilot.pause()
        app.save_screenshot(filename=target.name, path=str(target.parent))
    return target


async def main() -> None:
    for view in VIEWS:
        for size in SIZES:
            print(await shoot(view, size))


if __name__ == "__main__":
    asyncio.run(main())
