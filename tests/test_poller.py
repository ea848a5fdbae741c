"""The polling engine (poller and watch session) against the simulator, driven deterministically
by a fake clock."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.engine_rig import Rig
from tui.engine.events import (
    CredentialRefused,
    CredentialRestored,
    EndpointChanged,
    RefreshFailed,
    TaskFinished,
    WatchlistChanged,
)
from tui.engine.polling.poller import TokenBucket
from tui.engine.records import TaskRecord
from tui.engine.storage import Store
from tui.simulator.scenarios import add_random_jobs, make_job

ORDER = {"Pending": 0, "Running": 1, "Completed": 2, "Failed": 2, "Canceled": 2}


async def test_200_random_tasks_reach_their_final_state_politely(rig: Rig) -> None:
    rig.simulator.faults.latency = 0.0005  # real overlap between requests
    jobs = add_random_jobs(rig.simulator, 200, max_running=60)
    rig.store.add_tasks([job.id for job in jobs], profile="default", now=rig.clock.now())
    session, events = rig.session(concurrency=8)
    await rig.run_for(session, 120)

    for job in jobs:
        record = rig.store.get_task(job.id)
        assert record is not None and record.status == job.outcome, job
        history = rig.store.history(job.id)
        statuses = [o.status for o in history]
        assert statuses[-1] == job.outcome
        assert [ORDER[s] for s in statuses] == sorted(ORDER[s] for s in statuses)
        progress = [o.progress for o in history if o.status == "Running"]
        assert progress == sorted(progress)  # type: ignore[type-var]
        assert record.job is not None and record.job.ended_at is not None
    assert sum(rig.simulator.counters.after_final.values()) == 0
    assert rig.simulator.counters.max_in_flight <= 8
    finished = [e for e in events if isinstance(e, TaskFinished)]
    assert sorted(e.record.task_id for e in finished) == sorted(job.id for job in jobs)

    before = rig.simulator.counters.total
    await rig.run_for(session, 600, step=10)
    assert rig.simulator.counters.total == before  # nothing final is ever asked about again


async def test_cadence_is_the_interval_with_jitter(rig: Rig) -> None:
    job = make_job(rig.simulator, "reboot", running_for=10_000)
    rig.store.add_tasks([job.id], profile="default", now=rig.clock.now())
    session, _ = rig.session(interval=5.0, jitter=0.15)
    sent = await rig.run_for(session, 300, step=0.25)
    requests = rig.simulator.counters.by_job[job.id]
    # One immediate poll, then one every 4.25-5.75 s.
    assert 300 / 5.75 <= requests <= 1 + 300 / 4.25
    times = [i * 0.25 for i, n in enumerate(sent) if n]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 4.25 and max(gaps) <= 6.0


async def test_concurrency_cap_holds_with_real_latency(rig: Rig) -> None:
    rig.simulator.faults.latency = 0.01
    rig.watch("reboot", 40, running_for=1000)
    session, _ = rig.session(concurrency=3)
    assert await session.tick() == 40
    assert rig.simulator.counters.max_in_flight == 3


async def test_wrong_sk_sends_exactly_one_request_whatever_the_number_of_tasks(rig: Rig) -> None:
    rig.watch("reboot", 50, running_for=1000)
    session, events = rig.session(sk="wrong")
    await rig.run_for(session, 120)
    assert rig.simulator.counters.total == 1
    blocked = [e for e in events if isinstance(e, CredentialRefused)]
    assert len(blocked) == 1 and blocked[0].profiles == ("default",)
    assert session.health.problem_for("default") is not None

    # The user fixes the credential: polling resumes with one probe, then all the rest.
    assert session.poller is not None
    session.poller.set_client("default", rig.client(), credential_key="fixed")
    assert await session.tick() == 50
    assert any(isinstance(e, CredentialRestored) for e in events)
    assert session.health.problem_for("default") is None


async def test_throttling_slows_the_rate_then_it_recovers(rig: Rig) -> None:
    rig.watch("reboot", 60, running_for=100_000)
    # One request per task (roll calls off): the bucket itself is under test.
    session, events = rig.session(rate=20.0, interval=2.0,
        roll_call_min=0,
    )  # fmt: skip
    await rig.run_for(session, 10)
    calm = rig.simulator.counters.by_status[200]
    rig.simulator.faults.rate_limit = 2.0  # the gateway starts throttling hard
    before_429 = rig.simulator.counters.total
    sent_throttled = sum(await rig.run_for(session, 30))
    assert rig.simulator.counters.by_status[429] > 0
    assert any(isinstance(e, EndpointChanged) and e.state == "throttled" for e in events)
    # Our rate fell well below the 20/s we were allowed: far fewer than 30 s x 20/s attempts.
    assert sent_throttled < 30 * 20 / 4, (calm, before_429, sent_throttled)
    late = sum(await rig.run_for(session, 30))
    assert late <= 30 * 2 * 1.5  # settled near the gateway's limit
    rig.simulator.faults.rate_limit = None
    await rig.run_for(session, 60)
    recovered = sum(await rig.run_for(session, 10))
    assert recovered >= 25  # 60 tasks every ~2 s: back to full speed
    states = [e.state for e in events if isinstance(e, EndpointChanged)]
    assert states[-2:] == ["throttled", "ok"]


async def test_backoff_on_server_errors_keeps_last_good_data(rig: Rig) -> None:
    [job] = rig.watch("reboot", running_for=10_000)
    session, events = rig.session(interval=5.0)
    await session.tick()
    rig.simulator.faults.server_errors_next = 4
    sent = await rig.run_for(session, 200, step=0.5)
    times = [i * 0.5 for i, n in enumerate(sent) if n]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[0] < gaps[1] < gaps[2]  # exponential growth while failing
    errors = [e for e in events if isinstance(e, RefreshFailed)]
    assert len(errors) == 4 and errors[-1].failures == 4
    record = rig.store.get_task(job.id)
    assert record is not None and record.status == "Running" and not record.is_stale


async def test_retry_after_is_honoured(rig: Rig) -> None:
    rig.watch("reboot", running_for=10_000)
    session, _ = rig.session(interval=1.0)
    rig.simulator.faults.rate_limit = 0.0001
    rig.simulator.faults.retry_after = 40
    sent = await rig.run_for(session, 39, step=1)
    # The first request drained the bucket's single token; the 429 said wait 40 s.
    assert sum(sent) <= 2


async def test_not_found_grace_then_marked_not_found(rig: Rig) -> None:
    job = make_job(rig.simulator, "reboot", visible_after=10, running_for=100)
    ghost = "0f0f0f0f-0000-4000-8000-000000000000"
    rig.store.add_tasks([job.id, ghost], profile="default", now=rig.clock.now())
    session, events = rig.session(not_found_grace=60)
    await rig.run_for(session, 20)
    assert rig.store.get_task(job.id).status == "Running"  # type: ignore[union-attr]
    assert not rig.store.get_task(ghost).not_found  # type: ignore[union-attr]
    await rig.run_for(session, 50)
    ghost_record = rig.store.get_task(ghost)
    assert ghost_record is not None and ghost_record.not_found
    assert any(isinstance(e, RefreshFailed) and e.not_found for e in events)
    asked = rig.simulator.counters.by_job[ghost]
    await rig.run_for(session, 300, step=5)
    assert rig.simulator.counters.by_job[ghost] == asked  # checked rarely (every 10 min) now


async def test_pause_resume_and_refresh_now(rig: Rig) -> None:
    jobs = rig.watch("reboot", 3, running_for=10_000)
    session, _ = rig.session(interval=60)
    assert await session.tick() == 3
    session.set_paused(True)
    rig.clock.advance(120)
    assert await session.tick() == 0
    session.set_paused(False)
    assert await session.tick() == 3
    assert session.refresh(jobs[0].id) == 1
    assert await session.tick() == 1
    assert session.refresh() == 3
    assert await session.tick() == 3


async def test_sync_picks_up_another_process_adding_and_removing(rig: Rig, tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    ours, theirs = Store.open(path), Store.open(path)
    session, events = rig.session(store=ours)
    job = make_job(rig.simulator, "reboot", running_for=10_000)
    assert not session.check_outside_changes()
    theirs.add_tasks([job.id], profile="default")
    assert session.check_outside_changes()
    assert job.id in session.records and isinstance(events[-1], WatchlistChanged)
    assert await session.tick() == 1
    theirs.remove_tasks([job.id])
    assert session.check_outside_changes()
    assert job.id not in session.records
    rig.clock.advance(100)
    assert await session.tick() == 0


def test_token_bucket() -> None:
    bucket = TokenBucket(2.0, now=0.0)
    assert [bucket.try_take(0.0) for _ in range(3)] == [True, True, False]
    assert bucket.wait_time(0.0) == pytest.approx(0.5)
    assert bucket.try_take(0.5)
    bucket.slow_down()
    assert bucket.rate == 1.0
    for _ in range(100):
        bucket.speed_up()
    assert bucket.rate == 2.0


def test_a_slow_bucket_still_lets_the_first_request_go() -> None:
    bucket = TokenBucket(0.5, now=0.0)
    assert bucket.try_take(0.0)
    assert not bucket.try_take(1.0)
    assert bucket.try_take(2.0)


async def test_an_edit_tells_the_poller_of_its_task_only(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding, removing and restoring a task costs the poller one task's work, not a re-sync of
    all of them (a thousand rows made every edit O(n)); the task is still polled at once."""
    jobs = [make_job(rig.simulator, "reboot", running_for=600) for _ in range(3)]
    rig.store.add_tasks([j.id for j in jobs[:2]], profile="default", now=rig.clock.now())
    session, _ = rig.session()
    assert session.poller is not None
    await session.tick()
    syncs: list[int] = []
    original = session.poller.sync

    def counted(watched: Iterable[TaskRecord]) -> None:
        syncs.append(1)
        original(watched)

    monkeypatch.setattr(session.poller, "sync", counted)
    session.edits.add([jobs[2].id], profile="default")
    assert await session.tick() == 1
    assert rig.simulator.counters.by_job[jobs[2].id] == 1
    session.edits.remove(jobs[0].id)
    session.edits.undo()
    assert await session.tick() == 1  # the restored task is due again at once
    assert syncs == []
