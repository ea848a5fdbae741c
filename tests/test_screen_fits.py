"""What the screen says is true, and it fits: toasts never over the detail pane, at most three,
dismissed by a key; at 80×24, 120×40 and 200×50."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region

from tests.ui_fixtures import frozen_app, frozen_on, highlight

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
        labels = table.headers()
        assert labels[0] == "Status ▼" and said[-1].startswith("Sorted by status")
        await pilot.click("#tasks", offset=(30, 0))  # the Task header: back to order added
        await pilot.pause()
        assert table.sort_mode == "added" and "▼" not in table.headers()[0]


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

    async with frozen_on(tmp_path, "CHG-1044 upgrade") as (app, pilot):
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


@pytest.mark.parametrize("size", SIZES)
async def test_the_table_fits_its_width_at_every_size(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=size) as pilot:
        await highlight(app, "CHG-1044 upgrade")
        await pilot.pause()
        table = app.view.table
        assert table.max_scroll_x == 0  # no horizontal scrollbar: nothing is off to the right
        assert table.virtual_size.width <= table.size.width
        await pilot.press("end")  # End goes to the last row, never sideways
        await pilot.pause()
        assert table.scroll_x == 0
        if size[0] <= 120:  # long names are cut, and say so
            assert "GaussDBforMy…" in app.export_screenshot().replace("&#160;", " ")
        if size[0] >= 200:  # beside the pane: the instance and the times join
            assert {"instance", "elapsed", "checked", "created"} <= set(table.shown)


async def test_a_36_character_job_name_shows_whole_at_120_columns_with_the_pane_open(
    tmp_path: Path,
) -> None:
    from tui.cloud.models import parse_job_dict
    from tui.engine.session import WatchSession
    from tui.engine.storage import Store
    from tui.ui.app import TaskwatchApp

    name = "UpgradeGaussDBforMySQLDatabaseVers"  # 34, then two more
    name += "ns"
    assert len(name) == 36
    store = Store.open(tmp_path / "n.sqlite3")
    task_id = "0f0f0f0f-0000-4000-8000-00000000abcd"
    store.add_tasks([task_id], profile="default")
    job = {"id": task_id, "name": name, "status": "Running", "process": "40%"}
    store.record_success(task_id, parse_job_dict(job), now=1)
    app = TaskwatchApp(WatchSession(store, poll=False), write_terminal=lambda _: None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.view.detail.display  # the pane is open beside the table
        shot = app.export_screenshot()
        assert name in shot.replace("&#160;", " ")  # whole, no ellipsis


async def test_a_service_column_appears_when_the_watchlist_holds_two_services(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    from tests.ui_fixtures import demo_profile, runtime_for
    from tui.cloud.endpoints import Service
    from tui.cloud.models import parse_job_dict
    from tui.engine.session import WatchSession
    from tui.engine.setup.config import Settings
    from tui.engine.storage import Store
    from tui.simulator import Simulator
    from tui.ui.app import TaskwatchApp

    rds = replace(demo_profile(name="orders"), service=Service.RDS)
    store = Store.open(tmp_path / "s.sqlite3")
    for number, profile in enumerate(("default", "orders")):
        task_id = f"0f0f0f0f-0000-4000-8000-00000000000{number}"
        store.add_tasks([task_id], profile=profile)
        job = {"id": task_id, "name": "Reboot", "status": "Running", "process": "40%"}
        store.record_success(task_id, parse_job_dict(job), now=1)
    runtime = runtime_for(Simulator(), demo_profile(), rds)
    session = WatchSession(store, runtime, Settings(), poll=False)
    app = TaskwatchApp(session, write_terminal=lambda _: None)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        table = app.view.table
        assert "service" in table.shown
        services = {table.cells_of(task)["service"] for task in session.records}
        assert services == {"taurusdb", "rds"}
        session.edits.remove("0f0f0f0f-0000-4000-8000-000000000001")  # one service left
        app.view.refresh_all()
        await pilot.pause()
        assert "service" not in table.shown


@pytest.mark.parametrize("size", SIZES)
async def test_a_failed_task_shows_no_running_step_and_keeps_its_progress(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    import json

    from rich.console import Console

    from tui.cloud.models import parse_job_dict
    from tui.engine.session import WatchSession
    from tui.engine.storage import Store
    from tui.ui.app import TaskwatchApp

    store = Store.open(tmp_path / "f.sqlite3")
    task_id = "0f0f0f0f-0000-4000-8000-00000000abcd"
    store.add_tasks([task_id], profile="default", label="CHG-9 upgrade")
    running = {"id": task_id, "name": "Upgrade", "status": "Running", "process": "96%"}
    store.record_success(task_id, parse_job_dict(running), now=1)
    steps = [
        {"sub_task_name": "Upgrade node 3", "status": "Running", "percent": "12",
         "remaining_time": "40"},
        {"sub_task_name": "Switch over", "status": "Pending", "percent": "0",
         "remaining_time": "30"},
    ]  # fmt: skip
    store.record_steps(task_id, json.dumps({"sub_task_list": steps}), now=2)
    failed = {"id": task_id, "name": "Upgrade", "status": "Failed", "fail_reason": "disk full"}
    store.record_success(task_id, parse_job_dict(failed), now=3)  # the final snapshot: never
    app = TaskwatchApp(WatchSession(store, poll=False), write_terminal=lambda _: None)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(app.view.detail.current)
        detail = console.export_text()
        row = app.view.table.cells_of(task_id)
    assert "before it ended" in detail and "was Running" in detail and "was Pending" in detail
    assert " left" not in detail and "▶ Upgrade node 3" not in detail
    assert row["progress"].endswith("96%") and row["status"].startswith("✘ Failed")
