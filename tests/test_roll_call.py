"""Roll calls: many running tasks of a profile refreshed by listing the project's running tasks
(one request a page of 50) instead of one request each — against the simulator, on a fake clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.engine_rig import Rig
from tests.ui_fixtures import runtime_for
from tui.engine.events import RefreshFailed, SessionEvent, TaskRefreshed, TasksChecked
from tui.engine.polling.poller import PollerConfig
from tui.engine.session import WatchSession
from tui.engine.setup.config import Settings
from tui.engine.storage import Store
from tui.simulator import Simulator
from tui.simulator.core import ScriptedJob
from tui.simulator.scenarios import make_job


def _polls(simulator: Simulator) -> int:
    """Job-by-ID requests (the simulator's total also counts lists and steps)."""
    return sum(simulator.counters.by_job.values())


def _lists(simulator: Simulator) -> int:
    return simulator.counters.lists["immediate-jobs"]


def _running(simulator: Simulator, count: int, store: Store | None = None) -> list[ScriptedJob]:
    """``count`` reboots running for hours (no progress to speak of), watched in ``store``."""
    jobs = [make_job(simulator, "reboot", running_for=100_000) for _ in range(count)]
    if store is not None:
        store.add_tasks([j.id for j in jobs], profile="default")
    return jobs


async def test_a_roll_call_refreshes_120_running_tasks_with_one_request_a_page(rig: Rig) -> None:
    jobs = rig.watch("bind_eip", 120, running_for=10_000)
    session, events = rig.session(interval=5.0)
    await rig.run_for(session, 2)  # the first answer of each comes by ID
    assert _polls(rig.simulator) == 120 and _lists(rig.simulator) == 0

    await rig.run_for(session, 60)
    # A round of 120 tasks every second (three pages of 50 each) on ticks a second apart: about
    # thirty to sixty, and no task asked by ID again (its refresh by ID comes every 300 s at the
    # earliest).
    assert _polls(rig.simulator) == 120
    rounds = _lists(rig.simulator) / 3
    assert 60 / 2.25 <= rounds <= 1 + 60 / 0.85, _lists(rig.simulator)
    for job in jobs:
        record = rig.store.get_task(job.id)
        assert record is not None and record.checked_at is not None
        assert rig.clock.now() - record.checked_at <= 2.25  # fresh: checked in the last round
        snapshot = job.snapshot(record.checked_at)
        assert record.progress == int(snapshot["process"].rstrip("% "))  # the list's progress
        assert record.job is not None and record.job.entities == job.entities  # kept from by-ID
    checked = [e for e in events if isinstance(e, TasksChecked)]
    assert checked and all(len(e.records) <= 120 for e in checked)
    assert not [e for e in events if isinstance(e, RefreshFailed)]


async def test_a_task_the_roll_call_misses_is_asked_by_id_and_ends_with_its_whole_record(
    rig: Rig,
) -> None:
    rig.watch("reboot", 6, running_for=10_000)
    [ending] = rig.watch("bind_eip", running_for=20, outcome="Failed")
    session, all_events = rig.session(interval=5.0)
    await rig.run_for(session, 60)
    assert _lists(rig.simulator) >= 3  # it was among the roll calls while it ran
    refreshes = [e for e in all_events if isinstance(e, TaskRefreshed)]

    record = rig.store.get_task(ending.id)
    assert record is not None and record.status == "Failed"
    final = ending.snapshot(rig.clock.now())
    assert record.job is not None and record.job.ended == final["ended"]
    assert record.job.entities == final["entities"] and record.job.fail_reason == ending.fail_reason
    assert rig.simulator.counters.by_job[ending.id] == 2  # its first answer, and its final one
    assert sum(rig.simulator.counters.after_final.values()) == 0
    changes = [e.record.status for e in refreshes if e.record.task_id == ending.id and e.changed]
    assert changes[-1:] == ["Failed"]


async def test_a_refused_list_means_one_request_per_task_and_one_list_per_pause(rig: Rig) -> None:
    rig.simulator.denied.add("list")  # the IAM action for lists is missing
    _running(rig.simulator, 10, rig.store)
    session, events = rig.session(interval=5.0, roll_call_pause=600.0)
    await rig.run_for(session, 120)
    assert _lists(rig.simulator) == 1  # tried once, not again within the pause
    assert _polls(rig.simulator) >= 10 * 120 / 5.75  # every task polled on its own, on time
    assert not [e for e in events if isinstance(e, RefreshFailed)]  # a missing list is no error
    assert all(r.error_kind is None for r in session.records.values())


async def test_a_throttled_list_backs_off_the_group_instead_of_polling_each(rig: Rig) -> None:
    _running(rig.simulator, 40, rig.store)
    session, events = rig.session(interval=5.0)
    await rig.run_for(session, 10)
    polls, lists = _polls(rig.simulator), _lists(rig.simulator)
    rig.simulator.faults.rate_limit = 0.05  # the gateway throttles nearly everything
    await rig.run_for(session, 60)
    assert 429 in rig.simulator.counters.by_status
    # No storm of 40 single polls: the group waits together, asking with one list at a time.
    assert _polls(rig.simulator) - polls == 0
    assert _lists(rig.simulator) - lists <= 6
    assert any(isinstance(e, RefreshFailed) for e in events)  # the rows say they are stale
    rig.simulator.faults.rate_limit = None
    await rig.run_for(session, 400)
    assert all(r.error_kind is None for r in session.records.values())  # all fresh again


async def test_refreshing_one_task_asks_for_it_by_id_and_entities_come_by_id_regularly(
    rig: Rig,
) -> None:
    jobs = _running(rig.simulator, 8, rig.store)
    session, _ = rig.session(interval=5.0, by_id_every=60.0)
    await rig.run_for(session, 10)
    await session.tick()  # whatever is due at this instant goes first
    before = rig.simulator.counters.by_job[jobs[0].id]
    lists = _lists(rig.simulator)
    session.refresh(jobs[0].id)
    await session.tick()
    assert rig.simulator.counters.by_job[jobs[0].id] == before + 1
    assert _lists(rig.simulator) == lists
    # Each task is asked by ID about every minute (its entities), not only at its start.
    await rig.run_for(session, 300)
    assert all(4 <= rig.simulator.counters.by_job[j.id] <= 9 for j in jobs), (
        rig.simulator.counters.by_job
    )


async def test_a_few_tasks_are_polled_one_by_one(rig: Rig) -> None:
    _running(rig.simulator, 3, rig.store)
    session, _ = rig.session(roll_call_min=4)
    await rig.run_for(session, 30)
    assert _lists(rig.simulator) == 0
    assert _polls(rig.simulator) >= 3 * 30 / 5.75


async def test_checked_tasks_are_saved_in_one_go_and_survive_a_restart(
    rig: Rig, tmp_path: Path
) -> None:
    path = tmp_path / "checked.sqlite3"
    store = Store.open(path)
    _running(rig.simulator, 5, store)
    session, _ = rig.session(store=store, interval=5.0)
    await rig.run_for(session, 30)
    assert _lists(rig.simulator) >= 4
    expected = {task_id: r.checked_at for task_id, r in session.records.items()}
    store.close()
    reopened = Store.open(path)
    assert {r.task_id: r.checked_at for r in reopened.list_tasks()} == expected


async def test_steps_of_tasks_refreshed_by_roll_calls_come_with_the_spare_tokens(rig: Rig) -> None:
    jobs = _running(rig.simulator, 50, rig.store)
    session, _ = rig.session(rate=5.0, interval=5.0)
    await rig.run_for(session, 150, step=0.5)
    assert rig.simulator.counters.total <= 5 * 150 + 5  # within the rate, steps included
    assert 429 not in rig.simulator.counters.by_status
    steps = rig.simulator.counters.steps_by_job
    # The first sweep by ID takes 10 s at 5/s; from then on each task's steps every ~30 s.
    assert all(steps[j.id] >= 4 for j in jobs), steps
    assert all(steps[j.id] <= 6 for j in jobs), steps
    assert all(session.records[j.id].steps is not None for j in jobs)


async def test_queued_steps_stay_within_the_request_slots(rig: Rig) -> None:
    rig.simulator.faults.latency = 0.0005  # real overlap between requests
    _running(rig.simulator, 60, rig.store)
    session, _ = rig.session(concurrency=8, steps_interval=5.0)
    await rig.run_for(session, 30)
    assert sum(rig.simulator.counters.steps_by_job.values()) >= 60  # plenty of steps were asked
    assert rig.simulator.counters.max_in_flight <= 8


async def test_a_project_running_far_more_than_is_watched_is_not_paged_through_each_round(
    rig: Rig,
) -> None:
    others = _running(rig.simulator, 400)
    watched = _running(rig.simulator, 5, rig.store)
    session, _ = rig.session(interval=5.0)
    await rig.run_for(session, 120)
    # One roll call found it takes 9 pages for 5 tasks; then one request per task for a while.
    assert _lists(rig.simulator) == 9
    assert all(rig.simulator.counters.by_job[j.id] >= 120 / 6.75 for j in watched)  # on time
    assert not any(rig.simulator.counters.by_job[j.id] for j in others)
    assert all(r.error_kind is None for r in session.records.values())


async def test_the_real_time_loop_keeps_polling_while_steps_take_their_slots(
    tmp_path: Path,
) -> None:
    """A finished request wakes the loop once its slot is free, and steps never hold every slot
    (the loop once waited for a wake-up that never came: no poll for as long as the app ran)."""
    simulator = Simulator(seed=9)  # real time: the loop under test sleeps until it is woken
    simulator.faults.latency = 0.3  # a steps answer takes longer than the interval
    jobs = [make_job(simulator, "reboot", running_for=10_000) for _ in range(8)]
    store = Store.open(tmp_path / "w.sqlite3")
    store.add_tasks([j.id for j in jobs], profile="default")
    config = PollerConfig(interval=0.2, jitter=0.0, concurrency=2, steps_interval=0.0)
    session = WatchSession(store, runtime_for(simulator), Settings(), poller_config=config)
    rounds = asyncio.Event()
    checked: list[SessionEvent] = []

    def count(event: SessionEvent) -> None:
        if isinstance(event, TasksChecked):
            checked.append(event)
            if len(checked) >= 4:
                rounds.set()

    session.subscribe(count)
    runner = asyncio.create_task(session.run())
    try:
        await asyncio.wait_for(rounds.wait(), timeout=20)
    finally:
        session.stop()
        await runner
        await session.aclose()
    assert sum(simulator.counters.steps_by_job.values()) >= 4  # and steps came meanwhile
