"""The store: watchlist, history per change, concurrency across processes, crash safety."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from tui.cloud.models import Job, parse_job_dict
from tui.engine.storage import SCHEMA_VERSION, Store
from tui.engine.storage.transfer import export_watchlist, import_watchlist
from tui.errors import InvalidInputError

A = "a9767ede-fe0f-4888-9003-e843a4c90514"
B = "dff1d289-4d03-4942-8b9f-463ea07c000d"


def _job(status: str, process: str = "") -> Job:
    return parse_job_dict({"id": A, "name": "Reboot", "status": status, "process": process})


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "w.sqlite3")


def test_add_list_remove_restore(store: Store) -> None:
    result = store.add_tasks([A, B.upper(), A], profile="p1", label="CHG-1 step 3", now=100)
    assert result.added == [A, B] and result.already == []
    assert store.add_tasks([A], profile="p1").already == [A]
    records = store.list_tasks()
    assert [r.task_id for r in records] == [A, B]
    assert records[0].label == "CHG-1 step 3" and records[0].profile == "p1"
    assert store.remove_tasks([A]) == [A]
    assert [r.task_id for r in store.list_tasks()] == [B]
    assert store.restore_tasks([A]) == [A]
    assert [r.task_id for r in store.list_tasks()] == [A, B]


def test_bad_ids_and_labels_are_refused_before_writing(store: Store) -> None:
    with pytest.raises(InvalidInputError):
        store.add_tasks([A, "not-an-id"], profile="p")
    with pytest.raises(InvalidInputError):
        store.add_tasks([A], profile="p", label="x" * 81)
    assert store.list_tasks() == []


def test_history_is_a_row_per_change_not_per_poll(store: Store) -> None:
    store.add_tasks([A], profile="p")
    sequence = [("Running", "10%"), ("Running", "10%"), ("Running", "40%"), ("Running", "40%"),
                ("Completed", ""), ("Completed", "")]  # fmt: skip
    recorded = [store.record_success(A, _job(s, p), now=i) for i, (s, p) in enumerate(sequence)]
    changes = [r.changed if r else None for r in recorded]
    assert changes == [True, False, True, False, True, False]
    history = store.history(A)
    assert [(o.status, o.progress) for o in history] == [
        ("Running", 10),
        ("Running", 40),
        ("Completed", None),
    ]
    assert [o.observed_at for o in history] == [0, 2, 4]
    record = store.get_task(A)
    assert (
        record is not None and record.is_final and record.checked_at == 5 and record.changed_at == 4
    )


def test_error_keeps_the_last_good_snapshot(store: Store) -> None:
    store.add_tasks([A], profile="p")
    store.record_success(A, _job("Running", "50%"), now=1)
    store.record_error(A, kind="network", text="timed out", now=2)
    record = store.get_task(A)
    assert record is not None
    assert record.is_stale and record.error_text == "timed out"
    assert record.status == "Running" and record.progress == 50
    assert record.job is not None and record.job.status == "Running"
    store.record_success(A, _job("Running", "50%"), now=3)
    assert not store.get_task(A).is_stale  # type: ignore[union-attr]


def test_snapshot_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    first = Store.open(path)
    first.add_tasks([A], profile="p")
    first.record_success(A, _job("Completed"), now=1)
    first.close()
    again = Store.open(path)
    record = again.get_task(A)
    assert record is not None and record.job is not None and record.job.status == "Completed"
    again.close()
    with contextlib.closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_data_version_sees_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    watcher, writer = Store.open(path), Store.open(path)
    before = watcher.data_version()
    assert watcher.data_version() == before
    writer.add_tasks([A], profile="p")
    assert watcher.data_version() != before


def test_corrupt_file_is_moved_aside_not_deleted(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    store = Store.open(path, clock=lambda: 0)
    assert store.recovered_to is not None
    assert store.recovered_to.read_bytes() == garbage
    assert store.recovered_to.name.startswith("w.sqlite3.corrupt-")
    assert store.list_tasks() == []
    store.add_tasks([A], profile="p")


def test_damaged_pages_are_detected(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    store = Store.open(path)
    store.add_tasks([str(uuid.uuid4()) for _ in range(300)], profile="p")
    store.close()  # the last connection to close checkpoints the WAL into the file
    data = bytearray(path.read_bytes())
    data[4096 : 4096 + 300] = b"\xff" * 300  # scribble over the second page's b-tree header
    path.write_bytes(bytes(data))
    reopened = Store.open(path)
    assert reopened.recovered_to is not None and reopened.recovered_to.exists()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    Store.open(path).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.commit()
    raw.close()
    from tui.errors import StoreError

    with pytest.raises(StoreError, match="newer taskwatch"):
        Store.open(path)


def test_export_import_round_trip(tmp_path: Path, store: Store) -> None:
    store.add_tasks([A, B], profile="p1", label="lbl")
    store.record_success(A, _job("Failed"), now=1)
    exported = json.loads(json.dumps(export_watchlist(store)))
    assert exported["format"] == "taskwatch-watchlist/1"
    assert exported["tasks"][0]["job"]["status"] == "Failed"
    other = Store.open(tmp_path / "other.sqlite3")
    result = import_watchlist(other, exported, default_profile="x")
    assert result.added == [A, B]
    assert [(r.task_id, r.profile, r.label) for r in other.list_tasks()] == [
        (A, "p1", "lbl"),
        (B, "p1", "lbl"),
    ]
    assert import_watchlist(other, {"anything": [f"see {A}"]}, default_profile="x").already == [A]
    with pytest.raises(InvalidInputError):
        import_watchlist(other, {"nothing": 1}, default_profile="x")


WRITER = textwrap.dedent(
    """
    import sys, uuid
    from tui.engine.storage import Store
    store = Store.open(sys.argv[1])
    prefix = sys.argv[2]
    for i in range(int(sys.argv[3])):
        task_id = str(uuid.UUID(int=(int(prefix) << 64) + i))
        store.add_tasks([task_id], profile="p")
        print(task_id, flush=True)
    """
)


@pytest.mark.slow
def test_two_processes_adding_500_each_end_with_1000(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    Store.open(path).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(n), "500"], stdout=subprocess.DEVNULL
        )
        for n in (1, 2)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert len(Store.open(path).list_tasks()) == 1000


@pytest.mark.slow
def test_sigkill_mid_write_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    Store.open(path).close()
    confirmed: set[str] = set()
    for round_number in range(50):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(round_number + 10), "100000"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        # Wait for a handful of confirmed commits (an event, not a sleep), then kill mid-stream.
        wanted = 5 + round_number % 7
        for _ in range(wanted):
            confirmed.add(proc.stdout.readline().strip())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        confirmed.update(line.strip() for line in proc.stdout if line.strip())
    store = Store.open(path)
    assert store.recovered_to is None
    with contextlib.closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    present = {r.task_id for r in store.list_tasks()}
    assert confirmed <= present


def test_history_records_when_refreshing_breaks_not_every_failure(store: Store) -> None:
    store.add_tasks([A], profile="p")
    store.record_success(A, _job("Running", "10%"), now=1)
    for at in (2, 3, 4):
        store.record_error(A, kind="network", text="timed out", now=at)
    store.record_error(A, kind="server", text="HTTP 503", now=5)
    store.record_success(A, _job("Running", "20%"), now=6)
    rows = [(o.observed_at, o.status, o.progress, o.error_text) for o in store.history(A)]
    assert rows == [
        (1, "Running", 10, None),
        (2, "Running", 10, "network: timed out"),
        (5, "Running", 10, "server: HTTP 503"),
        (6, "Running", 20, None),
    ]


def test_a_version_2_watchlist_gains_steps_and_deadlines_and_keeps_its_tasks(
    tmp_path: Path,
) -> None:
    from tui.engine.storage.schema import MIGRATIONS

    path = tmp_path / "w.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as raw:
        for script in MIGRATIONS[:2]:
            raw.executescript(script)
        raw.execute(
            "INSERT INTO tasks (task_id, profile, label, added_at, position, status, job_json) "
            "VALUES (?, 'p', 'kept', 1.0, 1, 'Running', ?)",
            (A, _job("Running", "10%").model_dump_json()),
        )
        raw.execute(
            "INSERT INTO observations (task_id, observed_at, status, progress) "
            "VALUES (?, 2.0, 'Running', 10)",
            (A,),
        )
        raw.execute("PRAGMA user_version = 2")
        raw.commit()
    store = Store.open(path)
    assert store.recovered_to is None
    record = store.get_task(A)
    assert record is not None and record.label == "kept" and record.status == "Running"
    assert record.deadline is None and record.steps is None and not record.overdue_warned
    assert store.progress_samples([A]) == {A: [(2.0, 10)]}
    store.set_deadline([A], 500.0)
    assert store.record_steps(A, '{"sub_task_list": []}', now=3.0)
    assert not store.record_steps(A, '{"sub_task_list": []}', now=4.0)  # unchanged: no row
    assert store.step_history(A) == [(3.0, '{"sub_task_list": []}')]
    assert store.get_task(A).deadline == 500.0  # type: ignore[union-attr]


def test_followed_tasks_lose_the_rule_label_of_older_versions_and_keep_the_user_s(
    tmp_path: Path,
) -> None:
    from tui.engine.storage.schema import MIGRATIONS

    c = "0f4e0a53-5d7e-4c1b-9a61-1b1f7f2b2c3d"
    path = tmp_path / "w.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as raw:
        for script in MIGRATIONS[:5]:
            raw.executescript(script)
        rows = [(A, "⟳ rule 1", "rule:1"), (B, "db-42 resize", "rule:2"), (c, "⟳ rule 9", "")]
        for position, (task_id, label, origin) in enumerate(rows):
            raw.execute(
                "INSERT INTO tasks (task_id, profile, label, added_at, position, origin) "
                "VALUES (?, 'p', ?, 1.0, ?, ?)",
                (task_id, label, position, origin),
            )
        raw.execute("PRAGMA user_version = 5")
        raw.commit()
    store = Store.open(path)
    records = [store.get_task(task_id) for task_id in (A, B, c)]
    labels = [record.label if record else None for record in records]
    assert labels == ["", "db-42 resize", "⟳ rule 9"]  # only what a rule wrote is cleared
