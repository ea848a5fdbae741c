"""A row's facts of a job read from the snapshot alone: the same as the wire model reads them,
and with no pydantic imported for the first screen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings, strategies as st

from tests.test_models import job_like, json_values
from tui.cloud.job_facts import JobFacts
from tui.cloud.models import parse_job_dict
from tui.engine.storage import Store
from tui.simulator import Simulator
from tui.simulator.scenarios import make_job

times = st.sampled_from(
    ["2026-12-06T10:41:14+0800", "2026-12-06T02:41:14Z", "2026-12-06T02:41:14.5", " ", "x", ""]
)


@settings(max_examples=300, deadline=None)
@given(
    job_like,
    st.fixed_dictionaries({}, optional={"created": times, "ended": times, "name": json_values}),
)
def test_the_snapshot_says_what_the_model_says(
    job: dict[str, object], more: dict[str, object]
) -> None:
    data = json.loads(json.dumps({**job, **more}))  # as stored: JSON text, read back
    assert JobFacts.of_snapshot(data) == JobFacts.of_job(parse_job_dict(data))


def test_anything_but_an_object_has_no_facts() -> None:
    assert JobFacts.of_snapshot(["a"]) == JobFacts.of_snapshot(None) == JobFacts()


def test_the_first_screen_of_a_watchlist_imports_no_wire_models(tmp_path: Path) -> None:
    simulator = Simulator(seed=2)
    now = simulator.clock()
    jobs = [make_job(simulator, "reboot", created_at=now - 600, running_for=300) for _ in range(5)]
    path = tmp_path / "w.sqlite3"
    store = Store.open(path)
    store.add_tasks([j.id for j in jobs], profile="default")
    for job in jobs:
        store.record_success(job.id, parse_job_dict(job.snapshot(now)), now=now)
    store.close()
    code = (
        "import sys\nfrom tui.engine.storage import Store\n"
        "from tui.ui.widgets.task_columns import matches, row_cells, sort_key\n"
        f"records = Store.open({str(path)!r}).list_tasks()\n"
        "cells = [row_cells(r, 1e10) for r in records]\n"
        "order = sorted(records, key=lambda r: sort_key('created', r))\n"
        "assert all(matches(r, 'reboot') for r in records), [c['name'].plain for c in cells]\n"
        "assert all(c['instance'].plain and c['elapsed'].plain for c in cells)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'httpx'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_app_paints_a_watchlist_before_the_job_model_is_loaded(tmp_path: Path) -> None:
    """The pane waits (naming the task) while the model loads in a thread after the first frame;
    then it shows the task in full. The first frame imports no pydantic."""
    path = tmp_path / "w.sqlite3"
    store = Store.open(path)
    store.add_tasks(["0f0f0f0f-0000-4000-8000-00000000abcd"], profile="default", label="db-42")
    store.close()
    code = f"""
import asyncio, json, sys, threading
from tui.engine.session import WatchSession
from tui.engine.storage import Store
from tui.ui.app import TaskwatchApp

gate = threading.Event()
load = TaskwatchApp._load_details
TaskwatchApp._load_details = lambda app: (gate.wait(10), load(app))

first = []

def painted(message):  # Ready follows the first frame
    if type(message).__name__ == "Ready" and not first:
        view = app.view
        first.extend(["pydantic" in sys.modules, view.details_ready, str(view.detail.current)])

async def main():
    global app
    app = TaskwatchApp(WatchSession(Store.open({str(path)!r}), poll=False))
    async with app.run_test(size=(120, 40), message_hook=painted) as pilot:
        await pilot.pause()
        gate.set()
        for _ in range(200):
            if app.view.details_ready:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        print(json.dumps([first, app.view.detail.content is not None]))

asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, shown = json.loads(out.stdout.strip().splitlines()[-1])
    assert first == [False, False, "db-42: its details in a moment."], out.stderr
    assert shown  # loaded: the pane shows the task in full
