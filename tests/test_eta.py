"""Steps, ETA and deadlines in the engine, on a fake clock against the simulator: each ETA
source and their order, steps asked for politely, warnings given exactly once."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.engine_rig import Rig
from tui.engine.eta import HISTORY_MINIMUM, DurationHistory, Estimator, ProgressSamples, estimate
from tui.engine.events import DeadlineWarning, SessionEvent
from tui.engine.records import TaskRecord
from tui.engine.session import WatchSession
from tui.present.notices import notice_of
from tui.simulator.core import ScriptedJob
from tui.simulator.scenarios import make_job

T0 = 1_780_000_000.0


def _job_json(name: str, created: float, ended: float | None = None, job_id: str = "j") -> str:
    def stamp(epoch: float) -> str:
        from datetime import UTC, datetime

        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")

    job = {"id": job_id, "name": name, "status": "Running", "created": stamp(created)}
    if ended is not None:
        job.update(status="Completed", ended=stamp(ended))
    return json.dumps(job)


def _running(task_id: str = "t1", **fields: object) -> TaskRecord:
    base: dict[str, object] = {
        "task_id": task_id,
        "profile": "default",
        "label": "",
        "added_at": T0,
        "position": 1,
        "status": "Running",
        "job_json": _job_json("UpgradeX", T0),
    }
    base.update(fields)
    return TaskRecord(**base)  # type: ignore[arg-type]


def _steps_json(*remaining: str, statuses: tuple[str, ...] = ()) -> str:
    items = [
        {
            "sub_task_name": f"step {i}",
            "status": statuses[i] if i < len(statuses) else "Running",
            "percent": "10",
            "remaining_time": value,
        }
        for i, value in enumerate(remaining)
    ]
    return json.dumps({"sub_task_list": items})


def _history(durations: list[float], name: str = "UpgradeX") -> DurationHistory:
    history = DurationHistory(lambda profile: "taurusdb")
    history.learn_stored(
        ("default", _job_json(name, T0 - 10_000, T0 - 10_000 + d, job_id=f"past-{i}"))
        for i, d in enumerate(durations)
    )
    return history


# -- the sources and their order ------------------------------------------------------------------


def test_the_cloud_estimate_comes_first_and_counts_from_its_fetch() -> None:
    record = _running(steps_json=_steps_json("100", "200"), steps_checked_at=T0 + 50)
    history = _history([600, 700, 800])
    samples = ProgressSamples()
    eta = estimate(record, T0 + 80, history, samples)
    assert eta is not None
    assert (eta.source, eta.seconds, eta.samples) == ("cloud", 270, 2)
    assert eta.basis == "from the cloud's step estimate"


def test_history_needs_three_past_runs_and_uses_their_median() -> None:
    record = _running()
    assert estimate(record, T0 + 100, _history([600, 900]), ProgressSamples()) is None
    eta = estimate(record, T0 + 100, _history([600, 900, 3000]), ProgressSamples())
    assert eta is not None
    assert (eta.source, eta.seconds, eta.samples) == ("history", 800, 3)
    assert eta.basis == "from 3 past runs of this job"
    assert HISTORY_MINIMUM == 3


def test_history_is_per_job_name_and_service() -> None:
    history = DurationHistory(lambda profile: "rds" if profile == "r" else "taurusdb")
    history.learn_stored(
        [("default", _job_json("UpgradeX", T0, T0 + 60, job_id=f"a{i}")) for i in range(3)]
    )
    assert len(history.durations("default", " upgradex ")) == 3
    assert history.durations("r", "UpgradeX") == []
    assert history.durations("default", "RebootX") == []


def test_progress_needs_thirty_seconds_and_two_values() -> None:
    record = _running()
    samples = ProgressSamples()
    samples.observe("t1", T0, 10)
    samples.observe("t1", T0 + 20, 20)
    assert estimate(record, T0 + 20, _history([]), samples) is None  # 20 s is too short
    samples.observe("t1", T0 + 40, 30)  # 20 % in 40 s: 0.5 %/s, 70 % left: 140 s
    eta = estimate(record, T0 + 50, _history([]), samples)
    assert eta is not None
    assert (eta.source, eta.seconds, eta.samples) == ("progress", 130, 3)


def test_the_order_is_cloud_then_history_then_progress() -> None:
    samples = ProgressSamples()
    samples.observe("t1", T0, 10)
    samples.observe("t1", T0 + 60, 40)
    history = _history([600, 600, 600])
    with_steps = _running(steps_json=_steps_json("50"), steps_checked_at=T0 + 60)
    now = T0 + 60
    assert estimate(with_steps, now, history, samples).source == "cloud"  # type: ignore[union-attr]
    unusable_steps = _running(steps_json=_steps_json("soon"), steps_checked_at=T0 + 60)
    assert estimate(unusable_steps, now, history, samples).source == "history"  # type: ignore[union-attr]
    assert estimate(unusable_steps, now, _history([]), samples).source == "progress"  # type: ignore[union-attr]
    assert estimate(unusable_steps, now, _history([]), ProgressSamples()) is None


def test_a_task_past_its_estimate_is_overrunning_never_negative() -> None:
    eta = estimate(_running(), T0 + 1000, _history([600, 600, 600]), ProgressSamples())
    assert eta is not None
    assert (eta.seconds, eta.overrun) == (0, 400)
    assert eta.to_json() == {
        "seconds": 0,
        "source": "history",
        "samples": 3,
        "overrun_seconds": 400,
    }


@pytest.mark.parametrize("status", ["Completed", "Failed", ""])
def test_no_estimate_for_a_finished_or_unseen_task(status: str) -> None:
    record = _running(status=status)
    assert estimate(record, T0 + 10, _history([600, 600, 600]), ProgressSamples()) is None


def test_an_absurd_extrapolation_is_no_estimate() -> None:
    samples = ProgressSamples()
    samples.observe("t1", T0, 1)
    samples.observe("t1", T0 + 86_400, 2)  # 1 % a day: 98 days
    assert estimate(_running(), T0 + 86_400, _history([]), samples) is None


# -- the engine: steps, asked for politely --------------------------------------------------------


Watched = tuple[ScriptedJob, WatchSession, list[SessionEvent]]
Watch = Callable[[str, float], Watched]


@pytest.fixture
def watch(rig: Rig) -> Watch:
    """Starts a session watching one new job of a kind, running for so many seconds; gives
    the job, the session and the list of the events it tells."""

    def start(kind: str, running_for: float) -> Watched:
        [job] = rig.watch(kind, running_for=running_for)
        session, events = rig.session()
        return job, session, events

    return start


async def test_steps_are_fetched_at_most_every_30_s_and_kept_in_the_history(
    rig: Rig, watch: Watch
) -> None:
    job, session, _ = watch("upgrade", 600)
    await rig.run_for(session, 95, step=1.0)
    # A poll every ~5 s; steps at 0, 30, 60 and 90 s at most.
    assert 3 <= rig.simulator.counters.steps_by_job[job.id] <= 4
    record = session.records[job.id]
    assert record.steps is not None and len(record.steps.steps) == 6
    eta = session.eta(record)
    assert eta is not None and eta.source == "cloud"
    assert abs(eta.seconds - (600 - 95)) <= 6  # the answer was up to a poll old
    assert len(rig.store.step_history(job.id)) >= 3
    assert rig.store.get_task(job.id).steps_json == record.steps_json  # type: ignore[union-attr]


async def test_a_job_without_steps_is_asked_once_even_across_restarts(
    rig: Rig, watch: Watch
) -> None:
    job, session, _ = watch("bind_eip", 600)  # no details for this kind
    await rig.run_for(session, 120)
    assert rig.simulator.counters.steps_by_job[job.id] == 1
    assert session.records[job.id].steps_refused
    again, _ = rig.session()
    await rig.run_for(again, 120)
    assert rig.simulator.counters.steps_by_job[job.id] == 1


async def test_a_job_the_cloud_shows_no_details_for_is_asked_once_for_all_its_tasks(
    rig: Rig,
) -> None:
    jobs = rig.watch("bind_eip", 5, running_for=600)  # no details
    session, _ = rig.session(roll_call_min=0)
    await rig.run_for(session, 60)
    assert sum(rig.simulator.counters.steps_by_job.values()) == 1  # one job's answer for all five
    assert all(session.records[j.id].steps_refused for j in jobs)  # each shows it


async def test_steps_stop_with_a_refused_credential(rig: Rig) -> None:
    rig.watch("upgrade", 5, running_for=600)
    session, _ = rig.session(sk="wrong")
    await rig.run_for(session, 120)
    assert rig.simulator.counters.total == 1  # the probe; no steps request, no other poll
    assert sum(rig.simulator.counters.steps_by_job.values()) <= 1  # the first, before any backlog


async def test_steps_wait_for_the_endpoints_rate(rig: Rig) -> None:
    rig.watch("upgrade", 20, running_for=600)
    # One request per task (roll calls off): a backlog of polls, which steps must not join.
    session, _ = rig.session(rate=2.0, roll_call_min=0)
    await rig.run_for(session, 60, step=0.5)
    # 2 requests per second for 60 s: job polls and steps together stay within the bucket,
    # and while polls wait for their turn (20 tasks every 5 s need 4/s) steps take none.
    assert rig.simulator.counters.total <= 2 * 60 + 2
    assert 429 not in rig.simulator.counters.by_status
    assert sum(rig.simulator.counters.steps_by_job.values()) <= 1  # the first, before any backlog


async def test_garbage_steps_are_weather_not_a_refusal(rig: Rig, watch: Watch) -> None:
    job, session, _ = watch("upgrade", 600)
    await session.tick()  # the first poll and its steps
    assert session.records[job.id].steps is not None
    # The next steps answer is garbage: the last good steps stay, and they are asked for again.
    original = rig.simulator.jobs[job.id].steps_snapshot
    rig.simulator.jobs[job.id].steps_snapshot = lambda now: {"sub_task_list": "oops"}  # type: ignore[method-assign]
    await rig.run_for(session, 35)
    assert session.records[job.id].steps is not None
    assert not session.records[job.id].steps_refused
    rig.simulator.jobs[job.id].steps_snapshot = original  # type: ignore[method-assign]
    before = rig.simulator.counters.steps_by_job[job.id]
    await rig.run_for(session, 35)
    assert rig.simulator.counters.steps_by_job[job.id] > before


# -- deadlines: overdue and at risk, each said once -----------------------------------------------


def _warnings(events: list[SessionEvent]) -> list[tuple[str, str]]:
    return [(e.kind, e.record.task_id) for e in events if isinstance(e, DeadlineWarning)]


async def test_overdue_is_said_once_and_survives_a_restart(rig: Rig, watch: Watch) -> None:
    job, session, events = watch("bind_eip", 600)
    session.edits.set_deadline([job.id], rig.clock.now() + 60)
    await rig.run_for(session, 59)
    # Its progress (1 % in 6 s) says ~10 minutes: at risk first.
    assert _warnings(events) == [("at_risk", job.id)] and session.overdue == set()
    await rig.run_for(session, 30)
    for _ in range(5):
        session.deadlines.check_all()
    assert _warnings(events) == [("at_risk", job.id), ("overdue", job.id)]
    assert session.overdue == {job.id}
    warning = [e for e in events if isinstance(e, DeadlineWarning)][-1]
    notice = notice_of(warning, session.settings.notifications)
    assert notice is not None and notice.severity == "error" and "past its deadline" in notice.text
    again, again_events = rig.session()
    again.deadlines.check_all()
    await rig.run_for(again, 10)
    assert _warnings(again_events) == []
    assert again.overdue == {job.id}


async def test_a_task_that_ends_is_no_longer_overdue(rig: Rig, watch: Watch) -> None:
    job, session, events = watch("bind_eip", 90)
    session.edits.set_deadline([job.id], rig.clock.now() + 30)
    await rig.run_for(session, 120)
    assert ("overdue", job.id) in _warnings(events)
    assert session.records[job.id].is_final
    assert session.overdue == set()


async def test_at_risk_is_said_once_when_the_estimate_passes_the_deadline(
    rig: Rig, watch: Watch
) -> None:
    job, session, events = watch("upgrade", 600)
    session.edits.set_deadline([job.id], rig.clock.now() + 300)  # the steps say ~600 s
    await rig.run_for(session, 90)
    assert _warnings(events) == [("at_risk", job.id)]
    warning = next(e for e in events if isinstance(e, DeadlineWarning))
    notice = notice_of(warning, session.settings.notifications)
    assert notice is not None and "cloud's step estimate" in notice.text
    # A new deadline is a new promise: its warnings may be given again.
    session.edits.set_deadline([job.id], rig.clock.now() + 100)
    await rig.run_for(session, 10)
    assert _warnings(events) == [("at_risk", job.id), ("at_risk", job.id)]
    await rig.run_for(session, 100)
    assert _warnings(events)[-1] == ("overdue", job.id)
    assert len(_warnings(events)) == 3


async def test_a_deadline_the_estimate_meets_gives_no_warning(rig: Rig, watch: Watch) -> None:
    job, session, events = watch("upgrade", 200)
    session.edits.set_deadline([job.id], rig.clock.now() + 400)
    await rig.run_for(session, 240)
    assert _warnings(events) == []
    session.edits.set_deadline([job.id], None)
    assert session.records[job.id].deadline is None


async def test_history_is_learned_from_the_store_and_from_tasks_that_complete(rig: Rig) -> None:
    past = rig.watch("bind_eip", 3, running_for=100)
    session, _ = rig.session()
    await rig.run_for(session, 130)
    assert all(session.records[j.id].status == "Completed" for j in past)
    job = make_job(rig.simulator, "bind_eip", running_for=400)  # no steps: history it is
    session.edits.add([job.id], profile="default")
    await rig.run_for(session, 10)
    eta = session.eta(session.records[job.id])
    assert eta is not None and eta.source == "history" and eta.samples == 3
    fresh = Estimator(lambda profile: "taurusdb")
    fresh.load(rig.store, rig.store.list_tasks())
    assert len(fresh.history.durations("default", job.name)) == 3
