"""Reading the cloud's JSON without trusting its types: shared by the job, steps and list
readers. Plain Python (no pydantic), so the light readers stay light."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tui.errors import BadResponseError

__all__ = ["as_text", "loads_object", "parse_cloud_time", "preview"]


def as_text(value: object) -> str:
    """Any JSON value as display text; never fails (a strange value is still shown).

    Args:
        value: A decoded JSON value.

    Returns:
        Strings as they are, ``true``/``false``, numbers as written, anything else as JSON.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def preview(body: bytes | str, limit: int = 120) -> str:
    """The start of a body on one line, for an error message.

    Args:
        body: The body.
        limit: Characters at most.

    Returns:
        The text, whitespace folded, cut with ``...``.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def loads_object(body: bytes | str, what: str) -> dict[str, Any]:
    """Decode a body that must be a JSON object.

    Args:
        body: The body.
        what: What it is, for the error ("the steps answer").

    Returns:
        The object.

    Raises:
        BadResponseError: Not JSON, or JSON but not an object.
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadResponseError(f"{what} is not JSON: {preview(body)}") from exc
    if not isinstance(data, dict):
        raise BadResponseError(f"{what} is JSON but not an object: {preview(body)}")
    return data


def parse_cloud_time(value: object) -> datetime | None:
    """Return an aware datetime for a Task Center timestamp, or None when absent or unreadable.

    Accepts ``2018-08-06T10:41:14+0000``, ``+08:00``, ``Z`` and fractional seconds. A value without
    any offset is taken as UTC, which is what the API means when it omits one.

    Args:
        value: The field as sent.

    Returns:
        The moment, or None.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
