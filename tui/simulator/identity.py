"""Local stand-ins for the identity services (reference §16): the ECS metadata service and IAM.

Both hand out temporary keys that the simulated gateway (:class:`Simulator`) then accepts until
they expire, so a client's renewal is tested end to end: the keys it signs with must be ones the
gateway still takes.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl

from tui.simulator.core import Credential, SimRequest, SimResponse, Simulator

__all__ = ["IamService", "MetadataService"]

NO_AGENCY_BODY = (
    '{"error": {"code": 401, "message": "Please configure Cloud Service Agency first"}}'
)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> SimResponse:
    return SimResponse(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class _Issuer:
    """Mints temporary keys and tells the gateway about them."""

    def __init__(self, gateway: Simulator, prefix: str, clock: Callable[[], float]) -> None:
        self.gateway = gateway
        self.prefix = prefix
        self.clock = clock
        self._serial = itertools.count(1)
        self.issued: list[tuple[str, float]] = []
        """(AK, expiry) of every key pair handed out."""

    def mint(self, life: float) -> dict[str, str]:
        number = next(self._serial)
        ak = f"{self.prefix}{number:012d}"
        sk = f"sk-{self.prefix.lower()}-{number}-temporary"
        token = f"sts-{self.prefix.lower()}-{number}-" + "t" * 40
        expires = self.clock() + life
        with self.gateway._lock:
            self.gateway.credentials[ak] = Credential(sk, token, expires_at=expires)
        self.issued.append((ak, expires))
        return {"access": ak, "secret": sk, "securitytoken": token, "expires_at": _iso(expires)}


MetadataMode = Literal["ok", "v1", "no_agency", "not_json", "no_keys"]


class MetadataService:
    """The ECS metadata service of a VM with an agency: keys that live ``life`` seconds and are
    replaced ``overlap`` seconds before they expire (old and new both work meanwhile), as ECS does.

    Args:
        gateway: The simulated gateway that must accept the keys.
        life: Seconds each key pair lives.
        overlap: Seconds before expiry a new pair is handed out.
        clock: Wall time.
        mode: ``ok``; ``v1`` (no session tokens: the PUT answers 404); ``no_agency``;
            ``not_json``; ``no_keys`` (JSON without the secret).
    """

    def __init__(
        self,
        gateway: Simulator,
        *,
        life: float = 3600.0,
        overlap: float = 600.0,
        clock: Callable[[], float] = time.time,
        mode: MetadataMode = "ok",
    ) -> None:
        self.issuer = _Issuer(gateway, "ECSTEMPAK", clock)
        self.life = life
        self.overlap = overlap
        self.clock = clock
        self.mode: MetadataMode = mode
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._current: dict[str, str] | None = None
        self._current_expires = 0.0
        self._tokens: set[str] = set()

    def request_started(self) -> None:
        """Nothing to count."""

    def request_finished(self) -> None:
        """Nothing to count."""

    def handle(self, request: SimRequest) -> SimResponse:
        """Answer as the metadata service does."""
        path = request.target.partition("?")[0]
        with self._lock:
            self.calls[f"{request.method} {path}"] += 1
            if request.method == "PUT" and path == "/meta-data/latest/api/token":
                if self.mode == "v1":
                    return SimResponse(status=404, body=b"Not Found")
                token = f"metadata-session-{len(self._tokens) + 1}-" + "m" * 24
                self._tokens.add(token)
                return SimResponse(status=200, body=token.encode())
            if request.method == "GET" and path == "/openstack/latest/securitykey":
                return self._keys(request)
            return SimResponse(status=404, body=b"Not Found")

    def _keys(self, request: SimRequest) -> SimResponse:
        if self.mode == "no_agency":
            return SimResponse(status=401, body=NO_AGENCY_BODY.encode())
        token = request.header("X-Metadata-Token")
        if self.mode != "v1" and token not in self._tokens:
            return SimResponse(status=401, body=b'{"error": "token invalid"}')
        if self.mode == "not_json":
            return SimResponse(status=200, body=b"<html>metadata</html>")
        if self._current is None or self.clock() >= self._current_expires - self.overlap:
            self._current = self.issuer.mint(self.life)
            self._current_expires = self.clock() + self.life
        credential = dict(self._current)
        if self.mode == "no_keys":
            credential.pop("secret")
        return _json(200, {"credential": credential})


class IamService:
    """IAM: projects by name, the caller's projects, id-token federation, and temporary keys
    for ``assume_role`` and ``token``. Signed calls are verified by the gateway's own verifier.

    Args:
        gateway: The simulated gateway (verifies signatures, accepts the keys issued).
        projects: The account's projects, ``[{"id", "name"}]``.
        agencies: ``(domain, agency)`` pairs that may be assumed.
        idps: Identity provider ID → the id-token it accepts.
        life: Seconds issued keys live.
        clock: Wall time.
    """

    def __init__(
        self,
        gateway: Simulator,
        *,
        projects: list[dict[str, str]] | None = None,
        agencies: set[tuple[str, str]] | None = None,
        idps: dict[str, str] | None = None,
        life: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.gateway = gateway
        self.projects = projects or []
        self.agencies = agencies or set()
        self.idps = idps or {}
        self.life = life
        self.issuer = _Issuer(gateway, "IAMTEMPAK", clock)
        self.projects_denied = False
        """``/v3/projects`` refused (an IAM user without the permission)."""
        self.calls: Counter[str] = Counter()
        self._subjects: set[str] = set()
        self._lock = threading.Lock()

    def request_started(self) -> None:
        """Nothing to count."""

    def request_finished(self) -> None:
        """Nothing to count."""

    def handle(self, request: SimRequest) -> SimResponse:
        """Answer as IAM does."""
        path, _, query = request.target.partition("?")
        with self._lock:
            self.calls[f"{request.method} {path}"] += 1
        trace = {"X-IAM-Trace-Id": f"trace-{sum(self.calls.values()):06d}"}
        if path == "/v3.0/OS-AUTH/id-token/tokens" and request.method == "POST":
            return self._id_token(request, trace)
        if path == "/v3.0/OS-CREDENTIAL/securitytokens" and request.method == "POST":
            return self._security_tokens(request, trace)
        _, refusal = self.gateway.verify(request)
        if refusal is not None:
            return SimResponse(refusal.status, refusal.body, {**refusal.headers, **trace})
        if path == "/v3/projects" and request.method == "GET":
            if self.projects_denied:
                return _json(403, {"error": {"code": 403, "message": "no permission"}}, trace)
            name = dict(parse_qsl(query)).get("name")
            found = [p for p in self.projects if name is None or p["name"] == name]
            return _json(200, {"projects": found, "links": {}}, trace)
        if path == "/v3/auth/projects" and request.method == "GET":
            return _json(200, {"projects": self.projects, "links": {}}, trace)
        return _json(404, {"error": {"code": 404, "message": "not found"}}, trace)

    def _id_token(self, request: SimRequest, trace: dict[str, str]) -> SimResponse:
        idp = request.header("X-Idp-Id") or ""
        try:
            given = json.loads(request.body)["auth"]["id_token"]["id"]
        except (ValueError, KeyError, TypeError):
            return _json(400, {"error": {"code": 400, "message": "bad body"}}, trace)
        if self.idps.get(idp) != given:
            return _json(401, {"error": {"code": 401, "message": "id token invalid"}}, trace)
        subject = f"subject-token-{len(self._subjects) + 1}-" + "s" * 30
        self._subjects.add(subject)
        return _json(201, {"token": {}}, {**trace, "X-Subject-Token": subject})

    def _security_tokens(self, request: SimRequest, trace: dict[str, str]) -> SimResponse:
        try:
            identity = json.loads(request.body)["auth"]["identity"]
            method = identity["methods"][0]
        except (ValueError, KeyError, TypeError, IndexError):
            return _json(400, {"error": {"code": 400, "message": "bad body"}}, trace)
        if method == "token":
            if identity.get("token", {}).get("id") not in self._subjects:
                return _json(401, {"error": {"code": 401, "message": "token invalid"}}, trace)
            return _json(201, {"credential": self.issuer.mint(self.life)}, trace)
        if method != "assume_role":
            return _json(400, {"error": {"code": 400, "message": "unknown method"}}, trace)
        _, refusal = self.gateway.verify(request)
        if refusal is not None:
            return SimResponse(refusal.status, refusal.body, {**refusal.headers, **trace})
        role = identity.get("assume_role", {})
        account = role.get("domain_name") or role.get("domain_id")
        if (account, role.get("agency_name")) not in self.agencies:
            return _json(
                403,
                {"error": {"code": 403, "message": "You have no right to assume this agency."}},
                trace,
            )
        life = float(role.get("duration_seconds") or self.life)
        return _json(201, {"credential": self.issuer.mint(min(life, self.life))}, trace)
