"""The four list operations: normalised items, every page read whatever the offset reading,
time windows in each service's format, and garbage refused, against the simulator over HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import demo_client, recording_transport, sim_auth
from tui.cloud.client import TaskCenterClient, new_http_client
from tui.cloud.endpoints import Service
from tui.cloud.listing import parse_list_page
from tui.cloud.services.base import iso_time
from tui.errors import BadResponseError, PermissionDeniedError
from tui.simulator import FakeClock, Simulator, SimulatorServer
from tui.simulator.demo import DEMO_PROJECT_ID
from tui.simulator.scenarios import make_job

SERVICES = [("taurusdb", Service.TAURUSDB, "bind_eip"), ("rds", Service.RDS, "rds_scale")]


@pytest.fixture
def clock(live_server: SimulatorServer) -> FakeClock:
    fake = FakeClock()
    live_server.simulator.clock = fake.now
    return fake


@pytest.mark.parametrize(("label", "service", "kind"), SERVICES)
async def test_every_task_in_the_window_across_pages(
    live_server: SimulatorServer, clock: FakeClock, label: str, service: Service, kind: str
) -> None:
    sim = live_server.simulator
    now = clock.now()
    inside = [make_job(sim, kind, created_at=now - 3000 + i * 10) for i in range(130)]
    make_job(sim, kind, created_at=now - 7200)  # before the window
    other = "upgrade" if label == "rds" else "rds_scale"
    make_job(sim, other, created_at=now - 100)  # another service's task
    async with new_http_client() as http:
        listed = await demo_client(
            http, live_server.url, sim_auth(clock), service=service
        ).list_tasks("instant", since=now - 3600, until=now)
    assert sorted(t.id for t in listed.tasks) == sorted(j.id for j in inside)
    assert listed.requests == 3  # 50 + 50 + 30
    operation = "tasklist" if label == "rds" else "immediate-jobs"
    assert sim.counters.lists[operation] == 3
    task = next(t for t in listed.tasks if t.id == inside[0].id)
    assert task.kind == "instant" and task.name == inside[0].name.strip()
    assert task.instance_id == inside[0].instance_id and task.created


@pytest.mark.parametrize(("count", "pages"), [(120, 6), (5, 2)])
async def test_a_taurusdb_server_that_skips_records_is_read_whole(
    live_server: SimulatorServer, clock: FakeClock, count: int, pages: int
) -> None:
    """A server that reads the offset as records to skip (the documented reading, not
    Terraform's) still gives every task, the first of a short list too."""
    sim = live_server.simulator
    sim.offset_reading["immediate-jobs"] = "skip"
    jobs = [make_job(sim, "bind_eip", created_at=clock.now() - 500 + i) for i in range(count)]
    async with new_http_client() as http:
        listed = await demo_client(
            http, live_server.url, sim_auth(clock), service=Service.TAURUSDB
        ).list_tasks("instant", since=clock.now() - 3600)
    assert sorted(t.id for t in listed.tasks) == sorted(j.id for j in jobs)
    assert listed.requests <= pages


@pytest.mark.parametrize(("label", "service", "kind"), SERVICES)
async def test_scheduled_tasks_carry_their_planned_start(
    live_server: SimulatorServer, clock: FakeClock, label: str, service: Service, kind: str
) -> None:
    sim = live_server.simulator
    planned = make_job(sim, kind, created_at=clock.now() + 600, scheduled_since=clock.now() - 60)
    async with new_http_client() as http:
        client = demo_client(http, live_server.url, sim_auth(clock), service=service)
        scheduled = await client.list_tasks("scheduled")
        instant = await client.list_tasks("instant", since=clock.now() - 3600)
        assert [t.id for t in scheduled.tasks] == [planned.id]
        assert instant.tasks == []
        [task] = scheduled.tasks
        assert task.kind == "scheduled" and task.status == "Pending"
        assert task.scheduled_start == iso_time(planned.created_at)
        assert task.to_json()["scheduled_start"] == task.scheduled_start
        clock.advance(601)  # it starts: now an instant task with the same ID
        instant = await client.list_tasks("instant", since=clock.now() - 3600)
    assert [t.id for t in instant.tasks] == [planned.id]
    assert instant.tasks[0].status == "Running"


@pytest.mark.parametrize(
    ("service", "start"),
    [(Service.TAURUSDB, "2018-08-06T10:41:14+0000"), (Service.RDS, "1533552074000")],
)
async def test_the_time_window_is_sent_in_each_services_format(
    simulator: Simulator, service: Service, start: str
) -> None:
    clock = FakeClock(start=1_533_552_074 + 600)
    simulator.clock = clock.now
    sent: list[httpx.Request] = []

    async with new_http_client(transport=recording_transport(simulator, sent)) as http:
        client = demo_client(http, "http://127.0.0.1:9", sim_auth(clock), service=service)
        await client.list_tasks("instant", since=1_533_552_074, until=clock.now())
    params = dict(sent[0].url.params)
    assert params["start_time"] == start
    assert "end_time" in params and params["limit"] == "50"
    assert simulator.counters.auth_failures == 0  # colons and plus signs signed as sent


TASK_A = "0a6c1a3e-5e8f-4b6a-9d3c-1f2e3d4c5b6a"
TASK_B = "1b7d2b4f-6f90-4c7b-8e4d-2a3f4e5d6c7b"


def test_items_are_normalised_to_the_job_by_id_names() -> None:
    taurus = {
        "jobs": [
            {"job_id": TASK_A.upper(), "job_name": "X", "status": "Running",
             "created_time": "t1",
             "ended_time": "", "process": "40%", "instance_id": "i", "instance_name": "n",
             "instance_status": "normal", "order_id": "o", "show_detail": True,
             "extend_fields": {"k": 1}, "brand_new_key": 5},
            {"job_name": "no id"},
            "junk",
        ],
        "total_count": 3,
    }  # fmt: skip
    page = parse_list_page(json.dumps(taurus), "jobs", "instant")
    [task] = page.tasks
    assert (page.total, page.size, page.skipped) == (3, 3, 2)
    assert task.to_json() == {
        "id": TASK_A, "name": "X", "status": "Running", "created": "t1", "ended": "",
        "process": "40%", "instance": {"id": "i", "name": "n", "status": "normal"},
        "fail_reason": None, "order_id": "o", "show_detail": True, "kind": "instant",
    }  # fmt: skip
    assert task.raw["brand_new_key"] == 5
    rds = {
        "tasks": [
            {
                "id": "1b7d2b4f-6f90-4c7b-8e4d-2a3f4e5d6c7b",
                "name": "Y",
                "status": "Rollbacking",
                "create_time": 1533552074000,
            }
        ]
    }
    rds_page = parse_list_page(json.dumps(rds), "tasks", "instant")
    [item] = rds_page.tasks
    assert rds_page.total is None
    assert item.status == "Rollbacking" and item.created == "2018-08-06T10:41:14+0000"
    assert item.show_detail is None


@pytest.mark.parametrize(
    "body", [b"<html>502</html>", b"[]", b'{"jobs": {}}', b'{"tasks": []}', b'{"jobs": [1, 2']
)
def test_a_garbage_page_is_a_bad_response(body: bytes) -> None:
    with pytest.raises(BadResponseError):
        parse_list_page(body, "jobs", "instant")


async def test_a_missing_list_permission_is_permission_denied(
    live_server: SimulatorServer, clock: FakeClock
) -> None:
    live_server.simulator.denied.add("list")
    async with new_http_client() as http:
        with pytest.raises(PermissionDeniedError):
            await demo_client(
                http, live_server.url, sim_auth(clock), service=Service.RDS
            ).list_tasks("instant")


def test_a_list_entry_updates_the_job_as_a_fresh_parse_would() -> None:
    """A roll call copies the job with the entry's values instead of parsing it again; the
    result is the job a parse of the merged answer gives, raw keys kept."""
    from tui.cloud.listing import updated_job
    from tui.cloud.models import parse_job_dict

    job = parse_job_dict({
        "id": "0a6c1a3e-5e8f-4b6a-9d3c-1f2e3d4c5b6a", "name": "Reboot", "status": "Running",
        "process": "10%", "created": "2026-12-03T10:00:00+0800",
        "instance": {"id": "i-1", "name": "old", "type": "Cluster"},
        "entities": {"public_ip": "1.2.3.4"}, "extra": {"kept": True},
    })  # fmt: skip
    entry = {
        "id": job.id, "name": "Reboot", "status": "Failed", "process": "60%",
        "instance_id": "i-1", "instance_name": "new \x1b[2J",
        "ended": "2026-12-03T10:05:00+0800", "fail_reason": "disk full",
    }  # fmt: skip
    page = parse_list_page(json.dumps({"jobs": [entry]}), "jobs", "instant").tasks
    moved = updated_job(job, page[0])
    assert moved is not None
    instance = {"id": "i-1", "name": page[0].instance_name, "type": "Cluster"}
    merged = {
        **job.raw, "status": "Failed", "process": "60%", "fail_reason": "disk full",
        "ended": "2026-12-03T10:05:00+0800", "instance": instance,
    }  # fmt: skip
    assert moved == parse_job_dict(merged)
    assert moved.raw == merged and moved.progress == 60 and moved.is_final
    assert updated_job(moved, page[0]) is None  # nothing more to change


def _pages(
    answer: Callable[[int], dict[str, object]], service: Service = Service.RDS
) -> TaskCenterClient:
    """A client over a hostile list server: ``answer(offset)`` is each page's body."""

    async def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer(int(request.url.params["offset"])))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    return TaskCenterClient(
        http, endpoint="http://127.0.0.1:9", service=service, project_id=DEMO_PROJECT_ID,
        auth=sim_auth(FakeClock()),
    )  # fmt: skip


