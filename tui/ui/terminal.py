"""Escape sequences that reach the user's own machine: bell, desktop notifications, clipboard.

OSC 9 (iTerm2, WezTerm, Windows Terminal, kitty) and OSC 777 (VTE terminals, foot, Ghostty)
carry a desktop notification through SSH to the laptop the user sits at; OSC 52 puts text on that
laptop's clipboard. Inside tmux, a sequence is wrapped in a DCS passthrough so tmux forwards it
to the outer terminal (tmux needs ``set -g allow-passthrough on`` for OSC 9/777; OSC 52 also works
through tmux's own ``set-clipboard``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import select
import signal
import threading
from collections.abc import Callable, Iterable, Mapping

from tui.cloud.safe_text import visible
from tui.ui.clipboard import Copied, Run, run_tmux, tmux_copy

log = logging.getLogger(__name__)

__all__ = [
    "BEL",
    "HangupWatchdog",
    "TerminalSignals",
    "desktop_notification",
    "in_tmux",
    "osc52_copy",
    "terminal_fds",
    "terminal_hung_up",
    "tmux_wrap",
]

BEL = "\a"
ESC = "\x1b"
ST = ESC + "\\"


def in_tmux(env: Mapping[str, str] | None = None) -> bool:
    """Whether we run inside tmux (``$TMUX`` is set)."""
    return bool((os.environ if env is None else env).get("TMUX"))


def tmux_wrap(sequence: str) -> str:
    """Wrap ``sequence`` in tmux's DCS passthrough, doubling every ESC inside it."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def _clean(text: str, limit: int) -> str:
    """One line, no control characters: a notification must not inject escape sequences."""
    flat = " ".join(visible(text).split())  # control characters shown (␛), not obeyed
    flat = flat.replace(";", ",")  # OSC 777 separates fields with ';'
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def desktop_notification(title: str, body: str) -> str:
    """OSC 9 and OSC 777 notifications for the same message (terminals ignore what they lack)."""
    title, body = _clean(title, 80), _clean(body, 240)
    osc9 = f"{ESC}]9;{title}: {body}{BEL}"
    osc777 = f"{ESC}]777;notify;{title};{body}{BEL}"
    return osc9 + osc777


def osc52_copy(text: str) -> str:
    """OSC 52: set the terminal's clipboard (``c``) to ``text``."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"{ESC}]52;c;{encoded}{BEL}"


class TerminalSignals:
    """Sends bell, notifications and clipboard sequences through ``write``, tmux-aware."""

    def __init__(
        self, write: Callable[[str], None], *, tmux: bool | None = None, run: Run = run_tmux
    ) -> None:
        self._write = write
        self.tmux = in_tmux() if tmux is None else tmux
        self.run_tmux = run
        """Runs tmux commands (the copy asks tmux; tests pass a fake)."""

    def _send(self, sequence: str) -> None:
        self._write(tmux_wrap(sequence) if self.tmux else sequence)

    def bell(self) -> None:
        self._write(BEL)  # tmux forwards the bell itself (and flags the window)

    def notify(self, title: str, body: str) -> None:
        self._send(desktop_notification(title, body))

    def copy(self, text: str) -> Copied:
        """Put ``text`` on the clipboard of the terminal the user sits at.

        Args:
            text: What to copy (the caller makes it safe: no escapes obeyed on paste).

        Returns:
            What happened, for the toast (inside tmux: what tmux made of it).
        """
        sequence = osc52_copy(text)
        if not self.tmux:
            self._write(sequence)
            return Copied(True, "sent to your terminal's clipboard")
        return tmux_copy(text, self._write, sequence, tmux_wrap(sequence), self.run_tmux)


def terminal_fds(candidates: Iterable[int] = (0, 1)) -> tuple[int, ...]:
    """The descriptors that are terminals now. Ask while the terminal is healthy: once it has
    hung up, ``isatty`` itself fails."""
    found = []
    for fd in candidates:
        with contextlib.suppress(OSError, ValueError):
            if os.isatty(fd):
                found.append(fd)
    return tuple(found)


def terminal_hung_up(fds: Iterable[int]) -> bool:
    """Whether the terminal on ``fds`` has hung up (its SSH session or tmux pane is gone).

    Polls for POLLHUP without reading, so no keystroke is taken from the app.
    """
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    try:
        events = poller.poll(0)
    except OSError:
        return True
    return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events)


class HangupWatchdog(threading.Thread):
    """Ends the app when its terminal goes away, even if the event loop is stuck.

    A lost terminal does not always deliver SIGHUP. Then Textual's output thread dies on EIO, its
    bounded queue fills and the event loop blocks on it, while the input thread spins on EOF: a
    process burning a core forever. This thread asks the loop to exit first (``request_exit``);
    if the loop is frozen it ends the process. Every store write is its own committed SQLite
    transaction, so nothing is lost.
    """

    def __init__(
        self,
        request_exit: Callable[[], object],
        *,
        interval: float = 1.0,
        grace: float = 3.0,
        hung_up: Callable[[], bool] | None = None,
        hard_exit: Callable[[int], object] = os._exit,
    ) -> None:
        super().__init__(name="taskwatch-hangup-watchdog", daemon=True)
        self._request_exit = request_exit
        self._interval = interval
        self._grace = grace
        fds = terminal_fds()
        self._hung_up = hung_up or (lambda: bool(fds) and terminal_hung_up(fds))
        self._hard_exit = hard_exit
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self._interval):
            if self._hung_up():
                log.info("the terminal went away; exiting")
                with contextlib.suppress(Exception):
                    self._request_exit()
                if not self.stopped.wait(self._grace):
                    logging.shutdown()
                    self._hard_exit(0)
                return


def leave_on_hangup(leave: Callable[[], None], *, watchdog: bool) -> HangupWatchdog | None:
    """Call ``leave`` on the running event loop when the terminal goes away or a stop is asked.

    SIGHUP: the terminal went away (ssh dropped, tmux killed): leave, don't spin. SIGTERM: asked
    to stop (kill, systemd, tmux kill-server): leave the terminal as it was found (alternate
    screen off, cursor shown, mouse off, line mode back). A lost terminal does not always bring
    SIGHUP: with ``watchdog``, a :class:`HangupWatchdog` notices the hang-up itself.

    Args:
        leave: What ends the app (called on the event loop).
        watchdog: Start the watchdog thread too (not for a headless app).

    Returns:
        The started watchdog, or None.
    """
    loop = asyncio.get_running_loop()
    for number in (signal.SIGHUP, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(number, leave)
    if not watchdog:
        return None
    started = HangupWatchdog(lambda: loop.call_soon_threadsafe(leave))
    started.start()
    return started
