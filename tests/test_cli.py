"""The command line, end to end: real processes against a real simulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.cli import main
from tui.simulator import Simulator, SimulatorServer
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.scenarios import make_job

GHOST = "0f0f0f0f-0000-4000-8000-000000000000"


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator(seed=5)) as running:
        yield running


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", DEMO_PROJECT_ID)


def _run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_show_json_over_real_http(server: SimulatorServer, creds: None) -> None:
    job = make_job(
        server.simulator, "bind_eip", created_at=server.simulator.clock() - 50, running_for=5
    )
    result = _run("show", job.id, "--json", "--endpoint", server.url)
    assert result.returncode == 0, result.stderr
    [shown] = json.loads(result.stdout)
    assert shown["id"] == job.id and shown["status"] == "Completed"
    assert shown["entities"] == job.entities
    assert shown["error"] is None
    assert set(shown) == {"id", "name", "status", "created", "ended", "process", "instance",
                          "entities", "fail_reason", "error"}  # fmt: skip


def test_show_text_and_legacy_path(
    server: SimulatorServer, creds: None, capsys: pytest.CaptureFixture[str]
) -> None:
    job = make_job(
        server.simulator, "upgrade", created_at=server.simulator.clock() - 50,
        running_for=5, outcome="Failed", fail_reason="kernel upgrade failed",
    )  # fmt: skip
    assert main(["show", job.id, "--endpoint", server.url, "--service", "taurusdb-legacy"]) == 0
    out = capsys.readouterr().out
    assert "✘ Failed" in out and "kernel upgrade failed" in out


def test_unknown_id_exits_5_with_one_line(server: SimulatorServer, creds: None) -> None:
    result = _run("show", GHOST, "--endpoint", server.url)
    assert result.returncode == 5
    assert result.stderr.count("\n") == 1
    assert "not found" in result.stderr and GHOST in result.stderr


def test_malformed_id_exits_2_and_sends_nothing(server: SimulatorServer, creds: None) -> None:
    result = _run("show", "not-a-task", "--endpoint", server.url)
    assert result.returncode == 2
    assert "not a task ID" in result.stderr
    assert result.stderr.count("\n") == 1
    assert server.simulator.counters.total == 0


def test_wrong_sk_exits_4_after_one_request(server: SimulatorServer, creds: None) -> None:
    jobs = [make_job(server.simulator, "reboot") for _ in range(3)]
    result = _run(
        "show", *[j.id for j in jobs], "--endpoint", server.url, env={"HUAWEICLOUD_SDK_SK": "nope"}
    )
    assert result.returncode == 4
    assert server.simulator.counters.total == 1
    assert DEMO_AK not in result.stderr and "nope" not in result.stderr


def test_unreachable_exits_6(creds: None) -> None:
    with SimulatorServer(Simulator()) as gone:
        url = gone.url
    result = _run("show", GHOST, "--endpoint", url)
    assert result.returncode == 6
    assert "unreachable" in result.stderr


def test_missing_credentials_is_one_clear_line() -> None:
    result = _run("show", GHOST, "--region", "cn-north-4", "--project-id", DEMO_PROJECT_ID)
    assert result.returncode == 2
    assert "no credentials" in result.stderr and "Traceback" not in result.stderr


def test_simulate_prints_its_url_first(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "simulate", "--seed", "3"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        lines = [proc.stdout.readline() for _ in range(4)]
        job_id = lines[-1].split()[0]
        env = {"HUAWEICLOUD_SDK_AK": DEMO_AK, "HUAWEICLOUD_SDK_SK": DEMO_SK}
        result = _run(
            "show", job_id, "--json", "--endpoint", url, "--project-id", DEMO_PROJECT_ID, env=env
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)[0]["id"] == job_id
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- watchlist commands --------------------------------------------------------------------------


A = "a9767ede-fe0f-4888-9003-e843a4c90514"
B = "dff1d289-4d03-4942-8b9f-463ea07c000d"


def test_add_list_remove(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["add", f"| {A} | Running |", "--label", "CHG-1"]) == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(f"job {B}\njob {A.upper()}\n"))
    assert main(["add", "-"]) == 0
    out = capsys.readouterr().out
    assert f"watching {A}" in out and f"watching {B}" in out and f"already watching {A}" in out
    assert main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["task_id"] for t in listed] == [A, B] and listed[0]["label"] == "CHG-1"
    assert main(["remove", A]) == 0
    assert capsys.readouterr().out == f"removed {A}\n"
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert B in out and A not in out


@pytest.mark.parametrize(
    "bad",
    [
        "soon", "40x", "25:99", "2020-01-01 10:00", "-5m", "0m",
        # Absurd ones used to print a traceback and store the value (the TUI then died on it).
        "99999999999d", "10000000w", "9" * 400 + "d", "9999-12-31T23:59:59-14:00", "٣m",
        "2030-01-01 10:00",  # more than a year away
    ],
)  # fmt: skip
def test_a_malformed_deadline_exits_2_with_one_line_and_adds_nothing(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["add", A, f"--deadline={bad}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("taskwatch: ")
    assert main(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("bad", ["99999999999d", "10000000w", "9999-12-31T23:59:59-14:00"])
def test_an_absurd_deadline_command_exits_2_and_stores_nothing(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["add", A]) == 0
    capsys.readouterr()
    assert main(["deadline", A, "--at", bad]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert main(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["deadline"] is None


def test_deadlines_from_the_command_line_show_in_list_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import time

    before = time.time()
    assert main(["add", A, B, "--deadline", "40m"]) == 0
    assert "(deadline " in capsys.readouterr().out
    assert main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    for task in listed:
        assert before + 2400 <= task["deadline"] <= time.time() + 2400
        assert task["overdue"] is False and task["eta"] is None
    assert main(["deadline", A, "--clear"]) == 0
    assert main(["deadline", GHOST, "--at", "23:30"]) == 2
    out, err = capsys.readouterr()
    assert f"no deadline for {A}" in out and f"not watched: {GHOST}" in err
    assert main(["list", "--json"]) == 0
    listed = {t["task_id"]: t for t in json.loads(capsys.readouterr().out)}
    assert listed[A]["deadline"] is None and listed[B]["deadline"] is not None


def test_list_json_has_the_eta_and_overdue_from_the_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Three past runs of the job in the database: a running one gets a history ETA; a
    deadline already past marks it overdue."""
    import time

    from tui.cloud.models import parse_job_dict
    from tui.engine.setup.paths import database_file
    from tui.engine.storage import Store

    def stamp(epoch: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(epoch))

    now = time.time()
    store = Store.open(database_file())
    past = [f"0000000{i}-0000-4000-8000-000000000000" for i in range(3)]
    store.add_tasks([*past, A], profile="default")
    for i, task_id in enumerate(past):
        job = {"id": task_id, "name": "RebootX", "status": "Completed",
               "created": stamp(now - 5000 - i), "ended": stamp(now - 5000 - i + 600)}  # fmt: skip
        store.record_success(task_id, parse_job_dict(job), now=now - 4000)
    running = {"id": A, "name": "RebootX", "status": "Running", "created": stamp(now - 100)}
    store.record_success(A, parse_job_dict(running), now=now)
    store.set_deadline([A], now - 10)
    store.close()
    assert main(["list", "--json"]) == 0
    listed = {t["task_id"]: t for t in json.loads(capsys.readouterr().out)}
    eta = listed[A]["eta"]
    assert eta["source"] == "history" and eta["samples"] == 3
    assert 490 <= eta["seconds"] <= 500
    assert listed[A]["overdue"] is True
    assert listed[past[0]]["eta"] is None and listed[past[0]]["overdue"] is False
    assert main(["list"]) == 0
    assert "⚑ overdue" in capsys.readouterr().out


