"""Regenerate screenshots/*.svg from the snapshot tests' fixtures: python screenshots/generate.py"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["TZ"] = "UTC"
time.tzset()

from tests.report_fixtures import NOW, at, window_store  # noqa: E402
from tests.test_snapshots import SIZES, VIEWS  # noqa: E402
from tests.ui_fixtures import frozen_app  # noqa: E402
from tui.engine.report import build_report  # noqa: E402
from tui.present.report_html import as_html  # noqa: E402


async def shoot(view: str, size: tuple[int, int]) -> Path:
    app = frozen_app()
    target = ROOT / "screenshots" / f"{view}-{size[0]}x{size[1]}.svg"
    async with app.run_test(size=size) as pilot:
        await VIEWS[view](pilot)
        await pilot.pause()
        app.save_screenshot(filename=target.name, path=str(target.parent))
    return target


def report_example() -> Path:
    """The HTML report of the test window, and a PNG of it from headless Chromium if present."""
    with tempfile.TemporaryDirectory() as scratch:
        store = window_store(Path(scratch) / "w.sqlite3")
        report = build_report(store, start=at(-60), end=NOW, now=NOW)
        store.close()
    page = ROOT / "screenshots" / "report-example.html"
    page.write_text(as_html(report, utc=True), "utf-8")
    chromium = shutil.which("chromium")
    if chromium:
        png = page.with_suffix(".png")
        subprocess.run(  # noqa: S603 - the machine's own chromium, fixed arguments
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--screenshot={png}", "--window-size=1280,820", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        print(png)
    return page


async def main() -> None:
    for view in VIEWS:
        for size in SIZES:
            print(await shoot(view, size))
    print(report_example())


if __name__ == "__main__":
    asyncio.run(main())
