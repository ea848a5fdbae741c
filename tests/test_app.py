"""Pilot tests: every binding and flow of the TUI against the simulator, offline."""

from __future__ import annotations

import base64
import io
import re
import subprocess
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Static

from tests.ui_fixtures import LiveSetup, Messages, frozen_app, frozen_on, highlight, live_app
from tui.engine.events import CredentialRefused, TaskFinished, TaskRefreshed
from tui.engine.session import WatchSession
from tui.engine.storage import Store
from tui.simulator.scenarios import make_job
from tui.ui.app import STORE_CHECK, TaskwatchApp, binding_rows
from tui.ui.widgets.dialogs import AddTasksScreen, HelpScreen
from tui.ui.widgets.task_table import TaskTable


@pytest.fixture
def live(tmp_path: Path) -> LiveSetup:
    return live_app(tmp_path)


def _rows(app: TaskwatchApp) -> list[str]:
    return app.query_one(TaskTable).row_ids


async def test_add_then_transition_then_notification(
    live: LiveSetup, toasts: list[tuple[str, str]]
) -> None:
    job = make_job(
        live.simulator, "upgrade", running_for=30, outcome="Failed", fail_reason="disk full"
    )
    async with live.run() as (pilot, messages):
        await pilot.press("a")
        assert isinstance(live.app.screen, AddTasksScreen)
        live.app.screen.query_one("#add-ids").text = f"| {job.id} | Running | upgrade |"  # type: ignore[attr-defined]
        await pilot.click("#add-label")
        await pilot.press(*"CHG-9", "enter")
        await pilot.pause()
        assert _rows(live.app) == [job.id]
        assert live.store.get_task(job.id).label == "CHG-9"  # type: ignore[union-attr]
        await messages.wait_for(
            lambda m: isinstance(m, TaskRefreshed) and m.record.status == "Running"
        )
        live.clock.advance(31)
        finished = await messages.wait_for(lambda m: isinstance(m, TaskFinished))
        assert isinstance(finished, TaskFinished) and finished.record.status == "Failed"
        await live.app.view.settled()  # answers are drawn a few times a second
        await pilot.pause()
        assert any("disk full" in text and severity == "error" for text, severity in toasts)
        assert "\a" in live.terminal.writes
        assert any("\x1b]9;" in w and "\x1b]777;notify;" in w for w in live.terminal.writes)
        cells = live.app.query_one(TaskTable).get_row(job.id)
        assert str(cells[0]).startswith("✘ Failed")


async def test_remove_and_undo(live: LiveSetup) -> None:
    jobs = live.watch("reboot", 3, running_for=1000)
    async with live.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down")
        await pilot.press("d")
        assert _rows(live.app) == [jobs[0].id, jobs[2].id]
        assert live.store.get_task(jobs[1].id) is None
        await pilot.press("u")
        assert _rows(live.app) == [j.id for j in jobs]
        assert live.store.get_task(jobs[1].id) is not None


async def test_filter(live: LiveSetup) -> None:
    a = make_job(live.simulator, "reboot", running_for=1000)
    b = make_job(live.simulator, "bind_eip", running_for=1000)
    live.store.add_tasks([a.id], profile="default", label="alpha")
    live.store.add_tasks([b.id], profile="default", label="beta")
    async with live.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"beta")
        assert _rows(live.app) == [b.id]
        await pilot.press("escape")
        assert _rows(live.app) == [a.id, b.id]
        assert not live.app.query_one("#filter").display


async def test_sort_cycles_and_puts_failures_first(tmp_path: Path) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(TaskTable)
        before = _rows(app)
        await pilot.press("s")
        assert table.sort_mode == "status"
        first = app.session.records[_rows(app)[0]]
        assert first.status == "Failed"
        assert sorted(before) == sorted(_rows(app))
        await pilot.press("s", "s", "s")
        assert table.sort_mode == "added"
        assert _rows(app) == before


async def test_cursor_stays_on_its_task_when_rows_update(live: LiveSetup) -> None:
    jobs = live.watch("reboot", 4, running_for=100)
    async with live.run() as (pilot, messages):
        await pilot.press("down", "down")
        table = live.app.query_one(TaskTable)
        assert table.highlighted_task == jobs[2].id
        live.clock.advance(50)
        await messages.wait_for(
            lambda m: isinstance(m, TaskRefreshed) and (m.record.progress or 0) >= 40
        )
        assert table.highlighted_task == jobs[2].id
        assert table.cursor_row == 2


