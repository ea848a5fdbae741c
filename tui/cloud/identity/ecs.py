"""Temporary keys of the agency bound to this ECS VM, from the metadata service, exactly as the
official SDK's ``MetadataAccessor`` asks for them (reference §16)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

import httpx

from tui.cloud.endpoints import is_loopback_host
from tui.cloud.identity.iam import keys_from_answer
from tui.cloud.identity.keys import AskedSource, AuthKind, Keys
from tui.cloud.identity.network import IdentityHttp
from tui.cloud.redaction import register_secrets
from tui.errors import ConfigError, CredentialError, NetworkError

__all__ = ["METADATA_ENDPOINT", "METADATA_ENV", "MetadataSource", "check_metadata_endpoint"]

METADATA_ENDPOINT = "http://169.254.169.254"
METADATA_ENV = "TASKWATCH_METADATA_ENDPOINT"
NO_AGENCY = "Please configure Cloud Service Agency first"
_TOKEN_PATH = "/meta-data/latest/api/token"  # noqa: S105 - a path
_KEYS_PATH = "/openstack/latest/securitykey"
_TOKEN_TTL = 21600
_GIVE_UP = 2.0
"""Seconds the metadata step may take in all: off ECS nothing answers, and a start must not
hang on it."""


def check_metadata_endpoint(url: str) -> str:
    """``url`` if it may be the metadata service: plain http to a link-local or loopback
    address (the tests' stand-in), never anywhere a proxy or the internet could answer.

    Args:
        url: The configured endpoint.

    Returns:
        The URL without a trailing slash.

    Raises:
        ConfigError: Any other URL.
    """
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme != "http" or not (host.startswith("169.254.") or is_loopback_host(host)):
        raise ConfigError(
            f"metadata_endpoint {url!r} must be http://169.254.169.254 (or a loopback address)"
        )
    return f"http://{parts.netloc}"


class MetadataSource(AskedSource):
    """The ECS metadata service: a session token (IMDSv2), then the agency's keys.

    Args:
        endpoint: The service's base URL.
    """

    kind: AuthKind = "ecs"

    def __init__(self, endpoint: str = METADATA_ENDPOINT) -> None:
        self.endpoint = check_metadata_endpoint(endpoint)
        self.origin = f"ECS metadata {self.endpoint}"
        self.identity = f"ecs:{self.endpoint}"
        self._token: str | None = None
        self._token_until = 0.0
        self._no_token_until = 0.0
        """IMDSv1 only: no token is asked for again before this (the SDK waits 24 h)."""

    async def fetch(self, http: IdentityHttp) -> Keys:
        """Ask the metadata service for the agency's current keys.

        Raises:
            CredentialError: No agency is bound, or the answer is not keys.
            NetworkError: The service did not answer within 2 s (not an ECS VM?).
        """
        try:
            async with asyncio.timeout(_GIVE_UP):
                return await self._fetch(http)
        except (TimeoutError, httpx.HTTPError, OSError):
            raise NetworkError(
                f"no answer from the ECS metadata service at {self.endpoint} within "
                f"{_GIVE_UP:g} s (not an ECS VM?)"
            ) from None

    async def _fetch(self, http: IdentityHttp) -> Keys:
        for attempt in range(2):
            token = await self._session_token(http)
            headers = {"X-Metadata-Token": token} if token else {}
            response = await http.metadata.get(self.endpoint + _KEYS_PATH, headers=headers)
            if response.status_code == 401 and NO_AGENCY in response.text:
                raise CredentialError(
                    f"no agency is bound to this ECS VM ({self.endpoint} says: {NO_AGENCY}): "
                    "bind one in the ECS console (the VM's Management Information, Agency), "
                    "or give the profile another auth"
                )
            if response.status_code == 401 and attempt == 0:
                self._token = None  # the session token expired: a new one, once
                continue
            if response.status_code != 200:
                raise CredentialError(
                    f"the ECS metadata service answered HTTP {response.status_code} for the "
                    "agency's keys"
                )
            try:
                body = json.loads(response.content)
            except (ValueError, RecursionError):
                raise CredentialError(
                    "the ECS metadata service answered with something that is not JSON"
                ) from None
            return keys_from_answer(body, what="the ECS metadata service", now=http.skew.now())
        raise CredentialError("the ECS metadata service refused its own session token twice")

    async def _session_token(self, http: IdentityHttp) -> str | None:
        now = http.skew.now()
        if self._token is not None and now < self._token_until:
            return self._token
        if now < self._no_token_until:
            return None
        response = await http.metadata.put(
            self.endpoint + _TOKEN_PATH,
            headers={"X-Metadata-Token-Ttl-Seconds": str(_TOKEN_TTL)},
        )
        if response.status_code in {404, 405, 503}:
            self._no_token_until = now + 86400  # IMDSv1: keys without a token
            return None
        if response.status_code != 200 or not response.text.strip():
            raise CredentialError(
                f"the ECS metadata service answered HTTP {response.status_code} for a session token"
            )
        self._token = response.text.strip()
        self._token_until = now + _TOKEN_TTL - 600
        register_secrets([self._token])
        return self._token
