"""Every filesystem path taskwatch uses, decided in one place (platformdirs; XDG_* relocate)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = [
    "APP_NAME",
    "config_dir",
    "config_file",
    "data_dir",
    "database_file",
    "default_credentials_file",
    "log_dir",
    "log_file",
    "make_private",
    "make_private_dir",
    "state_dir",
]

APP_NAME = "taskwatch"


def config_dir() -> Path:
    """Directory of ``config.toml``.

    Returns:
        ``$XDG_CONFIG_HOME/taskwatch`` or the platform's equivalent.
    """
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The configuration file (it need not exist).

    Returns:
        ``config.toml`` in :func:`config_dir`.
    """
    return config_dir() / "config.toml"


def data_dir() -> Path:
    """Directory of the watchlist databases.

    Returns:
        ``$XDG_DATA_HOME/taskwatch`` or the platform's equivalent.
    """
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def database_file(*, demo: bool = False) -> Path:
    """The watchlist database; ``--demo`` keeps its own so it never touches real tasks.

    Args:
        demo: The demo's watchlist instead of the real one.

    Returns:
        The SQLite file in :func:`data_dir`.
    """
    return data_dir() / ("demo.sqlite3" if demo else "watchlist.sqlite3")


def state_dir() -> Path:
    """Directory of the app's state (its log lives in ``log/`` under it on Linux).

    Returns:
        ``$XDG_STATE_HOME/taskwatch`` or the platform's equivalent.
    """
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Directory of the rotating log file.

    Returns:
        ``$XDG_STATE_HOME/taskwatch/log`` or the platform's equivalent.
    """
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_file() -> Path:
    """The rotating log file.

    Returns:
        ``taskwatch.log`` in :func:`log_dir`.
    """
    return log_dir() / "taskwatch.log"


def default_credentials_file() -> Path:
    """The official SDK's credentials file, ``~/.huaweicloud/credentials`` unless overridden.

    Returns:
        ``$HUAWEICLOUD_SDK_CREDENTIALS_FILE``, else ``~/.huaweicloud/credentials``.
    """
    override = os.environ.get("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".huaweicloud" / "credentials"


PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dir(path: Path) -> str | None:
    """Create ``path`` readable by its owner only, and every missing folder above it too (the
    XDG base directory spec asks 0700 of them); tighten ``path`` if it exists.

    Args:
        path: A directory holding the watchlist or the log.

    Returns:
        One sentence if an existing directory was open to others and was tightened, else None.
    """
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):  # mkdir's parents=True would make them 0777 & ~umask
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
    return make_private(path, PRIVATE_DIR)


def make_private(path: Path, mode: int = PRIVATE_FILE) -> str | None:
    """Take group and other permissions away from ``path`` (a file or directory that exists).

    Args:
        path: The file or directory.
        mode: The permissions it should have.

    Returns:
        One sentence if it was tightened (say it once), else None.
    """
    try:
        current = path.stat().st_mode & 0o777
        if current & 0o077:
            path.chmod(mode)
            return f"{path} was readable by others ({current:04o}); it is now {mode:04o}"
    except OSError:
        pass  # not ours to change: opening it will say what is wrong
    return None
