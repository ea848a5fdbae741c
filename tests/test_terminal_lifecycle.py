"""The real app in a real pseudo-terminal: it exits cleanly when the terminal goes away."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def _painted_demo() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The demo app in a new pseudo-terminal, once it has painted; killed if the test leaves it
    running, and its terminal closed."""
    proc, master = _spawn()
    try:
        _read_until(master, b"DEMO")
        yield proc, master
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def _spawn() -> tuple[subprocess.Popen[bytes], int]:
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "--demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,  # the pty becomes its controlling terminal
        close_fds=True,
    )
    os.close(slave)
    return proc, master


def _read_until(master: int, needle: bytes, timeout: float = 30.0) -> bytes:
    """Read the app's output until ``needle`` shows up (an event, not a fixed sleep)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{needle!r} never appeared; got {seen[-500:]!r}")
        ready, _, _ = select.select([master], [], [], remaining)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


def _wait_reading(proc: subprocess.Popen[bytes], master: int, timeout: float = 15.0) -> bytes:
    """Wait for the app to exit while reading what it writes (a terminal that is not read
    fills up and blocks the writer, which is not what we are testing)."""
    out = b""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if time.monotonic() > deadline:
            raise AssertionError("the app did not exit")
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            with contextlib.suppress(OSError):
                out += os.read(master, 65536)
    return out


@pytest.mark.slow
def test_sighup_ends_the_app_cleanly() -> None:
    with _painted_demo() as (proc, master):
        proc.send_signal(signal.SIGHUP)
        output = _wait_reading(proc, master)
        assert proc.returncode == 0
        assert b"Traceback" not in output


@pytest.mark.slow
def test_lost_terminal_ends_the_app() -> None:
    proc, master = _spawn()
    try:
        _read_until(master, b"DEMO")
    finally:
        os.close(master)  # the terminal disappears, as when an SSH connection drops
    try:
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            raise AssertionError("the app kept running after its terminal went away")


@pytest.mark.slow
def test_sigterm_leaves_the_terminal_as_it_was() -> None:
    with _painted_demo() as (proc, master):
        proc.send_signal(signal.SIGTERM)
        output = _wait_reading(proc, master)
        assert proc.returncode == 0
        assert b"Traceback" not in output
        tail = output[-400:]
        for restore in (b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l"):  # screen, cursor, mouse
            assert restore in tail, restore
        modes = termios.tcgetattr(master)[3]
        assert modes & termios.ICANON and modes & termios.ECHO  # line mode and echo back


@pytest.mark.slow
def test_ctrl_c_quits() -> None:
    with _painted_demo() as (proc, master):
        os.write(master, b"\x03")
        output = _wait_reading(proc, master)
        assert proc.returncode == 0
        assert b"ctrl+q" not in output


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@pytest.mark.slow
def test_ctrl_z_suspends_and_keys_work_after_resuming() -> None:
    with _painted_demo() as (proc, master):
        for _ in range(3):
            os.write(master, b"\x1a")  # ctrl+z
            deadline = time.monotonic() + 10
            while _state(proc.pid) != "T":  # stopped, as a shell's job would be
                assert time.monotonic() < deadline, "ctrl+z did not suspend the app"
                _read_available(master)
            proc.send_signal(signal.SIGCONT)  # what the shell's fg sends
            _read_until(master, b"DEMO")  # the screen is drawn again
        os.write(master, b"q")
        _wait_reading(proc, master)
        assert proc.returncode == 0


def _read_available(master: int) -> None:
    ready, _, _ = select.select([master], [], [], 0.05)
    if ready:
        with contextlib.suppress(OSError):
            os.read(master, 65536)
