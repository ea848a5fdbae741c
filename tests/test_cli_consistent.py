"""The CLI, consistent: ``--demo`` with every command that reads the watchlist or asks the
cloud; a never-found ID called so at a timeout; no line twice; ``list`` fits the terminal;
``watch`` prints per status, step and tenth; ``wait`` and ``watch --until-done`` end with a
summary; ``remove`` of an unwatched ID fails."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time

import pytest

from tests.ptyrun import isolated_env
from tui.cli.dispatch import main
from tui.cli.news import summary_line
from tui.cli.watch import WatchPrinter
from tui.cloud.models import Job
from tui.engine.changes import Change
from tui.engine.events import TaskRefreshed
from tui.engine.records import TaskRecord

A = "a9767ede-fe0f-4888-9003-e843a4c90514"
B = "0a1b2c3d-0000-4000-8000-000000000001"


def _demo_ids(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["recent", "--demo", "--json"]) == 0
    return [task["id"] for task in json.loads(capsys.readouterr().out)]


def test_show_recent_and_wait_run_on_the_demo_without_an_account(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = _demo_ids(capsys)
    assert len(ids) >= 4  # the demo's simulator lists its jobs (those started this second too)
    assert main(["show", ids[0], "--demo"]) == 0
    assert ids[0] in capsys.readouterr().out
    assert main(["--demo", "show", ids[0]]) == 0  # the flag before the command too
    assert ids[0] in capsys.readouterr().out
    assert main(["wait", ids[0], "--demo", "--timeout", "1"]) == 3
    assert f"still running: {ids[0]}" in capsys.readouterr().err


def test_watch_runs_on_the_demo(tmp_path: object) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "watch", "--demo", "--json"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**isolated_env(str(tmp_path)), "HUAWEICLOUD_SDK_AK": "", "HUAWEICLOUD_SDK_SK": ""},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        start = json.loads(process.stdout.readline())
        assert start["event"] == "start" and start["tasks"] >= 10
        assert "demo (simulator)" in start["message"]
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 0 and "Traceback" not in err


def test_a_wait_timeout_calls_a_never_found_id_not_found(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["wait", B, "--demo", "--timeout", "1"]) == 3
    err = capsys.readouterr().err
    assert "not found (the cloud never returned them): " + B in err
    assert "still running" not in err


def _record(status: str, progress: int | None, **extra: object) -> TaskRecord:
    job = Job.model_validate({"id": A, "status": status, "process": f"{progress or 0}%", **extra})
    record = TaskRecord(A, "default", label="CHG-1", added_at=0.0, position=0)
    return record.fetched(job, time.time())


@pytest.mark.parametrize("json_lines", [False, True])
def test_watch_prints_a_status_change_or_a_tenth_of_progress_and_nothing_twice(
    json_lines: bool,
) -> None:
    out = io.StringIO()
    printer = WatchPrinter(out, json_lines=json_lines)
    for percent in range(1, 100):
        printer(TaskRefreshed(_record("Running", percent), Change(True, "Running")))
        printer(TaskRefreshed(_record("Running", percent), Change(True, "Running")))  # again
    printer(TaskRefreshed(_record("Completed", 100), Change(True, "Running", finished=True)))
    lines = out.getvalue().splitlines()
    assert len(lines) == 11  # 1%, 10%, 20% ... 90%, Completed
    assert len(set(lines)) == len(lines)
    verbose = io.StringIO()
    every = WatchPrinter(verbose, json_lines=json_lines, verbose=True)
    for percent in range(1, 21):
        every(TaskRefreshed(_record("Running", percent), Change(percent % 2 == 0, "Running")))
    assert len(verbose.getvalue().splitlines()) == 20


def test_the_summary_counts_outcomes_and_names_the_longest_and_the_first_failure() -> None:
    done = _record(
        "Completed", 100, created="2026-12-07T01:00:00+0000", ended="2026-12-07T01:12:03+0000"
    )
    failed = _record(
        "Failed", 96, created="2026-12-07T01:00:00+0000", ended="2026-12-07T01:05:00+0000",
        fail_reason="disk full",
    ).evolve(task_id=B, label="CHG-2")  # fmt: skip
    line, fields = summary_line([done, failed])
    assert line.startswith("2 tasks: 1 Completed, 1 Failed")
    assert "longest 12m 03s CHG-1" in line
    assert "first failure" in line and "CHG-2" in line and line.endswith("disk full")
    assert fields["outcomes"] == {"Completed": 1, "Failed": 1}


def test_list_fits_the_terminal_with_every_column_headed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    label = "CHG-1042 a label far too long for any column of a terminal"
    assert main(["add", A, "--label", label]) == 0
    capsys.readouterr()
    for width in (80, 120, 200):
        monkeypatch.setenv("COLUMNS", str(width))
        assert main(["list"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert all(len(line) <= width for line in lines), (width, lines)
        header, row = lines[0].split(), lines[1]
        assert header[:4] == ["TASK", "STATUS", "PROG", "ETA"] and "LABEL" in header
        assert A in row
        if width >= 120:
            assert "INSTANCE" in header
        if width < 200:
            assert "…" in row and label not in row
        else:
            assert label in row
    assert main(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["label"] == label  # --json unchanged


def test_removing_an_unwatched_id_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["remove", A]) == 2
    assert f"not watched: {A}" in capsys.readouterr().err
