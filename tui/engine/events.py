"""What the watch session tells its subscribers: the one event vocabulary of taskwatch.

Each event is a frozen dataclass named as something that happened. The TUI wraps each in one
Textual message; ``wait`` prints them; tests collect them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from tui.engine.changes import Change
from tui.engine.eta import Eta
from tui.engine.records import TaskRecord
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
    "SinkChanged",
    "TaskFinished",
    "TaskRefreshed",
    "TasksChecked",
    "TasksDiscovered",
    "WatchlistChanged",
]


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

    @property
    def previous_status(self) -> str:
        """The status before this answer ("" before the first one)."""
        return self.change.previous_status

    @property
    def changed(self) -> bool:
        """Whether anything shown moved (status, progress, steps, found again)."""
        return self.change.changed


@dataclass(frozen=True)
class TasksChecked:
    """Tasks were found as they were (a roll call): checked now, nothing else changed."""

    records: tuple[TaskRecord, ...]


@dataclass(frozen=True)
class RefreshFailed:
    """A refresh failed; the record keeps its last good data and is marked stale."""

    record: TaskRecord
    error: TaskCenterError
    failures: int
    """Consecutive failures of this task (not-found answers do not count)."""
    not_found: bool = False
    """The grace period is over and the cloud still does not know the task."""


@dataclass(frozen=True)
class TaskFinished:
    """A task reached Completed, Failed or Canceled; ``announce`` when that happened while it
    was watched (a front end tells the user: :func:`tui.present.notices.notice_of`)."""

    record: TaskRecord
    announce: bool
    """False when the task had already ended before it was added (the row says it)."""


@dataclass(frozen=True)
class CredentialRefused:
    """The cloud refused a credential; every request with it stopped."""

    profiles: tuple[str, ...]
    error: TaskCenterError


@dataclass(frozen=True)
class CredentialRestored:
    """A refused credential may be tried again (by the user's retry or a new credential)."""

    profiles: tuple[str, ...]


@dataclass(frozen=True)
class EndpointChanged:
    """An endpoint's connection state changed (``since``: wall time)."""

    endpoint: str
    state: EndpointState
    since: float


@dataclass(frozen=True)
class DeadlineWarning:
    """A task went past its deadline (``overdue``), or its estimate did (``at_risk``); each
    is decided once per deadline, at wall time ``at``."""

    record: TaskRecord
    kind: Literal["overdue", "at_risk"]
    eta: Eta | None
    """The estimate that passes the deadline (``at_risk``), or None."""
    at: float


@dataclass(frozen=True)
class TasksDiscovered:
    """A follow rule added tasks: ``message`` says how many and where ("2 new tasks on …")."""

    profile: str
    task_ids: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class FollowingChanged:
    """Follow rules changed, or following a profile paused or failed (``problem``; None once
    it works again)."""

    profile: str
    problem: str | None


@dataclass(frozen=True)
class LeaseChanged:
    """This process started polling the watchlist (``holds``), or another one did: then this
    one shows that one's results (``message`` says who)."""

    holds: bool
    message: str


@dataclass(frozen=True)
class SinkChanged:
    """A team notification sink stopped taking messages (``problem``), or works again (None).
    ``sink`` is its redacted name."""

    sink: str
    problem: str | None


@dataclass(frozen=True)
class WatchlistChanged:
    """Tasks were added, removed, restored or relabelled (here or by another process)."""


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
