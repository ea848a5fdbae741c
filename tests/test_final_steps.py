"""A finished task never shows running steps: the steps are read once more when it ends (the
final snapshot); when that fails they are shown, and reported, as last seen before the end.
Pending steps show no time left, and a failed task keeps the progress it reached."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.ui_fixtures import demo_profile
from tui.cloud.client import new_http_client
from tui.cloud.models import Job
from tui.cloud.steps import parse_steps_response
from tui.engine.polling.poller import PollerConfig
from tui.engine.records import TaskRecord
from tui.engine.report import build_report
from tui.engine.session import Clock, WatchSession
from tui.engine.setup.config import Settings
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.present.report_formats import csv_chunks, markdown_chunks
from tui.present.report_html import html_chunks
from tui.simulator import FakeClock, Simulator, SimulatorTransport
from tui.simulator.scenarios import make_job
from tui.ui.widgets.detail import render_detail, steps_lines

TASK = "a9767ede-fe0f-4888-9003-e843a4c90514"


class _StepsRefusedAfter(httpx.AsyncBaseTransport):
    """The simulator, with every steps request failing (503) once ``broken`` is set."""

    def __init__(self, simulator: Simulator) -> None:
        self.inner = SimulatorTransport(simulator)
        self.broken = False
        self.steps_requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "detail" in request.url.path:  # TaurusDB's task-center-detail
            self.steps_requests += 1
            if self.broken:
                return httpx.Response(503, json={"error_code": "SYS.503", "error_msg": "busy"})
        return await self.inner.handle_async_request(request)


def _session(tmp_path: Path, transport: httpx.AsyncBaseTransport, clock: FakeClock) -> WatchSession:
    runtime = Runtime(new_http_client(transport=transport))
    profile = demo_profile()
    runtime.profiles[profile.name] = profile
    runtime.clients[profile.name] = runtime.client_for(profile)
    return WatchSession(
        Store.open(tmp_path / "w.sqlite3"),
        runtime,
        Settings(),
        clock=Clock(wall=clock.now, monotonic=clock.now),
        poller_config=PollerConfig(interval=5.0, jitter=0.0),
    )


async def _run(session: WatchSession, clock: FakeClock, seconds: int) -> None:
    for _ in range(seconds):
        await session.tick()
        clock.advance(1.0)


async def _failing_resize_running(
    tmp_path: Path,
) -> tuple[WatchSession, _StepsRefusedAfter, FakeClock, str]:
    """A resize that fails at 45 s, watched for 40 s: running, its steps read."""
    clock = FakeClock(start=time.time())
    simulator = Simulator(clock=clock.now, seed=2)
    transport = _StepsRefusedAfter(simulator)
    session = _session(tmp_path, transport, clock)
    job = make_job(simulator, "resize", outcome="Failed", running_for=45, fail_reason="disk")
    session.edits.add([job.id], profile="default")
    await _run(session, clock, 40)
    return session, transport, clock, job.id


async def test_the_steps_are_read_once_more_when_the_task_ends(tmp_path: Path) -> None:
    session, transport, clock, job_id = await _failing_resize_running(tmp_path)
    running = session.records[job_id]
    assert running.status == "Running" and running.steps is not None
    assert any(step.phase == "active" for step in running.steps.steps)
    before = transport.steps_requests
    await _run(session, clock, 20)
    ended = session.records[job_id]
    assert ended.status == "Failed" and ended.steps is not None
    assert transport.steps_requests == before + 1  # the final snapshot, once
    phases = [step.phase for step in ended.steps.steps]
    assert "active" not in phases and "failed" in phases
    assert not ended.steps_before_end
    # A failed task keeps the progress it reached (the cloud sends none once it failed).
    assert running.progress is not None and (ended.progress or 0) >= running.progress
    await _run(session, clock, 60)
    assert transport.steps_requests == before + 1  # and never again
    await session.aclose()


async def test_when_the_final_snapshot_fails_the_steps_say_when_they_were_seen(
    tmp_path: Path,
) -> None:
    session, transport, clock, job_id = await _failing_resize_running(tmp_path)
    transport.broken = True
    await _run(session, clock, 20)
    record = session.records[job_id]
    assert record.status == "Failed" and record.steps_before_end
    assert record.progress is not None and record.progress > 50  # ✘ 80%, not a blank cell
    text = _plain(render_detail(record, [], now=clock.now()))
    assert "last seen" in text and "before it ended" in text
    assert "was Running" in text and " left" not in text
    assert "▶" not in text  # no step drawn as running
    now = datetime.fromtimestamp(clock.now(), UTC)
    assert session.store is not None
    report = build_report(session.store, start=now - timedelta(hours=1), end=now, now=now)
    for chunks in (markdown_chunks(report), csv_chunks(report), html_chunks(report)):
        written = "".join(chunks)
        assert "before it ended" in written and "was Running" in written
        assert ": Running" not in written
    await session.aclose()


def test_only_a_running_step_of_a_running_task_shows_time_left() -> None:
    items = [
        {"sub_task_name": "a", "status": "Completed", "percent": "100"},
        {"sub_task_name": "b", "status": "Running", "percent": "40", "remaining_time": "120"},
        {"sub_task_name": "c", "status": "Pending", "percent": "0", "remaining_time": "30"},
    ]
    steps = parse_steps_response(json.dumps({"sub_task_list": items}))
    running = dict(steps_lines(steps))
    assert running["▶ b"].endswith("left") and "left" not in running["◌ c"]
    ended = dict(steps_lines(steps, final=True))
    assert not any("left" in state for state in ended.values())
    stale = dict(steps_lines(steps, final=True, before_end=True))
    assert stale == {"✔ a": "Completed  100%", "· b": "was Running  40%", "· c": "was Pending  0%"}


def test_a_completed_task_without_a_percent_is_100_and_a_failed_one_keeps_its_last() -> None:
    record = TaskRecord(TASK, "default", label="", added_at=0.0, position=0, progress=96)
    failed = record.fetched(Job.model_validate({"id": TASK, "status": "Failed"}), 1.0)
    assert failed.progress == 96
    done = record.fetched(Job.model_validate({"id": TASK, "status": "Completed"}), 1.0)
    assert done.progress is None  # shown as 100% (format_progress)


def _plain(renderable: object) -> str:
    from rich.console import Console

    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()
