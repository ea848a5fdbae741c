"""Apps for Pilot, snapshot tests and the README screenshots, all offline and deterministic.

``live_app`` runs the real engine against the in-process simulator with a fake simulator clock;
``frozen_app`` shows a fixed watchlist at a fixed time, with no polling (for snapshots).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cloud.client import new_http_client
from tui.cloud.endpoints import Service
from tui.cloud.identity.keys import Keys
from tui.cloud.identity.live import LiveCredential
from tui.cloud.models import parse_job_dict
from tui.engine.events import SessionEvent
from tui.engine.polling.poller import PollerConfig
from tui.engine.session import Clock, WatchSession
from tui.engine.setup.config import Profile, Settings
from tui.engine.setup.runtime import Runtime
from tui.engine.storage import Store
from tui.simulator import FakeClock, Simulator, SimulatorTransport
from tui.simulator.core import ScriptedJob
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.scenarios import LONG_FAIL_REASON, make_job
from tui.ui.app import TaskwatchApp
from tui.ui.messages import SessionReported

if TYPE_CHECKING:
    from textual.message import Message
    from textual.pilot import Pilot

FROZEN_NOW = 1_795_780_800.0  # 2026-11-27 12:00:00 UTC


def demo_profile(sk: str = DEMO_SK, name: str = "default") -> Profile:
    return Profile(
        name=name,
        service=Service.TAURUSDB,
        endpoint="http://127.0.0.1:9",
        project_id=DEMO_PROJECT_ID,
        credential=LiveCredential.fixed(Keys(ak=DEMO_AK, sk=sk), "tests"),
        region="cn-north-4",
        rate_limit=100.0,
    )


def runtime_for(simulator: Simulator, *profiles: Profile) -> Runtime:
    runtime = Runtime(new_http_client(transport=SimulatorTransport(simulator)))
    for profile in profiles or (demo_profile(),):
        runtime.profiles[profile.name] = profile
        runtime.clients[profile.name] = runtime.client_for(profile)
    return runtime


@dataclass
class Terminal:
    """Captures what the app writes to the terminal (bell, OSC 9/777, OSC 52)."""

    writes: list[str] = field(default_factory=list)

    def __call__(self, data: str) -> None:
        self.writes.append(data)


@dataclass
class LiveSetup:
    """The real app over a session polling the simulator, and what a test reads of them."""

    app: TaskwatchApp
    simulator: Simulator
    clock: FakeClock
    store: Store
    terminal: Terminal

    def watch(self, kind: str, count: int = 1, **job: Any) -> list[ScriptedJob]:
        """Script ``count`` jobs of ``kind`` (:func:`make_job` takes ``job``) and watch them."""
        jobs = [make_job(self.simulator, kind, **job) for _ in range(count)]
        self.store.add_tasks([j.id for j in jobs], profile="default")
        return jobs

    @contextlib.asynccontextmanager
    async def run(
        self, size: tuple[int, int] = (120, 40)
    ) -> AsyncIterator[tuple[Pilot[Any], Messages]]:
        """Run the app headless; give its pilot and the session events it receives."""
        messages = Messages()
        async with self.app.run_test(size=size, message_hook=messages) as pilot:
            yield pilot, messages


def live_app(
    tmp_path: Path, *, sk: str = DEMO_SK, settings: Settings | None = None, interval: float = 0.05
) -> LiveSetup:
    """The real app and engine against the simulator; the simulator's time moves when told."""
    clock = FakeClock(start=time.time())
    simulator = Simulator(clock=clock.now, seed=9)
    store = Store.open(tmp_path / "live.sqlite3")
    terminal = Terminal()
    session = WatchSession(
        store,
        runtime_for(simulator, demo_profile(sk=sk)),
        settings or Settings(),
        # Display time follows the simulator's clock, so ages on screen are exact; scheduling
        # stays on real monotonic time (the engine polls every 50 ms).
        clock=Clock(wall=clock.now, monotonic=time.monotonic),
        poller_config=PollerConfig(interval=interval, jitter=0.0, not_found_grace=60.0),
    )
    app = TaskwatchApp(session, write_terminal=terminal)
    return LiveSetup(app, simulator, clock, store, terminal)


