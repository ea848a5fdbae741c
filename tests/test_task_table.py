"""The task table on Textual's public Line API: what it repaints, where its cursor goes, and
that nothing in ``tui/`` reaches into Textual's private names."""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot

from tui.engine.records import TaskRecord
from tui.ui.widgets.task_table import TaskTable


def _records(count: int, status: str = "Running") -> list[TaskRecord]:
    return [
        TaskRecord(str(uuid.UUID(int=n + 1, version=4)), "p", f"task {n}", 0.0, n, status=status)
        for n in range(count)
    ]


class OneTable(App[None]):
    def __init__(self, records: list[TaskRecord]) -> None:
        super().__init__()
        self.records = records
        self.highlighted: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield TaskTable(id="tasks")

    def on_mount(self) -> None:
        self.query_one(TaskTable).show(self.records, 0.0)

    def on_task_table_highlighted(self, message: TaskTable.Highlighted) -> None:
        self.highlighted.append(message.task_id)


def _spy_refreshes(table: TaskTable) -> list[tuple[Region, ...]]:
    """Record the regions of every repaint the table asks for (empty: the whole table)."""
    calls: list[tuple[Region, ...]] = []
    original = table.refresh

    def spy(*regions: Region, **kwargs: Any) -> Any:
        calls.append(regions)
        return original(*regions, **kwargs)

    table.refresh = spy  # type: ignore[method-assign]
    return calls


@contextlib.asynccontextmanager
async def _shown(
    records: list[TaskRecord], height: int
) -> AsyncIterator[tuple[TaskTable, Pilot[Any]]]:
    """A table of ``records`` alone on a screen 100 columns wide, once it has painted."""
    app = OneTable(records)
    async with app.run_test(size=(100, height)) as pilot:
        await pilot.pause()
        yield app.query_one(TaskTable), pilot


async def test_a_changed_cell_repaints_that_cell_only_and_shows_the_new_text() -> None:
    records = _records(3)
    async with _shown(records, 8) as (table, pilot):
        assert "task 1" in table.render_line(2).text  # header, task 0, task 1
        calls = _spy_refreshes(table)
        renamed = dataclasses.replace(records[1], label="renamed")
        assert table.update_records([renamed], 0.0)
        assert len(calls) == 1 and len(calls[0]) == 1  # one region: the Task cell
        (region,) = calls[0]
        assert region.y == 2 and region.height == 1
        assert region.width < table.size.width  # the cell, not the line
        await pilot.pause()
        assert "renamed" in table.render_line(2).text
        assert "task 0" in table.render_line(1).text  # the other rows are as they were
        assert table.cells_of(renamed.task_id)["name"] == "renamed"


async def test_a_row_off_screen_changes_without_a_repaint() -> None:
    records = _records(1000)
    async with _shown(records, 10) as (table, pilot):
        calls = _spy_refreshes(table)
        far = dataclasses.replace(records[900], label="far away")
        assert table.update_records([far], 0.0)
        assert calls == []
        assert table.cells_of(far.task_id)["name"] == "far away"  # kept for when it shows
        table.move_cursor(row=900)
        await pilot.pause()
        assert any("far away" in table.render_line(y).text for y in range(1, 10))


async def test_a_new_order_repaints_only_if_the_rows_on_screen_moved() -> None:
    records = _records(1000)
    app = OneTable(records)
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(TaskTable)
        table.sort_mode = "status"
        table.resort({record.task_id: record for record in records})
        await pilot.pause()
        calls = _spy_refreshes(table)
        done = dataclasses.replace(records[999], status="Completed")  # sorts last: stays
        table.update_records([done], 0.0)
        assert not any(regions == () for regions in calls)  # no whole-table repaint
        failed = dataclasses.replace(records[998], status="Failed")  # sorts first: on screen
        table.update_records([failed], 0.0)
        assert () in calls
        assert table.row_ids[0] == failed.task_id


async def test_keys_move_the_cursor_and_say_which_task_is_highlighted() -> None:
    records = _records(50)
    app = OneTable(records)
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(TaskTable)
        table.focus()
        await pilot.pause()
        assert table.highlighted_task == records[0].task_id
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        await pilot.press("end")
        await pilot.pause()
        assert table.highlighted_task == records[-1].task_id
        assert table.scroll_offset.y == 50 + 1 - table.size.height  # the last row on screen
        await pilot.press("pageup")
        assert table.cursor_row == 49 - (table.size.height - 1)
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        assert app.highlighted[0] == records[0].task_id
        assert app.highlighted[-1] == records[0].task_id
        assert records[-1].task_id in app.highlighted


async def test_a_click_on_a_row_moves_the_cursor_and_on_a_header_names_its_column() -> None:
    records = _records(5)
    clicked: list[str] = []

    class Clicks(OneTable):
        def on_task_table_header_clicked(self, message: TaskTable.HeaderClicked) -> None:
            clicked.append(message.column)

    app = Clicks(records)
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(TaskTable)
        await pilot.pause()
        await pilot.click("#tasks", offset=(20, 3))
        assert table.highlighted_task == records[2].task_id
        await pilot.click("#tasks", offset=(2, 0))
        await pilot.click("#tasks", offset=(20, 0))
        await pilot.pause()
        assert clicked == ["status", "name"]


def test_nothing_in_tui_uses_a_private_name_of_textual() -> None:
    """Each Textual release may change its private names: none is imported or reached."""
    offenders = []
    private_of_textual = {"_row_locations", "_update_count", "_cell_render_cache", "_data"}
    for path in Path("tui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual"):
                names = [node.module or "", *(alias.name for alias in node.names)]
                if any(part.startswith("_") for n in names for part in n.split(".")):
                    offenders.append(f"{path}:{node.lineno}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("textual._"):
                        offenders.append(f"{path}:{node.lineno}")
            elif isinstance(node, ast.Attribute) and node.attr in private_of_textual:
                offenders.append(f"{path}:{node.lineno} .{node.attr}")
    assert offenders == []
