"""The watchlist over either backend: SQLite and memory behave the same through one protocol."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tui.cloud.models import Job, parse_job_dict
from tui.engine.session.watchlist import Watchlist
from tui.engine.storage import Store
from tui.errors import InvalidInputError, JobNotFoundError

A = "0a6c1a3e-5e8f-4b6a-9d3c-1f2e3d4c5b6a"
B = "1b7d2b4f-6f90-4c7b-8e4d-2a3f4e5d6c7b"


def _job(task_id: str, status: str, process: str = "") -> Job:
    return parse_job_dict({"id": task_id, "name": "Reboot", "status": status, "process": process})


Make = Callable[[Path], Watchlist]
BACKENDS: dict[str, Make] = {
    "sqlite": lambda tmp: Watchlist(Store.open(tmp / "w.sqlite3"), lambda: 100.0),
    "memory": lambda tmp: Watchlist(None, lambda: 100.0),
}


@pytest.fixture(params=sorted(BACKENDS))
def watchlist(request: pytest.FixtureRequest, tmp_path: Path) -> Watchlist:
    make: Make = BACKENDS[request.param]
    return make(tmp_path)


def _shown(watchlist: Watchlist) -> list[tuple[object, ...]]:
    return [
        (r.task_id, r.label, r.status, r.progress, r.error_kind, r.deadline, r.overdue_warned)
        for r in watchlist.records.values()
    ]


def test_the_same_story_reads_the_same_in_either_backend(watchlist: Watchlist) -> None:
    assert watchlist.add([A.upper(), B, A], profile="default", label="CHG-1").added == [A, B]
    assert watchlist.add([A], profile="default").already == [A]
    with pytest.raises(InvalidInputError):
        watchlist.add(["not-an-id"], profile="default")
    first = watchlist.results.fetched(A, _job(A, "Running", "10%"), 101.0)
    again = watchlist.results.fetched(A, _job(A, "Running", "10%"), 102.0)
    moved = watchlist.results.fetched(A, _job(A, "Running", "40%"), 103.0)
    assert first is not None and again is not None and moved is not None
    assert [first[1].changed, again[1].changed, moved[1].changed] == [True, False, True]
    assert moved[0].changed_at == 103.0 and again[0].changed_at == 101.0
    watchlist.results.failed(B, JobNotFoundError("unknown"), 104.0, not_found=False)
    watchlist.set_label(B, "CHG-2")
    watchlist.set_deadline([A], 500.0)
    watchlist.results.mark_warned(A, overdue=True)
    assert _shown(watchlist) == [
        (A, "CHG-1", "Running", 40, None, 500.0, True),
        (B, "CHG-2", "", None, "not_found", None, False),
    ]
    assert watchlist.remove(A) is not None and list(watchlist.records) == [B]
    assert watchlist.undo() == [A]
    # Brought back with its last known state, in its place.
    assert _shown(watchlist)[0] == (A, "CHG-1", "Running", 40, None, 500.0, True)
    assert watchlist.counts() == [("Running", 1), ("waiting", 1)]


def test_an_unchanged_answer_is_not_serialised_again(watchlist: Watchlist) -> None:
    watchlist.add([A], profile="default")
    first = watchlist.results.fetched(A, _job(A, "Running", "10%"), 101.0)
    second = watchlist.results.fetched(A, _job(A, "Running", "10%"), 102.0)
    assert first is not None and second is not None
    assert second[0].job_json is first[0].job_json  # the same text, not a new copy of it
    third = watchlist.results.fetched(A, _job(A, "Running", "20%"), 103.0)
    assert third is not None and third[0].job_json != first[0].job_json


def test_only_the_sqlite_backend_keeps_history_and_sees_other_writers(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "w.sqlite3")
    on_disk = Watchlist(store, lambda: 100.0)
    in_memory = Watchlist(None, lambda: 100.0)
    for watchlist in (on_disk, in_memory):
        watchlist.add([A], profile="default")
        watchlist.results.fetched(A, _job(A, "Completed", "100%"), 101.0)
    assert [o.status for o in on_disk.history(A)] == ["Completed"]
    assert in_memory.history(A) == []
    Store.open(tmp_path / "w.sqlite3").add_tasks([B], profile="default")
    assert on_disk.outside_changes() and list(on_disk.records) == [A, B]
    assert not in_memory.outside_changes()
