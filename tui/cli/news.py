"""What a headless line is worth printing for (``wait``, ``watch``), and the line that ends a
run: what a script's log should hold of a night, no more (``gh run watch`` is the model).

A task is worth a line when its status changes, when it moves to another step, or when its
progress passes a tenth; ``--verbose`` prints every answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from tui.cloud.safe_text import visible
from tui.cloud.status import JobStatus
from tui.engine.records import TaskRecord
from tui.present.text import format_clock, format_duration, task_title, tasks_count

__all__ = ["PROGRESS_STEP", "News", "current_step", "summary_line"]

PROGRESS_STEP = 10
"""A running task's progress is printed when it passes a multiple of this."""


@dataclass(frozen=True)
class _Shown:
    status: str
    tenth: int | None
    step: str


def current_step(record: TaskRecord) -> str:
    """The step the task is in (the cloud's running one), or ""."""
    steps = record.steps
    if steps is None or record.is_final:
        return ""
    return next((step.name for step in steps.steps if step.phase == "active"), "")


class News:
    """Remembers what was printed of each task, so that nothing is printed twice.

    Args:
        verbose: Every answer is news (``--verbose``).
    """

    def __init__(self, *, verbose: bool = False) -> None:
        self.verbose = verbose
        self._shown: dict[str, _Shown] = {}

    def __call__(self, record: TaskRecord) -> bool:
        """Whether ``record`` holds something not printed yet (and remember it).

        Args:
            record: A task as just refreshed.

        Returns:
            True for a new status, a new step or a new tenth of progress (or always, verbose).
        """
        progress = record.progress
        shown = _Shown(
            record.status,
            None if progress is None else progress // PROGRESS_STEP,
            current_step(record),
        )
        if not self.verbose and self._shown.get(record.task_id) == shown:
            return False
        self._shown[record.task_id] = shown
        return True


def summary_line(records: Iterable[TaskRecord]) -> tuple[str, dict[str, object]]:
    """The run in one line: counts by outcome, the longest task, the first failure.

    Args:
        records: The tasks at the end of the run.

    Returns:
        The line (``3 tasks: 2 Completed, 1 Failed · longest 12m 03s CHG-1 resize · first
        failure 01:52 CHG-2 upgrade: disk full``) and the same as JSON fields.
    """
    tasks = list(records)
    counts = Counter(record.count_key for record in tasks)
    words = [f"{count} {status}" for status, count in counts.most_common()]
    line = f"{tasks_count(len(tasks))}: {', '.join(words) or 'none'}"
    fields: dict[str, object] = {"tasks": len(tasks), "outcomes": dict(counts)}
    spans = [
        ((job.ended_at - job.created_at).total_seconds(), record)
        for record in tasks
        if (job := record.job) is not None and job.created_at and job.ended_at
    ]
    if spans:
        seconds, longest = max(spans, key=lambda span: span[0])
        line += f" · longest {format_duration(seconds)} {task_title(longest)[:60]}"
        fields["longest"] = {"task_id": longest.task_id, "seconds": round(seconds)}
    failures = [
        (job.ended_at.timestamp(), record)
        for record in tasks
        if record.is_final
        and record.state is not JobStatus.COMPLETED
        and (job := record.job) is not None
        and job.ended_at
    ]
    if failures:
        at, first = min(failures, key=lambda failure: failure[0])
        reason = first.job.fail_reason if first.job else ""
        line += f" · first failure {format_clock(at)} {task_title(first)[:60]}"
        line += f": {reason[:120]}" if reason else ""
        fields["first_failure"] = {"task_id": first.task_id, "status": first.status}
    return visible(" ".join(line.split())), fields
