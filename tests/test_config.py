"""Configuration: precedence, every credential source, permission warning, bad input."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.conftest import CLOSED_METADATA
from tui.cli import main
from tui.cloud.client import new_http_client
from tui.cloud.endpoints import Service
from tui.cloud.identity.static import TOKEN_ENV, credential_from_file, permission_warning
from tui.engine.setup.config import CliOverrides, config_reference, load_settings, resolve_profile
from tui.engine.setup.paths import config_file
from tui.engine.setup.runtime import Runtime
from tui.errors import ConfigError, CredentialError

PID = "0123456789abcdef0123456789abcdef"
OTHER_PID = "fedcba9876543210fedcba9876543210"


def _write_config(text: str) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _write_credentials(path: Path, body: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(mode)
    return path


ENV = {"HUAWEICLOUD_SDK_AK": "ENVAK0000000000000001", "HUAWEICLOUD_SDK_SK": "env-sk"}


def test_defaults_without_a_file() -> None:
    settings = load_settings()
    assert settings.refresh_interval == 5.0 and settings.concurrency == 8


def test_flag_beats_env_beats_file() -> None:
    _write_config(f'[profiles.default]\nregion = "cn-north-4"\nproject_id = "{OTHER_PID}"\n')
    settings = load_settings()
    from_file = resolve_profile(settings, None, ENV)
    assert from_file.project_id == OTHER_PID
    assert from_file.endpoint == "https://gaussdb.cn-north-4.myhuaweicloud.com"
    from_env = resolve_profile(settings, None, {**ENV, "HUAWEICLOUD_SDK_PROJECT_ID": PID})
    assert (
        from_env.project_id == PID
        and from_env.sources["project_id"] == "$HUAWEICLOUD_SDK_PROJECT_ID"
    )
    flags = CliOverrides(project_id="a" * 32, region="ap-southeast-1", service=Service.RDS)
    from_flag = resolve_profile(settings, flags, {**ENV, "HUAWEICLOUD_SDK_PROJECT_ID": PID})
    assert from_flag.project_id == "a" * 32 and from_flag.sources["project_id"] == "--project-id"
    assert from_flag.endpoint == "https://rds.ap-southeast-1.myhuaweicloud.com"
    endpoint = resolve_profile(settings, CliOverrides(endpoint="http://127.0.0.1:8700/"), ENV)
    assert endpoint.endpoint == "http://127.0.0.1:8700"


def test_env_credentials_beat_the_default_credentials_file(isolated_dirs: Path) -> None:
    _write_credentials(
        isolated_dirs / ".huaweicloud" / "credentials", "[basic]\nak = FILEAK\nsk = file-sk\n"
    )
    settings = load_settings()
    overrides = CliOverrides(region="cn-north-4", project_id=PID)
    assert resolve_profile(settings, overrides, ENV).credential.ak == ENV["HUAWEICLOUD_SDK_AK"]
    from_file = resolve_profile(settings, overrides, {})
    assert from_file.credential.ak == "FILEAK"
    assert "credentials [basic]" in from_file.credential.source


def test_credentials_file_with_project_and_token(isolated_dirs: Path) -> None:
    path = _write_credentials(
        isolated_dirs / "c.ini",
        f"[basic]\nak = TEMPAK\nsk = temp-sk\nproject_id = {PID}\nsecurity_token = sts-token\n",
    )
    os.environ["HUAWEICLOUD_SDK_CREDENTIALS_FILE"] = str(path)
    try:
        profile = resolve_profile(load_settings(), CliOverrides(region="cn-north-4"), {})
    finally:
        del os.environ["HUAWEICLOUD_SDK_CREDENTIALS_FILE"]
    assert profile.project_id == PID
    assert profile.credential.security_token == "sts-token"
    assert "temporary" in profile.credential.display


def test_per_profile_credentials_file_and_token_file(isolated_dirs: Path) -> None:
    creds = _write_credentials(isolated_dirs / "prod.ini", "[prod]\nak = PRODAK\nsk = prod-sk\n")
    token = _write_credentials(isolated_dirs / "token", "iam-token-value\n")
    _write_config(
        f'[profiles.prod]\nregion = "cn-east-3"\nproject_id = "{PID}"\n'
        f'credentials_file = "{creds}"\ncredentials_section = "prod"\n'
        f'[profiles.tok]\nservice = "rds"\nregion = "cn-north-4"\nproject_id = "{PID}"\n'
        f'token_file = "{token}"\n'
    )
    settings = load_settings()
    prod = resolve_profile(settings, None, ENV, name="prod")
    assert prod.credential.ak == "PRODAK"  # an explicit profile source is used as configured
    tok = resolve_profile(settings, None, ENV, name="tok")
    assert tok.credential.kind == "token" and tok.credential.token == "iam-token-value"


def test_token_from_environment() -> None:
    profile = resolve_profile(
        load_settings(), CliOverrides(region="cn-north-4", project_id=PID), {TOKEN_ENV: "tkn"}
    )
    assert profile.credential.kind == "token"


def test_permission_warning(isolated_dirs: Path) -> None:
    loose = _write_credentials(isolated_dirs / "loose", "[basic]\nak=a\nsk=b\n", mode=0o644)
    tight = _write_credentials(isolated_dirs / "tight", "[basic]\nak=a\nsk=b\n", mode=0o600)
    warning = permission_warning(loose)
    assert warning is not None and "chmod 600" in warning
    assert permission_warning(tight) is None


def test_config_command_warns_about_loose_credentials(
    isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_credentials(
        isolated_dirs / ".huaweicloud" / "credentials",
        "[basic]\nak=ABCDEFGHIJ\nsk=secret-sk\n",
        0o644,
    )
    assert main(["config", "--region", "cn-north-4", "--project-id", PID]) == 0
    out = capsys.readouterr().out
    assert "chmod 600" in out
    assert "secret-sk" not in out and "ABCDEFGHIJ" not in out and "AK ABCD…" in out


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("refresh_interval = \n", ["TOML syntax error", "line 1"]),
        ("refresh_intervall = 5\n", ["unknown key 'refresh_intervall'", ":1"]),
        ("\n\nconcurrency = 'many'\n", ["'concurrency'", ":3", "valid integer"]),
        ("[profiles.x]\nservice = 'mongo'\n", ["profiles.x.service", ":2"]),
        ("[notifications]\nbel = true\n", ["unknown key 'notifications.bel'", ":2"]),
    ],
)
def test_bad_configuration_names_file_key_and_line(
    text: str, fragments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    assert main(["list"]) == 0  # list does not need the config
    assert main(["add", "a9767ede-fe0f-4888-9003-e843a4c90514"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(path) in err


def test_missing_profile_and_missing_credential() -> None:
    _write_config(f'[profiles.prod]\nregion = "cn-north-4"\nproject_id = "{PID}"\n')
    settings = load_settings()
    with pytest.raises(ConfigError, match=r"no profile 'staging'.*profiles: prod"):
        resolve_profile(settings, CliOverrides(profile="staging"), ENV)
    with pytest.raises(ConfigError, match="no region or endpoint"):
        resolve_profile(settings, CliOverrides(project_id=PID), ENV)
    with pytest.raises(ConfigError, match="HUAWEICLOUD_SDK_SK is not set"):
        resolve_profile(settings, CliOverrides(profile="prod"), {"HUAWEICLOUD_SDK_AK": "x"})


async def test_no_credentials_anywhere_names_every_source_tried_within_two_seconds() -> None:
    """Without keys in the environment or the file, the SDK's chain ends at the ECS metadata
    service; off ECS (a loopback port nothing listens on) it gives up at once, naming all."""
    _write_config(f'[profiles.prod]\nregion = "cn-north-4"\nproject_id = "{PID}"\n')
    env = {"TASKWATCH_METADATA_ENDPOINT": CLOSED_METADATA}
    profile = resolve_profile(load_settings(), CliOverrides(profile="prod"), env)
    assert profile.credential.kind == "ecs"
    runtime = Runtime(new_http_client())
    runtime.client_for(profile)
    started = time.monotonic()
    try:
        with pytest.raises(CredentialError) as caught:
            await profile.credential.current()
    finally:
        await runtime.aclose()
    assert time.monotonic() - started < 2.5
    message = str(caught.value)
    for fragment in ("no credentials found", "environment", "credentials: does not exist",
                     "ECS metadata http://127.0.0.1:9"):  # fmt: skip
        assert fragment in message, message


def test_broken_credentials_file(isolated_dirs: Path) -> None:
    path = _write_credentials(isolated_dirs / "bad.ini", "ak = x\n")
    with pytest.raises(CredentialError, match="cannot read credentials file"):
        credential_from_file(path)
    path.write_text("[other]\nak=1\n")
    with pytest.raises(CredentialError, match=r"no \[basic\] section"):
        credential_from_file(path)


def test_init_writes_once_and_the_result_loads(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--init"]) == 0
    assert config_file().read_text() == config_reference()
    load_settings()  # the generated reference is valid configuration
    assert main(["config", "--init"]) == 2
    assert "not overwritten" in capsys.readouterr().err


def test_readme_configuration_section_is_the_generated_reference() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    assert f"```toml\n{config_reference()}```" in readme


def test_commands_warn_when_using_a_loose_credentials_file(isolated_dirs: Path) -> None:
    import subprocess
    import sys

    from tui.simulator import Simulator, SimulatorServer
    from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
    from tui.simulator.scenarios import make_job

    loose = _write_credentials(
        isolated_dirs / "loose.ini", f"[basic]\nak = {DEMO_AK}\nsk = {DEMO_SK}\n", 0o644
    )
    with SimulatorServer(Simulator()) as server:
        job = make_job(
            server.simulator, "reboot", created_at=server.simulator.clock() - 100, running_for=1
        )
        result = subprocess.run(
            [sys.executable, "-m", "tui", "show", job.id, "--endpoint", server.url,
             "--project-id", DEMO_PROJECT_ID],
            env={**os.environ, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(loose)},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "accessible by other users" in result.stderr and "chmod 600" in result.stderr
    assert DEMO_SK not in result.stderr


def test_profiles_of_every_service_build_their_region_s_host() -> None:
    _write_config(
        "".join(
            f'[profiles.{name}]\nservice = "{name}"\nregion = "cn-north-4"\nproject_id = "{PID}"\n'
            for name in ("gaussdb", "dds", "geminidb", "rds")
        )
        + '[profiles.bad]\nservice = "mongodb"\nregion = "cn-north-4"\n'
    )
    with pytest.raises(ConfigError, match="service"):
        load_settings()
    _write_config(
        "".join(
            f'[profiles.{name}]\nservice = "{name}"\nregion = "cn-north-4"\nproject_id = "{PID}"\n'
            for name in ("gaussdb", "dds", "geminidb")
        )
    )
    settings = load_settings()
    hosts = {
        name: resolve_profile(settings, None, ENV, name=name).endpoint
        for name in ("gaussdb", "dds", "geminidb")
    }
    assert hosts == {
        "gaussdb": "https://gaussdb-opengauss.cn-north-4.myhuaweicloud.com",
        "dds": "https://dds.cn-north-4.myhuaweicloud.com",
        "geminidb": "https://gaussdb-nosql.cn-north-4.myhuaweicloud.com",
    }
