"""What the session reports, brought to the main view: answers gathered and drawn together a
few times a second, the other events to the parts of the screen they change."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from tui.engine.events import (
    CredentialRefused,
    CredentialRestored,
    DeadlineWarning,
    EndpointChanged,
    FollowingChanged,
    LeaseChanged,
    RefreshFailed,
    SessionListener,
    SinkChanged,
    TaskRefreshed,
    TasksChecked,
    WatchlistChanged,
)
from tui.engine.records import TaskRecord

__all__ = ["REDRAWS_PER_SECOND", "MainView", "SessionFeed"]

REDRAWS_PER_SECOND = 4  # answers arriving faster are drawn together


class MainView(Protocol):
    """What the feed changes on the main screen (:class:`~.watch_view.WatchView`)."""

    def show_answers(self, records: dict[str, TaskRecord]) -> None: ...

    def refresh_all(self) -> None: ...

    def refresh_detail(self) -> None: ...

    def update_summary(self) -> None: ...

    def update_banner(self) -> None: ...


class SessionFeed(SessionListener[None]):
    """Hears the session's events (the app hands each over with ``hear``) for ``view``.

    Args:
        view: The main view.
        schedule: Calls a function after a delay in seconds (0: after the messages already
            queued), on the event loop.
    """

    def __init__(self, view: MainView, schedule: Callable[[float, Callable[[], None]], None]):
        self._view = view
        self._schedule = schedule
        self._pending: dict[str, TaskRecord] = {}
        """Records reported since the last redraw, by task."""
        self._drawn_at = 0.0
        """Monotonic time of the last redraw for answers."""
        self._settled = asyncio.Event()
        self._settled.set()

    async def settled(self) -> None:
        """Return once every answer reported so far is on screen (tests, benchmarks)."""
        await self._settled.wait()

    def task_refreshed(self, event: TaskRefreshed) -> None:
        """A task's answer: its row is drawn with the others of this frame."""
        self._pend(event.record)

    def refresh_failed(self, event: RefreshFailed) -> None:
        """A failed refresh: the row shows it stale."""
        self._pend(event.record)

    def deadline_warning(self, event: DeadlineWarning) -> None:
        """A task went past its deadline: the row shows it."""
        self._pend(event.record)

    def tasks_checked(self, event: TasksChecked) -> None:
        """A roll call found tasks as they were: their "checked" cells move."""
        for record in event.records:
            self._pend(record)

    def watchlist_changed(self, event: WatchlistChanged) -> None:
        """Tasks were added, removed or relabelled: every row again."""
        self._view.refresh_all()

    def credential_refused(self, event: CredentialRefused) -> None:
        """Polling stopped for some profiles: the banner, the summary and the pane say it."""
        self._weather_changed()
        self._view.refresh_detail()

    def credential_restored(self, event: CredentialRestored) -> None:
        """A credential may be tried again."""
        self._weather_changed()
        self._view.refresh_detail()

    def endpoint_changed(self, event: EndpointChanged) -> None:
        """An endpoint went offline or came back."""
        self._weather_changed()

    def lease_changed(self, event: LeaseChanged) -> None:
        """This process started or stopped polling."""
        self._weather_changed()

    def following_changed(self, event: FollowingChanged) -> None:
        """A follow rule paused, failed or works again."""
        self._weather_changed()

    def sink_changed(self, event: SinkChanged) -> None:
        """A team sink stopped or started delivering."""
        self._weather_changed()

    def _weather_changed(self) -> None:
        self._view.update_summary()
        self._view.update_banner()  # an outage may be keys that could not be renewed

    def _pend(self, record: TaskRecord) -> None:
        """Draw the answers reported meanwhile once, after the messages already queued (keys
        are not kept waiting behind each redraw), and at most :data:`REDRAWS_PER_SECOND` times a
        second: a sweep of a thousand tasks is a few frames, not hundreds, over SSH."""
        if not self._pending:
            self._settled.clear()
            wait = self._drawn_at + 1 / REDRAWS_PER_SECOND - time.monotonic()
            self._schedule(max(0.0, wait), self._show_pending)
        self._pending[record.task_id] = record

    def _show_pending(self) -> None:
        self._drawn_at = time.monotonic()
        self._settled.set()
        records, self._pending = self._pending, {}
        if records:
            self._view.show_answers(records)
