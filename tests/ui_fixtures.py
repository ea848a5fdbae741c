"""Apps for Pilot, snapshot tests and the README screenshots, all offline and deterministic.

``live_app`` runs the real engine against the in-process simulator with a fake simulator clock;
``frozen_app`` shows a fixed watchlist at a fixed time, with no polling (for snapshots).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tui.cloud.client import new_http_client
from tui.cloud.credentials import Credential
from tui.cloud.endpoints import Service
from tui.cloud.models import parse_job_dict
from tui.engine.config import Profile, Settings
from tui.engine.poller import PollerConfig
from tui.engine.runtime import Runtime, client_for
from tui.engine.session import Clock, WatchSession
from tui.engine.store import Store
from tui.simulator import (
    DEMO_AK,
    DEMO_PROJECT_ID,
    DEMO_SK,
    FakeClock,
    Simulator,
    SimulatorTransport,
)
from tui.simulator.scenarios import LONG_FAIL_REASON, make_job
from tui.ui.app import TaskwatchApp

FROZEN_NOW = 1_795_780_800.0  # 2026-11-27 12:00:00 UTC


def demo_profile(sk: str = DEMO_SK, name: str = "default") -> Profile:
    return Profile(
        name=name,
        service=Service.TAURUSDB,
        endpoint="http://127.0.0.1:9",
        project_id=DEMO_PROJECT_ID,
        credential=Credential(kind="aksk", source="tests", ak=DEMO_AK, sk=sk),
        region="cn-north-4",
        rate_limit=100.0,
    )


def runtime_for(simulator: Simulator, *profiles: Profile) -> Runtime:
    runtime = Runtime(new_http_client(transport=SimulatorTransport(simulator)))
    for profile in profiles or (demo_profile(),):
        runtime.profiles[profile.name] = profile
        runtime.clients[profile.name] = client_for(runtime.http, profile)
    return runtime


@dataclass
class Terminal:
    """Captures what the app writes to the terminal (bell, OSC 9/777, OSC 52)."""

    writes: list[str] = field(default_factory=list)

    def __call__(self, data: str) -> None:
        self.writes.append(data)


@dataclass
class LiveSetup:
    app: TaskwatchApp
    simulator: Simulator
    clock: FakeClock
    store: Store
    terminal: Terminal


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


def _snapshot_jobs() -> list[tuple[str, str, dict[str, object], list[tuple[float, str, str]]]]:
    """(label, profile, job JSON, observed history) for a realistic watchlist."""
    sim = Simulator(clock=lambda: FROZEN_NOW, seed=21)
    specs = [
        ("CHG-1042 resize", "create", dict(created_at=FROZEN_NOW - 300, running_for=240)),
        ("CHG-1043 bind EIP", "bind_eip", dict(created_at=FROZEN_NOW - 95, running_for=200)),
        ("CHG-1044 upgrade", "upgrade", dict(created_at=FROZEN_NOW - 700, running_for=600,
                                             outcome="Failed", fail_reason=LONG_FAIL_REASON)),
        ("CHG-1045 reboot", "reboot", dict(created_at=FROZEN_NOW - 20, pending_for=60)),
        ("prod replica", "rds_replica", dict(created_at=FROZEN_NOW - 7200, running_for=900)),
        ("", "rds_scale", dict(created_at=FROZEN_NOW - 40, running_for=120)),
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
        out.append((label, "default", job.snapshot(FROZEN_NOW), history))
    return out


def frozen_app(
    path: Path | str = ":memory:", *, write_terminal: Callable[[str], None] | None = None
) -> TaskwatchApp:
    """A fixed watchlist at a fixed time, no polling: renders the same on every machine."""
    store = Store.open(path)
    for label, profile, job_json, history in _snapshot_jobs():
        task_id = str(job_json["id"])
        store.add_tasks([task_id], profile=profile, label=label, now=FROZEN_NOW - 3600)
        for at, _status, raw in history:
            store.record_success(task_id, parse_job_dict(json.loads(raw)), now=at)
        store.record_success(task_id, parse_job_dict(job_json), now=FROZEN_NOW - 2)
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


Setup = Callable[[], TaskwatchApp]
