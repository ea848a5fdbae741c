"""GeminiDB (formerly GaussDB(for NoSQL)): the job by ID is ``ListJobs`` filtered by ``id``, so
an unknown ID is an empty ``jobs`` list, and times are ``start_time``/``end_time``
(reference §15). No step details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from tui.cloud.endpoints import Service
from tui.cloud.listing import Kind
from tui.cloud.models import Job, parse_job_dict
from tui.cloud.services.base import (
    ListOperation,
    WireAdapter,
    iso_time,
    normalised,
    regional_hosts,
    scheduled_jobs,
)
from tui.cloud.status import is_final
from tui.cloud.values import as_text, loads_object
from tui.errors import BadResponseError, JobNotFoundError

__all__ = ["GeminiDB"]

_REGIONS = (
    "af-south-1", "cn-north-4", "cn-north-1", "cn-east-2", "cn-east-3", "cn-south-1",
    "cn-southwest-2", "ap-southeast-2", "ap-southeast-1", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "me-east-1", "cn-east-4", "cn-south-4", "cn-southwest-3", "tr-west-1",
    "ru-northwest-2", "cn-south-2", "cn-north-2", "la-north-2", "sa-brazil-1", "la-south-2",
    "cn-north-9", "eu-west-101", "cn-north-11", "ru-moscow-1",
)  # fmt: skip
NOT_LISTED = "GeminiDB lists no job with this ID"


class GeminiDB(WireAdapter):
    """GeminiDB's Task Center."""

    service = Service.GEMINIDB
    title = "GeminiDB"
    hosts = regional_hosts("gaussdb-nosql", _REGIONS)
    list_permission = "gaussdbfornosql:task:list"  # its API page; alias nosql:task:list
    lists: ClassVar[Mapping[Kind, ListOperation]] = {
        # ListJobs without an id: offset counts records, limit 10, 20 or 50.
        "instant": ListOperation(
            "/v3/{project}/jobs",
            "jobs",
            page_size=50,
            smallest_page=10,
            time_format=iso_time,
            filters={"name": "name", "status": "status"},
        ),
        "scheduled": scheduled_jobs(50),
    }

    def parse_job(self, body: bytes, job_id: str) -> Job:
        """``{"jobs": [{…}], "total_count": n}`` filtered by ID: an empty list is "not found".

        Entries for other IDs (a server that ignored the filter) are passed over; of several
        entries for this ID, a final one wins (the job cannot be running and over at once, and
        the end is the news), else the first.
        """
        data = loads_object(body, "the response")
        jobs = data.get("jobs")
        if not isinstance(jobs, list):
            raise BadResponseError("the response has no 'jobs' list")
        wanted = job_id.lower()
        mine = [
            job
            for job in jobs
            if isinstance(job, dict) and as_text(job.get("id")).strip().lower() == wanted
        ]
        if not mine:
            raise JobNotFoundError(NOT_LISTED, status=200, error_code="")
        chosen: dict[str, Any] = next(
            (job for job in mine if is_final(as_text(job.get("status")).strip())), mine[0]
        )
        return parse_job_dict(
            normalised(chosen, created="start_time", ended="end_time"), expected_id=job_id
        )
