"""A running job's steps (``ShowTaskDetails``, reference §12), read tolerantly.

The cloud sends ``sub_task_list`` entries whose ``percent`` and ``remaining_time`` are strings
that may be missing, empty, non-numeric, negative or absurd, and statuses no document lists.
Everything is kept as sent (and shown as sent); the numeric readings are None whenever a value
cannot be trusted, so that no estimate is ever built on one. Plain Python, no pydantic: this is
parsed on every steps refresh and when the store is read.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from tui.cloud.values import as_text, loads_object
from tui.errors import BadResponseError

__all__ = [
    "MAX_REMAINING",
    "SubTask",
    "TaskSteps",
    "parse_steps_response",
    "steps_from_json",
]

MAX_REMAINING = 7 * 24 * 3600
"""A step's ``remaining_time`` above this (a week) is not an estimate anyone should plan by."""

_MAX_STEPS = 200  # a job has a handful; a longer list is cut, not trusted to be bounded
_MAX_TEXT = 200  # a step's name or status; a longer one is cut, so a stored answer is bounded
_DONE = {"completed", "success", "succeeded", "finished", "skipped"}
_ACTIVE = {"running", "processing", "executing"}
_WAITING = {"pending", "waiting", "initing", "init", "ready", "not_started", ""}


def _number(text: str) -> float | None:
    cleaned = text.strip().rstrip("%").strip()
    if not cleaned:
        return None
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class SubTask:
    """One step as the cloud sent it; ``percent``/``remaining`` are its trustworthy readings."""

    name: str
    status: str
    percent_text: str
    remaining_text: str

    @property
    def percent(self) -> int | None:
        """The step's percent 0-100, or None when missing, unreadable or out of range."""
        number = _number(self.percent_text)
        if number is None or not 0 <= number <= 100:
            return None
        return int(number)

    @property
    def remaining(self) -> int | None:
        """Seconds the cloud expects the step still needs, or None when it cannot be trusted
        (missing, unreadable, negative, or more than :data:`MAX_REMAINING`)."""
        number = _number(self.remaining_text)
        if number is None or not 0 <= number <= MAX_REMAINING:
            return None
        return int(number)

    @property
    def phase(self) -> str:
        """``done``, ``active``, ``waiting``, ``failed`` or ``unknown`` (a status no rule knows)."""
        status = self.status.strip().lower()
        if status in _DONE:
            return "done"
        if status in _ACTIVE:
            return "active"
        if status in _WAITING:
            return "waiting"
        if status in {"failed", "error", "canceled", "cancelled"}:
            return "failed"
        return "unknown"


@dataclass(frozen=True)
class TaskSteps:
    """A job's steps at one moment; ``raw`` is the answer as received (never stored whole: a
    hostile answer of megabytes would fill the disk every 30 s)."""

    steps: tuple[SubTask, ...]
    raw: dict[str, Any]

    def remaining(self) -> int | None:
        """The cloud's own estimate of the time left, or None when it gives none to trust.

        The rule: steps run one after another (that is how the console draws them), so the
        time left is the sum of ``remaining_time`` over every step not yet done. The estimate
        exists only when every such step has a trustworthy value and a known status, and no
        step failed: one unreadable step makes the sum a guess, and we do not show guesses.

        Returns:
            Seconds, or None.
        """
        pending = [step for step in self.steps if step.phase != "done"]
        if not pending or any(step.phase in {"failed", "unknown"} for step in pending):
            return None
        values = [step.remaining for step in pending]
        if any(value is None for value in values):
            return None
        return sum(value for value in values if value is not None)

    def to_json(self) -> str:
        """The steps as stored: what was read of them (at most 200 steps, each field cut to 200
        characters), in the answer's own shape, keys sorted: the same for the same steps, and a
        few kilobytes at most whatever the cloud sent.

        Returns:
            JSON text.
        """
        items = [
            {
                "sub_task_name": step.name,
                "status": step.status,
                "percent": step.percent_text,
                "remaining_time": step.remaining_text,
            }
            for step in self.steps
        ]
        return json.dumps({"sub_task_list": items}, ensure_ascii=False, sort_keys=True)


def _steps_from(data: dict[str, Any]) -> TaskSteps:
    items = data.get("sub_task_list")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise BadResponseError("the steps answer has a 'sub_task_list' that is not a list")
    steps = tuple(
        SubTask(
            name=as_text(item.get("sub_task_name")).strip()[:_MAX_TEXT],
            status=as_text(item.get("status")).strip()[:_MAX_TEXT],
            percent_text=as_text(item.get("percent"))[:_MAX_TEXT],
            remaining_text=as_text(item.get("remaining_time"))[:_MAX_TEXT],
        )
        for item in items[:_MAX_STEPS]
        if isinstance(item, dict)
    )
    return TaskSteps(steps=steps, raw=data)


def parse_steps_response(body: bytes | str) -> TaskSteps:
    """Read a ``ShowTaskDetails`` answer (either service's shape).

    Args:
        body: The response body.

    Returns:
        The steps (possibly none).

    Raises:
        BadResponseError: The body is not a JSON object, or its step list is not a list.
    """
    return _steps_from(loads_object(body, "the steps answer"))


def steps_from_json(text: str | None) -> TaskSteps | None:
    """Steps as stored by :meth:`TaskSteps.to_json`, or None when absent or unreadable.

    Args:
        text: Stored JSON text.

    Returns:
        The steps, or None.
    """
    if not text:
        return None
    try:
        return parse_steps_response(text)
    except BadResponseError:
        return None