async def test_list_items_that_are_not_task_ids_are_skipped_and_counted() -> None:
    bad = ["../../etc/passwd", "12345", "\x1b]2;x\x07\x1b[2J", '=hyperlink("http://evil")',
           "a" * 200_000, "", None, 7]  # fmt: skip
    good = [str(uuid.UUID(int=i)) for i in range(3)]
    items = [{"id": v, "name": "X", "status": "Running"} for v in [*bad, *good]]
    page = await _pages(lambda at: {"tasks": items if at == 0 else []}).list_tasks("instant")
    assert sorted(t.id for t in page.tasks) == sorted(good)
    assert page.skipped == len(bad) and not page.cut


async def test_a_page_asked_twice_counts_its_skipped_items_once() -> None:
    good = [{"id": str(uuid.UUID(int=i)), "status": "Running"} for i in range(3)]
    items = [*good, {"id": "not-a-task"}, {"name": "no id"}]
    # A count above what the pages hold: the start is asked again (offset 0 after 1).
    page = await _pages(lambda at: {"jobs": items, "total_count": 6}, Service.TAURUSDB).list_tasks(
        "instant"
    )
    assert page.requests == 2 and len(page.tasks) == 3
    assert page.skipped == 2  # the same two items both times, counted once


async def test_an_endless_list_is_cut_and_says_so() -> None:
    def endless(at: int) -> dict[str, object]:
        ids = [str(uuid.UUID(int=at * 1000 + i)) for i in range(50)]
        return {"tasks": [{"id": i, "status": "Running"} for i in ids], "total_count": 1}

    page = await _pages(endless).list_tasks("instant")
    assert page.cut and page.requests == 40 and len(page.tasks) == 2000


async def test_a_total_count_smaller_than_a_page_does_not_stop_the_paging() -> None:
    ids = [str(uuid.UUID(int=i)) for i in range(120)]

    def pages(at: int) -> dict[str, object]:
        return {"tasks": [{"id": i} for i in ids[at : at + 50]], "total_count": 1}

    page = await _pages(pages).list_tasks("instant")
    assert len(page.tasks) == 120 and not page.cut
