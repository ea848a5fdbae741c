"""Logging to a rotating file in the platformdirs log dir, with every secret redacted.

Nothing is ever logged to the terminal: while the TUI runs, the terminal belongs to it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.cloud.redaction import redact, register_secrets, registered_secrets
from tui.cloud.safe_text import visible
from tui.engine.setup.paths import log_file, make_private, make_private_dir, state_dir

__all__ = ["QUIET_LIBRARIES", "RedactingFilter", "register_secrets", "setup_logging"]

QUIET_LIBRARIES = ("urllib3", "requests", "apprise")
"""Loggers held at WARNING whatever the level: their DEBUG lines quote sink URLs."""


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with every registered secret masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's message and arguments; always keep the record."""
        message = record.getMessage()
        secrets = registered_secrets()
        if secrets:
            message = redact(message, secrets)
        # One record, one line: text from the cloud can neither forge lines nor carry escapes.
        record.msg = visible(message)
        record.args = None
        return True


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file is readable by its owner only (a shared jump host)."""

    def _open(self) -> Any:
        def private(path: str, flags: int) -> int:
            # Never through a link: one planted at the log path would have it written elsewhere.
            return os.open(path, flags | os.O_NOFOLLOW, 0o600)

        if Path(self.baseFilename).exists():
            make_private(Path(self.baseFilename))  # a log from before: tightened too
        return open(
            self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors,
            opener=private,
        )  # fmt: skip


def setup_logging(
    *, debug: bool = False, path: Path | None = None, warn: Callable[[str], None] | None = None
) -> Path | None:
    """Log to ``path`` (default: the log dir), rotating at 1 MB x 3. Returns the file used.

    Args:
        debug: Log at DEBUG instead of INFO.
        path: The log file.
        warn: Told, in one sentence, why there is no log (a symbolic link at its path).

    Returns:
        The file used, or None when it cannot be written (logging then goes nowhere).
    """
    path = path or log_file()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for old in list(root.handlers):
        root.removeHandler(old)
    if path.is_symlink():  # never followed: it could point anywhere, even at a missing file
        root.addHandler(logging.NullHandler())
        if warn is not None:
            warn(f"{path} is a symbolic link; not logging until it is removed")
        return None
    try:
        if path.parent.parent == state_dir():
            make_private_dir(path.parent.parent)  # the log's folder is not the only one there
        make_private_dir(path.parent)
        handler = _PrivateRotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        root.addHandler(logging.NullHandler())  # an unwritable log dir must not stop the app
        return None
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    # httpx logs every request URL at INFO; keep that for --debug only.
    logging.getLogger("httpx").setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.INFO if debug else logging.WARNING)
    # The sinks' libraries log request lines whose path and query hold the sink's token
    # (Slack's path, DingTalk's access_token=, WeCom's key=): warnings only, even with --debug.
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    return path
