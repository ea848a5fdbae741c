"""One view of a task per answer: the estimate made once and true as the clock moves, the view
handed over with the event, the detail pane repainted only when what it shows differs."""

from __future__ import annotations

import pytest

from tests.engine_rig import Rig
from tests.test_eta import T0, _history, _running, _steps_json
from tui.engine.eta import ProgressSamples, estimate, forecast
from tui.engine.events import TaskRefreshed
from tui.engine.records import Observation, TaskRecord
from tui.engine.session.views import Views
from tui.engine.views import TaskView
from tui.ui.widgets.detail import DetailContent


def _samples(*values: tuple[float, int]) -> ProgressSamples:
    samples = ProgressSamples()
    for moment, percent in values:
        samples.observe("t1", moment, percent)
    return samples


@pytest.mark.parametrize(
    ("record", "samples", "source"),
    [
        (_running(steps_json=_steps_json("100", "200"), steps_checked_at=T0 + 50), None, "cloud"),
        # a step fetch stamped after "now" (a fast clock): counted from now, as before
        (_running(steps_json=_steps_json("300"), steps_checked_at=T0 + 10_000), None, "cloud"),
        (_running(), None, "history"),
        (_running(job_json=None), _samples((T0, 10), (T0 + 60, 40)), "progress"),
    ],
)
def test_a_forecast_made_once_gives_the_estimate_of_every_later_moment(
    record: TaskRecord, samples: ProgressSamples | None, source: str
) -> None:
    history = _history([600, 700, 800])
    samples = samples or ProgressSamples()
    made = forecast(record, T0 + 80, history, samples)
    assert made is not None and made.source == source
    for later in (T0 + 80, T0 + 81.5, T0 + 300, T0 + 5_000, T0 + 20_000):
        assert made.at(later) == estimate(record, later, history, samples), later


def test_a_view_is_built_once_per_record_and_again_when_it_changes() -> None:
    made: list[str] = []
    problems = {"default": None}
    reads: list[str] = []

    def counting_forecast(record: TaskRecord, now: float) -> None:
        made.append(record.task_id)

    def history(task_id: str) -> list[Observation]:
        reads.append(task_id)
        return [Observation(T0, "Running", 10, None, None)]

    views = Views(lambda profile: "taurusdb", problems.get, history, lambda: T0)
    views.estimator.forecast = counting_forecast  # type: ignore[method-assign]
    record = _running()
    first = views.of(record)
    assert views.of(record) is first and made == ["t1"]  # asked again: the same view
    newer = _running(progress=50)
    assert views.of(newer) is not first and made == ["t1", "t1"]
    assert views.of(newer).history == () and reads == []  # not focused: no database read
    problems["default"] = "credential refused"  # type: ignore[assignment]
    assert views.of(newer).problem == "credential refused"
    views.focus("t1")
    assert len(views.of(newer).history) == 1 and reads == ["t1"]
    assert views.of(newer).history and reads == ["t1"]  # read once per record
    views.focus(None)
    assert views.of(newer).history == ()


def test_the_detail_content_is_equal_when_the_pane_would_show_the_same() -> None:
    record = _running(steps_json=_steps_json("149699"), steps_checked_at=T0)
    ticked = _running(steps_json=_steps_json("149668"), steps_checked_at=T0)
    moved = _running(steps_json=_steps_json("149699"), steps_checked_at=T0, progress=5)

    def content(record: TaskRecord, *, raw: bool = False, problem: str | None = None) -> object:
        return DetailContent(TaskView(record, problem=problem), T0 + 10, raw)

    # The cloud's remaining_time ticks down on every answer; the pane's text stays the same.
    assert content(record) == content(ticked)
    assert content(record) != content(moved)
    assert content(record) != content(record, raw=True)
    assert content(record) != content(record, problem="credential refused")


async def test_the_event_carries_the_view_that_the_row_and_the_pane_read(rig: Rig) -> None:
    [job] = rig.watch("upgrade", running_for=600)
    session, events = rig.session()
    await rig.run_for(session, 40, step=1.0)
    refreshed = [e for e in events if isinstance(e, TaskRefreshed)]
    assert refreshed and all(e.view is not None and e.view.record is e.record for e in refreshed)
    last = refreshed[-1]
    record = session.records[job.id]
    assert last.record is record
    assert session.views.of(record) is last.view  # the row and the pane read this one
    eta = session.eta(record)
    assert last.view is not None and eta == last.view.eta(rig.clock.now())
    assert eta is not None and eta.source == "cloud"
