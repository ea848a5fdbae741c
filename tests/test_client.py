"""The client against the simulator: real HTTP round trips, every fault mapped to its error."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from tests.conftest import SIM_ENDPOINT, demo_client, sim_auth, simulated
from tui.cloud.client import TaskCenterClient, classify_error, new_http_client
from tui.cloud.endpoints import Service, check_endpoint_url
from tui.cloud.redaction import redact
from tui.cloud.services import adapter_for, default_endpoint
from tui.cloud.signing import AkSkAuth, TokenAuth
from tui.errors import (
    AuthenticationError,
    BadResponseError,
    InvalidInputError,
    JobNotFoundError,
    NetworkError,
    PermissionDeniedError,
    RequestError,
    ServerError,
    ThrottledError,
)
from tui.simulator import FakeClock, Simulator, SimulatorServer
from tui.simulator.core import Credential, ScriptedJob
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN
from tui.simulator.scenarios import make_job

# -- real HTTP round trips ---------------------------------------------------------------


@pytest.mark.parametrize("service", list(Service))
@pytest.mark.parametrize("auth_kind", ["aksk", "aksk+token", "x-auth-token"])
async def test_round_trip_over_real_http(service: Service, auth_kind: str) -> None:
    simulator = Simulator(
        credentials={
            DEMO_AK: DEMO_SK,
            "TEMPAK00000000000001": Credential("temp-sk", "sts-token/+="),
        },
        seed=3,
        service=simulated(service),
    )
    job = make_job(simulator, "create", created_at=simulator.clock() - 100, running_for=10)
    makers: dict[str, Callable[[], httpx.Auth]] = {
        "aksk": lambda: AkSkAuth(DEMO_AK, DEMO_SK, project_id=DEMO_PROJECT_ID),
        "aksk+token": lambda: AkSkAuth(
            "TEMPAK00000000000001",
            "temp-sk",
            security_token="sts-token/+=",
            project_id=DEMO_PROJECT_ID,
        ),
        "x-auth-token": lambda: TokenAuth(DEMO_TOKEN),
    }
    auth = makers[auth_kind]()
    with SimulatorServer(simulator) as server:
        async with new_http_client() as http:
            result = await demo_client(http, server.url, auth, service=service).get_job(job.id)
    assert result.job.id == job.id
    assert result.job.status == "Completed"
    assert result.job.instance.id == job.instance_id
    assert result.job.created_at is not None and result.job.ended_at is not None
    if service in {Service.TAURUSDB, Service.TAURUSDB_LEGACY, Service.RDS}:
        assert result.job.typed_entities.resource_ids == [
            f"{job.instance_id}.vm",
            f"{job.instance_id}.volume",
        ]
    else:  # GaussDB, DDS, GeminiDB send no entities
        assert result.job.entities == {}
    assert result.request_id.startswith("sim-")
    assert simulator.counters.auth_failures == 0


async def test_connections_are_reused(live_server: SimulatorServer) -> None:
    simulator = live_server.simulator
    jobs = [make_job(simulator, "reboot") for _ in range(5)]
    async with new_http_client() as http:
        client = demo_client(http, live_server.url, AkSkAuth(DEMO_AK, DEMO_SK))
        for job in jobs:
            await client.get_job(job.id)
    assert live_server.simulator.counters.total == 5
    assert live_server.connections == 1


async def test_wrong_sk_is_refused_with_exactly_one_request(live_server: SimulatorServer) -> None:
    simulator = live_server.simulator
    job = make_job(simulator, "reboot")
    async with new_http_client() as http:
        client = demo_client(http, live_server.url, AkSkAuth(DEMO_AK, "wrong-secret"))
        with pytest.raises(AuthenticationError) as caught:
            await client.get_job(job.id)
    assert simulator.counters.total == 1
    assert caught.value.status == 401
    assert caught.value.error_code == "APIGW.0301"
    assert "verify aksk signature fail" in caught.value.error_msg
    assert caught.value.request_id


async def test_read_timeout_over_real_http_is_a_network_error() -> None:
    simulator = Simulator()
    simulator.faults.hang_next = 1
    job = make_job(simulator, "reboot")
    with SimulatorServer(simulator) as server:
        async with new_http_client(timeout=httpx.Timeout(0.3)) as http:
            client = demo_client(http, server.url, AkSkAuth(DEMO_AK, DEMO_SK))
            with pytest.raises(NetworkError, match="timed out"):
                await client.get_job(job.id)
            # The next request gets through on a new connection.
            assert (await client.get_job(job.id)).job.id == job.id


async def test_dropped_connection_over_real_http_is_a_network_error() -> None:
    simulator = Simulator()
    simulator.faults.drop_next = 1
    job = make_job(simulator, "reboot")
    with SimulatorServer(simulator) as server:
        async with new_http_client() as http:
            client = demo_client(http, server.url, AkSkAuth(DEMO_AK, DEMO_SK))
            with pytest.raises(NetworkError, match="cannot reach"):
                await client.get_job(job.id)


async def test_refused_connection_is_a_network_error() -> None:
    with SimulatorServer(Simulator()) as server:
        url = server.url
    async with new_http_client() as http:
        with pytest.raises(NetworkError):
            await demo_client(http, url, AkSkAuth(DEMO_AK, DEMO_SK)).get_job(
                "dff1d289-4d03-4942-8b9f-463ea07c000d"
            )


# -- in-process transport: gateway behaviour and faults ----------------------------------


async def test_lifecycle_follows_the_clock(
    simulator: Simulator, sim_client: TaskCenterClient, clock: FakeClock
) -> None:
    job = make_job(simulator, "create", pending_for=10, running_for=100, visible_after=3)
    with pytest.raises(JobNotFoundError):
        await sim_client.get_job(job.id)
    clock.advance(5)
    assert (await sim_client.get_job(job.id)).job.status == "Pending"
    clock.advance(55)
    running = (await sim_client.get_job(job.id)).job
    assert running.status == "Running"
    assert running.progress == 50
    assert running.ended == ""
    assert running.typed_entities.instance is not None
    assert running.typed_entities.instance.endpoint is None
    clock.advance(60)
    done = (await sim_client.get_job(job.id)).job
    assert done.status == "Completed" and done.progress is None
    assert done.ended_at is not None and done.created_at is not None
    assert (done.ended_at - done.created_at).total_seconds() == 110
    assert done.typed_entities.instance is not None and done.typed_entities.instance.endpoint


async def test_failed_job_carries_its_reason(
    simulator: Simulator, sim_client: TaskCenterClient, clock: FakeClock
) -> None:
    job = make_job(
        simulator, "upgrade", outcome="Failed", fail_reason="kernel upgrade failed", running_for=5
    )
    clock.advance(6)
    result = await sim_client.get_job(job.id)
    assert result.job.status == "Failed"
    assert result.job.fail_reason == "kernel upgrade failed"


async def test_an_answer_that_is_the_previous_one_again_is_not_parsed_again(
    simulator: Simulator, sim_client: TaskCenterClient, clock: FakeClock
) -> None:
    job = make_job(simulator, "reboot", running_for=1000)
    job.stuck_at = 40
    first = await sim_client.get_job(job.id)
    again = await sim_client.get_job(job.id)
    assert not first.unchanged and again.unchanged
    assert again.job is first.job  # the object parsed the first time
    assert again.request_id != first.request_id  # a new answer all the same
    clock.advance(1000)  # it ends: other bytes, parsed
    ended = await sim_client.get_job(job.id)
    assert not ended.unchanged and ended.job.status == "Completed"
    other = make_job(simulator, "reboot", running_for=1000)
    other.stuck_at = 40
    assert not (await sim_client.get_job(other.id)).unchanged  # per job, never across jobs


async def test_unknown_id_is_not_found(sim_client: TaskCenterClient) -> None:
    with pytest.raises(JobNotFoundError) as caught:
        await sim_client.get_job("dff1d289-4d03-4942-8b9f-463ea07c000d")
    assert caught.value.error_code == "DBS.200543"
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("fault", "error", "fragment"),
    [
        ({"server_errors_next": 1}, ServerError, "Server failure"),
        ({"server_errors_next": 1, "server_error_status": 503}, ServerError, "Server failure"),
        ({"hang_next": 1}, NetworkError, "timed out"),
        ({"drop_next": 1}, NetworkError, "cannot reach"),
        ({"malformed_next": 1}, BadResponseError, "not JSON"),
        ({"truncated_next": 1}, BadResponseError, "not JSON"),
    ],
)
async def test_each_fault_maps_to_its_error(
    simulator: Simulator,
    sim_client: TaskCenterClient,
    fault: dict[str, int],
    error: type[Exception],
    fragment: str,
) -> None:
    job = make_job(simulator, "reboot")
    for name, value in fault.items():
        setattr(simulator.faults, name, value)
    with pytest.raises(error, match=fragment):
        await sim_client.get_job(job.id)
    # The fault was one-shot: the next request succeeds.
    assert (await sim_client.get_job(job.id)).job.id == job.id


async def test_throttling_above_the_rate(
    simulator: Simulator, sim_client: TaskCenterClient, clock: FakeClock
) -> None:
    job = make_job(simulator, "reboot")
    simulator.faults.rate_limit = 2
    simulator.faults.retry_after = 3
    await sim_client.get_job(job.id)
    await sim_client.get_job(job.id)
    with pytest.raises(ThrottledError) as caught:
        await sim_client.get_job(job.id)
    assert caught.value.status == 429
    assert caught.value.error_code == "APIGW.0308"
    assert caught.value.retry_after == 3
    clock.advance(1)
    await sim_client.get_job(job.id)


async def test_clock_skew_beyond_15_minutes_is_refused(
    simulator: Simulator, sim_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    job = make_job(simulator, "reboot")
    skewed = AkSkAuth(
        DEMO_AK, DEMO_SK, clock=lambda: datetime.fromtimestamp(clock.now() - 16 * 60, UTC)
    )
    with pytest.raises(AuthenticationError, match="verify aksk signature fail"):
        await demo_client(sim_http, SIM_ENDPOINT, skewed).get_job(job.id)
    near = AkSkAuth(
        DEMO_AK, DEMO_SK, clock=lambda: datetime.fromtimestamp(clock.now() - 14 * 60, UTC)
    )
    assert (await demo_client(sim_http, SIM_ENDPOINT, near).get_job(job.id)).job.id == job.id


async def test_unknown_ak_is_refused_and_never_echoed(
    simulator: Simulator, sim_http: httpx.AsyncClient
) -> None:
    job = make_job(simulator, "reboot")
    auth = AkSkAuth("UNKNOWNAKUNKNOWNAK99", "whatever")
    client = TaskCenterClient(
        sim_http, endpoint=SIM_ENDPOINT, service=Service.TAURUSDB, project_id=DEMO_PROJECT_ID,
        auth=auth, secrets=("UNKNOWNAKUNKNOWNAK99", "whatever"),
    )  # fmt: skip
    with pytest.raises(AuthenticationError) as caught:
        await client.get_job(job.id)
    assert "ak not exist" in str(caught.value)
    assert "UNKNOWNAKUNKNOWNAK99" not in str(caught.value)
    assert "UNKN…" in str(caught.value)


def _wrong_and_right(
    simulator: Simulator, http: httpx.AsyncClient, clock: FakeClock
) -> tuple[ScriptedJob, TaskCenterClient, TaskCenterClient]:
    """A job, and two clients of the same AK: one signs with a wrong SK, the other rightly."""
    return (
        make_job(simulator, "reboot"),
        demo_client(http, SIM_ENDPOINT, sim_auth(clock, sk="wrong")),
        demo_client(http, SIM_ENDPOINT, sim_auth(clock)),
    )


async def _refused(
    client: TaskCenterClient, job_id: str, times: int, match: str | None = None
) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationError, match=match):
            await client.get_job(job_id)


async def test_ak_is_locked_for_five_minutes_after_five_failures(
    simulator: Simulator, sim_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    job, bad, good = _wrong_and_right(simulator, sim_http, clock)
    await _refused(bad, job.id, 5, "verify aksk")
    await _refused(good, job.id, 1, "reach the limit,forbidden")
    clock.advance(299)
    await _refused(good, job.id, 1, "reach the limit")
    clock.advance(2)
    assert (await good.get_job(job.id)).job.id == job.id


async def test_a_success_resets_the_failure_count(
    simulator: Simulator, sim_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    job, bad, good = _wrong_and_right(simulator, sim_http, clock)
    await _refused(bad, job.id, 4)
    await good.get_job(job.id)
    await _refused(bad, job.id, 4)
    await good.get_job(job.id)


async def test_bad_token_and_missing_auth(
    simulator: Simulator, sim_http: httpx.AsyncClient
) -> None:
    job = make_job(simulator, "reboot")
    with pytest.raises(AuthenticationError, match="decrypt token fail"):
        await demo_client(sim_http, SIM_ENDPOINT, TokenAuth("expired")).get_job(job.id)
    response = await sim_http.get(
        f"{SIM_ENDPOINT}{adapter_for(Service.TAURUSDB).job_request(DEMO_PROJECT_ID, job.id).path}"
        f"?id={job.id}"
    )
    assert response.status_code == 401


async def test_temporary_credential_needs_its_token(
    simulator: Simulator, sim_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    simulator.credentials["TEMPAK"] = Credential("tsk", "the-token")
    job = make_job(simulator, "reboot")
    at = lambda: datetime.fromtimestamp(clock.now(), UTC)  # noqa: E731
    without = AkSkAuth("TEMPAK", "tsk", clock=at)
    with pytest.raises(AuthenticationError):
        await demo_client(sim_http, SIM_ENDPOINT, without).get_job(job.id)
    with_token = AkSkAuth("TEMPAK", "tsk", security_token="the-token", clock=at)
    assert (await demo_client(sim_http, SIM_ENDPOINT, with_token).get_job(job.id)).job.id == job.id


async def test_wrong_project_is_permission_denied(
    simulator: Simulator, sim_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    job = make_job(simulator, "reboot")
    client = demo_client(sim_http, SIM_ENDPOINT, sim_auth(clock), project_id="f" * 32)
    with pytest.raises(PermissionDeniedError):
        await client.get_job(job.id)


async def test_counters_by_job_and_ak(simulator: Simulator, sim_client: TaskCenterClient) -> None:
    job = make_job(simulator, "reboot")
    for _ in range(3):
        await sim_client.get_job(job.id)
    assert simulator.counters.by_job[job.id] == 3
    assert simulator.counters.by_ak[DEMO_AK] == 3


# -- pure helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "APIGW.0301", AuthenticationError),
        (400, "APIG.0301", AuthenticationError),
        (403, "DBS.280056", AuthenticationError),
        (403, "DBS.200604", PermissionDeniedError),
        (400, "DBS.201003", PermissionDeniedError),
        (429, "429", ThrottledError),
        (400, "APIG.0308", ThrottledError),
        (400, "DBS.200543", JobNotFoundError),
        (500, "DBS.108000", ServerError),
        (502, "502", ServerError),
        (404, "APIGW.0101", RequestError),
        (400, "DBS.200001", RequestError),
    ],
)
def test_classify_error(status: int, code: str, expected: type[Exception]) -> None:
    assert type(classify_error(status, code, "m", "r")) is expected


def test_retry_after_as_http_date() -> None:
    error = classify_error(429, "APIGW.0308", "m", "r", "Wed, 21 Oct 2015 07:28:00 GMT")
    assert isinstance(error, ThrottledError) and error.retry_after == 0.0


def test_redact_keeps_four_characters() -> None:
    assert (
        redact("ak:ABCDEFGH failed; sk SECRETSK", ["ABCDEFGH", "SECRETSK"])
        == "ak:ABCD… failed; sk SECR…"
    )


@pytest.mark.parametrize(
    "url",
    ["http://example.com", "ftp://127.0.0.1", "not a url", "https://h/x?y=1", "http://10.0.0.1:80"],
)
def test_endpoint_checks_refuse(url: str) -> None:
    with pytest.raises(InvalidInputError):
        check_endpoint_url(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [("https://gaussdb.cn-north-4.myhuaweicloud.com/", "https://gaussdb.cn-north-4.myhuaweicloud.com"),
     ("http://127.0.0.1:8080", "http://127.0.0.1:8080"), ("http://localhost:1", "http://localhost:1"),
     ("http://[::1]:5", "http://[::1]:5")],
)  # fmt: skip
def test_endpoint_checks_accept(url: str, expected: str) -> None:
    assert check_endpoint_url(url) == expected


def test_region_tables() -> None:
    assert (
        default_endpoint(Service.TAURUSDB, "tr-west-1")
        == "https://gaussdbformysql.tr-west-1.myhuaweicloud.com"
    )
    assert (
        default_endpoint(Service.TAURUSDB_LEGACY, "af-south-1")
        == "https://gaussdb-mysql.af-south-1.myhuaweicloud.com"
    )
    assert (
        default_endpoint(Service.RDS, "eu-west-101") == "https://rds.eu-west-101.myhuaweicloud.eu"
    )
    assert default_endpoint(Service.RDS, "cn-north-4") == "https://rds.cn-north-4.myhuaweicloud.com"
    with pytest.raises(InvalidInputError, match="--endpoint"):
        default_endpoint(Service.TAURUSDB, "mars-1")
    assert default_endpoint(Service.GAUSSDB, "cn-north-4") == (
        "https://gaussdb-opengauss.cn-north-4.myhuaweicloud.com"
    )
    assert (
        default_endpoint(Service.GAUSSDB, "cn-east-4")
        == "https://gaussdb.cn-east-4.myhuaweicloud.com"
    )
    assert (
        default_endpoint(Service.DDS, "eu-west-101") == "https://dds.eu-west-101.myhuaweicloud.eu"
    )
    assert default_endpoint(Service.GEMINIDB, "ap-southeast-1") == (
        "https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com"
    )
    with pytest.raises(InvalidInputError, match="GeminiDB has no known endpoint"):
        default_endpoint(Service.GEMINIDB, "eu-west-0")
    legacy = adapter_for(Service.TAURUSDB_LEGACY).job_request("p", "x")
    assert legacy.path == "/mysql/v3/p/jobs" and legacy.params == {"id": "x"}
    assert adapter_for(Service.RDS).job_request("p", "x").path == "/v3/p/jobs"


def test_a_client_that_resets_its_connection_prints_nothing(
    live_server: SimulatorServer, capfd: pytest.CaptureFixture[str]
) -> None:
    """A TUI that quits mid-request resets its connection: `taskwatch simulate` stays quiet."""
    host, port = live_server.url.removeprefix("http://").split(":")
    for _ in range(3):
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(b"GET /v3/")  # half a request line, then a reset (RST, not FIN)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    deadline = time.monotonic() + 5
    while live_server.connections < 3 and time.monotonic() < deadline:
        time.sleep(0.01)  # the server thread accepts the connections on its own
    live_server.stop()  # joins the server: every handler has finished with its reset
    assert live_server.connections == 3
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "ConnectionResetError" not in captured.err
