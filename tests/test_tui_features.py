"""Features of the TUI: deadlines (the D dialog, the overdue row and count, the warning), steps
toast and bell, and the table's columns at 80 and 120 cells."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.ui_fixtures import frozen_app, frozen_on, highlight, live_app
from tui.engine.events import DeadlineWarning
from tui.simulator.scenarios import make_job
from tui.ui.widgets.dialogs import DeadlineScreen
from tui.ui.widgets.task_columns import COLUMNS, column_widths
from tui.ui.widgets.task_table import TaskTable


def _row(app: Any, label: str) -> dict[str, str]:
    table: TaskTable = app.query_one(TaskTable)
    task_id = next(t for t, r in app.session.records.items() if r.label == label)
    return table.cells_of(task_id)


async def test_d_sets_and_clears_a_deadline_and_refuses_nonsense(tmp_path: Path) -> None:
    async with frozen_on(tmp_path, "CHG-1045 reboot") as (app, pilot):
        await pilot.press("D")
        assert isinstance(app.screen, DeadlineScreen)
        await pilot.press(*"soon", "enter")
        assert isinstance(app.screen, DeadlineScreen)  # not dismissed: the error is shown
        error = str(app.screen.query_one("#deadline-error").render())
        assert "not a deadline" in error
        app.screen.query_one("#deadline-input").value = ""  # type: ignore[attr-defined]
        await pilot.press(*"99999999999d", "enter")  # killed a running TUI before
        assert isinstance(app.screen, DeadlineScreen)
        assert "ten years" in str(app.screen.query_one("#deadline-error").render())
        app.screen.query_one("#deadline-input").value = ""  # type: ignore[attr-defined]
        before = time.time()
        await pilot.press(*"40m", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, DeadlineScreen)
        record = next(r for r in app.session.records.values() if r.label == "CHG-1045 reboot")
        assert (
            record.deadline is not None and before + 2400 <= record.deadline <= time.time() + 2400
        )
        assert app.session.store.get_task(record.task_id).deadline == record.deadline
        await pilot.press("D")
        field = app.screen.query_one("#deadline-input")
        assert field.value  # starts from the current deadline
        field.value = ""
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.records[record.task_id].deadline is None


async def test_the_overdue_task_is_marked_on_its_row_and_counted(tmp_path: Path) -> None:
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert _row(app, "CHG-1043 bind EIP")["eta"] == "⚑ overdue"
        assert _row(app, "CHG-1046 upgrade")["eta"].endswith("⚠")  # steps say it will be late
        assert _row(app, "CHG-1045 reboot")["eta"].startswith("~")  # three past reboots
        assert _row(app, "CHG-1042 resize")["eta"] == ""  # finished: no ETA, nothing ticks
        assert str(app.view.summary.render()).startswith("⚑1 ")
        await highlight(app, "CHG-1046 upgrade")
        await pilot.pause()
        from rich.console import Console

        console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(app.view.detail.current)
        detail = console.export_text()
    assert "from the cloud's step estimate" in detail
    assert "Upgrade node 2" in detail and "Steps" in detail
    assert "deadline" in detail


async def test_an_overdue_warning_toasts_and_rings_once(
    tmp_path: Path, toasts: list[tuple[str, str]]
) -> None:
    live = live_app(tmp_path)
    job = make_job(live.simulator, "bind_eip", running_for=1000)
    live.store.add_tasks([job.id], profile="default", label="CHG-7")
    live.store.set_deadline([job.id], live.clock.now() + 60)
    async with live.run() as (pilot, messages):
        live.clock.advance(61)
        live.app.session.deadlines.check_all()
        warning = await messages.wait_for(
            lambda m: isinstance(m, DeadlineWarning) and m.kind == "overdue"
        )
        assert isinstance(warning, DeadlineWarning)
        await pilot.pause()
        for _ in range(3):
            live.app.session.deadlines.check_all()
        await pilot.pause()
    overdue = [text for text, severity in toasts if "past its deadline" in text]
    assert len(overdue) == 1 and "CHG-7" in overdue[0]
    assert live.terminal.writes.count("\a") == 1


@pytest.mark.parametrize("width", [78, 80, 100, 120, 160, 200])
@pytest.mark.parametrize("services", [1, 3])
def test_the_columns_fill_the_width_exactly_and_keep_a_job_name_whole(
    width: int, services: int
) -> None:
    widths = column_widths(width, services=services)
    assert sum(size + 2 for size in widths.values()) + 2 == width  # no sideways scroll
    assert list(widths)[:1] == ["status"] and {"progress", "eta"} <= set(widths)
    assert widths["name"] >= 36  # a 36-character job name shows whole
    assert ("service" in widths) == (services > 1 and width >= 120)
    assert ("instance" in widths) == (width >= 100)
    order = [column.key for column in COLUMNS]
    assert list(widths) == [key for key in order if key in widths]  # the columns keep order


def test_a_wide_table_shows_long_names_whole_and_every_column() -> None:
    widths = column_widths(200)
    assert widths["name"] >= 60 and widths["instance"] == 24
    assert {"elapsed", "checked", "created", "profile"} <= set(widths)


def test_hostile_and_garbage_steps_are_shown_as_sent_never_obeyed() -> None:
    import json

    from rich.console import Console

    from tui.engine.records import TaskRecord
    from tui.ui.widgets.detail import render_detail

    steps = json.dumps(
        {
            "sub_task_list": [
                {"sub_task_name": "\x1b]52;c;aGk=\x07[red]x[/red]", "status": "Running",
                 "percent": "lots", "remaining_time": "-3"},
                {"sub_task_name": "", "status": "Rollbacking\x9b2J", "percent": 250,
                 "remaining_time": str(10**12)},
            ]
        }
    )  # fmt: skip
    job = json.dumps({"id": "t", "name": "X", "status": "Running", "created": ""})
    record = TaskRecord(
        "t", "p", "", 0.0, 1, status="Running", job_json=job, steps_json=steps, steps_checked_at=1
    )
    assert record.steps is not None and record.steps.remaining() is None
    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(render_detail(record, [], now=10.0))
    text = console.export_text()
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "␛]52;c;aGk=␇[red]x[/red]" in text
    assert "percent 'lots'" in text and "remaining '-3'" in text
    assert "? (unnamed)" in text and "percent '250'" in text


def test_the_detail_pane_is_repainted_for_steps_only_when_their_text_changes() -> None:
    import json

    from tui.engine.records import TaskRecord
    from tui.ui.widgets.detail import detail_key

    def key(remaining: int, percent: int = 0) -> tuple[object, ...]:
        steps = json.dumps(
            {"sub_task_list": [{"sub_task_name": "Check", "status": "Running",
                                "percent": str(percent), "remaining_time": str(remaining)}]}
        )  # fmt: skip
        job = json.dumps({"id": "t", "name": "X", "status": "Running", "created": ""})
        record = TaskRecord(
            "t", "p", "", 0.0, 1, status="Running", job_json=job, steps_json=steps,
            steps_checked_at=1,
        )  # fmt: skip
        return detail_key(record, 10.0, False, None)

    # The cloud's remaining_time ticks down on every answer; "~41h35m left" stays the same.
    assert key(149699) == key(149668)
    assert key(149699) != key(149699, percent=5)
    assert key(149699) != key(600)


async def test_f_follows_an_instance_from_the_table_and_removes_a_rule(tmp_path: Path) -> None:
    from textual.widgets import OptionList, SelectionList

    from tui.ui.widgets.dialogs import FollowScreen

    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        before = [r.id for r in app.session.following.rules()]
        await pilot.press("F")
        assert isinstance(app.screen, FollowScreen)
        choices = app.screen.query_one("#follow-instances", SelectionList)
        offered = [str(choices.get_option_at_index(i).value) for i in range(choices.option_count)]
        instance = next(o for o in offered if o != "*")
        await pilot.press("ctrl+s")  # nothing chosen: refused, the dialog stays
        assert isinstance(app.screen, FollowScreen)
        choices.select(instance)
        app.screen.query_one("#follow-names").value = "RebootX, ResizeY"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FollowScreen)
        [rule] = [r for r in app.session.following.rules() if r.id not in before]
        assert rule.instance_ids == (instance,) and rule.names == ("RebootX", "ResizeY")
        await pilot.press("F")
        rules = app.screen.query_one("#follow-rules", OptionList)
        rules.focus()
        rules.highlighted = [
            rules.get_option_at_index(i).id for i in range(rules.option_count)
        ].index(str(rule.id))
        await pilot.press("delete")
        await pilot.pause()
        assert rule.id not in [r.id for r in app.session.following.rules()]


async def test_a_month_of_tasks_fills_in_after_the_first_frame_in_order(tmp_path: Path) -> None:
    import uuid

    from tui.engine.session import WatchSession
    from tui.engine.storage import Store
    from tui.ui.app import TaskwatchApp
    from tui.ui.widgets.watch_view import ROWS_PER_FRAME

    store = Store.open(tmp_path / "m.sqlite3")
    ids = [str(uuid.UUID(int=n + 1, version=4)) for n in range(2 * ROWS_PER_FRAME + 50)]
    store.add_tasks(ids, profile="default")
    app = TaskwatchApp(WatchSession(store, poll=False), write_terminal=lambda _: None)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):  # a batch per frame: frames, not seconds (a busy machine is slower)
            if app.view.table.row_count == len(ids):
                break
            await pilot.pause()
        assert app.view.table.row_ids == ids


def test_show_adds_at_most_the_rows_it_is_given_first_in_order() -> None:
    import asyncio
    import uuid

    from textual.app import App, ComposeResult

    from tui.engine.records import TaskRecord

    records = [TaskRecord(str(uuid.UUID(int=n + 1, version=4)), "p", "", 0.0, n) for n in range(25)]

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield TaskTable()

    async def run() -> list[list[str]]:
        seen = []
        async with One().run_test() as pilot:
            table = pilot.app.query_one(TaskTable)
            while table.show(records, 0.0, new_rows=10):
                seen.append(table.row_ids)
            seen.append(table.row_ids)
        return seen

    steps = asyncio.run(run())
    assert [len(s) for s in steps] == [10, 20, 25]
    assert steps[-1] == [r.task_id for r in records]


async def test_resorting_moves_rows_without_recomputing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.ui.widgets.task_table as task_table

    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.session_started.wait()  # its redraw of every row is done
        await pilot.pause()
        calls = 0
        real = task_table.row_cells  # type: ignore[attr-defined]  # the name the table calls

        def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(task_table, "row_cells", counting)
        before = app.view.table.row_ids
        await pilot.press("s")  # by status: a new order
        await pilot.pause()
        after = app.view.table.row_ids
    assert sorted(before) == sorted(after) and before != after
    assert calls == 0


def test_a_followed_task_is_named_by_its_job_with_the_origin_as_a_mark() -> None:
    import json

    from tui.engine.records import TaskRecord
    from tui.present.text import task_title
    from tui.ui.widgets.task_columns import row_cells

    job = json.dumps({"id": "t", "name": "ModifyGaussDBInstance", "status": "Running"})
    found = TaskRecord("t", "p", "", 0.0, 1, status="Running", job_json=job, origin="rule:1")
    assert row_cells(found, 10.0)["name"].plain == "⟳ ModifyGaussDBInstance"
    assert task_title(found) == "ModifyGaussDBInstance"
    labelled = TaskRecord("t", "p", "db-42", 0.0, 1, status="Running", job_json=job)
    assert row_cells(labelled, 10.0)["name"].plain == "db-42 · ModifyGaussDBInstance"
    assert task_title(labelled) == "db-42 · ModifyGaussDBInstance"


async def test_the_detail_pane_follows_the_cursor_before_the_screen_repaints(
    tmp_path: Path,
) -> None:
    """The pane is set in the same call that moves the cursor (no message in between), so both
    are drawn in one frame: a key shows its task about 17 ms sooner than a frame later."""
    async with frozen_on(tmp_path, "CHG-1045 reboot") as (app, pilot):
        table, detail = app.view.table, app.view.detail
        for move in (table.action_cursor_down, table.action_cursor_up, table.action_cursor_up):
            move()  # no await: nothing else has run since
            content = detail.content
            assert content is not None
            assert content.view.record.task_id == table.highlighted_task
        await pilot.pause()
