"""Task statuses as the documentation lists them, and everything a caller asks of one: is it
final, is it running, where does it sort, its icon, its word, good or bad news.

The one place that decides what a status means: the table's sort, the summary's counts, the
notices, the team's messages and ``wait``'s outcome all read it from here. Kept apart from the
pydantic wire models so that code which only compares statuses (the table, the summary, the
TUI's first paint) does not import pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "FINAL_STATUSES", "NOT_FOUND", "WAITING", "JobStatus", "Meaning", "Tone", "count_rank",
    "is_final", "meaning_of", "rank_of",
]  # fmt: skip


class Tone(StrEnum):
    """Whether a status is news, and which kind: it picks the colour, the notice's severity and
    the bell."""

    GOOD = "good"
    """It did what was asked (Completed)."""
    BAD = "bad"
    """It failed."""
    WARNING = "warning"
    """It ended without doing what was asked, but did not fail (Canceled)."""
    NEUTRAL = "neutral"
    """It is under way or waiting: nothing to tell yet."""


@dataclass(frozen=True)
class Meaning:
    """What one status means to everything that shows or acts on it."""

    icon: str
    """One cell; never the only signal (the word is shown beside it)."""
    rank: int
    """Where it sorts: lower first, so what needs attention comes to the top."""
    tone: Tone
    final: bool = False
    """It never changes again: the task is not polled any more."""
    running: bool = False
    waiting: bool = False
    """It has not started (a scheduled task's list item in this status is still to come)."""


UNUSUAL_RANK = 2
"""A status no document lists sorts among the running ones (1, above them, when stale)."""
NOT_FOUND = "not found"
WAITING = "waiting"
"""The summary's words for a task the cloud does not know and one never answered yet."""


class JobStatus(StrEnum):
    """Statuses the documentation lists. The wire may carry others; those stay plain strings."""

    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"
    UNAUTHORIZED = "Unauthorized"
    INITING = "Initing"
    SCHEDULED = "Scheduled"

    @classmethod
    def parse(cls, text: str) -> JobStatus | None:
        """The documented status ``text`` names, whatever its case or spelling; None if unknown.

        Args:
            text: A status as the cloud (or the watchlist) spells it.

        Returns:
            The status, or None for an empty or undocumented one (shown as it came).
        """
        key = text.strip().capitalize()
        if key == "Cancelled":  # British spelling, in case a region uses it
            return cls.CANCELED
        return cls._value2member_map_.get(key)  # type: ignore[return-value]

    @property
    def meaning(self) -> Meaning:
        """What this status means (icon, rank, tone, final, running, waiting)."""
        return _MEANINGS[self]

    @property
    def word(self) -> str:
        """The status as a person reads it (``Completed``)."""
        return self.value


_MEANINGS = {
    JobStatus.FAILED: Meaning("✘", 0, Tone.BAD, final=True),
    JobStatus.RUNNING: Meaning("▶", 2, Tone.NEUTRAL, running=True),
    JobStatus.UNAUTHORIZED: Meaning("⚿", UNUSUAL_RANK, Tone.NEUTRAL, waiting=True),
    JobStatus.INITING: Meaning("◌", UNUSUAL_RANK, Tone.NEUTRAL, waiting=True),
    JobStatus.PENDING: Meaning("◌", 3, Tone.NEUTRAL, waiting=True),
    JobStatus.SCHEDULED: Meaning("◷", 3, Tone.NEUTRAL),
    JobStatus.CANCELED: Meaning("⊘", 5, Tone.WARNING, final=True),
    JobStatus.COMPLETED: Meaning("✔", 6, Tone.GOOD, final=True),
}
NOT_FOUND_RANK = 1
WAITING_RANK = 4

FINAL_STATUSES = frozenset(status for status, meaning in _MEANINGS.items() if meaning.final)


def meaning_of(status: str) -> Meaning | None:
    """The meaning of ``status`` as sent or stored, whatever its case; None if undocumented."""
    state = JobStatus.parse(status)
    return state.meaning if state is not None else None


def is_final(status: str) -> bool:
    """Return whether ``status`` is terminal (Completed, Failed, Canceled), whatever its case.

    Args:
        status: A status as sent or stored.

    Returns:
        True for a status that never changes again.
    """
    meaning = meaning_of(status)
    return meaning is not None and meaning.final


def rank_of(status: str, *, not_found: bool = False, stale: bool = False) -> int:
    """Where a task sorts: failures first, then anything unusual, running, pending, finished last.

    Args:
        status: The status as sent ("" before the first answer).
        not_found: The cloud does not know the task.
        stale: The last refresh failed.

    Returns:
        A rank; lower sorts first.
    """
    if not_found:
        return NOT_FOUND_RANK
    if not status:
        return WAITING_RANK
    meaning = meaning_of(status)
    if meaning is None:
        return NOT_FOUND_RANK if stale else UNUSUAL_RANK
    return meaning.rank


def count_rank(key: str) -> tuple[int, str]:
    """Where one of the summary's counts goes (a status, ``waiting`` or ``not found``): in the
    order the table sorts by status, worst first; statuses no document lists by name after."""
    if key == NOT_FOUND:
        return (NOT_FOUND_RANK, key)
    if key == WAITING:
        return (WAITING_RANK, key)
    meaning = meaning_of(key)
    return (meaning.rank, key) if meaning is not None else (len(_MEANINGS) + 10, key)
