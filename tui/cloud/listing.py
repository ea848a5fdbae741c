"""The Task Centers' list operations (reference §12, §13, §15), read tolerantly and normalised.

Ten operations, five services, each with its own item shape: TaurusDB ``ListImmediateJobs``
(``jobs[]`` of ``job_id``/``job_name``/``created_time``…) and ``ListScheduleJobs``
(``schedules[]`` of ``job_id``/``job_status``/``start_time``…), RDS ``ListTasks`` (``tasks[]`` of
``id``/``name``/``create_time``…), GaussDB ``ListTasks`` (``tasks[]`` of ``job_id``, ``name``,
``created_at`` and an ``instance_info`` object), DDS ``ListTasks`` (``jobs[]`` of ``id``,
``progress``, ``created_at``), GeminiDB ``ListJobs`` (``jobs[]`` of ``id``, ``start_time``,
``end_time`` and an ``instance`` object)… Every item becomes a :class:`ListedTask` with the
job-by-ID field names, so the rest of taskwatch sees one shape. Where an operation is, and the
key of its item list, is its service's adapter's business (:mod:`tui.cloud.services`). Unknown
keys and statuses are kept; an item without an ID is skipped; a page that is not a list page at
all raises :class:`BadResponseError`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from tui.cloud.ids import as_task_id
from tui.cloud.models import Job, parse_progress
from tui.cloud.values import as_text, loads_object
from tui.errors import BadResponseError

__all__ = ["Kind", "ListedTask", "ParsedPage", "parse_list_page", "updated_job"]

Kind = Literal["instant", "scheduled"]


def _text(value: object) -> str:
    return as_text(value).strip()


def _time(value: object) -> str:
    """A time as the job-by-ID API writes it: epoch numbers (RDS lists) become ``…+0000``."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float) and value > 0:
        seconds = value / 1000 if value > 10**11 else value  # milliseconds, or seconds
        try:
            return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
        except (OverflowError, OSError, ValueError):
            return ""
    return _text(value)


def _first(item: dict[str, Any], *keys: str) -> object:
    for key in keys:
        if item.get(key) not in (None, ""):
            return item[key]
    return None


