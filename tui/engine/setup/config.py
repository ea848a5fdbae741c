"""Settings from ``config.toml``, profiles resolved against flags and the environment.

Precedence: command-line flags > environment > ``config.toml`` > built-in defaults. For
credentials, a profile's own explicit source (``credentials_file`` or ``token_file``) is used as
configured; otherwise the environment (``HUAWEICLOUD_SDK_AK``/``_SK``) beats the SDK's default
credentials file, as in the official SDK.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tui.cloud.endpoints import Service, check_endpoint_url
from tui.cloud.identity.keys import AuthKind
from tui.cloud.services import default_endpoint
from tui.engine.setup.paths import config_dir, config_file, default_credentials_file
from tui.errors import ConfigError, CredentialError, InvalidInputError

if TYPE_CHECKING:
    from tui.cloud.identity.keys import KeySource
    from tui.cloud.identity.live import LiveCredential
    from tui.cloud.identity.network import Network

__all__ = [
    "TEAM_EVENTS",
    "CliOverrides",
    "NotificationSettings",
    "NotifySettings",
    "Profile",
    "ProfileSettings",
    "Settings",
    "load_settings",
    "resolve_profile",
]

_PROJECT_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")


class _Strict(BaseModel):
    # defer_build: built when a config is first validated, not at import (startup time).
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, defer_build=True)


class NotificationSettings(_Strict):
    """``[notifications]``: how a finished task announces itself."""

    toast: bool = True
    """Show an in-app toast when a task completes, fails or is canceled."""
    bell: bool = True
    """Ring the terminal bell when a task fails (and, with ``bell_on_success``, completes)."""
    bell_on_success: bool = False
    """Also ring the bell for tasks that complete successfully."""
    desktop: bool = True
    """Send a desktop notification (OSC 9 and OSC 777; reaches a laptop over SSH and tmux)."""


TEAM_EVENTS = ("failed", "overdue", "credential", "completed", "at_risk", "discovered")
"""What a ``[[notify]]`` table can ask for (``failed`` includes Canceled)."""
TeamEventName = Literal["failed", "overdue", "credential", "completed", "at_risk", "discovered"]
_DEFAULT_ON: list[TeamEventName] = ["failed", "overdue", "credential"]


class NotifySettings(_Strict):
    """``[[notify]]``: the team's chat, as Apprise URLs, and which events go there."""

    urls: list[str] = Field(min_length=1, max_length=20)
    """Apprise URLs (``dingtalk://``, ``wecombot://``, ``slack://``, ``json://`` ...);
    ``${VAR}`` is read from the environment. Secrets: shown redacted everywhere."""
    on: list[TeamEventName] = Field(default_factory=lambda: _DEFAULT_ON.copy())
    """Events sent: failed, overdue, credential (refused/restored), completed, at_risk,
    discovered."""
    digest: float = Field(default=10.0, ge=0, le=3600)
    """Seconds: events within it go out as one message (0: each at once)."""


class ProfileSettings(_Strict):
    """``[profiles.NAME]``: one region/project and the credential to use there."""

    service: Service = Service.TAURUSDB
    """Task Center to ask: ``taurusdb`` (/v3), ``taurusdb-legacy`` (/mysql/v3), ``rds``,
    ``gaussdb``, ``dds`` or ``geminidb``."""
    region: str | None = None
    """Region ID such as ``cn-north-4``; picks the endpoint from the built-in tables."""
    project_id: str | None = None
    """Project ID (32 letters and digits) in that region; looked up in IAM when unset."""
    endpoint: str | None = None
    """Explicit endpoint URL, overriding the region table (https; http only to 127.0.0.1)."""
    auth: AuthKind | None = None
    """Where the credential comes from: ``aksk``, ``ecs``, ``assume``, ``idp``, ``koocli``,
    ``token``; unset: the SDK's chain (environment, credentials file, ECS metadata)."""
    credentials_file: Path | None = None
    """An SDK-style INI credentials file for this profile (``ak``, ``sk``, ...)."""
    credentials_section: str = "basic"
    """Section of ``credentials_file`` to read."""
    token_file: Path | None = None
    """A file holding an IAM token, sent as ``X-Auth-Token`` instead of AK/SK signing."""
    metadata_endpoint: str | None = None
    """The ECS metadata service (default ``http://169.254.169.254``)."""
    iam_endpoint: str | None = None
    """IAM's URL (default: the region's ``iam.<region>.myhuaweicloud.com``)."""
    source_profile: str | None = None
    """``auth = "assume"``: the profile whose credential assumes the agency."""
    agency_name: str | None = None
    """``auth = "assume"``: the agency to assume."""
    agency_domain: str | None = None
    """``auth = "assume"``: the account (domain) name that made the agency."""
    agency_domain_id: str | None = None
    """``auth = "assume"``: the account's ID, instead of its name."""
    duration: int = Field(default=3600, ge=900, le=86400)
    """``auth = "assume"``: seconds the assumed keys live (renewed before they expire)."""
    idp_id: str | None = None
    """``auth = "idp"``: the identity provider's ID in IAM."""
    id_token_file: Path | None = None
    """``auth = "idp"``: the file the IdP agent writes the OIDC id-token to."""
    koocli_profile: str | None = None
    """``auth = "koocli"``: the KooCLI profile (default: KooCLI's current one)."""
    koocli_file: Path | None = None
    """``auth = "koocli"``: KooCLI's configuration (default ``~/.hcloud/config.json``)."""
    proxy: str | None = None
    """A proxy URL, ``http://user:password@host:port`` (default: ``HTTPS_PROXY``)."""
    ca_file: Path | None = None
    """A PEM file of a private CA to trust (TLS verification is never turned off)."""
    rate_limit: float = Field(default=5.0, gt=0, le=100)
    """Most requests per second to this profile's endpoint."""


