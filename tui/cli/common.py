"""What the subcommands share: messages on stderr, the watchlist, profiles, exit statuses."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.parser import EXIT
from tui.cloud.endpoints import Service
from tui.cloud.safe_text import visible
from tui.engine.setup.config import CliOverrides, Settings
from tui.engine.setup.paths import database_file
from tui.engine.storage import Store
from tui.errors import ConfigError, InvalidInputError, TaskCenterError

if TYPE_CHECKING:
    from tui.engine.setup.runtime import Runtime

__all__ = [
    "error_word",
    "exit_for_errors",
    "open_store",
    "overrides_from",
    "prepared_runtime",
    "profiles_for",
    "selected_profile",
    "warn",
    "write_atomically",
]

log = logging.getLogger(__name__)


def warn(message: str) -> None:
    log.warning("%s", message)
    print(f"taskwatch: {visible(message, multiline=True)}", file=sys.stderr)


def open_store(*, demo: bool = False) -> Store:
    """Open the watchlist, telling the user (on stderr) if a broken file was moved aside.

    Args:
        demo: The demo's watchlist (it must exist: ``taskwatch --demo`` makes it).

    Returns:
        The store.

    Raises:
        InvalidInputError: ``demo`` and the demo never ran here.
    """
    path = database_file(demo=demo)
    if demo and not path.exists():
        raise InvalidInputError("there is no demo watchlist yet: run taskwatch --demo first")
    store = Store.open(path)
    if store.recovered_to is not None:
        warn(
            f"the watchlist database was unreadable; it was moved to {store.recovered_to} "
            "and a new one was started"
        )
    for notice in store.tightened:
        warn(notice)
    return store


def selected_profile(args: argparse.Namespace, settings: Settings) -> str:
    """``--profile``, else ``demo`` with ``--demo``, else the config's default profile."""
    default = "demo" if getattr(args, "demo", False) else settings.default_profile
    return getattr(args, "profile", None) or default


def write_atomically(path: Path, text: str | Iterable[str]) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file; ``text``
    may come in pieces (a big report is written as it is made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.writelines([text] if isinstance(text, str) else text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


_ERROR_EXIT = {
    "authentication": EXIT["authentication"],
    "permission": EXIT["authentication"],
    "not_found": EXIT["not_found"],
    "request": EXIT["usage"],
}


def exit_for_errors(errors: list[TaskCenterError]) -> int:
    """One exit status for a set of failures: authentication, then unreachable, then not found."""
    codes = {_ERROR_EXIT.get(error.kind, EXIT["unreachable"]) for error in errors}
    for code in (EXIT["authentication"], EXIT["unreachable"], EXIT["usage"], EXIT["not_found"]):
        if code in codes:
            return code
    return EXIT["ok"]


def error_word(error: TaskCenterError) -> str:
    return {
        "authentication": "authentication failed",
        "permission": "permission denied",
        "not_found": "not found",
        "throttled": "throttled",
        "server": "server error",
        "network": "unreachable",
        "bad_response": "bad response",
    }.get(error.kind, "error")


def profiles_for(ids: list[str], args: argparse.Namespace, settings: Settings) -> dict[str, str]:
    """The profile to ask about each task: ``--profile`` if given, else the profile the task was
    added with, else the default profile (``--demo``: the demo's watchlist and profiles)."""
    demo = bool(getattr(args, "demo", False))
    explicit = getattr(args, "profile", None)
    path = database_file(demo=demo)
    watched = open_store(demo=demo) if not explicit and path.exists() else None
    default = "demo" if demo else settings.default_profile
    chosen = {}
    for task_id in ids:
        record = watched.get_task(task_id) if watched else None
        chosen[task_id] = explicit or (record.profile if record else default)
    return chosen


async def prepared_runtime(
    settings: Settings, args: argparse.Namespace, names: set[str]
) -> Runtime:
    """Clients for ``names``, their first temporary keys fetched and missing project IDs looked
    up (and kept in the watchlist, when there is one); a profile that cannot be set up is a
    usage error (exit 2).

    Raises:
        ConfigError: A profile cannot be used; the message says why.
    """
    from tui.engine.setup.runtime import build_runtime  # the HTTP stack only where it is used

    if getattr(args, "demo", False):  # the demo's simulators, no account and no config
        from tui.cli.demo import demo_servers

        profiles, stop = demo_servers()
        runtime = build_runtime(settings, overrides_from(args), [], extra=profiles)
        runtime.cleanups.append(stop)
        return runtime
    runtime = build_runtime(settings, overrides_from(args), names)
    for warning in runtime.warnings:
        warn(warning)
    if not runtime.problems:
        runtime.project_cache = open_store() if database_file().exists() else None
        await runtime.prepare()
    if runtime.problems:
        await runtime.aclose()
        raise ConfigError(next(iter(runtime.problems.values())))
    return runtime


def overrides_from(args: argparse.Namespace) -> CliOverrides:
    """The connection flags of the command line (``--profile``, ``--endpoint`` ...)."""
    service = getattr(args, "service", None)
    return CliOverrides(
        profile=getattr(args, "profile", None),
        endpoint=getattr(args, "endpoint", None),
        region=getattr(args, "region", None),
        project_id=getattr(args, "project_id", None),
        service=Service(service) if service else None,
    )