@dataclass(frozen=True)
class ListedTask:
    """One task from a list page, with the job-by-ID API's field names.

    Attributes:
        kind: ``instant`` (it is running or ran) or ``scheduled`` (planned).
        scheduled_start: For a scheduled task, when it is planned to start (as sent).
        raw: The item exactly as the cloud sent it.
    """

    id: str
    name: str
    status: str
    created: str
    ended: str
    process: str
    instance_id: str
    instance_name: str
    instance_status: str
    fail_reason: str
    order_id: str
    show_detail: bool | None
    kind: Kind
    scheduled_start: str = ""
    scheduled_end: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The normalised item (``recent --json``): its job (:meth:`to_job`) as listed, with
        what only a list item has.

        Returns:
            A JSON-ready object.
        """
        data = self.to_job()
        del data["entities"]  # a list item has none
        data["created"] = self.created  # as listed, a scheduled task's too
        data["instance"]["status"] = self.instance_status
        data.update(order_id=self.order_id, show_detail=self.show_detail, kind=self.kind)
        return data

    def to_job(self) -> dict[str, Any]:
        """The item as a job-by-ID ``job`` object, to show before the first poll answers.

        Returns:
            A ``job`` object (a scheduled task keeps its planned start and end).
        """
        job: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            # A scheduled task's create_time is when it was planned, not when the job began.
            "created": "" if self.kind == "scheduled" else self.created,
            "ended": self.ended,
            "process": self.process,
            "instance": {"id": self.instance_id, "name": self.instance_name},
            "entities": {},
            "fail_reason": self.fail_reason or None,
        }
        if self.kind == "scheduled":
            job["scheduled_start"] = self.scheduled_start
            job["scheduled_end"] = self.scheduled_end
        return job


def _instance(item: dict[str, Any]) -> dict[str, Any]:
    """The item's instance fields: flat (TaurusDB, RDS, DDS), under ``instance_info``
    (GaussDB) or ``instance`` (GeminiDB)."""
    for key in ("instance_info", "instance"):
        nested = item.get(key)
        if isinstance(nested, dict):
            return {
                "instance_id": _first(nested, "instance_id", "id"),
                "instance_name": _first(nested, "instance_name", "name"),
                "instance_status": _first(nested, "instance_status", "status"),
            }
    return item


def _normalise(item: dict[str, Any], kind: Kind) -> ListedTask | None:
    """The item as a listed task, or None when its ID is not a task ID (never stored)."""
    task_id = as_task_id(_text(_first(item, "job_id", "id", "workflow_id", "task_id")))
    if task_id is None:
        return None
    scheduled = kind == "scheduled"
    show = item.get("show_detail")
    instance = _instance(item)
    # An instant item's start_time is when it began (GeminiDB); a scheduled one's, its plan.
    created_keys: tuple[str, ...] = ("created_time", "create_time", "created", "created_at")
    if not scheduled:
        created_keys += ("start_time",)
    return ListedTask(
        id=task_id,
        name=_text(_first(item, "job_name", "name", "workflow_name", "task_name")),
        status=_text(_first(item, "job_status", "status")),
        created=_time(_first(item, *created_keys)),
        ended=""
        if scheduled
        else _time(_first(item, "ended_time", "end_time", "ended", "ended_at")),
        process=_text(_first(item, "process", "progress")),
        instance_id=_text(instance.get("instance_id")),
        instance_name=_text(instance.get("instance_name")),
        instance_status=_text(instance.get("instance_status")),
        fail_reason=_text(item.get("fail_reason")),
        order_id=_text(item.get("order_id")),
        show_detail=show if isinstance(show, bool) else None,
        kind=kind,
        scheduled_start=_time(item.get("start_time")) if scheduled else "",
        scheduled_end=_time(item.get("end_time")) if scheduled else "",
        raw=item,
    )


@dataclass(frozen=True)
class ParsedPage:
    """One page of a list operation, read."""

    tasks: list[ListedTask]
    """The items that are tasks, in order."""
    total: int | None
    """``total_count`` when it is a believable number (not fewer than the page holds)."""
    size: int
    """How many items the page held (skipped ones too): a short page is the last one."""
    skipped: int
    """Items that are not tasks (no ID, an ID that is not a task ID, not an object)."""
    fingerprint: str = ""
    """What the page's items were (a hash): the same page asked twice, as paging that
    switches its reading does, has its skipped items counted once."""


def parse_list_page(body: bytes | str, key: str, kind: Kind) -> ParsedPage:
    """Read one page of a list operation.

    Args:
        body: The response body.
        key: The key of the item list (each operation has its own).
        kind: Instant or scheduled tasks.

    Returns:
        The page's tasks and what else it said.

    Raises:
        BadResponseError: The body is not JSON, or has no list of items.
    """
    data = loads_object(body, "the list answer")
    items = data.get(key)
    if not isinstance(items, list):
        raise BadResponseError(f"the list answer has no '{key}' list")
    total = data.get("total_count")
    count = total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None
    if count is not None and count < len(items):
        count = None  # a count smaller than the page itself says nothing
    tasks = [t for item in items if isinstance(item, dict) and (t := _normalise(item, kind))]
    skipped = len(items) - len(tasks)
    fingerprint = ""
    if skipped:  # only a page with something to count needs telling apart
        text = json.dumps(items, sort_keys=True, default=str).encode()
        fingerprint = hashlib.blake2b(text, digest_size=16).hexdigest()
    return ParsedPage(tasks, count, len(items), skipped, fingerprint)


def updated_job(job: Job, item: ListedTask) -> Job | None:
    """``job`` as a list item says it is now, or None when the item changes nothing shown.

    A list item carries the status, progress, instance name, end and fail reason, not the
    entities: those stay as the job-by-ID answer last sent them (its ``raw`` keeps every key).

    Args:
        job: The last job-by-ID answer for the task.
        item: The task's entry on a list page.

    Returns:
        The job with the item's values, or None if status, progress, instance name, end and
        fail reason are all as ``job`` has them.
    """
    same = (
        item.status == job.status
        and parse_progress(item.process) == job.progress
        and item.instance_name in ("", job.instance.name)
        and item.ended in ("", job.ended)
        and item.fail_reason in ("", job.fail_reason)
    )
    if same:
        return None
    # The item's values are text already read and cleaned (_normalise): the job is copied with
    # them, not rebuilt into a dict and validated again (a roll call moves hundreds at once).
    changes: dict[str, Any] = {"status": item.status, "process": item.process}
    if item.ended:
        changes["ended"] = item.ended
    if item.fail_reason:
        changes["fail_reason"] = item.fail_reason
    if item.instance_name:
        changes["instance"] = job.instance.model_copy(
            update={"id": job.instance.id or item.instance_id, "name": item.instance_name}
        )
    raw = {**job.raw, **{k: v for k, v in changes.items() if k != "instance"}}
    if item.instance_name:
        instance = raw.get("instance")
        raw["instance"] = {
            **(instance if isinstance(instance, dict) else {}),
            "id": job.instance.id or item.instance_id,
            "name": item.instance_name,
        }
    return job.model_copy(update={**changes, "raw": raw})
