"""The simulated API gateway in front of the Task Center (reference §6-§9): it verifies
SDK-HMAC-SHA256 signatures with the project's own canonicalisation, rejects a wrong signature,
an unknown AK or an ``X-Sdk-Date`` more than 15 minutes off with ``APIGW.0301`` and 401, locks
an AK for five minutes after five consecutive failures, accepts ``X-Auth-Token``, throttles per
caller and injects the faults it is told to."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from tui.cloud.signing import (
    Authorization,
    canonical_query,
    parse_authorization,
    payload_hash,
    signature_for,
)
from tui.simulator.exchange import Counters, Credential, Faults, SimRequest, SimResponse, http_date

__all__ = ["CLOCK_SKEW_LIMIT", "LOCK_AFTER_FAILURES", "LOCK_SECONDS", "Gateway"]

CLOCK_SKEW_LIMIT = 15 * 60  # the gateway's X-Sdk-Date tolerance
LOCK_AFTER_FAILURES = 5
LOCK_SECONDS = 5 * 60


class Gateway:
    """Authentication, the project, throttling and faults, as for every operation; and the
    gateway's way of answering (request IDs, ``Date``, error bodies).

    The simulator calls it under its lock.

    Args:
        credentials: The key pairs it knows, by AK (changed by the identity simulator).
        tokens: The IAM tokens it accepts.
        project_id: The one project it serves.
        faults: What to inject (the tests change it).
        counters: Where requests are counted.
        clock: The simulator's clock, read at each request (tests replace it).
    """

    def __init__(
        self,
        credentials: dict[str, Credential],
        tokens: set[str],
        project_id: str,
        faults: Faults,
        counters: Counters,
        clock: Callable[[], float],
    ) -> None:
        self.credentials = credentials
        self.tokens = tokens
        self.project_id = project_id
        self.faults = faults
        self.counters = counters
        self._clock = clock
        self._failures: Counter[str] = Counter()
        self._locked_until: dict[str, float] = {}
        self._buckets: dict[str, tuple[float, float]] = {}
        self._request_ids = itertools.count(1)

    def admit(
        self, request: SimRequest, path: str, raw_query: str, project: str, now: float
    ) -> SimResponse | None:
        """Authentication, project, throttling and faults, as for every operation."""
        caller, refusal = self.authenticate(request, path, raw_query, now)
        self.counters.by_ak[caller] += 1
        if refusal is not None:
            self.counters.auth_failures += 1
            return refusal
        if project != self.project_id:
            return self.error(
                403, "DBS.200604", "The operation is not authorized for this project."
            )
        if (throttled := self._throttle(caller, now)) is not None:
            return throttled
        return self._take_fault()

    def authenticate(
        self, request: SimRequest, path: str, raw_query: str, now: float
    ) -> tuple[str, SimResponse | None]:
        """Return (caller label, None) when authenticated, or (caller, the 401 to send)."""
        token = request.header("X-Auth-Token")
        if token is not None:
            if token in self.tokens:
                return "token", None
            return "token", self.auth_error("decrypt token fail")
        header = request.header("Authorization")
        parsed = parse_authorization(header or "")
        if parsed is None:
            return "anonymous", self.auth_error("x-auth-token not found")
        ak = parsed.access
        credential = self.credentials.get(ak)
        if credential is None:
            return ak, self.auth_error(f"Get secretKey failed,ak:{ak},err:ak not exist")
        if self._locked_until.get(ak, 0.0) > now:
            return ak, self.auth_error("AK access failed to reach the limit,forbidden")
        if credential.expires_at is not None and now >= credential.expires_at:
            self.counters.expired += 1
            return ak, self.auth_error("the security token has expired")
        if not self._signature_ok(request, path, raw_query, parsed, credential, now):
            self._failures[ak] += 1
            if self._failures[ak] >= LOCK_AFTER_FAILURES:
                self._locked_until[ak] = now + LOCK_SECONDS
                self._failures[ak] = 0
            return ak, self.auth_error("verify aksk signature fail")
        self._failures[ak] = 0
        return ak, None

    def _signature_ok(
        self,
        request: SimRequest,
        path: str,
        raw_query: str,
        parsed: Authorization,
        credential: Credential,
        now: float,
    ) -> bool:
        sdk_date = request.header("X-Sdk-Date") or ""
        try:
            moment = datetime.strptime(sdk_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return False
        if abs(moment.timestamp() - now) > CLOCK_SKEW_LIMIT:
            return False
        if "x-sdk-date" not in parsed.signed_headers or "host" not in parsed.signed_headers:
            return False
        if credential.security_token is not None and (
            request.header("X-Security-Token") != credential.security_token
            or "x-security-token" not in parsed.signed_headers
        ):
            return False
        signed: dict[str, str] = {}
        for name in parsed.signed_headers:
            value = request.header(name)
            if value is None:
                return False
            signed[name] = value
        pairs = parse_qsl(raw_query, keep_blank_values=True)
        expected = signature_for(
            request.method,
            path,
            canonical_query(pairs),
            signed,
            payload_hash=payload_hash(request.body, signed),
            sk=credential.sk,
            sdk_date=sdk_date,
        )
        return expected.signature == parsed.signature

    def _throttle(self, caller: str, now: float) -> SimResponse | None:
        rate = self.faults.rate_limit
        if rate is None:
            return None
        tokens, last = self._buckets.get(caller, (rate, now))
        tokens = min(rate, tokens + (now - last) * rate)
        if tokens < 1.0:
            self._buckets[caller] = (tokens, now)
            headers = {}
            if self.faults.retry_after is not None:
                headers["Retry-After"] = f"{self.faults.retry_after:g}"
            return self.error(
                429,
                "APIGW.0308",
                f"The throttling threshold has been reached: policy user over ratelimit,"
                f"limit:{rate:g},time:1 second",
                extra_headers=headers,
            )
        self._buckets[caller] = (tokens - 1.0, now)
        return None

    def _take_fault(self) -> SimResponse | None:
        faults = self.faults
        if faults.server_errors_next > 0:
            faults.server_errors_next -= 1
            return self.error(faults.server_error_status, "DBS.108000", "Server failure.")
        if faults.hang_next > 0:
            faults.hang_next -= 1
            return SimResponse(status=0, fault="hang", delay=faults.latency)
        if faults.drop_next > 0:
            faults.drop_next -= 1
            return SimResponse(status=0, fault="drop", delay=faults.latency)
        if faults.malformed_next > 0:
            faults.malformed_next -= 1
            return self.reply(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        if faults.truncated_next > 0:
            faults.truncated_next -= 1
            return self.reply(
                200, b'{"job": {"id": "dff1d289-4d03-4942-8b9f-46', "application/json"
            )
        return None

    def reply(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        extra_headers: Mapping[str, str] | None = None,
    ) -> SimResponse:
        headers = {
            "Content-Type": content_type,
            "X-Request-Id": self._next_request_id(),
            "Date": http_date(self._clock()),
        }
        headers.update(extra_headers or {})
        return SimResponse(status=status, body=body, headers=headers, delay=self.faults.latency)

    def error(
        self,
        status: int,
        code: str,
        message: str,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SimResponse:
        request_id = self._next_request_id()
        payload: dict[str, str] = {"error_code": code, "error_msg": message}
        if code.startswith("APIGW"):
            payload["request_id"] = request_id
        headers = {
            "Content-Type": "application/json",
            "X-Request-Id": request_id,
            "Date": http_date(self._clock()),
        }
        headers.update(extra_headers or {})
        return SimResponse(
            status=status,
            body=json.dumps(payload).encode(),
            headers=headers,
            delay=self.faults.latency,
        )

    def no_such_api(self) -> SimResponse:
        return self.error(
            404,
            "APIGW.0101",
            "The API does not exist or has not been published in the environment.",
        )

    def auth_error(self, cause: str) -> SimResponse:
        return self.error(401, "APIGW.0301", f"Incorrect IAM authentication information: {cause}")

    def _next_request_id(self) -> str:
        return f"sim-{next(self._request_ids):08d}"
