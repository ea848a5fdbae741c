"""Headless run of the installed app: the demo renders its main screen with its own styles."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import tui
from tui.cli.launch import prepare
from tui.cli.parser import build_parser
from tui.ui.app import TaskwatchApp, styles_dir
from tui.ui.widgets.task_table import TaskTable


async def main() -> int:
    assert "site-packages" in tui.__file__, f"not the installed package: {tui.__file__}"
    assert (styles_dir() / "app.tcss").is_file(), f"styles missing from the wheel: {styles_dir()}"
    prepared = prepare(build_parser().parse_args(["--demo"]))
    app = TaskwatchApp(prepared.session)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(2.0)
            rows = app.query_one(TaskTable).row_count
            summary = str(app.query_one("#summary").render())
            print(f"headless demo: {rows} rows; summary: {summary}")
            assert rows >= 5, rows
            assert "DEMO" in summary, summary
    finally:
        prepared.close()
    print(f"styles from {Path(styles_dir())}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
