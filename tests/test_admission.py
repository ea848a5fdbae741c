"""The gate every request passes (admission, one classifier of errors), and the rule that any
exception a request raises is that request's outcome."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from tests.conftest import SIM_ENDPOINT, sim_auth
from tests.ui_fixtures import demo_profile
from tui import errors
from tui.cloud.client import TaskCenterClient
from tui.cloud.endpoints import Service
from tui.engine.events import (
    CredentialRefused,
    CredentialRestored,
    EndpointChanged,
    EndpointState,
    RefreshFailed,
    SessionEvent,
)
from tui.engine.polling.admission import Closed, Gate, Meaning, Pass, meaning_of
from tui.engine.polling.outcomes import PollOutcome
from tui.engine.polling.poller import PollerConfig
from tui.engine.session import Clock, WatchSession
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.errors import AuthenticationError, ErrorKind, NetworkError, TaskCenterError, ThrottledError
from tui.simulator import FakeClock, Simulator
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.scenarios import make_job


@dataclasses.dataclass
class _Client:
    endpoint: str


def _gate(outcomes: list[PollOutcome], rate: float = 2.0) -> Gate:
    gate = Gate(outcomes.append, {"a": rate, "b": rate}, clock=lambda: 0.0, wall=lambda: 0.0)
    shared = cast(TaskCenterClient, _Client("https://one"))
    gate.set_client("a", shared, "key-1")
    gate.set_client("b", shared, "key-1")
    return gate


@pytest.mark.parametrize(
    ("error", "essential", "meaning"),
    [
        (errors.AuthenticationError("bad signature"), True, Meaning.REFUSED),
        (errors.AuthenticationError("bad signature"), False, Meaning.REFUSED),
        (errors.PermissionDeniedError("no jobs:get"), True, Meaning.REFUSED),
        (errors.PermissionDeniedError("no jobs:list"), False, Meaning.REJECTED),
        (errors.ThrottledError("slow down"), True, Meaning.THROTTLED),
        (errors.JobNotFoundError("unknown"), True, Meaning.NOT_FOUND),
        (errors.RequestError("bad parameter"), False, Meaning.REJECTED),
        (errors.NetworkError("reset"), True, Meaning.OFFLINE),
        (errors.ServerError("500"), True, Meaning.BROKEN),
        (errors.BadResponseError("garbage"), True, Meaning.BROKEN),
    ],
)
def test_one_classifier_says_what_each_error_means(
    error: TaskCenterError, essential: bool, meaning: Meaning
) -> None:
    assert meaning_of(error, essential=essential) is meaning


def test_a_credential_is_proven_by_one_request_before_the_others_go() -> None:
    outcomes: list[PollOutcome] = []
    gate = _gate(outcomes, rate=10)
    probe = gate.admit("a", 0.0)
    assert isinstance(probe, Pass) and probe.probe
    # The other profile shares the credential: it waits for the probe's outcome.
    assert gate.admit("b", 0.0) is Closed.PROBING
    gate.succeeded(probe)
    assert gate.settle(probe) is True
    second = gate.admit("b", 0.0)
    assert isinstance(second, Pass) and not second.probe
    assert gate.admit("nobody", 0.0) is Closed.NO_CLIENT


def test_no_answer_proves_nothing_and_marks_the_endpoint_offline() -> None:
    outcomes: list[PollOutcome] = []
    gate = _gate(outcomes, rate=10)
    probe = gate.admit("a", 0.0)
    assert isinstance(probe, Pass)
    assert gate.failed(probe, NetworkError("reset"), essential=True) is Meaning.OFFLINE
    gate.settle(probe)
    again = gate.admit("a", 0.0)
    assert isinstance(again, Pass) and again.probe  # still unproven: the next one goes alone
    assert outcomes == [EndpointChanged("https://one", EndpointState.OFFLINE, 0.0)]


def test_a_refusal_stops_every_profile_of_the_credential_until_resumed() -> None:
    outcomes: list[PollOutcome] = []
    gate = _gate(outcomes, rate=10)
    probe = gate.admit("a", 0.0)
    assert isinstance(probe, Pass)
    error = AuthenticationError("bad signature", status=401)
    assert gate.failed(probe, error, essential=True) is Meaning.REFUSED
    gate.settle(probe)
    assert gate.admit("a", 0.0) is Closed.REFUSED
    assert gate.admit("b", 0.0) is Closed.REFUSED
    assert outcomes == [CredentialRefused(("a", "b"), error)]
    gate.resume("b")
    assert outcomes[-1] == CredentialRestored(("a", "b"))
    retry = gate.admit("a", 0.0)
    assert isinstance(retry, Pass) and retry.probe  # one request proves it again


def test_throttling_halves_the_rate_and_a_dry_bucket_closes_the_gate() -> None:
    outcomes: list[PollOutcome] = []
    gate = _gate(outcomes, rate=2)
    first = gate.admit("a", 0.0)
    assert isinstance(first, Pass)
    gate.succeeded(first)
    assert gate.failed(first, ThrottledError("slow"), essential=False) is Meaning.THROTTLED
    assert first.bucket.rate == 1.0
    assert gate.admit("a", 0.0) is Closed.BUCKET_EMPTY
    assert outcomes[-1] == EndpointChanged("https://one", EndpointState.THROTTLED, 0.0)


def _exploding_client(clock: FakeClock, simulator: Simulator, calls: list[str]) -> TaskCenterClient:
    """A client whose transport raises what no HTTP library error is (a bug, a refused URL)."""

    async def answer(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise RuntimeError("\x1b]2;pwned\x07 the URL is too long")

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return TaskCenterClient(
        http, endpoint=SIM_ENDPOINT, service=Service.TAURUSDB, project_id=DEMO_PROJECT_ID,
        auth=sim_auth(clock), secrets=(DEMO_AK, DEMO_SK),
    )  # fmt: skip


async def test_any_exception_a_poll_raises_is_that_polls_failure(
    tmp_path: Path, simulator: Simulator, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    job = make_job(simulator, "reboot", running_for=60)
    store = Store.open(tmp_path / "w.sqlite3")
    store.add_tasks([job.id], profile="default", now=clock.now())
    calls: list[str] = []
    client = _exploding_client(clock, simulator, calls)
    runtime = Runtime(
        cast(Any, None), profiles={"default": demo_profile()}, clients={"default": client}
    )
    session = WatchSession(
        store,
        runtime,
        clock=Clock(wall=clock.now, monotonic=clock.now),
        poller_config=PollerConfig(interval=5),
        rng=random.Random(1),
    )
    events: list[SessionEvent] = []
    session.subscribe(events.append)
    for _ in range(30):
        await session.tick()
        clock.advance(1)
    failures = [e for e in events if isinstance(e, RefreshFailed)]
    assert failures, "the failure is shown on the task"
    assert failures[0].error.kind == ErrorKind.BAD_RESPONSE
    assert "RuntimeError" in str(failures[0].error) and "\x1b" not in str(failures[0].error)
    record = store.get_task(job.id)
    assert record is not None and record.error_kind == "bad_response"
    # Backed off like any failure: not once a second for 30 s.
    assert 1 < len(calls) < 10
