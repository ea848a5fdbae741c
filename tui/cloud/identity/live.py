"""A credential that can sign now and says when it expires: keys from a source, renewed in the
background before they expire, and the httpx authentication that signs with them.

Renewal happens once per renewal, never a metadata call per request (the SDK's storm): keys
that live ``L`` seconds are renewed ``min(40 min, L/3)`` before they expire, triggered by the
first request past that moment and fetched in the background while the old keys still sign.
Nothing runs between renewals. A request refused anyway (the laptop slept) is signed once more,
with renewed keys or, when the gateway's ``Date`` shows a skewed clock, with the gateway's time;
only a refusal that survives that reaches the caller (and the "never lock the AK" keeper).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from datetime import datetime

import httpx

from tui.cloud.identity.clock import ClockSkew
from tui.cloud.identity.keys import AuthKind, Keys, KeySource
from tui.cloud.identity.network import IdentityHttp
from tui.cloud.identity.static import FixedSource, permission_warning
from tui.cloud.redaction import register_secrets
from tui.errors import ConfigError, NetworkError, TaskwatchError

__all__ = ["RENEW_BEFORE", "LiveAuth", "LiveCredential", "ProjectRef"]

log = logging.getLogger(__name__)

RENEW_BEFORE = 2400.0
"""Seconds before expiry the SDK renews temporary keys (its 40-minute threshold)."""
_FILE_CHECK = 5.0
"""Seconds between looks at a credentials file for a rewrite (one stat, only while signing)."""
_MARGIN = 30.0
"""Keys this close to their expiry are not used while a renewal is out: it is waited for."""


def _same(a: Keys, b: Keys) -> bool:
    return (a.ak, a.sk, a.security_token, a.token) == (b.ak, b.sk, b.security_token, b.token)


class LiveCredential:
    """Keys from one source, kept fresh.

    Sources that are read (the environment, a file) are read now, so a broken file is an error
    at once; sources that must be asked (ECS, IAM) are asked at the first request.

    Args:
        source: Where the keys come from.
        http: The clients identity calls go through (bound later with :meth:`bind` if None).
    """

    def __init__(self, source: KeySource, http: IdentityHttp | None = None) -> None:
        self.keysource = source
        self._http = http
        self._skew = http.skew if http is not None else ClockSkew()
        self._keys: Keys | None = None
        self._renew_at = math.inf
        self._next_file_check = 0.0
        self._retry_at = 0.0
        self._failures = 0
        self._inflight: asyncio.Future[Keys] | None = None
        self.renewals = 0
        """How many times keys were fetched after the first (benchmarks and tests count them)."""
        self.problem: str | None = None
        """Why the last renewal failed, while it keeps failing (the header shows it)."""
        first = source.read()
        self.asks = first is None
        """Whether keys are asked for (and renewed), rather than read."""
        if first is not None:
            self._adopt(first, now=time.time())
        material = (
            ["asks", source.kind, source.identity]
            if first is None
            else [source.kind, first.ak, first.sk, first.token or ""]
        )
        self.key = hashlib.sha256("\0".join(material).encode()).hexdigest()[:16]
        """A stable, non-reversible identity: requests for one key share a fate on auth
        errors. Keys that are renewed keep the key of their source."""

    @classmethod
    def fixed(cls, keys: Keys, origin: str) -> LiveCredential:
        """Keys given in code (the demo, tests, benchmarks)."""
        return cls(FixedSource(keys, origin))

    # -- what it is ------------------------------------------------------------------------------

    @property
    def kind(self) -> AuthKind:
        """The ``auth`` kind of its source."""
        return self.keysource.kind

    @property
    def source(self) -> str:
        """Where the keys come from, for people."""
        return self.keysource.origin

    @property
    def keys(self) -> Keys | None:
        """The keys in use (None before a source that must be asked has answered)."""
        return self._keys

    @property
    def ak(self) -> str:
        return self._keys.ak if self._keys else ""

    @property
    def security_token(self) -> str | None:
        return self._keys.security_token if self._keys else None

    @property
    def token(self) -> str | None:
        return self._keys.token if self._keys else None

    @property
    def project_id(self) -> str | None:
        """A project ID the source named (the INI file's, KooCLI's)."""
        return self._keys.project_id if self._keys else None

    @property
    def expires_at(self) -> float | None:
        """When the keys in use expire (None: permanent, or not fetched yet)."""
        return self._keys.expires_at if self._keys else None

    @property
    def skew(self) -> ClockSkew:
        """The gateway's time, as this credential's requests measured it."""
        return self._skew

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secrets of the keys in use, for redaction."""
        return self._keys.secrets if self._keys else ()

    @property
    def warnings(self) -> list[str]:
        """Problems worth telling the user about, such as a world-readable credentials file."""
        path = self.keysource.path
        warning = permission_warning(path) if path else None
        return [warning] if warning else []

    @property
    def display(self) -> str:
        """Kind, AK prefix, expiry and source; never a secret."""
        keys = self._keys
        if keys is None:
            return f"{self.kind} from {self.source} (not fetched yet)"
        if keys.token:
            return f"IAM token from {self.source}"
        temporary = " (temporary)" if keys.temporary else ""
        if keys.expires_at is not None:
            until = datetime.fromtimestamp(keys.expires_at).astimezone().strftime("%H:%M")
            temporary = f" (temporary, until {until})"
        return f"AK {keys.ak[:4]}…{temporary} from {self.source}"

    def bind(self, http: IdentityHttp) -> None:
        """Make identity calls through ``http`` (the runtime's clients for this profile)."""
        self._http = http
        self._skew = http.skew

    def auth(self, project: ProjectRef) -> LiveAuth:
        """The httpx authentication that signs with this credential's keys.

        Args:
            project: The project ID to send as ``X-Project-Id`` (looked up when unknown).

        Returns:
            The authentication.
        """
        return LiveAuth(self, project)

    # -- keys that sign now ----------------------------------------------------------------------

    async def current(self) -> Keys:
        """The keys to sign with now: cheap while they are fresh; a renewal in the background
        once they are due; a wait only for keys that were never fetched or have expired.

        Raises:
            CredentialError: The first fetch failed (no keys at all).
            NetworkError: The keys expired and could not be renewed (try again later).
        """
        keys = self._keys
        now = self._skew.now()
        if keys is not None and now < self._renew_at:
            if not self.asks and now >= self._next_file_check:
                self._next_file_check = now + _FILE_CHECK
                if self.keysource.changed():
                    self._reread()
                    return self._keys or keys
            return keys
        if keys is not None and keys.expires_at is not None and now < keys.expires_at - _MARGIN:
            if now >= self._retry_at and (self._inflight is None or self._inflight.done()):
                task = asyncio.ensure_future(self.renew())
                task.add_done_callback(_quiet)
            return keys
        if keys is None:
            return await self.renew()
        try:
            return await self.renew()
        except TaskwatchError:
            raise NetworkError(self.problem or "the temporary keys expired") from None

    async def renew(self) -> Keys:
        """Fetch keys from the source now; concurrent callers share one fetch.

        Returns:
            The new keys.

        Raises:
            CredentialError: The source cannot give keys.
            NetworkError: The source did not answer.
        """
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.ensure_future(self._fetch())
        return await asyncio.shield(self._inflight)

    async def after_refusal(self, used: Keys) -> Keys | None:
        """A request signed with ``used`` was refused: other keys to try it with once, if any.

        Asked keys are renewed (once, shared by every request refused meanwhile); read keys
        are read again if their file changed.

        Args:
            used: The keys the refused request was signed with.

        Returns:
            Different keys, or None: the refusal stands.
        """
        if self._keys is not None and not _same(self._keys, used):
            return self._keys  # renewed meanwhile by another request
        if self.asks:
            try:
                keys = await self.renew()
            except TaskwatchError:
                return None
        elif self.keysource.changed():
            self._reread()
            keys = self._keys or used
        else:
            return None
        return None if _same(keys, used) else keys

    def _reread(self) -> None:
        try:
            keys = self.keysource.read()
        except ConfigError as exc:  # half-written by a rotation script: keep the old keys
            log.warning("credentials from %s not read again: %s", self.source, exc)
            return
        if keys is not None:
            log.info("credentials from %s changed on disk: using the new ones", self.source)
            self._adopt(keys, now=self._skew.now())

    async def _fetch(self) -> Keys:
        http = self._http
        if http is None:
            raise ConfigError(f"no network for the credential from {self.source}")
        before = self._keys
        try:
            keys = await self.keysource.fetch(http)
        except TaskwatchError as exc:
            self._failed(exc)
            raise
        self._adopt(keys, now=self._skew.now())
        if before is not None:
            self.renewals += 1
            news = (
                "the same keys, asked again nearer their end"
                if _same(before, keys)
                else ("new keys")
            )
            tries = f" after {self._failures} failed tries" if self._failures else ""
            log.info("keys from %s renewed%s: %s", self.source, tries, news)
        self._failures = 0
        self.problem = None
        return keys

    def _failed(self, error: TaskwatchError) -> None:
        self._failures += 1
        wait = min(300.0, 5.0 * 2 ** (self._failures - 1))
        self._retry_at = self._skew.now() + wait
        expires = self.expires_at
        until = (
            f"; the keys in use expire at "
            f"{datetime.fromtimestamp(expires).astimezone().strftime('%H:%M')}"
            if expires is not None
            else ""
        )
        self.problem = (
            f"the keys from {self.source} could not be renewed ({error}); trying again in "
            f"{wait:.0f} s{until}"
        )
        if self._keys is not None:
            log.warning("%s", self.problem)

    def _adopt(self, keys: Keys, *, now: float) -> None:
        register_secrets(keys.secrets)
        self._keys = keys
        if keys.expires_at is None:
            self._renew_at = math.inf
            return
        obtained = keys.obtained_at or now
        life = max(0.0, keys.expires_at - obtained)
        self._renew_at = keys.expires_at - min(RENEW_BEFORE, life / 3)