@dataclass
class FrozenJob:
    """One task of the frozen watchlist, with what the app would have learned about it."""

    label: str
    job_json: dict[str, object]
    history: list[tuple[float, str, str]]
    steps_json: str | None = None
    deadline: float | None = None


# label -> (deadline relative to FROZEN_NOW): one task overdue, one whose steps say it will be late
_DEADLINES = {"CHG-1043 bind EIP": -240.0, "CHG-1046 upgrade": 600.0}


def _snapshot_jobs() -> list[FrozenJob]:
    """A realistic watchlist: running, pending, failed and finished tasks, steps for those whose
    kind has them, an overdue task and one at risk."""
    sim = Simulator(clock=lambda: FROZEN_NOW, seed=21)
    specs = [
        ("CHG-1042 resize", "create", dict(created_at=FROZEN_NOW - 300, running_for=240)),
        ("CHG-1043 bind EIP", "bind_eip", dict(created_at=FROZEN_NOW - 95, running_for=200)),
        ("CHG-1044 upgrade", "upgrade", dict(created_at=FROZEN_NOW - 700, running_for=600,
                                             outcome="Failed", fail_reason=LONG_FAIL_REASON)),
        ("CHG-1045 reboot", "reboot", dict(created_at=FROZEN_NOW - 20, pending_for=60)),
        ("prod replica", "rds_replica", dict(created_at=FROZEN_NOW - 7200, running_for=900)),
        ("", "rds_scale", dict(created_at=FROZEN_NOW - 40, running_for=120)),
        ("CHG-1046 upgrade", "upgrade", dict(created_at=FROZEN_NOW - 500, running_for=1800)),
    ]  # fmt: skip
    out = []
    for label, kind, kwargs in specs:
        job = make_job(sim, kind, **kwargs)  # type: ignore[arg-type]
        history = []
        for offset in (0.0, 0.25, 0.5, 1.0):
            at = job.created_at + (job.ends_at - job.created_at) * offset + 1
            if at <= FROZEN_NOW:
                snap = job.snapshot(at)
                history.append((at, snap["status"], json.dumps(snap)))
        snapshot = job.snapshot(FROZEN_NOW)
        steps = None
        if job.steps and snapshot["status"] == "Running":
            steps = json.dumps(job.steps_snapshot(FROZEN_NOW - 2), sort_keys=True)
        deadline = _DEADLINES.get(label)
        out.append(
            FrozenJob(label, snapshot, history, steps, FROZEN_NOW + deadline if deadline else None)
        )
    return out


def _past_reboots(store: Store) -> None:
    """Three reboots that completed last week, since removed: the history the pending reboot's
    ETA comes from."""
    sim = Simulator(clock=lambda: FROZEN_NOW, seed=22)
    for seconds in (95, 100, 110):
        job = make_job(sim, "reboot", created_at=FROZEN_NOW - 7 * 86400, running_for=seconds)
        store.add_tasks([job.id], profile="default", now=FROZEN_NOW - 7 * 86400)
        store.record_success(job.id, parse_job_dict(job.snapshot(job.ends_at + 5)), now=job.ends_at)
        store.remove_tasks([job.id], now=FROZEN_NOW - 6 * 86400)


def _followed(store: Store) -> None:
    """A follow rule on the upgrade's instance and what it found: a reboot a colleague started,
    and a resize scheduled for the window."""
    from tui.cloud.listing import ListedTask

    upgrade = next(r for r in store.list_tasks() if r.label == "CHG-1046 upgrade")
    job = upgrade.job
    assert job is not None
    instance = (job.instance.id, job.instance.name)
    rule = store.add_rule("default", [instance[0]], [], now=FROZEN_NOW - 1800)
    sim = Simulator(clock=lambda: FROZEN_NOW, seed=23)
    reboot = make_job(sim, "reboot", created_at=FROZEN_NOW - 45, running_for=300, instance=instance)
    resize = make_job(
        sim, "resize", created_at=FROZEN_NOW + 1800, running_for=600,
        scheduled_since=FROZEN_NOW - 7200, instance=instance,
    )  # fmt: skip
    rows = []
    for scripted, kind in ((reboot, "instant"), (resize, "scheduled")):
        item = scripted.list_item(FROZEN_NOW - 10, kind)
        listed = ListedTask(
            id=scripted.id, name=scripted.name, status="Pending" if kind == "scheduled" else "",
            created=scripted.snapshot(FROZEN_NOW)["created"] if kind == "instant" else "",
            ended="", process="", instance_id=instance[0], instance_name=instance[1],
            instance_status="normal", fail_reason="", order_id="", show_detail=True,
            kind=kind,  # type: ignore[arg-type]
            scheduled_start=str(item.get("start_time", "")), raw=item,
        )  # fmt: skip
        status = "Scheduled" if kind == "scheduled" else ""
        rows.append((scripted.id, "default", "", f"rule:{rule}", status,
                     json.dumps(listed.to_job(), sort_keys=True)))  # fmt: skip
    store.add_discovered(rows, now=FROZEN_NOW - 10)
    store.record_success(
        reboot.id, parse_job_dict(reboot.snapshot(FROZEN_NOW - 2)), now=FROZEN_NOW - 2
    )


