"""Wiring: resolved profiles -> an HTTP client per network (proxy, CA) -> a Task Center client
per profile, signing with its live credential, its project ID looked up once when unknown."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

import httpx

from tui.cloud.client import TaskCenterClient, new_http_client
from tui.cloud.identity.clock import ClockSkew
from tui.cloud.identity.live import ProjectRef
from tui.cloud.identity.network import IdentityHttp, Network
from tui.cloud.identity.projects import ProjectCache, look_up_project
from tui.engine.setup.config import CliOverrides, Profile, Settings, resolve_profile
from tui.errors import ConfigError, NetworkError, StoreError

__all__ = ["Runtime", "build_runtime"]

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything needed to talk to the cloud for a set of profiles."""

    http: httpx.AsyncClient
    profiles: dict[str, Profile] = field(default_factory=dict)
    clients: dict[str, TaskCenterClient] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    """Profiles that could not be resolved, with the reason (shown on their tasks)."""
    resolver: Callable[[str], Profile] | None = None
    """Resolves a profile again from its sources (config, environment, credentials file)."""
    project_cache: ProjectCache | None = None
    """Where looked-up project IDs are kept (the watchlist database), if anywhere."""
    transport: httpx.AsyncBaseTransport | None = None
    """Instead of the network (tests)."""
    skew: ClockSkew = field(default_factory=ClockSkew)
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    """Run when closed (the demo's simulators stop)."""
    """This machine's clock against the gateway's, for every request of the process."""
    _networks: dict[Network, IdentityHttp] = field(default_factory=dict)
    _task_http: dict[Network, httpx.AsyncClient] = field(default_factory=dict)

    def client_for(self, profile: Profile) -> TaskCenterClient:
        """The Task Center client for ``profile``, over the client of its network.

        Args:
            profile: A resolved profile.

        Returns:
            The client; its credential makes identity calls through the same network.
        """
        network = profile.network or Network()
        identity = self._networks.get(network)
        if identity is None:
            identity = IdentityHttp(network, skew=self.skew, transport=self.transport)
            self._networks[network] = identity
        profile.credential.bind(identity)
        project = ProjectRef(
            profile.project_id, profile.sources.get("project_id", ""), self._lookup(profile)
        )
        return TaskCenterClient(
            self._http_for(network),
            endpoint=profile.endpoint,
            service=profile.service,
            project=project,
            auth=profile.credential.auth(project),
            secrets=profile.credential.secrets,
        )

    def _http_for(self, network: Network) -> httpx.AsyncClient:
        if network == Network() or self.transport is not None:
            return self.http
        client = self._task_http.get(network)
        if client is None:
            client = new_http_client(**network.client_options())
            self._task_http[network] = client
        return client

    def _lookup(self, profile: Profile) -> Callable[[], Awaitable[str]] | None:
        region = profile.region
        if profile.project_id or not region:
            return None

        async def look_up() -> str:
            credential = profile.credential
            cache = self.project_cache
            if cache is not None:
                try:
                    cached = cache.cached_project(credential.key, region)
                except StoreError:
                    cached = None
                if cached:
                    log.info(
                        "profile %s: project %s (kept from an earlier lookup)", profile.name, cached
                    )
                    return cached
            identity = self._networks[profile.network or Network()]
            found = await look_up_project(credential, identity, profile.iam_endpoint, region)
            log.info("profile %s: project %s looked up in IAM for %s", profile.name, found, region)
            if cache is not None:
                try:
                    cache.remember_project(credential.key, region, found)
                except StoreError as exc:
                    log.warning("looked-up project ID not kept: %s", exc)
            return found

        return look_up

    async def prepare(self) -> None:
        """Fetch each credential's first keys and look up missing project IDs now, so that a
        profile that cannot be used is known before polling starts (it moves to ``problems``);
        one whose source or IAM does not answer yet stays, its requests try again (backing
        off as for an offline endpoint). Nothing is sent for profiles with read keys and a
        project ID."""
        for name, client in list(self.clients.items()):
            profile = self.profiles[name]
            try:
                await profile.credential.current()
                await client.project.get()
            except ConfigError as exc:  # no keys, no project: the profile cannot be used
                log.warning("profile %s cannot be used: %s", name, exc)
                self.problems[name] = str(exc)
                del self.clients[name]
                del self.profiles[name]
            except NetworkError as exc:  # not answering yet: each request tries again
                log.warning("profile %s: %s; tried again with its requests", name, exc)

    @property
    def notices(self) -> list[str]:
        """What is wrong but not fatal: renewals that fail, a skewed clock (each once)."""
        seen: dict[str, None] = {}
        for name, profile in self.profiles.items():
            if profile.credential.problem:
                seen.setdefault(f"Profile '{name}': {profile.credential.problem}", None)
        if self.skew.warning:
            seen.setdefault(self.skew.warning[0].upper() + self.skew.warning[1:], None)
        return list(seen)

    @property
    def warnings(self) -> list[str]:
        """Warnings about the credentials in use (each file once)."""
        seen: dict[str, None] = {}
        for profile in self.profiles.values():
            for warning in profile.credential.warnings:
                seen.setdefault(warning, None)
        return list(seen)

    @property
    def credential_keys(self) -> dict[str, str]:
        return {name: profile.credential.key for name, profile in self.profiles.items()}

    @property
    def rate_limits(self) -> dict[str, float]:
        return {name: profile.rate_limit for name, profile in self.profiles.items()}

    def reload(self, name: str) -> bool:
        """Read ``name``'s credential again from its source (after a key rotation, say).

        Args:
            name: A profile in use.

        Returns:
            True if the credential changed; ``clients[name]`` then signs with the new one.
            False if it is the same, or cannot be read again (the old one stays in use).
        """
        if self.resolver is None or name not in self.profiles:
            return False
        try:
            profile = self.resolver(name)
        except ConfigError:
            return False
        if profile.credential.key == self.profiles[name].credential.key:
            return False
        self.profiles[name] = profile
        self.clients[name] = self.client_for(profile)
        return True

    async def aclose(self) -> None:
        """Close the HTTP clients (on the loop that used them), then run ``cleanups``."""
        await self.http.aclose()
        for cleanup in self.cleanups:
            cleanup()
        for client in self._task_http.values():
            await client.aclose()
        for identity in self._networks.values():
            await identity.aclose()


