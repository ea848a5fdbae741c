"""IAM as the identity sources and the project lookup speak to it: where it is, one signed or
unsigned call, and the temporary keys it (and the ECS metadata service) answers with."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from tui.cloud.endpoints import check_endpoint_url
from tui.cloud.identity.clock import ClockSkew
from tui.cloud.identity.keys import Keys
from tui.cloud.identity.network import describe_transport_error
from tui.cloud.models import parse_error_body
from tui.cloud.redaction import redact, register_secrets, registered_secrets
from tui.errors import ConfigError, CredentialError, InvalidInputError, NetworkError

__all__ = [
    "GLOBAL_IAM",
    "IAM_REGIONS",
    "IamAnswer",
    "call_iam",
    "iam_endpoint",
    "keys_from_answer",
]

GLOBAL_IAM = "https://iam.myhuaweicloud.com"
IAM_REGIONS = frozenset(
    {
        "cn-north-2", "cn-north-4", "cn-north-1", "cn-east-2", "cn-east-3", "cn-south-1",
        "cn-south-2", "cn-southwest-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
        "af-south-1", "sa-brazil-1", "la-south-2", "na-mexico-1", "la-north-2", "cn-north-9",
        "eu-west-0", "my-kualalumpur-1", "ru-moscow-1", "me-east-1", "ap-southeast-4",
        "ae-ad-1", "cn-east-4", "cn-east-5", "tr-west-1", "cn-north-12",
    }
)  # fmt: skip
"""Regions with an IAM host of their own (reference §10); the others use the global one."""


def iam_endpoint(
    region: str | None, configured: str | None, env: Mapping[str, str]
) -> tuple[str, str]:
    """Where IAM is for a profile, and why, in the SDK's order.

    Args:
        region: The profile's region.
        configured: ``iam_endpoint`` from the profile or the INI file.
        env: The environment (``HUAWEICLOUD_SDK_IAM_ENDPOINT``).

    Returns:
        The base URL and its source.

    Raises:
        ConfigError: A configured endpoint that is not an HTTPS URL.
    """
    for value, source in (
        (configured, "iam_endpoint"),
        (env.get("HUAWEICLOUD_SDK_IAM_ENDPOINT"), "$HUAWEICLOUD_SDK_IAM_ENDPOINT"),
    ):
        if value and value.strip():
            try:
                return check_endpoint_url(value), source
            except InvalidInputError as exc:
                raise ConfigError(f"{source}: {exc}") from None
    if region in IAM_REGIONS:
        return f"https://iam.{region}.myhuaweicloud.com", f"region {region}"
    return GLOBAL_IAM, "global IAM"


class IamAnswer:
    """An IAM answer: status, headers, JSON body (None when not JSON), and its trace ID."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = response.headers
        self.raw = response.content[: 1024 * 1024]
        try:
            parsed = json.loads(self.raw)
        except (ValueError, RecursionError):
            parsed = None
        self.body: Any = parsed
        self.trace = response.headers.get("X-IAM-Trace-Id", "") or response.headers.get(
            "X-Request-Id", ""
        )

    def error_text(self) -> str:
        """The error IAM gave, as a short phrase (secrets masked)."""
        error = parse_error_body(self.status, self.raw)
        words = f"{error.error_msg} ({error.error_code})" if error.error_code else error.error_msg
        trace = f", X-IAM-Trace-Id={self.trace}" if self.trace else ""
        return redact(f"HTTP {self.status}: {words}{trace}", registered_secrets())


async def call_iam(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    keys: Keys | None,
    skew: ClockSkew,
    body: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
) -> IamAnswer:
    """One call to IAM: AK/SK-signed with ``keys`` (and their security token), or unsigned.

    Args:
        http: The profile's identity client (proxy, CA).
        method: ``GET`` or ``POST``.
        url: The full URL.
        keys: Keys to sign with; None for the unsigned federation calls.
        skew: The gateway's time.
        body: A JSON body.
        headers: Extra headers.
        params: The query.

    Returns:
        The answer, whatever its status.

    Raises:
        NetworkError: IAM could not be reached (the words say why: certificate, proxy, DNS).
    """
    content = json.dumps(body).encode() if body is not None else None
    request = http.build_request(
        method,
        url,
        params=params,
        content=content,
        headers={"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
    )
    if keys is not None and keys.ak:
        keys.sign(request, project_id=None, now=skew.now())
    try:
        response = await http.send(request)
    except (httpx.HTTPError, OSError) as exc:
        raise NetworkError(describe_transport_error(exc, url)) from None
    return IamAnswer(response)


_SPELLINGS = {
    "ak": ("access", "accessKeyId", "access_key_id"),
    "sk": ("secret", "secretAccessKey", "secret_access_key"),
    "token": ("securitytoken", "securityToken", "security_token"),
    "expires": ("expires_at", "expiration"),
}


def _text(found: Mapping[str, Any], key: str) -> str:
    for name in _SPELLINGS[key]:
        value = found.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _expiry(text: str) -> float | None:
    """``2026-12-06T22:11:20.123456Z`` (with or without the fraction, or an offset)."""
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def keys_from_answer(body: object, *, what: str, now: float) -> Keys:
    """The temporary keys in an answer ``{"credential": {"access", "secret", "securitytoken",
    "expires_at"}}``, in any of the spellings the SDK accepts.

    Args:
        body: The parsed JSON answer.
        what: Who answered, for the error ("the ECS metadata service").
        now: The gateway's time (when the keys were handed over).

    Returns:
        The keys; their secrets are registered for redaction at once.

    Raises:
        CredentialError: Not an object, or an access key, secret or expiry missing.
    """
    if not isinstance(body, dict):
        raise CredentialError(f"{what} did not answer with JSON keys")
    found = body.get("credential", body.get("credentials"))
    if not isinstance(found, dict):
        raise CredentialError(f"{what} answered without a 'credential' object")
    ak, sk, token = _text(found, "ak"), _text(found, "sk"), _text(found, "token")
    named = (("access", ak), ("secret", sk), ("securitytoken", token))
    missing = [name for name, value in named if not value]
    if missing:
        raise CredentialError(f"{what} answered without {', '.join(missing)}")
    register_secrets([ak, sk, token])
    expires_text = _text(found, "expires")
    expires = _expiry(expires_text) if expires_text else None
    if expires is None:
        raise CredentialError(f"{what} answered without a readable expires_at")
    return Keys(ak=ak, sk=sk, security_token=token, expires_at=expires, obtained_at=now)
