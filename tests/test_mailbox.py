"""The session's events reach the app in batches: one message waits in the queue at a time, so a
key pressed while hundreds of answers arrive waits behind one message, not hundreds."""

from __future__ import annotations

from textual.message import Message

from tui.engine.changes import Change
from tui.engine.events import TaskFinished, TaskRefreshed, WatchlistChanged
from tui.engine.records import TaskRecord
from tui.ui.messages import SessionMailbox, SessionReported


def _refreshed(task_id: str, progress: int) -> TaskRefreshed:
    record = TaskRecord(task_id, "default", "", 0.0, 0, status="Running", progress=progress)
    return TaskRefreshed(record, Change(True, "Running"))


def _mailbox() -> tuple[SessionMailbox, list[Message]]:
    posted: list[Message] = []
    return SessionMailbox(posted.append), posted


def test_events_until_the_batch_is_handled_travel_in_one_message() -> None:
    mailbox, posted = _mailbox()
    events = [_refreshed(f"t{n}", 10) for n in range(300)]
    for event in events:
        mailbox.put(event)
    assert len(posted) == 1 and isinstance(posted[0], SessionReported)
    assert mailbox.take(posted[0]) == events  # all of them, in order

    later = _refreshed("t0", 20)
    mailbox.put(later)  # the batch was taken: the next event starts a new one
    assert len(posted) == 2 and mailbox.take(posted[1]) == [later]  # type: ignore[arg-type]


def test_only_back_to_back_refreshes_of_one_task_collapse() -> None:
    mailbox, posted = _mailbox()
    first, newer = _refreshed("a", 10), _refreshed("a", 20)
    finished = TaskFinished(newer.record, announce=True)
    other, again = _refreshed("b", 5), _refreshed("a", 30)
    for event in (first, newer, finished, other, again, WatchlistChanged()):
        mailbox.put(event)
    # "a" at 10 % gives way to "a" at 20 %, right behind it; the rest all count.
    assert mailbox.take(posted[0]) == [  # type: ignore[arg-type]
        newer,
        finished,
        other,
        again,
        WatchlistChanged(),
    ]


def test_a_batch_handled_late_keeps_the_events_it_gathered_meanwhile() -> None:
    mailbox, posted = _mailbox()
    mailbox.put(_refreshed("a", 10))
    message = posted[0]
    mailbox.put(_refreshed("b", 10))  # arrives before the app handles the message
    assert [e.record.task_id for e in mailbox.take(message)] == ["a", "b"]  # type: ignore[arg-type, union-attr]
    assert len(posted) == 1
