"""Service names and endpoint URLs of the Task Centers (reference §1, §10, §15); each service's
hosts and paths are in its wire adapter (:mod:`tui.cloud.services`)."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from urllib.parse import urlsplit

from tui.errors import InvalidInputError

__all__ = ["Service", "check_endpoint_url", "is_loopback_host"]


class Service(StrEnum):
    """Which Task Center serves the job: each has its host and wire format
    (:mod:`tui.cloud.services`)."""

    TAURUSDB = "taurusdb"
    TAURUSDB_LEGACY = "taurusdb-legacy"
    RDS = "rds"
    GAUSSDB = "gaussdb"
    DDS = "dds"
    GEMINIDB = "geminidb"


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
