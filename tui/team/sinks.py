"""Notification sinks from ``[[notify]]`` tables: URLs with ``${VAR}`` read from the
environment, and a redacted name for each, the only form a sink is ever shown in.

A sink URL holds its service's token (Slack's path, DingTalk's ``access_token=``, WeCom's
``key=``), so every URL and each token-like piece of it is registered as a secret the moment it
is read: no log line, banner or error can quote it. ``${VAR}`` may name the sink's own token
variable, never the cloud's credential: whoever can edit config.toml must not be able to send
the SK to a URL of their choosing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tui.cloud.redaction import register_secrets, registered_secrets
from tui.errors import ConfigError

if TYPE_CHECKING:
    from tui.engine.setup.config import NotifySettings

__all__ = ["FORBIDDEN_VARIABLES", "Sink", "redact", "secret_pieces", "sinks_from"]

FORBIDDEN_VARIABLES = ("HUAWEICLOUD_", "TASKWATCH_AUTH_TOKEN", "HCLOUD_")
"""Prefixes of variables ``${VAR}`` never expands: the cloud's credentials and KooCLI's."""
_PROXY_VARIABLES = frozenset({"HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"})
"""Proxy URLs may hold a password."""
_sink_secrets: set[str] = set()
"""The sink URL pieces registered as secrets (the registry holds the cloud's keys too)."""

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HOSTLIKE = re.compile(
    r"^(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})$"
)


@dataclass(frozen=True)
class Sink:
    """One place messages go.

    Attributes:
        name: The redacted URL (``slack://…``, ``json://hooks.example.internal/…``), with the
            table's number: what logs, banners and ``notify --test`` show.
        url: The URL with its variables filled in: a secret, never shown or logged.
        on: The events sent there.
        digest: Seconds within which events go out as one message.
    """

    name: str
    url: str = field(repr=False)
    on: frozenset[str]
    digest: float


def redact(url: str) -> str:
    """A sink URL with every part that may be a secret left out.

    Only the scheme and a host name (something with a dot, an IP address or ``localhost``)
    are kept: tokens sit in the user part, the path, the query or where a host would be
    (``dingtalk://TOKEN``), depending on the service.

    Args:
        url: A notification URL, as written or with its variables filled in.

    Returns:
        ``scheme://host/…`` or ``scheme://…``.
    """
    scheme, _, rest = url.partition("://")
    if not rest or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,20}", scheme):
        return "(not a URL)"
    try:
        host = urlsplit(f"x://{rest}").hostname or ""
    except ValueError:
        host = ""
    netloc = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    port = netloc.rsplit(":", 1)[1] if ":" in netloc and not netloc.endswith("]") else ""
    if ":" in host:  # urlsplit drops an IPv6 address's brackets
        host = f"[{host}]"
    if host and _HOSTLIKE.match(host):
        shown = f"{host}:{port}" if port.isdigit() else host
        return f"{scheme.lower()}://{shown}/…"
    return f"{scheme.lower()}://…"


def secret_pieces(url: str) -> list[str]:
    """The parts of a sink URL that may be a token or a password (to register as secrets).

    Args:
        url: A sink URL, variables filled in.

    Returns:
        The whole URL, and each piece between separators that looks like a token: eight
        characters or more, with a digit or sixteen long (``services`` is a word; ``T0A1B2C3``
        and a 64-character hex string are not).
    """
    rest = url.partition("://")[2]
    pieces = [url]
    for piece in re.split(r"[/:@?&=#,;+]+", rest):
        if len(piece) >= 8 and "." not in piece and (len(piece) >= 16 or re.search(r"\d", piece)):
            pieces.append(piece)
    return pieces


def _forbidden(name: str, env: Mapping[str, str]) -> bool:
    """Whether ``${name}`` would hand a cloud credential (or a proxy password) to a sink."""
    upper = name.upper()
    if upper.startswith(FORBIDDEN_VARIABLES) or upper in _PROXY_VARIABLES:
        return True
    value = env.get(name, "")
    # Whatever variable a profile's credential was read from is a registered secret by now
    # (sink tokens are registered too: those are not the cloud's).
    return bool(value) and value not in _sink_secrets and value in registered_secrets()


def _filled(url: str, env: Mapping[str, str], table: int) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if _forbidden(name, env):
            raise ConfigError(
                f"[[notify]] table {table}: ${{{name}}} holds a cloud credential (or a proxy's "
                "password) and is never put into a sink URL; use the sink's own token variable, "
                "e.g. ${DINGTALK_TOKEN}"
            )
        if name not in env:
            raise ConfigError(
                f"[[notify]] table {table}: ${{{name}}} is not set in the environment"
            )
        return env[name]

    return _VARIABLE.sub(value, url.strip())


def sinks_from(tables: Sequence[NotifySettings], env: Mapping[str, str]) -> list[Sink]:
    """The sinks of the ``[[notify]]`` tables, variables filled in from ``env``.

    Args:
        tables: The configured tables, in order.
        env: The environment (``${VAR}`` values).

    Returns:
        One sink per URL, named ``#table.url redacted-url``.

    Raises:
        ConfigError: A variable is not set or names a credential, or a URL has no scheme (the
            message never holds a URL's secret parts).
    """
    sinks = []
    for number, table in enumerate(tables, start=1):
        for position, written in enumerate(table.urls, start=1):
            url = _filled(written, env, number)
            pieces = secret_pieces(url)
            _sink_secrets.update(pieces)
            register_secrets(pieces)
            name = redact(url)
            if name == "(not a URL)":
                raise ConfigError(
                    f"[[notify]] table {number}, URL {position}: not an Apprise URL "
                    "(scheme://..., e.g. dingtalk://TOKEN or json://host/path)"
                )
            sinks.append(
                Sink(f"#{number}.{position} {name}", url, frozenset(table.on), table.digest)
            )
    return sinks
