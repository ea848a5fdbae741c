"""Keys that are read, not asked for: the environment, the SDK's INI credentials file, a token
file. Files are read again when they change on disk (a rotation script rewrites them)."""

from __future__ import annotations

import configparser
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cloud.identity.keys import AuthKind, Keys
from tui.cloud.redaction import register_secrets
from tui.errors import CredentialError

if TYPE_CHECKING:
    from tui.cloud.identity.network import IdentityHttp

__all__ = [
    "TOKEN_ENV",
    "EnvSource",
    "FixedSource",
    "IniSource",
    "TokenFileSource",
    "credential_from_file",
    "keys_from_env",
    "permission_warning",
]

TOKEN_ENV = "TASKWATCH_AUTH_TOKEN"  # noqa: S105 - a variable name, not a secret


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


def keys_from_env(env: Mapping[str, str]) -> tuple[Keys, AuthKind] | None:
    """AK/SK from ``HUAWEICLOUD_SDK_AK``/``_SK`` (both needed), else a token from TOKEN_ENV.

    Args:
        env: The environment.

    Returns:
        The keys and their kind, or None when the environment has none.

    Raises:
        CredentialError: Only one of AK and SK is set.
    """
    ak = env.get("HUAWEICLOUD_SDK_AK", "").strip()
    sk = env.get("HUAWEICLOUD_SDK_SK", "").strip()
    if ak and sk:
        token = env.get("HUAWEICLOUD_SDK_SECURITY_TOKEN", "").strip() or None
        return Keys(ak=ak, sk=sk, security_token=token), "aksk"
    if ak or sk:
        missing = "HUAWEICLOUD_SDK_SK" if ak else "HUAWEICLOUD_SDK_AK"
        raise CredentialError(f"{missing} is not set (the SDK needs both AK and SK)")
    token = env.get(TOKEN_ENV, "").strip()
    if token:
        return Keys(token=token), "token"
    return None


def read_ini(path: Path, section: str = "basic") -> configparser.SectionProxy | None:
    """The ``section`` of an SDK-style INI credentials file, or None when the file is absent.

    Args:
        path: The INI file.
        section: ``basic`` for regional services, as the SDK reads it.

    Returns:
        The section's keys.

    Raises:
        CredentialError: The file cannot be read or lacks the section.
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
    return parser[section]


def credential_from_file(path: Path, section: str = "basic") -> Keys | None:
    """AK/SK (and project_id, security_token) from an SDK-style INI credentials file.

    Args:
        path: The INI file (``~/.huaweicloud/credentials`` or as configured).
        section: ``basic`` for regional services, as the SDK reads it.

    Returns:
        The keys, or None when the file does not exist.

    Raises:
        CredentialError: The file cannot be read or lacks the section, the AK or the SK.
    """
    values = read_ini(path, section)
    if values is None:
        return None
    ak, sk = values.get("ak", "").strip(), values.get("sk", "").strip()
    if not ak or not sk:
        raise CredentialError(
            f"credentials file {path.expanduser()} [{section}] needs both 'ak' and 'sk'"
        )
    return Keys(
        ak=ak,
        sk=sk,
        security_token=values.get("security_token", "").strip() or None,
        project_id=values.get("project_id", "").strip() or None,
    )


def _stamp(path: Path) -> tuple[float, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime, info.st_size, info.st_ino)


class FixedSource:
    """Keys given in code (the demo, tests) or read once from the environment.

    Args:
        keys: The keys.
        origin: Where they came from, for people.
        kind: ``aksk`` or ``token``.
    """

    def __init__(self, keys: Keys, origin: str, kind: AuthKind = "aksk") -> None:
        self.keys = keys
        self.origin = origin
        self.kind: AuthKind = "token" if keys.token else kind
        self.identity = f"fixed:{origin}"
        register_secrets(keys.secrets)

    @property
    def path(self) -> Path | None:
        return None

    async def fetch(self, http: IdentityHttp) -> Keys:
        return self.keys

    def read(self) -> Keys:
        """The keys, without an event loop (they are already here)."""
        return self.keys

    def changed(self) -> bool:
        return False


class EnvSource(FixedSource):
    """The SDK's environment variables, read when the profile is resolved."""

    def __init__(self, env: Mapping[str, str]) -> None:
        found = keys_from_env(env)
        if found is None:
            raise CredentialError("HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not set")
        keys, kind = found
        super().__init__(keys, "environment" if kind == "aksk" else f"${TOKEN_ENV}", kind)


class _FileSource:
    """A file read now and again whenever it changes on disk."""

    kind: AuthKind

    def __init__(self, file: Path) -> None:
        self.file = file.expanduser()
        self._stamp: tuple[float, int, int] | None = None

    @property
    def path(self) -> Path | None:
        return self.file

    async def fetch(self, http: IdentityHttp) -> Keys:
        return self.read()

    def read(self) -> Keys:
        """Read the file now (remembering its stamp, so :meth:`changed` can tell)."""
        self._stamp = _stamp(self.file)
        keys = self._parse()
        register_secrets(keys.secrets)
        return keys

    def changed(self) -> bool:
        return _stamp(self.file) != self._stamp

    def _parse(self) -> Keys:
        raise NotImplementedError


class IniSource(_FileSource):
    """The SDK's INI credentials file (``ak``, ``sk``, ``security_token``, ``project_id``).

    Args:
        file: The file.
        section: Its section (``basic``).
    """

    kind: AuthKind = "aksk"

    def __init__(self, file: Path, section: str = "basic") -> None:
        super().__init__(file)
        self.section = section
        self.origin = f"{self.file} [{section}]"
        self.identity = f"ini:{self.file}:{section}"

    def _parse(self) -> Keys:
        keys = credential_from_file(self.file, self.section)
        if keys is None:
            raise CredentialError(f"credentials file {self.file} does not exist")
        return keys


class TokenFileSource(_FileSource):
    """An IAM token (sent as ``X-Auth-Token``) in a file holding just the token.

    Args:
        file: The file.
    """

    kind: AuthKind = "token"

    def __init__(self, file: Path) -> None:
        super().__init__(file)
        self.origin = str(self.file)
        self.identity = f"token:{self.file}"

    def _parse(self) -> Keys:
        return Keys(token=read_token_file(self.file, "token file"))


def read_token_file(path: Path, what: str) -> str:
    """The token a file holds, registered as a secret so that no log or error shows it.

    Args:
        path: The file.
        what: What the file is, for the error ("token file", "id-token file").

    Raises:
        CredentialError: The file is missing, unreadable or empty.
    """
    try:
        token = path.read_text("utf-8").strip()
    except FileNotFoundError:
        raise CredentialError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialError(f"cannot read {what} {path}: {exc.__class__.__name__}") from None
    if not token:
        raise CredentialError(f"{what} {path} is empty")
    register_secrets([token])
    return token
