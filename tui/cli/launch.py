"""Everything the TUI needs before it starts: settings, store, profiles, and the demo world."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.engine.session import WatchSession
from tui.engine.setup.paths import database_file
from tui.engine.storage import Store

if TYPE_CHECKING:
    from tui.engine.setup.config import Settings
    from tui.engine.setup.runtime import Runtime

from tui.cli.demo import DEMO_LABELS, SERVICE_DEMO_LABELS, start_demo

__all__ = ["DEMO_LABELS", "SERVICE_DEMO_LABELS", "Prepared", "launch", "prepare", "start_demo"]


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


def prepare(args: argparse.Namespace, *, kind: str = "tui") -> Prepared:
    """Open the watchlist and build the watch session for the TUI.

    Settings, profiles and clients load when the session starts, right after the first paint
    (see :meth:`WatchSession.start`). In ``--demo``, the simulator starts on 127.0.0.1 and a
    fresh demo watchlist is used. ``kind`` (``tui``, ``watch``) is what the other processes on
    the watchlist are shown when this one polls.
    """
    if getattr(args, "demo", False):
        return _prepare_demo(args, kind)
    store = Store.open(database_file())
    notices = list(store.tightened)
    if store.recovered_to is not None:
        notices.append(
            f"The watchlist database was unreadable. It was moved to {store.recovered_to} "
            "and a new one was started."
        )
    notice = "\n".join(notices) or None

    def connect(in_use: list[str]) -> tuple[Settings, Runtime]:
        from tui.cli.common import overrides_from
        from tui.engine.setup.config import load_settings
        from tui.engine.setup.runtime import build_runtime

        settings = load_settings()
        overrides = overrides_from(args)
        selected = overrides.profile or settings.default_profile
        return settings, build_runtime(settings, overrides, [selected, *in_use])

    return Prepared(WatchSession(store, connect=connect, kind=kind), notice=notice)


def _prepare_demo(args: argparse.Namespace, kind: str) -> Prepared:
    from tui.cli.common import overrides_from
    from tui.engine.setup.config import load_settings
    from tui.engine.setup.runtime import build_runtime

    settings = load_settings()
    settings = settings.model_copy(
        update={"refresh_interval": 2.0, "discovery_interval": 5.0, "default_profile": "demo"}
    )
    profiles, store, stop = start_demo()
    runtime = build_runtime(settings, overrides_from(args), [], extra=profiles)
    session = WatchSession(store, runtime, settings, demo=True, kind=kind)
    return Prepared(session, cleanups=[stop])


def launch(args: argparse.Namespace) -> int:
    """Build everything the TUI needs from the command line, run it, tidy up."""
    from tui.ui.app import TaskwatchApp  # Textual only for the TUI, never for scripts

    prepared = prepare(args)
    try:
        app = TaskwatchApp(prepared.session, notice=prepared.notice)
        try:
            result = app.run()
        finally:
            app.watchdog_done()
    finally:
        prepared.close()
    if app.undelivered is not None:
        print(f"taskwatch: warning: {app.undelivered}", file=sys.stderr)
    if app.failure is not None:
        raise app.failure  # a configuration the session could not start with: one line, exit 2
    return result or 0
