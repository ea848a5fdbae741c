"""Handing a message to one sink through Apprise, in the calling (sending) thread.

Apprise is imported on first use. Its own log is kept out of the terminal and out of taskwatch's
log (its lines can hold parts of a URL); the last warning of a failed send is kept, per thread,
as the reason, with every part of the URL that may be a secret cut out. Each message is written
in the markup its service renders (:mod:`tui.team.rendering`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from tui.cloud.safe_text import visible
from tui.team.rendering import markup_of, rendered

if TYPE_CHECKING:
    from tui.team.messages import Message
    from tui.team.sinks import Sink

__all__ = ["SEND_DEADLINE", "SOCKET_TIMEOUT", "AppriseDelivery", "Delivery", "unusable_sinks"]

SOCKET_TIMEOUT = 5.0
"""Seconds to connect, and per read of the answer (a trickling answer is cut by the deadline)."""
SEND_DEADLINE = 10.0
"""Seconds one attempt may take in all, however its answer trickles in."""


class Delivery(Protocol):
    """Sends one message to one sink, blocking (it runs in a sending thread)."""

    def send(self, sink: Sink, message: Message) -> str | None:
        """Send ``message``; return None when delivered, else why not (no secret in it)."""
        ...


class _Reasons(logging.Handler):
    """Apprise's warnings, the last one per thread: why a send failed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.last: dict[int, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.last[threading.get_ident()] = record.getMessage()
        except Exception:  # a message that cannot be formatted is no reason to fail
            self.last[threading.get_ident()] = "failed"


def _scrubbed(reason: str, url: str) -> str:
    """``reason`` without any piece of ``url`` long enough to be a token or a password."""
    for piece in sorted(set(re.split(r"[/:@?&=#,;+]+", url.partition("://")[2])), key=len)[::-1]:
        if len(piece) >= 6 and "." not in piece:
            reason = reason.replace(piece, "…")
    return visible(" ".join(reason.split()), limit=200)


class AppriseDelivery:
    """Sends through Apprise: one plugin per sink, made on first use.

    Args:
        timeout: Seconds to connect and to read, per attempt.
    """

    def __init__(self, timeout: float = SOCKET_TIMEOUT) -> None:
        self._timeout = timeout
        self._plugins: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._reasons: _Reasons | None = None

    def _setup(self) -> Any:
        apprise = _quiet_apprise()
        with self._lock:
            if self._reasons is None:
                self._reasons = _Reasons()
                logging.getLogger("apprise").addHandler(self._reasons)
        return apprise

    def send(self, sink: Sink, message: Message) -> str | None:
        """Send ``message`` to ``sink``, written in the markup the service renders.

        The body format handed to Apprise is one the plugin takes as it is, so that Apprise
        converts nothing: a conversion could turn escaped text back into live markup.

        Args:
            sink: Where to.
            message: What.

        Returns:
            None when delivered; otherwise why not, with no secret in it.
        """
        apprise = self._setup()
        with self._lock:
            plugin = self._plugins.get(sink.url)
            if plugin is None:
                plugin = apprise.Apprise.instantiate(sink.url)
                if plugin is None:
                    return "not a URL Apprise can send to (check the scheme and its parts)"
                plugin.socket_connect_timeout = plugin.socket_read_timeout = self._timeout
                self._plugins[sink.url] = plugin
        formats = plugin.notify_format
        formats = [
            str(getattr(f, "value", f))  # NotifyFormat members, or plain strings
            for f in (formats if isinstance(formats, tuple | list) else [formats])
        ]
        markup = markup_of(getattr(plugin, "service_name", ""), formats[0])
        title, body, wanted = rendered(message, markup)
        body_format = wanted if wanted in formats else formats[0]
        assert self._reasons is not None
        self._reasons.last.pop(threading.get_ident(), None)
        try:
            delivered = plugin.notify(body=body, title=title, body_format=body_format)
        except Exception as exc:  # a plugin's bug must not end the sending thread
            return f"the {type(exc).__name__} of Apprise's plugin"
        if delivered:
            return None
        return _scrubbed(self._reasons.last.pop(threading.get_ident(), "refused"), sink.url)


def _quiet_apprise() -> Any:
    """Apprise, imported, its log kept out of the terminal and out of taskwatch's log."""
    import apprise

    logger = logging.getLogger("apprise")
    logger.propagate = False  # never into taskwatch's log or onto the terminal
    logger.setLevel(logging.WARNING)
    return apprise


def unusable_sinks(sinks: Sequence[Sink]) -> list[str]:
    """The sinks Apprise cannot send to (an unknown scheme, a URL missing a part), in words.

    Asked when the config is read (``config``, ``notify``, ``watch``, the TUI), so that
    ``foo://`` is refused at once and not at the first failure of the night.

    Args:
        sinks: The configured sinks.

    Returns:
        One sentence per unusable sink (its redacted name, never the URL).
    """
    if not sinks:
        return []
    apprise = _quiet_apprise()
    return [
        f"{sink.name}: not a URL Apprise can send to (check the scheme and its parts)"
        for sink in sinks
        if apprise.Apprise.instantiate(sink.url) is None
    ]
