"""Every error taskwatch raises, in one tree.

Each carries a message fit to show a person as it is (one line, no traceback needed) and never a
credential. Cloud errors also carry what a user or script needs to act: the HTTP status, the
cloud's error code and message, and the ``X-Request-Id`` to quote to support::

    TaskwatchError                   root: catch this to catch anything taskwatch raises
    ├── InvalidInputError            user input that cannot be used (IDs, labels, flags, files)
    ├── ConfigError                  config.toml, profiles, endpoints: names file, key and fix
    │   └── CredentialError          a credential source that cannot be read
    ├── StoreError                   the watchlist database cannot be used (locked, newer schema)
    └── TaskCenterError              talking to the Task Center failed
        ├── AuthenticationError      signature, unknown/locked AK, bad token (APIG(W).0301, 401)
        │   └── PermissionDeniedError  authenticated, but not allowed (403, DBS.200604 ...)
        ├── ThrottledError           HTTP 429 / APIG(W).0308; ``retry_after`` when given
        ├── JobNotFoundError         DBS.200543: unknown ID, older than a month, or not visible yet
        ├── ServerError              HTTP 5xx
        ├── NetworkError             connect/read timeout, reset, refused, DNS
        ├── BadResponseError         not JSON, not a job, garbage
        └── RequestError             any other 4xx (bad parameters, unknown API path)

:class:`ErrorKind` names the Task Center errors' kinds; it is what the watchlist stores for a
failed refresh and what ``--json`` output calls ``kind``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

__all__ = [
    "AuthenticationError",
    "BadResponseError",
    "ConfigError",
    "CredentialError",
    "ErrorKind",
    "InvalidInputError",
    "JobNotFoundError",
    "NetworkError",
    "PermissionDeniedError",
    "RequestError",
    "ServerError",
    "StoreError",
    "TaskCenterError",
    "TaskwatchError",
    "ThrottledError",
]


class ErrorKind(StrEnum):
    """What went wrong with a request, as stored and as shown in JSON."""

    ERROR = "error"
    AUTHENTICATION = "authentication"
    PERMISSION = "permission"
    THROTTLED = "throttled"
    NOT_FOUND = "not_found"
    SERVER = "server"
    NETWORK = "network"
    BAD_RESPONSE = "bad_response"
    REQUEST = "request"


class TaskwatchError(Exception):
    """Base of everything taskwatch raises on purpose."""


class InvalidInputError(TaskwatchError, ValueError):
    """User input that cannot be used; the message is one line, fit to show as it is."""


class ConfigError(TaskwatchError):
    """Unusable configuration: the message names the file, the key, the line and the fix."""


class CredentialError(ConfigError):
    """A credential that cannot be read; the message says where and how to fix it."""


class StoreError(TaskwatchError):
    """The database cannot be used; the message says why and what to do."""


class TaskCenterError(TaskwatchError):
    """Base of every error raised while fetching a job."""

    kind: ClassVar[ErrorKind] = ErrorKind.ERROR

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
            "kind": self.kind.value,
            "status": self.status,
            "error_code": self.error_code,
            "error_msg": self.error_msg,
            "request_id": self.request_id,
        }


class AuthenticationError(TaskCenterError):
    """The credential was refused. Retrying with the same credential only risks an AK lock."""

    kind = ErrorKind.AUTHENTICATION


class PermissionDeniedError(AuthenticationError):
    """The credential is valid but lacks permission (IAM ``...:task:list``)."""

    kind = ErrorKind.PERMISSION


class ThrottledError(TaskCenterError):
    """The gateway's rate limit was hit."""

    kind = ErrorKind.THROTTLED

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class JobNotFoundError(TaskCenterError):
    """The cloud does not know this job (yet, or any more)."""

    kind = ErrorKind.NOT_FOUND


class ServerError(TaskCenterError):
    """The cloud failed (HTTP 5xx)."""

    kind = ErrorKind.SERVER


class NetworkError(TaskCenterError):
    """No HTTP answer: timeout, refused or reset connection, name resolution failure."""

    kind = ErrorKind.NETWORK


class BadResponseError(TaskCenterError):
    """An answer that is not what the API documents."""

    kind = ErrorKind.BAD_RESPONSE


class RequestError(TaskCenterError):
    """Any other client error (4xx), such as a wrong project ID or API path."""

    kind = ErrorKind.REQUEST
