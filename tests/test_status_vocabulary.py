"""One status vocabulary: every documented status has a rank, an icon, a word and a tone, and
every place that shows or acts on a status reads them from there."""

from __future__ import annotations

import pytest

from tui.cloud.status import (
    FINAL_STATUSES,
    NOT_FOUND,
    WAITING,
    JobStatus,
    Tone,
    count_rank,
    is_final,
    meaning_of,
    rank_of,
)
from tui.engine.records import TaskRecord
from tui.engine.setup.config import NotificationSettings
from tui.present.notices import notice_for
from tui.present.text import status_icon, status_text


@pytest.mark.parametrize("status", list(JobStatus))
def test_every_status_has_a_rank_an_icon_a_word_and_a_tone(status: JobStatus) -> None:
    meaning = status.meaning
    assert len(meaning.icon) == 1 and meaning.icon != "?"
    assert status.word == status.value and status.word[0].isupper()
    assert isinstance(meaning.rank, int) and isinstance(meaning.tone, Tone)
    assert status_icon(status.value) == meaning.icon
    assert status_text(status.value) == f"{meaning.icon} {status.word}"
    assert rank_of(status.value) == meaning.rank
    assert not (meaning.final and (meaning.running or meaning.waiting))


def test_final_statuses_are_the_three_endings_whatever_the_spelling() -> None:
    assert {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED} == FINAL_STATUSES
    assert all(is_final(word) for word in ("completed", "FAILED", "Cancelled", " Canceled "))
    assert not any(is_final(word) for word in ("Running", "", "Rollbacking", "Scheduled"))
    assert JobStatus.parse("running") is JobStatus.RUNNING and meaning_of("Rollbacking") is None


def test_what_needs_attention_sorts_first_and_the_summary_counts_in_the_same_order() -> None:
    order = ["Completed", "Running", WAITING, "Failed", NOT_FOUND, "Canceled", "Pending"]
    assert sorted(order, key=count_rank) == [
        "Failed", NOT_FOUND, "Running", "Pending", WAITING, "Canceled", "Completed",
    ]  # fmt: skip
    assert rank_of("Failed") < rank_of("", not_found=True) < rank_of("Running")
    assert rank_of("Running") < rank_of("Pending") < rank_of("") < rank_of("Canceled")
    assert rank_of("Canceled") < rank_of("Completed")
    assert rank_of("Rollbacking") == rank_of("Running")  # unusual: among the running
    assert rank_of("Rollbacking", stale=True) < rank_of("Running")
    assert sorted(["Weird", "Completed"], key=count_rank) == ["Completed", "Weird"]


def test_canceled_is_a_warning_everywhere_not_a_failure_nor_a_success() -> None:
    assert JobStatus.CANCELED.meaning.tone is Tone.WARNING
    switches = NotificationSettings()
    records = {
        status: TaskRecord("t", "p", "", 0.0, 1, status=status)
        for status in ("Completed", "Failed", "Canceled")
    }
    severities = {status: notice_for(r, switches).severity for status, r in records.items()}
    assert severities == {"Completed": "information", "Failed": "error", "Canceled": "warning"}
