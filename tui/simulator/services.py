"""The wire formats of the GaussDB, DDS and GeminiDB Task Centers, as the simulator serves them.

One service per simulator (the cloud has one host per service): ``Simulator(service="dds")``
answers DDS's paths in DDS's shapes (reference §15, checked against the field lists of the
official SDK models, ``tests/data/sdk_models.json``). TaurusDB and RDS, whose paths do not
collide, are served together by the default simulator (:mod:`tui.simulator.core`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["SERVICES", "ListSpec", "WireSpec"]


class ScriptedJob(Protocol):
    """What a view needs of a scripted job (:class:`tui.simulator.core.ScriptedJob`)."""

    id: str
    name: str
    instance_id: str
    instance_name: str


# The GaussDB/DDS not-found code is not documented: the simulator sends one that is not
# TaurusDB's DBS.200543, so that a client must not rely on it.
UNDOCUMENTED_NOT_FOUND = (400, "DBS.280011", "The job does not exist.")


@dataclass(frozen=True)
class ListSpec:
    """One list operation.

    Attributes:
        path: Matches the path; its ``project`` group is the project ID.
        kind: ``instant`` or ``scheduled``.
        key: The answer's key of the item list.
        limits: The ``limit`` values the operation accepts.
        time: How ``start_time``/``end_time`` are read (``millis``, ``iso``) or None.
        filters: Query parameter → what it filters (``name``, ``status``, ``instance_id``,
            ``id``).
    """

    path: re.Pattern[str]
    kind: str
    key: str
    limits: frozenset[int]
    time: str | None
    filters: Mapping[str, str]


@dataclass(frozen=True)
class WireSpec:
    """One service's Task Center on the wire.

    Attributes:
        name: The service (``gaussdb`` ...).
        job_path: The job-by-ID path (``id`` in the query).
        job_view: The job object of the job-by-ID answer at a moment.
        job_answer: The answer's body around the matching job objects (none: not found).
        not_found: The error for an unknown ID, or None where an empty answer says it.
        item_view: A list item at a moment, for a kind.
        lists: The list operations.
    """

    name: str
    job_path: re.Pattern[str]
    job_view: Callable[[ScriptedJob, dict[str, Any]], dict[str, Any]]
    job_answer: Callable[[list[dict[str, Any]]], dict[str, Any]]
    not_found: tuple[int, str, str] | None
    item_view: Callable[[ScriptedJob, dict[str, Any], str, str], dict[str, Any]]
    lists: tuple[ListSpec, ...]


def _path(template: str) -> re.Pattern[str]:
    return re.compile("^" + template.replace("{project}", "(?P<project>[^/]+)") + "/?$")


def _status(snapshot: dict[str, Any]) -> str:
    # These services document no Pending: a job that has not begun reads Running.
    status = str(snapshot["status"])
    return "Running" if status == "Pending" else status


def _job_detail(job: ScriptedJob, snap: dict[str, Any]) -> dict[str, Any]:
    """GaussDB and DDS ``JobDetail``: ``progress``, no entities."""
    return {
        "id": job.id,
        "name": job.name,
        "status": _status(snap),
        "created": snap["created"],
        "ended": snap.get("ended", ""),
        "progress": snap.get("process", ""),
        "instance": {"id": job.instance_id, "name": job.instance_name},
        "fail_reason": snap.get("fail_reason") or "",
    }


def _gemini_detail(job: ScriptedJob, snap: dict[str, Any]) -> dict[str, Any]:
    """GeminiDB ``JobDetail``: ``start_time``/``end_time``."""
    return {
        "id": job.id,
        "name": job.name,
        "status": _status(snap),
        "start_time": snap["created"],
        "end_time": snap.get("ended", ""),
        "progress": snap.get("process", ""),
        "instance": {"id": job.instance_id, "name": job.instance_name},
        "fail_reason": snap.get("fail_reason") or "",
    }


def _scheduled_item(job: ScriptedJob, status: str, planned: str, created: str) -> dict[str, Any]:
    """DDS ``ScheduledTasksRspSchedules`` (GeminiDB's documents no fields: the same assumed)."""
    return {
        "job_id": job.id,
        "job_name": job.name,
        "job_status": status,
        "instance_id": job.instance_id,
        "instance_name": job.instance_name,
        "instance_status": "normal",
        "create_time": created,
        "start_time": planned,
        "end_time": "",
    }


def _gaussdb_item(
    job: ScriptedJob, snap: dict[str, Any], kind: str, planned: str
) -> dict[str, Any]:
    if kind == "scheduled":  # ScheduleTaskDetail
        return {
            "task_id": job.id,
            "task_name": job.name,
            "status": snap["status"],
            "create_time": snap["created"],
            "start_time": planned,
            "instance_id": job.instance_id,
            "instance_name": job.instance_name,
            "task_content": "",
        }
    return {  # TaskDetailResult: process (not progress) and instance_info
        "instance_info": {
            "instance_id": job.instance_id,
            "instance_name": job.instance_name,
            "instance_status": "ACTIVE",
        },
        "job_id": job.id,
        "name": job.name,
        "status": _status(snap),
        "process": snap.get("process", ""),
        "created_at": snap["created"],
        "ended_at": snap.get("ended", ""),
        "fail_reason": snap.get("fail_reason") or "",
    }


def _dds_item(job: ScriptedJob, snap: dict[str, Any], kind: str, planned: str) -> dict[str, Any]:
    if kind == "scheduled":
        return _scheduled_item(job, snap["status"], planned, snap["created"])
    return {  # JobInfo
        "id": job.id,
        "name": job.name,
        "instance_id": job.instance_id,
        "instance_name": job.instance_name,
        "status": _status(snap),
        "progress": snap.get("process", ""),
        "fail_reason": snap.get("fail_reason") or "",
        "created_at": snap["created"],
        "ended_at": snap.get("ended", ""),
    }


def _gemini_item(job: ScriptedJob, snap: dict[str, Any], kind: str, planned: str) -> dict[str, Any]:
    if kind == "scheduled":
        return _scheduled_item(job, snap["status"], planned, snap["created"])
    return _gemini_detail(job, snap)


def _one_job(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"job": jobs[0]}


def _job_list(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"jobs": jobs, "total_count": len(jobs)}


_HUNDRED = frozenset(range(1, 101))

SERVICES: dict[str, WireSpec] = {
    "gaussdb": WireSpec(
        name="gaussdb",
        job_path=_path("/v3/{project}/jobs"),
        job_view=_job_detail,
        job_answer=_one_job,
        not_found=UNDOCUMENTED_NOT_FOUND,
        item_view=_gaussdb_item,
        lists=(
            ListSpec(
                _path("/v3/{project}/tasks"),
                "instant",
                "tasks",
                _HUNDRED,
                "millis",
                {"name": "name", "status": "status"},
            ),
            ListSpec(
                _path("/v3/{project}/instances/schedule-tasks"),
                "scheduled",
                "tasks",
                _HUNDRED,
                None,
                {"instance_id": "instance_id", "name": "name", "status": "status"},
            ),
        ),
    ),
    "dds": WireSpec(
        name="dds",
        job_path=_path("/v3/{project}/jobs"),
        job_view=_job_detail,
        job_answer=_one_job,
        not_found=UNDOCUMENTED_NOT_FOUND,
        item_view=_dds_item,
        lists=(
            ListSpec(
                _path("/v3.1/{project}/jobs"),
                "instant",
                "jobs",
                _HUNDRED,
                "iso",
                {"name": "name", "status": "status", "id": "id"},
            ),
            ListSpec(
                _path("/v3/{project}/scheduled-jobs"),
                "scheduled",
                "schedules",
                _HUNDRED,
                None,
                {"instance_id": "instance_id", "job_name": "name", "job_status": "status"},
            ),
        ),
    ),
    "geminidb": WireSpec(
        name="geminidb",
        # ListJobs with an id: the job by ID is a list filtered by it.
        job_path=_path("/v3/{project}/jobs"),
        job_view=_gemini_detail,
        job_answer=_job_list,
        not_found=None,
        item_view=_gemini_item,
        lists=(
            ListSpec(
                _path("/v3/{project}/jobs"),
                "instant",
                "jobs",
                frozenset({10, 20, 50}),
                "iso",
                {"name": "name", "status": "status"},
            ),
            ListSpec(
                _path("/v3/{project}/scheduled-jobs"),
                "scheduled",
                "schedules",
                frozenset({10, 20, 50}),
                None,
                {"instance_id": "instance_id", "job_name": "name", "job_status": "status"},
            ),
        ),
    ),
}
