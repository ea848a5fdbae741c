"""The poller's schedule: the tracked tasks and when each is next due, in one heap.

A task rescheduled since an entry was pushed has a newer generation, and the stale entry is
skipped when it is popped; entries held behind a credential's probe request go back in when the
probe ends. Nothing here sends a request.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterable

from tui.cloud.status import JobStatus
from tui.engine.polling.scheduler import PollerConfig
from tui.engine.polling.tracked import Entry, Tracked
from tui.engine.records import TaskRecord

__all__ = ["Schedule"]


class Schedule:
    """The tracked tasks and their due times.

    Args:
        config: Tunables (by-ID spread, steps interval).
        clock: Monotonic time.
        wall: Wall time (a scheduled task's planned start, how old a steps answer is).
        rng: Randomness for spreading.
    """

    def __init__(
        self,
        config: PollerConfig,
        clock: Callable[[], float],
        wall: Callable[[], float],
        rng: random.Random,
    ) -> None:
        self._config = config
        self._clock = clock
        self._wall = wall
        self._rng = rng
        self.tracked: dict[str, Tracked] = {}
        self._heap: list[Entry] = []
        self._held: dict[str, list[Entry]] = {}
        """Entries held back while their credential's probe request is out, by credential."""
        self._sequence = itertools.count()

    # -- which tasks ---------------------------------------------------------------------------

    def sync(self, watched: Iterable[TaskRecord]) -> None:
        """Track exactly the tasks in ``watched``: new ones due at once, removed ones dropped.

        Args:
            watched: Every task to watch, with its profile and last known status.
        """
        records = {record.task_id: record for record in watched}
        for task_id in [t for t in self.tracked if t not in records]:
            del self.tracked[task_id]
        for record in records.values():
            self.track(record)

    def track(self, record: TaskRecord) -> None:
        """Track ``record``'s task (new: due at once), or bring what is known of it up to date.

        Args:
            record: A watched task, with its profile and last known status.
        """
        now = self._clock()
        tracked = self.tracked.get(record.task_id)
        if tracked is None:
            tracked = self._new(record, now)
        tracked.profile = record.profile
        tracked.final = record.is_final
        tracked.running = record.state is JobStatus.RUNNING
        tracked.steps_refused = record.steps_refused is not None
        tracked.steps_seen = record.steps_json is not None
        if record.is_final and not record.steps_before_end:
            tracked.final_steps = True  # nothing to ask: no steps, or read after the end
        if record.steps_checked_at is not None and tracked.steps_due == 0.0:
            # Asked in an earlier run: wait out the rest of the interval, not a new one.
            age = max(0.0, self._wall() - record.steps_checked_at)
            tracked.steps_due = now + max(0.0, self._config.steps_interval - age)

    def untrack(self, task_id: str) -> None:
        """Track ``task_id`` no more (a request in flight for it is not reported).

        Args:
            task_id: A tracked task.
        """
        self.tracked.pop(task_id, None)

    def _new(self, record: TaskRecord, now: float) -> Tracked:
        tracked = Tracked(record.task_id, record.profile, record.added_at)
        tracked.ever_found = record.job_json is not None and record.checked_at is not None
        # Seen before: its refreshes by ID are spread over the interval, not all at once.
        spread = self._rng.uniform(0.0, self._config.by_id_every)
        tracked.by_id_due = now + spread if tracked.ever_found else 0.0
        due = now
        # Only a Scheduled row has a planned start (reading it parses the snapshot: not for
        # each of a thousand tasks at start).
        planned = record.planned_start if record.state is JobStatus.SCHEDULED else None
        if planned is not None:
            # A scheduled task exists for the job API once it starts: ask then, and count the
            # grace for a new ID from then.
            tracked.added_at = max(tracked.added_at, planned)
            due = now + max(0.0, planned - self._wall())
        self.tracked[record.task_id] = tracked
        self.put(tracked, due)
        return tracked

    def is_current(self, tracked: Tracked) -> bool:
        """Whether ``tracked`` is still tracked (not removed, nor re-added, meanwhile)."""
        return self.tracked.get(tracked.task_id) is tracked

    def of_profile(self, profile: str) -> list[Tracked]:
        """Every tracked task of ``profile``."""
        return [t for t in self.tracked.values() if t.profile == profile]

    # -- when ------------------------------------------------------------------------------------

    def put(self, tracked: Tracked, due: float) -> None:
        """Make ``tracked`` due at monotonic time ``due`` (any earlier entry is void)."""
        tracked.generation += 1
        heapq.heappush(self._heap, (due, next(self._sequence), tracked.task_id, tracked.generation))

    def pop_due(self, now: float) -> tuple[Entry, Tracked] | None:
        """The next entry due by ``now`` whose task may be asked about, or None.

        Args:
            now: Monotonic time.

        Returns:
            The entry (to put back or hold) and its task; stale entries are dropped on the way.
        """
        while self._heap and self._heap[0][0] <= now:
            entry = heapq.heappop(self._heap)
            tracked = self.tracked.get(entry[2])
            if tracked is None or tracked.generation != entry[3] or tracked.final:
                continue
            if not tracked.in_flight:
                return entry, tracked
            tracked.missed = tracked.generation  # taken when its request lands (landed())
        return None

    def landed(self, tracked: Tracked) -> None:
        """A request about ``tracked`` ended: a turn that came meanwhile is due now, unless
        the request put it somewhere since (an answer schedules the next poll)."""
        missed, tracked.missed = tracked.missed, -1
        if (
            missed == tracked.generation
            and self.is_current(tracked)
            and not tracked.final
            and not tracked.in_flight
        ):
            self.put(tracked, self._clock())

    def push_back(self, entries: Iterable[Entry]) -> None:
        """Put popped entries back as they were (their tasks could not go yet)."""
        for entry in entries:
            heapq.heappush(self._heap, entry)

    def hold(self, key: str, entry: Entry) -> None:
        """Hold ``entry`` until the probe of credential ``key`` ends."""
        self._held.setdefault(key, []).append(entry)

    def release(self, key: str) -> None:
        """The probe of credential ``key`` ended: its held entries are due again."""
        self.push_back(self._held.pop(key, []))

    def waiting(self, now: float) -> bool:
        """Whether a task is due and waiting for its turn (stale entries are dropped on the
        way, as :meth:`pop_due` would drop them)."""
        heap = self._heap
        while heap:
            due, _, task_id, generation = heap[0]
            tracked = self.tracked.get(task_id)
            if tracked is not None and tracked.generation == generation and not tracked.final:
                return due <= now
            heapq.heappop(heap)
        return False

    def until_next(self) -> float | None:
        """Seconds until the earliest entry is due (≤ 0: due now), or None when empty."""
        return self._heap[0][0] - self._clock() if self._heap else None
