"""Messages the app posts to itself when the polling engine reports; handlers change the UI.

The engine's subscriber only posts these (Harlequin's pattern): every UI change happens in a
message handler, and tests can assert on exactly what was posted.
"""

from __future__ import annotations

from textual.message import Message

from tui.engine.store import TaskRecord
from tui.errors import TaskCenterError

__all__ = [
    "CredentialRefused",
    "CredentialRestored",
    "EndpointChanged",
    "RefreshFailed",
    "TaskFinished",
    "TaskRefreshed",
]


class TaskRefreshed(Message):
    """A task was fetched (``changed`` when its status or progress moved)."""

    def __init__(self, record: TaskRecord, changed: bool) -> None:
        super().__init__()
        self.record = record
        self.changed = changed


class TaskFinished(Message):
    """A task reached Completed, Failed or Canceled."""

    def __init__(self, record: TaskRecord) -> None:
        super().__init__()
        self.record = record


class RefreshFailed(Message):
    """A refresh failed; the row keeps its last good data and is marked stale."""

    def __init__(self, record: TaskRecord, error: TaskCenterError, not_found: bool) -> None:
        super().__init__()
        self.record = record
        self.error = error
        self.not_found = not_found


class CredentialRefused(Message):
    """The cloud refused a credential; every request with it has stopped."""

    def __init__(self, profiles: tuple[str, ...], error: TaskCenterError) -> None:
        super().__init__()
        self.profiles = profiles
        self.error = error


class CredentialRestored(Message):
    def __init__(self, profiles: tuple[str, ...]) -> None:
        super().__init__()
        self.profiles = profiles


class EndpointChanged(Message):
    """An endpoint's connection state changed: ok, throttled or offline."""

    def __init__(self, endpoint: str, state: str, since: float) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.state = state
        self.since = since
