"""What a credential source gives: keys that sign now, and when they stop; and the protocol every
source meets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import httpx

from tui.cloud.signing import sign_request

if TYPE_CHECKING:
    from tui.cloud.identity.network import IdentityHttp

__all__ = ["AuthKind", "KeySource", "Keys"]

AuthKind = Literal["aksk", "ecs", "assume", "idp", "koocli", "token"]
"""How a profile's credential is obtained (its ``auth`` key)."""


@dataclass(frozen=True)
class Keys:
    """An AK/SK pair (temporary with a security token) or an IAM token, as a source gave it.

    The secret fields are left out of ``repr`` so that no log line or traceback shows them.
    """

    ak: str = ""
    sk: str = field(default="", repr=False)
    security_token: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    """An IAM token (``X-Auth-Token``) instead of AK/SK."""
    expires_at: float | None = None
    """Epoch seconds after which the cloud refuses them; None for permanent keys."""
    obtained_at: float = 0.0
    """Epoch seconds when the source handed them over (their life runs from here)."""
    project_id: str | None = None
    """A project ID the source names with the keys (the INI file's, KooCLI's), if any."""

    @property
    def temporary(self) -> bool:
        """Whether they expire (temporary AK/SK with a security token, or a dated token)."""
        return self.expires_at is not None or bool(self.security_token)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret string, for redaction (the AK too: it is shown as 4 characters)."""
        return tuple(s for s in (self.ak, self.sk, self.security_token, self.token) if s)

    def sign(
        self, request: httpx.Request, *, project_id: str | None, now: float, again: bool = False
    ) -> None:
        """Sign ``request`` in place with this AK/SK (and security token), as of ``now``.

        Args:
            request: The request.
            project_id: Sent as ``X-Project-Id``, if any.
            now: Epoch seconds on the cloud's clock (the caller corrects for skew).
            again: The request was signed before; drop that signature first.
        """
        sign_request(
            request,
            ak=self.ak,
            sk=self.sk,
            security_token=self.security_token,
            project_id=project_id,
            now=datetime.fromtimestamp(now, UTC),
            again=again,
        )


class KeySource(Protocol):
    """One place keys come from: the environment, a file, the ECS metadata service, IAM.

    A source is cheap to build (it reads nothing); :meth:`fetch` reads or asks, each time it is
    called, so a renewal is a second call.
    """

    kind: AuthKind
    """The ``auth`` kind this source implements."""
    origin: str
    """Where the keys come from, for people (``environment``, ``ECS metadata ...``); no secret."""
    identity: str
    """What stays the same across renewals (for the fingerprint the refusal rule keys on)."""

    @property
    def path(self) -> Path | None:
        """A file holding secrets (checked for loose permissions), if any."""
        ...

    async def fetch(self, http: IdentityHttp) -> Keys:
        """Read or ask for keys now.

        Args:
            http: The HTTP clients identity calls go through (metadata, IAM).

        Returns:
            The keys.

        Raises:
            CredentialError: The source cannot give keys; the message says why and the fix.
            NetworkError: The source did not answer (worth trying again later).
        """
        ...

    def read(self) -> Keys | None:
        """The keys without asking anyone (the environment, a file), or None for a source that
        must be asked (:meth:`fetch`).

        Raises:
            CredentialError: The file cannot be read or lacks keys.
        """
        ...

    def changed(self) -> bool:
        """Whether the source has different keys than at the last fetch without asking anyone
        (a file rewritten on disk); False for sources that must be asked."""
        ...


class AskedSource:
    """What every source that must be asked (ECS, IAM) says alike: no file of ours, nothing
    to read without asking, nothing that changes on disk."""

    @property
    def path(self) -> Path | None:
        """No file holding secrets."""
        return None

    def read(self) -> Keys | None:
        """Nothing to read: keys from here are asked for."""
        return None

    def changed(self) -> bool:
        """Never: only asking tells."""
        return False
