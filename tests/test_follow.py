"""Follow rules against the simulator on a fake clock: new tasks on a followed instance join the
watchlist within two discovery intervals, others are ignored, scheduled tasks become running
ones, nothing is added twice, and the lists are polite (request counts asserted)."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine_rig import Rig
from tests.ui_fixtures import demo_profile
from tui.cloud.endpoints import Service
from tui.engine.events import FollowingChanged, RefreshFailed, SessionEvent, TasksDiscovered
from tui.engine.records import TaskRecord
from tui.engine.session import WatchSession
from tui.engine.setup.config import Settings
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.simulator import FakeClock, SimulatorServer
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.scenarios import make_job

INTERVAL = 15.0
KINDS = {Service.TAURUSDB: ("bind_eip", "reboot"), Service.RDS: ("rds_scale", "rds_switchover")}
LISTS = {
    Service.TAURUSDB: ("immediate-jobs", "scheduled-jobs"),
    Service.RDS: ("tasklist", "schedule-tasks"),
}


def _following(
    rig: Rig, service: Service = Service.TAURUSDB, sk: str = DEMO_SK
) -> tuple[WatchSession, list[SessionEvent]]:
    """A session of ``service`` that lists every discovery interval, for follow rules."""
    return rig.session(rig.client(sk, service), settings=Settings(discovery_interval=INTERVAL))


async def _run(session: WatchSession, clock: FakeClock, seconds: float, step: float = 1.0) -> int:
    """Advance the clock, polling and listing as due; return the list requests sent."""
    lists = 0
    elapsed = 0.0
    while elapsed < seconds:
        lists += await session.discover()
        await session.tick()
        clock.advance(step)
        elapsed += step
    return lists


@pytest.mark.parametrize("service", [Service.TAURUSDB, Service.RDS])
async def test_new_tasks_on_a_followed_instance_arrive_and_others_are_ignored(
    rig: Rig, service: Service
) -> None:
    kind, other_kind = KINDS[service]
    followed = make_job(rig.simulator, kind, created_at=rig.clock.now() - 5000, running_for=10)
    where = (followed.instance_id, followed.instance_name)
    session, events = _following(rig, service)
    reloads: list[int] = []
    reload = session.watchlist.reload

    def counted() -> None:
        reloads.append(1)
        reload()

    session.watchlist.reload = counted  # type: ignore[method-assign]
    session.following.follow("default", [followed.instance_id], [])
    await _run(session, rig.clock, 5)
    assert followed.id not in session.records  # finished before the rule: not wanted
    new = make_job(
        rig.simulator, other_kind, created_at=rig.clock.now(), running_for=600, instance=where
    )
    elsewhere = make_job(rig.simulator, kind, created_at=rig.clock.now(), running_for=600)
    await _run(session, rig.clock, 2 * INTERVAL)
    assert new.id in session.records and elsewhere.id not in session.records
    record = session.records[new.id]
    assert record.label == "" and record.origin == "rule:1"  # the label is the user's
    assert record.status == "Running"  # polled like any other task since
    found = [e for e in events if isinstance(e, TasksDiscovered)]
    assert [e.task_ids for e in found] == [(new.id,)]
    assert found[0].message == f"1 new task on {followed.instance_name}"
    assert reloads == []  # joined the watchlist in place, not by reading every task again


async def test_an_endless_list_adds_at_most_200_a_round_and_shows_in_the_banner(rig: Rig) -> None:
    rig.simulator.hostile = True
    session, events = _following(rig)
    session.following.follow("default", [], [])
    assert await session.discover() == 40  # cut at 40 pages
    assert len(session.records) == 200
    assert any("went on past 40 pages" in p for p in session.health.problems)
    found = [e for e in events if isinstance(e, TasksDiscovered)]
    assert [len(e.task_ids) for e in found] == [200]


async def test_with_nothing_new_one_list_request_per_interval(rig: Rig) -> None:
    session, _ = _following(rig)
    session.following.follow("default", [], [])
    lists = await _run(session, rig.clock, 10 * INTERVAL)
    assert lists == 10
    instant, scheduled = LISTS[Service.TAURUSDB]
    assert (
        rig.simulator.counters.lists[instant] == 5 and rig.simulator.counters.lists[scheduled] == 5
    )
    assert rig.simulator.counters.total == 10


async def test_a_wrong_sk_costs_exactly_one_request_in_total(rig: Rig) -> None:
    rig.watch("reboot", 5, running_for=600)
    session, _ = _following(rig, sk="wrong")
    session.following.follow("default", [], [])
    await _run(session, rig.clock, 6 * INTERVAL)
    assert rig.simulator.counters.total == 1
    assert rig.simulator.counters.auth_failures == 1


async def test_a_missing_permission_names_the_iam_action_and_pauses_following(rig: Rig) -> None:
    rig.simulator.denied.add("list")
    session, events = _following(rig, Service.RDS)
    session.following.follow("default", [], [])
    lists = await _run(session, rig.clock, 10 * INTERVAL)
    assert lists == 1  # one refusal, then no retry storm
    [problem] = [e.problem for e in events if isinstance(e, FollowingChanged) and e.problem]
    assert problem is not None and "rds:task:listAll" in problem
    assert any("rds:task:listAll" in p for p in session.health.problems)
    rig.simulator.denied.clear()
    session.following.follow(
        "default", [], ["MysqlSwitchover"]
    )  # a new rule (or F) resumes following
    assert await _run(session, rig.clock, 2) >= 1
    assert not any("listAll" in p for p in session.health.problems)


async def test_scheduled_tasks_show_as_scheduled_then_run_when_they_start(rig: Rig) -> None:
    planned = make_job(
        rig.simulator, "resize", created_at=rig.clock.now() + 120, running_for=600,
        scheduled_since=rig.clock.now() - 60,
    )  # fmt: skip
    session, _ = _following(rig)
    session.following.follow("default", [planned.instance_id], [])
    await _run(session, rig.clock, 2 * INTERVAL)
    record = session.records[planned.id]
    assert record.status == "Scheduled"
    assert record.planned_start == pytest.approx(planned.created_at)
    assert rig.simulator.counters.by_job[planned.id] == 0  # not asked about before it starts
    await _run(session, rig.clock, 120)
    assert session.records[planned.id].status == "Running"
    assert list(session.records).count(planned.id) == 1


def _detail_text(record: TaskRecord, now: float) -> str:
    from rich.console import Console

    from tui.ui.widgets.detail import render_detail

    console = Console(width=100, record=True, file=io.StringIO())
    console.print(render_detail(record, [], now=now))
    return console.export_text()


async def test_a_scheduled_task_that_starts_late_is_not_started_yet_never_an_error(
    rig: Rig,
) -> None:
    planned = make_job(
        rig.simulator, "resize", created_at=rig.clock.now() + 120, running_for=600,
        scheduled_since=rig.clock.now() - 60, visible_after=45,
    )  # fmt: skip
    session, events = _following(rig)
    session.following.follow("default", [planned.instance_id], [])
    await _run(session, rig.clock, 150)  # its planned start was 30 s ago: the job API knows nothing
    assert rig.simulator.counters.by_job[planned.id] >= 1
    record = session.records[planned.id]
    assert (record.status, record.error_kind, record.not_found) == ("Scheduled", None, False)
    assert not any(isinstance(e, RefreshFailed) for e in events)
    assert "(not started yet)" in _detail_text(record, session.clock.wall())
    await _run(session, rig.clock, 30)
    assert session.records[planned.id].status == "Running"
    history = session.watchlist.history(planned.id)
    assert "Running" in {h.status for h in history}
    assert not any(h.error_text for h in history)  # no "not_found: The job does not exist"


async def test_nothing_is_added_twice_not_even_a_task_the_user_removed(rig: Rig) -> None:
    session, _ = _following(rig)
    session.following.follow("default", [], [])
    await _run(session, rig.clock, 2)
    jobs = [
        make_job(rig.simulator, "reboot", created_at=rig.clock.now(), running_for=900)
        for _ in range(60)
    ]
    await _run(session, rig.clock, 4 * INTERVAL)
    assert sorted(j.id for j in jobs) == sorted(session.records)
    session.edits.remove(jobs[0].id)
    await _run(session, rig.clock, 6 * INTERVAL)  # the window overlaps: every list sees them again
    assert jobs[0].id not in session.records
    assert len(rig.store.all_tasks()) == 60


async def test_a_garbage_list_is_skipped_and_shown_and_loses_nothing(rig: Rig) -> None:
    session, events = _following(rig)
    job = make_job(rig.simulator, "reboot", created_at=rig.clock.now(), running_for=900)
    session.following.follow("default", [], [])
    await _run(session, rig.clock, 2)
    assert job.id in session.records
    rig.simulator.faults.malformed_next = 1  # the next answer is an HTML error page
    newer = make_job(rig.simulator, "reboot", created_at=rig.clock.now(), running_for=900)
    rig.clock.advance(INTERVAL)
    await session.discover()
    assert any(isinstance(e, FollowingChanged) and e.problem for e in events)
    assert any("last list failed" in p for p in session.health.problems)
    assert job.id in session.records and newer.id not in session.records
    await _run(session, rig.clock, 2 * INTERVAL)
    assert newer.id in session.records
    assert not any("last list failed" in p for p in session.health.problems)
    assert len(rig.store.all_tasks()) == 2


async def test_rules_persist_per_profile_and_the_window_resumes_after_a_restart(rig: Rig) -> None:
    session, _ = _following(rig)
    rule = session.following.follow("default", [], [])
    await _run(session, rig.clock, 2)
    session.stop()
    rig.clock.advance(3600)  # closed for an hour; a task started and finished meanwhile
    missed = make_job(rig.simulator, "reboot", created_at=rig.clock.now() - 1800, running_for=60)
    again, _ = _following(rig)
    assert [r.id for r in again.following.rules()] == [rule]
    await _run(again, rig.clock, 2)
    assert missed.id in again.records  # created after the rule: added although it ended


# -- over real HTTP: the TUI and the command line --------------------------------------------------


@pytest.mark.parametrize("service", [Service.TAURUSDB, Service.RDS])
async def test_an_open_tui_gets_a_followed_instances_new_task_within_two_intervals(
    live_server: SimulatorServer, tmp_path: Path, toasts: list[tuple[str, str]], service: Service
) -> None:
    from tests.ui_fixtures import Messages
    from tui.cloud.client import new_http_client
    from tui.cloud.identity.keys import Keys
    from tui.cloud.identity.live import LiveCredential
    from tui.ui.app import TaskwatchApp

    sim = live_server.simulator
    kind, other_kind = KINDS[service]
    anchor = make_job(sim, kind, created_at=time.time() - 7200, running_for=10)
    where = (anchor.instance_id, anchor.instance_name)
    profile = dataclasses.replace(
        demo_profile(),
        service=service,
        endpoint=live_server.url,
        credential=LiveCredential.fixed(Keys(ak=DEMO_AK, sk=DEMO_SK), "tests"),
    )
    http = new_http_client()
    runtime = Runtime(http, profiles={"default": profile})
    runtime.clients["default"] = runtime.client_for(profile)
    store = Store.open(tmp_path / "w.sqlite3")
    fast = Settings.model_construct(discovery_interval=0.3, refresh_interval=0.3)
    session = WatchSession(store, runtime, fast)
    session.following.follow("default", [anchor.instance_id], [])
    instant = LISTS[service][0]
    app = TaskwatchApp(session, write_terminal=lambda _: None)
    messages = Messages()
    async with app.run_test(size=(120, 40), message_hook=messages) as pilot:
        await pilot.pause()
        lists_before = sim.counters.lists[instant]
        new = make_job(sim, other_kind, created_at=time.time(), running_for=600, instance=where)
        make_job(sim, kind, created_at=time.time(), running_for=600)  # another instance
        found = await messages.wait_for(lambda e: isinstance(e, TasksDiscovered))
        assert isinstance(found, TasksDiscovered) and found.task_ids == (new.id,)
        assert sim.counters.lists[instant] - lists_before <= 2  # two intervals at most
        await pilot.pause()
        rows = app.view.table.row_ids
        assert rows == [new.id]
        assert "⟳ following" in str(app.view.summary.render())
    assert any(f"1 new task on {anchor.instance_name}" in text for text, _ in toasts)


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", DEMO_PROJECT_ID)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60,
        env=dict(os.environ),
    )  # fmt: skip


@pytest.mark.usefixtures("creds")
@pytest.mark.parametrize("service", [Service.TAURUSDB, Service.RDS])
def test_recent_lists_every_task_in_the_window_across_pages(
    live_server: SimulatorServer, service: Service
) -> None:
    sim = live_server.simulator
    kind, _ = KINDS[service]
    now = time.time()
    recent = [
        make_job(sim, kind, created_at=now - 3000 + i * 20, running_for=30) for i in range(75)
    ]
    make_job(sim, kind, created_at=now - 3 * 3600, running_for=30)  # outside --since 1h
    result = _cli("recent", "--since", "1h", "--json", "--endpoint", live_server.url,
                  "--service", service.value)  # fmt: skip
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert sorted(t["id"] for t in listed) == sorted(j.id for j in recent)
    assert sim.counters.lists[LISTS[service][0]] == 2  # 50 + 25
    assert set(listed[0]) >= {"id", "name", "status", "created", "ended", "process", "instance",
                              "fail_reason", "order_id", "show_detail", "kind"}  # fmt: skip
    added = _cli("recent", "--since", "1h", "--add", "--instance", recent[0].instance_id,
                 "--endpoint", live_server.url, "--service", service.value)  # fmt: skip
    assert added.returncode == 0 and "added 1 task" in added.stderr
    listing = json.loads(_cli("list", "--json").stdout)
    assert [t["task_id"] for t in listing] == [recent[0].id]


@pytest.mark.usefixtures("creds")
@pytest.mark.parametrize(
    "args",
    [
        ["--since", "soon"],
        ["--instance", "not-an-instance"],
        ["--name", "Reboot;rm -rf"],
        ["--status", "Run ning"],
    ],
)
def test_recent_refuses_bad_input_before_any_request(
    live_server: SimulatorServer, args: list[str]
) -> None:
    result = _cli("recent", *args, "--endpoint", live_server.url)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("taskwatch: ")
    assert live_server.simulator.counters.total == 0


@pytest.mark.usefixtures("creds")
def test_recent_without_the_list_permission_names_the_iam_action(
    live_server: SimulatorServer,
) -> None:
    live_server.simulator.denied.add("list")
    result = _cli("recent", "--endpoint", live_server.url, "--service", "rds")
    assert result.returncode == 4
    assert "rds:task:listAll" in result.stderr
    assert result.stderr.count("HTTP 403") == 1  # said once, not repeated
    assert live_server.simulator.counters.total == 1


@pytest.mark.usefixtures("creds")
def test_recent_says_what_a_hostile_list_left_out(live_server: SimulatorServer) -> None:
    """Junk IDs are skipped and counted; a list that never ends is cut at 40 pages and says so
    (stderr; exit 0: what it printed is right)."""
    live_server.simulator.hostile = True
    result = _cli("recent", "--json", "--endpoint", live_server.url)
    assert result.returncode == 0, result.stderr
    assert "240 list item(s) skipped: not task IDs" in result.stderr
    assert "the list was cut after 40 pages (2000 tasks)" in result.stderr
    assert all(len(task["id"]) == 36 for task in json.loads(result.stdout))


@pytest.mark.usefixtures("creds")
def test_recent_rides_out_throttling_and_cuts_long_names(
    live_server: SimulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two 429s in a row used to end recent with exit 6; a 1 MB name printed whole."""
    from tui.cli import follow, main

    monkeypatch.setattr(follow, "RETRY_DELAYS", (0.0, 0.0, 0.0))  # the time is not the point
    sim = live_server.simulator
    job = make_job(sim, "reboot", created_at=time.time() - 60, running_for=600)
    job.name = "n" * 1_000_000
    sim.faults.server_errors_next, sim.faults.server_error_status = 2, 429
    assert main(["recent", "--since", "1h", "--endpoint", live_server.url]) == 0
    out = capsys.readouterr().out
    assert job.id in out and len(out) < 400
    sim.faults.server_errors_next = 9  # weather that does not pass: exit 6 after 4 tries
    assert main(["recent", "--since", "1h", "--endpoint", live_server.url]) == 6
    assert sim.counters.lists["immediate-jobs"] == 3 + 4