async def test_a_failure_moves_its_row_up_and_the_cursor_stays_on_its_task(
    live: LiveSetup,
) -> None:
    live.watch("reboot", 3, running_for=1000)
    [failing] = live.watch("reboot", running_for=60, outcome="Failed")
    async with live.run() as (pilot, messages):
        await messages.wait_for(lambda m: isinstance(m, TaskRefreshed))
        await pilot.press("s")  # by status: failures first
        await pilot.press("down")
        table = live.app.query_one(TaskTable)
        assert _rows(live.app)[-1] == failing.id
        watched = table.highlighted_task
        live.clock.advance(120)
        await messages.wait_for(lambda m: isinstance(m, TaskFinished))
        await live.app.view.settled()
        assert _rows(live.app)[0] == failing.id  # moved by the answer, not by a key
        assert table.highlighted_task == watched


async def test_pause_stops_requests_and_resume_restarts(live: LiveSetup) -> None:
    live.watch("reboot", running_for=1000)
    async with live.run() as (pilot, messages):
        await messages.wait_for(lambda m: isinstance(m, TaskRefreshed))
        await pilot.press("p")
        assert live.app.session.paused
        assert "paused" in str(live.app.query_one("#summary").render())
        await pilot.pause()
        count = live.simulator.counters.total
        live.app.session.refresh()  # everything due now: only the pause can hold it back
        assert await live.app.session.tick() == 0
        assert live.simulator.counters.total == count
        await pilot.press("p")
        await messages.wait_for(lambda m: isinstance(m, TaskRefreshed), after=len(messages.seen))
        assert live.simulator.counters.total > count


async def test_authentication_failure_shows_one_banner_and_stops(tmp_path: Path) -> None:
    live = live_app(tmp_path, sk="wrong-secret")
    live.watch("reboot", 10, running_for=1000)
    async with live.run() as (pilot, messages):
        await messages.wait_for(lambda m: isinstance(m, CredentialRefused))
        await pilot.pause()
        banner = live.app.query_one("#banner")
        assert banner.display
        assert "Authentication failed" in str(banner.render())
        assert "wrong-secret" not in str(banner.render())
        live.app.session.refresh()  # all ten due now: the refused credential holds them back
        assert await live.app.session.tick() == 0
        assert live.simulator.counters.total == 1
        assert sum(isinstance(m, CredentialRefused) for m in messages.seen) == 1


async def test_copy_emits_osc52(tmp_path: Path) -> None:
    writes: list[str] = []
    app = frozen_app(tmp_path / "f.sqlite3", write_terminal=writes.append)
    async with app.run_test(size=(120, 40)) as pilot:
        await highlight(app, "CHG-1044 upgrade")
        await pilot.press("c")
        await pilot.press("f")
    payloads = [
        base64.b64decode(m).decode()
        for w in writes
        for m in re.findall(r"\x1b\]52;c;([^\a]*)\a", w)
    ]
    task_id = next(r.task_id for r in app.session.records.values() if r.label == "CHG-1044 upgrade")
    assert payloads[0] == task_id
    assert payloads[1].startswith("Upgrade of the database kernel failed")


async def test_copy_is_wrapped_for_an_old_tmux_with_passthrough_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def old_tmux(argv: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
        answers = {"set-clipboard": "external", "allow-passthrough": "on"}
        failed = argv[1] == "load-buffer"  # no -w before tmux 3.2
        return subprocess.CompletedProcess(argv, int(failed), answers.get(argv[-1], ""), "")

    writes: list[str] = []
    app = frozen_app(tmp_path / "f.sqlite3", write_terminal=writes.append)
    app.signals.tmux = True
    app.signals.run_tmux = old_tmux
    toasts: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kwargs: toasts.append(message))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
    assert writes[0].startswith("\x1bPtmux;\x1b\x1b]52;c;")
    assert any(t.startswith("Copied ") and "passthrough" in t for t in toasts)


