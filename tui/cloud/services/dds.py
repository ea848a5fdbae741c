"""DDS (Document Database Service): ``{"job": …}`` with ``progress``, an undocumented not-found
code, ``ListTasks`` under ``/v3.1`` with ISO time filters (reference §15). No step details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tui.cloud.endpoints import Service
from tui.cloud.listing import Kind
from tui.cloud.models import Job, parse_job_dict
from tui.cloud.services.base import (
    ListOperation,
    WireAdapter,
    iso_time,
    job_object,
    normalised,
    regional_hosts,
    scheduled_jobs,
    undocumented_not_found,
)
from tui.errors import TaskCenterError

__all__ = ["Dds"]

_REGIONS = (
    "eu-west-101", "af-south-1", "cn-north-4", "cn-north-1", "cn-east-2", "cn-east-3",
    "cn-south-1", "cn-southwest-2", "ap-southeast-2", "ap-southeast-1", "ap-southeast-3",
    "ru-northwest-2", "cn-south-2", "cn-north-2", "na-mexico-1", "la-north-2", "sa-brazil-1",
    "la-south-2", "cn-north-9", "me-east-1", "tr-west-1", "ap-southeast-4", "eu-west-0",
    "my-kualalumpur-1", "ru-moscow-1", "ae-ad-1", "cn-east-5", "cn-east-4", "cn-north-12",
    "af-north-1", "ap-southeast-5", "cn-north-11", "cn-southwest-3", "cn-south-4",
)  # fmt: skip


class Dds(WireAdapter):
    """DDS's Task Center."""

    service = Service.DDS
    title = "DDS"
    hosts = regional_hosts("dds", _REGIONS)
    list_permission = "dds:task:listAll"  # its API page; alias dds:task:list
    lists: ClassVar[Mapping[Kind, ListOperation]] = {
        # ListTasks: offset counts records, limit 1-100, a span of at most 30 days.
        "instant": ListOperation(
            "/v3.1/{project}/jobs",
            "jobs",
            page_size=100,
            time_format=iso_time,
            filters={"name": "name", "status": "status"},
        ),
        # ListScheduledTasks: the items are TaurusDB's (job_id, job_status, start_time ...).
        "scheduled": scheduled_jobs(100),
    }

    def parse_job(self, body: bytes, job_id: str) -> Job:
        """``{"job": {…, "progress": "60%"}}`` (see the base class)."""
        return parse_job_dict(normalised(job_object(body)), expected_id=job_id)

    def job_error(self, error: TaskCenterError) -> TaskCenterError:
        """The not-found code is not documented: see :func:`undocumented_not_found`."""
        return undocumented_not_found(error)
