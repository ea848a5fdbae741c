"""A job's steps (ShowTaskDetails): the tolerant reading, and both services' request forms
against the simulator over real HTTP (TaurusDB GET with a query, RDS POST with a signed body)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import demo_client, recording_transport, sim_auth
from tests.test_signing import VECTORS
from tui.cloud.client import TaskCenterClient, new_http_client
from tui.cloud.endpoints import Service
from tui.cloud.signing import AkSkAuth
from tui.cloud.steps import MAX_REMAINING, SubTask, TaskSteps, parse_steps_response
from tui.errors import BadResponseError, RequestError
from tui.simulator import (
    FakeClock,
    Simulator,
    SimulatorServer,
    SimulatorTransport,
)
from tui.simulator.core import ScriptedJob
from tui.simulator.scenarios import make_job


def _step(
    status: str = "Running", percent: object = "40", remaining: object = "60"
) -> dict[str, object]:
    return {
        "sub_task_name": "Upgrade node 1",
        "status": status,
        "percent": percent,
        "remaining_time": remaining,
    }


def _steps(*items: dict[str, object]) -> TaskSteps:
    return parse_steps_response(json.dumps({"sub_task_list": list(items)}))


# -- reading what the cloud sends -------------------------------------------------------------


def test_the_cloud_estimate_sums_the_steps_not_yet_done() -> None:
    steps = _steps(
        _step("Completed", "100", "0"),
        _step("Running", "40", "90"),
        _step("Pending", "0", "120"),
    )
    assert [s.percent for s in steps.steps] == [100, 40, 0]
    assert steps.remaining() == 210


@pytest.mark.parametrize(
    ("percent", "remaining"),
    [
        (None, None),
        ("", ""),
        ("forty", "soon"),
        ("-5", "-30"),
        ("250", str(MAX_REMAINING + 1)),  # a step that says a year is not an estimate
        ("nan", "inf"),
        ({"x": 1}, [1]),
        (True, False),
    ],
)
def test_untrustworthy_values_are_kept_as_text_and_give_no_estimate(
    percent: object, remaining: object
) -> None:
    steps = _steps(_step("Completed", "100", "0"), _step("Running", percent, remaining))
    running = steps.steps[1]
    assert running.percent is None
    assert running.remaining is None
    assert steps.remaining() is None
    assert isinstance(running.percent_text, str) and isinstance(running.remaining_text, str)


def test_percent_with_a_sign_and_spaces_is_read() -> None:
    assert SubTask("a", "Running", " 60% ", " 30 ").percent == 60
    assert SubTask("a", "Running", " 60% ", " 30 ").remaining == 30


@pytest.mark.parametrize("status", ["Rollbacking", "Failed"])
def test_an_unknown_or_failed_step_gives_no_estimate(status: str) -> None:
    steps = _steps(_step(status, "10", "30"), _step("Pending", "0", "60"))
    assert steps.steps[0].status == status
    assert steps.remaining() is None


def test_all_steps_done_gives_no_estimate() -> None:
    assert _steps(_step("Completed", "100", "0")).remaining() is None
    assert _steps().remaining() is None


@pytest.mark.parametrize(
    "body",
    [b"<html>502</html>", b"[]", b'{"sub_task_list": "x"}', b'{"sub_task_list": [1, 2', b""],
)
def test_garbage_is_a_bad_response(body: bytes) -> None:
    with pytest.raises(BadResponseError):
        parse_steps_response(body)


def test_odd_items_are_skipped_and_missing_keys_are_empty() -> None:
    steps = parse_steps_response(b'{"sub_task_list": [1, null, {"status": 7}]}')
    assert steps.steps == (SubTask("", "7", "", ""),)


# -- both services over real HTTP -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "service"), [("upgrade", Service.TAURUSDB), ("rds_scale", Service.RDS)]
)
async def test_steps_rise_and_the_estimate_falls_over_real_http(
    live_server: SimulatorServer, kind: str, service: Service
) -> None:
    clock = FakeClock()
    simulator = live_server.simulator
    simulator.clock = clock.now
    job = make_job(simulator, kind, created_at=clock.now(), running_for=600)
    async with new_http_client() as http:
        client = demo_client(http, live_server.url, sim_auth(clock), service=service)
        clock.advance(100)
        early = await client.get_steps(job.id, job.name, job.instance_id)
        clock.advance(200)
        later = await client.get_steps(job.id, job.name, job.instance_id)
    assert [s.name for s in early.steps] == [name for name, _ in job.steps]
    early_done = sum(s.percent or 0 for s in early.steps)
    later_done = sum(s.percent or 0 for s in later.steps)
    assert later_done > early_done
    assert early.remaining() == 500 and later.remaining() == 300
    assert simulator.counters.steps_by_job[job.id] == 2
    assert simulator.counters.auth_failures == 0


async def _first_steps_request(
    simulator: Simulator, kind: str, service: Service
) -> tuple[ScriptedJob, httpx.Request, TaskSteps]:
    """Ask for the steps of a new job of ``kind`` in ``service``'s form; give the job, the
    request that was sent and the steps that came back."""
    clock = FakeClock()
    simulator.clock = clock.now
    job = make_job(simulator, kind, created_at=clock.now(), running_for=600)
    sent: list[httpx.Request] = []
    async with new_http_client(transport=recording_transport(simulator, sent)) as http:
        client = demo_client(http, "http://127.0.0.1:9", sim_auth(clock), service=service)
        steps = await client.get_steps(job.id, job.name, job.instance_id)
    return job, sent[0], steps


async def test_the_rds_form_is_a_post_whose_body_is_signed(simulator: Simulator) -> None:
    job, request, _ = await _first_steps_request(simulator, "rds_scale", Service.RDS)
    assert request.method == "POST"
    assert request.url.query == b""
    assert json.loads(request.content) == {"workflow_id": job.id, "workflow_name": job.name}
    assert "content-type" in request.headers["Authorization"]
    # The gateway checks the body's hash: the same signature over another body is refused.
    forged = httpx.Request(
        "POST",
        request.url,
        headers=request.headers,
        content=json.dumps({"workflow_id": job.id, "workflow_name": "Other"}).encode(),
    )
    async with new_http_client(transport=SimulatorTransport(simulator)) as http:
        response = await http.send(forged)
    assert response.status_code == 401
    assert "signature" in response.json()["error_msg"]


async def test_the_taurusdb_form_is_a_get_with_the_job_in_the_query(simulator: Simulator) -> None:
    job, request, steps = await _first_steps_request(simulator, "resize", Service.TAURUSDB)
    assert request.method == "GET" and request.content == b""
    assert dict(request.url.params) == {"job_id": job.id, "job_name": job.name}
    assert len(steps.steps) == 5


async def test_a_job_without_details_is_refused_like_the_cloud_does(
    sim_client: TaskCenterClient, simulator: Simulator
) -> None:
    job = make_job(simulator, "bind_eip", running_for=600)  # no steps in its plan
    with pytest.raises(RequestError):
        await sim_client.get_steps(job.id, job.name, job.instance_id)


async def test_a_garbage_steps_body_is_a_bad_response(
    sim_client: TaskCenterClient, simulator: Simulator
) -> None:
    job = make_job(simulator, "upgrade", running_for=600)
    simulator.faults.malformed_next = 1
    with pytest.raises(BadResponseError):
        await sim_client.get_steps(job.id, job.name, job.instance_id)


async def test_the_rds_steps_request_is_signed_exactly_as_signing_vector_6() -> None:
    """Vector 6 is the SDK signing an RDS ShowTaskDetail POST: the body's hash is part of the
    signature. The client's own request, with the vector's key, time and job, must carry the
    very Authorization the SDK computed."""
    vector = next(v for v in VECTORS if v["name"] == "rds_show_task_detail_post_json_body")
    given, expected = vector["input"], vector["expected"]
    body = json.loads(given["body"])
    instance_id = given["path"].split("/")[4]
    moment = datetime.strptime(given["x_sdk_date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    auth = AkSkAuth(
        given["ak"], given["sk"], project_id=given["project_id_header"], clock=lambda: moment
    )
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"sub_task_list": []})

    async with new_http_client(transport=httpx.MockTransport(answer)) as http:
        del http.headers["User-Agent"]  # the vector's request has none; ours would be signed
        client = TaskCenterClient(
            http,
            endpoint=f"https://{given['host']}",
            service=Service.RDS,
            project_id=given["project_id_header"],
            auth=auth,
        )
        await client.get_steps(body["workflow_id"], body["workflow_name"], instance_id)
    request = sent[0]
    assert request.content.decode() == given["body"]
    assert str(request.url) == expected["url"]
    assert request.headers["Authorization"] == expected["authorization"]


def test_a_huge_steps_answer_is_stored_bounded_and_the_history_capped(tmp_path: Path) -> None:
    """10,000 steps with long names wrote megabytes per change before: what is stored is what
    was read (200 steps, 200 characters a field), and a task keeps 200 changes at most."""
    from tui.cloud.steps import parse_steps_response
    from tui.engine.storage import Store
    from tui.engine.storage.observations import STEP_HISTORY

    store = Store.open(tmp_path / "w.sqlite3")
    task = "0a6c1a3e-5e8f-4b6a-9d3c-1f2e3d4c5b6a"
    store.add_tasks([task], profile="default")
    for change in range(STEP_HISTORY + 50):
        count = 10_000 if change < 2 else 3  # two huge answers, then ordinary changes
        step = {"sub_task_name": "n" * 5_000, "status": "Running", "percent": f"{change % 100}",
                "remaining_time": "60"}  # fmt: skip
        body = json.dumps({"sub_task_list": [step] * count})
        steps = parse_steps_response(body)
        stored = steps.to_json()
        assert len(stored) < 200 * 4 * 250
        store.record_steps(task, stored, now=float(change))
    assert len(store.step_history(task)) == STEP_HISTORY
    assert store.step_history(task)[-1][0] == float(STEP_HISTORY + 49)  # the newest are kept
