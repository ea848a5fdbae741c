"""Launching the TUI: the watchlist paints first, then settings and clients load and polling
starts; a configuration that cannot be used ends the app with one clear line."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import pytest

from tui.cli.launch import prepare
from tui.cli.parser import build_parser
from tui.engine.events import SessionEvent, TaskRefreshed
from tui.engine.setup.paths import config_file, database_file
from tui.engine.storage import Store
from tui.errors import ConfigError
from tui.simulator import SimulatorServer
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.scenarios import make_job
from tui.ui.app import TaskwatchApp
from tui.ui.widgets.task_table import TaskTable


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", DEMO_PROJECT_ID)


@pytest.mark.usefixtures("credentials")
async def test_the_watchlist_shows_before_the_session_connects_then_polling_starts(
    live_server: SimulatorServer,
) -> None:
    job = make_job(live_server.simulator, "reboot", running_for=1000)
    store = Store.open(database_file())
    store.add_tasks([job.id], profile="default", label="from yesterday")
    store.close()
    prepared = prepare(_args("--endpoint", live_server.url))
    session = prepared.session
    assert session.runtime is None  # nothing loaded for the network before the first paint
    events: list[SessionEvent] = []
    refreshed = asyncio.Event()

    def seen(event: SessionEvent) -> None:
        events.append(event)
        if isinstance(event, TaskRefreshed):
            refreshed.set()

    session.subscribe(seen)
    app = TaskwatchApp(session, write_terminal=lambda _: None)
    try:
        async with app.run_test(size=(120, 40)):
            assert app.query_one(TaskTable).row_ids == [job.id]
            async with asyncio.timeout(10):
                await refreshed.wait()
            assert session.runtime is not None and "default" in session.runtime.profiles
            assert live_server.simulator.counters.by_job[job.id] >= 1
            assert session.records[job.id].status == "Running"
    finally:
        prepared.close()
    assert app.failure is None


async def test_an_unusable_config_ends_the_app_with_the_reason(tmp_path: Path) -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("refresh_interval = [broken\n", "utf-8")
    prepared = prepare(_args())
    app = TaskwatchApp(prepared.session, write_terminal=lambda _: None)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            # The session starts two frames after the first paint, in a worker that may not
            # exist yet: wait for the attempt itself, not for whatever workers there are now.
            async with asyncio.timeout(10):
                await app.session_started.wait()
            await pilot.pause()
    finally:
        prepared.close()
    assert isinstance(app.failure, ConfigError)
    assert "TOML syntax error" in str(app.failure)
    assert app.return_value == 2


@pytest.mark.parametrize("where", ["after", "before"])
def test_list_report_and_export_read_the_demo_s_watchlist_with_demo(
    where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from tui.cli import main
    from tui.cli.launch import DEMO_LABELS, start_demo

    def run(command: str, *rest: str) -> int:
        argv = [command, *rest, "--demo"] if where == "after" else ["--demo", command, *rest]
        return main(argv)

    assert run("report") == 2
    assert "run taskwatch --demo first" in capsys.readouterr().err
    assert not database_file(demo=True).exists()  # asking made no empty demo watchlist
    _, store, stop = start_demo()
    store.close()
    stop()
    capsys.readouterr()
    assert main(["list"]) == 0 and DEMO_LABELS[0] not in capsys.readouterr().out  # yours: empty
    assert run("list") == 0 and DEMO_LABELS[0] in capsys.readouterr().out
    assert run("report", "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    assert DEMO_LABELS[0] in json.dumps(report)
    assert run("export") == 0 and DEMO_LABELS[0] in capsys.readouterr().out
