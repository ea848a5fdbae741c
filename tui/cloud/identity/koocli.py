"""A profile of KooCLI's ``~/.hcloud/config.json`` as a key source: AK/SK (with its security
token), its ECS agency mode, or its agency mode through a source profile.

KooCLI encrypts the keys by default with a key generated per install and not documented: they
are never decrypted here; the user is told how to store them in plain text instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.cloud.identity.agency import AssumeSource
from tui.cloud.identity.ecs import MetadataSource
from tui.cloud.identity.keys import Keys, KeySource
from tui.cloud.identity.static import FixedSource
from tui.errors import CredentialError

__all__ = ["DEFAULT_KOOCLI_FILE", "koocli_source"]

DEFAULT_KOOCLI_FILE = Path("~/.hcloud/config.json")
_PLAIN_AK = re.compile(r"^[A-Za-z0-9]{16,64}$")
_PLAIN_SK = re.compile(r"^[A-Za-z0-9]{20,128}$")
_ENCRYPTED_HELP = (
    "its keys are encrypted by KooCLI (which taskwatch never decrypts): run "
    "`hcloud configure set --cli-auth-encrypt=false` and set the keys again, or give taskwatch "
    "the keys through HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK"
)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise CredentialError(f"KooCLI configuration {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CredentialError(
            f"KooCLI configuration {path} is not readable JSON ({exc.__class__.__name__})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles", []), list):
        raise CredentialError(f"KooCLI configuration {path} has no list of profiles")
    return data


def _profile(data: dict[str, Any], name: str | None, path: Path) -> dict[str, Any]:
    wanted = name or data.get("current") or "default"
    for entry in data.get("profiles", []):
        if isinstance(entry, dict) and entry.get("name") == wanted:
            return entry
    names = [e.get("name") for e in data.get("profiles", []) if isinstance(e, dict)]
    shown = ", ".join(str(n) for n in names) or "none"
    raise CredentialError(  # names are the file's: quoted and cut, never a line of their own
        f"KooCLI configuration {path} has no profile {str(wanted)[:80]!r} (has: {shown[:200]!r})"
    )


def _text(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def koocli_source(
    path: Path,
    profile: str | None,
    *,
    iam: Callable[[str | None], str],
    metadata_endpoint: str,
    _seen: frozenset[str] = frozenset(),
) -> KeySource:
    """The key source a KooCLI profile describes.

    Args:
        path: KooCLI's ``config.json``.
        profile: The profile's name (KooCLI's ``current`` by default).
        iam: IAM's base URL for a region (agency mode).
        metadata_endpoint: The ECS metadata service (ecsAgency mode).

    Returns:
        A source of the right kind.

    Raises:
        CredentialError: The file is missing or malformed, the profile is unknown, its keys are
            encrypted, or its mode is one taskwatch cannot use.
    """
    path = path.expanduser()
    entry = _profile(_read(path), profile, path)
    name = _text(entry, "name")
    mode = _text(entry, "mode") or "AKSK"
    where = f"KooCLI profile '{name}' ({path})"
    if mode == "ecsAgency":
        return MetadataSource(metadata_endpoint)
    agency = _text(entry, "agencyName")
    if agency:
        source_name = _text(entry, "sourceProfile") or _text(entry, "source_profile")
        if not source_name or source_name in _seen | {name}:
            raise CredentialError(f"{where} is in agency mode without a usable source profile")
        base = koocli_source(
            path,
            source_name,
            iam=iam,
            metadata_endpoint=metadata_endpoint,
            _seen=_seen | {name},
        )
        return AssumeSource(
            base,
            iam(_text(entry, "region") or None),
            agency_name=agency,
            domain_name=_text(entry, "agencyDomainName") or None,
            domain_id=_text(entry, "agencyDomainId") or None,
        )
    if mode != "AKSK":
        raise CredentialError(f"{where} is in mode {mode!r}; taskwatch reads AKSK and ecsAgency")
    ak, sk = _text(entry, "accessKeyId"), _text(entry, "secretAccessKey")
    if not ak or not sk:
        raise CredentialError(f"{where} has no accessKeyId/secretAccessKey")
    if not _PLAIN_AK.match(ak) or not _PLAIN_SK.match(sk):
        raise CredentialError(f"{where}: {_ENCRYPTED_HELP}")
    keys = Keys(
        ak=ak,
        sk=sk,
        security_token=_text(entry, "securityToken") or None,
        project_id=_text(entry, "projectId") or None,
    )
    return FixedSource(keys, where)
