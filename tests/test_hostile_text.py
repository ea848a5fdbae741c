"""Text from users and from the cloud is hostile: escape sequences in a job name, an instance
name, an entity or a fail reason are shown, never obeyed, on every path that shows them (the
real TUI in a pseudo-terminal, the CLI, JSON output, the log, the clipboard)."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ptyrun import PtyProcess
from tui.cli import main
from tui.cloud.safe_text import json_text, visible, visible_data
from tui.engine.setup.paths import log_dir
from tui.simulator import Simulator, SimulatorServer
from tui.simulator.core import ScriptedJob
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.scenarios import make_job

# Each would do something to the operator's terminal if it reached it raw: write the clipboard
# (OSC 52), retitle the window (OSC 2), colour and clear the screen (C1 CSI, CSI 2J).
CLIPBOARD = "\x1b]52;c;UFdORUQ=\x07"
HOSTILE = f"evil {CLIPBOARD} \x1b]2;pwned\x07 \x9b31mred \x1b[2J [/] | <b>&\nsecond line"
RAW_ESCAPES = ("\x1b]52;c;UFdORUQ=", "\x1b]2;pwned", "\x9b31m", "\x1b[2J")


def test_visible_shows_every_control_and_keeps_the_rest() -> None:
    assert visible("a\x1bb\x07c\x7fd") == "a␛b␇c␡d"
    assert visible("x\x9by") == "x\\x9by"  # C1: no control pictures exist, so an escape form
    assert visible("to\u202eevil") == "to\\u202eevil"  # direction override
    assert visible("one\ntwo\tthree") == "one␊two␉three"
    assert visible("one\ntwo\tthree", multiline=True) == "one\ntwo\tthree"
    assert visible("plain text, 中文, emoji 👍🏽") == "plain text, 中文, emoji 👍🏽"
    assert visible("x" * 20, limit=5) == "xxxxx… (15 more characters)"
    assert not any(0x80 <= ord(c) < 0xA0 or ord(c) < 0x20 for c in visible(HOSTILE))


def test_json_text_is_lossless_and_carries_no_raw_control() -> None:
    data = {"name": HOSTILE, "中文": "ok"}
    text = json_text(data)
    assert json.loads(text) == data
    assert not re.search("[\x00-\x1f\x7f-\x9f]", text)
    assert "中文" in text  # non-ASCII stays readable
    assert visible_data({"k\x1b": [HOSTILE]}) == {"k␛": [visible(HOSTILE, multiline=True)]}


def _hostile_job(simulator: Simulator) -> ScriptedJob:
    job = make_job(
        simulator, "upgrade", created_at=simulator.clock() - 100, running_for=10,
        outcome="Failed", fail_reason=HOSTILE,
    )  # fmt: skip
    job.name = HOSTILE
    job.instance_name = HOSTILE
    job.entities = {"public_ip": HOSTILE, f"weird{CLIPBOARD}": HOSTILE}
    return job


@pytest.fixture
def hostile_cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SimulatorServer, str]]:
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", DEMO_PROJECT_ID)
    with SimulatorServer(Simulator(seed=13)) as server:
        yield server, _hostile_job(server.simulator).id


def _no_raw_escape(text: str) -> None:
    for raw in RAW_ESCAPES:
        assert raw not in text
    assert "\x9b" not in text


def test_cli_output_shows_the_text_but_never_an_escape(
    hostile_cloud: tuple[SimulatorServer, str], capsys: pytest.CaptureFixture[str]
) -> None:
    server, job_id = hostile_cloud
    endpoint = ["--endpoint", server.url]
    assert main(["add", job_id, "--label", "[/] | <b> & label", *endpoint]) == 0
    assert main(["show", job_id, *endpoint]) == 0  # fetched
    assert main(["wait", job_id, "--interval", "0.05", *endpoint]) == 1  # it failed
    assert main(["list"]) == 0
    out = capsys.readouterr()
    _no_raw_escape(out.out + out.err)
    assert "evil ␛]52;c;UFdORUQ=␇" in out.out  # shown, visibly
    assert main(["show", job_id, "--json", *endpoint]) == 0
    raw = capsys.readouterr().out
    _no_raw_escape(raw)
    [shown] = json.loads(raw)
    assert shown["fail_reason"] == HOSTILE  # JSON is lossless
    assert shown["name"].strip() == HOSTILE.strip()  # (names are stripped, as documented)
    assert main(["list", "--json"]) == 0
    listed = capsys.readouterr().out
    _no_raw_escape(listed)
    assert json.loads(listed)[0]["label"] == "[/] | <b> & label"


def test_the_log_gets_one_line_per_record_and_no_escape() -> None:
    from tui.engine.setup.logs import setup_logging

    path = setup_logging(path=log_dir() / "hostile.log")
    assert path is not None
    logging.getLogger("tui.test").warning("refresh failed: %s", HOSTILE)
    logging.shutdown()
    text = path.read_text("utf-8")
    _no_raw_escape(text)
    assert "evil ␛]52;c;UFdORUQ=␇" in text and "␊second line" in text


def test_the_real_tui_shows_hostile_text_without_obeying_it(
    hostile_cloud: tuple[SimulatorServer, str], tmp_path: Path
) -> None:
    """The app in a pseudo-terminal: every byte it writes is checked. The failed task is
    selected (title, fail reason panel, entities), its raw JSON shown, its reason copied."""
    server, job_id = hostile_cloud
    assert main(["add", job_id, "--endpoint", server.url]) == 0
    app = PtyProcess(
        [sys.executable, "-m", "tui", "--endpoint", server.url], os.environ,
        cwd=str(Path(__file__).resolve().parent.parent),
    )  # fmt: skip
    try:
        app.wait_for("␛]52;c;UFdORUQ=␇".encode())  # the fail reason, shown visibly
        app.send(b"v")  # raw JSON, at the end of the detail pane
        app.send(b"\t")  # focus the detail pane
        app.send(b"\x1b[F")  # End: scroll to the bottom
        app.wait_for(b"Raw JSON")
        app.send(b"f")  # copy the fail reason: OSC 52 with our own, cleaned payload
        app.wait_for(b"\x1b]52;c;")
        app.pump(0.5)
    finally:
        app.close()
    output = bytes(app.output).decode("utf-8", errors="replace")
    _no_raw_escape(output)
    assert "\x1b]2;" not in output  # nothing retitled the window
    copied = [
        base64.b64decode(payload).decode("utf-8")
        for payload in re.findall(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", output)
    ]
    assert copied and all("\x1b" not in text and "\x9b" not in text for text in copied)
    assert copied[-1] == visible(HOSTILE, multiline=True)
