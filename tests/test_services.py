"""GaussDB, DDS and GeminiDB beside TaurusDB and RDS: each Task Center's own simulator, its own
wire format, and every command, the engine and the TUI over it (real HTTP where a person would
see it, the same core in-process where the engine is ticked on a fake clock)."""

from __future__ import annotations

import dataclasses
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import NEW_SERVICES, SIM_ENDPOINT, demo_client, sim_auth, simulated
from tests.engine_rig import run_for
from tests.ui_fixtures import Messages, Terminal, demo_profile
from tui.cli import main
from tui.cloud.client import TaskCenterClient, new_http_client
from tui.cloud.endpoints import Service
from tui.cloud.services import adapter_for
from tui.engine.events import TaskFinished, TaskRefreshed
from tui.engine.polling.poller import PollerConfig
from tui.engine.session import Clock, WatchSession
from tui.engine.setup.config import Settings
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.errors import BadResponseError, JobNotFoundError, PermissionDeniedError, RequestError
from tui.simulator import FakeClock, Simulator, SimulatorServer, SimulatorTransport
from tui.simulator.core import ScriptedJob
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.scenarios import kinds_of, make_job
from tui.ui.app import TaskwatchApp
from tui.ui.widgets.task_table import TaskTable

GHOST = "0f0f0f0f-0000-4000-8000-000000000000"
HOSTILE_REASON = "\x1b]52;c;QQ==\x07disk \x1b[2Jfull [x](http://evil) | <b>"


@pytest.fixture(params=NEW_SERVICES)
def service(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(service: str) -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator(seed=7, service=service)) as running:
        yield running


@pytest.fixture(autouse=True)
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", DEMO_PROJECT_ID)


def _job(simulator: Simulator, service: str, index: int = 0, **kw: object) -> ScriptedJob:
    kinds = kinds_of(service)
    return make_job(simulator, kinds[index % len(kinds)], **kw)  # type: ignore[arg-type]


def _at(server: SimulatorServer, service: str) -> list[str]:
    return ["--service", service, "--endpoint", server.url]


# -- the commands, over real HTTP ------------------------------------------------------------


