"""Know first: a task's end is known within about two seconds at no more requests than polling
each task every interval — roll calls every second where lists are allowed, polls aimed at a
task's estimated end where they are not (against the simulator, on a fake clock)."""

from __future__ import annotations

import pytest

from tests.engine_rig import Rig
from tui.engine.polling.budget import RequestBudget
from tui.engine.polling.cadence import by_id_delay, roll_call_period, unestimated_delay
from tui.engine.polling.tracked import Tracked
from tui.engine.session import WatchSession
from tui.engine.storage import Store
from tui.simulator import FakeClock, Simulator
from tui.simulator.core import ScriptedJob
from tui.simulator.scenarios import make_job


def test_a_roll_call_comes_every_second_unless_it_would_cost_more_than_polling_by_id() -> None:
    assert roll_call_period(1.0, 5.0, requests=1, tasks=20) == 1.0  # 3 requests a task-minute
    assert roll_call_period(1.0, 5.0, requests=1, tasks=4) == 1.25  # 12, as polling by ID
    assert roll_call_period(1.0, 5.0, requests=3, tasks=5) == 3.0  # 3 pages for 5 tasks
    assert roll_call_period(1.0, 5.0, requests=9, tasks=5) == 5.0  # never less often
    assert roll_call_period(1.0, 0.5, requests=1, tasks=50) == 0.5  # a shorter interval wins


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (None, 5.0),  # no estimate: the interval, as always
        (7200.0, 5.0),  # far from the end: never less often than the interval
        (5.0, 5.0),
        (3.2, 3.7),  # the poll just after the expected end, not the one before it
        (1.0, 1.0),  # due now: every second
        (-4.0, 2.0),  # overrunning: easing back...
        (-40.0, 5.0),  # ...to the interval
    ],
)
def test_a_poll_by_id_aims_at_the_expected_end(left: float | None, expected: float) -> None:
    assert by_id_delay(5.0, left, 1.0) == pytest.approx(expected)


async def _until_final(
    session: WatchSession, clock: FakeClock, store: Store, jobs: list[ScriptedJob], limit: float
) -> dict[str, float]:
    """Tick the engine every 0.25 s; the fake-clock delay from each job's end to its record's
    final status."""
    seen: dict[str, float] = {}
    elapsed = 0.0
    while len(seen) < len(jobs) and elapsed < limit:
        await session.tick()
        for job in jobs:
            record = store.get_task(job.id)
            if job.id not in seen and record is not None and record.is_final:
                seen[job.id] = clock.now() - job.ends_at
        clock.advance(0.25)
        elapsed += 0.25
    return seen


async def test_with_lists_every_end_is_known_within_2_s_at_under_12_5_requests_a_task_minute(
    rig: Rig,
) -> None:
    start = rig.clock.now()
    jobs = [
        make_job(rig.simulator, "reboot", created_at=start - 60, running_for=60 + 20 + 3 * n,
                 outcome="Failed" if n % 4 == 0 else "Completed")
        for n in range(20)
    ]  # fmt: skip
    rig.store.add_tasks([j.id for j in jobs], profile="default")
    session, _ = rig.session(jitter=0.15)
    late = await _until_final(session, rig.clock, rig.store, jobs, limit=120)
    assert len(late) == 20
    assert max(late.values()) <= 2.0, sorted(late.values())
    task_minutes = sum(job.ends_at - start for job in jobs) / 60
    assert rig.simulator.counters.total / task_minutes <= 12.5
    assert rig.simulator.counters.lists["immediate-jobs"] > 20  # roll calls did the refreshing


