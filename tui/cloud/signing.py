"""SDK-HMAC-SHA256 AK/SK request signing, byte-exact with the official Huawei Cloud SDK.

The algorithm (reference §6): a canonical request of method, canonical URI (always ending in
``/``), sorted and percent-encoded query, lower-cased trimmed headers, the signed header names,
and the body's SHA-256. The string to sign is the algorithm name, the ``X-Sdk-Date`` and the
SHA-256 of the canonical request, one per line, signed with HMAC-SHA256 keyed by the SK
itself. The request is sent with exactly the query string that was signed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import parse_qsl, quote, unquote

import httpx

__all__ = [
    "ALGORITHM",
    "EMPTY_BODY_SHA256",
    "AkSkAuth",
    "Authorization",
    "Signature",
    "SignedRequest",
    "TokenAuth",
    "canonical_query",
    "canonical_uri",
    "format_sdk_date",
    "parse_authorization",
    "payload_hash",
    "sign",
    "sign_request",
    "signature_for",
]

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()
_SAFE = "-_.~"  # with letters and digits, the only characters left bare
_SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

# Headers the transport may add or rewrite in transit (proxies, connection pools); signing them
# would make a correct request fail verification, and the SDK never signs them.
_UNSIGNED = frozenset(
    {
        "authorization",
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "transfer-encoding",
    }
)


def _encode(value: str) -> str:
    return quote(value, safe=_SAFE)


def canonical_uri(path: str) -> str:
    """Percent-decode ``path``, re-encode each segment, and make it end with exactly one ``/``.

    Args:
        path: The request path as sent.

    Returns:
        The canonical URI part of the canonical request (the trailing ``/`` is never sent).
    """
    segments = [_encode(unquote(segment)) for segment in path.split("/")]
    uri = "/".join(segments)
    return uri if uri.endswith("/") else uri + "/"


def _query_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def canonical_query(pairs: Iterable[tuple[str, object]]) -> str:
    """Sort the raw (name, value) pairs, percent-encode both and join them with ``&``.

    Values of None are dropped, booleans become ``true``/``false``, other values go through str().

    Args:
        pairs: The query parameters in any order; values are stringified as the SDK does.

    Returns:
        The canonical query string; the same string is sent on the wire.
    """
    raw = sorted((name, _query_text(value)) for name, value in pairs if value is not None)
    return "&".join(f"{_encode(name)}={_encode(value)}" for name, value in raw)


def format_sdk_date(moment: datetime) -> str:
    """Return ``moment`` in the ``X-Sdk-Date`` form, ``YYYYMMDDTHHMMSSZ`` in UTC.

    Args:
        moment: An aware datetime.

    Returns:
        The header value, e.g. ``20180806T104114Z``.
    """
    return moment.astimezone(UTC).strftime(_SDK_DATE_FORMAT)


@dataclass(frozen=True)
class SignedRequest:
    """Everything the signer produced; the intermediate strings make mismatches debuggable."""

    headers: dict[str, str]
    authorization: str
    signed_headers: str
    signature: str
    canonical_request: str
    string_to_sign: str
    payload_hash: str
    request_uri: str
    query: str = field(default="")


class Signature(NamedTuple):
    """A signature and what it was computed from (the SDK's intermediate strings)."""

    signature: str
    signed_headers: str
    canonical_request: str
    string_to_sign: str


def _canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """Return the canonical header block and the signed-headers list for ``headers``."""
    chosen = sorted(
        (name.lower(), value.strip()) for name, value in headers.items() if "_" not in name
    )
    block = "".join(f"{name}:{value}\n" for name, value in chosen)
    return block, ";".join(name for name, _ in chosen)


def signature_for(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    *,
    payload_hash: str,
    sk: str,
    sdk_date: str,
) -> Signature:
    """The signature of a request, with the strings it was computed from.

    ``query`` must already be canonical; ``headers`` are exactly the headers to sign.
    Used by both the client signer and the simulator's verifier, so the two cannot drift apart.

    Args:
        method: The HTTP method.
        path: The request path.
        query: The canonical query string.
        headers: The headers to sign.
        payload_hash: From :func:`payload_hash`.
        sk: The secret key (the HMAC key itself: no derivation).
        sdk_date: The ``X-Sdk-Date`` value.

    Returns:
        The hex signature, the signed header names, the canonical request and the string to sign.
    """
    header_block, signed_headers = _canonical_headers(headers)
    canonical = "\n".join(
        [method.upper(), canonical_uri(path), query, header_block, signed_headers, payload_hash]
    )
    string_to_sign = "\n".join(
        [ALGORITHM, sdk_date, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    signature = hmac.new(
        sk.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return Signature(signature, signed_headers, canonical, string_to_sign)


def payload_hash(body: bytes, headers: Mapping[str, str]) -> str:
    """The payload hash of the canonical request: SHA-256 of the body, the empty-body hash, or
    the ``X-Sdk-Content-Sha256`` value (``UNSIGNED-PAYLOAD``) when that header is set.

    Args:
        body: The request body.
        headers: The headers to sign (an ``X-Sdk-Content-Sha256`` there wins).

    Returns:
        The lowercase hex hash.
    """
    if not body:
        return EMPTY_BODY_SHA256
    for name, value in headers.items():
        if name.lower() == "x-sdk-content-sha256":
            return value
    return hashlib.sha256(body).hexdigest()


def _get(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def sign(
    *,
    method: str,
    host: str,
    path: str,
    query: Iterable[tuple[str, object]],
    headers: Mapping[str, str],
    body: bytes | str | None,
    ak: str,
    sk: str,
    security_token: str | None = None,
    project_id: str | None = None,
    now: datetime | None = None,
) -> SignedRequest:
    """Sign a request the way ``huaweicloudsdkcore`` does and return the headers to send.

    Adds, as the SDK does and in its order: ``X-Project-Id`` (when ``project_id``),
    ``X-Security-Token`` (temporary credentials), ``X-Sdk-Date`` (unless given) and ``Host``
    (unless given); every header whose name has no underscore is signed.

    Args:
        method: The HTTP method.
        host: The endpoint's host (and port), used when no ``Host`` header is given.
        path: The request path.
        query: The query parameters.
        headers: The headers before signing.
        body: The request body.
        ak: The access key.
        sk: The secret key.
        security_token: For temporary credentials.
        project_id: Sent as ``X-Project-Id``.
        now: The signing time (default: the clock).

    Returns:
        Every header to send, the parts of the signature, and the URI to request.
    """
    out, sdk_date = _headers_to_sign(headers, host, project_id, security_token, now)
    body_bytes = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    body_hash = payload_hash(body_bytes, out)
    query_text = canonical_query(query)
    signed = signature_for(
        method, path, query_text, out, payload_hash=body_hash, sk=sk, sdk_date=sdk_date
    )
    out["Authorization"] = (
        f"{ALGORITHM} Access={ak}, SignedHeaders={signed.signed_headers}, "
        f"Signature={signed.signature}"
    )
    return SignedRequest(
        headers=out,
        authorization=out["Authorization"],
        payload_hash=body_hash,
        **signed._asdict(),
        request_uri=f"{path}?{query_text}" if query_text else path,
        query=query_text,
    )


def _headers_to_sign(
    headers: Mapping[str, str],
    host: str,
    project_id: str | None,
    security_token: str | None,
    now: datetime | None,
) -> tuple[dict[str, str], str]:
    """The headers as the SDK completes them before signing (§6 steps 2-7), and the date."""
    out: dict[str, str] = {name: value.strip() for name, value in headers.items()}
    if project_id:
        out["X-Project-Id"] = project_id
    if security_token:
        out["X-Security-Token"] = security_token
    content_type = _get(out, "Content-Type")
    if content_type and not content_type.startswith(("application/json", "application/bson")):
        out["X-Sdk-Content-Sha256"] = "UNSIGNED-PAYLOAD"
    sdk_date = _get(out, "X-Sdk-Date")
    if sdk_date is None:
        sdk_date = format_sdk_date(now or datetime.now(UTC))
        out["X-Sdk-Date"] = sdk_date
    if _get(out, "Host") is None:
        out["Host"] = host
    return out, sdk_date


@dataclass(frozen=True)
class Authorization:
    """The parts of an ``SDK-HMAC-SHA256`` Authorization header."""

    access: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> Authorization | None:
    """Split an Authorization header into its parts, or None if it is not SDK-HMAC-SHA256.

    Args:
        value: An ``Authorization`` header.

    Returns:
        The access key, signed header names and signature.
    """
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        return None
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            parts[key] = val
    if not {"Access", "SignedHeaders", "Signature"} <= parts.keys():
        return None
    return Authorization(
        access=parts["Access"],
        signed_headers=tuple(h for h in parts["SignedHeaders"].split(";") if h),
        signature=parts["Signature"],
    )


_SIGNING_ADDED = ("Authorization", "X-Sdk-Date", "X-Security-Token", "X-Project-Id")


def sign_request(
    request: httpx.Request,
    *,
    ak: str,
    sk: str,
    security_token: str | None,
    project_id: str | None,
    now: datetime,
    again: bool = False,
) -> None:
    """Sign an httpx request in place, as :func:`sign` does, and point it at the signed query.

    A caller's own ``X-Sdk-Date`` is honoured (the test vectors pin the time that way), unless
    ``again``: then what a previous signing added is dropped first, so that a request refused
    once (an expired key, a skewed clock) is signed anew with new keys or a corrected time.

    Args:
        request: The request to send.
        ak: The access key.
        sk: The secret key.
        security_token: For temporary keys.
        project_id: Sent as ``X-Project-Id``.
        now: The signing time.
        again: The request was signed before.
    """
    for name in _SIGNING_ADDED if again else ():
        if name in request.headers:
            del request.headers[name]
    raw_path, _, raw_query = request.url.raw_path.partition(b"?")
    pairs = parse_qsl(raw_query.decode("ascii"), keep_blank_values=True)
    to_sign = {k: v for k, v in request.headers.items() if k.lower() not in _UNSIGNED}
    signed = sign(
        method=request.method,
        host=request.url.netloc.decode("ascii"),
        path=raw_path.decode("ascii"),
        query=pairs,
        headers=to_sign,
        body=request.content,
        ak=ak,
        sk=sk,
        security_token=security_token,
        project_id=project_id,
        now=now,
    )
    request.headers.update(signed.headers)
    new_raw = raw_path + (b"?" + signed.query.encode("ascii") if signed.query else b"")
    if new_raw != request.url.raw_path:  # parsing a URL again costs as much as signing
        request.url = request.url.copy_with(raw_path=new_raw)


class AkSkAuth(httpx.Auth):
    """httpx authentication that signs each request with an AK/SK pair.

    The request is re-targeted at the canonical query string it was signed with, so that no
    re-encoding by httpx can make the wire URL differ from the signed one.
    """

    def __init__(
        self,
        ak: str,
        sk: str,
        *,
        security_token: str | None = None,
        project_id: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.ak = ak
        self._sk = sk
        self._security_token = security_token
        self._project_id = project_id
        self._clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:  # never show the secret, even in a debugger or a log line
        return f"AkSkAuth(ak={self.ak[:4]}…)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign ``request`` (adding the SDK's headers); send it with the signed query as URL."""
        sign_request(
            request,
            ak=self.ak,
            sk=self._sk,
            security_token=self._security_token,
            project_id=self._project_id,
            now=self._clock(),
        )
        yield request


class TokenAuth(httpx.Auth):
    """httpx authentication with an IAM token in ``X-Auth-Token``."""

    def __init__(self, token: str, *, project_id: str | None = None) -> None:
        self._token = token
        self._project_id = project_id

    def __repr__(self) -> str:
        return "TokenAuth(<token>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send ``request`` with the ``X-Auth-Token`` (and ``X-Project-Id``) headers."""
        request.headers["X-Auth-Token"] = self._token
        if self._project_id:
            request.headers["X-Project-Id"] = self._project_id
        yield request
