"""Shared fixtures: isolated user directories, a simulator with a controllable clock."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from textual.app import App

from tests.receiver import Receiver
from tui.cloud.client import TaskCenterClient, new_http_client
from tui.cloud.endpoints import Service
from tui.cloud.signing import AkSkAuth
from tui.simulator import FakeClock, Simulator, SimulatorServer, SimulatorTransport
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN

if TYPE_CHECKING:
    from tests.engine_rig import Rig

SIM_ENDPOINT = "http://127.0.0.1:9"  # never dialled: the in-process transport answers
CLOSED_METADATA = "http://127.0.0.1:9"
"""The metadata service's address in tests: a loopback port nothing listens on."""


NEW_SERVICES = ("gaussdb", "dds", "geminidb")
"""The Task Centers that each have a simulator of their own (one service per port)."""


def simulated(service: str) -> str:
    """The simulator that serves ``service``: its own for GaussDB, DDS and GeminiDB, the
    TaurusDB/RDS one for the rest."""
    return service if service in NEW_SERVICES else "taurusdb"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--soak",
        type=float,
        default=float(os.environ.get("TASKWATCH_SOAK", "0") or 0),
        help="chaos suite: let each storm last this many seconds (default: a short CI run)",
    )


@pytest.fixture
def soak(request: pytest.FixtureRequest) -> float:
    """Seconds a chaos storm lasts beyond the CI default (0: the CI default)."""
    return float(request.config.getoption("--soak"))


@pytest.fixture(autouse=True)
def background_failures(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fails any test whose app's session worker died (the app logs it and says so, but a test
    that only looks at the screen could pass over a session that never ran). A test that
    means to break the session takes this fixture and empties the list."""
    from tui.ui.app import TaskwatchApp

    failures: list[str] = []
    original = TaskwatchApp._background_failed

    def record(self: TaskwatchApp, name: str, error: BaseException | None) -> None:
        failures.append(f"{name}: {error!r}")
        original(self, name, error)

    monkeypatch.setattr(TaskwatchApp, "_background_failed", record)
    yield failures
    assert not failures, f"a session worker of the app failed: {failures}"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config/data/state/cache dirs and no real credentials."""
    home = tmp_path / "home"
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TZ", "UTC")  # local-time rendering is the same on every machine
    time.tzset()
    for name in (
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        "TASKWATCH_AUTH_TOKEN",
        "HUAWEICLOUD_SDK_IAM_ENDPOINT",
        "HUAWEICLOUD_SDK_IDP_ID",
        "HUAWEICLOUD_SDK_ID_TOKEN_FILE",
        "HUAWEICLOUD_SDK_REGIONS_FILE",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
        "SSL_CERT_FILE",
        "TMUX",
        "NO_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("HUAWEICLOUD_SDK_REGION_"):
            monkeypatch.delenv(name)
    # The SDK's chain ends at the ECS metadata service; in tests it is a loopback port where
    # nothing listens (the discard port), so nothing ever reaches 169.254.169.254.
    monkeypatch.setenv("TASKWATCH_METADATA_ENDPOINT", CLOSED_METADATA)
    return home


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def simulator(clock: FakeClock) -> Simulator:
    return Simulator(clock=clock.now, seed=7)


@pytest.fixture
async def sim_http(simulator: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client(transport=SimulatorTransport(simulator)) as http:
        yield http


@pytest.fixture
def rig(simulator: Simulator, sim_http: httpx.AsyncClient, clock: FakeClock, tmp_path: Path) -> Rig:
    """The simulator, a client onto it, the fake clock and a watchlist, for engine tests."""
    from tests.engine_rig import Rig
    from tui.engine.storage import Store

    return Rig(simulator, sim_http, clock, Store.open(tmp_path / "w.sqlite3"))


def recording_transport(simulator: Simulator, sent: list[httpx.Request]) -> httpx.MockTransport:
    """The in-process simulator, keeping every request it is sent in ``sent``."""
    inner = SimulatorTransport(simulator)

    async def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return await inner.handle_async_request(request)

    return httpx.MockTransport(answer)


def sim_auth(clock: FakeClock, sk: str = DEMO_SK, **kw: object) -> AkSkAuth:
    """AK/SK auth whose X-Sdk-Date follows the fake clock, as a real one follows real time."""
    from datetime import UTC, datetime

    return AkSkAuth(DEMO_AK, sk, clock=lambda: datetime.fromtimestamp(clock.now(), UTC), **kw)  # type: ignore[arg-type]


def demo_client(
    http: httpx.AsyncClient,
    endpoint: str,
    auth: httpx.Auth,
    *,
    service: Service = Service.TAURUSDB,
    project_id: str = DEMO_PROJECT_ID,
) -> TaskCenterClient:
    """A Task Center client of the demo project at ``endpoint``; the demo secrets are redacted
    from what it raises."""
    return TaskCenterClient(
        http,
        endpoint=endpoint,
        service=service,
        project_id=project_id,
        auth=auth,
        secrets=(DEMO_AK, DEMO_SK, DEMO_TOKEN),
    )


@pytest.fixture
def sim_client(sim_http: httpx.AsyncClient, clock: FakeClock) -> TaskCenterClient:
    return demo_client(sim_http, SIM_ENDPOINT, sim_auth(clock))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local webhook receiver (the team's sinks), closed after the test."""
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    """The simulator over real HTTP on 127.0.0.1 (``watch`` and the CLI in subprocesses)."""
    with SimulatorServer(Simulator(seed=5)) as running:
        yield running


@pytest.fixture
def live_server() -> Iterator[SimulatorServer]:
    """A real HTTP simulator on 127.0.0.1 with the real clock."""
    with SimulatorServer(Simulator(seed=11)) as server:
        yield server


@pytest.fixture
def toasts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(message, severity) of every toast any app shows during the test."""
    shown: list[tuple[str, str]] = []
    original = App.notify

    def record(self: App[object], message: str, **kwargs: Any) -> None:
        shown.append((message, kwargs.get("severity", "information")))
        original(self, message, **kwargs)

    monkeypatch.setattr(App, "notify", record)
    return shown
