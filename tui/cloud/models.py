"""Pydantic models of the Task Center wire format, parsed tolerantly.

The cloud's payloads vary by service, region and document revision (see the API reference):
fields go missing or come back empty or null, statuses appear that no enum lists, times use
``+0800`` offsets, progress is ``"60%"``, ``"60"`` or ``"60% "``. Parsing here never fails on such
variation; only a body that is not a job at all raises :class:`BadResponseError`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WrapValidator

from tui.cloud.status import is_final
from tui.cloud.values import as_text, loads_object, parse_cloud_time, preview
from tui.errors import BadResponseError

__all__ = [
    "Entities",
    "EntityDatastore",
    "EntityInstance",
    "EntityVolume",
    "ErrorBody",
    "Job",
    "JobInstance",
    "parse_cloud_time",
    "parse_error_body",
    "parse_job_response",
    "parse_progress",
    "warm",
]


_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")


def parse_progress(value: object) -> int | None:
    """Return progress as a whole percent 0-100 from ``"60%"``, ``"60"``, ``"60% "`` or 60.

    Args:
        value: The ``process`` field as sent.

    Returns:
        The percent, or None when empty or unreadable.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and (match := _PERCENT.match(value)):
        number = float(match.group(1))
    else:
        return None
    if number != number:  # NaN
        return None
    return max(0, min(100, int(number)))


def _as_stripped_text(value: object) -> str:
    return as_text(value).strip()


def _none_if_invalid(value: Any, handler: Any) -> Any:
    """Keep a typed entity field only when it has the documented shape; the raw dict keeps all."""
    try:
        return handler(value)
    except ValidationError:
        return None


Text = Annotated[str, BeforeValidator(as_text)]
StrippedText = Annotated[str, BeforeValidator(_as_stripped_text)]


# defer_build: the schemas are built at the first parse, not at import, so that commands and the
# TUI's first paint that parse nothing do not pay for them.
class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)


class EntityDatastore(_Lenient):
    """``entities.instance.datastore``: database engine and version."""

    type: str | None = None
    version: str | None = None


class EntityInstance(_Lenient):
    """``entities.instance``: the instance a job creates or changes."""

    endpoint: str | None = None
    type: str | None = None
    datastore: Annotated[EntityDatastore | None, WrapValidator(_none_if_invalid)] = None
    replica_of: str | None = None


class EntityVolume(_Lenient):
    """``entities.volume``: RDS storage scale-up (sizes are strings, in GB)."""

    type: str | None = None
    original_size: str | None = None
    target_size: str | None = None


class Entities(_Lenient):
    """Task-specific ``entities``; documented shapes typed, every other key kept as extra."""

    instance: Annotated[EntityInstance | None, WrapValidator(_none_if_invalid)] = None
    resource_ids: Annotated[list[str] | None, WrapValidator(_none_if_invalid)] = None
    public_ip: Annotated[str | None, WrapValidator(_none_if_invalid)] = None
    volume: Annotated[EntityVolume | None, WrapValidator(_none_if_invalid)] = None
    switch_strategy: Annotated[str | None, WrapValidator(_none_if_invalid)] = None

    @property
    def unknown(self) -> dict[str, Any]:
        """The keys no document describes, exactly as the cloud sent them."""
        return dict(self.model_extra or {})


class JobInstance(_Lenient):
    """``job.instance``: the instance the job ran on."""

    id: Text = ""
    name: Text = ""


def _object_or_empty(value: object) -> object:
    return value if isinstance(value, dict) else {}


