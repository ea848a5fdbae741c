"""The typed errors of talking to the Task Center.

Every error carries what a user or script needs to act (HTTP status, the cloud's error code and
message, the ``X-Request-Id`` to quote to support) and never a credential::

    TaskCenterError
    ├── AuthenticationError      signature, unknown/locked AK, bad token (APIG(W).0301, 401)
    │   └── PermissionDeniedError  authenticated, but not allowed (403, DBS.200604 ...)
    ├── ThrottledError           HTTP 429 / APIG(W).0308; ``retry_after`` when the server gave one
    ├── JobNotFoundError         DBS.200543: unknown ID, older than a month, or not visible yet
    ├── ServerError              HTTP 5xx
    ├── NetworkError             connect/read timeout, reset, refused, DNS
    ├── BadResponseError         not JSON, not a job, garbage
    └── RequestError             any other 4xx (bad parameters, unknown API path)
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AuthenticationError",
    "BadResponseError",
    "JobNotFoundError",
    "NetworkError",
    "PermissionDeniedError",
    "RequestError",
    "ServerError",
    "TaskCenterError",
    "ThrottledError",
]


class TaskCenterError(Exception):
    """Base of every error raised while fetching a job."""

    kind: ClassVar[str] = "error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str = "",
        request_id: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.error_msg = message
        self.request_id = request_id

    def __str__(self) -> str:
        parts = [self.error_msg]
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.error_code and self.error_code != str(self.status):
            details.append(self.error_code)
        if self.request_id:
            details.append(f"request {self.request_id}")
        if details:
            parts.append(f"({', '.join(details)})")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready object: kind, status, error_code, error_msg, request_id."""
        return {
            "kind": self.kind,
            "status": self.status,
            "error_code": self.error_code,
            "error_msg": self.error_msg,
            "request_id": self.request_id,
        }


class AuthenticationError(TaskCenterError):
    """The credential was refused. Retrying with the same credential only risks an AK lock."""

    kind = "authentication"


class PermissionDeniedError(AuthenticationError):
    """The credential is valid but lacks permission (IAM ``...:task:list``)."""

    kind = "permission"


class ThrottledError(TaskCenterError):
    """The gateway's rate limit was hit."""

    kind = "throttled"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class JobNotFoundError(TaskCenterError):
    """The cloud does not know this job (yet, or any more)."""

    kind = "not_found"


class ServerError(TaskCenterError):
    """The cloud failed (HTTP 5xx)."""

    kind = "server"


class NetworkError(TaskCenterError):
    """No HTTP answer: timeout, refused or reset connection, name resolution failure."""

    kind = "network"


class BadResponseError(TaskCenterError):
    """An answer that is not what the API documents."""

    kind = "bad_response"


class RequestError(TaskCenterError):
    """Any other client error (4xx), such as a wrong project ID or API path."""

    kind = "request"
