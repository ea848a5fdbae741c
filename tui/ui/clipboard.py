"""Copying to the clipboard of the laptop the operator sits at, inside tmux or not.

Outside tmux, OSC 52 goes to the terminal. Inside tmux an application's OSC 52 reaches the
laptop only with ``set-clipboard on`` (tmux's default is ``external``: it ignores applications),
and the passthrough-wrapped form only with ``allow-passthrough on`` (default off). So inside
tmux taskwatch asks tmux itself: ``tmux load-buffer -w -`` puts the text in a tmux buffer and
sends it to the outer terminal's clipboard whatever ``set-clipboard`` says (tmux 3.2 and
later). An older tmux is asked how it is set, and the toast says what really happened: never
"Copied" when nothing left tmux.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Copied", "Run", "run_tmux", "tmux_copy"]

log = logging.getLogger(__name__)

TMUX_TIMEOUT = 1.0
"""Seconds a tmux command may take (it answers in milliseconds; a hung server must not stall
a key)."""
FIX = "add `set -g set-clipboard on` to ~/.tmux.conf"


@dataclass(frozen=True)
class Copied:
    """What a copy did, in words for the toast.

    Attributes:
        reached: Whether the text was sent on to the outer terminal's clipboard.
        how: One sentence: where the text is now, and the fix when it is not on the laptop.
    """

    reached: bool
    how: str


Run = Callable[[list[str], str], "subprocess.CompletedProcess[str]"]


def run_tmux(argv: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    """Run a tmux command (a fixed argv: ``tmux`` and its options) with ``stdin``.

    Args:
        argv: The command.
        stdin: What it reads.

    Returns:
        Its outcome (never the terminal's: its input and output are pipes).

    Raises:
        OSError: Not inside tmux (no ``$TMUX``: there is no server of ours to ask, and the
            default one may be someone else's), or no tmux binary.
    """
    if not os.environ.get("TMUX"):
        raise OSError("not inside tmux ($TMUX is not set)")
    return subprocess.run(  # noqa: S603 - a fixed argv, no shell
        argv, input=stdin, capture_output=True, text=True, timeout=TMUX_TIMEOUT, check=False
    )


def _option(run: Run, *args: str) -> str:
    result = run(["tmux", "show-options", "-qv", *args], "")
    return result.stdout.strip() if result.returncode == 0 else ""


def tmux_copy(
    text: str, send: Callable[[str], None], osc52: str, wrapped: str, run: Run = run_tmux
) -> Copied:
    """Copy ``text`` inside tmux, by the best way this tmux has.

    Args:
        text: What to copy.
        send: Writes an escape sequence to the terminal (tmux's pane).
        osc52: The plain OSC 52 sequence for ``text``.
        wrapped: The same in tmux's passthrough.
        run: Runs a tmux command with stdin (tests pass a fake).

    Returns:
        What happened.
    """
    try:
        if run(["tmux", "load-buffer", "-w", "-"], text).returncode == 0:
            return Copied(True, "in tmux's buffer and sent to your terminal's clipboard")
        clipboard = _option(run, "-g", "set-clipboard")
        passthrough = _option(run, "-p", "allow-passthrough") or _option(
            run, "-gw", "allow-passthrough"
        )
        if clipboard == "on":
            send(osc52)  # tmux makes a buffer of it and passes it on
            return Copied(True, "sent to your terminal's clipboard through tmux")
        if passthrough in ("on", "all"):
            send(wrapped)
            return Copied(True, "sent to your terminal's clipboard through tmux's passthrough")
        buffered = run(["tmux", "load-buffer", "-"], text).returncode == 0
    except (OSError, subprocess.SubprocessError) as exc:  # no tmux binary, a hung server
        log.info("tmux not asked how it copies (%s): passthrough sent", exc)
        send(wrapped)
        return Copied(
            False, "sent through tmux's passthrough, which needs `set -g allow-passthrough on`"
        )
    where = "only in tmux's paste buffer (prefix ])" if buffered else "not copied"
    return Copied(False, f"{where}: tmux passes no clipboard on as it is set; {FIX}")
