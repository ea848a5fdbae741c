"""Credentials, found where the official SDK looks for them, and held only in memory."""

from __future__ import annotations

import configparser
import hashlib
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tui.errors import CredentialError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "TOKEN_ENV",
    "Credential",
    "credential_from_env",
    "credential_from_file",
    "credential_from_token_file",
    "permission_warning",
]

TOKEN_ENV = "TASKWATCH_AUTH_TOKEN"  # noqa: S105 - a variable name, not a secret


@dataclass(frozen=True)
class Credential:
    """An AK/SK pair (optionally temporary, with a security token) or an IAM token.

    The secret fields are left out of ``repr`` so that no log line or traceback shows them.
    """

    kind: Literal["aksk", "token"]
    source: str
    ak: str = ""
    sk: str = field(default="", repr=False)
    security_token: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    project_id: str | None = None
    path: Path | None = None
    """The file the secret was read from, if any (checked for loose permissions)."""

    @property
    def warnings(self) -> list[str]:
        """Problems worth telling the user about, such as a world-readable credentials file."""
        warning = permission_warning(self.path) if self.path else None
        return [warning] if warning else []

    def auth(self, project_id: str | None) -> httpx.Auth:
        """The httpx authentication for this credential.

        Args:
            project_id: Sent (and signed) as ``X-Project-Id`` when given.

        Returns:
            AK/SK signing, or the ``X-Auth-Token`` header for an IAM token.
        """
        from tui.cloud.signing import AkSkAuth, TokenAuth  # httpx only once a client is built

        if self.kind == "token":
            return TokenAuth(self.token or "", project_id=project_id)
        return AkSkAuth(self.ak, self.sk, security_token=self.security_token, project_id=project_id)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret string, for redaction (the AK too: it is shown as 4 characters at most)."""
        return tuple(s for s in (self.ak, self.sk, self.security_token, self.token) if s)

    @property
    def key(self) -> str:
        """A stable, non-reversible identity: requests for one key share a fate on auth errors."""
        material = "\0".join([self.kind, self.ak, self.sk, self.token or ""])
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    @property
    def display(self) -> str:
        """How to show the credential: kind, AK prefix and source; never a secret."""
        if self.kind == "token":
            return f"IAM token from {self.source}"
        temporary = " (temporary)" if self.security_token else ""
        return f"AK {self.ak[:4]}…{temporary} from {self.source}"


def credential_from_env(env: Mapping[str, str]) -> Credential | None:
    """AK/SK from ``HUAWEICLOUD_SDK_AK``/``_SK`` (both needed), else a token from TOKEN_ENV.

    Args:
        env: The environment.

    Returns:
        The credential, or None when the environment has none.

    Raises:
        CredentialError: Only one of AK and SK is set.
    """
    ak = env.get("HUAWEICLOUD_SDK_AK", "").strip()
    sk = env.get("HUAWEICLOUD_SDK_SK", "").strip()
    if ak and sk:
        return Credential(
            kind="aksk",
            source="environment",
            ak=ak,
            sk=sk,
            security_token=env.get("HUAWEICLOUD_SDK_SECURITY_TOKEN", "").strip() or None,
        )
    if ak or sk:
        missing = "HUAWEICLOUD_SDK_SK" if ak else "HUAWEICLOUD_SDK_AK"
        raise CredentialError(f"{missing} is not set (the SDK needs both AK and SK)")
    token = env.get(TOKEN_ENV, "").strip()
    if token:
        return Credential(kind="token", source=f"${TOKEN_ENV}", token=token)
    return None


def permission_warning(path: Path) -> str | None:
    """A warning if ``path`` is readable or writable by group or others, else None.

    Args:
        path: A file holding secrets.

    Returns:
        One sentence saying what is wrong and how to fix it, or None.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"warning: {path} is accessible by other users (mode {stat.filemode(mode)}); "
            f"run: chmod 600 {path}"
        )
    return None


def credential_from_file(path: Path, section: str = "basic") -> Credential | None:
    """AK/SK (and project_id, security_token) from an SDK-style INI credentials file.

    Returns None when the file does not exist; raises CredentialError when it is unusable.

    Args:
        path: The INI file (``~/.huaweicloud/credentials`` or as configured).
        section: ``basic`` for regional services, as the SDK reads it.

    Returns:
        The credential, or None when the file does not exist.

    Raises:
        CredentialError: The file cannot be read or lacks the section, the AK or the SK.
    """
    path = path.expanduser()
    if not path.exists():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text("utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CredentialError(f"cannot read credentials file {path}: {first_line}") from None
    if not parser.has_section(section):
        raise CredentialError(f"credentials file {path} has no [{section}] section")
    values = parser[section]
    ak, sk = values.get("ak", "").strip(), values.get("sk", "").strip()
    if not ak or not sk:
        raise CredentialError(f"credentials file {path} [{section}] needs both 'ak' and 'sk'")
    return Credential(
        kind="aksk",
        source=f"{path} [{section}]",
        ak=ak,
        sk=sk,
        security_token=values.get("security_token", "").strip() or None,
        project_id=values.get("project_id", "").strip() or None,
        path=path,
    )


def credential_from_token_file(path: Path) -> Credential:
    """An IAM token (sent as ``X-Auth-Token``) from a file holding just the token.

    Args:
        path: The file.

    Returns:
        The token credential.

    Raises:
        CredentialError: The file cannot be read or is empty.
    """
    path = path.expanduser()
    try:
        token = path.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialError(f"cannot read token file {path}: {exc.__class__.__name__}") from None
    if not token:
        raise CredentialError(f"token file {path} is empty")
    return Credential(kind="token", source=str(path), token=token, path=path)
