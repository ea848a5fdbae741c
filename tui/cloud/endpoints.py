"""Services, regions and endpoints of the Task Center job API (reference §1 and §10)."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from urllib.parse import quote, urlsplit

from tui.errors import InvalidInputError

__all__ = [
    "RDS_REGIONS",
    "TAURUSDB_HOSTS",
    "Service",
    "check_endpoint_url",
    "default_endpoint",
    "is_loopback_host",
    "job_path",
    "steps_path",
]


class Service(StrEnum):
    """Which API serves the job: the path form and the host differ."""

    TAURUSDB = "taurusdb"
    TAURUSDB_LEGACY = "taurusdb-legacy"
    RDS = "rds"


# TaurusDB (service key GAUSSDB) uses four different host prefixes; from the SDK's region table.
TAURUSDB_HOSTS: dict[str, str] = {
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

RDS_REGIONS: tuple[str, ...] = (
    "af-south-1", "cn-north-4", "cn-north-1", "cn-east-2", "cn-east-3", "cn-east-5",
    "cn-east-4", "cn-south-1", "cn-southwest-2", "ap-southeast-2", "ap-southeast-1",
    "ap-southeast-3", "ru-northwest-2", "sa-brazil-1", "la-north-2", "cn-south-2",
    "na-mexico-1", "la-south-2", "cn-north-9", "cn-north-2", "tr-west-1", "ap-southeast-4",
    "ap-southeast-5", "ae-ad-1", "eu-west-101", "eu-west-0", "my-kualalumpur-1",
    "ru-moscow-1", "me-east-1", "af-north-1", "cn-north-12", "cn-south-4", "cn-southwest-3",
    "cn-north-11",
)  # fmt: skip


def _rds_host(region: str) -> str:
    # eu-west-101 is the one RDS region on the .eu domain.
    suffix = "myhuaweicloud.eu" if region == "eu-west-101" else "myhuaweicloud.com"
    return f"rds.{region}.{suffix}"


def default_endpoint(service: Service, region: str) -> str:
    """Return the HTTPS base URL for ``service`` in ``region``, or raise InvalidInputError.

    Args:
        service: TaurusDB (either path form) or RDS.
        region: A region ID such as ``cn-north-4``.

    Returns:
        The endpoint from the official SDK's region tables.
    """
    if service is Service.RDS:
        if region not in RDS_REGIONS:
            raise InvalidInputError(
                f"RDS has no known endpoint in region {region!r}; pass --endpoint URL"
            )
        return f"https://{_rds_host(region)}"
    host = TAURUSDB_HOSTS.get(region)
    if host is None:
        raise InvalidInputError(
            f"TaurusDB has no known endpoint in region {region!r}; pass --endpoint URL"
        )
    return f"https://{host}"


def job_path(service: Service, project_id: str) -> str:
    """Return the path of "Obtaining Task Information" (the job ID goes in the ``id`` query).

    Args:
        service: Which API (the legacy TaurusDB form has a ``/mysql`` prefix).
        project_id: The project, percent-encoded into the path as the SDK does.

    Returns:
        The path, without query.
    """
    prefix = "/mysql/v3" if service is Service.TAURUSDB_LEGACY else "/v3"
    return f"{prefix}/{quote(project_id, safe='')}/jobs"


def steps_path(project_id: str, instance_id: str) -> str:
    """Return the path of ``ShowTaskDetails`` (a job's steps), the same for both services.

    TaurusDB asks it with GET and the job in the query, RDS with POST and the job in a JSON body.

    Args:
        project_id: The project.
        instance_id: The instance the job runs on.

    Returns:
        The path, without query.
    """
    project, instance = quote(project_id, safe=""), quote(instance_id, safe="")
    return f"/v3/{project}/instances/{instance}/task-center-detail"


def is_loopback_host(host: str) -> bool:
    """Return whether ``host`` names this machine (localhost, 127.0.0.0/8, ::1).

    Args:
        host: A host name or address (IPv6 with or without brackets).

    Returns:
        True for loopback names and addresses only.
    """
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_endpoint_url(url: str) -> str:
    """Return ``url`` without a trailing slash if it is a usable endpoint, else raise.

    HTTPS is required; plain HTTP is allowed only to loopback (the simulator), so credentials
    and signatures never cross a network unencrypted.

    Args:
        url: An endpoint from a flag or the configuration.

    Returns:
        The URL, normalised.

    Raises:
        InvalidInputError: Not HTTPS (plain HTTP is allowed to loopback only), or no host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInputError(f"not an endpoint URL: {url!r} (expected https://host[:port])")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InvalidInputError(
            f"refusing plain http to {parts.hostname}: use https (http is only for 127.0.0.1)"
        )
    if parts.query or parts.fragment:
        raise InvalidInputError(f"an endpoint URL has no query or fragment: {url!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
