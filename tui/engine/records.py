"""The engine's domain types: a watched task's last known state and its observed history.

Plain frozen dataclasses, free of SQLite and Textual, so every layer above can use them. The
pure functions here decide what counts as a change; the store persists the result and the
session keeps the live set.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tui.cloud.job_facts import JobFacts
from tui.cloud.status import NOT_FOUND, WAITING, JobStatus, is_final
from tui.engine.changes import answered, kept_progress
from tui.errors import ErrorKind, InvalidInputError

if TYPE_CHECKING:
    from tui.cloud.models import Job
    from tui.cloud.steps import TaskSteps

__all__ = [
    "DEADLINE_HORIZON",
    "FollowRule",
    "Observation",
    "TaskRecord",
    "check_deadline",
    "finished_while_watched",
    "job_json",
    "time_span",
    "visible_fields",
]


DEADLINE_HORIZON = 366 * 86400.0
"""How far ahead a deadline may be: a maintenance window, not a calendar."""


def check_deadline(deadline: float, *, now: float) -> float:
    """``deadline`` if it is one taskwatch can keep, else InvalidInputError (nothing stored).

    Args:
        deadline: Epoch seconds, from any entry (command line, dialog, import).
        now: Wall time.

    Returns:
        The deadline, unchanged.

    Raises:
        InvalidInputError: Not a finite number, before 1970, or more than a year from now.
    """
    if not math.isfinite(deadline) or deadline <= 0:
        raise InvalidInputError(f"not a deadline: {deadline!r}")
    if deadline > now + DEADLINE_HORIZON:
        raise InvalidInputError("a deadline must be within a year from now")
    return deadline


def job_json(job: Job) -> str:
    """The snapshot of ``job`` as stored: the raw answer when there is one, keys sorted.

    Args:
        job: A fetched job.

    Returns:
        JSON text, the same for the same answer (so changes can be compared).
    """
    return json.dumps(job.raw or job.to_api_dict(), ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class TaskRecord:
    """A watched task with its last known state."""

    task_id: str
    profile: str
    label: str
    added_at: float
    position: int
    status: str = ""
    progress: int | None = None
    job_json: str | None = None
    checked_at: float | None = None
    changed_at: float | None = None
    error_kind: str | None = None
    error_text: str | None = None
    not_found: bool = False
    steps_json: str | None = None
    """The job's steps as the cloud last sent them (ShowTaskDetails), if it shows any."""
    steps_checked_at: float | None = None
    steps_refused: str | None = None
    """Why the cloud shows no steps for this task (it is not asked again), or None."""
    deadline: float | None = None
    """Wall time by which the user wants the task done, or None."""
    at_risk_warned: bool = False
    overdue_warned: bool = False
    origin: str = ""
    """Where the task came from: "" added by hand, ``rule:N`` found by follow rule N."""

    @cached_property
    def steps(self) -> TaskSteps | None:
        """The last steps the cloud sent, or None (parsed once)."""
        from tui.cloud.steps import steps_from_json

        return steps_from_json(self.steps_json)

    @property
    def steps_before_end(self) -> bool:
        """Whether the task ended after its steps were last read: they show it as it was then
        (steps still running), not as it ended, until the final snapshot is read."""
        return (
            self.is_final
            and self.steps_json is not None
            and self.steps_checked_at is not None
            and self.changed_at is not None
            and self.steps_checked_at < self.changed_at
        )

    @property
    def planned_start(self) -> float | None:
        """When a scheduled task is planned to start (wall time), if this is one."""
        job = self.job
        value = job.raw.get("scheduled_start") if job else None
        if not value:
            return None
        from tui.cloud.values import parse_cloud_time

        moment = parse_cloud_time(value)
        return moment.timestamp() if moment else None

    def is_overdue(self, now: float) -> bool:
        """Whether the task is still unfinished past its deadline.

        Args:
            now: Wall time.

        Returns:
            True once the deadline has passed and the task has not ended.
        """
        return self.deadline is not None and now > self.deadline and not self.is_final

    @cached_property
    def job(self) -> Job | None:
        """The last good job snapshot, or None before the first successful fetch (parsed once)."""
        if not self.job_json:
            return None
        from tui.cloud.models import parse_job_dict  # pydantic: not before the first paint

        try:
            return parse_job_dict(json.loads(self.job_json))
        except Exception:  # a damaged snapshot must not take the app down
            return None

    @cached_property
    def facts(self) -> JobFacts:
        """What a row shows of the job (name, instance, times), read without validating it: the
        parsed job's when there is one, else the snapshot's (the first screen of a thousand
        tasks imports no wire models and parses no job)."""
        job = self.__dict__.get("job")
        if job is not None:
            return JobFacts.of_job(job)
        if not self.job_json:
            return JobFacts()
        try:
            return JobFacts.of_snapshot(json.loads(self.job_json))
        except ValueError:  # a damaged snapshot shows nothing, as its job would
            return JobFacts()

    @cached_property
    def created_time(self) -> float | None:
        """When the job was created (epoch seconds), or None before the cloud says (read once:
        sorting a thousand rows by it must not parse a thousand times a key)."""
        created = self.facts.created_at
        return created.timestamp() if created is not None else None

    @property
    def state(self) -> JobStatus | None:
        """The status as a documented value, or None (waiting, or a status no document lists)."""
        return JobStatus.parse(self.status)

    @property
    def is_final(self) -> bool:
        """Whether the task ended (Completed, Failed, Canceled): it is never polled again."""
        return is_final(self.status)

    @property
    def is_stale(self) -> bool:
        """Whether the last refresh failed (the shown data is from an earlier success)."""
        return self.error_kind is not None

    @property
    def count_key(self) -> str:
        """What the summary bar counts this task as: its status, ``waiting`` or ``not found``."""
        if self.not_found:
            return NOT_FOUND
        return self.status or WAITING

    def fetched(
        self, job: Job, now: float, *, snapshot: str | None = None, changed: bool | None = None
    ) -> TaskRecord:
        """This record after a successful fetch of ``job`` at wall time ``now``.

        Args:
            job: What the cloud returned.
            now: When.
            snapshot: ``job`` as stored, when the caller has it (:meth:`snapshot_of`).
            changed: Whether the status or progress moved, as the store decided (another
                process may have seen the change first); compared here when None.

        Returns:
            A new record: status, progress and snapshot from ``job``, error cleared, and
            ``changed_at`` moved if the status or progress moved.
        """
        progress = kept_progress(self.progress, job)
        if changed is None:
            changed = answered(self, job).moved
        record = replace(
            self,
            status=job.status,
            progress=progress,
            job_json=snapshot if snapshot is not None else self.snapshot_of(job),
            checked_at=now,
            changed_at=now if changed else self.changed_at,
            error_kind=None,
            error_text=None,
            not_found=False,
        )
        record.__dict__["job"] = job  # the cached_property's slot: the snapshot is not re-parsed
        _keep_parsed(self, record)
        return record

    def holds(self, job: Job) -> bool:
        """Whether ``job`` is the very object this record was last fetched with (an answer
        that was the same bytes again: nothing in it can have moved).

        Args:
            job: A fetched job.
        """
        return self.__dict__.get("job") is job

    def snapshot_of(self, job: Job) -> str:
        """``job`` as stored (:func:`job_json`), reusing this record's snapshot when the cloud
        sent the same answer again (most answers of a long task): no serialising per poll.

        Args:
            job: A fetched job.

        Returns:
            JSON text.
        """
        known = self.__dict__.get("job")
        if self.job_json is not None and known is not None and job.raw and known.raw == job.raw:
            return self.job_json
        return job_json(job)

    def evolve(self, **changes: Any) -> TaskRecord:
        """This record with ``changes`` (``dataclasses.replace``), keeping what was parsed.

        Args:
            **changes: New field values.

        Returns:
            A new record.
        """
        record = replace(self, **changes)
        _keep_parsed(self, record)
        return record

    def with_steps(self, steps: TaskSteps, now: float) -> TaskRecord:
        """This record after the cloud sent ``steps`` at wall time ``now``.

        Args:
            steps: The parsed answer (kept as the record's parsed steps: not parsed again).
            now: When.

        Returns:
            A new record with the steps' JSON, checked at ``now``, no longer refused.
        """
        record = self.evolve(steps_json=steps.to_json(), steps_checked_at=now, steps_refused=None)
        record.__dict__["steps"] = steps  # the cached_property's slot
        return record

    def checked(self, now: float) -> TaskRecord:
        """This record after an answer that changed nothing shown (a roll call found it as it was).

        Args:
            now: When.

        Returns:
            A new record, checked at ``now``, its error cleared; the snapshot stays.
        """
        return self.evolve(checked_at=now, error_kind=None, error_text=None, not_found=False)

    def failed(self, kind: ErrorKind, text: str, now: float, *, not_found: bool) -> TaskRecord:
        """This record after a failed refresh: the last good data stays, the error is noted.

        Args:
            kind: The kind of error.
            text: The error, as shown (already redacted).
            now: When.
            not_found: The grace period is over and the cloud still does not know the task.

        Returns:
            A new record.
        """
        return self.evolve(
            checked_at=now, error_kind=kind.value, error_text=text, not_found=not_found
        )

    def to_export(self) -> dict[str, Any]:
        """The record as a JSON-ready object (``list --json``, ``export``): no secrets in it.

        Returns:
            Task ID, profile, label, times, status, progress, the job and its steps as the API
            names their fields, and the last error.
        """
        job = self.job
        return {
            "task_id": self.task_id,
            "profile": self.profile,
            "label": self.label,
            "added_at": self.added_at,
            "status": self.status,
            "progress": self.progress,
            "job": job.to_api_dict() if job else None,
            "checked_at": self.checked_at,
            "error": {"kind": self.error_kind, "message": self.error_text}
            if self.error_kind
            else None,
            "not_found": self.not_found,
            "deadline": self.deadline,
            "origin": self.origin,
            # As stored: what was read of the cloud's answer, in its own shape (bounded).
            "steps": json.loads(self.steps_json) if self.steps_json else None,
        }


