"""Shell completion (bash, zsh, fish) with argcomplete: commands, options, profile names,
service names, and the watchlist's task IDs with their labels.

The shell runs ``taskwatch`` itself to complete a word, so this path must answer in well under
150 ms: it builds the parser and reads the watchlist with :mod:`sqlite3` directly and the
config with :mod:`tomllib`; it never imports Textual, httpx, pydantic or the engine.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tomllib
from typing import Any

__all__ = ["SHELLS", "answer_completion", "profile_names", "script_for", "task_ids"]

SHELLS = ("bash", "zsh", "fish")


def task_ids(prefix: str, **_: Any) -> dict[str, str]:
    """The watched task IDs starting with ``prefix``, each with its label (or job name).

    Args:
        prefix: What is typed so far.

    Returns:
        ID → description (zsh and fish show it beside the ID).
    """
    from tui.engine.setup.paths import database_file

    path = database_file()
    if not path.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1) as db:
            rows = db.execute(
                "SELECT task_id, label, status FROM tasks WHERE removed_at IS NULL "
                "AND task_id LIKE ? ORDER BY position",
                (prefix.lower() + "%",),
            ).fetchall()
    except sqlite3.Error:
        return {}  # a locked or damaged file: no IDs offered, never a traceback in the shell
    return {task_id: _description(label, status) for task_id, label, status in rows}


def _description(label: str, status: str) -> str:
    text = " · ".join(part for part in (label, status) if part)
    return "".join(ch for ch in text if ch.isprintable())[:60]  # never an escape in a shell


def profile_names(prefix: str, **_: Any) -> list[str]:
    """The ``[profiles.NAME]`` of config.toml starting with ``prefix``.

    Args:
        prefix: What is typed so far.

    Returns:
        The names.
    """
    from tui.engine.setup.paths import config_file

    try:
        data = tomllib.loads(config_file().read_text("utf-8"))
    except (OSError, ValueError):
        return []
    profiles = data.get("profiles")
    names = list(profiles) if isinstance(profiles, dict) else []
    return [name for name in names if isinstance(name, str) and name.startswith(prefix)]


def answer_completion(parser: argparse.ArgumentParser) -> None:
    """When the shell asks for completions (``$_ARGCOMPLETE``), answer and exit; else nothing.

    Args:
        parser: taskwatch's parser.
    """
    if "_ARGCOMPLETE" not in os.environ:
        return
    import argcomplete

    argcomplete.autocomplete(parser, always_complete_options=False)  # options after a "-"


def script_for(shell: str) -> str:
    """The script that makes ``shell`` complete ``taskwatch``.

    Args:
        shell: ``bash``, ``zsh`` or ``fish``.

    Returns:
        The script text.
    """
    from argcomplete.shell_integration import shellcode

    return str(shellcode(["taskwatch"], shell=shell))
