"""SVG snapshots of the main views at 120x40 and 80x24 (regenerate: pytest --snapshot-update).

The same fixtures produce the README's screenshots (screenshots/generate.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui_fixtures import frozen_app, highlight
from tui.cloud.ids import extract_task_ids

SIZES = [(120, 40), (80, 24)]


async def _main(pilot: Pilot[Any]) -> None:
    await highlight(pilot.app, "CHG-1042 resize")  # type: ignore[arg-type]  # rich entities
    await pilot.pause()


async def _failure(pilot: Pilot[Any]) -> None:
    await highlight(pilot.app, "CHG-1044 upgrade")  # type: ignore[arg-type]
    await pilot.pause()


async def _steps(pilot: Pilot[Any]) -> None:
    await highlight(pilot.app, "CHG-1046 upgrade")  # type: ignore[arg-type]  # steps, at risk
    await pilot.pause()


async def _followed(pilot: Pilot[Any]) -> None:
    app = pilot.app
    table = app.view.table  # type: ignore[attr-defined]
    for task_id, record in app.session.records.items():  # type: ignore[attr-defined]
        if record.status == "Scheduled":
            table.move_cursor(row=table.get_row_index(task_id), animate=False)
    await pilot.pause()


async def _add_dialog(pilot: Pilot[Any]) -> None:
    await pilot.press("a")
    area = pilot.app.screen.query_one("#add-ids")
    area.text = (  # type: ignore[attr-defined]
        "| 6a1f3e9c-2b7d-4c10-9e55-0f2a8b3c4d5e | ResizeGaussDBforMySQLFlavor | Running |\n"
        "| 7b2e4fa0-3c8e-4d21-8f66-1a3b9c4d5e6f | GaussDBforMySQLBindEIP      | Running |"
    )
    assert len(extract_task_ids(area.text)) == 2  # type: ignore[attr-defined]
    await pilot.pause()


async def _help(pilot: Pilot[Any]) -> None:
    await pilot.press("question_mark")
    await pilot.pause()


async def _timeline(pilot: Pilot[Any]) -> None:
    await highlight(pilot.app, "CHG-1044 upgrade")  # type: ignore[arg-type]
    await pilot.press("t")
    await pilot.pause()


VIEWS: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "main": _main,
    "failure": _failure,
    "steps": _steps,
    "followed": _followed,
    "add": _add_dialog,
    "help": _help,
    "timeline": _timeline,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view", list(VIEWS))
def test_snapshot(snap_compare: Any, view: str, size: tuple[int, int]) -> None:
    assert snap_compare(frozen_app(), terminal_size=size, run_before=VIEWS[view])
