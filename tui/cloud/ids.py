"""Task ID and label input: extracting UUIDs from pasted text, validating labels."""

from __future__ import annotations

import re

from tui.errors import InvalidInputError

__all__ = [
    "LABEL_MAX_LENGTH",
    "as_task_id",
    "clean_label",
    "extract_task_ids",
    "validate_instance_id",
    "validate_job_name",
    "validate_task_id",
]

LABEL_MAX_LENGTH = 80

# Task Center job IDs are UUIDs. Word boundaries stop us from taking 32 hex digits out of a longer
# token such as an instance ID ("...in07") or a hex dump.
_UUID = re.compile(
    r"(?<![0-9A-Za-z-])"
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"(?![0-9A-Za-z-])"
)


def extract_task_ids(text: str) -> list[str]:
    """Return every task ID in ``text``, lower-cased, first occurrence first, without repeats.

    ``text`` may be anything a user pastes: a console table, a log line, JSON.

    Args:
        text: Anything pasted: a console table, a log line, JSON.

    Returns:
        The UUIDs found (possibly none).
    """
    seen: dict[str, None] = {}
    for match in _UUID.finditer(text):
        seen.setdefault(match.group(0).lower(), None)
    return list(seen)


_WHOLE_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def as_task_id(value: str) -> str | None:
    """``value`` as a normalised task ID if it is exactly one (a UUID), else None.

    For IDs from the cloud's lists, which are never trusted to be IDs: a path, a number, an
    escape sequence or a formula is not one.

    Args:
        value: Text that should be a task ID.

    Returns:
        The ID lower-cased, or None.
    """
    candidate = value.strip()
    if len(candidate) != 36 or not _WHOLE_UUID.fullmatch(candidate):
        return None
    return candidate.lower()


def validate_task_id(value: str) -> str:
    """Return ``value`` as a normalised task ID, or raise InvalidInputError.

    Args:
        value: One ID as typed.

    Returns:
        The ID, lower-cased and stripped.
    """
    candidate = value.strip()
    found = extract_task_ids(candidate)
    if len(found) != 1 or len(candidate) != len(found[0]):
        shown = candidate if len(candidate) <= 60 else candidate[:57] + "..."
        raise InvalidInputError(
            f"not a task ID: {shown!r} (expected a UUID such as "
            "a9767ede-fe0f-4888-9003-e843a4c90514)"
        )
    return found[0]


def clean_label(value: str | None) -> str:
    """Return ``value`` as a one-line label, or raise InvalidInputError if it is too long.

    Args:
        value: A label as typed (None for none).

    Returns:
        The label with runs of white space folded to one space.
    """
    if value is None:
        return ""
    label = " ".join(value.split())
    if any(not ch.isprintable() for ch in label):
        raise InvalidInputError("a label may not contain control characters")
    if len(label) > LABEL_MAX_LENGTH:
        raise InvalidInputError(
            f"a label is at most {LABEL_MAX_LENGTH} characters (this one has {len(label)})"
        )
    return label


# Instance IDs: 32 hex digits and a two-digit service suffix (TaurusDB ``in07``, RDS ``in01``).
_INSTANCE = re.compile(r"^[0-9a-f]{32}in\d{2}$")
_JOB_NAME = re.compile(r"^[A-Za-z0-9_.\- ]{1,100}$")


def validate_instance_id(value: str) -> str:
    """An instance ID, lower-cased, or InvalidInputError naming what is wrong with it.

    Args:
        value: The ID as typed.

    Returns:
        The ID.

    Raises:
        InvalidInputError: Not an instance ID.
    """
    text = value.strip().lower()
    if not _INSTANCE.match(text):
        raise InvalidInputError(
            f"not an instance ID: {value[:80]!r} (32 hex digits and a suffix such as in07)"
        )
    return text


def validate_job_name(value: str) -> str:
    """A job name as the cloud spells them (letters, digits, ``_ . -``, spaces).

    Args:
        value: The name as typed.

    Returns:
        The name, stripped.

    Raises:
        InvalidInputError: Empty, too long, or with characters no job name has.
    """
    text = value.strip()
    if not _JOB_NAME.match(text):
        raise InvalidInputError(
            f"not a job name: {value[:80]!r} (e.g. RebootGaussDBforMySQLInstance)"
        )
    return text
