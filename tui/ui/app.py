"""The Textual app: composition, key bindings, and the handler that shows session events.

All task state lives in the :class:`~tui.engine.session.WatchSession` the app is given; the app
turns what the session reports into widgets, toasts and terminal signals, and turns keys into
calls on the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.signal import SignalError
from textual.worker import Worker, WorkerState

from tui.cloud.safe_text import visible
from tui.engine.events import (
    SessionEvent,
)
from tui.engine.session import WatchSession
from tui.errors import TaskwatchError
from tui.present.text import tasks_count
from tui.ui.announcer import Announcer
from tui.ui.collector import QuietCollector
from tui.ui.copying import CopyingApp
from tui.ui.messages import SessionMailbox, SessionReported
from tui.ui.terminal import HangupWatchdog, TerminalSignals, leave_on_hangup
from tui.ui.theme_memory import kept_theme, remember_theme
from tui.ui.widgets.timeline import TIMELINE_KEYS
from tui.ui.widgets.watch_view import WatchView

if TYPE_CHECKING:
    from tui.team.notifier import TeamNotifier

    pass

T = TypeVar("T")

__all__ = ["TaskwatchApp", "binding_rows", "styles_dir"]

log = logging.getLogger(__name__)

_SESSION_WORKERS = ("connect", "poller")
"""Workers that run the session: they keep the rows fresh, so their death must be seen."""

STORE_CHECK = 1.0  # seconds between cheap checks for another process's writes
COLLECTOR_CHECK = 1.0  # seconds between looks for a quiet moment to collect garbage in


def styles_dir() -> Path:
    """The .tcss files: inside the installed package, or at the top of a source checkout."""
    package = Path(__file__).parents[1]  # tui/
    packaged = package / "styles"
    return packaged if packaged.is_dir() else package.parent / "styles"


class TaskwatchApp(CopyingApp):
    """Shows ``session``'s tasks live and lets the user act on them.

    Args:
        session: The watch session (store, clients, poller and task state).
        write_terminal: Where bell, OSC 9/777 and OSC 52 sequences go (tests capture them).
        notice: A message to show once at start (a watchlist moved aside, say).
    """

    TITLE = "taskwatch"
    CSS_PATH = [str(styles_dir() / "app.tcss"), str(styles_dir() / "dialogs.tcss")]  # noqa: RUF012
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
        Binding("d,delete", "remove", "Remove"),
        Binding("u", "undo", "Undo remove", show=False),
        Binding("l", "edit_label", "Label", show=False),
        Binding("D", "edit_deadline", "Deadline", show=False),
        Binding("F", "follow", "Follow", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("r", "refresh_selected", "Refresh"),
        Binding("R", "refresh_all", "Refresh all", show=False),
        Binding("ctrl+r", "retry_credentials", "Retry login", show=False),
        Binding("c", "copy_id", "Copy ID", show=False),
        Binding("f", "copy_fail_reason", "Copy reason", show=False),
        Binding("j", "cursor_down", "Next task", show=False),
        Binding("k", "cursor_up", "Previous task", show=False),
        Binding("v", "toggle_raw", "Raw JSON", show=False),
        Binding("t", "toggle_timeline", "Timeline", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("n", "dismiss_notices", "Dismiss toasts", show=False),
        Binding("q", "quit", "Quit"),
        # What people press to leave a terminal program (Textual's default only shows a hint).
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("ctrl+z", "suspend_process", "Suspend", show=False),
    ]

    def __init__(
        self,
        session: WatchSession,
        *,
        write_terminal: Callable[[str], None] | None = None,
        notice: str | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self._notice = notice
        self.signals = TerminalSignals(write_terminal or self._write_to_terminal)
        self._poller_worker: Worker[None] | None = None
        self._team: TeamNotifier | None = None
        self._watchdog: HangupWatchdog | None = None
        self._collector = QuietCollector()
        self.failure: TaskwatchError | None = None
        self.undelivered: str | None = None
        """Team messages lost at exit, in words (said on stderr once the terminal is back)."""
        """Why the session could not start (bad configuration): the app exits with it."""
        self.session_started = asyncio.Event()
        """Set once the session's start has been tried, whether it worked or not."""
        self._announcer = Announcer(
            self.notify, self.signals, lambda: self.session.settings.notifications
        )
        self._mailbox = SessionMailbox(self.post_message)
        session.subscribe(self._post_event)

    # -- composition and lifecycle -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Kept as an attribute: App.query_one() only searches the active screen, and session
        # events keep arriving while a dialog is open on top of this one.
        self.view = WatchView(self.session, footer_keys())
        yield self.view

    def on_mount(self) -> None:
        self.session.reload()
        self.view.refresh_all()
        self.set_interval(STORE_CHECK, self.session.check_outside_changes)
        self._collector.start()
        self.set_interval(COLLECTOR_CHECK, self._collector.tick)
        self._watchdog = leave_on_hangup(self._hang_up, watchdog=not self.is_headless)
        if self._notice:
            self.notify(self._notice, severity="warning", timeout=15)
        # Settings, profiles and clients load once the first screen is painted (the footer
        # fills in on the frame after the first), in a thread, so that the screen comes first;
        # so does the job model the detail pane needs.
        if not self.view.details_ready:
            self.call_after_refresh(
                lambda: self.run_worker(
                    self._load_details, name="details", thread=True, exit_on_error=False
                )
            )
        self.call_after_refresh(
            self.call_after_refresh,
            lambda: self.run_worker(self._start_session(), name="connect", exit_on_error=False),
        )

    def _load_details(self) -> None:
        """In a thread: load the job model (pydantic and its schema), then show the details."""
        from tui.cloud.models import warm

        warm()
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile: nothing to show
            self.call_from_thread(self.view.details_loaded)

    async def _start_session(self) -> None:
        try:
            await self.session.start()
        except TaskwatchError as error:
            self.failure = error
            self.exit(2)
            return
        finally:
            self.session_started.set()
        configured = self.session.settings.theme
        with contextlib.suppress(Exception):  # a kept pick Textual no longer has: the default
            self.theme = kept_theme(configured) if not self.session.demo else configured
        with contextlib.suppress(SignalError):  # the app already closing: nothing to keep
            self.theme_changed_signal.subscribe(self, self._theme_picked)
        runtime = self.session.runtime
        for warning in runtime.warnings if runtime else []:
            self.notify(warning, severity="warning", timeout=20)
        self._start_team()
        self.view.refresh_all(redraw=True)  # the theme, and the estimates' history, are in
        self._poller_worker = self.run_worker(
            self.session.run(), name="poller", exit_on_error=False
        )

    def _theme_picked(self, theme: object) -> None:
        """A theme was picked (command palette): keep it for the next start."""
        name = getattr(theme, "name", "")
        if name and not self.session.demo:
            remember_theme(name, self.session.settings.theme)

    def _start_team(self) -> None:
        """Tell the team too, if ``[[notify]]`` tables say where (a bad one is said, not fatal)."""
        from tui.team.notifier import notifier_for

        try:
            self._team = notifier_for(self.session, os.environ)
        except TaskwatchError as error:
            self.notify(
                visible(str(error), limit=300),
                title="Team notifications off",
                severity="warning",
                timeout=30,
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A background worker of the session that dies is said, not swallowed."""
        worker = event.worker
        if worker.name in _SESSION_WORKERS and event.state == WorkerState.ERROR:
            self._background_failed(worker.name, worker.error)

    def _background_failed(self, name: str, error: BaseException | None) -> None:
        """The session's ``connect`` or ``poller`` worker raised: refreshing has stopped.

        The rows would silently go stale; the log gets the traceback and the user one line.
        """
        log.error("the %s worker stopped", name, exc_info=error)
        what = type(error).__name__ if error is not None else "an error"
        self.notify(
            f"Refreshing stopped ({what}); the log has the details. Restart taskwatch.",
            title="Background work failed",
            severity="error",
            timeout=60,
        )

    def watchdog_done(self) -> None:
        """The app has left the terminal: the hang-up watchdog may stop."""
        if self._watchdog is not None:
            self._watchdog.stopped.set()

    def _hang_up(self) -> None:
        self.session.stop()
        self.exit(0)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self._collector.input_seen()  # a key waits for the screen: no full collection now
        await super().on_event(event)

    async def on_unmount(self) -> None:
        # The watchdog keeps watching: Textual's own shutdown writes to the terminal, and with
        # the terminal gone it blocks on its writer's full queue (watchdog_done() ends it).
        self._collector.stop()
        self.session.stop()
        if self._poller_worker is not None:
            with contextlib.suppress(Exception):  # it ends when stopped; we only wait for that
                await self._poller_worker.wait()
        if self._team is not None:
            lost = await self._team.aclose()
            self.undelivered = lost.sentence() if lost is not None else None
        await self.session.aclose()

    # -- showing what the session reports ------------------------------------------------------

    def _post_event(self, event: SessionEvent) -> None:
        """Called by the session on the event loop: only gather; the handler does the work."""
        self._mailbox.put(event)

    @on(SessionReported)
    def _session_reported(self, message: SessionReported) -> None:
        events = self._mailbox.take(message)
        if not self.view.table.is_attached:
            return  # messages can still arrive while the app shuts down
        for event in events:
            self._announcer.hear(event)
            self.view.feed.hear(event)

    # -- actions -------------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Filter the table by words (task ID, label, name, instance, status)."""
        self.view.open_filter()

    def action_cycle_sort(self) -> None:
        """Sort by: order added → status severity → created → last change."""
        self.view.cycle_sort()

    def action_toggle_pause(self) -> None:
        """Pause or resume all refreshing."""
        self.session.set_paused(not self.session.paused)
        self.notify("Refreshing paused." if self.session.paused else "Refreshing resumed.")
        self.view.update_summary()

    def action_refresh_selected(self) -> None:
        """Refresh the selected task now."""
        record = self.view.selected
        if record is None:
            return
        if record.is_final:
            self.notify(f"{record.status}: a finished task does not change.")
            return
        self.session.refresh(record.task_id)

    def action_refresh_all(self) -> None:
        """Refresh every unfinished task now."""
        count = self.session.refresh()
        if count:
            self.notify(f"Refreshing {tasks_count(count, 'unfinished task')}.")
        else:
            self.notify("Every task is final: nothing to refresh.")

    def action_retry_credentials(self) -> None:
        """Read a refused credential again from its source and retry (one request)."""
        said = self.session.credentials.retry()
        if said:
            self.notify(said)

    def action_cursor_down(self) -> None:
        """Move to the next task (as vim, less and k9s do)."""
        self.view.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        """Move to the previous task."""
        self.view.table.action_cursor_up()

    def action_toggle_raw(self) -> None:
        """Show or hide the raw JSON in the detail pane."""
        self.view.raw_json = not self.view.raw_json
        self.view.refresh_detail()

    def action_toggle_timeline(self) -> None:
        """Show the tasks as bars on one time axis, or the table again."""
        self.view.toggle_timeline()

    def action_help(self) -> None:
        """List every key."""
        from tui.ui.widgets.dialogs import HelpScreen

        self.push_screen(self._dialog("help", lambda: HelpScreen(binding_rows())))

    async def action_quit(self) -> None:
        """Quit taskwatch (the watchlist is saved; nothing is lost)."""
        self.exit(0)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in bindings_of(TaskwatchApp):
            method = getattr(self, f"action_{binding.action}", None)
            if method is not None and binding.action != "quit":
                yield SystemCommand(binding.description, (method.__doc__ or "").strip(), method)

    def _write_to_terminal(self, data: str) -> None:
        # Textual writes its own escape sequences (bell, OSC 52) this way; so do we.
        driver = self._driver
        if driver is not None and not self.is_headless:
            driver.write(data)
            driver.flush()


def bindings_of(app_class: type[App[Any]]) -> list[Binding]:
    """The app's own bindings as Binding objects."""
    return [b for b in app_class.BINDINGS if isinstance(b, Binding)]


def _key_names(keys: str) -> str:
    names = {"slash": "/", "question_mark": "?", "delete": "Delete"}
    return ", ".join(names.get(k, k) for k in keys.split(","))


def footer_keys() -> list[tuple[str, str]]:
    """(key, short description) of the bindings shown at the bottom of the main screen."""
    keys = [
        (_key_names(b.key).split(",")[0], b.description)
        for b in bindings_of(TaskwatchApp)
        if b.show
    ]
    return [*keys, ("^p", "Palette")]


def binding_rows() -> list[tuple[str, str]]:
    """(keys, description) for every binding: the help screen and the README table use this."""
    rows = []
    for binding in bindings_of(TaskwatchApp):
        method = getattr(TaskwatchApp, f"action_{binding.action}", None)
        doc = (method.__doc__ or "").strip().splitlines()[0] if method and method.__doc__ else ""
        rows.append((_key_names(binding.key), doc or binding.description))
    rows.extend((keys, f"Timeline: {what}") for keys, what in TIMELINE_KEYS)
    rows.append(("ctrl+p", "Command palette: every action by name"))
    rows.append(("esc", "Clear the filter, close a dialog"))
    return rows