class Job(BaseModel):
    """One Task Center job as the API returned it, with parsed conveniences.

    ``raw`` is the job object exactly as received, so nothing the cloud sends is ever lost.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: StrippedText = ""
    name: StrippedText = ""
    status: StrippedText = ""
    created: Text = ""
    ended: Text = ""
    process: Text = ""
    instance: Annotated[JobInstance, BeforeValidator(_object_or_empty)] = Field(
        default_factory=JobInstance
    )
    entities: Annotated[dict[str, Any], BeforeValidator(_object_or_empty)] = Field(
        default_factory=dict
    )
    fail_reason: Text = ""
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True, repr=False)

    @property
    def created_at(self) -> datetime | None:
        """Creation time, timezone-aware, or None while the cloud leaves it empty."""
        return parse_cloud_time(self.created)

    @property
    def ended_at(self) -> datetime | None:
        """End time, timezone-aware, or None while the job runs."""
        return parse_cloud_time(self.ended)

    @property
    def progress(self) -> int | None:
        """Progress in whole percent, or None when the cloud reports none."""
        return parse_progress(self.process)

    @property
    def is_final(self) -> bool:
        """Whether the job has reached Completed, Failed or Canceled."""
        return is_final(self.status)

    @property
    def typed_entities(self) -> Entities:
        """The entities with documented shapes typed; unknown keys in ``.unknown``."""
        return Entities.model_validate(self.entities)

    def to_api_dict(self) -> dict[str, Any]:
        """The job with the API's own field names (name stripped, unknown entity keys kept).

        Returns:
            A JSON-ready object in the shape of the API's ``job``.
        """
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "created": self.created,
            "ended": self.ended,
            "process": self.process,
            "instance": {"id": self.instance.id, "name": self.instance.name},
            "entities": self.entities,
            "fail_reason": self.fail_reason or None,
        }


def parse_job_dict(data: object, *, expected_id: str | None = None) -> Job:
    """Build a Job from a decoded ``job`` object; raise BadResponseError if it is not one.

    Args:
        data: The decoded ``job`` object.
        expected_id: The ID asked for; a job with another ID is a bad response.

    Returns:
        The job, parsed tolerantly.
    """
    if not isinstance(data, dict):
        raise BadResponseError("the response has no 'job' object")
    try:
        job = Job.model_validate({**data, "raw": data})
    except (ValidationError, RecursionError) as exc:  # pragma: no cover - lenient fields
        raise BadResponseError(f"the job object could not be read: {exc}") from exc
    if not job.id and expected_id:
        job = job.model_copy(update={"id": expected_id})
    if expected_id and job.id.lower() != expected_id.lower():
        raise BadResponseError(f"asked for job {expected_id} but the response is for {job.id!r}")
    return job


def parse_job_response(body: bytes | str, *, expected_id: str | None = None) -> Job:
    """Parse a ``{"job": {...}}`` body; raise BadResponseError for anything else.

    Args:
        body: The response body.
        expected_id: The ID asked for.

    Returns:
        The job.
    """
    data = loads_object(body, "the response")
    return parse_job_dict(data.get("job"), expected_id=expected_id)


class ErrorBody(BaseModel):
    """An error response reduced to its code and message, as the official SDK reads them."""

    error_code: str
    error_msg: str


_ERROR_KEY_PAIRS = (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message"))


def _find_error_pair(data: dict[str, Any], depth: int = 0) -> tuple[str, str] | None:
    for code_key, msg_key in _ERROR_KEY_PAIRS:
        if code_key in data and msg_key in data:
            return as_text(data[code_key]), as_text(data[msg_key])
    if depth < 4:
        for value in data.values():
            if isinstance(value, dict) and (found := _find_error_pair(value, depth + 1)):
                return found
    return None


def parse_error_body(status: int, body: bytes | str) -> ErrorBody:
    """Read an error body the way the SDK does, falling back to the status and raw text.

    Tries ``error_code``/``error_msg``, then ``errorCode``/``errorMsg``, then ``code``/``message``,
    then the same inside nested objects (``{"error": {...}}``, the Trove form).

    Args:
        status: The HTTP status.
        body: The response body (JSON, HTML, anything).

    Returns:
        The error code and message.
    """
    found: tuple[str, str] | None = None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        found = _find_error_pair(data)
    if found is None:
        return ErrorBody(error_code=str(status), error_msg=preview(body, 300))
    return ErrorBody(error_code=found[0].strip(), error_msg=found[1].strip())


def warm() -> None:
    """Build the job model's schema now (it is deferred at import): called off the event loop
    while the clients are built, so the first answer of a thousand, with keys pressed, does not
    pay for it."""
    parse_job_dict({"id": "", "instance": {}, "entities": {}}).typed_entities  # noqa: B018
