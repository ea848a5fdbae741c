"""The company network: a proxy and a private CA per profile, the clients identity calls go
through, and transport failures in words (certificate, proxy, DNS) instead of httpx's.

A profile's ``proxy`` wins; without it the environment's ``HTTPS_PROXY``/``HTTP_PROXY``/
``NO_PROXY`` apply, as for every tool on the host. ``ca_file`` (or ``SSL_CERT_FILE``) adds a
private CA. There is no way to turn TLS verification off. The ECS metadata service is never
reached through a proxy.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from tui.cloud.identity.clock import ClockSkew
from tui.cloud.redaction import register_secrets
from tui.errors import ConfigError

__all__ = [
    "IdentityHttp",
    "Network",
    "describe_transport_error",
    "shown_proxy",
]

_IDENTITY_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=10.0, pool=10.0)


def shown_proxy(url: str) -> str:
    """A proxy URL fit to show: the password masked.

    Args:
        url: ``http://user:pass@host:port``.

    Returns:
        ``http://user:***@host:port``.
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@dataclass(frozen=True)
class Network:
    """How a profile reaches the cloud: through which proxy, trusting which CA.

    Args:
        proxy: An explicit proxy URL (the profile's ``proxy``), or None for the environment's.
        ca_file: A PEM file of extra CAs to trust (the profile's ``ca_file``).
        env: The environment (``HTTPS_PROXY``, ``NO_PROXY``, ``SSL_CERT_FILE``).
    """

    proxy: str | None = None
    ca_file: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.proxy is not None:
            parts = urlsplit(self.proxy)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ConfigError(
                    f"proxy {shown_proxy(self.proxy)!r} is not a proxy URL: "
                    "write http://[user:password@]host:port"
                )
            if parts.password:
                register_secrets([parts.password])
        if self.ca_file is not None and not self.ca_file.expanduser().is_file():
            raise ConfigError(f"ca_file {self.ca_file} does not exist (a PEM file of CAs)")

    @property
    def described(self) -> str:
        """The proxy in force, for ``config`` and ``check`` (password masked)."""
        if self.proxy:
            return f"{shown_proxy(self.proxy)} (profile)"
        for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            if self.env.get(name):
                return f"{shown_proxy(self.env[name])} (${name})"
        return "none"

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for an ``httpx.AsyncClient`` that goes this way."""
        options: dict[str, Any] = {"trust_env": True}
        if self.proxy:
            options["proxy"] = self.proxy
        cafile = self.ca_file.expanduser() if self.ca_file else None
        env_cafile = self.env.get("SSL_CERT_FILE")
        if cafile or env_cafile:
            context = ssl.create_default_context()
            for extra in (cafile, Path(env_cafile) if env_cafile else None):
                if extra is not None and extra.is_file():
                    try:
                        context.load_verify_locations(cafile=str(extra))
                    except (ssl.SSLError, OSError) as exc:
                        raise ConfigError(
                            f"ca_file {extra} is not a PEM file of CAs: {exc}"
                        ) from None
            options["verify"] = context
        return options


class IdentityHttp:
    """The clients identity calls go through, and the clock they sign with. Each client is
    made at its first call: a profile with read keys and a project ID never makes one.

    Args:
        network: Proxy and CA of the profile (IAM and STS go this way).
        skew: The gateway's time, as measured (a new one when None).
        transport: Instead of the network (tests).
    """

    def __init__(
        self,
        network: Network,
        *,
        skew: ClockSkew | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.network = network
        self.skew = skew or ClockSkew()
        self._transport = transport
        self._iam: httpx.AsyncClient | None = None
        self._metadata: httpx.AsyncClient | None = None

    @property
    def iam(self) -> httpx.AsyncClient:
        """The profile's network (proxy, CA): IAM and STS."""
        if self._iam is None:
            options = self.network.client_options() if self._transport is None else {}
            self._iam = httpx.AsyncClient(
                transport=self._transport,
                timeout=_IDENTITY_TIMEOUT,
                follow_redirects=False,
                **options,
            )
        return self._iam

    @property
    def metadata(self) -> httpx.AsyncClient:
        """Straight to the ECS metadata service: link-local, so no proxy, no environment."""
        if self._metadata is None:
            self._metadata = httpx.AsyncClient(
                transport=self._transport,
                trust_env=False,
                timeout=httpx.Timeout(2.0),
                follow_redirects=False,
            )
        return self._metadata

    async def aclose(self) -> None:
        """Close the clients made."""
        for client in (self._iam, self._metadata):
            if client is not None:
                await client.aclose()


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 8:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def describe_transport_error(exc: BaseException, url: str) -> str:
    """A failure to reach ``url`` in the words an operator needs (no httpx stack).

    Args:
        exc: What httpx raised.
        url: Where the request went.

    Returns:
        One sentence: certificate not trusted, proxy trouble, DNS, refused, timed out.
    """
    host = urlsplit(url).hostname or url
    chain = _causes(exc)
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in chain) or "CERTIFICATE_VERIFY" in (
        " ".join(str(c) for c in chain)
    ):
        return (
            f"certificate not trusted for {host}: set ca_file in the profile (or SSL_CERT_FILE) "
            "to your company's CA"
        )
    if isinstance(exc, httpx.ProxyError):
        return f"the proxy failed for {host}: {_first_line(exc)}"
    if any(isinstance(c, socket.gaierror) for c in chain) or "Name or service not known" in str(
        exc
    ):
        return f"cannot resolve {host} (DNS): check the name, or set a proxy"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out talking to {host}"
    if any(isinstance(c, ConnectionRefusedError) for c in chain):
        return f"{host} refused the connection"
    return f"cannot reach {host}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    text = (str(exc) or type(exc).__name__).splitlines()[0]
    return text if len(text) < 200 else text[:197] + "..."
