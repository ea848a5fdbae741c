"""Moving a watchlist between machines: export to JSON, import from it (or from any JSON).

An import takes every task it can, in one transaction (100,000 tasks in seconds), and says what
it changed: labels with control characters are shown visibly, labels too long are cut, items
without a usable task ID are skipped, each with a line saying so.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tui.cloud.ids import LABEL_MAX_LENGTH, extract_task_ids, validate_task_id
from tui.cloud.safe_text import json_object_chunks, visible
from tui.engine.storage import Store
from tui.errors import InvalidInputError

__all__ = ["EXPORT_FORMAT", "ImportResult", "export_watchlist", "import_watchlist", "tidy_label"]

EXPORT_FORMAT = "taskwatch-watchlist/1"


@dataclass
class ImportResult:
    """What an import did."""

    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """One line per item changed or skipped."""


def export_chunks(store: Store) -> Iterator[str]:
    """The export as JSON text in pieces, a task at a time (100,000 tasks are never held).

    Args:
        store: The watchlist.

    Yields:
        The same object as :func:`export_watchlist`, as indented JSON.
    """
    head = {"format": EXPORT_FORMAT, "exported_at": time.time()}
    yield from json_object_chunks(head, "tasks", (r.to_export() for r in store.each_task()))


def export_watchlist(store: Store) -> dict[str, Any]:
    """The watchlist and last snapshots as a JSON-ready object (no credentials in it).

    Args:
        store: The watchlist.

    Returns:
        ``{"format", "exported_at", "tasks": [...]}``; each task as
        :meth:`~tui.engine.records.TaskRecord.to_export` gives it.
    """
    return {
        "format": EXPORT_FORMAT,
        "exported_at": time.time(),
        "tasks": [record.to_export() for record in store.list_tasks()],
    }


def tidy_label(value: object) -> tuple[str, str | None]:
    """A label from a file made usable, and what was changed, if anything.

    Args:
        value: The label as found (any JSON value).

    Returns:
        The label (one line, control characters shown visibly, at most ``LABEL_MAX_LENGTH``
        characters) and a note saying what changed, or None.
    """
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    label = " ".join(visible(text).split())
    notes = []
    if label != " ".join(text.split()):
        notes.append("control characters shown visibly")
    if len(label) > LABEL_MAX_LENGTH:
        label = label[: LABEL_MAX_LENGTH - 1] + "…"
        notes.append(f"cut to {LABEL_MAX_LENGTH} characters")
    return label, ("; ".join(notes) or None)


_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""What a profile name may be: a TOML key a person types (``[profiles.NAME]``), never a path."""


def import_watchlist(store: Store, data: object, *, default_profile: str) -> ImportResult:
    """Watch the tasks of an export (or of any JSON holding task IDs), in one transaction.

    Args:
        store: The watchlist.
        data: A decoded export, or any JSON value: the task IDs in it are taken.
        default_profile: The profile for tasks that do not name one.

    Returns:
        Which IDs are new, which were already watched, and a note per item changed or skipped.

    Raises:
        InvalidInputError: The data holds no task ID at all.
    """
    result = ImportResult()
    entries: list[tuple[str, str, str]] = []
    if isinstance(data, dict) and isinstance(data.get("tasks"), list):
        first: dict[str, int] = {}
        for number, item in enumerate(data["tasks"], 1):
            entry = _entry(number, item, default_profile, result.notes)
            if entry is None:
                continue
            if entry[0] in first:
                result.notes.append(
                    f"item {number}: skipped, the same task as item {first[entry[0]]}"
                )
                continue
            first[entry[0]] = number
            entries.append(entry)
    else:
        ids = extract_task_ids(json.dumps(data))
        entries = [(task_id, default_profile, "") for task_id in ids]
    if not entries and not result.notes:
        raise InvalidInputError("the file holds no task IDs")
    added = store.add_entries(entries)
    result.added, result.already = added.added, added.already
    if isinstance(data, dict) and isinstance(data.get("tasks"), list):
        _carry_deadlines(store, data["tasks"], set(added.added), result.notes)
    return result


def _carry_deadlines(store: Store, items: list[object], added: set[str], notes: list[str]) -> None:
    """Deadlines of the tasks just added, as exported (a promise travels with its task); one
    that cannot be kept (not a number, before 1970, past a year) is left out with a note."""
    for item in items:
        if not isinstance(item, dict):
            continue
        task_id, deadline = str(item.get("task_id", "")).lower(), item.get("deadline")
        if task_id not in added or deadline is None:
            continue
        try:
            if not isinstance(deadline, int | float) or isinstance(deadline, bool):
                raise InvalidInputError(f"not a deadline: {visible(repr(deadline), limit=40)}")
            store.set_deadline([task_id], float(deadline))
        except InvalidInputError as exc:
            notes.append(f"{task_id}: deadline left out, {exc}")


def _entry(
    number: int, item: object, default_profile: str, notes: list[str]
) -> tuple[str, str, str] | None:
    if not isinstance(item, dict):
        notes.append(f"item {number}: skipped, not an object")
        return None
    try:
        task_id = validate_task_id(str(item.get("task_id", "")))
    except InvalidInputError as exc:
        notes.append(f"item {number}: skipped, {exc}")
        return None
    raw_label = item.get("label")
    if isinstance(raw_label, bool | list | dict):  # a number reads as itself; these do not
        notes.append(f"{task_id}: label left empty, it is not text")
        raw_label = None
    label, change = tidy_label(raw_label)
    if change:
        notes.append(f"{task_id}: label {change}")
    profile = item.get("profile")
    if not isinstance(profile, str) or not profile.strip():
        profile = default_profile
    elif not _PROFILE_NAME.fullmatch(profile.strip()):
        notes.append(
            f"{task_id}: profile {visible(profile, limit=40)!r} is not a profile name; "
            f"'{default_profile}' used"
        )
        profile = default_profile
    return task_id, profile.strip(), label
