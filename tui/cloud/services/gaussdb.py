"""GaussDB (the openGauss-based service): ``{"job": …}`` with ``progress``, an undocumented
not-found code, ``ListTasks`` with epoch-millisecond filters and ``instance_info`` items
(reference §15). No step details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tui.cloud.endpoints import Service
from tui.cloud.listing import Kind
from tui.cloud.models import Job, parse_job_dict
from tui.cloud.services.base import (
    ListOperation,
    WireAdapter,
    job_object,
    millis_time,
    normalised,
    undocumented_not_found,
)
from tui.errors import TaskCenterError

__all__ = ["GaussDB"]

# From the SDK's region table: most regions under gaussdb-opengauss, the newer ones gaussdb.
_OPENGAUSS = (
    "cn-north-4", "cn-southwest-2", "cn-south-1", "ru-northwest-2", "ap-southeast-3",
    "cn-north-2", "ap-southeast-2", "ap-southeast-1", "cn-east-3", "sa-brazil-1",
    "la-south-2", "la-north-2", "af-south-1", "cn-north-9", "cn-south-2", "ap-southeast-4",
    "cn-south-4",
)  # fmt: skip
_GAUSSDB = (
    "cn-east-4", "cn-east-5", "ap-southeast-5", "tr-west-1", "me-east-1", "af-north-1",
    "cn-east-2", "cn-north-12",
)  # fmt: skip


class GaussDB(WireAdapter):
    """GaussDB's Task Center."""

    service = Service.GAUSSDB
    title = "GaussDB"
    hosts: ClassVar[Mapping[str, str]] = {
        **{r: f"gaussdb-opengauss.{r}.myhuaweicloud.com" for r in _OPENGAUSS},
        **{r: f"gaussdb.{r}.myhuaweicloud.com" for r in _GAUSSDB},
    }
    # list_permission: the API pages name no IAM action for ListTasks; a 403 names "the
    # task-list permission of GaussDB" rather than a guess.
    lists: ClassVar[Mapping[Kind, ListOperation]] = {
        # ListTasks: offset counts records, limit 1-100, times in UNIX milliseconds.
        "instant": ListOperation(
            "/v3/{project}/tasks",
            "tasks",
            page_size=100,
            time_format=millis_time,
            filters={"name": "name", "status": "status"},
        ),
        # ListScheduleTask: task_id / task_name / start_time items.
        "scheduled": ListOperation(
            "/v3/{project}/instances/schedule-tasks",
            "tasks",
            page_size=100,
            filters={"instance_id": "instance_id", "name": "name", "status": "status"},
        ),
    }

    def parse_job(self, body: bytes, job_id: str) -> Job:
        """``{"job": {…, "progress": "60%"}}`` (see the base class)."""
        return parse_job_dict(normalised(job_object(body)), expected_id=job_id)

    def job_error(self, error: TaskCenterError) -> TaskCenterError:
        """The not-found code is not documented: see :func:`undocumented_not_found`."""
        return undocumented_not_found(error)