@pytest.mark.parametrize("estimates", [True, False])
async def test_without_lists_a_task_s_estimate_brings_its_end_sooner(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, estimates: bool
) -> None:
    rig.simulator.denied.add("list")
    if not estimates:  # the poller before estimates: every interval whatever they say...
        monkeypatch.setattr(WatchSession, "_seconds_left", lambda self, task_id: None)
        # ...and whatever ended (the budget of ended tasks is tested on its own below)
        monkeypatch.setattr(RequestBudget, "share", lambda self, profile, now: 1.0)
    start = rig.clock.now()
    # Ends 17.3 s, 23.4 s ... after the start: between two polls of a 5 s interval. "resize"
    # has steps (the cloud's remaining_time), "bind_eip" progress (an estimate from samples).
    jobs = [
        make_job(rig.simulator, kind, created_at=start - 30, running_for=30 + 17.3 + 6.1 * n)
        for n in range(6)
        for kind in ("resize", "bind_eip")
    ]
    rig.store.add_tasks([j.id for j in jobs], profile="default")
    session, _ = rig.session(jitter=0.0, steps_interval=5.0)
    late = await _until_final(session, rig.clock, rig.store, jobs, limit=120)
    assert len(late) == len(jobs)
    assert max(late.values()) <= 5.25  # never less often than the interval
    mean = sum(late.values()) / len(late)
    if estimates:
        stepped = [late[j.id] for j in jobs if j.steps]
        assert max(stepped) <= 2.0, stepped  # the cloud's estimate: polled at the end
        assert mean <= 1.5, sorted(late.values())
        polls = sum(rig.simulator.counters.by_job.values())
        every_interval = sum((j.ends_at - start) / 5 + 1 for j in jobs)
        assert polls <= 1.35 * every_interval  # a few polls more per task, not twice as many
    else:
        assert mean > 1.5  # about half the interval


def test_a_task_without_an_estimate_waits_its_part_of_the_budget() -> None:
    assert unestimated_delay(5.0, 1.0, 1.0) == 5.0  # every task that ran beside it runs
    assert unestimated_delay(5.0, 0.5, 1.0) == 2.5  # half of them ended
    assert unestimated_delay(5.0, 0.05, 1.0) == 1.0  # one of twenty: never under a second


def test_the_budget_remembers_the_most_tasks_that_ran_for_ten_minutes() -> None:
    tasks = [Tracked(f"t{n}", "p", 0.0) for n in range(20)]
    for task in tasks:
        task.running = True
    budget = RequestBudget(lambda profile: tasks if profile == "p" else [], recount=1.0)
    assert (budget.peak("p", 0.0), budget.share("p", 0.0)) == (20, 1.0)
    for task in tasks[:15]:
        task.final = True
    assert budget.share("p", 0.5) == 1.0  # counted at most once a second
    assert budget.share("p", 1.0) == 0.25  # five of twenty run
    assert budget.peak("p", 600.0) == 20
    assert budget.share("p", 602.0) == 1.0  # ten minutes on: the five are all there is
    assert budget.peak("p", 602.0) == 5
    assert budget.peak("other", 0.0) == 1 and budget.share("other", 0.0) == 0.0


def _unchanged_until_the_end(simulator: Simulator, start: float) -> list[ScriptedJob]:
    """Twenty tasks ending from 20 to 80 s after ``start``, each answer the same until then
    (progress 40 %, no steps): nothing tells which ends first."""
    jobs = []
    for n in range(20):
        job = make_job(simulator, "bind_eip", created_at=start - 120,
                       running_for=120 + 20 + 60 * n / 19 + 0.4)  # fmt: skip
        job.stuck_at = 40
        jobs.append(job)
    return jobs


@pytest.mark.parametrize("lists", [True, False])
async def test_the_last_tasks_are_learned_as_soon_as_the_first(rig: Rig, lists: bool) -> None:
    if not lists:
        rig.simulator.denied.add("list")
    start = rig.clock.now()
    jobs = _unchanged_until_the_end(rig.simulator, start)
    rig.store.add_tasks([j.id for j in jobs], profile="default")
    session, _ = rig.session(jitter=0.15)
    late = await _until_final(session, rig.clock, rig.store, jobs, limit=150)
    assert len(late) == 20
    by_end = [late[j.id] for j in jobs]  # in the order they end
    if lists:  # a roll call every second to the last task
        assert max(by_end) <= 1.5, by_end
    else:  # the budget of the ended tasks goes to those still running
        assert max(by_end[-5:]) <= 1.5, by_end
        assert max(by_end) <= 5.5, by_end
    minutes = (max(j.ends_at + late[j.id] for j in jobs) - start) / 60
    assert rig.simulator.counters.total / 20 / minutes <= 12.5
