"""Everything the TUI needs before it starts: settings, store, profiles, and the demo world."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.cli.parser import overrides_from
from tui.cloud.credentials import Credential
from tui.cloud.endpoints import Service
from tui.engine.config import Profile, Settings, load_settings
from tui.engine.paths import database_file
from tui.engine.runtime import build_runtime
from tui.engine.session import WatchSession
from tui.engine.store import Store

log = logging.getLogger(__name__)

__all__ = ["DEMO_LABELS", "Prepared", "launch", "prepare", "start_demo"]

DEMO_LABELS = [
    "CHG-1042 resize",
    "CHG-1042 new cluster",
    "CHG-1043 bind EIP",
    "CHG-1044 upgrade",
    "CHG-1045 reboot",
    "CHG-1046 grow disk",
    "yesterday: replica",
]


@dataclass
class Prepared:
    """A watch session ready for the TUI, and what to tidy up after it."""

    session: WatchSession
    notice: str | None = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Stop the demo simulator, close the store. (The app closes the HTTP client: its
        connections belong to the app's event loop.)"""
        for cleanup in reversed(self.cleanups):
            cleanup()
        if self.session.store is not None:
            self.session.store.close()


def start_demo(settings: Settings) -> tuple[Profile, Store, Callable[[], None]]:
    """Start the simulator on 127.0.0.1 with the demo tasks, on a fresh demo watchlist."""
    from tui.simulator import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, Simulator, SimulatorServer
    from tui.simulator.scenarios import add_demo_jobs

    simulator = Simulator()
    jobs = add_demo_jobs(simulator)
    server = SimulatorServer(simulator).start()
    path = database_file(demo=True)
    for suffix in ("", "-wal", "-shm"):  # the demo starts over each time; real data lives apart
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    store = Store.open(path)
    for job, label in zip(jobs, DEMO_LABELS, strict=False):
        store.add_tasks([job.id], profile="demo", label=label)
    profile = Profile(
        name="demo",
        service=Service.TAURUSDB,
        endpoint=server.url,
        project_id=DEMO_PROJECT_ID,
        credential=Credential(kind="aksk", source="the built-in demo", ak=DEMO_AK, sk=DEMO_SK),
        region="simulator",
        rate_limit=20.0,
    )
    return profile, store, server.stop


def prepare(args: argparse.Namespace) -> Prepared:
    """Resolve settings and profiles, open the watchlist, and build the watch session.

    In ``--demo``, start the simulator on 127.0.0.1 and use a fresh demo watchlist.
    """
    settings = load_settings()
    overrides = overrides_from(args)
    if getattr(args, "demo", False):
        settings = settings.model_copy(update={"refresh_interval": 2.0, "default_profile": "demo"})
        profile, store, stop = start_demo(settings)
        runtime = build_runtime(settings, overrides, [], extra=[profile])
        return Prepared(WatchSession(store, runtime, settings, demo=True), cleanups=[stop])
    store = Store.open(database_file())
    notice = None
    if store.recovered_to is not None:
        notice = (
            f"The watchlist database was unreadable. It was moved to {store.recovered_to} "
            "and a new one was started."
        )
    selected = overrides.profile or settings.default_profile
    names = [selected, *{record.profile for record in store.list_tasks()}]
    runtime = build_runtime(settings, overrides, names)
    return Prepared(WatchSession(store, runtime, settings), notice=notice)


def launch(args: argparse.Namespace) -> int:
    """Build everything the TUI needs from the command line, run it, tidy up."""
    from tui.ui.app import TaskwatchApp  # Textual only for the TUI, never for scripts

    prepared = prepare(args)
    try:
        for profile in (
            prepared.session.runtime.profiles.values() if prepared.session.runtime else []
        ):
            log.info(
                "profile %s: %s, %s", profile.name, profile.endpoint, profile.credential.display
            )
        result = TaskwatchApp(prepared.session, notice=prepared.notice).run()
    finally:
        prepared.close()
    return result or 0
