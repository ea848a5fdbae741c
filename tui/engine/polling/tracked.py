"""What the poller knows about one watched task, and a scheduled poll's place in its heap."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Entry", "Tracked"]

Entry = tuple[float, int, str, int]
"""A scheduled poll: (due time, tie-breaker, task ID, generation). A task rescheduled since the
entry was pushed has a newer generation, and the stale entry is skipped when popped."""


@dataclass
class Tracked:
    """What the engine knows about one watched task (scheduling only: the session keeps its
    state)."""

    task_id: str
    profile: str
    added_at: float
    final: bool = False
    in_flight: bool = False
    failures: int = 0
    """Consecutive failed refreshes (not counting not-found answers)."""
    ever_found: bool = False
    """The cloud has returned this task at least once (no grace period applies any more)."""
    generation: int = 0
    steps_due: float = 0.0
    """Monotonic time from which its steps may be asked for again."""
    steps_refused: bool = False
    """The cloud shows no steps for it (refused once, remembered in the store)."""
    running: bool = False
    """Its last known status is Running: a roll call may refresh it."""
    steps_queued: bool = False
    """Waiting in the steps queue."""
    steps_seen: bool = False
    """It showed steps: once it ends they are asked for once more (the final snapshot)."""
    final_steps: bool = False
    """The final snapshot is asked for (or not needed: the steps were read after the end)."""
    by_id_due: float = 0.0
    """Monotonic time from which its next refresh is a request by ID (not a roll call)."""
    missed: int = -1
    """The generation of a turn that came while it was in flight (its steps were still being
    asked for, say), to be taken when the request lands; -1: none."""
