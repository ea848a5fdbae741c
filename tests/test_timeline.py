"""The timeline view (t): same tasks and selection as the table, bars that follow the tasks,
and no repaint when nothing moved."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from rich.text import Text

from tests.ui_fixtures import frozen_app, highlight, live_app
from tui.engine.events import TaskFinished, TaskRefreshed
from tui.engine.records import TaskRecord
from tui.simulator.scenarios import make_job
from tui.ui.widgets.timeline import timeline_text


def _lines(app: Any) -> list[str]:
    content = app.view.timeline.body.content
    assert isinstance(content, Text)
    return content.plain.splitlines()


async def test_t_swaps_table_and_timeline_keeping_the_selection(tmp_path: Path) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.view
        await highlight(app, "CHG-1044 upgrade")
        await pilot.press("t")
        assert view.timeline.display and not view.table.display
        lines = _lines(app)
        assert len(lines) == 1 + len(app.session.records)  # the axis, then one line per task
        assert lines[3].startswith("✘ CHG-1044 upgr")  # glyph and name, in table order
        assert lines[3].rstrip().endswith("✘")  # the bar ends in its outcome
        assert "no times yet" in lines[-1]  # the task the cloud never returned
        await pilot.press("down")
        assert view.selected is not None and view.selected.label == "CHG-1045 reboot"
        await pilot.press("t")
        assert view.table.display and not view.timeline.display
        assert view.selected is not None and view.selected.label == "CHG-1045 reboot"


async def test_the_timeline_follows_a_task_to_its_end_and_then_stays_still(tmp_path: Path) -> None:
    live = live_app(tmp_path)
    job = make_job(live.simulator, "reboot", created_at=live.clock.now() - 120, running_for=150)
    live.store.add_tasks([job.id], profile="default", label="reboot")
    refreshed, finished = asyncio.Event(), asyncio.Event()

    def hook(message: Any) -> None:
        event = getattr(message, "event", None)
        if isinstance(event, TaskRefreshed):
            refreshed.set()
        if isinstance(event, TaskFinished):
            finished.set()

    async with live.app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await pilot.press("t")
        async with asyncio.timeout(10):
            await refreshed.wait()
        await pilot.pause()
        assert _lines(live.app)[1].rstrip().endswith("▶")  # still running
        live.clock.advance(60)
        async with asyncio.timeout(10):
            await finished.wait()
        await pilot.pause()
        assert _lines(live.app)[1].rstrip().endswith("✔")
        updates: list[object] = []
        body = live.app.view.timeline.body
        original = body.update

        def count(*args: Any, **kwargs: Any) -> None:
            updates.append(args)
            original(*args, **kwargs)

        body.update = count  # type: ignore[method-assign]
        live.clock.advance(600)  # time passes; the finished task does not move
        for _ in range(3):
            live.app.view.redraw_timeline()
        assert updates == []


def _record(task_id: str, created: str, ended: str, status: str) -> TaskRecord:
    job = {"id": task_id, "name": "Reboot", "status": status, "created": created, "ended": ended}
    return TaskRecord(task_id, "p", task_id[-1], 0.0, 1, status=status, job_json=json.dumps(job))


def test_bars_sit_on_one_axis_in_proportion() -> None:
    assert timeline_text([], now=0, width=80, selected=None).plain == "No task has times yet."
    first = _record("t1", "2026-11-27T10:00:00+0000", "2026-11-27T10:30:00+0000", "Completed")
    second = _record("t2", "2026-11-27T10:30:00+0000", "2026-11-27T11:00:00+0000", "Failed")
    axis, one, two = timeline_text([first, second], now=0, width=80, selected="t2").plain.split(
        "\n"
    )
    bar_one, bar_two = one.split("│")[1], two.split("│")[1]
    assert bar_one.rstrip().endswith("✔") and bar_two.rstrip().endswith("✘")
    # The first half of the axis is the first task's; the second, the second's.
    assert bar_one.index("█") == 0 and bar_two.index("█") == len(bar_one.rstrip()) - 1
    assert "10:30" in axis
