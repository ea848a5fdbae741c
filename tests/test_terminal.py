"""Escape sequences for the bell, desktop notifications and the clipboard, with tmux wrapping."""

from __future__ import annotations

import base64

from tui.ui.terminal import TerminalSignals, desktop_notification, osc52_copy, tmux_wrap


def test_osc52_carries_base64_of_the_text() -> None:
    sequence = osc52_copy("dff1d289-4d03-4942-8b9f-463ea07c000d")
    assert sequence.startswith("\x1b]52;c;") and sequence.endswith("\a")
    assert base64.b64decode(sequence[7:-1]).decode() == "dff1d289-4d03-4942-8b9f-463ea07c000d"


def test_tmux_wrap_doubles_escapes() -> None:
    assert tmux_wrap("\x1b]9;hi\a") == "\x1bPtmux;\x1b\x1b]9;hi\a\x1b\\"


def test_notification_has_osc9_and_osc777_and_no_injection() -> None:
    sequence = desktop_notification("taskwatch", "Failed: evil\x1b]52;c;AAAA\a; x")
    assert sequence.count("\x1b") == 2  # only our own two introducers
    # The hostile sequence is shown (visibly), not obeyed; ';' cannot split OSC 777's fields.
    assert "\x1b]9;taskwatch: Failed: evil␛]52,c,AAAA␇, x\a" in sequence
    assert "\x1b]777;notify;taskwatch;Failed: evil␛]52,c,AAAA␇, x\a" in sequence


def test_signals_wrap_in_tmux_only() -> None:
    out: list[str] = []
    TerminalSignals(out.append, tmux=False).copy("x")
    TerminalSignals(out.append, tmux=True).copy("x")
    TerminalSignals(out.append, tmux=True).bell()
    assert out[0] == osc52_copy("x")
    assert out[1] == tmux_wrap(osc52_copy("x"))
    assert out[2] == "\a"


def test_hung_up_pty_is_detected_without_reading() -> None:
    import os
    import pty

    from tui.ui.terminal import terminal_fds, terminal_hung_up

    master, slave = pty.openpty()
    try:
        fds = terminal_fds([slave])
        assert fds == (slave,)
        assert not terminal_hung_up(fds)
        os.close(master)
        assert terminal_hung_up(fds)
    finally:
        os.close(slave)


def test_watchdog_asks_nicely_then_insists() -> None:
    import threading

    from tui.ui.terminal import HangupWatchdog

    asked = threading.Event()
    exited: list[int] = []
    done = threading.Event()

    def hard_exit(code: int) -> None:
        exited.append(code)
        done.set()

    watchdog = HangupWatchdog(
        asked.set, interval=0.01, grace=0.01, hung_up=lambda: True, hard_exit=hard_exit
    )
    watchdog.start()
    assert done.wait(5)
    assert asked.is_set() and exited == [0]


def test_watchdog_stands_down_when_the_app_exits_in_time() -> None:
    from tui.ui.terminal import HangupWatchdog

    exited: list[int] = []
    watchdog = HangupWatchdog(
        lambda: None, interval=0.01, grace=5, hung_up=lambda: True, hard_exit=exited.append
    )
    watchdog.start()
    watchdog.stopped.set()  # what a clean exit does
    watchdog.join(5)
    assert exited == []