async def test_help_lists_every_binding(tmp_path: Path) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        for widget in app.screen.query(Static):
            console.print(widget.content)
        shown = console.export_text()  # the help screen's text, as a user reads it
        await pilot.press("escape")
    names = {"slash": "/", "question_mark": "?", "delete": "Delete"}
    for binding in TaskwatchApp.BINDINGS:
        key = binding.key.split(",")[0]  # type: ignore[union-attr]
        action = getattr(TaskwatchApp, f"action_{binding.action}")  # type: ignore[union-attr]
        assert names.get(key, key) in shown
        assert action.__doc__.strip().splitlines()[0] in shown


async def test_raw_json_toggle(tmp_path: Path) -> None:
    async with frozen_on(tmp_path, "CHG-1044 upgrade") as (app, pilot):
        await pilot.press("v")
        assert app.view.raw_json
        await pilot.press("v")
        assert not app.view.raw_json


def _refreshes(messages: Messages, task_id: str) -> int:
    return sum(isinstance(m, TaskRefreshed) and m.record.task_id == task_id for m in messages.seen)


async def test_refresh_selected_sends_a_request(tmp_path: Path) -> None:
    live = live_app(tmp_path, interval=3600)  # the engine would not ask again for an hour
    jobs = live.watch("reboot", 2, running_for=1000)
    async with live.run() as (pilot, messages):
        await messages.wait_for(lambda _: all(_refreshes(messages, j.id) == 1 for j in jobs))
        await pilot.press("r")
        await messages.wait_for(lambda _: _refreshes(messages, jobs[0].id) == 2)
        assert live.simulator.counters.by_job[jobs[0].id] == 2
        assert live.simulator.counters.by_job[jobs[1].id] == 1


async def test_refresh_all_refreshes_every_unfinished_task(tmp_path: Path) -> None:
    live = live_app(tmp_path, interval=3600)
    jobs = [make_job(live.simulator, "reboot", running_for=1000) for _ in range(3)]
    done = make_job(live.simulator, "reboot", created_at=live.clock.now() - 100, running_for=1)
    live.store.add_tasks([j.id for j in [*jobs, done]], profile="default")
    async with live.run() as (pilot, messages):
        await messages.wait_for(lambda _: all(_refreshes(messages, j.id) == 1 for j in jobs))
        await pilot.press("R")
        await messages.wait_for(lambda _: all(_refreshes(messages, j.id) == 2 for j in jobs))
        assert live.simulator.counters.by_job[done.id] == 1  # finished: never asked again


async def test_another_process_add_appears(live: LiveSetup, tmp_path: Path) -> None:
    assert STORE_CHECK <= 2
    job = make_job(live.simulator, "reboot", running_for=1000)
    async with live.app.run_test(size=(120, 40)) as pilot:
        other = Store.open(tmp_path / "live.sqlite3")
        other.add_tasks([job.id], profile="default", label="from the CLI")
        assert live.app.session.check_outside_changes()  # what the STORE_CHECK timer does
        await pilot.pause()
        assert _rows(live.app) == [job.id]


async def test_every_action_is_in_the_command_palette(tmp_path: Path) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)):
        titles = {command.title for command in app.get_system_commands(app.screen)}
    for binding in TaskwatchApp.BINDINGS:
        if binding.action != "quit":  # type: ignore[union-attr]
            assert binding.description in titles  # type: ignore[union-attr]


def test_readme_keybindings_table_matches_the_bindings() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    for keys, description in binding_rows():
        assert f"| `{keys}` | {description} |" in readme, (keys, description)


async def test_updates_arrive_while_a_dialog_is_open(live: LiveSetup) -> None:
    [job] = live.watch("reboot", running_for=20)
    async with live.run() as (pilot, messages):
        await messages.wait_for(lambda m: isinstance(m, TaskRefreshed))
        await pilot.press("question_mark")
        assert isinstance(live.app.screen, HelpScreen)
        live.clock.advance(21)
        await messages.wait_for(lambda m: isinstance(m, TaskFinished))
        await live.app.view.settled()
        await pilot.pause()
        assert str(live.app.view.table.get_row(job.id)[0]).startswith("✔ Completed")
        await pilot.press("escape")


