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


class LongTable(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Status", key="status", width=12)
        table.add_column("Checked", key="checked", width=8)
        for n in range(1000):
            table.add_row(Text("Running"), Text(f"{n}s"), key=f"task-{n}")


async def test_a_cell_s_repaint_is_datatable_s_own_region_and_nothing_off_screen() -> None:
    from textual.coordinate import Coordinate

    app = LongTable()
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        for scroll in (0, 500):
            table.scroll_to(y=scroll, animate=False)
            await pilot.pause()
            first = int(table.scroll_offset.y)
            calls = _spy_refreshes(table)
            set_cell(table, RowKey(f"task-{(first + 900) % 1000}"), ColumnKey("checked"), Text("x"))
            set_cell(table, RowKey(f"task-{(first + 300) % 1000}"), ColumnKey("status"), Text("x"))
            assert calls == []  # rows off screen: no repaint asked (and no O(rows) walk)
            visible = first + 2
            set_cell(table, RowKey(f"task-{visible}"), ColumnKey("checked"), Text("now"))
            own = table._get_cell_region(Coordinate(visible, 1)).translate(-table.scroll_offset)
            assert calls == [(own,)]
            await pilot.pause()
            assert "now" in table.render_line(3).text  # the header, then rows first, first+1 ...


async def test_the_stock_update_cell_repaints_the_whole_table() -> None:
    """Why the adapter exists: if Textual's own method ever repaints just the cell, use it."""
    app = OneTable()
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        calls = _spy_refreshes(table)
        table.update_cell("task-1", "checked", Text("now"))
        assert () in calls


_CELLS = [
    Text("Running"),
    Text(""),
    Text("x" * 40),  # wider than its column: cut
    Text("日本語のインスタンス名です"),  # wide characters cut at the edge
    Text("e\u0301te\u0301 cafe\u0301 re\u0301sume\u0301 longer than this"),  # combining marks
    Text.assemble(("✓ ", "green"), ("Completed", "bold")),
    Text("styled", style="italic red"),
    Text("7m", justify="right"),
    Text("  12m 03s  ", justify="right", style="bold"),
    Text.assemble(("right ", "green"), ("and far too long to fit", "red"), justify="right"),
    Text("centred", justify="center"),
    Text("ellipsis but short", overflow="ellipsis"),
    Text("日本語のインスタンス名です", overflow="ellipsis", style="bold"),
    Text("…ellipsis that is far too long", overflow="ellipsis"),
    Text("two\nlines"),
    Text("tab\there"),
]


class ManyCells(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("A", key="a", width=12)
        table.add_column("B", key="b", width=5)
        for n, cell in enumerate(_CELLS):
            table.add_row(cell, cell, key=f"row-{n}")


async def test_a_cell_drawn_the_short_way_is_the_cell_datatable_draws() -> None:
    from rich.style import Style

    from tui.ui.widgets.cell_repaint import render_cell

    app = ManyCells()
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        short = 0
        base = Style(color="white", bgcolor="blue")
        for row in range(len(_CELLS)):
            for column, width in enumerate((14, 7)):
                for cursor in (False, True):
                    table._cell_render_cache.clear()
                    fast = render_cell(table, row, column, base, width, cursor, False)
                    table._cell_render_cache.clear()
                    stock = DataTable._render_cell(table, row, column, base, width, cursor)
                    if fast is not None:
                        short += 1
                        assert fast == stock, (_CELLS[row], width, cursor)
        # Plain, styled, cut and right-justified one-line text goes the short way; the rest
        # (combining marks, centring, newlines, tabs) the long way.
        assert short == 12 * 2 * 2
        assert render_cell(table, -1, 0, base, 14, False, False) is None  # the header


async def test_a_cell_laid_out_again_after_it_changed_is_kept_in_its_new_form() -> None:
    from rich.style import Style
    from textual.cache import LRUCache

    from tui.ui.widgets.cell_repaint import CellContents, render_cell, set_cell

    app = OneTable()
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        contents: CellContents = LRUCache(16)
        key = (RowKey("task-1"), ColumnKey("checked"))
        base = Style()
        render_cell(table, 1, 1, base, 10, False, False, contents)
        set_cell(table, RowKey("task-1"), ColumnKey("checked"), Text("now"))
        render_cell(table, 1, 1, base, 10, False, False, contents)
        kept = contents.get(key)
        assert kept is not None and kept[0].plain == "now"  # not the first text, forever
        table._update_count += 1  # a re-sort: the table's own cache is cold, ours is not
        laid_out = kept[2]
        render_cell(table, 1, 1, base, 10, False, False, contents)
        assert contents.get(key) is not None and contents.get(key)[2] is laid_out  # type: ignore[index]


async def test_rows_reordered_below_the_screen_repaint_nothing() -> None:
    from tui.ui.widgets.cell_repaint import reorder_rows

    app = LongTable()
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        keys = [row.key for row in table.ordered_rows]
        calls = _spy_refreshes(table)
        below = keys[:10] + list(reversed(keys[10:]))  # the screen shows about 6 rows
        assert reorder_rows(table, below) is False
        assert [row.key for row in table.ordered_rows] == below
        assert table.get_row_index(keys[10]) == 999
        assert calls == []
        assert reorder_rows(table, list(reversed(below))) is True
        assert calls == [()]  # the rows on screen moved: the whole table
        await pilot.pause()
        assert "10s" in table.render_line(1).text  # the first row now: task-10