def _keep_parsed(old: TaskRecord, new: TaskRecord) -> None:
    """Carry what was parsed of ``old`` over to ``new`` where it has the same text (the job
    snapshot, the steps): a thousand records are not re-parsed for each small change."""
    cache = old.__dict__
    if old.job_json == new.job_json:
        for name in ("job", "facts", "created_time"):
            if name in cache:
                new.__dict__.setdefault(name, cache[name])
    if "steps" in cache and old.steps_json == new.steps_json:
        new.__dict__["steps"] = cache["steps"]


@dataclass(frozen=True)
class FollowRule:
    """New tasks of a profile's project to add by themselves: on these instances (none: all),
    with these job names (none: all)."""

    id: int
    profile: str
    instance_ids: tuple[str, ...]
    names: tuple[str, ...]
    created_at: float
    checked_until: float | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FollowRule:
        """A rule as stored (lists as JSON text; unreadable ones as empty).

        Args:
            row: The database row.

        Returns:
            The rule.
        """

        def strings(text: object) -> tuple[str, ...]:
            try:
                values = json.loads(str(text))
            except ValueError:
                return ()
            return (
                tuple(v for v in values if isinstance(v, str)) if isinstance(values, list) else ()
            )

        return cls(
            id=int(row["id"]),
            profile=str(row["profile"]),
            instance_ids=strings(row["instance_ids"]),
            names=strings(row["names"]),
            created_at=float(row["created_at"]),
            checked_until=row["checked_until"],
        )

    def matches(self, instance_id: str, name: str) -> bool:
        """Whether a task on ``instance_id`` named ``name`` is one this rule follows.

        Args:
            instance_id: The task's instance.
            name: The task's job name.

        Returns:
            True when both filters (if any) accept it.
        """
        on_instance = not self.instance_ids or instance_id.lower() in {
            i.lower() for i in self.instance_ids
        }
        named = not self.names or name.strip().lower() in {n.strip().lower() for n in self.names}
        return on_instance and named

    @property
    def description(self) -> str:
        """What the rule follows, for a person: ``prod-1 (2 instances), RebootX``."""
        where = (
            "the whole project"
            if not self.instance_ids
            else self.instance_ids[0]
            if len(self.instance_ids) == 1
            else f"{len(self.instance_ids)} instances"
        )
        names = f", {', '.join(self.names)}" if self.names else ""
        return f"{where}{names}"


