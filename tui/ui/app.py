"""The Textual app: composition, key bindings, and the handler that shows session events.

All task state lives in the :class:`~tui.engine.session.WatchSession` the app is given; the app
turns what the session reports into widgets, toasts and terminal signals, and turns keys into
calls on the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.cloud.safe_text import visible
from tui.engine.events import (
    DeadlineWarning,
    SessionEvent,
    TaskFinished,
    TasksDiscovered,
)
from tui.engine.session import WatchSession
from tui.errors import TaskwatchError
from tui.present.notices import Notice, Severity, notice_of
from tui.ui.messages import SessionReported
from tui.ui.terminal import HangupWatchdog, TerminalSignals
from tui.ui.widgets.watch_view import WatchView

if TYPE_CHECKING:
    from tui.ui.widgets.dialogs import AddRequest

T = TypeVar("T")

__all__ = ["TaskwatchApp", "binding_rows", "styles_dir"]

log = logging.getLogger(__name__)

_SESSION_WORKERS = ("connect", "poller")
"""Workers that run the session: they keep the rows fresh, so their death must be seen."""

STORE_CHECK = 1.0  # seconds between cheap checks for another process's writes


def styles_dir() -> Path:
    """The .tcss files: inside the installed package, or at the top of a source checkout."""
    package = Path(__file__).parents[1]  # tui/
    packaged = package / "styles"
    return packaged if packaged.is_dir() else package.parent / "styles"


class TaskwatchApp(App[int]):
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
        Binding("j", "toggle_raw", "Raw JSON", show=False),
        Binding("t", "toggle_timeline", "Timeline", show=False),
        Binding("question_mark", "help", "Help"),
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
        self._watchdog: HangupWatchdog | None = None
        self.failure: TaskwatchError | None = None
        """Why the session could not start (bad configuration): the app exits with it."""
        self.session_started = asyncio.Event()
        """Set once the session's start has been tried, whether it worked or not."""
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
        loop = asyncio.get_running_loop()
        for number in (signal.SIGHUP, signal.SIGTERM):
            # SIGHUP: the terminal went away (ssh dropped, tmux killed): leave, don't spin.
            # SIGTERM: asked to stop (kill, systemd, tmux kill-server): leave the terminal as
            # it was found (alternate screen off, cursor shown, mouse off, line mode back).
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(number, self._hang_up)
        if not self.is_headless:
            # A lost terminal does not always bring SIGHUP; the watchdog notices the hang-up.
            self._watchdog = HangupWatchdog(lambda: loop.call_soon_threadsafe(self._hang_up))
            self._watchdog.start()
        if self._notice:
            self.notify(self._notice, severity="warning", timeout=15)
        # Settings, profiles and clients load once the first screen is painted (the footer
        # fills in on the frame after the first), in a thread, so that the screen comes first.
        self.call_after_refresh(
            self.call_after_refresh,
            lambda: self.run_worker(self._start_session(), name="connect", exit_on_error=False),
        )

    async def _start_session(self) -> None:
        try:
            await self.session.start()
        except TaskwatchError as error:
            self.failure = error
            self.exit(2)
            return
        finally:
            self.session_started.set()
        if self.session.settings.theme:
            with contextlib.suppress(Exception):  # an unknown theme name falls back to default
                self.theme = self.session.settings.theme
        runtime = self.session.runtime
        for warning in runtime.warnings if runtime else []:
            self.notify(warning, severity="warning", timeout=20)
        self.view.refresh_all(redraw=True)  # the theme, and the estimates' history, are in
        self._poller_worker = self.run_worker(
            self.session.run(), name="poller", exit_on_error=False
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

    def _hang_up(self) -> None:
        self.session.stop()
        self.exit(0)

    async def on_unmount(self) -> None:
        if self._watchdog is not None:
            self._watchdog.stopped.set()
        self.session.stop()
        if self._poller_worker is not None:
            with contextlib.suppress(Exception):  # it ends when stopped; we only wait for that
                await self._poller_worker.wait()
        await self.session.aclose()

    # -- showing what the session reports ------------------------------------------------------

    def _post_event(self, event: SessionEvent) -> None:
        """Called by the session on the event loop: only post; the handler does the work."""
        self.post_message(SessionReported(event))

    @on(SessionReported)
    def _session_reported(self, message: SessionReported) -> None:
        if not self.view.table.is_attached:
            return  # messages can still arrive while the app shuts down
        event = message.event
        if isinstance(event, TaskFinished | DeadlineWarning):
            notice = notice_of(event, self.session.settings.notifications)
            if notice is not None:
                self._announce(notice)
        elif isinstance(event, TasksDiscovered) and self.session.settings.notifications.toast:
            self.notify(visible(event.message, limit=200), title="Followed", timeout=8)
        self.view.show_event(event)

    def _announce(self, notice: Notice) -> None:
        if notice.toast:
            self.notify(notice.text, title=notice.title, severity=notice.severity, timeout=10)
        if notice.bell:
            self.signals.bell()
        if notice.desktop:
            self.signals.notify(f"taskwatch: {notice.title.lower()}", notice.text)

    # -- actions -------------------------------------------------------------------------------

    @work
    async def action_add(self) -> None:
        """Add tasks: paste IDs (any text), a label, a profile."""
        profiles = self.session.profile_names
        default = profiles[0] if profiles else self.session.settings.default_profile
        from tui.ui.widgets.dialogs import AddTasksScreen  # dialogs load when first opened

        key = f"add:{default}:{','.join(profiles)}"
        name = self._dialog(key, lambda: AddTasksScreen(profiles, default))
        request: AddRequest | None = await self.push_screen_wait(name)
        if request is not None:
            self.add_tasks(request)

    def add_tasks(self, request: AddRequest) -> None:
        """Watch the tasks of ``request`` and put the cursor on the first new one."""
        try:
            result = self.session.add(
                request.task_ids, profile=request.profile, label=request.label
            )
        except TaskwatchError as error:
            self.notify(str(error), severity="error")
            return
        self.view.refresh_all()  # now, so the cursor can go to the new row (the event is later)
        message = f"Watching {len(result.added)} new task(s)"
        if result.already:
            message += f"; {len(result.already)} already watched"
        self.notify(message)
        if result.added:
            table = self.view.table
            table.move_cursor(row=table.get_row_index(result.added[0]), animate=False)

    def action_remove(self) -> None:
        """Stop watching the selected task (u undoes)."""
        record = self.view.selected
        if record is not None and self._safely(self.session.remove, record.task_id) is not None:
            self.notify(f"Removed {record.label or record.task_id}. Press u to undo.")

    def action_undo(self) -> None:
        """Bring back the most recently removed task."""
        restored = self._safely(self.session.undo) or []
        if restored:
            self.notify(f"Restored {len(restored)} task(s).")
        else:
            self.notify("Nothing to undo.", severity="warning")

    @work
    async def action_edit_label(self) -> None:
        """Change the selected task's label."""
        record = self.view.selected
        if record is None:
            return
        from tui.ui.widgets.dialogs import LabelScreen

        name = self._dialog("label", lambda: LabelScreen(record.task_id, record.label))
        dialog = self.get_screen(name)
        assert isinstance(dialog, LabelScreen)
        dialog.edit(record.task_id, record.label)
        label: str | None = await self.push_screen_wait(name)
        if label is not None and label != record.label:
            self._safely(self.session.set_label, record.task_id, label)

    @work
    async def action_edit_deadline(self) -> None:
        """Set or clear the selected task's deadline (warned once if it will be or is missed)."""
        record = self.view.selected
        if record is None:
            return
        from tui.present.text import format_clock
        from tui.ui.widgets.dialogs import DeadlineChoice, DeadlineScreen

        job = record.job
        name = visible(record.label or (job.name if job else "") or record.task_id, limit=60)
        current = format_clock(record.deadline) if record.deadline is not None else ""
        key = self._dialog("deadline", lambda: DeadlineScreen(name, current))
        dialog = self.get_screen(key)
        assert isinstance(dialog, DeadlineScreen)
        dialog.edit(name, current)
        choice: DeadlineChoice | None = await self.push_screen_wait(key)
        if choice is None:
            return
        if self._safely(self.session.set_deadline, [record.task_id], choice.deadline) is None:
            return
        if choice.deadline is None:
            self.notify(f"No deadline for {name}.")
        else:
            self.notify(f"Deadline {format_clock(choice.deadline)} for {name}.")

    @work
    async def action_follow(self) -> None:
        """Follow instances: their new tasks are added by themselves (or remove a rule)."""
        from tui.ui.widgets.dialogs import FollowChoice, FollowScreen

        records = self.session.records.values()
        instances: dict[str, tuple[str, str]] = {}  # instance ID -> (name, profile)
        for record in records:
            job = record.job
            if job is not None and job.instance.id:
                instances.setdefault(job.instance.id.lower(), (job.instance.name, record.profile))
        known = self._safely(self.session.following.rules) or []
        rules = [(r.id, f"{r.profile}: {r.description}") for r in known]
        key = self._dialog("follow", FollowScreen)
        dialog = self.get_screen(key)
        assert isinstance(dialog, FollowScreen)
        dialog.edit([(i, name) for i, (name, _) in sorted(instances.items())], rules)
        choice: FollowChoice | None = await self.push_screen_wait(key)
        if choice is None:
            return
        if choice.unfollow is not None:
            if self._safely(self.session.following.unfollow, [choice.unfollow]):
                self.notify(f"Unfollowed rule {choice.unfollow}; the tasks it added stay.")
            return
        default = (self.session.profile_names or [self.session.settings.default_profile])[0]
        by_profile: dict[str, list[str]] = {}
        for instance_id in choice.instance_ids:
            by_profile.setdefault(instances[instance_id][1], []).append(instance_id)
        for profile, ids in (by_profile or {default: []}).items():
            number = self._safely(self.session.following.follow, profile, ids, choice.names)
            if number:
                self.notify(f"Following (rule {number}): new tasks will be added here.")

    def _safely(self, change: Callable[..., T], *args: Any) -> T | None:
        """Run a change of the watchlist; if it cannot be saved (locked by another process for
        too long, disk full), say why in a toast instead of failing."""
        try:
            return change(*args)
        except TaskwatchError as error:
            self.notify(str(error), severity="error")
            return None

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
        self.notify(f"Refreshing {self.session.refresh()} task(s).")

    def action_retry_credentials(self) -> None:
        """Read a refused credential again from its source and retry (one request)."""
        said = self.session.retry_credentials()
        if said:
            self.notify(said)

    def action_copy_id(self) -> None:
        """Copy the selected task's ID to the clipboard of the terminal you sit at (OSC 52)."""
        record = self.view.selected
        if record is not None:
            self.signals.copy(record.task_id)
            self.notify(f"Copied {record.task_id}")

    def action_copy_fail_reason(self) -> None:
        """Copy the selected task's failure reason (OSC 52)."""
        record = self.view.selected
        job = record.job if record else None
        if job is None or not job.fail_reason:
            self.notify("The selected task has no failure reason.", severity="warning")
            return
        self.signals.copy(visible(job.fail_reason, multiline=True))  # pasted into shells
        self.notify("Copied the failure reason.")

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

    def _dialog(self, name: str, fresh: Callable[[], Screen[Any]]) -> str:
        """Install a dialog once and reuse it: every new screen leaves tens of kilobytes of
        render caches behind in Textual (300 opened help screens cost 50 MB; one reused, 0)."""
        if not self.is_screen_installed(name):
            self.install_screen(fresh(), name)
        return name

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Severity = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast. Unlike Textual's default, the text is literal (no markup, controls shown): it
        carries labels, task names and failure reasons, which must never break rendering or
        reach the terminal as escape sequences."""
        message, title = visible(message, multiline=True, limit=1000), visible(title, limit=100)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

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
    rows.append(("ctrl+p", "Command palette: every action by name"))
    rows.append(("esc", "Clear the filter, close a dialog"))
    return rows
