"""Endpoints as the official SDK overrides them: ``HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>``,
then ``~/.huaweicloud/regions.yaml`` (``HUAWEICLOUD_SDK_REGIONS_FILE``), then the built-in
tables of the wire adapters. An override may name a region the tables lack."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui.cloud.endpoints import Service, check_endpoint_url
from tui.errors import ConfigError, InvalidInputError

__all__ = ["SDK_SERVICE", "endpoint_override", "regions_file"]

SDK_SERVICE = {
    Service.TAURUSDB: "GAUSSDB",
    Service.TAURUSDB_LEGACY: "GAUSSDB",
    Service.RDS: "RDS",
    Service.GAUSSDB: "GAUSSDBFOROPENGAUSS",
    Service.DDS: "DDS",
    Service.GEMINIDB: "GAUSSDBFORNOSQL",
}
"""The SDK's service names, as they appear in the variables and the regions file."""


def regions_file(env: Mapping[str, str]) -> Path:
    """The SDK's regions file: ``$HUAWEICLOUD_SDK_REGIONS_FILE``, else
    ``~/.huaweicloud/regions.yaml``."""
    configured = env.get("HUAWEICLOUD_SDK_REGIONS_FILE", "").strip()
    return (
        Path(configured).expanduser()
        if configured
        else Path.home() / ".huaweicloud" / ("regions.yaml")
    )


def _checked(url: str, source: str) -> str:
    try:
        return check_endpoint_url(url)
    except InvalidInputError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _from_file(path: Path, service: str, region: str) -> str | None:
    import yaml  # only when the file exists: most machines have none

    try:
        data: Any = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"regions file {path} cannot be read: {first}") from None
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ConfigError(f"regions file {path}: expected SERVICE: [{{id, endpoint}}, ...]")
    entries = data.get(service) or []
    if not isinstance(entries, list):
        raise ConfigError(f"regions file {path}: {service} must be a list of {{id, endpoint}}")
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("id") != region:
            continue
        endpoints = entry.get("endpoints") or [entry.get("endpoint")]
        chosen = endpoints[0] if isinstance(endpoints, list) and endpoints else None
        if not isinstance(chosen, str) or not chosen.strip():
            raise ConfigError(f"regions file {path}: {service} {region} has no endpoint")
        return chosen.strip()
    return None


def endpoint_override(
    service: Service, region: str, env: Mapping[str, str]
) -> tuple[str, str] | None:
    """The endpoint the SDK's overrides give ``service`` in ``region``, and where it came from.

    Args:
        service: The Task Center.
        region: The region ID.
        env: The environment.

    Returns:
        (URL, source), or None when nothing overrides the built-in table.

    Raises:
        ConfigError: An override that is not an HTTPS URL, or a regions file that is not YAML.
    """
    name = SDK_SERVICE[service]
    variable = f"HUAWEICLOUD_SDK_REGION_{name}_{region.upper().replace('-', '_')}"
    value = env.get(variable, "")
    first = next((part.strip() for part in value.split(",") if part.strip()), None)
    if first:
        return _checked(first, f"${variable}"), f"${variable}"
    path = regions_file(env)
    if path.is_file():
        found = _from_file(path, name, region)
        if found:
            return _checked(found, str(path)), str(path)
    return None
