"""The summary bar: counts by status, how requests are going, where, sort and filter."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import Static

from tui.cloud.safe_text import visible
from tui.engine.session import Connection, WatchSession
from tui.present.text import format_local, status_icon

__all__ = ["SummaryBar", "connection_text", "summary_text"]

_CONNECTION = {
    "shared": "⇄ polled by another taskwatch",
    "paused": "⏸ paused",
    "refused": "✘ authentication failed",
    "unconfigured": "⚠ profile not configured",
    "ok": "● ok",
    "connecting": "● connecting",
    "throttled": "⚠ throttled",
}


def connection_text(connection: Connection) -> str:
    """``● ok``, ``⚠ throttled``, ``⚠ offline since 14:03:09`` ..."""
    if connection.state == "offline" and connection.since is not None:
        since = format_local(datetime.fromtimestamp(connection.since).astimezone())
        return f"⚠ offline since {since}"
    return _CONNECTION.get(connection.state, f"⚠ {connection.state}")


def summary_text(session: WatchSession, *, compact: bool, sort_mode: str, filter_text: str) -> str:
    """The summary line; most important first, since at 80 columns the end is what gets cut."""
    parts = [
        f"{status_icon('' if key == 'waiting' else key, not_found=key == 'not found')}"
        + (f"{count}" if compact else f" {count} {key.lower()}")
        for key, count in session.watchlist.counts()
    ]
    overdue = len(session.overdue)
    if overdue:  # first: the one count that is about the operator's own promise
        parts.insert(0, f"⚑{overdue}" if compact else f"⚑ {overdue} overdue")
    demo = "DEMO · " if session.demo else ""
    rules = session.following.followed
    following = ""
    if rules:
        following = (
            f"⟳{len(rules)}"
            if compact
            else f"⟳ following {rules[0].description}"
            if len(rules) == 1
            else f"⟳ following {len(rules)} rules"
        )
    fields = [
        "  ".join(parts) or "no tasks",
        connection_text(session.health.connection()),
        following,
        f"{demo}{', '.join(session.connecting.places) or 'no profile'}",
        f"sort: {sort_mode}",
        f"filter: {filter_text!r}" if filter_text else "",
    ]
    return visible(" · ".join(x for x in fields if x), limit=400)  # profile names, typed filter


class SummaryBar(Static):
    """One line of summary; an unchanged line is not sent to the terminal again."""

    def __init__(self, **kwargs: str) -> None:
        # markup=False: profile names and error messages are shown as they are, never parsed.
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]
        self._text = ""

    def show(self, text: str) -> None:
        """Show ``text`` unless it is already shown."""
        if text != self._text:
            self._text = text
            # One line, always: no layout pass (a layout repaints the table's scrollbars, 2 KB
            # at 120 columns, on every count that moves during a sweep).
            self.update(text, layout=False)