def frozen_app(
    path: Path | str = ":memory:", *, write_terminal: Callable[[str], None] | None = None
) -> TaskwatchApp:
    """A fixed watchlist at a fixed time, no polling: renders the same on every machine."""
    store = Store.open(path)
    _past_reboots(store)
    for frozen in _snapshot_jobs():
        task_id = str(frozen.job_json["id"])
        store.add_tasks([task_id], profile="default", label=frozen.label, now=FROZEN_NOW - 3600)
        for at, _status, raw in frozen.history:
            store.record_success(task_id, parse_job_dict(json.loads(raw)), now=at)
        store.record_success(task_id, parse_job_dict(frozen.job_json), now=FROZEN_NOW - 2)
        if frozen.steps_json:
            store.record_steps(task_id, frozen.steps_json, now=FROZEN_NOW - 2)
        elif frozen.job_json["status"] == "Running":
            store.refuse_steps(task_id, "The task has no details to show.", now=FROZEN_NOW - 90)
        if frozen.deadline is not None:
            store.set_deadline([task_id], frozen.deadline)
    _followed(store)
    ghost = "0f0f0f0f-0000-4000-8000-000000000000"
    store.add_tasks([ghost], profile="default", label="typo?", now=FROZEN_NOW - 7200)
    store.record_error(
        ghost, kind="not_found", text="The job does not exist. (HTTP 400, DBS.200543)",
        now=FROZEN_NOW - 60, not_found=True,
    )  # fmt: skip
    session = WatchSession(
        store,
        runtime_for(Simulator()),
        Settings(),
        clock=Clock(wall=lambda: FROZEN_NOW, monotonic=lambda: 0.0),
        poll=False,
    )
    session.load_estimates()
    session.deadlines.check_all()
    return TaskwatchApp(session, write_terminal=write_terminal or (lambda _: None))


async def highlight(app: TaskwatchApp, label: str) -> None:
    """Move the cursor to the row with ``label``."""
    from tui.ui.widgets.task_table import TaskTable

    table = app.query_one(TaskTable)
    for task_id, record in app.session.records.items():
        if record.label == label:
            table.move_cursor(row=table.get_row_index(task_id), animate=False)
            return
    raise AssertionError(f"no row labelled {label!r}")


@contextlib.asynccontextmanager
async def frozen_on(
    tmp_path: Path, label: str, size: tuple[int, int] = (120, 40)
) -> AsyncIterator[tuple[TaskwatchApp, Pilot[Any]]]:
    """The frozen app running headless with the cursor on the row labelled ``label``."""
    app = frozen_app(tmp_path / "f.sqlite3")
    async with app.run_test(size=size) as pilot:
        await highlight(app, label)
        yield app, pilot


Setup = Callable[[], TaskwatchApp]


class Messages:
    """Records the session events the app receives (as messages); lets a test await one instead
    of sleeping."""

    def __init__(self) -> None:
        self.seen: list[SessionEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, message: Message) -> None:
        if isinstance(message, SessionReported):
            self.seen.extend(message.events)
            self._changed.set()

    async def wait_for(
        self, predicate: Callable[[SessionEvent], bool], timeout: float = 10.0, *, after: int = 0
    ) -> SessionEvent:
        """The first event (from index ``after`` on) that ``predicate`` accepts, once it came."""
        async with asyncio.timeout(timeout):
            while True:
                for message in self.seen[after:]:
                    if predicate(message):
                        return message
                self._changed.clear()
                await self._changed.wait()
