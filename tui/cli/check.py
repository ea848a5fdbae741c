"""``taskwatch check``: what an operator runs before the window. Per profile, the credential's
source and kind, when its keys expire, the project ID and where it came from, the endpoint, the
proxy, and one signed read (the smallest page of the service's task list), in words."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from typing import Any

from tui.cli.common import open_store, overrides_from, selected_profile
from tui.cli.parser import EXIT
from tui.cloud.client import new_http_client
from tui.cloud.safe_text import json_text, visible
from tui.engine.setup.config import CliOverrides, Settings, load_settings, resolve_profile
from tui.engine.setup.paths import database_file
from tui.engine.setup.runtime import Runtime
from tui.errors import (
    AuthenticationError,
    ConfigError,
    NetworkError,
    PermissionDeniedError,
    TaskCenterError,
    TaskwatchError,
)

__all__ = ["cmd_check"]


def _clock(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


async def check_profile(settings: Settings, flags: CliOverrides, name: str) -> dict[str, Any]:
    """Check one profile end to end.

    Args:
        settings: The configuration.
        flags: The command line's connection flags (for the selected profile).
        name: The profile.

    Returns:
        What was found, a JSON-ready object; ``usable`` says whether the read worked.
    """
    row: dict[str, Any] = {"profile": name, "usable": False}
    try:
        profile = resolve_profile(settings, flags, name=name)
    except ConfigError as exc:
        row.update(problem="config", error=str(exc))
        return row
    credential = profile.credential
    row.update(
        service=profile.service.value,
        region=profile.region,
        endpoint=profile.endpoint,
        endpoint_source=profile.sources["endpoint"],
        iam_endpoint=profile.iam_endpoint,
        proxy=profile.network.described if profile.network else "none",
        auth=credential.kind,
        credential_source=credential.source,
    )
    runtime = Runtime(new_http_client())
    store = open_store() if database_file().exists() else None
    runtime.project_cache = store
    runtime.profiles[name] = profile
    client = runtime.clients[name] = runtime.client_for(profile)
    try:
        keys = await credential.current()
        row.update(
            credential=credential.display,
            temporary=keys.temporary,
            expires_at=_clock(keys.expires_at),
        )
        row["project_id"] = await client.project.get()
        row["project_source"] = client.project.source
        row["read"] = await client.probe()
        row["usable"] = True
    except PermissionDeniedError as exc:
        row.update(problem="refused", error=f"{exc} ({client.adapter.list_permission_text()})")
    except AuthenticationError as exc:
        row.update(problem="refused", error=str(exc))
    except NetworkError as exc:
        row.update(problem="network", error=str(exc))
    except TaskCenterError as exc:
        row.update(problem=exc.kind.value, error=str(exc))
    except TaskwatchError as exc:
        row.update(problem="credential", error=str(exc))
    finally:
        await runtime.aclose()
        if store is not None:
            store.close()
    if runtime.skew.warning:
        row["clock"] = runtime.skew.warning
    return row


_SHOWN = (
    ("service", "service"),
    ("region", "region"),
    ("endpoint", "endpoint"),
    ("iam_endpoint", "IAM"),
    ("proxy", "proxy"),
    ("auth", "auth"),
    ("credential", "credential"),
    ("expires_at", "expires"),
    ("project_id", "project"),
    ("read", "read"),
    ("clock", "clock"),
)


def _print(row: dict[str, Any]) -> None:
    mark = "✔" if row["usable"] else "✘"
    print(f"{mark} profile {row['profile']}")
    for key, label in _SHOWN:
        value = row.get(key)
        if value in (None, ""):
            continue
        if key == "project_id":
            value = f"{value}  ({row.get('project_source', '')})"
        elif key == "endpoint":
            value = f"{value}  ({row.get('endpoint_source', '')})"
        print(f"  {label:<11} {visible(str(value))}")
    if not row.get("credential") and row.get("credential_source"):
        print(
            f"  {'credential':<11} {visible(row['auth'])} from {visible(row['credential_source'])}"
        )
    if row.get("error"):
        print(f"  {'problem':<11} {row['problem']}: {visible(row['error'], multiline=True)}")


def cmd_check(args: argparse.Namespace) -> int:
    """Check the selected profile, or ``--all``; exit 0 only if every one is usable."""
    settings = load_settings()
    selected = selected_profile(args, settings)
    names = list(dict.fromkeys([selected, *settings.profiles])) if args.all else [selected]
    flags = overrides_from(args)

    async def run() -> list[dict[str, Any]]:
        rows = []
        for name in names:
            chosen = flags if name == selected else CliOverrides()
            rows.append(await check_profile(settings, chosen, name))
        return rows

    rows = asyncio.run(run())
    if args.json:
        print(json_text(rows, indent=2))
    else:
        for row in rows:
            _print(row)
    if all(row["usable"] for row in rows):
        return EXIT["ok"]
    problems = {row.get("problem") for row in rows}
    if "refused" in problems:
        return EXIT["authentication"]
    if "network" in problems:
        return EXIT["unreachable"]
    return EXIT["usage"]
