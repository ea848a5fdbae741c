"""The one place that relies on DataTable internals: these fail if Textual changes them."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from tui.ui.widgets.cell_repaint import set_cell


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Status", key="status", width=12)
        table.add_column("Checked", key="checked", width=8)
        for n in range(3):
            table.add_row(Text("Running"), Text(f"{n}s"), key=f"task-{n}")


def _spy_refreshes(table: DataTable[Any]) -> list[tuple[Region, ...]]:
    """Record the regions of every repaint the table asks for (empty: the whole table)."""
    calls: list[tuple[Region, ...]] = []
    original = table.refresh

    def spy(*regions: Region, **kwargs: Any) -> Any:
        calls.append(regions)
        return original(*regions, **kwargs)

    table.refresh = spy  # type: ignore[method-assign]
    return calls


async def test_set_cell_changes_the_cell_on_screen_and_repaints_only_it() -> None:
    app = OneTable()
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        assert "1s" in table.render_line(2).text  # header, task-0, task-1: now in the cache
        calls = _spy_refreshes(table)
        set_cell(table, RowKey("task-1"), ColumnKey("checked"), Text("now"))
        assert table.get_cell("task-1", "checked") == Text("now")
        assert calls and all(regions for regions in calls)  # each repaint names a region
        assert all(r.height == 1 for regions in calls for r in regions)  # one line: the cell
        await pilot.pause()
        row_line = table.render_line(2).text  # the cached line was invalidated
        assert "now" in row_line and "1s" not in row_line
        assert "0s" in table.render_line(1).text  # the other rows are as they were


async def test_the_stock_update_cell_repaints_the_whole_table() -> None:
    """Why the adapter exists: if Textual's own method ever repaints just the cell, use it."""
    app = OneTable()
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        calls = _spy_refreshes(table)
        table.update_cell("task-1", "checked", Text("now"))
        assert () in calls
