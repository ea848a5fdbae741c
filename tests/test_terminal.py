"""Escape sequences for the bell, desktop notifications and the clipboard, with tmux wrapping."""

from __future__ import annotations

import base64

from tui.terminal import TerminalSignals, desktop_notification, osc52_copy, tmux_wrap


def test_osc52_carries_base64_of_the_text() -> None:
    sequence = osc52_copy("dff1d289-4d03-4942-8b9f-463ea07c000d")
    assert sequence.startswith("\x1b]52;c;") and sequence.endswith("\a")
    assert base64.b64decode(sequence[7:-1]).decode() == "dff1d289-4d03-4942-8b9f-463ea07c000d"


def test_tmux_wrap_doubles_escapes() -> None:
    assert tmux_wrap("\x1b]9;hi\a") == "\x1bPtmux;\x1b\x1b]9;hi\a\x1b\\"


def test_notification_has_osc9_and_osc777_and_no_injection() -> None:
    sequence = desktop_notification("taskwatch", "Failed: evil\x1b]52;c;AAAA\a; x")
    assert sequence.count("\x1b") == 2  # only our own two introducers
    assert "\x1b]9;taskwatch: Failed: evil ]52,c,AAAA , x\a" in sequence
    assert "\x1b]777;notify;taskwatch;Failed: evil ]52,c,AAAA , x\a" in sequence


def test_signals_wrap_in_tmux_only() -> None:
    out: list[str] = []
    TerminalSignals(out.append, tmux=False).copy("x")
    TerminalSignals(out.append, tmux=True).copy("x")
    TerminalSignals(out.append, tmux=True).bell()
    assert out[0] == osc52_copy("x")
    assert out[1] == tmux_wrap(osc52_copy("x"))
    assert out[2] == "\a"
