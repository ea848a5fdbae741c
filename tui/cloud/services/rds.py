"""RDS: the job by ID as TaurusDB's, lists with epoch-millisecond filters, and
``ShowTaskDetails`` by POST with a signed JSON body (reference §1, §12, §13)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import ClassVar

from tui.cloud.endpoints import Service
from tui.cloud.listing import Kind
from tui.cloud.services.base import (
    ListOperation,
    StepsRequest,
    WireAdapter,
    millis_time,
    regional_hosts,
)
from tui.cloud.services.taurusdb import steps_path

__all__ = ["Rds"]

_REGIONS = (
    "af-south-1", "cn-north-4", "cn-north-1", "cn-east-2", "cn-east-3", "cn-east-5",
    "cn-east-4", "cn-south-1", "cn-southwest-2", "ap-southeast-2", "ap-southeast-1",
    "ap-southeast-3", "ru-northwest-2", "sa-brazil-1", "la-north-2", "cn-south-2",
    "na-mexico-1", "la-south-2", "cn-north-9", "cn-north-2", "tr-west-1", "ap-southeast-4",
    "ap-southeast-5", "ae-ad-1", "eu-west-101", "eu-west-0", "my-kualalumpur-1",
    "ru-moscow-1", "me-east-1", "af-north-1", "cn-north-12", "cn-south-4", "cn-southwest-3",
    "cn-north-11",
)  # fmt: skip


class Rds(WireAdapter):
    """RDS's Task Center."""

    service = Service.RDS
    title = "RDS"
    hosts = regional_hosts("rds", _REGIONS)
    list_permission = "rds:task:listAll"
    offers_steps = True
    lists: ClassVar[Mapping[Kind, ListOperation]] = {
        "instant": ListOperation(
            "/v3/{project}/tasklist",
            "tasks",
            page_size=50,
            time_format=millis_time,
            filters={"instance_id": "instance_id", "name": "name", "status": "status"},
        ),
        "scheduled": ListOperation(
            "/v3/{project}/schedule-tasks",
            "schedule_tasks",
            page_size=50,
            filters={"instance_id": "instance_id", "status": "status"},
        ),
    }

    def steps_request(
        self, project_id: str, instance_id: str, job_id: str, job_name: str
    ) -> StepsRequest:
        """``POST …/task-center-detail`` with ``{"workflow_id", "workflow_name"}`` (see the base
        class)."""
        payload = json.dumps({"workflow_id": job_id, "workflow_name": job_name})
        return StepsRequest("POST", steps_path(project_id, instance_id), content=payload.encode())
