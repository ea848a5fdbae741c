"""Wiring: resolved profiles -> one shared HTTP client -> a Task Center client per profile."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import httpx

from tui.cloud.client import TaskCenterClient, new_http_client
from tui.engine.setup.config import CliOverrides, Profile, Settings, resolve_profile
from tui.engine.setup.logs import register_secrets
from tui.errors import ConfigError

__all__ = ["Runtime", "build_runtime", "client_for"]


def client_for(http: httpx.AsyncClient, profile: Profile) -> TaskCenterClient:
    """The Task Center client for ``profile`` over the shared ``http``.

    Args:
        http: The process's shared HTTP client.
        profile: A resolved profile; its secrets are registered with the log redactor.

    Returns:
        The client.
    """
    register_secrets(profile.credential.secrets)
    return TaskCenterClient(
        http,
        endpoint=profile.endpoint,
        service=profile.service,
        project_id=profile.project_id,
        auth=profile.credential.auth(profile.project_id),
        secrets=profile.credential.secrets,
    )


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
        self.clients[name] = client_for(self.http, profile)
        return True

    async def aclose(self) -> None:
        """Close the shared HTTP client (on the loop that used it)."""
        await self.http.aclose()


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
    runtime = Runtime(new_http_client(transport=transport, max_connections=settings.concurrency))
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
        runtime.clients[name] = client_for(runtime.http, profile)
    extras = {profile.name for profile in extra}

    def resolve_again(name: str) -> Profile:
        if name in extras:
            return runtime.profiles[name]  # built in code (the demo): nothing to read again
        flags = overrides if name == selected else CliOverrides()
        return resolve_profile(settings, flags, env, name=name)

    runtime.resolver = resolve_again
    return runtime
