"""What passes through the simulated gateway: the request and the response as the simulator
sees them, the keys it knows, the faults it is told to inject, and what it counts."""

from __future__ import annotations

import email.utils
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

__all__ = [
    "Counters",
    "Credential",
    "Faults",
    "SimRequest",
    "SimResponse",
    "cloud_time",
    "http_date",
]

FaultKind = Literal["none", "hang", "drop"]


@dataclass(frozen=True)
class SimRequest:
    """An HTTP request as the simulator sees it: ``target`` is the raw path and query."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass(frozen=True)
class SimResponse:
    """The simulator's answer. ``fault`` tells the server/transport to hang or drop instead."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    fault: FaultKind = "none"


@dataclass
class Faults:
    """Faults to inject. ``*_next`` counters apply to the next N job requests, then run out."""

    latency: float = 0.0
    """Seconds added before every answer."""
    rate_limit: float | None = None
    """Requests per second allowed per AK (token bucket, burst of the same size); above: 429."""
    retry_after: float | None = None
    """Retry-After sent with a 429, if any."""
    server_errors_next: int = 0
    server_error_status: int = 500
    hang_next: int = 0
    drop_next: int = 0
    malformed_next: int = 0
    truncated_next: int = 0


@dataclass(frozen=True)
class Credential:
    """A key pair the simulated gateway knows; ``security_token`` makes it temporary."""

    sk: str
    security_token: str | None = None
    expires_at: float | None = None
    """Temporary keys: refused (401) from this moment, as the gateway refuses expired STS keys."""


@dataclass
class Counters:
    """What the simulator has received, for tests and benchmarks to assert on."""

    total: int = 0
    by_job: Counter[str] = field(default_factory=Counter)
    by_ak: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    auth_failures: int = 0
    after_final: Counter[str] = field(default_factory=Counter)
    """Requests for a job whose final status had already been served: a polite client sends none."""
    in_flight: int = 0
    max_in_flight: int = 0
    steps_by_job: Counter[str] = field(default_factory=Counter)
    """``ShowTaskDetails`` requests per job ID."""
    lists: Counter[str] = field(default_factory=Counter)
    """List requests per operation (``immediate-jobs``, ``tasklist`` ...)."""
    listed: int = 0
    """Items served on list pages (each tells a client one task's state)."""
    expired: int = 0
    """Requests signed with temporary keys past their expiry (a renewing client sends none)."""


def http_date(epoch: float) -> str:
    """The gateway's clock as its ``Date`` header says it (a skewed client learns from it)."""
    return email.utils.formatdate(epoch, usegmt=True)


def cloud_time(epoch: float, offset_hours: int) -> str:
    """``epoch`` as the Task Center writes its times (``2026-12-07T19:44:19+0800``)."""
    zone = timezone(timedelta(hours=offset_hours))
    return datetime.fromtimestamp(int(epoch), zone).strftime("%Y-%m-%dT%H:%M:%S%z")
