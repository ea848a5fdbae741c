"""What the screen says is true, and it fits: toasts never over the detail pane, at most three,
dismissed by a key; at 80×24, 120×40 and 200×50."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region

from tests.ui_fixtures import frozen_app, highlight

SIZES = [(80, 24), (120, 40), (200, 50)]


def _toast_regions(app: object) -> list[Region]:
    screen = app.screen  # type: ignore[attr-defined]
    return [toast.region for toast in screen.query("Toast") if toast.region.area]


@pytest.mark.parametrize("size", SIZES)
async def test_toasts_never_cover_the_detail_pane_and_three_at_most(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=size, notifications=True) as pilot:
        await highlight(app, "CHG-1044 upgrade")
        for n in range(5):
            app.notify(f"notice {n}: " + "a long failure reason " * 30, title=f"Failed {n}")
        await pilot.pause()
        await pilot.pause()
        detail = app.query_one("#detail").region
        toasts = _toast_regions(app)
        assert 1 <= len(toasts) <= 3
        for toast in toasts:
            assert not toast.overlaps(detail), (toast, detail)
            assert Region(0, 0, *size).contains_region(toast)  # wrapped inside the screen
        shown = [str(t.render()) for t in app.screen.query("Toast")]
        assert not any("notice 0" in text or "notice 1" in text for text in shown)
        await pilot.press("n")
        await pilot.pause()
        assert _toast_regions(app) == []
        app.notify("again")
        await pilot.pause()
        assert len(_toast_regions(app)) == 1
        await pilot.press("escape")  # nothing else open: esc dismisses too
        await pilot.pause()
        await pilot.pause()
        assert _toast_regions(app) == []


async def test_a_picked_theme_is_kept_until_the_config_changes_it(tmp_path: Path) -> None:
    from tui.ui.theme_memory import kept_theme

    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.session_started.wait()
        app.theme = "nord"  # as the command palette's "Change theme" does
        await pilot.pause()
    assert kept_theme("textual-dark") == "nord"
    again = frozen_app(tmp_path / "g.sqlite3")
    async with again.run_test(size=(120, 40)) as pilot:
        await again.session_started.wait()
        await pilot.pause()
        assert again.theme == "nord"
    assert kept_theme("gruvbox") == "gruvbox"  # config.toml changed since: the newer decision


def test_an_unknown_theme_is_refused_naming_the_choices() -> None:
    from textual.theme import BUILTIN_THEMES

    from tui.engine.setup.config import THEMES, load_settings
    from tui.engine.setup.paths import config_file
    from tui.errors import ConfigError

    assert sorted(THEMES) == sorted(BUILTIN_THEMES)  # the engine's copy of Textual's list
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text('theme = "nrod"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"config.toml:1: 'theme'.*'nord'.*\(got 'nrod'\)"):
        load_settings()


async def test_j_k_move_and_the_sort_shows_as_an_arrow_a_header_click_sorts(
    tmp_path: Path,
) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    said: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.view.table
        first = table.highlighted_task
        await pilot.press("j")
        second = table.highlighted_task
        assert second is not None and second != first
        await pilot.press("k")
        assert table.highlighted_task == first
        original = app.notify

        def notify(message: str, **kwargs: Any) -> None:
            said.append(message)
            original(message, **kwargs)

        app.notify = notify  # type: ignore[method-assign]
        await pilot.press("s")  # added → status
        await pilot.pause()
        labels = [str(column.label) for column in table.columns.values()]
        assert labels[0] == "Status ▼" and said[-1].startswith("Sorted by status")
        await pilot.click("#tasks", offset=(30, 0))  # the Task header: back to order added
        await pilot.pause()
        status = next(iter(table.columns.values()))
        assert table.sort_mode == "added" and "▼" not in str(status.label)


async def test_a_selected_instance_says_so_without_colour(tmp_path: Path) -> None:
    from textual.widgets import SelectionList

    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("F")
        await pilot.pause()
        choices: SelectionList[str] = app.screen.query_one("#follow-instances", SelectionList)
        choices.select(choices.get_option_at_index(0).value)  # the whole project
        await pilot.pause()
        prompts = [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]
        assert prompts[0].startswith("✔ ") and all(p.startswith("  ") for p in prompts[1:])


async def test_the_deadline_dialog_error_wraps_inside_the_dialog(tmp_path: Path) -> None:
    from textual.widgets import Input, Label

    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        await highlight(app, "CHG-1044 upgrade")
        await pilot.press("D")
        await pilot.pause()
        app.screen.query_one(Input).value = "next tuesday after lunch, roughly"
        await pilot.press("enter")
        await pilot.pause()
        error = app.screen.query_one("#deadline-error", Label)
        dialog = app.screen.query_one("#deadline-dialog").region
        assert "not a deadline" in str(error.render())
        assert error.region.height >= 2 and dialog.contains_region(error.region)


async def test_the_empty_screen_says_how_to_begin(tmp_path: Path) -> None:
    from tests.ui_fixtures import live_app

    live = live_app(tmp_path)
    async with live.app.run_test(size=(120, 40)) as pilot:
        await live.app.session_started.wait()
        await pilot.pause()
        text = str(live.app.view.detail.current)
        assert "press a to add tasks" in text and "taskwatch --demo" in text


async def test_status_and_task_stay_put_when_the_table_scrolls_sideways(tmp_path: Path) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.view.table
        await pilot.pause()
        assert table.max_scroll_x > 0  # at 80 columns the last columns are off to the right
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await pilot.pause()
        shot = app.export_screenshot()
        assert "Status" in shot and "Task" in shot and "Profile" in shot
