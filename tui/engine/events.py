"""What the watch session tells its subscribers: the one event vocabulary of taskwatch.

Each event is a frozen dataclass named as something that happened. A front end hears them by
kind: it is a :class:`SessionListener`, with one method per event, and ``event.tell(listener)``
calls the one that fits (no front end tests an event's type). Tests collect them as they come.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Literal, TypeVar

from tui.engine.changes import Change
from tui.engine.eta import Eta
from tui.engine.records import TaskRecord
from tui.engine.views import TaskView
from tui.errors import TaskCenterError

__all__ = [
    "CredentialRefused",
    "CredentialRestored",
    "DeadlineWarning",
    "EndpointChanged",
    "EndpointState",
    "FollowingChanged",
    "LeaseChanged",
    "RefreshFailed",
    "SessionEvent",
    "SessionListener",
    "SinkChanged",
    "TaskFinished",
    "TaskRefreshed",
    "TasksChecked",
    "TasksDiscovered",
    "WatchlistChanged",
]


T = TypeVar("T")


class EndpointState(StrEnum):
    """How requests to an endpoint are going."""

    OK = "ok"
    THROTTLED = "throttled"
    OFFLINE = "offline"


@dataclass(frozen=True)
class TaskRefreshed:
    """A task was fetched (or its steps were); ``change`` is the change rule's verdict
    (:mod:`tui.engine.changes`), the one every front end reads."""

    record: TaskRecord
    change: Change
    view: TaskView | None = None
    """The task's view built from this answer (:class:`~tui.engine.views.TaskView`): the
    session always gives it; None only in an event made by hand."""

    @property
    def previous_status(self) -> str:
        """The status before this answer ("" before the first one)."""
        return self.change.previous_status

    @property
    def changed(self) -> bool:
        """Whether anything shown moved (status, progress, steps, found again)."""
        return self.change.changed

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.task_refreshed(self)


@dataclass(frozen=True)
class TasksChecked:
    """Tasks were found as they were (a roll call): checked now, nothing else changed."""

    records: tuple[TaskRecord, ...]

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.tasks_checked(self)


@dataclass(frozen=True)
class RefreshFailed:
    """A refresh failed; the record keeps its last good data and is marked stale."""

    record: TaskRecord
    error: TaskCenterError
    failures: int
    """Consecutive failures of this task (not-found answers do not count)."""
    not_found: bool = False
    """The grace period is over and the cloud still does not know the task."""

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.refresh_failed(self)


@dataclass(frozen=True)
class TaskFinished:
    """A task reached Completed, Failed or Canceled; ``announce`` when that happened while it
    was watched (a front end tells the user: :func:`tui.present.notices.notice_of`)."""

    record: TaskRecord
    announce: bool
    """False when the task had already ended before it was added (the row says it)."""

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.task_finished(self)


@dataclass(frozen=True)
class CredentialRefused:
    """The cloud refused a credential; every request with it stopped."""

    profiles: tuple[str, ...]
    error: TaskCenterError

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.credential_refused(self)


@dataclass(frozen=True)
class CredentialRestored:
    """A refused credential may be tried again (by the user's retry or a new credential)."""

    profiles: tuple[str, ...]

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.credential_restored(self)


@dataclass(frozen=True)
class EndpointChanged:
    """An endpoint's connection state changed (``since``: wall time)."""

    endpoint: str
    state: EndpointState
    since: float

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.endpoint_changed(self)


@dataclass(frozen=True)
class DeadlineWarning:
    """A task went past its deadline (``overdue``), or its estimate did (``at_risk``); each
    is decided once per deadline, at wall time ``at``."""

    record: TaskRecord
    kind: Literal["overdue", "at_risk"]
    eta: Eta | None
    """The estimate that passes the deadline (``at_risk``), or None."""
    at: float

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.deadline_warning(self)


@dataclass(frozen=True)
class TasksDiscovered:
    """A follow rule added tasks: ``message`` says how many and where ("2 new tasks on …")."""

    profile: str
    task_ids: tuple[str, ...]
    message: str

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.tasks_discovered(self)


@dataclass(frozen=True)
class FollowingChanged:
    """Follow rules changed, or following a profile paused or failed (``problem``; None once
    it works again)."""

    profile: str
    problem: str | None

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.following_changed(self)


@dataclass(frozen=True)
class LeaseChanged:
    """This process started polling the watchlist (``holds``), or another one did: then this
    one shows that one's results (``message`` says who)."""

    holds: bool
    message: str

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.lease_changed(self)


@dataclass(frozen=True)
class SinkChanged:
    """A team notification sink stopped taking messages (``problem``), or works again (None).
    ``sink`` is its redacted name."""

    sink: str
    problem: str | None

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.sink_changed(self)


@dataclass(frozen=True)
class WatchlistChanged:
    """Tasks were added, removed, restored or relabelled (here or by another process)."""

    def tell(self, listener: SessionListener[T]) -> T | None:
        """Hand this event to the listener's method for it."""
        return listener.watchlist_changed(self)


SessionEvent = (
    TaskRefreshed
    | TasksChecked
    | RefreshFailed
    | TaskFinished
    | DeadlineWarning
    | TasksDiscovered
    | FollowingChanged
    | CredentialRefused
    | CredentialRestored
    | EndpointChanged
    | SinkChanged
    | LeaseChanged
    | WatchlistChanged
)


class SessionListener(Generic[T]):
    """Hears session events by kind: one method per event, each falling back to
    :meth:`otherwise` (which ignores it) unless the listener overrides it.

    ``T`` is what a method answers (None for a listener that only acts; a team message for one
    that puts events into words); :meth:`hear` is the session subscriber.
    """

    def hear(self, event: SessionEvent) -> T | None:
        """Take any event (the session calls this): the method for its kind answers."""
        return event.tell(self)

    def otherwise(self, event: SessionEvent) -> T | None:
        """An event this listener has no method for: ignored."""
        return None

    def task_refreshed(self, event: TaskRefreshed) -> T | None:
        """Heard a :class:`TaskRefreshed`."""
        return self.otherwise(event)

    def tasks_checked(self, event: TasksChecked) -> T | None:
        """Heard a :class:`TasksChecked`."""
        return self.otherwise(event)

    def refresh_failed(self, event: RefreshFailed) -> T | None:
        """Heard a :class:`RefreshFailed`."""
        return self.otherwise(event)

    def task_finished(self, event: TaskFinished) -> T | None:
        """Heard a :class:`TaskFinished`."""
        return self.otherwise(event)

    def credential_refused(self, event: CredentialRefused) -> T | None:
        """Heard a :class:`CredentialRefused`."""
        return self.otherwise(event)

    def credential_restored(self, event: CredentialRestored) -> T | None:
        """Heard a :class:`CredentialRestored`."""
        return self.otherwise(event)

    def endpoint_changed(self, event: EndpointChanged) -> T | None:
        """Heard a :class:`EndpointChanged`."""
        return self.otherwise(event)

    def deadline_warning(self, event: DeadlineWarning) -> T | None:
        """Heard a :class:`DeadlineWarning`."""
        return self.otherwise(event)

    def tasks_discovered(self, event: TasksDiscovered) -> T | None:
        """Heard a :class:`TasksDiscovered`."""
        return self.otherwise(event)

    def following_changed(self, event: FollowingChanged) -> T | None:
        """Heard a :class:`FollowingChanged`."""
        return self.otherwise(event)

    def lease_changed(self, event: LeaseChanged) -> T | None:
        """Heard a :class:`LeaseChanged`."""
        return self.otherwise(event)

    def sink_changed(self, event: SinkChanged) -> T | None:
        """Heard a :class:`SinkChanged`."""
        return self.otherwise(event)

    def watchlist_changed(self, event: WatchlistChanged) -> T | None:
        """Heard a :class:`WatchlistChanged`."""
        return self.otherwise(event)
