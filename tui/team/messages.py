"""What the team is told: which session events are worth a chat message, and the message in
words, as plain text and as Markdown that cloud text cannot reshape."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tui.cloud.safe_text import visible
from tui.cloud.status import Tone
from tui.engine.events import (
    CredentialRefused,
    CredentialRestored,
    DeadlineWarning,
    SessionEvent,
    SessionListener,
    TaskFinished,
    TasksDiscovered,
)
from tui.engine.records import TaskRecord
from tui.present.text import format_clock, status_icon, task_title

__all__ = ["Message", "TeamEvent", "check_message", "compose", "markdown_escaped", "team_event_of"]

DIGEST_LINES = 30
"""Events listed in one digest; the rest are counted."""


@dataclass(frozen=True)
class TeamEvent:
    """One thing worth telling the team, already in safe words.

    Attributes:
        kind: The ``on =`` name it answers to (failed, completed, overdue, at_risk,
            discovered, credential).
        headline: ``✘ Failed: label · job name`` (one line).
        details: Lines under the headline: instance, task ID, fail reason.
        key: What the event is, the same in every process (``finished:<task>:<status>``), so
            that the lease holder tells it once per watchlist; None for one with no identity
            of its own (a credential refused or restored).
    """

    kind: str
    headline: str
    details: tuple[str, ...] = ()
    key: str | None = None


@dataclass(frozen=True)
class Message:
    """A message ready for a sink: a title and the lines of its body, in safe words (no
    control character, each line one line); :mod:`tui.team.rendering` writes it in the markup
    of each service."""

    title: str
    lines: tuple[str, ...]
    count: int = 1
    """How many events it carries."""

    @property
    def text(self) -> str:
        """The body as plain text."""
        return "\n".join(self.lines)

    @property
    def markdown(self) -> str:
        """The body as Markdown that shows it literally (hard line breaks between lines)."""
        return "  \n".join(markdown_escaped(line) for line in self.lines)


def _one_line(text: str, limit: int = 120) -> str:
    return visible(" ".join(text.split()), limit=limit)


def _task_lines(record: TaskRecord) -> tuple[str, ...]:
    job = record.job
    lines = []
    if job is not None and (job.instance.name or job.instance.id):
        instance = job.instance.name or job.instance.id
        suffix = f" ({job.instance.id})" if job.instance.name and job.instance.id else ""
        lines.append(f"instance: {_one_line(instance + suffix)}")
    lines.append(f"task: {record.task_id}  (profile {_one_line(record.profile, 40)})")
    if job is not None and job.fail_reason.strip():
        lines.append(f"reason: {_one_line(job.fail_reason, 500)}")
    return tuple(lines)


def team_event_of(event: SessionEvent) -> TeamEvent | None:
    """The team's view of a session event, or None when it is not one the team hears about.

    Args:
        event: Anything the session reported.

    Returns:
        The event in words, or None (a refresh, a task that had ended before it was added ...).
    """
    return _TEAM_WORDS.hear(event)


class _TeamWords(SessionListener[TeamEvent]):
    """Puts the events the team hears about into words; the others answer None."""

    def task_finished(self, event: TaskFinished) -> TeamEvent | None:
        if not event.announce:
            return None
        record = event.record
        # ``on = ["failed"]`` hears every task that ended without doing what was asked.
        good = record.state is not None and record.state.meaning.tone == Tone.GOOD
        kind = "completed" if good else "failed"
        headline = f"{status_icon(record.status)} {_one_line(record.status, 20)}: "
        return TeamEvent(
            kind,
            headline + _one_line(task_title(record)),
            _task_lines(record),
            f"finished:{record.task_id}:{record.status}",
        )

    def deadline_warning(self, event: DeadlineWarning) -> TeamEvent | None:
        record = event.record
        deadline = format_clock(record.deadline) if record.deadline else "?"
        if event.kind == "overdue":
            headline = f"⚑ Overdue: {_one_line(task_title(record))} (deadline {deadline})"
        else:
            headline = f"⚠ At risk: {_one_line(task_title(record))} (deadline {deadline})"
        key = f"{event.kind}:{record.task_id}:{record.deadline}"
        return TeamEvent(event.kind, headline, _task_lines(record), key)

    def tasks_discovered(self, event: TasksDiscovered) -> TeamEvent | None:
        key = "discovered:" + ",".join(sorted(event.task_ids))
        return TeamEvent("discovered", f"⟳ {_one_line(event.message)}", key=key)

    def credential_refused(self, event: CredentialRefused) -> TeamEvent | None:
        profiles = ", ".join(event.profiles)
        return TeamEvent(
            "credential",
            f"⚠ Credential refused ({_one_line(profiles, 80)}): polling stopped",
            (_one_line(str(event.error), 300),),
        )

    def credential_restored(self, event: CredentialRestored) -> TeamEvent | None:
        profiles = ", ".join(event.profiles)
        return TeamEvent("credential", f"✔ Credential usable again ({_one_line(profiles, 80)})")


_TEAM_WORDS = _TeamWords()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~>&])")


def markdown_escaped(text: str) -> str:
    """``text`` as Markdown that shows it literally: no link, emphasis, heading or HTML.

    Args:
        text: Safe text (no control characters).

    Returns:
        Every character Markdown could act on, backslash-escaped.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _message(title: str, lines: Sequence[str], count: int) -> Message:
    return Message(title, tuple(lines), count)


def compose(events: Sequence[TeamEvent]) -> Message:
    """One message for the events of a digest window.

    Args:
        events: At least one event, oldest first.

    Returns:
        One event: its headline as the title, its details as the body. Several: how many of
        each kind in the title, one line each in the body (the first 30; the rest counted).
    """
    if len(events) == 1:
        event = events[0]
        return _message(f"taskwatch: {event.headline}", [event.headline, *event.details], 1)
    kinds = Counter(event.kind for event in events)
    summary = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in kinds.items())
    lines = []
    for event in events[:DIGEST_LINES]:
        task = next((d for d in event.details if d.startswith("task: ")), "")
        reason = next((d for d in event.details if d.startswith("reason: ")), "")
        line = event.headline
        if task:
            line += f" [{task.removeprefix('task: ').split()[0]}]"
        if reason:
            line += f" — {reason.removeprefix('reason: ')[:160]}"
        lines.append(line)
    if len(events) > DIGEST_LINES:
        lines.append(f"… and {len(events) - DIGEST_LINES} more")
    return _message(f"taskwatch: {len(events)} events ({summary})", lines, len(events))


def check_message() -> Message:
    """The message ``taskwatch notify --test`` sends.

    Returns:
        A message that says it is a test.
    """
    line = "This is a test message from taskwatch: this sink works."
    return _message("taskwatch: test message", [line], 0)
