"""The one message that carries the watch session's events into the Textual app, in batches.

The session's subscriber only posts (Harlequin's pattern): every UI change happens in the
message handler, and tests can assert on exactly what was posted.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from tui.engine.events import RefreshFailed, SessionEvent, SessionListener, TaskRefreshed

__all__ = ["SessionMailbox", "SessionReported"]


class SessionReported(Message):
    """The watch session reported ``events``, in order, since the last such message was handled.

    The session's events are gathered into one message (:class:`SessionMailbox`), so a key
    pressed while hundreds of answers arrive waits behind one message, not behind hundreds.
    """

    def __init__(self, events: list[SessionEvent]) -> None:
        super().__init__()
        self.events = events


class SessionMailbox:
    """Gathers the session's events into at most one :class:`SessionReported` in the queue.

    Args:
        post: Posts a message to the app (called only when no batch is waiting).
    """

    def __init__(self, post: Callable[[Message], object]) -> None:
        self._post = post
        self._events: list[SessionEvent] = []

    def put(self, event: SessionEvent) -> None:
        """Add ``event`` to the waiting batch, posting the batch if it is new.

        Back-to-back refreshes of one task keep only the newest (Toolong's trick): a record is a
        whole snapshot, so nothing is lost by showing only the later one.
        """
        events = self._events
        if not events:  # a new batch: the list is the message's, filled until it is handled
            self._post(SessionReported(events))
        elif _replaces(event, events[-1]):
            events[-1] = event
            return
        events.append(event)

    def take(self, message: SessionReported) -> list[SessionEvent]:
        """The events of ``message``; the next event starts a new batch."""
        if message.events is self._events:
            self._events = []
        return message.events


def _replaces(newer: SessionEvent, older: SessionEvent) -> bool:
    task = _REPLACEABLE.hear(newer)
    return task is not None and task == _REPLACEABLE.hear(older)


class _Replaceable(SessionListener[str]):
    """The task whose newer snapshot makes an event redundant (None: every one counts)."""

    def task_refreshed(self, event: TaskRefreshed) -> str:
        return event.record.task_id

    def refresh_failed(self, event: RefreshFailed) -> str:
        return event.record.task_id


_REPLACEABLE = _Replaceable()
