"""A refused credential is remembered in the shared database: no other process (a second TUI,
`wait`) sends a request with it for the gateway's lock window, unless it changes."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import SIM_ENDPOINT, sim_auth
from tests.test_cli import _run
from tests.ui_fixtures import demo_profile
from tui.cloud.client import TaskCenterClient
from tui.cloud.endpoints import Service
from tui.engine.session import Clock, WatchSession
from tui.engine.session.credentials import LOCK_WINDOW, RefusalMemo
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.simulator import FakeClock, Simulator, SimulatorServer
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.scenarios import make_job


def _session(path: Path, http: httpx.AsyncClient, clock: FakeClock, *, sk: str) -> WatchSession:
    client = TaskCenterClient(
        http, endpoint=SIM_ENDPOINT, service=Service.TAURUSDB, project_id=DEMO_PROJECT_ID,
        auth=sim_auth(clock, sk=sk), secrets=(DEMO_AK, sk),
    )  # fmt: skip
    profile = dataclasses.replace(demo_profile(sk=sk), rate_limit=1000.0)
    runtime = Runtime(http, profiles={"default": profile}, clients={"default": client})
    return WatchSession(Store.open(path), runtime, clock=Clock(wall=clock.now, monotonic=clock.now))


async def test_a_second_process_never_tries_a_refused_credential(
    simulator: Simulator, sim_http: httpx.AsyncClient, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "shared.sqlite3"
    job = make_job(simulator, "reboot", running_for=10_000)
    Store.open(path).add_tasks([job.id], profile="default")
    first = _session(path, sim_http, clock, sk="wrong")
    assert await first.tick() == 1  # the probe, refused
    assert simulator.counters.total == 1
    first.stop()  # each process ends before the next starts: none waits on another's lease
    second = _session(path, sim_http, clock, sk="wrong")  # another process, a moment later
    assert await second.tick() == 0
    assert "refused" in (second.health.problem_for("default") or "")
    assert simulator.counters.total == 1
    second.stop()
    fixed = _session(path, sim_http, clock, sk=DEMO_SK)  # a changed credential is tried
    assert await fixed.tick() == 1
    fixed.stop()
    clock.advance(LOCK_WINDOW + 1)
    later = _session(path, sim_http, clock, sk="wrong")  # after the lock window: one probe
    assert await later.tick() == 1
    assert simulator.counters.by_status[401] == 2


async def test_a_credential_that_works_is_forgotten(
    simulator: Simulator, sim_http: httpx.AsyncClient, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "shared.sqlite3"
    job = make_job(simulator, "reboot", running_for=10_000)
    store = Store.open(path)
    store.add_tasks([job.id], profile="default")
    key = demo_profile().credential.key
    store.remember_refusal(key, "refused long ago", now=clock.now() - LOCK_WINDOW - 5)
    assert RefusalMemo(store).recent(key, now=clock.now()) is None  # past the lock window
    session = _session(path, sim_http, clock, sk=DEMO_SK)
    assert await session.tick() == 1
    assert store.refusal(key) is None  # it worked: nothing to remember any more


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator(seed=8)) as running:
        yield running


def test_sequential_waits_with_a_wrong_sk_send_one_request(
    server: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = make_job(server.simulator, "reboot", running_for=3600)
    env = {"HUAWEICLOUD_SDK_AK": DEMO_AK, "HUAWEICLOUD_SDK_SK": "wrong",
           "HUAWEICLOUD_SDK_PROJECT_ID": DEMO_PROJECT_ID}  # fmt: skip
    for _ in range(4):
        result = _run("wait", job.id, "--endpoint", server.url, env=env)
        assert result.returncode == 4, result.stderr
    assert server.simulator.counters.total == 1
    assert "not tried again" in result.stderr
    assert os.environ.get("HUAWEICLOUD_SDK_SK") != "wrong"


def test_six_waits_started_together_with_a_wrong_sk_send_one_request(
    server: SimulatorServer, tmp_path: Path
) -> None:
    """The probe's script case: six ``wait`` processes at once. One claims the credential's
    first request in the shared database; the others wait for its outcome and honour it."""
    job = make_job(server.simulator, "reboot", running_for=3600)
    env = {**os.environ, "HUAWEICLOUD_SDK_AK": DEMO_AK, "HUAWEICLOUD_SDK_SK": "wrong",
           "HUAWEICLOUD_SDK_PROJECT_ID": DEMO_PROJECT_ID}  # fmt: skip
    waits = [  # on a fresh machine: the shared database is created by the race itself
        subprocess.Popen(
            [sys.executable, "-m", "tui", "wait", job.id, "--endpoint", server.url, "-q"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    codes = [w.wait(timeout=60) for w in waits]
    assert codes == [4] * 6
    assert server.simulator.counters.total == 1
    assert server.simulator.counters.auth_failures == 1


def test_a_probe_claim_is_released_or_goes_stale(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "w.sqlite3")
    first, second = RefusalMemo(store), RefusalMemo(Store.open(tmp_path / "w.sqlite3"))
    assert first.claim("key", now=1.0)
    assert not second.claim("key", now=2.0)  # another process is proving it
    first.release("key")
    assert second.claim("key", now=3.0)
    assert not first.claim("key", now=4.0)
    assert first.claim("key", now=3.0 + 16)  # a claim whose holder died goes stale
