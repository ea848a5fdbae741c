"""``taskwatch watch`` headless (no terminal: stdin closed, stdout a pipe), SIGTERM with nothing
lost, ``--until-done`` exits, and one poller per watchlist: a TUI beside ``watch`` asks the cloud
nothing, tells the team nothing twice, and takes the lease over when ``watch`` is SIGKILLed."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from tests.receiver import Receiver
from tests.ui_fixtures import demo_profile
from tui.cloud.client import new_http_client
from tui.engine.events import LeaseChanged, SessionEvent
from tui.engine.polling.poller import PollerConfig
from tui.engine.session import WatchSession
from tui.engine.setup.config import NotifySettings, Settings
from tui.engine.setup.paths import config_file, database_file
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.simulator import SimulatorServer, SimulatorTransport
from tui.simulator.demo import DEMO_PROJECT_ID
from tui.simulator.scenarios import make_job
from tui.ui.app import TaskwatchApp

pytestmark = pytest.mark.slow


def _configure(server: SimulatorServer, notify: str = "") -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'refresh_interval = 1\n{notify}\n[profiles.default]\nendpoint = "{server.url}"\n'
        f'project_id = "{DEMO_PROJECT_ID}"\n',
        "utf-8",
    )


def _watch(*flags: str) -> subprocess.Popen[str]:
    """``taskwatch watch`` with no terminal at all: stdin closed, stdout and stderr pipes."""
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "watch", *flags],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HUAWEICLOUD_SDK_AK": "TASKWATCHDEMOAK00001"},
        start_new_session=True,  # no controlling terminal either
    )


def _line_where(
    process: subprocess.Popen[str], wanted: Any, timeout: float = 20.0
) -> dict[str, Any]:
    """The first JSON line of ``process`` for which ``wanted(line)`` holds."""
    assert process.stdout is not None
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([process.stdout], [], [], end - time.monotonic())
        if not ready:
            break
        raw = process.stdout.readline()
        if not raw:
            break
        line: dict[str, Any] = json.loads(raw)
        if wanted(line):
            return line
    raise AssertionError(f"no such line within {timeout} s")


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.simulator.demo import DEMO_AK, DEMO_SK

    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)


def test_watch_headless_prints_changes_and_sigterm_sends_what_waits(
    server: SimulatorServer, receiver: Receiver
) -> None:
    table = f'[[notify]]\nurls = ["{receiver.url()}"]\ndigest = 600\n'
    _configure(server, table)
    failing = make_job(server.simulator, "reboot", outcome="Failed", running_for=2)
    Store.open(database_file()).add_tasks([failing.id], profile="default", label="CHG-9")
    process = _watch("--json")
    try:
        _line_where(process, lambda line: line["event"] == "lease")
        failed = _line_where(process, lambda line: line.get("status") == "Failed")
        assert failed["task_id"] == failing.id and failed["label"] == "CHG-9"
        assert failed["fail_reason"]
        assert receiver.posted == []  # the digest window (600 s) is still open
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
        assert time.monotonic() - started < 5
    finally:
        process.kill()
    # Nothing lost: the open digest went out before the exit.
    (posted,) = receiver.wait_for(1, timeout=1)
    assert "Failed" in posted.body["title"] and failing.id in posted.body["message"]


def test_watch_until_done_exits_as_wait_does(server: SimulatorServer) -> None:
    _configure(server)
    jobs = [
        make_job(server.simulator, "reboot", running_for=1),
        make_job(server.simulator, "reboot", outcome="Canceled", running_for=2),
    ]
    Store.open(database_file()).add_tasks([job.id for job in jobs], profile="default")
    process = _watch("--until-done")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, err  # one was canceled
    assert jobs[1].id in out and "Canceled" in out and "Traceback" not in err


async def test_one_poller_per_watchlist_and_the_lease_taken_over_after_sigkill(
    server: SimulatorServer, receiver: Receiver
) -> None:
    table = f'[[notify]]\nurls = ["{receiver.url()}"]\non = ["completed"]\ndigest = 0\n'
    _configure(server, table)
    simulator = server.simulator
    jobs = [make_job(simulator, "reboot", running_for=3 + n) for n in range(3)]
    Store.open(database_file()).add_tasks([job.id for job in jobs], profile="default")
    process = _watch("--json")
    sent: list[httpx.Request] = []

    class Recording(SimulatorTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return await super().handle_async_request(request)

    try:
        held = _line_where(process, lambda line: line["event"] == "lease")
        assert held["polling"] is True
        runtime = Runtime(new_http_client(transport=Recording(simulator)))
        profile = demo_profile()
        runtime.profiles["default"] = profile
        runtime.clients["default"] = runtime.client_for(profile)
        settings = Settings(
            refresh_interval=1,
            notify=[NotifySettings(urls=[receiver.url()], on=["completed"], digest=0)],
        )
        session = WatchSession(
            Store.open(database_file()), runtime, settings, poller_config=PollerConfig(interval=1.0)
        )
        events: list[SessionEvent] = []
        finished = asyncio.Event()
        took_over = asyncio.Event()

        def seen(event: SessionEvent) -> None:
            events.append(event)
            if all(r.is_final for r in session.records.values()):
                finished.set()
            if isinstance(event, LeaseChanged) and event.holds:
                took_over.set()

        session.subscribe(seen)
        app = TaskwatchApp(session)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            await asyncio.wait_for(finished.wait(), 30)  # the rows follow watch's answers
            assert not session.leads and sent == []  # and this window asked the cloud nothing
            assert "polled by another taskwatch" in str(app.view.summary.render())
            # Each completion told the team once (by watch, the holder), not once per window.
            await asyncio.to_thread(receiver.wait_for, len(jobs))
            messages = " ".join(p.body["message"] for p in receiver.posted)
            assert [messages.count(job.id) for job in jobs] == [1, 1, 1]
            late = make_job(simulator, "reboot", running_for=600)
            session.edits.add([late.id], profile="default")
            killed = time.monotonic()
            process.kill()  # SIGKILL: no goodbye, the lease just stops being renewed
            await asyncio.wait_for(took_over.wait(), 10)
            assert time.monotonic() - killed < 10 and session.leads
            for _ in range(50):  # the new holder polls what is still running
                if any(late.id in str(request.url) for request in sent):
                    break
                await pilot.pause(0.1)
            assert any(late.id in str(request.url) for request in sent)
    finally:
        process.kill()
        process.wait()
