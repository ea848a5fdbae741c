"""The one change rule: what an answer changed, from the record before and the state after."""

from __future__ import annotations

import pytest

from tui.cloud.models import Job
from tui.engine.changes import Change, answered, change_between, compared, kept_progress
from tui.engine.records import TaskRecord

RUNNING_40 = ("Running", 40, False)


@pytest.mark.parametrize(
    ("before", "after", "moved", "finished", "found_again", "lost"),
    [
        (RUNNING_40, RUNNING_40, False, False, False, False),  # the same answer again
        (("", None, False), RUNNING_40, True, False, False, False),  # the first answer
        (RUNNING_40, ("Running", 55, False), True, False, False, False),  # progress only
        (RUNNING_40, ("Completed", 100, False), True, True, False, False),  # ends in one answer
        (RUNNING_40, ("Failed", 40, False), True, True, False, False),  # status only
        (("", None, False), ("Completed", 100, False), True, True, False, False),  # ended before
        (("Completed", 100, False), ("Completed", 100, False), False, False, False, False),
        (("Completed", 100, False), ("Failed", 100, False), True, True, False, False),
        (("completed", 100, False), ("Completed", 100, False), True, False, False, False),
        (("", None, True), RUNNING_40, True, False, True, False),  # not found → found
        (RUNNING_40, ("Running", 40, True), False, False, False, True),  # found → not found
        (("Running", 40, True), RUNNING_40, False, False, True, False),  # found again, as was
        (RUNNING_40, ("Pending", 40, False), True, False, False, False),
    ],
)
def test_every_transition(
    before: tuple[str, int | None, bool],
    after: tuple[str, int | None, bool],
    moved: bool,
    finished: bool,
    found_again: bool,
    lost: bool,
) -> None:
    change = change_between(before, after)
    assert (change.moved, change.finished, change.found_again, change.lost) == (
        moved, finished, found_again, lost,
    )  # fmt: skip
    assert change.previous_status == before[0]
    assert change.changed == (moved or found_again or lost)


def test_an_answer_is_judged_with_the_progress_the_record_keeps() -> None:
    before = TaskRecord("t", "p", "", 0.0, 1, status="Running", progress=96)
    failed = Job.model_validate({"id": "t", "status": "Failed"})  # a failed job sends none
    assert kept_progress(96, failed) == 96
    change = answered(before, failed)
    assert change.moved and change.finished and change.outcome("Failed") is not None
    after = before.fetched(failed, 1.0)
    assert after.progress == 96 and after.changed_at == 1.0  # the record agrees with the rule
    assert compared(before, after) == change
    same = Job.model_validate({"id": "t", "status": "Running", "process": "96%"})
    assert not answered(before, same).changed
    assert before.fetched(same, 2.0).changed_at == before.changed_at


def test_steps_that_moved_are_news_without_a_move() -> None:
    change = Change(False, "Running", steps=True)
    assert change.changed and not change.moved and change.outcome("Running") is None
