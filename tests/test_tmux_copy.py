"""``c`` in a real tmux: the task ID lands in tmux's buffer (and, with tmux 3.2+, is sent on to
the outer terminal); each way of copying inside tmux, chosen by what tmux says of itself."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ptyrun import isolated_env
from tui.ui.clipboard import tmux_copy
from tui.ui.terminal import osc52_copy, tmux_wrap

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class _Tmux:
    """A tmux server of its own (its own socket), never the user's."""

    def __init__(self, home: Path) -> None:
        self.socket = f"taskwatch-test-{uuid.uuid4().hex[:8]}"
        self.env = isolated_env(str(home))
        self.env.pop("TMUX", None)

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [shutil.which("tmux") or "tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True, text=True, timeout=10, env=self.env, check=False,
        )  # fmt: skip

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "tw").stdout

    def wait_for(self, found: object, what: str, timeout: float = 30.0) -> str:
        """Poll tmux (there is no event to await from outside it) until ``found(text)``."""
        end = time.monotonic() + timeout
        text = ""
        while time.monotonic() < end:
            text = self.screen() if what == "screen" else self("show-buffer").stdout
            if callable(found) and found(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"{what} never matched; last:\n{text}")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[_Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    server = _Tmux(tmp_path)
    yield server
    server("kill-server")


@pytest.mark.slow
@pytest.mark.parametrize("clipboard", ["on", "external"])
def test_c_in_tmux_puts_the_task_id_in_tmux_buffer(tmux: _Tmux, clipboard: str) -> None:
    command = f"{sys.executable} -m tui --demo"
    started = tmux("new-session", "-d", "-s", "tw", "-x", "120", "-y", "40", command)
    assert started.returncode == 0, started.stderr
    tmux("set-option", "-g", "set-clipboard", clipboard)
    tmux.wait_for(lambda text: "Running" in text, "screen")  # the demo's table is on screen
    tmux("send-keys", "-t", "tw", "c")
    buffer = tmux.wait_for(lambda text: UUID.fullmatch(text.strip()), "buffer")
    screen = tmux.wait_for(lambda text: "Copied" in text, "screen")
    assert buffer.strip()[:8] in screen  # the toast names the ID that was copied
    assert "Not on your clipboard" not in screen


class _FakeTmux:
    """What a tmux of a given age and configuration answers."""

    def __init__(self, *, write_flag: bool, clipboard: str, passthrough: str) -> None:
        self.write_flag, self.clipboard, self.passthrough = write_flag, clipboard, passthrough
        self.buffer: str | None = None

    def __call__(self, argv: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
        out, code = "", 0
        if argv[1] == "load-buffer":
            if "-w" in argv and not self.write_flag:
                code = 1  # tmux < 3.2: unknown flag
            else:
                self.buffer = stdin
        elif argv[-1] == "set-clipboard":
            out = self.clipboard
        elif argv[-1] == "allow-passthrough":
            out = self.passthrough
        return subprocess.CompletedProcess(argv, code, out, "")


@pytest.mark.parametrize(
    ("tmux", "sent", "reached"),
    [
        (_FakeTmux(write_flag=True, clipboard="external", passthrough="off"), None, True),
        (_FakeTmux(write_flag=False, clipboard="on", passthrough="off"), "plain", True),
        (_FakeTmux(write_flag=False, clipboard="external", passthrough="on"), "wrapped", True),
        (_FakeTmux(write_flag=False, clipboard="external", passthrough="off"), None, False),
    ],
)
def test_each_way_of_copying_inside_tmux(tmux: _FakeTmux, sent: str | None, reached: bool) -> None:
    writes: list[str] = []
    plain = osc52_copy("ID")
    copied = tmux_copy("ID", writes.append, plain, tmux_wrap(plain), tmux)
    assert copied.reached is reached
    assert writes == ({"plain": [plain], "wrapped": [tmux_wrap(plain)]}.get(sent or "", []))
    if not reached:  # never "Copied" when nothing left tmux: the toast says the fix
        assert "only in tmux's paste buffer" in copied.how and "set-clipboard on" in copied.how
        assert tmux.buffer == "ID"


def test_without_a_tmux_binary_the_passthrough_is_sent_and_said() -> None:
    def missing(argv: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
        raise FileNotFoundError("tmux")

    writes: list[str] = []
    plain = osc52_copy("ID")
    copied = tmux_copy("ID", writes.append, plain, tmux_wrap(plain), missing)
    assert writes == [tmux_wrap(plain)] and not copied.reached
    assert "allow-passthrough on" in copied.how


def test_the_environment_names_no_real_tmux() -> None:
    assert "TMUX" not in os.environ  # conftest: a test never talks to the user's tmux
