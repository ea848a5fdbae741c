"""What every service's wire adapter offers: one protocol over five Task Centers.

Each Huawei Cloud database service has a Task Center of its own, with the same idea and its own
wire format (reference §1, §12, §15): the path of a job by ID, the shape of its answer, the list
operations, their page sizes, time filters and filters, the host per region. An adapter knows
one service's format and normalises it to the one :class:`~tui.cloud.models.Job` and
:class:`~tui.cloud.listing.ListedTask` the rest of taskwatch uses. Adding a service is one
module here (a :class:`WireAdapter` subclass) and its simulator counterpart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from tui.cloud.endpoints import Service
from tui.cloud.listing import Kind, ParsedPage, parse_list_page
from tui.cloud.models import Job, parse_job_response
from tui.cloud.values import loads_object
from tui.errors import (
    BadResponseError,
    InvalidInputError,
    JobNotFoundError,
    RequestError,
    TaskCenterError,
)

__all__ = [
    "JobRequest",
    "ListOperation",
    "StepsRequest",
    "WireAdapter",
    "iso_time",
    "job_object",
    "millis_time",
    "normalised",
    "project_path",
    "regional_hosts",
    "scheduled_jobs",
    "undocumented_not_found",
]


def iso_time(moment: float) -> str:
    """``yyyy-mm-ddThh:mm:ss+0000``: the documented ``…Z`` is a numeric offset (TaurusDB, DDS,
    GeminiDB).

    Args:
        moment: Epoch seconds.

    Returns:
        The query value.
    """
    return datetime.fromtimestamp(int(moment), UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def millis_time(moment: float) -> str:
    """A UTC timestamp in milliseconds (RDS, GaussDB).

    Args:
        moment: Epoch seconds.

    Returns:
        The query value.
    """
    return str(int(moment * 1000))


def project_path(template: str, project_id: str) -> str:
    """``template`` with ``{project}`` filled in, percent-encoded as the SDK does.

    Args:
        template: A path such as ``/v3/{project}/jobs``.
        project_id: The project.

    Returns:
        The path.
    """
    return template.format(project=quote(project_id, safe=""))


@dataclass(frozen=True)
class JobRequest:
    """How to ask for one job by ID."""

    path: str
    params: dict[str, str]


@dataclass(frozen=True)
class StepsRequest:
    """How to ask for a job's steps (``ShowTaskDetails``)."""

    method: str
    path: str
    params: dict[str, str] | None = None
    content: bytes | None = None


@dataclass(frozen=True)
class ListOperation:
    """One list operation of a service: where it is, how it pages, what it filters.

    Attributes:
        path: The path with ``{project}`` for the project ID.
        key: The answer's key of the item list.
        page_size: The largest page the operation accepts (the one asked for).
        page_numbers: ``offset`` is first read as a 1-based page number (TaurusDB's instant
            list, as Huawei's tooling reads it); otherwise it counts records skipped.
        time_format: How ``start_time``/``end_time`` are written; None: no time filter is sent.
        filters: Our filter name (``instance_id``, ``name``, ``status``) → the query parameter;
            a filter the operation lacks is applied by the caller, on what comes back.
        smallest_page: The smallest ``limit`` the operation accepts (``taskwatch check`` reads
            one such page to prove a credential can list).
    """

    path: str
    key: str
    page_size: int
    page_numbers: bool = False
    time_format: Callable[[float], str] | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    smallest_page: int = 1


def scheduled_jobs(page_size: int, *, status_parameter: str = "job_status") -> ListOperation:
    """ListScheduledJobs as TaurusDB has it, which DDS and GeminiDB took over: the path, the
    ``schedules`` key and the filters by instance, ``job_name`` and status (TaurusDB names the
    status parameter ``status``, the others ``job_status``)."""
    return ListOperation(
        "/v3/{project}/scheduled-jobs",
        "schedules",
        page_size=page_size,
        filters={"instance_id": "instance_id", "name": "job_name", "status": status_parameter},
    )


