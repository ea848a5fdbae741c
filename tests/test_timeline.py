"""The timeline view (t): same tasks and selection as the table, bars that follow the tasks,
and no repaint when nothing moved."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text

from tests.ui_fixtures import frozen_app, frozen_on, highlight, live_app
from tui.engine.events import TaskFinished, TaskRefreshed
from tui.engine.records import TaskRecord
from tui.simulator.scenarios import make_job
from tui.ui.widgets.timeline import TimeWindow, fit_window, timeline_text


def _lines(app: Any) -> list[str]:
    """The axis (docked: it stays on screen as the rows scroll), then the rows."""
    axis, body = app.view.timeline.axis.content, app.view.timeline.body.content
    assert isinstance(axis, Text) and isinstance(body, Text)
    return [axis.plain, *body.plain.splitlines()]


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
        assert "█✘" in lines[3]  # the bar ends in its outcome
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
        for event in getattr(message, "events", ()):
            if isinstance(event, TaskRefreshed):
                refreshed.set()
            if isinstance(event, TaskFinished):
                finished.set()

    async with live.app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await pilot.press("t")
        async with asyncio.timeout(10):
            await refreshed.wait()
        await live.app.view.settled()
        await pilot.pause()
        assert _lines(live.app)[1].rstrip().endswith("▶")  # still running
        live.clock.advance(60)
        async with asyncio.timeout(10):
            await finished.wait()
        await live.app.view.settled()
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
    assert timeline_text([], now=0, width=80, selected=None).plain == "No task to show."
    first = _record("t1", "2026-11-27T10:00:00+0000", "2026-11-27T10:30:00+0000", "Completed")
    second = _record("t2", "2026-11-27T10:30:00+0000", "2026-11-27T11:00:00+0000", "Failed")
    whole = TimeWindow(_at("10:00"), _at("11:00"))
    axis, one, two = timeline_text(
        [first, second], now=0, width=80, selected="t2", window=whole
    ).plain.split("\n")
    bar_one, bar_two = one.split("│")[1], two.split("│")[1]
    assert bar_one.rstrip().endswith("✔") and bar_two.rstrip().endswith("✘")
    # The first half of the axis is the first task's; the second, the second's.
    assert bar_one.index("█") == 0 and bar_two.index("█") == len(bar_one.rstrip()) - 1
    assert "10:30" in axis


def _at(clock: str) -> float:
    return datetime.fromisoformat(f"2026-11-27T{clock}:00+00:00").timestamp()


def _bars(records: list[TaskRecord], now: float, **kwargs: Any) -> list[str]:
    text = timeline_text(records, now=now, width=100, selected=None, **kwargs).plain
    return [line.split("│", 1)[1] if "│" in line else line for line in text.split("\n")]


def test_the_window_fits_the_tasks_in_hand_not_one_from_hours_ago() -> None:
    old = _record("t1", "2026-11-27T06:00:00+0000", "2026-11-27T06:10:00+0000", "Completed")
    recent = _record("t2", "2026-11-27T11:30:00+0000", "2026-11-27T11:50:00+0000", "Completed")
    running = _record("t3", "2026-11-27T11:40:00+0000", "", "Running")
    now = _at("12:00")
    window = fit_window([old, recent, running], now, everything=False)
    assert _at("11:25") < window.start <= _at("11:30") and now <= window.end < _at("12:05")
    axis, first, second, third = _bars([old, recent, running], now)
    assert first.split() == ["◂", "┊"]  # the old one is off to the left, and says so
    assert second.count("█") > 20 and third.rstrip().endswith("▶")
    assert "now" in axis
    everything = fit_window([old, recent, running], now, everything=True)
    assert everything.start <= _at("06:00") and everything.end >= now


def test_nothing_moves_when_every_task_is_final() -> None:
    done = _record("t1", "2026-11-27T11:30:00+0000", "2026-11-27T11:50:00+0000", "Completed")
    first = timeline_text([done], now=_at("12:00"), width=100, selected=None)
    later = timeline_text([done], now=_at("12:20"), width=100, selected=None)
    assert first == later and "┊" not in first.plain  # now is off the window: no marker


def test_zoom_keeps_now_in_place_and_pan_moves_by_a_quarter() -> None:
    window = TimeWindow(0.0, 1000.0)
    zoomed = window.zoomed(0.5, around=800.0)
    assert (zoomed.start, zoomed.end) == (400.0, 900.0)  # now stays at 80% of the width
    assert window.zoomed(0.5, around=5000.0) == TimeWindow(250.0, 750.0)  # off: the middle
    assert window.zoomed(1e-9, around=500.0).span == 120.0  # two minutes at the closest
    assert window.panned(-0.25) == TimeWindow(-250.0, 750.0)


def test_planned_starts_deadlines_and_now_are_drawn() -> None:
    job = {
        "id": "s",
        "name": "Resize",
        "status": "Pending",
        "scheduled_start": "2026-11-27T12:30:00+0000",
    }
    scheduled = TaskRecord("s", "p", "", 0.0, 1, status="Scheduled", job_json=json.dumps(job))
    late = TaskRecord(
        "l", "p", "", 0.0, 2, status="Scheduled",
        job_json=json.dumps({**job, "id": "l", "scheduled_start": "2026-11-27T11:50:00+0000"}),
    )  # fmt: skip
    running = TaskRecord(
        "r", "p", "", 0.0, 3, status="Running", deadline=_at("11:55"),
        job_json=json.dumps({"id": "r", "name": "Reboot", "status": "Running",
                             "created": "2026-11-27T11:40:00+0000"}),
    )  # fmt: skip
    text = timeline_text([scheduled, late, running], now=_at("12:00"), width=120, selected=None)
    axis, planned, started_late, overdue = text.plain.split("\n")
    assert axis.index("now") == planned.index("┊")  # the label sits over the marker
    assert "◇" in planned and "planned" in planned and "no times yet" not in planned
    assert "not started yet" in started_late and "not started yet" not in planned
    assert "⚑" in overdue and "┊" in planned  # an overdue deadline; now crosses the rows
    flag = text.plain.index("⚑")
    assert any(span.style == "bold red" for span in text.spans if span.start <= flag < span.end)


def test_rows_are_named_as_in_the_table_with_the_origin_mark() -> None:
    job = {"id": "f", "name": "ModifyGaussDB", "status": "Running",
           "created": "2026-11-27T11:40:00+0000"}  # fmt: skip
    found = TaskRecord("f", "p", "", 0.0, 1, status="Running", job_json=json.dumps(job),
                       origin="rule:1")  # fmt: skip
    mine = TaskRecord("m", "p", "db-42", 0.0, 2, status="Running",
                      job_json=json.dumps({**job, "id": "m"}))  # fmt: skip
    _, first, second = timeline_text(
        [found, mine], now=_at("12:00"), width=120, selected=None
    ).plain.split("\n")
    assert first.startswith("▶ ⟳ ModifyGaussDB ") and second.startswith("▶ db-42 · ModifyGa")


async def test_timeline_keys_zoom_pan_and_fit(tmp_path: Path) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        timeline = app.view.timeline
        fitted = timeline._drawn
        assert fitted is not None and "Zoom" in str(app.view.key_hints.render())
        await pilot.press("plus")
        assert timeline.window is not None and timeline.window.span == fitted.span / 2
        await pilot.press("left")
        assert timeline._drawn == timeline.window and timeline.window.end < fitted.end
        await pilot.press("0")
        assert timeline.window is None and timeline._drawn.span > fitted.span  # every task
        await pilot.press("equals_sign")
        assert timeline._drawn == fitted
        await pilot.press("t")
        assert "Zoom" not in str(app.view.key_hints.render())


def test_the_name_column_grows_with_the_width() -> None:
    from tui.ui.widgets.timeline import name_width_for

    assert name_width_for(80) == 16 and name_width_for(120) == 30 and name_width_for(200) == 40
    assert name_width_for(40) == 14


async def test_the_axis_stays_and_zoom_keeps_the_selected_task_in_view(tmp_path: Path) -> None:
    async with frozen_on(tmp_path, "CHG-1044 upgrade", (80, 24)) as (app, pilot):
        await pilot.press("t")
        await pilot.pause()
        timeline = app.view.timeline
        await pilot.press("end")  # the last task: the rows scroll
        await pilot.pause()
        axis = timeline.axis
        assert axis.region.height == 1 and timeline.region.y <= axis.region.y  # still on screen
        await highlight(app, "CHG-1044 upgrade")
        await pilot.pause()
        for _ in range(4):  # zoom in far: the selected bar stays in the window
            await pilot.press("plus")
            await pilot.pause()
        line = next(text for text in _lines(app) if "CHG-1044" in text)
        assert "█" in line or "✘" in line.split("│", 1)[1]
