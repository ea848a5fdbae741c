"""What the poller reports: one dataclass per outcome, handed to one callable in order.

The credential and endpoint outcomes are the session's own events (it passes them on as they
are); the task outcomes name a task by ID, and the session turns each into a record change and
its event (:mod:`tui.engine.events`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.engine.events import CredentialRefused, CredentialRestored, EndpointChanged
from tui.errors import TaskCenterError

if TYPE_CHECKING:
    from tui.cloud.listing import ListedTask
    from tui.cloud.models import Job
    from tui.cloud.steps import TaskSteps

__all__ = [
    "FetchFailed",
    "JobFetched",
    "PollOutcome",
    "Report",
    "StepsFetched",
    "StepsRefused",
    "TasksListed",
]


@dataclass(frozen=True)
class JobFetched:
    """The cloud returned ``job`` for ``task_id`` (``unchanged``: the very bytes of its
    previous answer, and ``job`` the object parsed from them then)."""

    task_id: str
    job: Job
    unchanged: bool = False


@dataclass(frozen=True)
class FetchFailed:
    """A refresh of ``task_id`` failed ``failures`` times in a row (not-found answers do not
    count); ``not_found`` once the grace is over and the cloud still does not know the task."""

    task_id: str
    error: TaskCenterError
    failures: int
    not_found: bool


@dataclass(frozen=True)
class StepsFetched:
    """The cloud returned the steps of a running task."""

    task_id: str
    steps: TaskSteps


@dataclass(frozen=True)
class StepsRefused:
    """The cloud shows no steps for ``task_id``; they are not asked for again."""

    task_id: str
    error: TaskCenterError


@dataclass(frozen=True)
class TasksListed:
    """A roll call found these tasks still running, each with its list entry."""

    listed: list[tuple[str, ListedTask]]


PollOutcome = (
    JobFetched
    | FetchFailed
    | StepsFetched
    | StepsRefused
    | TasksListed
    | CredentialRefused
    | CredentialRestored
    | EndpointChanged
)
Report = Callable[[PollOutcome], None]
"""Hears every outcome, on the event loop, in order (the watch session)."""
