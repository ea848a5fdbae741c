"""The one message that carries the watch session's events into the Textual app.

The session's subscriber only posts (Harlequin's pattern): every UI change happens in the
message handler, and tests can assert on exactly what was posted.
"""

from __future__ import annotations

from textual.message import Message

from tui.engine.events import RefreshFailed, SessionEvent, SessionListener, TaskRefreshed

__all__ = ["SessionReported"]


class SessionReported(Message):
    """The watch session reported ``event`` (a task refreshed, a credential refused, ...)."""

    def __init__(self, event: SessionEvent) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        """Back-to-back refreshes of one task: only the newest needs showing (Toolong's trick).

        Textual asks this of a queued message about the one queued right behind it; a record is
        a whole snapshot, so nothing is lost by showing only the later one.
        """
        if not isinstance(message, SessionReported):
            return False
        task = _REPLACEABLE.hear(self.event)
        return task is not None and task == _REPLACEABLE.hear(message.event)


class _Replaceable(SessionListener[str]):
    """The task whose newer snapshot makes an event redundant (None: every one counts)."""

    def task_refreshed(self, event: TaskRefreshed) -> str:
        return event.record.task_id

    def refresh_failed(self, event: RefreshFailed) -> str:
        return event.record.task_id


_REPLACEABLE = _Replaceable()
