"""TaurusDB (GaussDB for MySQL): ``/v3/{project}/jobs`` or the legacy ``/mysql/v3/…`` form, the
instant list paged by page number, and ``ShowTaskDetails`` by GET (reference §1, §12)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar
from urllib.parse import quote

from tui.cloud.endpoints import Service
from tui.cloud.listing import Kind
from tui.cloud.services.base import (
    ListOperation,
    StepsRequest,
    WireAdapter,
    iso_time,
    scheduled_jobs,
)

__all__ = ["TaurusDB", "TaurusDBLegacy"]

# Service key GAUSSDB: four different host prefixes, from the SDK's region table.
HOSTS: dict[str, str] = {
    "cn-north-4": "gaussdb.cn-north-4.myhuaweicloud.com",
    "cn-southwest-2": "gaussdb.cn-southwest-2.myhuaweicloud.com",
    "cn-east-3": "gaussdb.cn-east-3.myhuaweicloud.com",
    "cn-south-1": "gaussdb.cn-south-1.myhuaweicloud.com",
    "ru-northwest-2": "gaussdb.ru-northwest-2.myhuaweicloud.com",
    "ap-southeast-3": "gaussdb.ap-southeast-3.myhuaweicloud.com",
    "cn-north-2": "gaussdb.cn-north-2.myhuaweicloud.com",
    "cn-north-9": "gaussdb.cn-north-9.myhuaweicloud.com",
    "tr-west-1": "gaussdbformysql.tr-west-1.myhuaweicloud.com",
    "ap-southeast-4": "gaussdb.ap-southeast-4.myhuaweicloud.com",
    "sa-brazil-1": "gaussdb.sa-brazil-1.myhuaweicloud.com",
    "ap-southeast-1": "gaussdbformysql.ap-southeast-1.myhuaweicloud.com",
    "ap-southeast-2": "gaussdbformysql.ap-southeast-2.myhuaweicloud.com",
    "af-south-1": "gaussdb-mysql.af-south-1.myhuaweicloud.com",
    "cn-south-4": "gaussdb.cn-south-4.myhuaweicloud.com",
    "cn-north-11": "gaussdbformysql.cn-north-11.myhuaweicloud.com",
    "cn-east-5": "gaussdb-mysql.cn-east-5.myhuaweicloud.com",
    "la-north-2": "gaussdb-mysql.la-north-2.myhuaweicloud.com",
    "cn-southwest-3": "gaussdb-mysql.cn-southwest-3.myhuaweicloud.com",
    "me-east-1": "gaussdbformysql.me-east-1.myhuaweicloud.com",
}


class TaurusDB(WireAdapter):
    """TaurusDB's Task Center."""

    service = Service.TAURUSDB
    title = "TaurusDB"
    hosts = HOSTS
    list_permission = "gaussdbformysql:task:list"
    offers_steps = True
    lists: ClassVar[Mapping[Kind, ListOperation]] = {
        # ListImmediateJobs: its offset is a page number in Huawei's tooling (10, 20 or 50).
        "instant": ListOperation(
            "/v3/{project}/immediate-jobs",
            "jobs",
            page_size=50,
            page_numbers=True,
            smallest_page=10,
            time_format=iso_time,
            filters={"name": "job_name", "status": "status"},
        ),
        "scheduled": scheduled_jobs(50, status_parameter="status"),
    }

    def steps_request(
        self, project_id: str, instance_id: str, job_id: str, job_name: str
    ) -> StepsRequest:
        """``GET …/task-center-detail`` with the job in the query (see the base class)."""
        return StepsRequest(
            "GET",
            steps_path(project_id, instance_id),
            params={"job_id": job_id, "job_name": job_name},
        )


class TaurusDBLegacy(TaurusDB):
    """TaurusDB's job by ID under the historical ``/mysql`` prefix; the lists as TaurusDB."""

    service = Service.TAURUSDB_LEGACY
    job_path = "/mysql/v3/{project}/jobs"


def steps_path(project_id: str, instance_id: str) -> str:
    """The path of ``ShowTaskDetails``, the same for TaurusDB and RDS.

    Args:
        project_id: The project.
        instance_id: The instance the job runs on.

    Returns:
        The path, without query.
    """
    project, instance = quote(project_id, safe=""), quote(instance_id, safe="")
    return f"/v3/{project}/instances/{instance}/task-center-detail"
