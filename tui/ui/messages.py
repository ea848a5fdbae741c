"""The one message that carries the watch session's events into the Textual app.

The session's subscriber only posts (Harlequin's pattern): every UI change happens in the
message handler, and tests can assert on exactly what was posted.
"""

from __future__ import annotations

from textual.message import Message

from tui.engine.events import RefreshFailed, SessionEvent, TaskRefreshed

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
        mine, theirs = self.event, getattr(message, "event", None)
        refreshes = TaskRefreshed | RefreshFailed
        return (
            isinstance(message, SessionReported)
            and isinstance(mine, refreshes)
            and isinstance(theirs, refreshes)
            and mine.record.task_id == theirs.record.task_id
        )
