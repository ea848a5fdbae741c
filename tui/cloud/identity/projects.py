"""A region's project ID, looked up in IAM as the SDK does when none is configured.

``GET {iam}/v3/projects?name=<region>`` first (it needs an IAM permission for IAM users), then
``GET {iam}/v3/auth/projects`` (the projects the caller may use; no permission needed) when the
first is refused. The answer is not a secret: the caller keeps it (the watchlist database, by
credential fingerprint and region) so a restart asks IAM no more.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from tui.cloud.identity.iam import IamAnswer, call_iam
from tui.cloud.identity.live import LiveCredential
from tui.cloud.identity.network import IdentityHttp
from tui.errors import ConfigError

__all__ = ["ProjectCache", "look_up_project"]

log = logging.getLogger(__name__)


class ProjectCache(Protocol):
    """Where looked-up project IDs are kept between runs."""

    def cached_project(self, fingerprint: str, region: str) -> str | None:
        """The project ID found before for this credential and region, if any."""
        ...

    def remember_project(self, fingerprint: str, region: str, project_id: str) -> None:
        """Keep a project ID found just now."""
        ...


def _matches(answer: IamAnswer, region: str) -> list[str]:
    body: Any = answer.body
    projects = body.get("projects") if isinstance(body, dict) else None
    if not isinstance(projects, list):
        raise ConfigError(
            f"IAM answered the project lookup for region '{region}' without a project list "
            f"(X-IAM-Trace-Id={answer.trace})"
        )
    found = []
    for project in projects:
        if isinstance(project, dict) and project.get("name") == region:
            identifier = project.get("id")
            if isinstance(identifier, str) and identifier.isalnum() and len(identifier) <= 64:
                found.append(identifier)
    return found


async def look_up_project(
    credential: LiveCredential, http: IdentityHttp, iam: str, region: str
) -> str:
    """The one project named ``region`` that ``credential`` may use.

    Args:
        credential: Signs the calls (its current keys, with their security token).
        http: The profile's identity clients.
        iam: IAM's base URL.
        region: The region ID, which is the project's name.

    Returns:
        The project ID.

    Raises:
        ConfigError: No project or several match (named with the count and the trace ID), or
            IAM refused both lookups.
        NetworkError: IAM could not be reached.
    """
    keys = await credential.current()
    answer = await call_iam(
        http.iam, "GET", f"{iam}/v3/projects", keys=keys, skew=http.skew, params={"name": region}
    )
    if answer.status in {401, 403}:
        log.info("IAM refused /v3/projects (%s); asking /v3/auth/projects", answer.status)
        first = answer
        answer = await call_iam(
            http.iam, "GET", f"{iam}/v3/auth/projects", keys=keys, skew=http.skew
        )
        if answer.status != 200:
            raise ConfigError(
                f"IAM refused to look up the project ID of region '{region}' "
                f"({first.error_text()}; then {answer.error_text()}): set project_id in the "
                "profile"
            )
    elif answer.status != 200:
        raise ConfigError(
            f"IAM could not look up the project ID of region '{region}': {answer.error_text()}"
        )
    found = _matches(answer, region)
    if not found:
        raise ConfigError(
            f"Failed to get project id of region '{region}' (0 projects match), "
            f"X-IAM-Trace-Id={answer.trace}. Confirm that the project exists in your account, "
            "or set project id manually (project_id in the profile)"
        )
    if len(found) > 1:
        raise ConfigError(
            f"Multiple project ids found for region '{region}' ({len(found)}): "
            f"[{','.join(found)}], X-IAM-Trace-Id={answer.trace}. Please select one "
            "(project_id in the profile)"
        )
    return found[0]
