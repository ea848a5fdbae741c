"""Any exception a request raises is an outcome of that request, never a crash of the engine."""

from __future__ import annotations

import logging

from tui.cloud.safe_text import visible
from tui.errors import BadResponseError, TaskCenterError

__all__ = ["as_task_center_error"]

log = logging.getLogger(__name__)


def as_task_center_error(exc: Exception) -> TaskCenterError:
    """``exc`` as the error of the request that raised it.

    A Task Center error is returned as it is; anything else (a URL the HTTP library will not
    build from a 1 MB job name, a bug) becomes a :class:`~tui.errors.BadResponseError` that
    names it in one short line, so the task backs off and shows it like any failed refresh.

    Args:
        exc: What the request raised.

    Returns:
        The error to handle.
    """
    if isinstance(exc, TaskCenterError):
        return exc
    log.debug("a request raised %s", type(exc).__name__, exc_info=exc)
    detail = visible(str(exc), limit=120)
    return BadResponseError(f"the request could not be made ({type(exc).__name__}: {detail})")
