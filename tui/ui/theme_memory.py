"""The theme picked in the app (command palette, "Change theme") is kept for the next start.

config.toml is the user's file, comments and all, so a pick is not written there: it goes to
``ui.json`` in the state folder, with the config's ``theme`` as it was at the pick. A pick wins
until the config's ``theme`` is changed by hand (the newer decision), which wins then.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

from tui.engine.setup.paths import make_private_dir, state_dir

__all__ = ["kept_theme", "remember_theme"]

log = logging.getLogger(__name__)


def _file() -> Path:
    return state_dir() / "ui.json"


def kept_theme(configured: str, path: Path | None = None) -> str:
    """The theme to start with: the last pick, unless the config's theme changed since.

    Args:
        configured: ``theme`` from config.toml (or its default).
        path: The memory file (default: ``ui.json`` in the state folder).

    Returns:
        A theme name.
    """
    try:
        data = json.loads((path or _file()).read_text("utf-8"))
    except (OSError, ValueError):
        return configured  # none kept, or unreadable: the config's, nothing lost
    if not isinstance(data, dict):
        return configured
    picked, against = data.get("theme"), data.get("config_theme")
    if isinstance(picked, str) and picked and against == configured:
        return picked
    return configured


def remember_theme(picked: str, configured: str, path: Path | None = None) -> None:
    """Keep ``picked`` for the next start (owner-only file; a failure is logged, not raised).

    Args:
        picked: The theme now in use.
        configured: The config's theme at this moment.
        path: The memory file (default: ``ui.json`` in the state folder).
    """
    path = path or _file()
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        make_private_dir(path.parent)
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump({"theme": picked, "config_theme": configured}, stream)
        os.replace(temporary, path)
    except OSError as exc:
        log.warning("the theme picked is not kept: %s", exc)
        with contextlib.suppress(OSError):
            temporary.unlink()