def test_follow_list_and_unfollow() -> None:
    instance = "6b0404f2b09490b86b01a1c12a3a2107in07"
    first = _cli("follow", "--instance", instance.upper(), "--name", "RebootX")
    assert first.returncode == 0 and "(rule 1)" in first.stdout
    assert _cli("follow").returncode == 0  # the whole project
    rules = json.loads(_cli("follow", "--list", "--json").stdout)
    assert [(r["rule"], r["instances"], r["names"]) for r in rules] == [
        (1, [instance], ["RebootX"]),
        (2, [], []),
    ]
    assert "the whole project" in _cli("follow", "--list").stdout
    assert _cli("follow", "--instance", "nope").returncode == 2
    gone = _cli("unfollow", "1", "7")
    assert (
        gone.returncode == 0 and "unfollowed rule 1" in gone.stdout and "no rule 7" in gone.stderr
    )
    assert _cli("unfollow", "--all").stdout == "unfollowed rule 2\n"
    assert json.loads(_cli("follow", "--list", "--json").stdout) == []


async def test_a_held_lock_costs_a_list_its_additions_not_the_loop_nor_the_tasks(
    rig: Rig, tmp_path: Path
) -> None:
    import sqlite3

    session, _ = _following(rig)
    session.following.follow("default", [], [])
    await _run(session, rig.clock, 2)
    job = make_job(rig.simulator, "reboot", created_at=rig.clock.now(), running_for=900)
    locker = sqlite3.connect(tmp_path / "w.sqlite3", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    rig.clock.advance(2 * INTERVAL)
    started = time.monotonic()
    assert await session.discover() == 1  # the list went out; its tasks could not be saved
    assert time.monotonic() - started < 5  # a short wait, not the 10 s busy timeout
    assert job.id not in session.records
    locker.execute("ROLLBACK")
    locker.close()
    await _run(session, rig.clock, 2 * INTERVAL)  # the window did not move on: found again
    assert job.id in session.records
