"""Admission: may a request go now, and what does its error mean? One gate for every request.

Polls, roll calls, steps and the follow rules' lists all ask the same questions: is there a
client for the profile, is its credential refused or being proven by another request, does the
endpoint's bucket have a token; and afterwards, what does this answer mean for the credential,
the endpoint and the task. The gate answers them all, so no caller re-decides:

- A credential is proven by one request (a *probe*) before its tasks are polled in parallel.
- An authentication error stops every request with that credential at once: the gateway locks an
  AK after five failures, and taskwatch must never cause that.
- Throttling halves the endpoint's rate; success lets it creep back; a network error marks the
  endpoint offline until something answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from tui.cloud.client import TaskCenterClient
from tui.engine.events import CredentialRefused, CredentialRestored, EndpointChanged, EndpointState
from tui.engine.polling.bucket import TokenBucket
from tui.engine.polling.outcomes import Report
from tui.errors import (
    AuthenticationError,
    ErrorKind,
    JobNotFoundError,
    PermissionDeniedError,
    RequestError,
    TaskCenterError,
    ThrottledError,
)

__all__ = ["DEFAULT_RATE", "Closed", "Gate", "Meaning", "Pass", "meaning_of"]

log = logging.getLogger(__name__)

DEFAULT_RATE = 5.0
"""Requests per second per endpoint when a profile sets none."""


class Meaning(Enum):
    """What an error means, whoever sent the request."""

    REFUSED = "refused"
    """The credential was refused: every request with it stops until the user acts."""
    THROTTLED = "throttled"
    """The gateway asks us to slow down: the endpoint's rate halves, the request backs off."""
    OFFLINE = "offline"
    """No answer (timeout, reset, DNS): the endpoint is offline; back off."""
    NOT_FOUND = "not_found"
    """The cloud does not know the task (yet)."""
    REJECTED = "rejected"
    """The cloud answered and will not do this (a missing IAM action, a parameter it refuses):
    asking again soon will not help."""
    BROKEN = "broken"
    """A 5xx or an answer that cannot be read: weather; back off and try again."""


def meaning_of(error: TaskCenterError, *, essential: bool) -> Meaning:
    """What ``error`` means for the credential, the endpoint and what was asked.

    Args:
        error: The request's error.
        essential: Whether the request is the one every poll depends on (a job by ID): a
            permission denied there stops the credential; for a list or the steps it only
            means that operation is not allowed.

    Returns:
        The meaning.
    """
    if isinstance(error, PermissionDeniedError):
        return Meaning.REFUSED if essential else Meaning.REJECTED
    if isinstance(error, AuthenticationError):
        return Meaning.REFUSED
    if isinstance(error, ThrottledError):
        return Meaning.THROTTLED
    if isinstance(error, JobNotFoundError):
        return Meaning.NOT_FOUND
    if isinstance(error, RequestError):
        return Meaning.REJECTED
    if error.kind == ErrorKind.NETWORK:
        return Meaning.OFFLINE
    return Meaning.BROKEN


@dataclass
class _Credential:
    key: str
    profiles: set[str] = field(default_factory=set)
    verified: bool = False
    """A request with it was answered by the gateway: tasks may be polled in parallel."""
    probing: bool = False
    """Its first request is out; the others wait for its outcome."""
    blocked: TaskCenterError | None = None


@dataclass(frozen=True)
class Pass:
    """A request admitted by the gate: whose client, and whether it proves the credential."""

    profile: str
    client: TaskCenterClient
    credential: _Credential
    bucket: TokenBucket
    probe: bool


class Closed(Enum):
    """Why the gate did not admit a request."""

    NO_CLIENT = "no client"
    """A profile this process has no client for (not configured)."""
    REFUSED = "refused"
    """Its credential is refused: nothing goes until it is resumed."""
    PROBING = "probing"
    """Another request is proving its credential: wait for that outcome."""
    BUCKET_EMPTY = "bucket empty"
    """The endpoint's bucket is empty for now."""


