"""When the disk, a lock or the file itself is in trouble: a healthy watchlist is never moved
aside, reads need no write, a damaged schema counts as damage, first use races are waited out,
and polling goes on when a result cannot be saved."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tui.cli import main
from tui.engine.setup.paths import database_file
from tui.engine.storage import Store
from tui.errors import StoreError


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection from now on may not grow the file: SQLite answers SQLITE_FULL."""
    connect = Store._connect

    def limited(target: str) -> sqlite3.Connection:
        connection = connect(target)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        return connection

    monkeypatch.setattr(Store, "_connect", staticmethod(limited))


def test_a_full_disk_lists_and_refuses_writes_without_moving_anything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(50)]
    assert main(["add", *ids]) == 0
    _full_disk(monkeypatch)
    capsys.readouterr()
    assert main(["list", "--json"]) == 0  # reading needs no write
    assert len(capsys.readouterr().out.split('"task_id"')) == 51
    many = [str(uuid.uuid4()) for _ in range(3000)]
    assert main(["add", *many]) == 2  # a write that needs room
    err = capsys.readouterr().err
    assert "the disk is full" in err and "Traceback" not in err
    path = database_file()
    assert not list(path.parent.glob("*.corrupt-*"))  # the healthy file stayed where it was
    monkeypatch.undo()
    store = Store.open(path)
    assert len(store.list_tasks()) == 50 and store.recovered_to is None


def test_a_lost_table_is_damage_the_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    store = Store.open(path)
    store.add_tasks([str(uuid.uuid4())], profile="p")
    store.close()
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TABLE observations")
    again = Store.open(path)
    assert again.recovered_to is not None and again.recovered_to.exists()
    assert again.list_tasks() == []


def test_the_cli_reports_a_damaged_schema_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["add", str(uuid.uuid4())]) == 0
    with sqlite3.connect(database_file()) as raw:
        raw.execute("ALTER TABLE tasks RENAME COLUMN label TO something_else")
    assert main(["list"]) == 0
    err = capsys.readouterr().err
    assert "moved to" in err and "Traceback" not in err


@pytest.mark.slow
def test_first_use_races_never_fail(tmp_path: Path) -> None:
    """Four `add` processes started together on a fresh data directory, ten times."""
    failures = []
    for round_number in range(10):
        env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / f"round-{round_number}")}
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tui", "add", str(uuid.uuid4())],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for _ in range(4)
        ]  # fmt: skip
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            if proc.returncode != 0:
                failures.append(err)
        data = Path(env["XDG_DATA_HOME"]) / "taskwatch"
        store = Store.open(next(data.glob("*.sqlite3")))
        assert len(store.list_tasks()) == 4 - len(failures)
        store.close()
    assert failures == []


def test_polling_goes_on_when_a_result_cannot_be_saved(tmp_path: Path) -> None:
    from tui.cloud.models import parse_job_dict
    from tui.engine.session.watchlist import Watchlist

    store = Store.open(tmp_path / "w.sqlite3")
    task_id = str(uuid.uuid4())
    store.add_tasks([task_id], profile="p")
    watchlist = Watchlist(store, lambda: 100.0, lambda: 0.0)
    watchlist.reload()

    def refuse(*args: object, **kwargs: object) -> None:
        raise StoreError("cannot write w.sqlite3: the disk is full (nothing was changed)")

    store.record_success = refuse  # type: ignore[method-assign]
    job = parse_job_dict({"id": task_id, "name": "Reboot", "status": "Running", "process": "40%"})
    result = watchlist.results.fetched(task_id, job, now=100.0)
    assert result is not None
    record, recorded = result
    assert record.status == "Running" and recorded.changed
    assert watchlist.records[task_id].progress == 40


