"""An answer by ID that is its previous one again: checked, not parsed, compared or written
once per answer (against the simulator, on a fake clock)."""

from __future__ import annotations

import pytest

from tests.engine_rig import Rig
from tui.engine.events import TaskRefreshed
from tui.simulator.scenarios import make_job


async def test_the_same_answer_again_is_written_once_a_second_and_a_change_at_once(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.simulator.denied.add("list")  # every answer by ID
    jobs = [make_job(rig.simulator, "bind_eip", running_for=3600) for _ in range(3)]
    for job in jobs:
        job.stuck_at = 40
    rig.store.add_tasks([j.id for j in jobs], profile="default")
    writes = {"success": 0, "checked": 0}
    for name, method in (
        ("success", rig.store.record_success),
        ("checked", rig.store.record_checked),
    ):

        def counted(*args: object, _name: str = name, _method: object = method, **kw: object):  # type: ignore[no-untyped-def]
            writes[_name] += 1
            return _method(*args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(rig.store, f"record_{name}", counted)
    session, events = rig.session(interval=1.0)
    await rig.run_for(session, 10, step=0.25)

    asked = sum(rig.simulator.counters.by_job[j.id] for j in jobs)
    assert asked >= 3 * 8  # about one answer a second each
    assert writes["success"] == 3  # each first answer
    assert writes["checked"] <= 11  # the others: one write a second for all three
    for job in jobs:
        record = session.records[job.id]
        assert record.progress == 40
        assert record.checked_at is not None and rig.clock.now() - record.checked_at <= 1.5
        saved = rig.store.get_task(job.id)
        assert saved is not None and saved.checked_at is not None
        assert record.checked_at - saved.checked_at <= 1.5  # the file is at most a second behind
    told = [e for e in events if isinstance(e, TaskRefreshed)]
    assert len(told) >= asked  # each answer is told (its row's "checked" cell moves)...
    assert sum(e.change.moved for e in told) == 3  # ...and only the first ones moved anything

    jobs[0].stuck_at = 60  # the answer moves: taken at once, as any answer
    before = len(events)
    await rig.run_for(session, 2, step=0.25)
    moved = [e for e in events[before:] if isinstance(e, TaskRefreshed)]
    assert [e.record.task_id for e in moved if e.change.moved] == [jobs[0].id]
    assert session.records[jobs[0].id].progress == 60
    assert rig.store.get_task(jobs[0].id).progress == 60  # type: ignore[union-attr]

    session.stop()  # the checks not written yet are written, as of the earliest of them
    for job in jobs:
        saved, record = rig.store.get_task(job.id), session.records[job.id]
        assert saved is not None and saved.checked_at is not None and record.checked_at
        assert 0 <= record.checked_at - saved.checked_at <= 1.0