def build_runtime(
    settings: Settings,
    overrides: CliOverrides,
    names: Iterable[str],
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    extra: Iterable[Profile] = (),
) -> Runtime:
    """Resolve every profile in ``names``; flags apply to the selected one only.

    A profile that cannot be resolved is recorded in ``problems`` instead of failing the rest.

    A profile that cannot be resolved is recorded in ``problems`` instead of failing the rest.

    Args:
        settings: The loaded configuration.
        overrides: The command line's connection flags.
        names: The profiles to set up (the selected one and those of watched tasks).
        env: The environment (``os.environ`` by default).
        transport: Instead of the network (tests).
        extra: Profiles built in code (the demo's), used as they are.

    Returns:
        The clients, profiles and problems.
    """
    runtime = Runtime(
        new_http_client(transport=transport, max_connections=settings.concurrency),
        transport=transport,
    )
    selected = overrides.profile or settings.default_profile
    for profile in extra:
        runtime.profiles[profile.name] = profile
    for name in dict.fromkeys(names):
        if name in runtime.profiles:
            continue
        flags = overrides if name == selected else CliOverrides()
        try:
            runtime.profiles[name] = resolve_profile(settings, flags, env, name=name)
        except ConfigError as exc:
            runtime.problems[name] = str(exc)
    for name, profile in runtime.profiles.items():
        runtime.clients[name] = runtime.client_for(profile)
    extras = {profile.name for profile in extra}

    def resolve_again(name: str) -> Profile:
        if name in extras:
            return runtime.profiles[name]  # built in code (the demo): nothing to read again
        flags = overrides if name == selected else CliOverrides()
        return resolve_profile(settings, flags, env, name=name)

    runtime.resolver = resolve_again
    return runtime