def test_simultaneous_first_opens_all_succeed(tmp_path: Path) -> None:
    """Eight connections open a file that does not exist yet at the same instant, thirty
    times: creating the schema and switching to WAL must wait for each other, not fail."""
    import threading

    errors: list[BaseException] = []
    for round_number in range(30):
        path = tmp_path / f"fresh-{round_number}.sqlite3"
        barrier = threading.Barrier(8)

        def first_use(path: Path = path, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                store = Store.open(path)
                store.add_tasks([str(uuid.uuid4())], profile="p")
                store.close()
            except BaseException as exc:  # collected for the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=first_use) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


async def test_a_held_lock_neither_freezes_nor_orphans(tmp_path: Path) -> None:
    """Another process holds the write lock: poll results are applied in memory at once (each
    write waits 50 ms at most, then writes pause for a second), polling goes on, and once the
    lock is released the next results reach the file."""
    import dataclasses
    import random

    from tests.conftest import SIM_ENDPOINT, sim_auth
    from tests.ui_fixtures import demo_profile
    from tui.cloud.client import TaskCenterClient, new_http_client
    from tui.cloud.endpoints import Service
    from tui.engine.polling.poller import PollerConfig
    from tui.engine.session import Clock, WatchSession
    from tui.engine.setup.runtime import Runtime
    from tui.simulator import FakeClock, Simulator
    from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
    from tui.simulator.scenarios import make_job
    from tui.simulator.transport import SimulatorTransport

    clock = FakeClock()
    simulator = Simulator(clock=clock.now, seed=3)
    jobs = [make_job(simulator, "reboot", running_for=100) for _ in range(20)]
    path = tmp_path / "w.sqlite3"
    store = Store.open(path)
    store.add_tasks([j.id for j in jobs], profile="default")
    async with new_http_client(transport=SimulatorTransport(simulator)) as http:
        client = TaskCenterClient(
            http, endpoint=SIM_ENDPOINT, service=Service.TAURUSDB, project_id=DEMO_PROJECT_ID,
            auth=sim_auth(clock), secrets=(DEMO_AK, DEMO_SK),
        )  # fmt: skip
        profile = dataclasses.replace(demo_profile(), rate_limit=1000.0)
        runtime = Runtime(http, profiles={"default": profile}, clients={"default": client})
        session = WatchSession(
            store, runtime, clock=Clock(wall=clock.now, monotonic=clock.now),
            poller_config=PollerConfig(interval=5, jitter=0), rng=random.Random(1),
        )  # fmt: skip
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process takes the write lock and keeps it
        try:
            for _ in range(6):
                assert await session.tick() >= 1  # every due task is still polled
                clock.advance(10)
            assert all(session.records[j.id].status == "Running" for j in jobs)
            assert all(store.get_task(j.id).status == "" for j in jobs)  # type: ignore[union-attr]
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        clock.advance(200)  # every task has ended by now
        for _ in range(3):
            await session.tick()
            clock.advance(10)
        session.check_outside_changes()  # what the TUI's one-second timer does
        assert {store.get_task(j.id).status for j in jobs} == {"Completed"}  # type: ignore[union-attr]
        assert [o.status for o in store.history(jobs[0].id)][-1] == "Completed"


def test_patience_blocks_nest(tmp_path: Path) -> None:
    """An inner background write must not hand the outer block back the 10 s default."""
    store = Store.open(tmp_path / "w.sqlite3")

    def timeout() -> int:
        return int(store._db.execute("PRAGMA busy_timeout").fetchone()[0])

    with store.patience(0.05):
        with store.patience(0.05):
            assert timeout() == 50
        assert timeout() == 50
    assert timeout() == 10_000


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1e300, -1.0, 8640001796234800.0])
def test_a_deadline_no_clock_can_show_is_refused_and_never_reaches_a_renderer(
    tmp_path: Path, value: float
) -> None:
    from tui.errors import InvalidInputError
    from tui.present.text import format_clock

    store = Store.open(tmp_path / "w.sqlite3")
    task = "0a6c1a3e-5e8f-4b6a-9d3c-1f2e3d4c5b6a"
    store.add_tasks([task], profile="default")
    with pytest.raises(InvalidInputError):
        store.set_deadline([task], value)
    # Written past every check (an older taskwatch, a hand-edited file): read as no deadline.
    store._db.execute("UPDATE tasks SET deadline = ?", (value,))
    record = store.get_task(task)
    assert record is not None and record.deadline is None
    assert format_clock(1e300) == "invalid"


def test_import_leaves_out_deadlines_no_clock_can_show(tmp_path: Path) -> None:
    from tui.engine.storage.transfer import import_watchlist

    store = Store.open(tmp_path / "w.sqlite3")
    bad = [float("inf"), 1e300, -1, 8640001796234800, "soon"]
    ids = [str(uuid.UUID(int=i + 1)) for i in range(len(bad))]
    data = {"tasks": [{"task_id": i, "deadline": d} for i, d in zip(ids, bad, strict=True)]}
    result = import_watchlist(store, data, default_profile="default")
    assert sorted(result.added) == sorted(ids)  # the tasks are kept
    assert all(r.deadline is None for r in store.list_tasks())
    assert sum("deadline left out" in note for note in result.notes) == len(bad)
