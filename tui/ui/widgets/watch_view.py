"""The main view: summary bar, problem banner, task table, detail pane, filter and key hints.

It shows a :class:`~tui.engine.session.WatchSession` and keeps the screen in step with what the
session reports, changing only what differs (rows and cells in place, the detail pane and the
summary only when their text changes).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.widgets import Input, Static

from tui.cloud.safe_text import visible
from tui.cloud.status import Tone, meaning_of
from tui.engine.records import TaskRecord
from tui.engine.session import WatchSession
from tui.ui.widgets.detail import DetailContent, DetailPane
from tui.ui.widgets.key_hints import KeyHints
from tui.ui.widgets.session_feed import SessionFeed
from tui.ui.widgets.summary import SummaryBar, summary_text
from tui.ui.widgets.task_columns import SORT_COLUMNS, SORT_MODES, SORT_WORDS
from tui.ui.widgets.task_table import TaskTable
from tui.ui.widgets.timeline import Timeline

__all__ = ["WIDE", "WatchView"]

TONE_COLOURS = {Tone.BAD: "error", Tone.GOOD: "success", Tone.WARNING: "warning"}
"""The theme colour of a status of each tone (neutral ones keep the table's)."""

WIDE = 120  # from this many columns the detail pane sits beside the table
CLOCK_TICK = 5.0  # seconds between updates of elapsed / checked-ago texts
ROWS_PER_FRAME = 150  # rows added per frame after the first: few enough to keep keys quick
FIRST_FRAME_ROWS = 60  # the first frame: a tall terminal's screenful, and no more
TIMELINE_HINTS = [
    ("t", "Table"), ("+ -", "Zoom"), ("← →", "Pan"), ("0", "Fit all"), ("=", "In hand"),
    ("?", "Help"), ("q", "Quit"),
]  # fmt: skip


class WatchView(Vertical):
    """Everything on the main screen, for ``session``.

    Args:
        session: The watch session to show.
        keys: (key, description) pairs for the key hints line.
    """

    def __init__(self, session: WatchSession, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__(id="view")
        self.session = session
        self.raw_json = False
        """Whether the detail pane shows the raw JSON of the job."""
        self.details_ready = "tui.cloud.models" in sys.modules
        """Whether the job model is loaded. The first screen does without it: the app loads it
        in a thread after the first paint (:meth:`details_loaded`), and until then the pane names
        the task and waits, so that a thousand rows paint as soon as an empty list would."""
        self._keys = keys
        self._filling = False
        """Rows are still being added, a batch per frame."""
        self._banner_text: str | None = None
        self.feed = SessionFeed(self, self._schedule)
        """Hears the session's events (the app hands them over)."""

    def compose(self) -> ComposeResult:
        # Kept as attributes: session events keep arriving while a dialog covers this screen.
        self.summary = SummaryBar(id="summary")
        self.banner = Static(id="banner", markup=False)  # profile names and errors, literally
        self.main_area = Container(id="main")
        self.table = TaskTable(id="tasks")
        self.timeline = Timeline(id="timeline")
        self.detail = DetailPane(id="detail")
        self.filter_input = Input(placeholder="filter: words to match (esc clears)", id="filter")
        yield self.summary
        yield self.banner
        with self.main_area:
            yield self.table
            yield self.timeline
            yield self.detail
        yield self.filter_input
        self.key_hints = KeyHints(self._keys, id="keys")
        yield self.key_hints

    def on_mount(self) -> None:
        self.table.styles_for = self._status_style
        self.table.eta_for = self.session.eta
        self.table.follow_highlight = self._row_highlighted
        self.table.focus()
        self.set_interval(CLOCK_TICK, self._tick_clock)

    def on_resize(self) -> None:
        narrow = self.app.size.width < WIDE
        self.main_area.set_class(narrow, "-narrow")
        self.screen.set_class(narrow, "-narrow")  # toasts go where the detail pane is not
        self.update_summary()

    @property
    def selected(self) -> TaskRecord | None:
        """The task under the cursor, if any."""
        return self.session.records.get(self.table.highlighted_task or "")

    # -- keeping up with the session -----------------------------------------------------------

    def _schedule(self, delay: float, callback: Callable[[], None]) -> None:
        if delay > 0:
            self.set_timer(delay, callback)
        else:
            self.call_later(callback)

    async def settled(self) -> None:
        """Return once every answer reported so far is on screen (tests, benchmarks)."""
        await self.feed.settled()

    def show_answers(self, records: dict[str, TaskRecord]) -> None:
        """Draw the answers gathered since the last frame (rows in place where they can be)."""
        if not self.table.is_attached:
            return
        table, now = self.table, self.session.clock.wall()
        with self.app.batch_update():
            in_place = table.update_records(records.values(), now)
        if not in_place:  # a row is new, or joins or leaves the filter
            self.refresh_all()
            return
        if table.highlighted_task in records:
            self.refresh_detail()
        self.update_summary()
        self.redraw_timeline()

    def refresh_all(self, *, redraw: bool = False) -> None:
        """Show the whole watchlist again (rows change in place; the cursor stays).

        Args:
            redraw: Recompute every row, not only those whose record changed (the settings,
                the theme or what the estimates rest on changed).
        """
        self._count_services()
        with self.app.batch_update():
            more = self.table.show(
                self.session.records.values(),
                self.session.clock.wall(),
                redraw=redraw,
                new_rows=ROWS_PER_FRAME if self.table.row_count else FIRST_FRAME_ROWS,
            )
        if more and not self._filling:
            # A month of tasks: a screenful is on the first frame, the rest a batch per frame
            # after it, so neither the first paint nor a key waits for a thousand rows.
            self._filling = True
            self.call_after_refresh(self._fill)
        self.update_summary()
        self.update_banner()
        self.refresh_detail()
        self.redraw_timeline()

    def _service_of(self, profile: str) -> str:
        runtime = self.session.runtime
        known = runtime.profiles.get(profile) if runtime is not None else None
        return known.service.value if known is not None else ""

    def _count_services(self) -> None:
        """The Service column shows once the watchlist holds tasks of two services or more."""
        table = self.table
        table.service_for = self._service_of
        profiles = {record.profile for record in self.session.records.values()}
        count = len({self._service_of(profile) for profile in profiles} - {""})
        if count != table.services:
            table.services = count
            table.fit_columns()

    def _fill(self) -> None:
        self._filling = False
        if self.table.is_attached:
            self.refresh_all()

    def _tick_clock(self) -> None:
        records = self.session.records
        self.session.deadlines.check_all()  # overdue is a matter of time, not of answers
        with self.app.batch_update():
            self.table.refresh_clock_columns(records, self.session.clock.wall())
            selected = self.selected
            if selected is not None and not selected.is_final:
                self.refresh_detail()
            self.redraw_timeline()
        self.update_summary()  # the overdue count moves with time
        self.update_banner()  # a renewal failing, a skewed clock: no event says so

    def _status_style(self, status: str) -> str:
        variables = self.app.theme_variables
        if status == "stale":
            return f"italic {variables.get('warning', '')}".strip()
        meaning = meaning_of(status)
        name = TONE_COLOURS.get(meaning.tone) if meaning is not None else None
        return variables.get(name, "") if name else ""

    def update_summary(self) -> None:
        """Redraw the summary line (sent to the terminal only if its text changed)."""
        self.summary.show(
            summary_text(
                self.session,
                compact=self.app.size.width < WIDE,  # icons and numbers; the table has words
                sort_mode=self.table.sort_mode,
                filter_text=self.table.filter_text,
            )
        )

    def update_banner(self) -> None:
        """Show why some tasks are not polled, or hide the banner."""
        problems = self.session.health.problems
        text = visible("\n".join(problems), multiline=True, limit=2000)
        if text != self._banner_text:  # an update lays the screen out again: only on change
            self._banner_text = text
            self.banner.update(text)
            self.banner.display = bool(problems)

    def refresh_detail(self) -> None:
        """Show the selected task in the detail pane, unless the pane already shows it so."""
        record = self.selected
        self.session.views.focus(record.task_id if record is not None else None)
        if record is None:
            hint = (
                ""
                if self.session.records
                else (
                    " The watchlist is empty: press a to add tasks (paste their IDs, or any text"
                    " that holds them), or start taskwatch --demo to see it at work."
                )
            )
            self.detail.show_empty(f"No task selected.{hint}")
            return
        if not self.details_ready:  # its view would import the job model on the event loop
            name = record.label or record.facts.name.strip() or record.task_id
            self.detail.show_empty(f"{visible(name)}: its details in a moment.")
            return
        self.detail.error_style = self.app.theme_variables.get("error", "red")
        view = self.session.views.of(record)
        self.detail.content = DetailContent(view, self.session.clock.wall(), self.raw_json)

    def details_loaded(self) -> None:
        """The job model is loaded: the detail pane shows the selected task in full."""
        self.details_ready = True
        self.refresh_detail()

    def _row_highlighted(self, _task_id: str | None) -> None:
        self.refresh_detail()
        self.redraw_timeline()

    # -- the timeline ----------------------------------------------------------------------------

    @property
    def timeline_shown(self) -> bool:
        """Whether the timeline stands in for the table."""
        return bool(self.timeline.display)

    def toggle_timeline(self) -> None:
        """Show the timeline in place of the table, or the table again (same selection)."""
        shown = not self.timeline_shown
        self.timeline.display = shown
        self.table.display = not shown
        (self.timeline if shown else self.table).focus()
        self.key_hints.show_keys(TIMELINE_HINTS if shown else self._keys)
        self.redraw_timeline()

    def redraw_timeline(self) -> None:
        """Bring the timeline up to date (nothing is sent when its picture is unchanged)."""
        if not self.timeline_shown:
            return
        records = self.session.records
        order = self.table.row_ids
        self.timeline.draw(
            [records[task_id] for task_id in order if task_id in records],
            now=self.session.clock.wall(),
            selected=self.table.highlighted_task,
            styles=self._status_style,
            rows={task_id: index for index, task_id in enumerate(order)},
        )

    @on(Timeline.Reframed)
    def _timeline_reframed(self) -> None:
        self.redraw_timeline()

    @on(Timeline.Moved)
    def _timeline_moved(self, event: Timeline.Moved) -> None:
        table = self.table
        if table.row_count:
            row = min(max(0, table.cursor_row + event.rows), table.row_count - 1)
            table.move_cursor(row=row, animate=False)
            self.refresh_detail()
            self.redraw_timeline()

    # -- sorting and filtering -----------------------------------------------------------------

    def cycle_sort(self) -> None:
        """Sort by the next mode: order added → status severity → created → last change."""
        table = self.table
        self.sort_by(SORT_MODES[(SORT_MODES.index(table.sort_mode) + 1) % len(SORT_MODES)])

    def sort_by(self, mode: str) -> None:
        """Sort the rows by ``mode``, show it in the header, and say it."""
        table = self.table
        table.sort_mode = mode
        with self.app.batch_update():
            table.resort(self.session.records)
            table.show_sort()
        self.update_summary()
        self.redraw_timeline()  # its rows follow the table's order
        self.app.notify(f"Sorted by {SORT_WORDS[mode]}", timeout=3)

    @on(TaskTable.HeaderClicked, "#tasks")
    def _header_clicked(self, event: TaskTable.HeaderClicked) -> None:
        """A click on a header sorts by that column (Task: back to the order added)."""
        key = event.column
        modes = {column: mode for mode, column in SORT_COLUMNS.items()} | {"name": "added"}
        if key in modes:
            self.sort_by(modes[key])
        else:
            self.app.notify("Sorts by Status, Created, Checked, or Task (order added).", timeout=4)

    def open_filter(self) -> None:
        """Show the filter field and put the cursor in it."""
        self.filter_input.display = True
        self.filter_input.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.filter_text = event.value.strip()
        self.refresh_all()

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
        else:  # nothing else open: esc dismisses the toasts
            self.call_later(self.run_action, "app.dismiss_notices")