def _quiet(task: asyncio.Future[Keys]) -> None:
    """A background renewal's failure is in ``problem`` and the log; nothing to raise."""
    if not task.cancelled():
        task.exception()


class ProjectRef:
    """A profile's project ID: given, or looked up (once) on the first request that needs it.

    Args:
        value: The project ID, if known.
        source: Where it came from (``--project-id``, ``looked up``...).
        lookup: Finds it when unknown (IAM, through the watchlist's cache).
    """

    def __init__(
        self,
        value: str | None,
        source: str = "",
        lookup: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        self.value = value
        self.source = source
        self.lookup = lookup
        self._inflight: asyncio.Future[str] | None = None

    async def get(self) -> str:
        """The project ID, looked up first if unknown.

        Raises:
            ConfigError: It cannot be found (no match, several, IAM refused).
        """
        if self.value:
            return self.value
        if self.lookup is None:
            raise ConfigError("no project ID: set project_id in the profile or --project-id")
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.ensure_future(self.lookup())
        self.value = await asyncio.shield(self._inflight)
        return self.value


class LiveAuth(httpx.Auth):
    """Signs each request with the credential's current keys (or sends its IAM token), and
    signs a refused request once more when that can help.

    Args:
        credential: The keys.
        project: The project ID sent (and signed) as ``X-Project-Id``.
    """

    def __init__(self, credential: LiveCredential, project: ProjectRef) -> None:
        self._credential = credential
        self._project = project

    def __repr__(self) -> str:  # never show a secret, even in a debugger or a log line
        return f"LiveAuth({self._credential.source})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("taskwatch signs with an async client only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Sign and send; on a 401, sign once more with a corrected clock or renewed keys."""
        credential = self._credential
        keys = await credential.current()
        self._apply(request, keys, again=False)
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        if credential.skew.observe(response.headers.get("Date")):
            retry: Keys | None = keys
        else:
            retry = await credential.after_refusal(keys)
        if retry is None:
            return
        self._apply(request, retry, again=True)
        yield request

    def _apply(self, request: httpx.Request, keys: Keys, *, again: bool) -> None:
        project_id = self._project.value
        if keys.token:
            request.headers["X-Auth-Token"] = keys.token
            if project_id:
                request.headers["X-Project-Id"] = project_id
            return
        keys.sign(request, project_id=project_id, now=self._credential.skew.now(), again=again)
