"""What the user is told when a task ends, passes its deadline or a follow rule finds tasks:
toasts, the bell and desktop notifications, as the session's events ask for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from tui.cloud.safe_text import visible
from tui.engine.events import DeadlineWarning, SessionListener, TaskFinished, TasksDiscovered
from tui.present.notices import Notice, Severity, notice_of
from tui.ui.terminal import TerminalSignals

if TYPE_CHECKING:  # the config module brings pydantic: not before the first paint
    from tui.engine.setup.config import NotificationSettings

__all__ = ["Announcer"]


class _Notify(Protocol):
    def __call__(
        self,
        message: str,
        *,
        title: str = ...,
        severity: Severity = ...,
        timeout: float | None = ...,
    ) -> None: ...


class Announcer(SessionListener[None]):
    """Turns the events worth telling into toasts, bells and desktop notifications.

    Args:
        notify: Shows a toast (the app's literal-text ``notify``).
        signals: Rings the bell and sends desktop notifications.
        switches: The user's notification settings, read at each event (they can change).
    """

    def __init__(
        self,
        notify: _Notify,
        signals: TerminalSignals,
        switches: Callable[[], NotificationSettings],
    ) -> None:
        self._notify = notify
        self._signals = signals
        self._switches = switches

    def task_finished(self, event: TaskFinished) -> None:
        """A task ended while watched: toast, bell or desktop, as the user chose."""
        self._announce(notice_of(event, self._switches()))

    def deadline_warning(self, event: DeadlineWarning) -> None:
        """A task is overdue or at risk."""
        self._announce(notice_of(event, self._switches()))

    def tasks_discovered(self, event: TasksDiscovered) -> None:
        """A follow rule added tasks: a toast, if toasts are on."""
        if self._switches().toast:
            self._notify(visible(event.message, limit=200), title="Followed", timeout=8)

    def _announce(self, notice: Notice | None) -> None:
        if notice is None:
            return  # the task had ended before it was added
        if notice.toast:
            self._notify(notice.text, title=notice.title, severity=notice.severity, timeout=10)
        if notice.bell:
            self._signals.bell()
        if notice.desktop:
            self._signals.notify(f"taskwatch: {notice.title.lower()}", notice.text)
