"""Credentials that last the window, against local stand-ins of the ECS metadata service and IAM
(:mod:`tui.simulator.identity`) in front of the simulated gateway, which refuses expired keys."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.identity_fixtures import RecordingProxy, RoutingTransport, private_ca
from tui.cli import main
from tui.cloud.client import new_http_client
from tui.cloud.endpoints import Service
from tui.cloud.identity.clock import ClockSkew
from tui.cloud.identity.live import LiveCredential
from tui.cloud.identity.static import IniSource
from tui.engine.setup.config import CliOverrides, Profile, load_settings, resolve_profile
from tui.engine.setup.paths import config_file, database_file, log_file
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.errors import ConfigError, CredentialError, NetworkError
from tui.simulator import FakeClock, Simulator
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.identity import IamService, MetadataService
from tui.simulator.scenarios import make_job
from tui.simulator.server import ServiceServer, SimulatorServer

PID = DEMO_PROJECT_ID
GATEWAY = "http://127.0.0.1:7001"
METADATA = "http://127.0.0.2:7002"
IAM = "http://127.0.0.3:7003"
ECS_PROFILE = (
    f'[profiles.p]\nauth = "ecs"\nmetadata_endpoint = "{METADATA}"\nendpoint = "{GATEWAY}"\n'
    f'project_id = "{PID}"\n'
)


def _config(text: str) -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _profile(name: str = "p", env: dict[str, str] | None = None) -> Profile:
    return resolve_profile(load_settings(), CliOverrides(profile=name), env or {}, name=name)


def _on_ecs(world: World) -> tuple[Profile, Runtime]:
    """The ECS profile of the config, resolved, and a runtime whose client signs with it."""
    _config(ECS_PROFILE)
    profile = _profile()
    return profile, world.runtime(profile)


class World:
    """The gateway, the metadata service and IAM on one fake clock, reached in-process."""

    def __init__(self, *, life: float = 60.0, overlap: float = 10.0) -> None:
        self.clock = FakeClock(start=1_780_000_000.0)
        self.gateway = Simulator(clock=self.clock.now, seed=3)
        self.metadata = MetadataService(
            self.gateway, life=life, overlap=overlap, clock=self.clock.now
        )
        self.iam = IamService(
            self.gateway,
            projects=[{"id": PID, "name": "cn-north-4"}, {"id": "f" * 32, "name": "cn-east-3"}],
            agencies={("customer", "ops-agency")},
            idps={"corp-idp": "the-id-token"},
            life=life,
            clock=self.clock.now,
        )
        self.transport = RoutingTransport(
            {"127.0.0.1": self.gateway, "127.0.0.2": self.metadata, "127.0.0.3": self.iam}
        )

    def runtime(self, profile: Profile, *, behind: float = 0.0) -> Runtime:
        """A runtime for ``profile``; this machine's clock ``behind`` the gateway's."""
        runtime = Runtime(new_http_client(transport=self.transport), transport=self.transport)
        runtime.skew = ClockSkew(lambda: self.clock.now() - behind)
        runtime.profiles[profile.name] = profile
        runtime.clients[profile.name] = runtime.client_for(profile)
        return runtime


@pytest.fixture
def world() -> World:
    return World()


async def test_ecs_keys_for_five_minutes_of_sixty_second_keys(world: World) -> None:
    """Keys that live 60 s, polled every second for 5 minutes (on the fake clock): every request
    is signed with keys the gateway still takes, none fails, and the metadata service is asked
    about twice per key life, not once per request."""
    profile, runtime = _on_ecs(world)
    job = make_job(world.gateway, "resize", running_for=3600)
    client = runtime.clients["p"]
    try:
        for _ in range(300):
            await client.get_job(job.id)
            world.clock.advance(1.0)
            await asyncio.sleep(0)  # a background renewal gets its turn, as on a live loop
    finally:
        await runtime.aclose()
    counters = world.gateway.counters
    assert counters.expired == 0 and counters.auth_failures == 0
    assert counters.by_job[job.id] == 300
    key_calls = world.metadata.calls["GET /openstack/latest/securitykey"]
    assert 5 <= key_calls <= 12, key_calls  # 5 key lives: at most 2 asks each, plus the first
    assert world.metadata.calls["PUT /meta-data/latest/api/token"] == 1  # one session token
    assert len(world.metadata.issuer.issued) >= 5
    assert profile.credential.renewals == key_calls - 1


async def test_an_expired_key_is_renewed_once_and_the_request_repeated(world: World) -> None:
    """The laptop slept past the keys' expiry as the gateway counts it: the 401 is an expiry,
    the keys are renewed once, the request is repeated once, and the caller sees an answer."""
    profile, runtime = _on_ecs(world)
    job = make_job(world.gateway, "resize", running_for=3600)
    try:
        await runtime.clients["p"].get_job(job.id)
        first_ak = profile.credential.ak
        # The gateway ends the keys early (another clock, a revoked session): the client's own
        # idea of their expiry says they are still good.
        known = world.gateway.credentials
        known[first_ak] = dataclasses.replace(known[first_ak], expires_at=world.clock.now() - 1)
        world.metadata._current = None  # the metadata service hands out new keys
        result = await runtime.clients["p"].get_job(job.id)
    finally:
        await runtime.aclose()
    assert result.job.id == job.id
    assert profile.credential.ak != first_ak
    assert world.gateway.counters.expired == 1  # one refused, then one that worked


async def test_metadata_v1_without_a_session_token(world: World) -> None:
    world.metadata.mode = "v1"
    profile, runtime = _on_ecs(world)
    try:
        keys = await profile.credential.current()
    finally:
        await runtime.aclose()
    assert keys.ak.startswith("ECSTEMPAK") and keys.expires_at is not None
    assert world.metadata.calls["PUT /meta-data/latest/api/token"] == 1
    [keys_request] = [r for r in world.transport.seen if r.url.path.endswith("securitykey")]
    assert "X-Metadata-Token" not in keys_request.headers


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("no_agency", "Please configure Cloud Service Agency first"),
        ("not_json", "not JSON"),
        ("no_keys", "without secret"),
    ],
)
async def test_metadata_answers_that_give_no_keys_are_named(
    world: World, mode: str, words: str
) -> None:
    world.metadata.mode = mode  # type: ignore[assignment]
    _, runtime = _on_ecs(world)
    try:
        await runtime.prepare()
    finally:
        await runtime.aclose()
    assert "p" not in runtime.clients
    assert words in runtime.problems["p"], runtime.problems


async def test_project_id_looked_up_by_name_then_kept(world: World, tmp_path: Path) -> None:
    _config(f'[profiles.p]\nregion = "cn-north-4"\nendpoint = "{GATEWAY}"\n'
            f'iam_endpoint = "{IAM}"\n')  # fmt: skip
    env = {"HUAWEICLOUD_SDK_AK": DEMO_AK, "HUAWEICLOUD_SDK_SK": DEMO_SK}
    store = Store.open(tmp_path / "w.sqlite3")
    job = make_job(world.gateway, "resize", running_for=3600)
    for round_number in (1, 2):
        profile = _profile(env=env)
        assert profile.project_id is None
        runtime = world.runtime(profile)
        runtime.project_cache = store
        try:
            await runtime.prepare()
            found = await runtime.clients["p"].get_job(job.id)
        finally:
            await runtime.aclose()
        assert found.job.id == job.id
        assert runtime.clients["p"].project_id == PID
        assert world.iam.calls["GET /v3/projects"] == 1, round_number  # the second run asks none
    lookup = next(r for r in world.transport.seen if r.url.path == "/v3/projects")
    assert lookup.url.params["name"] == "cn-north-4"
    assert lookup.headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=" + DEMO_AK)
    store.close()


async def test_project_lookup_falls_back_and_names_zero_or_several(world: World) -> None:
    env = {"HUAWEICLOUD_SDK_AK": DEMO_AK, "HUAWEICLOUD_SDK_SK": DEMO_SK}
    world.iam.projects_denied = True
    _config(f'[profiles.p]\nregion = "cn-east-3"\nendpoint = "{GATEWAY}"\niam_endpoint = "{IAM}"\n')
    profile = _profile(env=env)
    runtime = world.runtime(profile)
    try:
        assert await runtime.clients["p"].project.get() == "f" * 32
    finally:
        await runtime.aclose()
    assert world.iam.calls["GET /v3/auth/projects"] == 1
    world.iam.projects_denied = False
    world.iam.projects.append({"id": "e" * 32, "name": "cn-east-3"})
    for region, words in (("eu-west-0", "0 projects match"), ("cn-east-3", "Multiple project")):
        _config(f'[profiles.p]\nregion = "{region}"\nendpoint = "{GATEWAY}"\n'
                f'iam_endpoint = "{IAM}"\n')  # fmt: skip
        runtime = world.runtime(_profile(env=env))
        try:
            await runtime.prepare()
        finally:
            await runtime.aclose()
        problem = runtime.problems["p"]
        assert words in problem and region in problem and "X-IAM-Trace-Id=trace-" in problem
    assert "(2)" in problem


async def test_assume_an_agency_with_a_source_profiles_keys(world: World) -> None:
    env = {"HUAWEICLOUD_SDK_AK": DEMO_AK, "HUAWEICLOUD_SDK_SK": DEMO_SK}
    _config(
        f'[profiles.base]\nauth = "aksk"\nendpoint = "{GATEWAY}"\nproject_id = "{PID}"\n'
        f'[profiles.p]\nauth = "assume"\nsource_profile = "base"\nagency_name = "ops-agency"\n'
        f'agency_domain = "customer"\nduration = 900\niam_endpoint = "{IAM}"\n'
        f'endpoint = "{GATEWAY}"\nproject_id = "{PID}"\n'
        f'[profiles.wrong]\nauth = "assume"\nsource_profile = "base"\nagency_name = "nope"\n'
        f'agency_domain = "customer"\niam_endpoint = "{IAM}"\nendpoint = "{GATEWAY}"\n'
        f'project_id = "{PID}"\n'
    )
    job = make_job(world.gateway, "resize", running_for=3600)
    profile = _profile(env=env)
    runtime = world.runtime(profile)
    try:
        assert (await runtime.clients["p"].get_job(job.id)).job.id == job.id
    finally:
        await runtime.aclose()
    assert profile.credential.ak.startswith("IAMTEMPAK")
    request = next(r for r in world.transport.seen if r.url.path.endswith("securitytokens"))
    body = json.loads(request.content)["auth"]["identity"]
    assert body["methods"] == ["assume_role"]
    assert body["assume_role"] == {
        "agency_name": "ops-agency", "domain_name": "customer", "duration_seconds": 900,
    }  # fmt: skip
    assert request.headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=" + DEMO_AK)
    wrong = _profile("wrong", env=env)
    runtime = world.runtime(wrong)
    try:
        await runtime.prepare()
    finally:
        await runtime.aclose()
    assert "agency 'nope' of account 'customer'" in runtime.problems["wrong"]
    assert "HTTP 403" in runtime.problems["wrong"]


async def test_federation_reads_the_id_token_again_at_each_renewal(
    world: World, tmp_path: Path
) -> None:
    token_file = tmp_path / "id-token"
    token_file.write_text("the-id-token\n")
    _config(
        f'[profiles.p]\nauth = "idp"\nidp_id = "corp-idp"\nid_token_file = "{token_file}"\n'
        f'iam_endpoint = "{IAM}"\nendpoint = "{GATEWAY}"\nproject_id = "{PID}"\n'
    )
    profile = _profile()
    runtime = world.runtime(profile)
    try:
        first = await profile.credential.current()
        world.iam.idps["corp-idp"] = "a-rotated-id-token"
        token_file.write_text("a-rotated-id-token")  # the IdP agent rewrote it
        second = await profile.credential.renew()
        token_file.write_text("")
        with pytest.raises(CredentialError, match="is empty"):
            await profile.credential.renew()
        token_file.unlink()
        with pytest.raises(CredentialError, match="does not exist"):
            await profile.credential.renew()
    finally:
        await runtime.aclose()
    assert first.ak != second.ak and second.ak.startswith("IAMTEMPAK")
    exchanges = [r for r in world.transport.seen if r.url.path.endswith("id-token/tokens")]
    assert [json.loads(r.content)["auth"]["id_token"]["id"] for r in exchanges] == [
        "the-id-token", "a-rotated-id-token",
    ]  # fmt: skip
    assert all(r.headers["X-Idp-Id"] == "corp-idp" for r in exchanges)
    assert profile.credential.problem is not None  # the failed renewals are shown


async def test_a_skewed_clock_is_named_then_mended(world: World) -> None:
    """This machine runs 20 minutes behind: one refused request, then requests that work."""
    env = {"HUAWEICLOUD_SDK_AK": DEMO_AK, "HUAWEICLOUD_SDK_SK": DEMO_SK}
    _config(f'[profiles.p]\nendpoint = "{GATEWAY}"\nproject_id = "{PID}"\n')
    profile = _profile(env=env)
    runtime = world.runtime(profile, behind=1200)
    job = make_job(world.gateway, "resize", running_for=3600)
    try:
        for _ in range(3):
            assert (await runtime.clients["p"].get_job(job.id)).job.id == job.id
    finally:
        await runtime.aclose()
    assert world.gateway.counters.auth_failures == 1
    assert runtime.skew.warning is not None and "20 min off" in runtime.skew.warning
    assert any("20 min off" in notice for notice in runtime.notices)


async def test_an_ini_file_rotated_on_disk_is_used_without_ctrl_r(
    world: World, tmp_path: Path
) -> None:
    creds = tmp_path / "credentials"
    creds.write_text(f"[basic]\nak = {DEMO_AK}\nsk = {DEMO_SK}\n")
    creds.chmod(0o600)
    world.gateway.credentials["ROTATEDAK00000000001"] = world.gateway.credentials[DEMO_AK]
    _config(f'[profiles.p]\ncredentials_file = "{creds}"\nendpoint = "{GATEWAY}"\n'
            f'project_id = "{PID}"\n')  # fmt: skip
    profile = _profile()
    runtime = world.runtime(profile)
    job = make_job(world.gateway, "resize", running_for=3600)
    try:
        await runtime.clients["p"].get_job(job.id)
        creds.write_text(f"[basic]\nak = ROTATEDAK00000000001\nsk = {DEMO_SK}\n# rotated\n")
        world.clock.advance(6)
        await runtime.clients["p"].get_job(job.id)
    finally:
        await runtime.aclose()
    assert world.gateway.counters.by_ak["ROTATEDAK00000000001"] == 1
    assert isinstance(profile.credential.keysource, IniSource)


def test_koocli_profiles(tmp_path: Path) -> None:
    path = tmp_path / "config.json"

    def write(profiles: list[dict[str, str]], current: str = "plain") -> None:
        path.write_text(json.dumps({"current": current, "profiles": profiles}))

    write([
        {"name": "plain", "mode": "AKSK", "accessKeyId": "KOOAK000000000000001",
         "secretAccessKey": "koosecret0000000000000000000000000000000", "projectId": PID},
        {"name": "vault", "mode": "AKSK", "accessKeyId": "c2VjcmV0IGluIGEgdmF1bHQ=:9f1e==",
         "secretAccessKey": "kz/8q+Zr1lQ==:a8d1f0e9c7b6"},
        {"name": "vm", "mode": "ecsAgency"},
    ])  # fmt: skip
    base = f'auth = "koocli"\nkoocli_file = "{path}"\nregion = "cn-north-4"\n'
    _config(f"[profiles.p]\n{base}\n[profiles.v]\n{base}koocli_profile = 'vault'\n"
            f"[profiles.vm]\n{base}koocli_profile = 'vm'\n")  # fmt: skip
    plain = _profile()
    assert plain.credential.ak == "KOOAK000000000000001" and plain.project_id == PID
    with pytest.raises(ConfigError, match=r"encrypted by KooCLI.*cli-auth-encrypt=false"):
        _profile("v")
    assert _profile("vm").credential.kind == "ecs"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="is not readable JSON"):
        _profile()


def test_endpoint_overrides_in_the_sdks_order(tmp_path: Path) -> None:
    regions = tmp_path / "regions.yaml"
    regions.write_text(
        "GAUSSDB:\n  - id: cn-north-4\n    endpoint: https://from-file.example\n"
        "RDS:\n  - id: xx-new-1\n    endpoints:\n      - https://rds.xx-new-1.example\n"
    )
    env = {
        "HUAWEICLOUD_SDK_AK": DEMO_AK,
        "HUAWEICLOUD_SDK_SK": DEMO_SK,
        "HUAWEICLOUD_SDK_PROJECT_ID": PID,
        "HUAWEICLOUD_SDK_REGIONS_FILE": str(regions),
    }
    settings = load_settings()
    taurus = resolve_profile(settings, CliOverrides(region="cn-north-4"), env)
    assert taurus.endpoint == "https://from-file.example"
    override = {"HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4": "https://a.example,https://b.example"}
    from_env = resolve_profile(settings, CliOverrides(region="cn-north-4"), {**env, **override})
    assert from_env.endpoint == "https://a.example"
    assert from_env.sources["endpoint"] == "$HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4"
    new_region = CliOverrides(region="xx-new-1", service=Service.RDS)
    assert resolve_profile(settings, new_region, env).endpoint == "https://rds.xx-new-1.example"
    iam = resolve_profile(
        settings, CliOverrides(region="eu-west-101", service=Service.RDS), {**env, **override}
    )
    assert iam.iam_endpoint == "https://iam.myhuaweicloud.com"
    with_env = {**env, "HUAWEICLOUD_SDK_IAM_ENDPOINT": "https://iam.corp.example"}
    assert resolve_profile(settings, CliOverrides(region="cn-north-4"), with_env).iam_endpoint == (
        "https://iam.corp.example"
    )


@pytest.fixture
def gateway() -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator(seed=9)) as server:
        yield server


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_a_proxy_carries_every_request_and_its_password_is_never_shown(
    gateway: SimulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    job = make_job(gateway.simulator, "resize", running_for=5, created_at=0)
    with RecordingProxy() as proxy:
        address = proxy.url.removeprefix("http://")
        _config(
            f'[profiles.p]\nendpoint = "{gateway.url}"\nproject_id = "{PID}"\n'
            f'proxy = "http://ops:pr0xy-pass-word@{address}"\n'
        )
        env = {"HUAWEICLOUD_SDK_AK": DEMO_AK, "HUAWEICLOUD_SDK_SK": DEMO_SK}
        shown = _run("show", job.id, "--profile", "p", "--json", "--debug", env=env)
        config = _run("config", "--profile", "p", env=env)
    assert shown.returncode == 0, shown.stderr
    assert any(job.id in line and auth for line, auth in proxy.seen), proxy.seen
    assert all(auth and auth.startswith("Basic ") for _, auth in proxy.seen)
    assert "ops:***@" in config.stdout
    with RecordingProxy() as from_env:
        _config(f'[profiles.p]\nendpoint = "{gateway.url}"\nproject_id = "{PID}"\n')
        honoured = _run("show", job.id, "--profile", "p", env={**env, "HTTP_PROXY": from_env.url})
        count = len(from_env.seen)
        bypass = {**env, "HTTP_PROXY": from_env.url, "NO_PROXY": "127.0.0.1"}
        skipped = _run("show", job.id, "--profile", "p", env=bypass)
    assert honoured.returncode == 0 and skipped.returncode == 0, honoured.stderr + skipped.stderr
    assert count == 1 and len(from_env.seen) == 1  # HTTP_PROXY taken, NO_PROXY honoured
    log = log_file()
    everything = shown.stdout + shown.stderr + config.stdout + config.stderr
    everything += log.read_text() if log.exists() else ""
    assert "pr0xy-pass-word" not in everything


def test_proxy_and_ca_file_mistakes_exit_2() -> None:
    env = {"HUAWEICLOUD_SDK_AK": DEMO_AK, "HUAWEICLOUD_SDK_SK": DEMO_SK}
    _config(f'[profiles.p]\nregion = "cn-north-4"\nproject_id = "{PID}"\nproxy = "http://:8080"\n'
            f'[profiles.c]\nregion = "cn-north-4"\nproject_id = "{PID}"\n'
            f'ca_file = "/nonexistent/ca.pem"\n')  # fmt: skip
    for name, words in (("p", "is not a proxy URL"), ("c", "ca_file /nonexistent/ca.pem does")):
        result = _run("show", "a9767ede-fe0f-4888-9003-e843a4c90514", "--profile", name, env=env)
        assert result.returncode == 2, result.stderr
        assert words in result.stderr and "Traceback" not in result.stderr


def test_a_private_ca(tmp_path: Path) -> None:
    ca, context = private_ca(tmp_path)
    simulator = Simulator(seed=4)
    job = make_job(simulator, "resize", running_for=5, created_at=0)
    env = {"HUAWEICLOUD_SDK_AK": DEMO_AK, "HUAWEICLOUD_SDK_SK": DEMO_SK}
    with ServiceServer(simulator, tls=context) as server:
        _config(f'[profiles.untrusted]\nendpoint = "{server.url}"\nproject_id = "{PID}"\n'
                f'[profiles.trusted]\nendpoint = "{server.url}"\nproject_id = "{PID}"\n'
                f'ca_file = "{ca}"\n')  # fmt: skip
        untrusted = _run("show", job.id, "--profile", "untrusted", env=env)
        trusted = _run("show", job.id, "--profile", "trusted", "--json", env=env)
    assert untrusted.returncode == 6
    assert "certificate not trusted for 127.0.0.1: set ca_file" in untrusted.stderr
    assert trusted.returncode == 0, trusted.stderr
    assert json.loads(trusted.stdout)[0]["id"] == job.id


def test_check_tells_each_profile_in_words(gateway: SimulatorServer) -> None:
    meta_gateway = gateway.simulator
    metadata = MetadataService(meta_gateway, life=3600)
    with ServiceServer(metadata) as meta:
        _config(
            f'[profiles.vm]\nauth = "ecs"\nmetadata_endpoint = "{meta.url}"\n'
            f'endpoint = "{gateway.url}"\nproject_id = "{PID}"\n'
            f'[profiles.nokeys]\nauth = "ecs"\nmetadata_endpoint = "http://127.0.0.1:9"\n'
            f'endpoint = "{gateway.url}"\nproject_id = "{PID}"\n'
        )
        with RecordingProxy() as proxy:  # the environment's proxy: never for the metadata
            good = _run("check", "--profile", "vm", "--json", env={"HTTP_PROXY": proxy.url})
        assert proxy.seen and not [line for line, _ in proxy.seen if "securitykey" in line]
        text = _run("check", "--profile", "vm")
        every = _run("check", "--all", "--profile", "vm")
    assert good.returncode == 0, good.stderr + good.stdout
    [row] = json.loads(good.stdout)
    assert row["usable"] and row["auth"] == "ecs" and row["temporary"]
    assert row["project_id"] == PID and row["expires_at"]
    assert "task(s) in the last hour" in row["read"]
    assert "✔ profile vm" in text.stdout and "ECS metadata" in text.stdout
    assert every.returncode == 6, every.stdout
    assert "✘ profile nokeys" in every.stdout and "no answer from the ECS metadata" in every.stdout
    for result in (good, text, every):  # the temporary keys are seen, never shown
        for ak, _ in metadata.issuer.issued:
            secret = meta_gateway.credentials[ak]
            assert secret.sk not in result.stdout and str(secret.security_token) not in (
                result.stdout
            )


@pytest.mark.slow
def test_watch_outlives_keys_that_expire_every_few_seconds(gateway: SimulatorServer) -> None:
    """A real ``taskwatch watch`` process on ECS keys that live 4 s, for 16 s: no request is
    refused for an expiry, no poll fails, and the metadata service is asked a bounded number of
    times (about twice per key life), not per request."""
    metadata = MetadataService(gateway.simulator, life=4.0, overlap=1.0)
    jobs = [make_job(gateway.simulator, "resize", running_for=3600) for _ in range(3)]
    with ServiceServer(metadata) as meta:
        _config(
            "refresh_interval = 1\n"
            f'[profiles.default]\nauth = "ecs"\nmetadata_endpoint = "{meta.url}"\n'
            f'endpoint = "{gateway.url}"\nproject_id = "{PID}"\nrate_limit = 20\n'
        )
        assert main(["add", *[job.id for job in jobs]]) == 0
        process = subprocess.Popen(
            [sys.executable, "-m", "tui", "--debug", "watch", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        try:
            out, err = process.communicate(timeout=16)
        except subprocess.TimeoutExpired:
            process.terminate()
            out, err = process.communicate(timeout=10)
    counters = gateway.simulator.counters
    polls = sum(counters.by_job[job.id] for job in jobs)
    assert polls >= 20, (polls, err)
    assert counters.expired == 0 and counters.auth_failures == 0, err
    assert '"error"' not in out and "Traceback" not in err
    asks = metadata.calls["GET /openstack/latest/securitykey"]
    assert 3 <= asks <= 12, asks
    written = out + err + log_file().read_text()
    written += database_file().read_bytes().decode("utf-8", "replace")
    for ak, _ in metadata.issuer.issued:
        known = gateway.simulator.credentials[ak]
        assert known.sk not in written and str(known.security_token) not in written
        assert ak not in written  # an AK is shown as its first four characters at most
    assert "metadata-session-" not in written  # the metadata service's session token


async def test_a_renewal_that_fails_is_shown_and_polling_resumes(world: World) -> None:
    profile, runtime = _on_ecs(world)
    job = make_job(world.gateway, "resize", running_for=3600)
    client = runtime.clients["p"]
    try:
        await client.get_job(job.id)
        del world.transport.services["127.0.0.2"]  # the metadata service goes away
        world.clock.advance(65)  # past the keys' expiry
        with pytest.raises(NetworkError, match="could not be renewed"):
            await client.get_job(job.id)
        assert runtime.notices and "could not be renewed" in runtime.notices[0]
        world.transport.services["127.0.0.2"] = world.metadata
        world.clock.advance(10)  # past the backoff
        assert (await client.get_job(job.id)).job.id == job.id
    finally:
        await runtime.aclose()
    assert profile.credential.problem is None and runtime.notices == []
    assert world.gateway.counters.expired == 0


def test_live_credential_fixed_keys_never_ask() -> None:
    from tui.cloud.identity.keys import Keys

    credential = LiveCredential.fixed(Keys(ak=DEMO_AK, sk=DEMO_SK), "tests")
    assert not credential.asks and credential.expires_at is None
    assert credential.display.startswith(f"AK {DEMO_AK[:4]}…")


def test_scripts_get_one_line_and_exit_2_when_no_keys_can_be_had(tmp_path: Path) -> None:
    """``show`` and ``wait`` fetch the first keys before anything else: what cannot give keys
    is one line and exit 2, never a traceback or a wait that never ends."""
    ghost = "a9767ede-fe0f-4888-9003-e843a4c90514"
    _config(
        f'[profiles.sso]\nauth = "idp"\nidp_id = "corp-idp"\nid_token_file = "{tmp_path}/none"\n'
        f'iam_endpoint = "http://127.0.0.1:9"\nregion = "cn-north-4"\nproject_id = "{PID}"\n'
        f'[profiles.bare]\nregion = "cn-north-4"\nproject_id = "{PID}"\n'
    )
    cases = [
        (["show", ghost, "--profile", "sso"], "id-token file"),
        (["wait", ghost, "--profile", "sso", "--timeout", "30"], "does not exist"),
        (["show", ghost, "--profile", "bare"], "no credentials found. Tried, in the SDK's order"),
        (["wait", ghost, "--profile", "bare", "--timeout", "30"], "credentials: does not exist"),
    ]
    for argv, words in cases:
        result = _run(*argv)
        assert result.returncode == 2, (argv, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_metadata_service_without_an_agency_stops_a_script(gateway: SimulatorServer) -> None:
    metadata = MetadataService(gateway.simulator, mode="no_agency")
    with ServiceServer(metadata) as meta:
        _config(f'[profiles.vm]\nauth = "ecs"\nmetadata_endpoint = "{meta.url}"\n'
                f'endpoint = "{gateway.url}"\nproject_id = "{PID}"\n')  # fmt: skip
        result = _run("wait", "a9767ede-fe0f-4888-9003-e843a4c90514", "--profile", "vm")
    assert result.returncode == 2
    assert "no agency is bound to this ECS VM" in result.stderr
    assert "Please configure Cloud Service Agency first" in result.stderr
    assert gateway.simulator.counters.total == 0  # nothing was sent to the cloud


def test_simulate_identity_serves_a_profile_that_checks() -> None:
    """``taskwatch simulate --identity``: a rehearsal of an ECS jump host on 127.0.0.1."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "simulate", "--identity", "--key-life", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]
        profile_line = next(line for line in lines if line.startswith("# [profiles.vm]"))
        keys = profile_line.removeprefix("# [profiles.vm]").split("  ")
        _config("[profiles.vm]\n" + "\n".join(k.strip() for k in keys if k.strip()) + "\n")
        result = _run("check", "--profile", "vm", "--json")
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert result.returncode == 0, result.stdout + result.stderr
    [row] = json.loads(result.stdout)
    assert row["auth"] == "ecs" and row["project_id"] == PID
    assert row["project_source"] == "looked up in IAM for cn-north-4"
