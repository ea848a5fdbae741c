"""Two profiles against two simulators with different credentials; no secret left anywhere."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui_fixtures import Messages
from tui.cli import main
from tui.engine.events import TaskFinished
from tui.engine.session import WatchSession
from tui.engine.setup.config import CliOverrides, load_settings
from tui.engine.setup.logs import RedactingFilter, register_secrets, setup_logging
from tui.engine.setup.paths import config_file, data_dir, log_dir
from tui.engine.setup.runtime import build_runtime
from tui.engine.storage import Store
from tui.simulator import Simulator, SimulatorServer
from tui.simulator.scenarios import make_job
from tui.ui.app import TaskwatchApp

PID_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
PID_B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
SECRETS = {
    "ak_a": "AKALPHA0000000000001",
    "sk_a": "sk-alpha-dummy-secret-value",
    "ak_b": "AKBRAVO0000000000002",
    "sk_b": "sk-bravo-dummy-secret-value",
    "token_b": "sts-bravo-dummy-security-token",
}


@pytest.fixture
def two_clouds(isolated_dirs: Path) -> Iterator[tuple[SimulatorServer, SimulatorServer]]:
    from tui.simulator.core import Credential

    sim_a = Simulator(credentials={SECRETS["ak_a"]: SECRETS["sk_a"]}, project_id=PID_A, seed=1)
    sim_b = Simulator(
        credentials={SECRETS["ak_b"]: Credential(SECRETS["sk_b"], SECRETS["token_b"])},
        project_id=PID_B,
        seed=2,
    )
    with SimulatorServer(sim_a) as a, SimulatorServer(sim_b) as b:
        cred_a = isolated_dirs / "alpha.ini"
        cred_a.write_text(f"[basic]\nak = {SECRETS['ak_a']}\nsk = {SECRETS['sk_a']}\n")
        cred_b = isolated_dirs / "bravo.ini"
        cred_b.write_text(
            f"[basic]\nak = {SECRETS['ak_b']}\nsk = {SECRETS['sk_b']}\n"
            f"security_token = {SECRETS['token_b']}\n"
        )
        for path in (cred_a, cred_b):
            path.chmod(0o600)
        config_file().parent.mkdir(parents=True, exist_ok=True)
        config_file().write_text(
            'default_profile = "alpha"\n'
            f'[profiles.alpha]\nendpoint = "{a.url}"\nproject_id = "{PID_A}"\n'
            f'credentials_file = "{cred_a}"\n'
            f'[profiles.bravo]\nservice = "rds"\nendpoint = "{b.url}"\nproject_id = "{PID_B}"\n'
            f'credentials_file = "{cred_b}"\n'
        )
        yield a, b


def test_cli_wait_across_two_profiles(
    two_clouds: tuple[SimulatorServer, SimulatorServer], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = two_clouds
    job_a = make_job(a.simulator, "reboot", running_for=0.4)
    job_b = make_job(b.simulator, "rds_scale", running_for=0.6)
    assert main(["add", job_a.id, "--label", "alpha task"]) == 0
    assert main(["add", job_b.id, "--profile", "bravo"]) == 0
    assert main(["wait", job_a.id, job_b.id, "--interval", "0.2"]) == 0
    assert a.simulator.counters.by_job[job_a.id] >= 1 and a.simulator.counters.by_job[job_b.id] == 0
    assert b.simulator.counters.by_job[job_b.id] >= 1 and b.simulator.counters.by_job[job_a.id] == 0
    assert a.simulator.counters.auth_failures == 0 and b.simulator.counters.auth_failures == 0
    capsys.readouterr()


def test_show_asks_each_task_s_own_profile(
    two_clouds: tuple[SimulatorServer, SimulatorServer], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = two_clouds
    job_a = make_job(a.simulator, "reboot", created_at=a.simulator.clock() - 60, running_for=1)
    job_b = make_job(b.simulator, "rds_scale", created_at=b.simulator.clock() - 60, running_for=1)
    main(["add", job_a.id])
    main(["add", job_b.id, "--profile", "bravo"])
    capsys.readouterr()
    assert main(["show", job_a.id, job_b.id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [item["status"] for item in shown] == ["Completed", "Completed"]
    # An explicit --profile wins over the one the task was added with.
    assert main(["show", job_b.id, "--profile", "alpha"]) == 5
    assert "not found" in capsys.readouterr().err


async def test_tui_polls_two_profiles_at_once(
    two_clouds: tuple[SimulatorServer, SimulatorServer], tmp_path: Path
) -> None:
    a, b = two_clouds
    job_a = make_job(a.simulator, "reboot", running_for=0.3)
    job_b = make_job(b.simulator, "rds_scale", running_for=0.3)
    store = Store.open(tmp_path / "w.sqlite3")
    store.add_tasks([job_a.id], profile="alpha")
    store.add_tasks([job_b.id], profile="bravo")
    settings = load_settings().model_copy(update={"refresh_interval": 1.0})
    runtime = build_runtime(settings, CliOverrides(), ["alpha", "bravo"])
    assert runtime.problems == {}
    app = TaskwatchApp(WatchSession(store, runtime, settings), write_terminal=lambda _: None)
    messages = Messages()
    async with app.run_test(size=(240, 50), message_hook=messages):  # the profile column shows
        await messages.wait_for(
            lambda m: isinstance(m, TaskFinished) and m.record.task_id == job_a.id
        )
        await messages.wait_for(
            lambda m: isinstance(m, TaskFinished) and m.record.task_id == job_b.id
        )
        cells = app.view.table.cells_of(job_b.id)
        assert cells["profile"] == "bravo" and cells["service"] == "rds"  # two services


def test_no_secret_in_data_log_or_export(
    two_clouds: tuple[SimulatorServer, SimulatorServer], tmp_path: Path
) -> None:
    a, b = two_clouds
    job_a = make_job(a.simulator, "upgrade", running_for=0.3, outcome="Failed")
    job_b = make_job(b.simulator, "rds_scale", running_for=0.3)
    main(["--debug", "add", job_a.id])
    main(["--debug", "add", job_b.id, "--profile", "bravo"])
    main(["--debug", "wait", job_a.id, job_b.id, "--interval", "0.2"])
    main(["--debug", "show", job_b.id, "--profile", "bravo", "--json"])
    # A refused credential: the gateway quotes the AK back in its message.
    assert main(["--debug", "show", job_a.id, "--profile", "bravo", "--endpoint", a.url]) == 4
    export = tmp_path / "export.json"
    main(["export", str(export)])
    logging.shutdown()
    files = [p for root in (data_dir(), log_dir()) for p in root.rglob("*") if p.is_file()] + [
        export
    ]
    assert any(p.suffix == ".log" for p in files), files
    assert any("sqlite3" in p.name for p in files)
    for path in files:
        blob = path.read_bytes()
        for name, secret in SECRETS.items():
            assert secret.encode() not in blob, f"{name} found in {path}"
    assert json.loads(export.read_text())["tasks"]


def test_redacting_filter_masks_registered_secrets(tmp_path: Path) -> None:
    register_secrets(["AKSECRETVALUE123", "the-sk-value"])
    path = setup_logging(path=tmp_path / "t.log")
    assert path is not None
    logging.getLogger("x").warning("signing with %s and %s", "AKSECRETVALUE123", "the-sk-value")
    logging.shutdown()
    text = path.read_text()
    assert "AKSECRETVALUE123" not in text and "the-sk-value" not in text
    assert "AKSE…" in text
    assert isinstance(RedactingFilter(), logging.Filter)


def test_library_logging_never_reaches_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    for handler in list(logging.getLogger().handlers):
        logging.getLogger().removeHandler(handler)
    logging.getLogger("tui.engine.polling.poller").warning("refresh failed")
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
