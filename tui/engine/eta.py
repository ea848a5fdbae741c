"""How long a task still has: an honest estimate, and where it came from.

Three sources, tried in this order, the first that can answer wins:

``cloud``
    The job's steps (ShowTaskDetails): the sum of ``remaining_time`` over the steps not yet
    done (see :meth:`~tui.cloud.steps.TaskSteps.remaining` for the rule), less the time since
    the steps were fetched.
``history``
    The median duration (the cloud's ``created`` → ``ended``) of Completed tasks with the same
    job name and service in the local database, once there are at least
    :data:`HISTORY_MINIMUM`, less the time the task has already run.
``progress``
    The observed ``process`` samples, extrapolated linearly from the first to the latest
    change, once they span at least :data:`PROGRESS_SPAN` seconds and two values.

Otherwise there is no estimate. An estimate is never negative: a task past it is
*overrunning*, by how much is said. Pure functions, no I/O: the session gathers the inputs.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from tui.cloud.status import JobStatus
from tui.engine.records import TaskRecord

__all__ = [
    "HISTORY_MINIMUM",
    "PROGRESS_SPAN",
    "DurationHistory",
    "Estimator",
    "Eta",
    "Forecast",
    "ProgressSamples",
    "StoredHistory",
    "estimate",
    "forecast",
]

HISTORY_MINIMUM = 3
PROGRESS_SPAN = 30.0
_LONGEST = 30 * 24 * 3600  # a month: beyond this an extrapolation is noise, not an estimate

Source = Literal["cloud", "history", "progress"]


@dataclass(frozen=True)
class Eta:
    """An estimate of the time a task still needs.

    Attributes:
        seconds: Time left (never negative; 0 once overrunning).
        source: Where it came from.
        samples: How many values it rests on (steps, past tasks, progress samples).
        overrun: Seconds the task is past its estimate (0 while within it).
    """

    seconds: int
    source: Source
    samples: int
    overrun: int = 0

    @property
    def basis(self) -> str:
        """Where the estimate came from, for a person ("from 5 past upgrades")."""
        if self.source == "cloud":
            return "from the cloud's step estimate"
        if self.source == "history":
            return f"from {self.samples} past runs of this job"
        return f"from {self.samples} progress samples"

    def to_json(self) -> dict[str, Any]:
        """The estimate for ``list --json``.

        Returns:
            ``seconds``, ``source``, ``samples`` and ``overrun_seconds``.
        """
        return {
            "seconds": self.seconds,
            "source": self.source,
            "samples": self.samples,
            "overrun_seconds": self.overrun,
        }


def _eta(left: float, source: Source, samples: int) -> Eta:
    if left >= 0:
        return Eta(int(left + 0.5), source, samples)
    return Eta(0, source, samples, overrun=int(-left + 0.5))


def _job_key(service: str, name: str) -> tuple[str, str]:
    return service, name.strip().lower()


class DurationHistory:
    """How long Completed jobs took, by service and job name (the ``history`` source).

    Args:
        service_of: The service a profile's tasks run on (unknown profiles: the profile name).
    """

    def __init__(self, service_of: Callable[[str], str]) -> None:
        self._service_of = service_of
        self._durations: dict[tuple[str, str], list[float]] = defaultdict(list)
        self._seen: set[str] = set()

    def learn_stored(self, completed: Iterable[tuple[str, str]]) -> None:
        """Learn from stored jobs: (profile, job JSON) of Completed tasks.

        Args:
            completed: What :meth:`~tui.engine.storage.Store.completed_jobs` returns.
        """
        from tui.cloud.values import parse_cloud_time

        for profile, text in completed:
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            created, ended = (
                parse_cloud_time(data.get("created")),
                parse_cloud_time(data.get("ended")),
            )
            name, job_id = data.get("name"), data.get("id")
            if created and ended and isinstance(name, str) and isinstance(job_id, str):
                self._add(job_id, profile, name, (ended - created).total_seconds())

    def learn(self, record: TaskRecord) -> None:
        """Learn from a task that just completed.

        Args:
            record: A Completed task.
        """
        job = record.job
        if (
            job is None
            or record.state is not JobStatus.COMPLETED
            or not job.created_at
            or not job.ended_at
        ):
            return
        self._add(job.id, record.profile, job.name, (job.ended_at - job.created_at).total_seconds())

    def _add(self, job_id: str, profile: str, name: str, seconds: float) -> None:
        if job_id.lower() in self._seen or not 0 < seconds < _LONGEST:
            return
        self._seen.add(job_id.lower())
        self._durations[_job_key(self._service_of(profile), name)].append(seconds)

    def durations(self, profile: str, name: str) -> Sequence[float]:
        """The durations learned for the job name on the profile's service.

        Args:
            profile: The task's profile.
            name: The job's name.

        Returns:
            Seconds, one per past task.
        """
        return self._durations.get(_job_key(self._service_of(profile), name), [])


class ProgressSamples:
    """The progress values observed while tasks ran: the first and the latest change each."""

    def __init__(self) -> None:
        self._first: dict[str, tuple[float, int]] = {}
        self._latest: dict[str, tuple[float, int]] = {}
        self._count: dict[str, int] = {}

    def load(self, samples: dict[str, list[tuple[float, int]]]) -> None:
        """Take the samples stored by earlier runs.

        Args:
            samples: (wall time, percent) lists by task ID, oldest first.
        """
        for task_id, values in samples.items():
            for moment, percent in values:
                self.observe(task_id, moment, percent)

    def observe(self, task_id: str, moment: float, percent: int | None) -> None:
        """Note a progress value seen at ``moment`` (repeats of the latest value are no sample).

        Args:
            task_id: The task.
            moment: Wall time of the observation.
            percent: The progress, if the cloud sent one.
        """
        if percent is None:
            return
        latest = self._latest.get(task_id)
        if latest is not None and latest[1] == percent:
            return
        self._first.setdefault(task_id, (moment, percent))
        self._latest[task_id] = (moment, percent)
        self._count[task_id] = self._count.get(task_id, 0) + 1

    def forget(self, task_id: str) -> None:
        """Drop a task's samples (it ended, or is no longer watched).

        Args:
            task_id: The task.
        """
        for table in (self._first, self._latest, self._count):
            table.pop(task_id, None)

    def span(self, task_id: str) -> tuple[tuple[float, int], tuple[float, int], int] | None:
        """The first and latest samples of a task and how many there are, or None.

        Args:
            task_id: The task.

        Returns:
            ((time, percent) first, (time, percent) latest, count), or None.
        """
        if task_id not in self._first:
            return None
        return self._first[task_id], self._latest[task_id], self._count[task_id]


@dataclass(frozen=True)
class Forecast:
    """An estimate made once per answer that stays true as the clock moves: the time left at
    ``since`` (``remaining``), less the time since then. :meth:`at` is the :class:`Eta` at any
    moment, so a row, the detail pane and the poller read one estimate, not one each.

    Attributes:
        remaining: Seconds the task had left at ``since``.
        since: Wall time ``remaining`` was measured from.
        source: Where it came from.
        samples: How many values it rests on.
        clamped: A ``since`` in the future counts as now (a step fetch stamped by a fast clock).
    """

    remaining: float
    since: float
    source: Source
    samples: int
    clamped: bool = False

    def at(self, now: float) -> Eta:
        """The estimate at wall time ``now``."""
        elapsed = now - self.since
        if self.clamped:
            elapsed = max(0.0, elapsed)
        return _eta(self.remaining - elapsed, self.source, self.samples)


def _from_cloud(record: TaskRecord) -> Forecast | None:
    steps = record.steps
    if steps is None or record.steps_checked_at is None:
        return None
    remaining = steps.remaining()
    if remaining is None:
        return None
    counted = sum(1 for step in steps.steps if step.phase != "done")
    return Forecast(remaining, record.steps_checked_at, "cloud", counted, clamped=True)


def _from_history(record: TaskRecord, history: DurationHistory) -> Forecast | None:
    facts = record.facts  # the name and start, read without the job model (no pydantic)
    if not facts.name or facts.created_at is None:
        return None
    durations = history.durations(record.profile, facts.name)
    if len(durations) < HISTORY_MINIMUM:
        return None
    median = statistics.median(durations)
    return Forecast(median, facts.created_at.timestamp(), "history", len(durations))


def _from_progress(record: TaskRecord, now: float, samples: ProgressSamples) -> Forecast | None:
    span = samples.span(record.task_id)
    if span is None:
        return None
    (t0, p0), (t1, p1), count = span
    if t1 - t0 < PROGRESS_SPAN or p1 <= p0:
        return None
    rate = (p1 - p0) / (t1 - t0)  # percent per second
    made = Forecast((100 - p1) / rate, t1, "progress", count)
    if made.remaining - (now - t1) > _LONGEST:
        return None
    return made


def forecast(
    record: TaskRecord, now: float, history: DurationHistory, samples: ProgressSamples
) -> Forecast | None:
    """The estimate of the time ``record`` still needs, as a :class:`Forecast`, or None.

    Args:
        record: A task.
        now: Wall time.
        history: Durations of past tasks.
        samples: Observed progress.

    Returns:
        The first estimate of cloud, history, progress that can be made; None for a task that
        ended, has not started being seen, or has no basis for one.
    """
    if record.is_final or record.not_found or not record.status:
        return None
    return (
        _from_cloud(record)
        or _from_history(record, history)
        or _from_progress(record, now, samples)
    )


def estimate(
    record: TaskRecord, now: float, history: DurationHistory, samples: ProgressSamples
) -> Eta | None:
    """:func:`forecast`, made and read at ``now``: the :class:`Eta`, or None."""
    made = forecast(record, now, history, samples)
    return made.at(now) if made is not None else None


class StoredHistory(Protocol):
    """What :class:`Estimator` reads from the watchlist database."""

    def completed_jobs(self) -> list[tuple[str, str]]: ...

    def progress_samples(self, task_ids: Iterable[str]) -> dict[str, list[tuple[float, int]]]: ...


class Estimator:
    """The inputs of :func:`estimate` kept up to date, for one session or one command.

    Args:
        service_of: The service a profile's tasks run on.
    """

    def __init__(self, service_of: Callable[[str], str]) -> None:
        self.history = DurationHistory(service_of)
        self.samples = ProgressSamples()

    def load(self, store: StoredHistory | None, records: Iterable[TaskRecord]) -> None:
        """Learn what earlier runs saw: past durations, and the running tasks' progress.

        Args:
            store: The watchlist database (None: nothing to learn).
            records: The watched tasks.
        """
        if store is None:
            return
        self.history.learn_stored(store.completed_jobs())
        running = [r.task_id for r in records if not r.is_final and r.state is JobStatus.RUNNING]
        self.samples.load(store.progress_samples(running))

    def observe(self, record: TaskRecord, now: float) -> None:
        """Take in a task as just fetched.

        Args:
            record: The task, after the fetch.
            now: Wall time of the fetch.
        """
        if record.is_final:
            self.samples.forget(record.task_id)
            self.history.learn(record)
        elif record.state is JobStatus.RUNNING:
            self.samples.observe(record.task_id, now, record.progress)

    def forecast(self, record: TaskRecord, now: float) -> Forecast | None:
        """See :func:`forecast` (``forecast(...).at(now)`` is the estimate at ``now``).

        Args:
            record: A task.
            now: Wall time.

        Returns:
            The forecast, or None.
        """
        return forecast(record, now, self.history, self.samples)
