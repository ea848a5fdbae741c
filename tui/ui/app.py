"""The Textual app: composition, key bindings, and routing of engine events to widgets."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Concatenate, ParamSpec

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker

from tui.engine.config import NotificationSettings, Settings
from tui.engine.poller import (
    CredentialBlocked,
    CredentialResumed,
    EndpointState,
    Poller,
    PollerConfig,
    PollerEvent,
    TaskErrored,
    TaskUpdated,
)
from tui.engine.present import format_checked, format_elapsed, format_local, status_icon
from tui.engine.runtime import Runtime
from tui.engine.store import Store, TaskRecord
from tui.ui.messages import (
    CredentialRefused,
    CredentialRestored,
    EndpointChanged,
    RefreshFailed,
    TaskFinished,
    TaskRefreshed,
)
from tui.ui.terminal import HangupWatchdog, TerminalSignals
from tui.ui.widgets.detail import DetailPane, render_detail
from tui.ui.widgets.dialogs import AddRequest, AddTasksScreen, HelpScreen, LabelScreen
from tui.ui.widgets.task_table import SORT_MODES, TaskTable

__all__ = ["TaskwatchApp", "styles_dir"]

log = logging.getLogger(__name__)

WIDE = 120  # from this many columns the detail pane sits beside the table
CLOCK_TICK = 5.0  # seconds between updates of elapsed / checked-ago texts
STORE_CHECK = 1.0  # seconds between cheap checks for another process's writes


def styles_dir() -> Path:
    """The .tcss files: inside the installed package, or at the top of a source checkout."""
    package = Path(__file__).parents[1]  # tui/
    packaged = package / "styles"
    return packaged if packaged.is_dir() else package.parent / "styles"


P = ParamSpec("P")


def _while_shown(
    method: Callable[Concatenate[TaskwatchApp, P], None],
) -> Callable[Concatenate[TaskwatchApp, P], None]:
    """Skip a UI update once the main screen is gone: engine messages can arrive while exiting."""

    @functools.wraps(method)
    def guarded(self: TaskwatchApp, /, *args: P.args, **kwargs: P.kwargs) -> None:
        if self.shown:
            method(self, *args, **kwargs)

    return guarded


@dataclass(frozen=True)
class Clock:
    """Wall time for display and monotonic time for scheduling; tests pin both."""

    wall: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic


class TaskwatchApp(App[int]):
    """Watches the tasks in ``store`` through ``runtime``'s clients."""

    TITLE = "taskwatch"
    CSS_PATH = [str(styles_dir() / "app.tcss"), str(styles_dir() / "dialogs.tcss")]  # noqa: RUF012
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
        Binding("d,delete", "remove", "Remove"),
        Binding("u", "undo", "Undo remove", show=False),
        Binding("l", "edit_label", "Label", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("r", "refresh_selected", "Refresh"),
        Binding("R", "refresh_all", "Refresh all", show=False),
        Binding("ctrl+r", "retry_credentials", "Retry login", show=False),
        Binding("c", "copy_id", "Copy ID", show=False),
        Binding("f", "copy_fail_reason", "Copy reason", show=False),
        Binding("j", "toggle_raw", "Raw JSON", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        store: Store,
        runtime: Runtime | None,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        write_terminal: Callable[[str], None] | None = None,
        demo: bool = False,
        poll: bool = True,
        notice: str | None = None,
        poller_config: PollerConfig | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.runtime = runtime
        self.settings = settings or Settings()
        self.clock = clock or Clock()
        self.demo = demo
        self.records: dict[str, TaskRecord] = {}
        self.raw_json = False
        self.paused = False
        self._notice = notice
        self._undo: list[list[str]] = []
        self._blocked: dict[str, str] = {}
        """Profiles whose credential the cloud refused, with the message to show."""
        self._unusable: dict[str, str] = {}
        """Profiles that could not be set up (configuration), with the reason."""
        self._endpoints: dict[str, EndpointChanged] = {}
        self._data_version = store.data_version()
        self._summary_text = ""
        self._detail_key: tuple[object, ...] | None = None
        self.signals = TerminalSignals(write_terminal or self._write_to_terminal)
        self.poller: Poller | None = None
        self._poller_worker: Worker[None] | None = None
        self._watchdog: HangupWatchdog | None = None
        if runtime is not None and poll:
            self.poller = Poller(
                store,
                runtime.clients,
                credential_keys=runtime.credential_keys,
                rate_limits=runtime.rate_limits,
                config=poller_config
                or PollerConfig(
                    interval=self.settings.refresh_interval,
                    concurrency=self.settings.concurrency,
                    not_found_grace=self.settings.not_found_grace,
                ),
                clock=self.clock.monotonic,
                wall_clock=self.clock.wall,
            )
            self.poller.subscribe(self._on_engine_event)
        if self.settings.theme:
            with contextlib.suppress(Exception):  # an unknown theme name falls back to default
                self.theme = self.settings.theme

    # -- composition ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Kept as attributes: App.query_one() only searches the active screen, and engine updates
        # keep arriving while a dialog is open on top of this one.
        # markup=False: profile names and error messages are shown as they are, never parsed.
        self.summary = Static(id="summary", markup=False)
        self.banner = Static(id="banner", markup=False)
        self.main_area = Container(id="main")
        self.table = TaskTable(id="tasks")
        self.detail = DetailPane(id="detail")
        self.filter_input = Input(placeholder="filter: words to match (esc clears)", id="filter")
        yield self.summary
        yield self.banner
        with self.main_area:
            yield self.table
            yield self.detail
        yield self.filter_input
        yield Footer(compact=True)

    @property
    def shown(self) -> bool:
        """Whether the main screen's widgets are still up (messages arrive during shutdown)."""
        return self.table.is_attached

    def on_mount(self) -> None:
        for profile in self.runtime.profiles.values() if self.runtime else []:
            log.info(
                "profile %s: %s, %s", profile.name, profile.endpoint, profile.credential.display
            )
        table = self.table
        table.styles_for = self._status_style
        self._reload_records()
        table.focus()
        self._layout_for(self.size.width)
        self.set_interval(CLOCK_TICK, self._tick_clock)
        self.set_interval(STORE_CHECK, self._check_store)
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            # SIGHUP: the terminal went away (ssh dropped, tmux killed). Leave, don't spin.
            loop.add_signal_handler(signal.SIGHUP, self._hang_up)
        if not self.is_headless:
            # A lost terminal does not always bring SIGHUP; the watchdog notices the hang-up.
            self._watchdog = HangupWatchdog(lambda: loop.call_soon_threadsafe(self._hang_up))
            self._watchdog.start()
        if self.poller is not None:
            self.poller.sync()
            self._poller_worker = self.run_worker(
                self.poller.run(), name="poller", exit_on_error=False
            )
        if self._notice:
            self.notify(self._notice, severity="warning", timeout=15)
        for warning in self.runtime.warnings if self.runtime else []:
            self.notify(warning, severity="warning", timeout=20)
        for name, problem in (self.runtime.problems if self.runtime else {}).items():
            self._unusable[name] = f"Profile '{name}' is not polled: {problem}"
        self._update_summary()
        self._update_banner()

    def _hang_up(self) -> None:
        if self.poller is not None:
            self.poller.stop()
        self.exit(0)

    async def on_unmount(self) -> None:
        if self._watchdog is not None:
            self._watchdog.stopped.set()
        if self.poller is not None:
            self.poller.stop()
        if self._poller_worker is not None:
            with contextlib.suppress(Exception):  # it ends when stopped; we only wait for that
                await self._poller_worker.wait()
        if self.runtime is not None:
            await self.runtime.aclose()

    def on_resize(self) -> None:
        self._layout_for(self.size.width)
        self._update_summary()

    def _layout_for(self, width: int) -> None:
        main = self.main_area
        main.set_class(width < WIDE, "-narrow")

    # -- data in -------------------------------------------------------------------------------

    def _reload_records(self) -> None:
        self.records = {record.task_id: record for record in self.store.list_tasks()}
        self._refresh_table()
        self._refresh_detail()

    @_while_shown
    def _refresh_table(self) -> None:
        table = self.table
        with self.batch_update():
            table.show(self.records.values(), self.clock.wall())
        self._update_summary()

    @_while_shown
    def _check_store(self) -> None:
        """Another process (the CLI, a second TUI) changed the watchlist: show it."""
        version = self.store.data_version()
        if version == self._data_version:
            return
        self._data_version = version
        if self.poller is not None:
            self.poller.sync()
        self._reload_records()

    @_while_shown
    def _tick_clock(self) -> None:
        table = self.table
        with self.batch_update():
            table.refresh_clock_columns(self.records, self.clock.wall())
            selected = self.records.get(table.highlighted_task or "")
            if selected is not None and not selected.is_final:
                self._refresh_detail()

    def _on_engine_event(self, event: PollerEvent) -> None:
        """Called by the engine on the event loop: only post, the handlers do the work."""
        if isinstance(event, TaskUpdated):
            self.post_message(TaskRefreshed(event.record, event.changed))
            if event.finished:
                self.post_message(TaskFinished(event.record))
        elif isinstance(event, TaskErrored):
            self.post_message(RefreshFailed(event.record, event.error, event.not_found))
        elif isinstance(event, CredentialBlocked):
            self.post_message(CredentialRefused(event.profiles, event.error))
        elif isinstance(event, CredentialResumed):
            self.post_message(CredentialRestored(event.profiles))
        elif isinstance(event, EndpointState):
            self.post_message(EndpointChanged(event.endpoint, event.state, event.since))

    @_while_shown
    def _put_record(self, record: TaskRecord) -> None:
        if record.task_id not in self.records and self.store.get_task(record.task_id) is None:
            return  # removed meanwhile
        previous = self.records.get(record.task_id)
        self.records[record.task_id] = record
        if previous is not None and not visibly_different(previous, record):
            return  # only the check time moved: the clock tick shows that, no repaint now
        table = self.table
        with self.batch_update():
            if not table.update_record(record, self.clock.wall()):
                table.show(self.records.values(), self.clock.wall())
        if table.highlighted_task == record.task_id:
            self._refresh_detail()
        self._update_summary()

    @on(TaskRefreshed)
    def _task_refreshed(self, message: TaskRefreshed) -> None:
        self._put_record(message.record)

    @on(RefreshFailed)
    def _refresh_failed(self, message: RefreshFailed) -> None:
        self._put_record(message.record)

    @on(TaskFinished)
    def _task_finished(self, message: TaskFinished) -> None:
        record = message.record
        job = record.job
        if not finished_while_watched(record):
            return  # first seen already finished (an old task just added): the row says it
        name = (record.label or (job.name if job else "") or record.task_id)[:60]
        status = record.status
        failed = status.lower() != "completed"
        text = f"{status_icon(status)} {name}: {status}"
        if job and job.fail_reason:
            text += f" — {job.fail_reason[:200]}"
        settings: NotificationSettings = self.settings.notifications
        if settings.toast:
            level: SeverityLevel = "information"
            if failed:
                level = "error" if status.lower() == "failed" else "warning"
            self.notify(text, title=f"Task {status.lower()}", severity=level, timeout=10)
        if settings.bell and (failed or settings.bell_on_success):
            self.signals.bell()
        if settings.desktop:
            self.signals.notify(f"taskwatch: task {status.lower()}", text)

    @on(CredentialRefused)
    def _credential_refused(self, message: CredentialRefused) -> None:
        for profile in message.profiles:
            self._blocked[profile] = (
                f"Authentication failed for profile '{profile}': {message.error}. "
                "All requests with this credential have stopped. Fix it, then press ctrl+r to "
                "retry (each failed try counts toward the gateway's 5-strike AK lock)."
            )
        self._update_banner()
        self._update_summary()

    @on(CredentialRestored)
    def _credential_restored(self, message: CredentialRestored) -> None:
        for profile in message.profiles:
            self._blocked.pop(profile, None)
        self._update_banner()
        self._update_summary()

    @on(EndpointChanged)
    def _endpoint_changed(self, message: EndpointChanged) -> None:
        self._endpoints[message.endpoint] = message
        self._update_summary()

    # -- rendering -----------------------------------------------------------------------------

    def _status_style(self, status: str) -> str:
        variables = self.theme_variables
        if status == "stale":
            return f"italic {variables.get('warning', '')}".strip()
        name = {"failed": "error", "completed": "success", "canceled": "warning"}.get(status)
        return variables.get(name, "") if name else ""

    @_while_shown
    def _update_summary(self) -> None:
        counts: dict[str, int] = {}
        for record in self.records.values():
            key = "not found" if record.not_found else (record.status or "waiting")
            counts[key] = counts.get(key, 0) + 1
        order = ["Failed", "Running", "Pending", "waiting", "not found", "Canceled", "Completed"]
        known = [k for k in order if k in counts] + sorted(k for k in counts if k not in order)
        compact = self.size.width < WIDE  # icons and numbers only; the table has the words
        parts = [
            f"{status_icon('' if k == 'waiting' else k, not_found=k == 'not found')}"
            + (f"{counts[k]}" if compact else f" {counts[k]} {k.lower()}")
            for k in known
        ]
        where = ", ".join(
            f"{p.name} ({p.region or p.endpoint})"
            for p in (self.runtime.profiles.values() if self.runtime else [])
        )
        state = self._connection_state()
        table = self.table
        sort = f"sort: {table.sort_mode}"
        filt = f"filter: {table.filter_text!r}" if table.filter_text else ""
        demo = "DEMO · " if self.demo else ""
        # Most important first: at 80 columns the end of the line is what gets cut.
        fields = [
            "  ".join(parts) or "no tasks",
            state,
            f"{demo}{where or 'no profile'}",
            sort,
            filt,
        ]
        text = " · ".join(x for x in fields if x)
        if text != self._summary_text:  # an unchanged line is not re-sent to the terminal
            self._summary_text = text
            self.summary.update(text)

    def _connection_state(self) -> str:
        if self.paused:
            return "⏸ paused"
        if self._blocked:
            return "✘ authentication failed"
        if self._unusable:
            return "⚠ profile not configured"
        states = [m for m in self._endpoints.values() if m.state != "ok"]
        if not states:
            return "● ok" if self._endpoints else "● connecting"
        worst = min(states, key=lambda m: {"offline": 0, "throttled": 1}.get(m.state, 2))
        if worst.state == "offline":
            return (
                f"⚠ offline since {format_local(datetime.fromtimestamp(worst.since).astimezone())}"
            )
        return f"⚠ {worst.state}"

    @_while_shown
    def _update_banner(self) -> None:
        banner = self.banner
        problems = [*self._blocked.values(), *self._unusable.values()]
        banner.update("\n".join(problems))
        banner.display = bool(problems)

    @_while_shown
    def _refresh_detail(self) -> None:
        pane = self.detail
        task_id = self.table.highlighted_task
        record = self.records.get(task_id or "")
        if record is None:
            pane.show_empty(
                "No task selected. Press a to add tasks."
                if not self.records
                else "No task selected."
            )
            return
        problem = self._blocked.get(record.profile) or self._unusable.get(record.profile)
        now = self.clock.wall()
        key = detail_key(record, now, self.raw_json, problem)
        if key == self._detail_key:
            return  # same text as on screen: repainting it would only send bytes
        self._detail_key = key
        pane.show(
            render_detail(
                record,
                self.store.history(record.task_id),
                now=now,
                raw=self.raw_json,
                problem=problem,
                error_style=self.theme_variables.get("error", "red"),
            )
        )

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._refresh_detail()

    # -- actions -------------------------------------------------------------------------------

    def _selected(self) -> TaskRecord | None:
        task_id = self.table.highlighted_task
        return self.records.get(task_id or "")

    @work
    async def action_add(self) -> None:
        """Add tasks: paste IDs (any text), a label, a profile."""
        profiles = list(self.runtime.profiles) if self.runtime else []
        profiles += list(self.settings.profiles)
        default = profiles[0] if profiles else self.settings.default_profile
        request = await self.push_screen_wait(AddTasksScreen(profiles, default))
        if request is None:
            return
        self.add_tasks(request)

    def add_tasks(self, request: AddRequest) -> None:
        result = self.store.add_tasks(
            request.task_ids, profile=request.profile, label=request.label
        )
        if self.poller is not None:
            self.poller.sync()
        self._reload_records()
        message = f"Watching {len(result.added)} new task(s)"
        if result.already:
            message += f"; {len(result.already)} already watched"
        self.notify(message)
        if result.added:
            table = self.table
            with contextlib.suppress(Exception):
                table.move_cursor(row=table.get_row_index(result.added[0]), animate=False)

    def action_remove(self) -> None:
        """Stop watching the selected task (u undoes)."""
        record = self._selected()
        if record is None:
            return
        self.store.remove_tasks([record.task_id])
        self._undo.append([record.task_id])
        if self.poller is not None:
            self.poller.sync()
        self._reload_records()
        self.notify(f"Removed {record.label or record.task_id}. Press u to undo.")

    def action_undo(self) -> None:
        """Bring back the most recently removed task."""
        if not self._undo:
            self.notify("Nothing to undo.", severity="warning")
            return
        restored = self.store.restore_tasks(self._undo.pop())
        if self.poller is not None:
            self.poller.sync()
        self._reload_records()
        self.notify(f"Restored {len(restored)} task(s).")

    @work
    async def action_edit_label(self) -> None:
        """Change the selected task's label."""
        record = self._selected()
        if record is None:
            return
        label = await self.push_screen_wait(LabelScreen(record.task_id, record.label))
        if label is None or label == record.label:
            return
        self.store.set_label(record.task_id, label)
        self._reload_records()

    def action_filter(self) -> None:
        """Filter the table by words (task ID, label, name, instance, status)."""
        field = self.filter_input
        field.display = True
        field.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.filter_text = event.value.strip()
        self._refresh_table()
        self._refresh_detail()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.table.focus()
        if not self.filter_input.value:
            self.filter_input.display = False

    def key_escape(self) -> None:
        field = self.filter_input
        if field.display:
            field.value = ""
            field.display = False
            self.table.focus()

    def action_cycle_sort(self) -> None:
        """Sort by: order added → status severity → created → last change."""
        table = self.table
        table.sort_mode = SORT_MODES[(SORT_MODES.index(table.sort_mode) + 1) % len(SORT_MODES)]
        self._refresh_table()

    def action_toggle_pause(self) -> None:
        """Pause or resume all refreshing."""
        self.paused = not self.paused
        if self.poller is not None:
            if self.paused:
                self.poller.pause()
            else:
                self.poller.resume()
        self.notify("Refreshing paused." if self.paused else "Refreshing resumed.")
        self._update_summary()

    def action_refresh_selected(self) -> None:
        """Refresh the selected task now."""
        record = self._selected()
        if record is None or self.poller is None:
            return
        if record.is_final:
            self.notify(
                f"{record.status}: a finished task does not change.", severity="information"
            )
            return
        self.poller.refresh_now(record.task_id)

    def action_refresh_all(self) -> None:
        """Refresh every unfinished task now."""
        if self.poller is not None:
            count = self.poller.refresh_now()
            self.notify(f"Refreshing {count} task(s).")

    def action_retry_credentials(self) -> None:
        """Try a refused credential again (one request)."""
        if self.poller is not None and self._blocked:
            self.poller.resume_credential()
            self.notify("Retrying with one request.")

    def action_copy_id(self) -> None:
        """Copy the selected task's ID to the clipboard of the terminal you sit at (OSC 52)."""
        record = self._selected()
        if record is not None:
            self.signals.copy(record.task_id)
            self.notify(f"Copied {record.task_id}")

    def action_copy_fail_reason(self) -> None:
        """Copy the selected task's failure reason (OSC 52)."""
        record = self._selected()
        job = record.job if record else None
        if job is None or not job.fail_reason:
            self.notify("The selected task has no failure reason.", severity="warning")
            return
        self.signals.copy(job.fail_reason)
        self.notify("Copied the failure reason.")

    def action_toggle_raw(self) -> None:
        """Show or hide the raw JSON in the detail pane."""
        self.raw_json = not self.raw_json
        self._refresh_detail()

    def action_help(self) -> None:
        """List every key."""
        self.push_screen(HelpScreen(binding_rows()))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast. Unlike Textual's default, the text is literal (no markup): it carries labels,
        task names and failure reasons, which must show as sent and can never break rendering."""
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

    # -- terminal output -----------------------------------------------------------------------

    def _write_to_terminal(self, data: str) -> None:
        # Textual writes its own escape sequences (bell, OSC 52) this way; so do we.
        driver = self._driver
        if driver is not None and not self.is_headless:
            driver.write(data)
            driver.flush()


def detail_key(
    record: TaskRecord, now: float, raw: bool, problem: str | None
) -> tuple[object, ...]:
    """Everything the detail pane shows; when it is unchanged the pane is not repainted."""
    job = record.job
    created = job.created_at if job else None
    elapsed = format_elapsed(now - created.timestamp()) if created else ""
    checked = format_checked(now - record.checked_at) if record.checked_at else ""
    if record.is_final:
        checked = str(record.checked_at)
    return (record.task_id, visible_fields(record), elapsed, checked, raw, problem)


def visible_fields(record: TaskRecord) -> tuple[object, ...]:
    """The fields of a record that show on screen (everything but the time of the last check)."""
    return (
        record.status, record.progress, record.job_json, record.error_kind, record.error_text,
        record.not_found, record.label, record.profile, record.changed_at,
    )  # fmt: skip


def visibly_different(old: TaskRecord, new: TaskRecord) -> bool:
    """Whether anything but the time of the last check differs between two snapshots."""
    return visible_fields(old) != visible_fields(new)


def finished_while_watched(record: TaskRecord) -> bool:
    """Whether the task ended after it was added to the watchlist (worth a notification)."""
    job = record.job
    ended = job.ended_at if job else None
    return ended is None or ended.timestamp() >= record.added_at - 60  # allow for clock skew


def bindings_of(app_class: type[App[Any]]) -> list[Binding]:
    """The app's own bindings as Binding objects."""
    return [b for b in app_class.BINDINGS if isinstance(b, Binding)]


def _key_names(keys: str) -> str:
    names = {"slash": "/", "question_mark": "?", "delete": "Delete"}
    return ", ".join(names.get(k, k) for k in keys.split(","))


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