def test_show_reads_each_service_s_job(
    server: SimulatorServer, service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = server.simulator
    now = sim.clock()
    running = _job(sim, service, 0, created_at=now - 50, running_for=100)
    done = _job(sim, service, 1, created_at=now - 100, running_for=10)
    failed = _job(
        sim, service, 2, created_at=now - 100, running_for=10, outcome="Failed",
        fail_reason=HOSTILE_REASON,
    )  # fmt: skip
    ids = [running.id, done.id, failed.id]
    assert main(["show", *ids, "--json", *_at(server, service)]) == 0
    shown = {item["id"]: item for item in json.loads(capsys.readouterr().out)}
    assert shown[running.id]["status"] == "Running"
    assert shown[running.id]["process"] == "50%"  # ``progress`` on the wire
    assert shown[running.id]["instance"] == {
        "id": running.instance_id,
        "name": running.instance_name,
    }
    assert shown[done.id]["status"] == "Completed" and shown[done.id]["ended"]
    assert shown[done.id]["created"]  # GeminiDB's start_time
    assert shown[failed.id]["fail_reason"] == HOSTILE_REASON  # --json keeps the text, escaped
    assert all(item["error"] is None for item in shown.values())

    assert main(["show", failed.id, *_at(server, service)]) == 0
    out = capsys.readouterr().out
    assert "✘ Failed" in out and "disk" in out and "full" in out
    assert "\x1b" not in out and "\x07" not in out  # nothing from the cloud reaches it raw

    assert main(["show", GHOST, *_at(server, service)]) == 5
    err = capsys.readouterr().err
    assert GHOST in err and "not found" in err and err.count("\n") == 1


def test_recent_reads_every_page_of_the_window_once(
    server: SimulatorServer, service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = server.simulator
    now = sim.clock()
    inside = [_job(sim, service, i, created_at=now - 7000 + i * 50) for i in range(130)]
    for i in range(5):
        _job(sim, service, i, created_at=now - 3 * 3600 - i)  # before --since 2h
    assert main(["recent", "--since", "2h", "--json", *_at(server, service)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(item["id"] for item in listed) == sorted(job.id for job in inside)
    by_id = {item["id"]: item for item in listed}
    sample = inside[-1]
    assert by_id[sample.id]["instance"]["id"] == sample.instance_id
    assert by_id[sample.id]["name"] == sample.name
    page = adapter_for(Service(service)).lists["instant"].page_size
    assert sim.counters.lists[f"{service}-instant"] == -(-130 // page)  # every page, once


def test_wait_follows_a_running_task_to_its_end(server: SimulatorServer, service: str) -> None:
    sim = server.simulator
    ok = _job(sim, service, 0, running_for=0.8)
    assert main(["wait", ok.id, "--interval", "0.2", "-q", *_at(server, service)]) == 0
    bad = _job(sim, service, 1, running_for=0.5, outcome="Failed")
    assert main(["wait", bad.id, "--interval", "0.2", "-q", *_at(server, service)]) == 1


def test_a_task_not_listed_yet_is_waited_for_through_its_grace(
    server: SimulatorServer, service: str
) -> None:
    # GaussDB and DDS answer an unknown ID with an undocumented code, GeminiDB with an empty
    # list: both are "not found" within the grace, as DBS.200543 is for TaurusDB.
    late = _job(server.simulator, service, 0, running_for=0.3, visible_after=1.0)
    assert main(["wait", late.id, "--interval", "0.2", "-q", *_at(server, service)]) == 0
    assert server.simulator.counters.by_job[late.id] >= 2


def test_a_wrong_sk_costs_one_request(
    server: SimulatorServer, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = [_job(server.simulator, service, i) for i in range(3)]
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "nope")
    assert main(["show", *[j.id for j in jobs], *_at(server, service)]) == 4
    assert main(["wait", *[j.id for j in jobs], "--interval", "0.2", *_at(server, service)]) == 4
    assert server.simulator.counters.total == 2  # one each
    assert server.simulator.counters.auth_failures == 2


def test_recent_without_the_list_permission_names_it(
    server: SimulatorServer, service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server.simulator.denied.add("list")
    assert main(["recent", "--since", "1h", *_at(server, service)]) == 4
    err = capsys.readouterr().err
    permission = adapter_for(Service(service)).list_permission
    assert (
        permission or f"the task-list permission of {adapter_for(Service(service)).title}"
    ) in err


# -- the client and the adapters -------------------------------------------------------------------


def _client(
    simulator: Simulator, service: str, clock: FakeClock, http: httpx.AsyncClient | None = None
) -> TaskCenterClient:
    http = http or new_http_client(transport=SimulatorTransport(simulator))
    return demo_client(http, SIM_ENDPOINT, sim_auth(clock), service=Service(service))


async def test_not_found_keeps_the_code_as_sent(service: str, clock: FakeClock) -> None:
    simulator = Simulator(clock=clock.now, service=service)
    client = _client(simulator, service, clock)
    with pytest.raises(JobNotFoundError) as caught:
        await client.get_job(GHOST)
    expected = "" if service == "geminidb" else "DBS.280011"
    assert caught.value.error_code == expected and caught.value.request_id.startswith("sim-")
    with pytest.raises(RequestError, match="no step details"):
        await client.get_steps(GHOST, "x", "y")
    assert simulator.counters.total == 1  # the steps of a service without them: never asked


def test_a_gateway_error_is_not_read_as_not_found() -> None:
    from tui.cloud.services.base import undocumented_not_found

    gateway = RequestError("no such API", status=404, error_code="APIGW.0101")
    assert undocumented_not_found(gateway) is gateway
    refused = PermissionDeniedError("no", status=403, error_code="DBS.200604")
    assert undocumented_not_found(refused) is refused
    unknown = undocumented_not_found(RequestError("gone", status=400, error_code="DBS.280011"))
    assert isinstance(unknown, JobNotFoundError) and unknown.error_code == "DBS.280011"


GARBAGE_JOBS = [
    b'{"job": {"id": "%(id)s", "status": null, "progress": 60, "instance": "x", "name": 7}}',
    b'{"job": {"id": "%(id)s"}}',
    b'{"jobs": [{"id": "%(id)s", "status": ["Running"], "start_time": 12, "progress": {}}]}',
    b'{"jobs": [{"id": "%(id)s", "instance": null, "end_time": null}], "total_count": "many"}',
]


@pytest.mark.parametrize("body", GARBAGE_JOBS)
def test_garbage_of_the_new_shapes_is_read_tolerantly(body: bytes) -> None:
    service = Service.GEMINIDB if b'"jobs"' in body else Service.DDS
    job = adapter_for(service).parse_job(body % {b"id": GHOST.encode()}, GHOST)
    assert job.id == GHOST and job.progress in (None, 60)
    assert isinstance(job.status, str) and isinstance(job.instance.name, str)


@pytest.mark.parametrize(
    ("service", "body"),
    [
        (Service.GAUSSDB, b"[]"),
        (Service.GAUSSDB, b'{"jobs": []}'),
        (Service.DDS, b'{"job": "Running"}'),
        (Service.GEMINIDB, b'{"jobs": {"id": "x"}}'),
        (Service.GEMINIDB, b"<html>502</html>"),
        (Service.GEMINIDB, b'{"job": {"id": "%s"}}' % GHOST.encode()),
    ],
)
def test_answers_that_are_no_job_are_bad_responses(service: Service, body: bytes) -> None:
    with pytest.raises(BadResponseError):
        adapter_for(service).parse_job(body, GHOST)


def test_geminidb_two_entries_for_one_id_the_final_one_wins() -> None:
    entries = [
        {
            "id": GHOST,
            "status": "Running",
            "progress": "90%",
            "start_time": "2026-12-03T10:00:00+0800",
        },
        {"id": "11111111-2222-4333-8444-555555555555", "status": "Failed"},
        {"id": GHOST.upper(), "status": "Completed", "end_time": "2026-12-03T10:05:00+0800"},
    ]
    job = adapter_for(Service.GEMINIDB).parse_job(json.dumps({"jobs": entries}).encode(), GHOST)
    assert job.status == "Completed" and job.ended == "2026-12-03T10:05:00+0800"
    only_others = json.dumps({"jobs": entries[1:2], "total_count": 1}).encode()
    with pytest.raises(JobNotFoundError):
        adapter_for(Service.GEMINIDB).parse_job(only_others, GHOST)


@pytest.mark.parametrize(
    ("service", "key", "item"),
    [
        (
            Service.GAUSSDB,
            "tasks",
            {"job_id": GHOST, "name": "ResizeGaussDBV5Flavor", "status": "Running",
             "process": "40%",
             "created_at": "2026-12-03T10:00:00+0800", "ended_at": "",
             "instance_info": {"instance_id": "i1", "instance_name": "gauss-1"}},
        ),
        (
            Service.DDS,
            "jobs",
            {"id": GHOST, "name": "RestartInstance", "status": "Running", "progress": "40%",
             "created_at": "2026-12-03T10:00:00+0800", "instance_id": "i1",
             "instance_name": "gauss-1"},
        ),
        (
            Service.GEMINIDB,
            "jobs",
            {"id": GHOST, "name": "RestartNode", "status": "Running", "progress": "40%",
             "start_time": "2026-12-03T10:00:00+0800", "instance": {"id": "i1", "name": "gauss-1"}},
        ),
    ],
)  # fmt: skip
def test_each_list_item_shape_becomes_one_listed_task(
    service: Service, key: str, item: dict[str, object]
) -> None:
    junk: list[object] = ["x", 3, None, {"id": "\x1b[2J"}, {"job_id": "../../etc/passwd"}]
    body = json.dumps({key: [item, *junk], "total_count": 6}).encode()
    page = adapter_for(service).parse_list(body, "instant")
    [task] = page.tasks
    assert page.skipped == 5
    assert (task.id, task.status, task.process) == (GHOST, "Running", "40%")
    assert (task.instance_id, task.instance_name) == ("i1", "gauss-1")
    assert task.created == "2026-12-03T10:00:00+0800"


# -- the engine: roll calls and following through each service's lists --------------------------


def _session(simulator: Simulator, service: str, clock: FakeClock, store: Store) -> WatchSession:
    http = new_http_client(transport=SimulatorTransport(simulator))
    client = _client(simulator, service, clock, http)
    profile = dataclasses.replace(demo_profile(), service=Service(service), rate_limit=1000.0)
    runtime = Runtime(http, profiles={"default": profile}, clients={"default": client})
    return WatchSession(
        store,
        runtime,
        Settings(discovery_interval=10.0),
        clock=Clock(wall=clock.now, monotonic=clock.now),
        poller_config=PollerConfig(interval=5.0),
        rng=random.Random(1),
    )


async def test_roll_calls_refresh_running_tasks_with_the_service_s_list(
    service: str, clock: FakeClock, tmp_path: Path
) -> None:
    simulator = Simulator(clock=clock.now, service=service)
    store = Store.open(tmp_path / "w.sqlite3")
    jobs = [_job(simulator, service, i, running_for=10_000) for i in range(12)]
    ending = _job(simulator, service, 0, running_for=30, outcome="Failed")
    store.add_tasks([j.id for j in [*jobs, ending]], profile="default")
    session = _session(simulator, service, clock, store)
    await run_for(session, clock, 60)
    assert simulator.counters.lists[f"{service}-instant"] >= 5
    assert sum(simulator.counters.by_job[j.id] for j in jobs) == len(jobs)  # by ID once each
    ended = store.get_task(ending.id)
    assert ended is not None and ended.status == "Failed"
    for job in jobs:
        record = store.get_task(job.id)
        assert record is not None and record.checked_at is not None
        assert clock.now() - record.checked_at <= 6.0
    session.stop()


async def test_following_finds_new_and_scheduled_tasks_through_the_service_s_lists(
    service: str, clock: FakeClock, tmp_path: Path
) -> None:
    simulator = Simulator(clock=clock.now, service=service)
    store = Store.open(tmp_path / "w.sqlite3")
    followed = _job(simulator, service, 0, created_at=clock.now() - 5000, running_for=10)
    where = (followed.instance_id, followed.instance_name)
    session = _session(simulator, service, clock, store)
    session.following.follow("default", [followed.instance_id], [])
    await _run_for_discovering(session, clock, 5)
    assert followed.id not in session.records  # finished before the rule: not wanted
    new = _job(simulator, service, 1, running_for=600, instance=where)
    elsewhere = _job(simulator, service, 1, running_for=600)
    planned = _job(
        simulator, service, 2, created_at=clock.now() + 60, running_for=600,
        scheduled_since=clock.now() - 60, instance=where,
    )  # fmt: skip
    await _run_for_discovering(session, clock, 40)
    assert new.id in session.records and elsewhere.id not in session.records
    assert session.records[new.id].status == "Running"
    assert session.records[planned.id].status == "Scheduled"
    assert session.records[planned.id].planned_start == pytest.approx(planned.created_at)
    await _run_for_discovering(session, clock, 60)
    assert session.records[planned.id].status == "Running"
    session.stop()


async def _run_for_discovering(session: WatchSession, clock: FakeClock, seconds: int) -> None:
    for _ in range(seconds):
        await session.discover()
        await session.tick()
        clock.advance(1.0)


def test_simulate_serves_one_service_per_port() -> None:
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "simulate", "--service", "dds", "--seed", "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        process.stdout.readline()  # the credentials line
        process.stdout.readline()  # how to ask it
        first = process.stdout.readline().split()[0]
        with httpx.Client() as http:
            missing = http.get(f"{url}/v3/{DEMO_PROJECT_ID}/immediate-jobs")  # TaurusDB's path
        assert missing.status_code == 404
        assert main(["show", first, "--service", "dds", "--endpoint", url]) == 0
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- the official SDKs' models ---------------------------------------------------------------------

SDK_MODELS = json.loads((Path(__file__).parent / "data" / "sdk_models.json").read_text("utf-8"))


async def test_each_answer_has_exactly_the_fields_of_the_official_sdk_model(
    service: str, clock: FakeClock
) -> None:
    """The simulator answers in each SDK's model, key for key, so that what taskwatch is tested
    against is what the SDK reads (its clients were also run against ``taskwatch simulate`` by
    hand: see the issue's note)."""
    simulator = Simulator(clock=clock.now, service=service)
    running = _job(simulator, service, 0, created_at=clock.now() - 10, running_for=100)
    _job(simulator, service, 1, created_at=clock.now() + 600, scheduled_since=clock.now() - 60)
    models = SDK_MODELS[service]
    adapter = adapter_for(Service(service))
    async with new_http_client(transport=SimulatorTransport(simulator)) as http:

        async def get(path: str, **params: str) -> dict[str, Any]:
            url = f"http://127.0.0.1:9{path.format(project=DEMO_PROJECT_ID)}"
            response = await http.get(url, params=params, auth=sim_auth(clock))
            assert response.status_code == 200, response.text
            answer = response.json()
            assert isinstance(answer, dict)
            return answer

        by_id = await get(adapter.job_path, id=running.id)
        assert sorted(by_id) == models["job_answer"]
        [job] = [by_id["job"]] if "job" in by_id else by_id["jobs"]
        assert sorted(job) == models["job"]
        for kind in ("instant", "scheduled"):
            operation = adapter.lists["instant" if kind == "instant" else "scheduled"]
            page = await get(operation.path)
            assert sorted(page) == models[f"{kind}_list"]
            items = page[operation.key]
            assert isinstance(items, list) and items
            if f"{kind}_item" in models:  # GeminiDB's scheduled item documents no fields
                assert sorted(items[0]) == models[f"{kind}_item"]
            nested = items[0].get("instance_info")
            if nested is not None:
                assert sorted(nested) == models[f"{kind}_item.instance_info"]


# -- one TUI, five services ----------------------------------------------------------------------


async def test_one_tui_watches_tasks_of_all_five_services_until_each_is_final(
    tmp_path: Path,
) -> None:
    clock = FakeClock(start=time.time())
    families = ("taurusdb", *NEW_SERVICES)
    servers = {
        name: SimulatorServer(Simulator(clock=clock.now, seed=i, service=name)).start()
        for i, name in enumerate(families)
    }
    store = Store.open(tmp_path / "w.sqlite3")
    http = new_http_client()
    runtime = Runtime(http)
    expected: dict[str, str] = {}
    for name in ("taurusdb", "rds", *NEW_SERVICES):
        server = servers[simulated(name)]
        profile = dataclasses.replace(
            demo_profile(name=name), service=Service(name), endpoint=server.url
        )
        runtime.profiles[name] = profile
        runtime.clients[name] = runtime.client_for(profile)
        kinds = ["rds_scale", "rds_switchover"] if name == "rds" else kinds_of(name)[:2]
        if name == "taurusdb":
            kinds = ["resize", "upgrade"]
        for index, kind in enumerate(kinds):
            job = make_job(
                server.simulator, kind, running_for=3, outcome="Failed" if index else "Completed",
                fail_reason=HOSTILE_REASON if index else "",
            )  # fmt: skip
            store.add_tasks([job.id], profile=name, label=f"{name} {index}")
            expected[job.id] = job.outcome
    session = WatchSession(
        store,
        runtime,
        Settings(),
        clock=Clock(wall=clock.now, monotonic=time.monotonic),
        poller_config=PollerConfig(interval=0.05, jitter=0.0),
    )
    terminal = Terminal()
    app = TaskwatchApp(session, write_terminal=terminal)
    messages = Messages()
    try:
        async with app.run_test(size=(120, 40), message_hook=messages) as pilot:
            for task_id in expected:
                await messages.wait_for(
                    lambda m, t=task_id: (
                        isinstance(m, TaskRefreshed)  # type: ignore[misc]
                        and m.record.task_id == t
                        and m.record.status == "Running"
                    )
                )
            clock.advance(5)
            for task_id in expected:
                await messages.wait_for(
                    lambda m, t=task_id: (
                        isinstance(m, TaskFinished)  # type: ignore[misc]
                        and m.record.task_id == t
                    )
                )
            await app.view.settled()
            await pilot.pause()
            table = app.query_one(TaskTable)
            for task_id, outcome in expected.items():
                record = store.get_task(task_id)
                assert record is not None and record.status == outcome
                icon = "✘ Failed" if outcome == "Failed" else "✔ Completed"
                assert str(table.get_row(task_id)[0]).startswith(icon)
            failed = next(t for t, outcome in expected.items() if outcome == "Failed")
            table.move_cursor(row=table.get_row_index(failed))
            await pilot.pause()
            screen = app.export_screenshot()
            assert "full" in screen and "\x1b" not in screen and "\x07" not in screen
            written = "".join(terminal.writes)
            assert "\x1b[2J" not in written and "\x1b]52" not in written  # reasons made safe
    finally:
        await http.aclose()
        for server in servers.values():
            server.stop()