class Gate:
    """Clients, credentials, token buckets and endpoint states: the policy every request obeys.

    Args:
        report: Hears credential and endpoint changes.
        rate_limits: Requests per second per profile's endpoint.
        clock: Monotonic time (buckets).
        wall: Wall time (when an endpoint changed).
    """

    def __init__(
        self,
        report: Report,
        rate_limits: Mapping[str, float],
        clock: Callable[[], float],
        wall: Callable[[], float],
    ) -> None:
        self._report = report
        self._rate_limits = dict(rate_limits)
        self._clock = clock
        self._wall = wall
        self.clients: dict[str, TaskCenterClient] = {}
        self._profile_key: dict[str, str] = {}
        self._credentials: dict[str, _Credential] = {}
        self.buckets: dict[str, TokenBucket] = {}
        self._endpoints: dict[str, EndpointState] = {}
        self.quiet = False
        """Set while stopping: nobody should hear of requests that end then."""

    # -- clients and credentials -----------------------------------------------------------------

    def set_client(self, profile: str, client: TaskCenterClient, key: str) -> bool:
        """Use ``client`` for ``profile`` with the credential ``key``.

        Args:
            profile: The profile's name.
            client: Its Task Center client.
            key: The credential's fingerprint; profiles sharing one are blocked together.

        Returns:
            True when the profile was blocked and its new credential is not: its tasks may go.
        """
        old_key = self._profile_key.get(profile)
        was_blocked = False
        if old_key is not None and old_key != key:
            old = self._credentials[old_key]
            old.profiles.discard(profile)
            was_blocked = old.blocked is not None
        self.clients[profile] = client
        self._profile_key[profile] = key
        self._credentials.setdefault(key, _Credential(key)).profiles.add(profile)
        if client.endpoint not in self.buckets:
            rate = self._rate_limits.get(profile, DEFAULT_RATE)
            self.buckets[client.endpoint] = TokenBucket(rate, self._clock())
        restored = was_blocked and self._credentials[key].blocked is None
        if restored:
            self._tell(CredentialRestored((profile,)))
        return restored

    def credential_of(self, profile: str) -> _Credential | None:
        """The credential state of ``profile``, or None without a client."""
        key = self._profile_key.get(profile)
        return self._credentials.get(key) if key is not None else None

    def verified(self, profile: str) -> bool:
        """Whether ``profile``'s credential has been proven (tasks may go in parallel)."""
        credential = self.credential_of(profile)
        return credential is not None and credential.verified

    def is_blocked(self, profile: str) -> bool:
        """Whether ``profile``'s credential is refused."""
        credential = self.credential_of(profile)
        return credential is not None and credential.blocked is not None

    def refuse(self, profile: str, error: TaskCenterError) -> None:
        """Stop every request with ``profile``'s credential (the gateway refused it).

        Args:
            profile: A profile with a client.
            error: Why (shown to the user).
        """
        credential = self.credential_of(profile)
        if credential is None or credential.blocked is not None:
            return
        credential.blocked = error
        credential.verified = False
        log.error("credential refused for %s; requests stopped: %s", profile, error)
        self._tell(CredentialRefused(tuple(sorted(credential.profiles)), error))

    def resume(self, profile: str | None = None) -> None:
        """Let refused credentials try again (with one probe request first).

        Args:
            profile: The profile whose credential to retry, or None for every refused one.
        """
        for credential in self._credentials.values():
            if credential.blocked is not None and (
                profile is None or profile in credential.profiles
            ):
                credential.blocked = None
                credential.verified = False
                self._tell(CredentialRestored(tuple(sorted(credential.profiles))))

    # -- admission ---------------------------------------------------------------------------------

    def admit(self, profile: str, now: float, *, probe_ok: bool = True) -> Pass | Closed:
        """Let one request of ``profile`` go now, taking a token, or say why not.

        Args:
            profile: Whose client and credential.
            now: Monotonic time.
            probe_ok: Whether this request may be the one that proves the credential.

        Returns:
            A pass, or why the gate is closed.
        """
        client = self.clients.get(profile)
        credential = self.credential_of(profile)
        if client is None or credential is None:
            return Closed.NO_CLIENT
        if credential.blocked is not None:
            return Closed.REFUSED
        if not credential.verified and (credential.probing or not probe_ok):
            return Closed.PROBING
        bucket = self.buckets[client.endpoint]
        if not bucket.try_take(now):
            return Closed.BUCKET_EMPTY
        probe = not credential.verified
        credential.probing = credential.probing or probe
        return Pass(profile, client, credential, bucket, probe)

    def succeeded(self, ticket: Pass) -> None:
        """The request went through: the credential is proven, the endpoint is fine.

        Args:
            ticket: The request's pass.
        """
        ticket.credential.verified = True
        ticket.bucket.speed_up()
        self._set_endpoint(ticket.client.endpoint, EndpointState.OK)

    def failed(self, ticket: Pass, error: TaskCenterError, *, essential: bool) -> Meaning:
        """Do what ``error`` means for the credential and the endpoint; say what it means.

        Args:
            ticket: The request's pass.
            error: How it failed.
            essential: A job by ID (see :func:`meaning_of`).

        Returns:
            The meaning, for the caller's own decision (when to ask again).
        """
        meaning = meaning_of(error, essential=essential)
        endpoint = ticket.client.endpoint
        if meaning is Meaning.REFUSED:
            self.refuse(ticket.profile, error)
            return meaning
        if meaning is Meaning.OFFLINE:
            self._set_endpoint(endpoint, EndpointState.OFFLINE)
            return meaning  # nothing answered: the credential is not proven by it
        ticket.credential.verified = True  # the gateway answered, and not with a refusal
        if meaning is Meaning.THROTTLED:
            ticket.bucket.slow_down()
            self._set_endpoint(endpoint, EndpointState.THROTTLED)
        elif meaning is Meaning.NOT_FOUND:
            self._set_endpoint(endpoint, EndpointState.OK)
        return meaning

    def settle(self, ticket: Pass) -> bool:
        """The request is over (whatever its outcome): a probe lets the others go.

        Args:
            ticket: The request's pass.

        Returns:
            Whether it was a probe (requests held behind it may be dispatched now).
        """
        if ticket.probe:
            ticket.credential.probing = False
        return ticket.probe

    def bucket_of(self, profile: str) -> TokenBucket | None:
        """The token bucket of ``profile``'s endpoint, or None without a client."""
        client = self.clients.get(profile)
        return self.buckets.get(client.endpoint) if client is not None else None

    # -- telling ---------------------------------------------------------------------------------

    def _set_endpoint(self, endpoint: str, state: EndpointState) -> None:
        if self._endpoints.get(endpoint) != state:
            log.info("endpoint %s is %s", endpoint, state)
            self._endpoints[endpoint] = state
            self._tell(EndpointChanged(endpoint, state, self._wall()))

    def _tell(self, outcome: CredentialRefused | CredentialRestored | EndpointChanged) -> None:
        if not self.quiet:
            self._report(outcome)