class WireAdapter:
    """One service's Task Center on the wire. Subclasses set the class attributes and override
    what their format does differently; the defaults are the TaurusDB/RDS ``{"job": {…}}``
    form."""

    service: ClassVar[Service]
    title: ClassVar[str]
    """The console's name of the service (messages, the README)."""
    hosts: ClassVar[Mapping[str, str]]
    """Region → host, from the official SDK's region table."""
    job_path: ClassVar[str] = "/v3/{project}/jobs"
    lists: ClassVar[Mapping[Kind, ListOperation]] = {}
    list_permission: ClassVar[str] = ""
    """The IAM action the list operations need; empty: not verified (messages say so)."""
    offers_steps: ClassVar[bool] = False
    """Whether the service has ``ShowTaskDetails`` (sub-task steps)."""

    def endpoint(self, region: str) -> str:
        """The HTTPS base URL in ``region``, or raise.

        Args:
            region: A region ID such as ``cn-north-4``.

        Returns:
            The endpoint from the official SDK's region table.

        Raises:
            InvalidInputError: The service has no known endpoint there.
        """
        host = self.hosts.get(region)
        if host is None:
            raise InvalidInputError(
                f"{self.title} has no known endpoint in region {region!r}; pass --endpoint URL"
            )
        return f"https://{host}"

    def list_permission_text(self) -> str:
        """The list permission, named for a 403 message.

        Returns:
            ``IAM action X`` where it is known, else ``the task-list permission of S``.
        """
        if self.list_permission:
            return f"IAM action {self.list_permission}"
        return f"the task-list permission of {self.title}"

    def job_request(self, project_id: str, job_id: str) -> JobRequest:
        """The request for job ``job_id``.

        Args:
            project_id: The project.
            job_id: The task ID.

        Returns:
            Path and query.
        """
        return JobRequest(project_path(self.job_path, project_id), {"id": job_id})

    def parse_job(self, body: bytes, job_id: str) -> Job:
        """Read a job-by-ID answer.

        Args:
            body: The response body of a 200.
            job_id: The ID asked for.

        Returns:
            The job, normalised.

        Raises:
            BadResponseError: Not a job answer.
            JobNotFoundError: The answer says the job is not there (GeminiDB's empty list).
        """
        return parse_job_response(body, expected_id=job_id)

    def job_error(self, error: TaskCenterError) -> TaskCenterError:
        """What an error answer to a job-by-ID request means for this service.

        Args:
            error: The error as classified from the HTTP status and the cloud's code.

        Returns:
            The error to raise (by default, ``error`` itself).
        """
        return error

    def steps_request(
        self, project_id: str, instance_id: str, job_id: str, job_name: str
    ) -> StepsRequest:
        """The request for a job's steps (services with :attr:`offers_steps` only).

        Args:
            project_id: The project.
            instance_id: The instance the job runs on.
            job_id: The task ID.
            job_name: The job's name.

        Returns:
            The request.
        """
        raise NotImplementedError(f"{self.title} has no step details")

    def list_operation(self, kind: Kind) -> ListOperation | None:
        """The list operation of ``kind``, or None where the service has none.

        Args:
            kind: Instant or scheduled tasks.

        Returns:
            The operation.
        """
        return self.lists.get(kind)

    def parse_list(self, body: bytes, kind: Kind) -> ParsedPage:
        """Read one page of the list operation of ``kind``.

        Args:
            body: The response body of a 200.
            kind: Instant or scheduled tasks.

        Returns:
            The page's tasks and what else it said.

        Raises:
            BadResponseError: Not a page of that list.
        """
        operation = self.lists[kind]
        return parse_list_page(body, operation.key, kind)


def job_object(body: bytes, key: str = "job") -> dict[str, Any]:
    """The ``key`` object of a job-by-ID answer, or raise.

    Args:
        body: The response body.
        key: The key of the job object.

    Returns:
        The object as sent.

    Raises:
        BadResponseError: The body is not JSON or has no such object.
    """
    data = loads_object(body, "the response")
    job = data.get(key)
    if not isinstance(job, dict):
        raise BadResponseError(f"the response has no '{key}' object")
    return job


def normalised(
    job: dict[str, Any], *, created: str = "created", ended: str = "ended"
) -> dict[str, Any]:
    """A job object with our field names added: ``process`` from ``progress``, the times from
    the service's own keys. Every key the cloud sent is kept.

    Args:
        job: The job object as sent.
        created: The service's key of the creation time.
        ended: The service's key of the end time.

    Returns:
        A dict to read with :func:`~tui.cloud.models.parse_job_dict`.
    """
    normal = dict(job)
    if normal.get("process") in (None, "") and "progress" in job:
        normal["process"] = job["progress"]
    if created != "created" and normal.get("created") in (None, ""):
        normal["created"] = job.get(created)
    if ended != "ended" and normal.get("ended") in (None, ""):
        normal["ended"] = job.get(ended)
    return normal


def undocumented_not_found(error: TaskCenterError) -> TaskCenterError:
    """A job-by-ID error of a service whose not-found code is not documented (GaussDB, DDS).

    A 4xx that is neither authentication, permission nor throttling, and does not come from the
    gateway itself (``APIGW.0101``: no such API), is read as "not found": the poller then gives
    it the same grace as TaurusDB's ``DBS.200543`` before calling the task gone. The code is
    kept as sent, so the user sees what the cloud said.

    Args:
        error: The classified error.

    Returns:
        A :class:`JobNotFoundError` with the same details, or ``error``.
    """
    if type(error) is not RequestError or error.error_code.upper().startswith("APIG"):
        return error
    return JobNotFoundError(
        error.error_msg or "the job does not exist",
        status=error.status,
        error_code=error.error_code,
        request_id=error.request_id,
    )


def regional_hosts(prefix: str, regions: tuple[str, ...]) -> dict[str, str]:
    """``{prefix}.{region}.myhuaweicloud.com`` for each region; eu-west-101 is on ``.eu``.

    Args:
        prefix: The service's host prefix (``rds``, ``dds`` ...).
        regions: The regions of the SDK's table.

    Returns:
        Region → host.
    """
    return {
        region: f"{prefix}.{region}.myhuaweicloud.{'eu' if region == 'eu-west-101' else 'com'}"
        for region in regions
    }
