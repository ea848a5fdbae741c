"""Toasts that cannot be abused: literal text, at most three on screen, dismissed with one key.

Toasts carry labels, task names and failure reasons, text from users and the cloud; Textual's
default reads markup in them and keeps every toast ever asked for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from textual.app import App

from tui.cloud.safe_text import visible
from tui.present.notices import Severity

__all__ = ["MAX_TOASTS", "TOAST_CHARS", "ToastingApp"]

MAX_TOASTS = 3
"""Toasts on screen at once."""
TOAST_CHARS = 400
"""Characters of a toast's text (a few lines in a toast 60 wide)."""


@dataclass(frozen=True)
class _Toast:
    message: str
    title: str
    severity: Severity
    until: float
    """Event-loop time it goes."""


class ToastingApp(App[int]):
    """An app whose :meth:`notify` keeps to :data:`MAX_TOASTS` literal toasts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._toasts: list[_Toast] = []
        """The toasts wanted on screen (three at most), oldest first."""
        self._shown: list[_Toast] = []
        self._toasts_due = False

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Severity = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast. Unlike Textual's default, the text is literal (no markup, controls shown): it
        carries labels, task names and failure reasons, which must never break rendering or
        reach the terminal as escape sequences.

        At most :data:`MAX_TOASTS` are on screen (the oldest goes first), each cut to a few
        lines: the full text stays in the detail pane and the log. ``n`` (or ``esc`` with
        nothing else open) dismisses them all.
        """
        message, title = (
            visible(message, multiline=True, limit=TOAST_CHARS),
            visible(title, limit=100),
        )
        timeout = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        if not self.is_running:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
            return
        now = asyncio.get_running_loop().time()
        self._toasts = [*(t for t in self._toasts if t.until > now), _Toast(
            message, title, severity, now + timeout
        )][-MAX_TOASTS:]  # fmt: skip
        if not self._toasts_due:
            # After the toasts already posted are on screen (call_later runs after them).
            self._toasts_due = True
            self.call_later(self._show_toasts)

    def _show_toasts(self) -> None:
        """Put the wanted toasts on screen: the new ones added, or (past three) all again."""
        self._toasts_due = False
        now = asyncio.get_running_loop().time()
        wanted = [toast for toast in self._toasts if toast.until > now]
        alive = [toast for toast in self._shown if toast.until > now]
        if alive == wanted[: len(alive)]:
            new = wanted[len(alive) :]
        else:
            self.clear_notifications()  # the oldest goes: the others again, as long as they had
            new = wanted
        for toast in new:
            super().notify(
                toast.message, title=toast.title, severity=toast.severity,
                timeout=max(1.0, toast.until - now), markup=False,
            )  # fmt: skip
        self._shown = wanted

    def action_dismiss_notices(self) -> None:
        """Dismiss every toast (their text stays in the detail pane and the log)."""
        self._toasts = self._shown = []
        self.clear_notifications()
