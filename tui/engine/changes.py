"""The one rule of what an answer changed: the record before and the state after decide whether
the task moved (status, progress), whether it finished and how, whether it was found again.

Storage (whether to add a history row), the session (which events to emit), ``watch`` and
``wait`` (what to print, when to exit) all read the same :class:`Change`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tui.cloud.status import JobStatus, is_final

if TYPE_CHECKING:
    from tui.cloud.models import Job

__all__ = [
    "UNCHANGED", "Change", "Known", "answered", "change_between", "compared", "kept_progress",
]  # fmt: skip


class Known(Protocol):
    """What the rule reads of a task as it was known (a :class:`~tui.engine.records.TaskRecord`)."""

    @property
    def status(self) -> str: ...
    @property
    def progress(self) -> int | None: ...
    @property
    def not_found(self) -> bool: ...


@dataclass(frozen=True)
class Change:
    """What one answer did to a task."""

    moved: bool
    """Its status or progress moved: a history row, a row redrawn, a ``watch`` line."""
    previous_status: str
    """The status before the answer ("" before the first one)."""
    finished: bool = False
    """It reached a final status it did not have before (Completed, Failed, Canceled)."""
    found_again: bool = False
    """The cloud did not know it before this answer, and does now."""
    lost: bool = False
    """The cloud knew it before, and does not any more."""
    steps: bool = False
    """Its steps (the detail pane's list) moved, not its status or progress."""

    @property
    def changed(self) -> bool:
        """Anything a person would see as news: it moved, was found again or lost, or its
        steps moved."""
        return self.moved or self.found_again or self.lost or self.steps

    def outcome(self, status: str) -> JobStatus | None:
        """How it finished (``status`` is the answer's), or None if it did not finish now."""
        return JobStatus.parse(status) if self.finished else None


UNCHANGED = Change(moved=False, previous_status="")


def change_between(
    before: tuple[str, int | None, bool], after: tuple[str, int | None, bool]
) -> Change:
    """What an answer changed, from (status, progress, not found) before and after it.

    Args:
        before: The task as it was: its status ("" before the first answer), progress, and
            whether the cloud did not know it.
        after: The same, as the answer says.

    Returns:
        The change. A status that becomes final counts as finished even when the progress
        did not move; a task found again after "not found" counts as changed even when its
        status is the one it had.
    """
    status, progress, not_found = before
    new_status, new_progress, new_not_found = after
    moved = (status, progress) != (new_status, new_progress)
    finished = is_final(new_status) and (
        not is_final(status) or JobStatus.parse(status) != JobStatus.parse(new_status)
    )
    return Change(
        moved=moved,
        previous_status=status,
        finished=finished,
        found_again=not_found and not new_not_found,
        lost=new_not_found and not not_found,
    )


def answered(before: Known, job: Job) -> Change:
    """What the answer ``job`` changed of the task ``before`` was (a progress the answer left
    out is kept, as the record keeps it:
    :func:`kept_progress`)."""
    after = (job.status, kept_progress(before.progress, job), False)
    return change_between((before.status, before.progress, before.not_found), after)


def compared(before: Known, after: Known) -> Change:
    """What changed from the record ``before`` to ``after`` (another process's answers, read
    from the shared watchlist)."""
    return change_between(
        (before.status, before.progress, before.not_found),
        (after.status, after.progress, after.not_found),
    )


def kept_progress(previous: int | None, job: Job) -> int | None:
    """The progress a task keeps after ``job``: the job's, or, for a job that ended without
    one (a failed job often sends none), the last one seen: a failed row says how far it got
    (``✘ 96%``).

    Args:
        previous: The progress known before this answer.
        job: The answer.

    Returns:
        The percent, or None.
    """
    if (
        job.progress is None
        and job.is_final
        and JobStatus.parse(job.status) is not JobStatus.COMPLETED
    ):
        return previous
    return job.progress