THEMES = (
    "textual-dark", "textual-light", "ansi-dark", "ansi-light", "atom-one-dark", "atom-one-light",
    "catppuccin-frappe", "catppuccin-latte", "catppuccin-macchiato", "catppuccin-mocha",
    "dracula", "flexoki", "gruvbox", "monokai", "nord", "rose-pine", "rose-pine-dawn",
    "rose-pine-moon", "solarized-dark", "solarized-light", "tokyo-night",
)  # fmt: skip
"""Textual's built-in themes (a test keeps this list equal to Textual's: the engine does not
import Textual)."""


class Settings(_Strict):
    """The whole ``config.toml``."""

    default_profile: str = "default"
    """Profile used when ``--profile`` is not given."""
    refresh_interval: float = Field(default=5.0, ge=1, le=3600)
    """Seconds between polls of a Pending or Running task (jitter is added)."""
    concurrency: int = Field(default=8, ge=1, le=64)
    """Most requests in flight at once."""
    not_found_grace: float = Field(default=60.0, ge=0, le=3600)
    """Seconds a newly added task may be unknown to the cloud before it is marked not found."""
    discovery_interval: float = Field(default=15.0, ge=5, le=3600)
    """Seconds between list requests per profile while a follow rule exists."""
    theme: Literal[THEMES] = "textual-dark"  # type: ignore[valid-type]
    """Textual theme name: textual-dark, textual-light, nord, gruvbox, dracula, tokyo-night,
    solarized-light ... (``taskwatch config`` names them all when one is unknown)."""
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    """Notification switches."""
    profiles: dict[str, ProfileSettings] = Field(default_factory=dict)
    """Named profiles, ``[profiles.NAME]``."""
    notify: list[NotifySettings] = Field(default_factory=list, max_length=20)
    """The team's notification sinks, ``[[notify]]`` tables."""


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best-effort line number of the key at ``loc`` in the TOML ``text``."""
    keys = [str(part) for part in loc if isinstance(part, str)]
    if not keys:
        return None
    want = keys[-1]
    section = ".".join(keys[:-1])
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped.strip("[]").strip()
            if current == ".".join(keys):
                return number
            continue
        key = stripped.split("=", 1)[0].strip().strip('"')
        if "=" in stripped and key == want and current == section:
            return number
    return None


def _refuse_loose(path: Path) -> None:
    """Refuse a config file (or taskwatch's folder of it) that others may rewrite.

    Whoever can write config.toml decides where team messages go and which credential is
    used, so a file or folder writable by group or others is refused, as ssh refuses a loose
    ``authorized_keys``, with the command that fixes it.

    Raises:
        ConfigError: The file, or its folder when it is taskwatch's own, is writable by others.
    """
    for target in (path, path.parent):
        if target == path.parent and target != config_dir():
            continue  # a folder the user chose (--config elsewhere): not taskwatch's to judge
        try:
            mode = target.stat().st_mode & 0o777
        except OSError:
            continue
        if mode & 0o022:
            raise ConfigError(
                f"{target} is writable by {'group and others' if mode & 0o002 else 'its group'} "
                f"({mode:04o}), so anyone there could redirect team messages or credentials: "
                f"run `chmod go-w {target}` and start again"
            )


def load_settings(path: Path | None = None) -> Settings:
    """Read ``config.toml`` (defaults when it does not exist); raise ConfigError when bad.

    Args:
        path: The file (default: ``config.toml`` in the config directory).

    Returns:
        The settings.

    Raises:
        ConfigError: Not TOML, an unknown key, a wrong type: the message names file, line, key.
    """
    path = path or config_file()
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return Settings()
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    _refuse_loose(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: TOML syntax error: {exc}. Fix the file or move it aside."
        ) from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:5]:
            key = ".".join(str(part) for part in error["loc"])
            line = _line_of(text, error["loc"])
            where = f"{path}:{line}" if line else str(path)
            if error["type"] == "extra_forbidden":
                problems.append(f"{where}: unknown key '{key}' (see `taskwatch config --init`)")
            elif error["loc"][:1] == ("notify",):  # sink URLs are secrets: never echoed
                problems.append(f"{where}: '{key}': {error['msg']}")
            else:
                problems.append(f"{where}: '{key}': {error['msg']} (got {error.get('input')!r})")
        raise ConfigError("\n".join(problems)) from None


@dataclass(frozen=True)
class CliOverrides:
    """Per-invocation flags that beat the configuration file."""

    profile: str | None = None
    endpoint: str | None = None
    region: str | None = None
    project_id: str | None = None
    service: Service | None = None


@dataclass(frozen=True)
class Profile:
    """A profile with everything resolved: where to send requests and with which credential."""

    name: str
    service: Service
    endpoint: str
    project_id: str | None
    """None: looked up in IAM for ``region`` at the first request."""
    credential: LiveCredential
    region: str | None = None
    rate_limit: float = 5.0
    sources: dict[str, str] = field(default_factory=dict)
    network: Network | None = None
    """Proxy and CA (None: the environment's)."""
    iam_endpoint: str = "https://iam.myhuaweicloud.com"


def _pick(*candidates: tuple[Any, str]) -> tuple[Any, str]:
    for value, source in candidates:
        if value not in (None, ""):
            return value, source
    return None, ""


def _metadata_endpoint(configured: ProfileSettings, env: Mapping[str, str]) -> str:
    from tui.cloud.identity.ecs import METADATA_ENDPOINT, METADATA_ENV

    return configured.metadata_endpoint or env.get(METADATA_ENV) or METADATA_ENDPOINT


def _ini_value(key: str) -> str | None:
    """A key of the default INI file's ``[basic]`` section (``iam_endpoint``, ``idp_id`` ...)."""
    from tui.cloud.identity.static import read_ini

    try:
        values = read_ini(default_credentials_file())
    except CredentialError:
        return None
    value = values.get(key, "").strip() if values is not None else ""
    return value or None


def _source_for(
    settings: Settings,
    configured: ProfileSettings,
    env: Mapping[str, str],
    name: str,
    iam: str,
    seen: frozenset[str] = frozenset(),
) -> KeySource:
    """The key source a profile names with ``auth``, or the SDK's chain without it."""
    from tui.cloud.identity import static
    from tui.cloud.identity.agency import AssumeSource, IdpSource
    from tui.cloud.identity.chain import default_chain
    from tui.cloud.identity.ecs import MetadataSource
    from tui.cloud.identity.keys import Keys
    from tui.cloud.identity.koocli import DEFAULT_KOOCLI_FILE, koocli_source

    auth = configured.auth
    metadata = _metadata_endpoint(configured, env)
    if configured.token_file is not None and auth in {None, "token"}:
        return static.TokenFileSource(configured.token_file)
    if configured.credentials_file is not None and auth in {None, "aksk"}:
        if not configured.credentials_file.expanduser().exists():
            raise CredentialError(f"credentials file {configured.credentials_file} does not exist")
        return static.IniSource(configured.credentials_file, configured.credentials_section)
    if auth is None:
        return default_chain(env, default_credentials_file(), metadata)
    if auth == "aksk":
        if static.keys_from_env(env) is not None:
            return static.EnvSource(env)
        return static.IniSource(default_credentials_file())
    if auth == "token":
        token = env.get(static.TOKEN_ENV, "").strip()
        if not token:
            raise CredentialError(f'auth = "token" needs token_file or ${static.TOKEN_ENV}')
        return static.FixedSource(Keys(token=token), f"${static.TOKEN_ENV}", "token")
    if auth == "ecs":
        return MetadataSource(metadata)
    if auth == "idp":
        idp_id = configured.idp_id or env.get("HUAWEICLOUD_SDK_IDP_ID") or _ini_value("idp_id")
        token_file = (
            configured.id_token_file
            or env.get("HUAWEICLOUD_SDK_ID_TOKEN_FILE")
            or _ini_value("id_token_file")
        )
        return IdpSource(iam, idp_id=idp_id or "", id_token_file=Path(token_file or ""))
    if auth == "koocli":
        return koocli_source(
            configured.koocli_file or DEFAULT_KOOCLI_FILE,
            configured.koocli_profile,
            iam=lambda region: _iam_for(configured, region or configured.region, env)[0],
            metadata_endpoint=metadata,
        )
    # assume: the source profile's credential assumes the agency
    base_name = configured.source_profile
    if not base_name or base_name not in settings.profiles:
        known = ", ".join(sorted(settings.profiles)) or "none"
        raise CredentialError(
            f"profile '{name}': auth = \"assume\" needs source_profile, a profile of "
            f"{config_file()} (profiles: {known})"
        )
    if base_name in seen | {name}:
        raise CredentialError(f"profile '{name}': source_profile '{base_name}' loops back")
    base_settings = settings.profiles[base_name]
    base = _source_for(settings, base_settings, env, base_name, iam, seen | {name})
    return AssumeSource(
        base,
        iam,
        agency_name=configured.agency_name or "",
        domain_name=configured.agency_domain,
        domain_id=configured.agency_domain_id,
        duration=configured.duration,
    )


def _iam_for(
    configured: ProfileSettings, region: str | None, env: Mapping[str, str]
) -> tuple[str, str]:
    from tui.cloud.identity.iam import iam_endpoint

    return iam_endpoint(region, configured.iam_endpoint or _ini_value("iam_endpoint"), env)


def resolve_profile(
    settings: Settings,
    overrides: CliOverrides | None = None,
    env: Mapping[str, str] | None = None,
    *,
    name: str | None = None,
) -> Profile:
    """Resolve a profile into everything needed to send requests.

    Each value comes from the first source that has it: a command-line flag, the environment
    (as the official SDK reads it), the profile in ``config.toml``, the credentials file.

    Args:
        settings: The loaded ``config.toml``.
        overrides: The command line's connection flags.
        env: The environment (``os.environ`` by default).
        name: The profile; by default the flag's, else the configured default.

    Returns:
        The profile, with where each value came from in ``sources``.

    Raises:
        ConfigError: Something needed is missing or invalid; the message says how to fix it.
    """
    overrides = overrides or CliOverrides()
    env = os.environ if env is None else env
    name = name or overrides.profile or settings.default_profile
    configured = _configured_profile(settings, overrides, name)
    file_source = f"{config_file()} [profiles.{name}]"
    service, service_source = _pick(
        (overrides.service, "--service"), (configured.service, file_source)
    )
    region, region_source = _pick((overrides.region, "--region"), (configured.region, file_source))
    iam, iam_source = _iam_for(configured, region, env)
    credential = _credential_or_explain(settings, configured, env, name, iam)
    network = _network_for(configured, env)
    project_id, project_source = _pick(
        (overrides.project_id, "--project-id"),
        (env.get("HUAWEICLOUD_SDK_PROJECT_ID"), "$HUAWEICLOUD_SDK_PROJECT_ID"),
        (configured.project_id, file_source),
        (credential.project_id, credential.source),
    )
    project_source = _check_project_id(project_id, project_source, name, region)
    endpoint, endpoint_source = _endpoint_for(
        _pick((overrides.endpoint, "--endpoint"), (configured.endpoint, file_source)),
        service,
        region,
        name,
        env,
    )
    return Profile(
        name=name,
        service=service,
        endpoint=endpoint,
        project_id=project_id,
        credential=credential,
        region=region,
        rate_limit=configured.rate_limit,
        sources={
            "service": service_source or "default",
            "region": region_source or "unset",
            "project_id": project_source,
            "endpoint": endpoint_source,
            "credential": credential.source,
            "iam": iam_source,
        },
        network=network,
        iam_endpoint=iam,
    )


def _network_for(configured: ProfileSettings, env: Mapping[str, str]) -> Network:
    from tui.cloud.identity.network import Network

    return Network(proxy=configured.proxy, ca_file=configured.ca_file, env=dict(env))


def _configured_profile(settings: Settings, overrides: CliOverrides, name: str) -> ProfileSettings:
    configured = settings.profiles.get(name)
    if configured is not None:
        return configured
    if name != "default" or (overrides.profile and settings.profiles):
        known = ", ".join(sorted(settings.profiles)) or "none"
        raise ConfigError(
            f"no profile '{name}' in {config_file()} (profiles: {known}); "
            f"add [profiles.{name}] or pick another with --profile"
        )
    return ProfileSettings()  # the implicit default profile: everything from env and flags


def _credential_or_explain(
    settings: Settings,
    configured: ProfileSettings,
    env: Mapping[str, str],
    name: str,
    iam: str,
) -> LiveCredential:
    from tui.cloud.identity.live import LiveCredential

    try:
        return LiveCredential(_source_for(settings, configured, env, name, iam))
    except CredentialError as exc:
        raise ConfigError(f"profile '{name}': {exc}") from None


def _check_project_id(project_id: str | None, source: str, name: str, region: str | None) -> str:
    """Where the project ID comes from: as given, or ``looked up`` in IAM for the region."""
    if not project_id:
        if region:
            return f"looked up in IAM for {region}"
        raise ConfigError(
            f"no project ID for profile '{name}' and no region to look it up: pass "
            f"--region or --project-id, or set region or project_id in [profiles.{name}]"
        )
    if not _PROJECT_ID.match(project_id):
        raise ConfigError(f"project ID {project_id!r} ({source}) must be letters and digits")
    return source


def _endpoint_for(
    given: tuple[str | None, str],
    service: Service,
    region: str | None,
    name: str,
    env: Mapping[str, str],
) -> tuple[str, str]:
    """The endpoint URL and where it came from: the one given, else the SDK's overrides for the
    region, else the region's default."""
    from tui.cloud.regions import endpoint_override

    endpoint, source = given
    try:
        if endpoint:
            return check_endpoint_url(endpoint), source
        if region:
            override = endpoint_override(service, region, env)
            if override is not None:
                return override
            return default_endpoint(service, region), f"region {region}"
    except InvalidInputError as exc:
        raise ConfigError(str(exc)) from None
    raise ConfigError(
        f"no region or endpoint for profile '{name}': pass --region (e.g. cn-north-4) "
        f"or --endpoint URL, or set region in [profiles.{name}]"
    )


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | Path):
        return f'"{value}"'
    if value is None:
        return '""'
    return str(value)


def _describe(model: type[BaseModel], prefix: str = "") -> list[str]:
    lines: list[str] = []
    for name, info in model.model_fields.items():
        if name in {"notifications", "profiles", "notify"}:
            continue
        description = (info.description or "").replace("``", "")
        lines.extend(f"# {line.strip()}" for line in description.splitlines())
        default = info.get_default(call_default_factory=True)
        shown = f"{name} = {_toml_value(default)}"
        lines.append(shown if default is not None else f"# {shown}")
    return lines


def config_reference() -> str:
    """A commented ``config.toml`` generated from the models: the configuration reference.

    Returns:
        The file ``taskwatch config --init`` writes and the README quotes.
    """
    parts = [
        "# taskwatch configuration. Every key is optional; the values shown are the defaults.",
        "# Flags (--profile, --region, ...) override this file; for credentials, the",
        "# environment (HUAWEICLOUD_SDK_AK/SK) overrides ~/.huaweicloud/credentials.",
        "",
        *_describe(Settings),
        "",
        "[notifications]",
        *_describe(NotificationSettings),
        "",
        "# The team's chat: one [[notify]] table per group of sinks (Apprise URLs; ${VAR} is",
        "# read from the environment). on: failed, overdue, credential (the default), completed,",
        "# at_risk, discovered. digest: seconds within which events go out as one message.",
        "# [[notify]]",
        '# urls = ["dingtalk://${DINGTALK_TOKEN}", "json://hooks.example.internal/taskwatch"]',
        '# on = ["failed", "overdue", "completed"]',
        "# digest = 10",
        "",
        "# One table per profile. Tasks remember their profile; one TUI polls them all.",
        "[profiles.default]",
        *_describe(ProfileSettings),
        "",
        "# [profiles.prod-rds]",
        '# service = "rds"  # taurusdb, taurusdb-legacy, rds, gaussdb, dds, geminidb',
        '# region = "ap-southeast-1"',
        '# project_id = "0123456789abcdef0123456789abcdef"',
        '# credentials_file = "~/.huaweicloud/prod-credentials"',
        "",
    ]
    return "\n".join(parts)
