"""What the poller's rooms (roll calls, steps) may ask of it, and its tunables.

The rooms see the poller through :class:`Scheduler` only: the tasks, the schedule, the slots,
the gate and the report, never the heap itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Protocol

from tui.engine.polling.admission import Gate, Pass
from tui.engine.polling.budget import RequestBudget
from tui.engine.polling.outcomes import PollOutcome
from tui.engine.polling.tracked import Tracked
from tui.errors import TaskCenterError

__all__ = ["PollerConfig", "Scheduler"]


@dataclass(frozen=True)
class PollerConfig:
    """Tunables; the defaults are the product's documented behaviour."""

    interval: float = 5.0
    jitter: float = 0.15
    """Fraction of the interval added or removed at random, so polls do not march in step."""
    concurrency: int = 8
    not_found_grace: float = 60.0
    not_found_retry: float = 3.0
    """How soon to ask again about a new task the cloud does not know yet."""
    not_found_recheck: float = 600.0
    """How often to look again for a task marked not found."""
    backoff_max: float = 300.0
    steps_interval: float = 30.0
    """How often at most a running task's steps are asked for (ShowTaskDetails)."""
    roll_call_min: int = 4
    """Running tasks of one profile from which they are refreshed together by listing the
    project's running tasks (one request a page of 50) instead of one request each; 0: never."""
    by_id_every: float = 300.0
    """How often at least a task that roll calls refresh is asked about by ID: a list entry has
    no entities (an endpoint appears, an EIP is bound) and the detail pane shows them."""
    roll_call_pause: float = 600.0
    """How long roll calls stay off for a profile after its list was refused, failed, or
    found none of the tasks it was asked about."""
    roll_call_every: float = 1.0
    """How often a profile's running tasks are listed (when lists are allowed), at most as
    often as costs no more than one request per task per ``interval``: the moment a task ends
    is on screen within about this (see :mod:`.cadence`)."""
    near_end_every: float = 1.0
    """How often a task polled by ID is asked while its estimated end is due."""


class Scheduler(Protocol):
    """The poller, as its rooms see it."""

    config: PollerConfig
    gate: Gate
    budget: RequestBudget
    stopped: bool
    paused: bool

    def now(self) -> float:
        """Monotonic time."""

    def wall(self) -> float:
        """Wall time."""

    def seconds_left(self, task_id: str) -> float | None:
        """Seconds until the task's estimated end (negative: past it), or None."""

    def settle(self, ticket: Pass) -> None:
        """A request is over (a probe's end lets the requests held behind it go)."""

    def tell(self, outcome: PollOutcome) -> None:
        """Report ``outcome`` (nothing once stopping)."""

    def is_current(self, tracked: Tracked) -> bool:
        """Whether ``tracked`` is still watched."""

    def tracked_of(self, profile: str) -> list[Tracked]:
        """Every task of ``profile``."""

    def schedule(self, tracked: Tracked, due: float) -> None:
        """Make ``tracked`` due at monotonic time ``due``."""

    def jittered(self, seconds: float) -> float:
        """``seconds`` give or take the jitter."""

    def backoff(self, failures: int, error: TaskCenterError) -> float:
        """Seconds to wait after ``failures`` failures in a row."""

    def report_failure(self, tracked: Tracked, error: TaskCenterError, *, not_found: bool) -> None:
        """Report a failed refresh of a task still watched."""

    def slot_free(self) -> bool:
        """Whether another request may start."""

    def poll_waiting(self, now: float) -> bool:
        """Whether a poll is due and waiting for its turn."""

    def wait_for_token(self, profile: str, now: float) -> None:
        """Sleep no longer than until ``profile``'s bucket has a token again."""

    def wake(self) -> None:
        """Let the loop look again at what may go."""

    def start(
        self, request: Coroutine[None, None, None], tasks: list[Tracked]
    ) -> asyncio.Task[None]:
        """Run ``request`` in a slot; ``tasks`` are in flight until it ends."""