async def test_first_fetch_fills_every_cell_of_the_row(live: LiveSetup) -> None:
    [job] = live.watch("reboot", created_at=live.clock.now() - 30, running_for=1000)
    async with live.run((200, 50)) as (pilot, messages):
        await messages.wait_for(lambda m: isinstance(m, TaskRefreshed))
        await pilot.pause()
        cells = live.app.view.table.cells_of(job.id)  # 200 columns: every column shows
        assert cells["status"] == "▶ Running"
        assert cells["elapsed"] == "30s"
        assert cells["checked"] == "now"


async def test_no_color_keeps_every_status_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(80, 24)):
        assert app.no_color
        words = {
            str(app.view.table.get_row(task_id)[0]).split(" ", 1)[1]
            for task_id in app.session.records
        }
    assert words == {"Completed", "Running", "Failed", "Pending", "Not found", "Scheduled"}


async def test_retry_login_sends_one_request_with_the_fixed_credential(
    tmp_path: Path, toasts: list[tuple[str, str]]
) -> None:
    from tests.ui_fixtures import demo_profile

    live = live_app(tmp_path, sk="wrong-secret")
    jobs = live.watch("reboot", 5, running_for=1000)
    async with live.run() as (pilot, messages):
        await messages.wait_for(lambda m: isinstance(m, CredentialRefused))
        assert live.simulator.counters.total == 1
        await pilot.press("ctrl+r")  # unchanged: retrying it could only lock the AK
        await pilot.pause()
        assert await live.app.session.tick() == 0
        assert live.simulator.counters.total == 1
        assert any("has not changed since it was refused" in text for text, _ in toasts)
        runtime = live.app.session.runtime
        assert runtime is not None
        runtime.resolver = lambda name: demo_profile()  # the user fixed the credentials file
        await pilot.press("ctrl+r")  # reads it again: the new credential replaces the old
        await messages.wait_for(
            lambda m: isinstance(m, TaskRefreshed) and m.record.task_id == jobs[-1].id
        )
        await pilot.pause()
        assert not live.app.view.banner.display
        assert live.simulator.counters.by_status[401] == 1  # the fixed one was never refused


async def test_quit_key_exits(tmp_path: Path) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0


async def test_notifications_can_be_switched_off(
    tmp_path: Path, toasts: list[tuple[str, str]]
) -> None:
    from tui.engine.setup.config import NotificationSettings, Settings

    quiet = Settings(notifications=NotificationSettings(toast=False, bell=False, desktop=False))
    live = live_app(tmp_path, settings=quiet)
    live.watch("upgrade", running_for=5, outcome="Failed")
    async with live.run() as (pilot, messages):
        await messages.wait_for(lambda m: isinstance(m, TaskRefreshed))
        live.clock.advance(6)
        await messages.wait_for(lambda m: isinstance(m, TaskFinished))
        await pilot.pause()
        assert toasts == []
    assert live.terminal.writes == []


async def test_edit_label(tmp_path: Path) -> None:
    from tui.ui.widgets.dialogs import LabelScreen

    async with frozen_on(tmp_path, "typo?") as (app, pilot):
        await pilot.press("l")
        assert isinstance(app.screen, LabelScreen)
        await pilot.press("ctrl+u", *"ghost task", "enter")
        await pilot.pause()
        task_id = app.view.table.highlighted_task
        assert task_id is not None
        assert app.session.store.get_task(task_id).label == "ghost task"  # type: ignore[union-attr]
        assert str(app.view.table.get_row(task_id)[1]) == "ghost task"


async def test_a_profile_without_credentials_is_explained_not_called_an_auth_failure(
    live: LiveSetup,
) -> None:
    job = make_job(live.simulator, "reboot", running_for=1000)
    live.store.add_tasks([job.id], profile="prod")
    assert live.app.session.runtime is not None
    live.app.session.runtime.problems["prod"] = (
        "no credentials for profile 'prod': set HUAWEICLOUD_SDK_AK"
    )
    async with live.app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert live.app.view.banner.display
        assert "Profile 'prod' is not polled: no credentials" in str(live.app.view.banner.render())
        summary = str(live.app.view.summary.render())
        assert "profile not configured" in summary and "authentication" not in summary
    assert live.simulator.counters.total == 0


