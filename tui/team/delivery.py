"""Handing a message to one sink through Apprise, in the calling (sending) thread.

Apprise is imported on first use. Its own log is kept out of the terminal and out of taskwatch's
log (its lines can hold parts of a URL); the last warning of a failed send is kept, per thread,
as the reason, with every part of the URL that may be a secret cut out.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING, Any, Protocol

from tui.cloud.safe_text import visible
from tui.team.messages import markdown_escaped

if TYPE_CHECKING:
    from tui.team.messages import Message
    from tui.team.sinks import Sink

__all__ = ["AppriseDelivery", "Delivery"]

SEND_TIMEOUT = 10.0
"""Seconds to connect, and to read the answer, per attempt."""


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

    def __init__(self, timeout: float = SEND_TIMEOUT) -> None:
        self._timeout = timeout
        self._plugins: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._reasons: _Reasons | None = None

    def _setup(self) -> Any:
        import apprise

        with self._lock:
            if self._reasons is None:
                self._reasons = _Reasons()
                logger = logging.getLogger("apprise")
                logger.propagate = False  # never into taskwatch's log or onto the terminal
                logger.setLevel(logging.WARNING)
                logger.addHandler(self._reasons)
        return apprise

    def send(self, sink: Sink, message: Message) -> str | None:
        """Send ``message`` to ``sink``, in the format the service reads.

        A service that reads Markdown gets the escaped Markdown body (cloud text cannot add a
        link or a heading); the others get plain text, which Apprise escapes for HTML.

        Args:
            sink: Where to.
            message: What.

        Returns:
            None when delivered; otherwise why not, with no secret in it.
        """
        apprise = self._setup()
        plugin = self._plugins.get(sink.url)
        if plugin is None:
            plugin = apprise.Apprise.instantiate(sink.url)
            if plugin is None:
                return "not a URL Apprise can send to (check the scheme and its parts)"
            plugin.socket_connect_timeout = plugin.socket_read_timeout = self._timeout
            self._plugins[sink.url] = plugin
        formats = plugin.notify_format
        primary = formats[0] if isinstance(formats, tuple | list) else formats
        markdown = primary == apprise.NotifyFormat.MARKDOWN
        body_format = apprise.NotifyFormat.MARKDOWN if markdown else apprise.NotifyFormat.TEXT
        assert self._reasons is not None
        self._reasons.last.pop(threading.get_ident(), None)
        try:
            delivered = plugin.notify(
                body=message.markdown if markdown else message.text,
                title=markdown_escaped(message.title) if markdown else message.title,
                body_format=body_format,
            )
        except Exception as exc:  # a plugin's bug must not end the sending thread
            return f"the {type(exc).__name__} of Apprise's plugin"
        if delivered:
            return None
        return _scrubbed(self._reasons.last.pop(threading.get_ident(), "refused"), sink.url)