def test_add_without_ids_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", "hello"]) == 2
    assert "no task ID" in capsys.readouterr().err


def test_export_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["add", A, B, "--label", "x"])
    target = tmp_path / "out.json"
    assert main(["export", str(target)]) == 0
    data = json.loads(target.read_text())
    assert [t["task_id"] for t in data["tasks"]] == [A, B]
    main(["remove", A, B])
    assert main(["import", str(target)]) == 0
    assert "imported 2" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    assert main(["import", str(bad)]) == 2


def test_corrupt_database_is_moved_aside_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    from tui.engine.setup.paths import database_file

    path = database_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"garbage" * 1000)
    assert main(["list"]) == 0
    err = capsys.readouterr().err
    assert "moved to" in err and ".corrupt-" in err
    assert list(path.parent.glob("*.corrupt-*"))


def test_help_for_every_command_has_an_example() -> None:
    for command in [
        "add",
        "remove",
        "list",
        "show",
        "wait",
        "export",
        "import",
        "simulate",
        "config",
    ]:
        result = _run(command, "--help")
        assert result.returncode == 0
        assert "example" in result.stdout, command


def test_version() -> None:
    from tui import __version__

    result = _run("--version")
    assert result.stdout.strip() == f"taskwatch {__version__}"


# -- wait ----------------------------------------------------------------------------------------


