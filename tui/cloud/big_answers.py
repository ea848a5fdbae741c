"""Answers too big to keep: each long string cut where it is, so the rest still parses.

A job is a few KB. A Task Center that sends a fail reason of megabytes (a stack trace, a log
pasted whole) still says, in the same answer, that the task failed; that must be seen and told.
So an answer over :data:`KEEP_BYTES` is not cut at a byte count (which leaves JSON that does
not parse): every string longer than :data:`KEEP_CHARS` characters is cut inside its quotes and
says how long it was.
"""

from __future__ import annotations

import json
import re

__all__ = ["KEEP_BYTES", "KEEP_CHARS", "shrunk"]

KEEP_BYTES = 4 * 1024 * 1024
"""Answers up to this size are parsed as they are."""
KEEP_CHARS = 8000
"""Characters kept of a string in a bigger answer."""

# A JSON string, unrolled ("normal* (escape normal*)*") so that a string of megabytes is one
# linear scan, not a backtracking alternation.
_STRING = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"', re.DOTALL)
_PARTIAL_UNICODE = re.compile(r"(?<!\\)((?:\\\\)*)\\u[0-9a-fA-F]{0,3}$")


def _whole_escapes(text: str) -> str:
    """``text`` without an escape cut in half at its end (a lone backslash, ``\\u00``)."""
    text = _PARTIAL_UNICODE.sub(r"\1", text)
    trailing = len(text) - len(text.rstrip("\\"))
    return text[:-1] if trailing % 2 else text


def _cut(match: re.Match[str]) -> str:
    inner = match.group(1)
    if len(inner) <= KEEP_CHARS:
        return match.group(0)
    kept = _whole_escapes(inner[:KEEP_CHARS])
    try:
        length = len(json.loads(f'"{inner}"'))  # the text's length, not its escaped form's
    except ValueError:
        length = len(inner)
    return f'"{kept}… (cut: {length:,} characters in all)"'


def shrunk(body: bytes) -> bytes:
    """``body`` as it is if small; else with each long JSON string cut (and its length said).

    Args:
        body: An answer's body.

    Returns:
        A body no bigger than needed, still JSON when it was JSON.
    """
    if len(body) <= KEEP_BYTES:
        return body
    text = body.decode("utf-8", errors="replace")
    return _STRING.sub(_cut, text).encode("utf-8")