@dataclass(frozen=True)
class Observation:
    """One change of a task's status or progress (or of why refreshing fails), as observed."""

    observed_at: float
    status: str
    progress: int | None
    job_json: str | None
    error_text: str | None


def visible_fields(record: TaskRecord, *, steps: bool = True) -> tuple[object, ...]:
    """The fields of a record that show on screen (everything but the time of the last check).

    Args:
        record: A record.
        steps: Include the steps as stored; a caller that compares the steps as it shows them
            passes False (the cloud's ``remaining_time`` ticks down on every answer while the
            "~41h35m left" drawn from it stays the same).

    Returns:
        A tuple to compare: equal tuples look the same on screen.
    """
    return (
        record.status, record.progress, record.job_json, record.error_kind, record.error_text,
        record.not_found, record.label, record.profile, record.changed_at,
        record.steps_json if steps else None, record.steps_refused, record.deadline,
    )  # fmt: skip


def time_span(record: TaskRecord, now: float) -> tuple[float, float]:
    """Where a task's bar on a time axis starts and ends (wall times).

    Args:
        record: A task.
        now: The current wall time.

    Returns:
        From created (else added) to ended, else now while it is unfinished, else its last
        check.
    """
    job = record.job
    start = job.created_at.timestamp() if job and job.created_at else record.added_at
    if job and job.ended_at:
        end = job.ended_at.timestamp()
    elif not record.is_final:
        end = now
    else:
        end = record.checked_at or start
    return start, max(start, end)


def finished_while_watched(record: TaskRecord) -> bool:
    """Whether the task ended after it was added to the watchlist (worth a notification).

    Args:
        record: A task that just reached a final status.

    Returns:
        False for a task that had already ended when it was added (a minute of clock skew
        allowed): its row says so, no notification needed.
    """
    job = record.job
    ended = job.ended_at if job else None
    return ended is None or ended.timestamp() >= record.added_at - 60  # allow for clock skew