def _wait(
    server: SimulatorServer,
    *ids: str,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return _run("wait", *ids, "--endpoint", server.url, "--interval", "0.2", *extra, env=env)


def test_wait_exit_0_when_all_complete(server: SimulatorServer, creds: None) -> None:
    jobs = [make_job(server.simulator, "reboot", running_for=0.6) for _ in range(2)]
    result = _wait(server, *[j.id for j in jobs])
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("✔ Completed") == 2


def test_wait_exit_1_when_any_fails(server: SimulatorServer, creds: None) -> None:
    ok = make_job(server.simulator, "reboot", running_for=0.3)
    bad = make_job(
        server.simulator, "upgrade", running_for=0.6, outcome="Failed", fail_reason="disk full"
    )
    result = _wait(server, ok.id, bad.id, extra=("--json",))
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    failed = [line for line in lines if line["status"] == "Failed"]
    assert [(line["task_id"], line["fail_reason"]) for line in failed] == [(bad.id, "disk full")]
    assert any(line["task_id"] == ok.id and line["status"] == "Completed" for line in lines)


def test_wait_exit_3_on_timeout(server: SimulatorServer, creds: None) -> None:
    job = make_job(server.simulator, "reboot", running_for=3600)
    result = _wait(server, job.id, extra=("--timeout", "1", "-q"))
    assert result.returncode == 3
    assert result.stdout == ""


def test_wait_exit_4_on_authentication(server: SimulatorServer, creds: None) -> None:
    jobs = [make_job(server.simulator, "reboot", running_for=3600) for _ in range(5)]
    result = _wait(server, *[j.id for j in jobs], env={"HUAWEICLOUD_SDK_SK": "wrong"})
    assert result.returncode == 4
    assert server.simulator.counters.total == 1
    assert "authentication failed" in result.stderr


def test_wait_exit_5_when_not_found_after_grace(server: SimulatorServer, creds: None) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "taskwatch" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("not_found_grace = 0\n")
    result = _wait(server, GHOST)
    assert result.returncode == 5
    assert "not found" in result.stdout


def test_wait_exit_6_when_unreachable_for_the_whole_timeout(
    server: SimulatorServer, creds: None
) -> None:
    job = make_job(server.simulator, "reboot", running_for=3600)
    server.simulator.faults.drop_next = 1000
    result = _wait(server, job.id, extra=("--timeout", "2"))
    assert result.returncode == 6
    assert "unreachable for 2 s" in result.stderr


def test_wait_rides_out_weather_and_reports_the_outcome(
    server: SimulatorServer, creds: None
) -> None:
    """Bad bodies, a 5xx burst and resets in a row, then the answer: exit 0, not 6."""
    job = make_job(server.simulator, "reboot", created_at=server.simulator.clock() - 60,
                   running_for=1)  # fmt: skip
    faults = server.simulator.faults
    faults.malformed_next, faults.server_errors_next, faults.drop_next = 2, 2, 2
    result = _run("wait", job.id, "--endpoint", server.url, "--interval", "0.05",
                  "--timeout", "60")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert server.simulator.counters.total >= 7  # six failures, then the answer
    assert "Completed" in result.stdout


def test_wait_gives_up_after_unreachable_after(server: SimulatorServer, creds: None) -> None:
    job = make_job(server.simulator, "reboot", running_for=3600)
    server.simulator.faults.server_errors_next = 10_000
    result = _wait(server, job.id, extra=("--timeout", "60", "--unreachable-after", "1"))
    assert result.returncode == 6
    assert "unreachable for 1 s" in result.stderr and "server error" in result.stderr