async def test_hostile_text_is_shown_literally_and_never_breaks_rendering(tmp_path: Path) -> None:
    """Labels, names, entities and failure reasons come from users and the cloud: text such as
    ``[/]`` must show as typed and must not be parsed as markup (that would crash rendering)."""
    from rich.console import Console

    from tui.cloud.client import new_http_client
    from tui.cloud.models import parse_job_dict
    from tui.engine.setup.runtime import Runtime

    store = Store.open(tmp_path / "h.sqlite3")
    task_id = "0f0f0f0f-0000-4000-8000-00000000abcd"
    store.add_tasks([task_id], profile="[prod]", label="[/] [bold]label")
    hostile = {
        "id": task_id, "name": "[red]Name[/red]", "status": "Failed", "created": "", "process": "",
        "instance": {"id": "x[/]", "name": "[link=x]inst"}, "fail_reason": "disk [/] full [b]",
        "entities": {"weird[/]": "[/bold]value"},
    }  # fmt: skip
    store.record_success(task_id, parse_job_dict(hostile), now=1)
    store.record_error(task_id, kind="server", text="boom [/] [i]", now=2)
    runtime = Runtime(new_http_client(), problems={"[prod]": "bad [/] profile"})
    app = TaskwatchApp(WatchSession(store, runtime, poll=False), write_terminal=lambda _: None)
    async with app.run_test(size=(200, 50)) as pilot:  # every column on screen
        app.notify("toast [/] text")
        await pilot.pause()  # everything above is rendered here; a markup error would raise
        console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(app.view.detail.current)
        detail = console.export_text()
        banner = str(app.view.banner.render())
        cells = [str(cell) for cell in app.view.table.get_row(task_id)]
    assert "[/] [bold]label · [red]Name[/red]" in cells and "[link=x]inst" in cells
    assert "[red]Name[/red]" in detail and "disk [/] full [b]" in detail
    assert "weird[/]" in detail and "[/bold]value" in detail and "boom [/] [i]" in detail
    assert "bad [/] profile" in banner


async def test_dialogs_are_reused_and_start_empty(tmp_path: Path) -> None:
    """One instance per dialog (new ones leave render caches behind: benchmarks/dialogs.py),
    reset each time it is shown."""
    from textual.widgets import Input, TextArea

    from tui.ui.widgets.dialogs import LabelScreen

    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        first = app.screen
        first.query_one("#add-ids", TextArea).text = "left over"
        await pilot.press(*"CHG", "escape")
        await pilot.press("a")
        assert app.screen is first
        assert first.query_one("#add-ids", TextArea).text == ""
        await pilot.press("escape")
        await highlight(app, "typo?")
        await pilot.press("l")
        label_dialog = app.screen
        assert isinstance(label_dialog, LabelScreen)
        assert label_dialog.query_one("#label-input", Input).value == "typo?"
        await pilot.press("escape")
        await highlight(app, "CHG-1042 resize")
        await pilot.press("l")
        assert app.screen is label_dialog
        assert label_dialog.query_one("#label-input", Input).value == "CHG-1042 resize"
        await pilot.press("escape")
        await pilot.press("question_mark")
        help_screen = app.screen
        await pilot.press("escape", "question_mark")
        assert app.screen is help_screen


async def test_a_frozen_apps_session_starts_and_runs_without_error(tmp_path: Path) -> None:
    """A session that never polls still runs (it used to raise AttributeError in its worker,
    which the app swallowed); the autouse ``background_failures`` fixture fails this test if
    the app's session worker dies."""
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.session_started.wait()
        await pilot.pause()
        worker = app._poller_worker
        assert worker is not None
        await worker.wait()  # a session without polling has nothing to run: it returns
        assert worker.error is None


async def test_a_dying_session_worker_is_said_and_logged(
    tmp_path: Path,
    background_failures: list[str],
    toasts: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")

    async def broken_run() -> None:
        raise RuntimeError("a bug in the engine")

    monkeypatch.setattr(app.session, "run", broken_run)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.session_started.wait()
        for _ in range(20):
            await pilot.pause()
            if background_failures:
                break
    assert background_failures == ["poller: RuntimeError('a bug in the engine')"]
    assert any("Refreshing stopped (RuntimeError)" in text for text, _ in toasts)
    background_failures.clear()  # expected here
