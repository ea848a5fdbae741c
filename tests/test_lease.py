"""The polling lease on one watchlist: one holder; the others read; a stale lease is taken, a
released one at once; a lock that will not let the lease be written does not stop polling."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.ui_fixtures import runtime_for
from tui.engine.events import LeaseChanged, SessionEvent
from tui.engine.session import Clock, WatchSession
from tui.engine.session.lease import LEASE_STALE
from tui.engine.storage import Store
from tui.simulator import FakeClock, Simulator
from tui.simulator.scenarios import make_job


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=time.time())  # requests are signed with the real time


@pytest.fixture
def simulator(clock: FakeClock) -> Simulator:
    return Simulator(clock=clock.now, seed=2)


def _session(path: Path, clock: FakeClock, simulator: Simulator) -> WatchSession:
    return WatchSession(
        Store.open(path),
        runtime_for(simulator),
        clock=Clock(wall=clock.now, monotonic=clock.now),
        kind="watch",
    )


async def test_one_holder_polls_and_the_other_takes_over_when_it_goes_stale(
    tmp_path: Path, clock: FakeClock, simulator: Simulator
) -> None:
    path = tmp_path / "w.sqlite3"
    job = make_job(simulator, "reboot", running_for=10_000)
    Store.open(path).add_tasks([job.id], profile="default")
    first, second = _session(path, clock, simulator), _session(path, clock, simulator)
    events: list[SessionEvent] = []
    second.subscribe(events.append)
    assert await first.tick() == 1 and first.leads
    assert await second.tick() == 0 and not second.leads  # asks nothing: first polls
    assert "(watch) polls this watchlist" in second.lease.describe()
    assert second.health.connection().state == "shared"
    clock.advance(LEASE_STALE - 1)
    second.keep_lease()
    assert not second.leads  # still fresh
    clock.advance(2)  # first stopped renewing (killed): its lease is stale
    assert second.keep_lease() and second.leads
    assert [e.holds for e in events if isinstance(e, LeaseChanged)] == [False, True]
    second.refresh()
    assert await second.tick() == 1
    assert not first.keep_lease() or not first.leads  # the old holder, back, reads only
    assert await first.tick() == 0


async def test_a_released_lease_is_taken_at_once(
    tmp_path: Path, clock: FakeClock, simulator: Simulator
) -> None:
    path = tmp_path / "w.sqlite3"
    first, second = _session(path, clock, simulator), _session(path, clock, simulator)
    first.keep_lease()
    second.keep_lease()
    assert first.leads and not second.leads
    first.stop()  # a clean exit gives the lease up
    assert second.keep_lease() and second.leads


async def test_a_follower_sees_the_holders_answers_as_changes(
    tmp_path: Path, clock: FakeClock, simulator: Simulator
) -> None:
    path = tmp_path / "w.sqlite3"
    job = make_job(simulator, "reboot", running_for=5, outcome="Failed")
    Store.open(path).add_tasks([job.id], profile="default")
    holder, reader = _session(path, clock, simulator), _session(path, clock, simulator)
    await holder.tick()
    await reader.tick()
    events: list[SessionEvent] = []
    reader.subscribe(events.append)
    clock.advance(10)
    holder.refresh()
    await holder.tick()
    assert reader.check_outside_changes()
    kinds = [type(e).__name__ for e in events]
    assert "TaskRefreshed" in kinds and "TaskFinished" in kinds
    assert reader.records[job.id].status == "Failed"
