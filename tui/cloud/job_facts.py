"""What a table row shows of a job, read from its stored snapshot without the wire models.

A row needs a few things of a job: its name, its instance, when it was created and ended, and
(for the filter) its fail reason.
Reading them with ``json`` alone, as the models would read them (text coerced and stripped the
same way), lets the first screen of a 1,000-task watchlist paint before pydantic is imported or
a single job is validated; the detail pane parses the job it shows, when it shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tui.cloud.values import as_text, parse_cloud_time

if TYPE_CHECKING:
    from tui.cloud.models import Job

__all__ = ["JobFacts"]


@dataclass(frozen=True)
class JobFacts:
    """A job's name, instance and times, as :class:`~tui.cloud.models.Job` reads them."""

    name: str = ""
    instance_id: str = ""
    instance_name: str = ""
    created_at: datetime | None = None
    ended_at: datetime | None = None
    fail_reason: str = ""

    @classmethod
    def of_job(cls, job: Job) -> JobFacts:
        """The facts of a parsed job."""
        instance = job.instance
        return cls(
            job.name, instance.id, instance.name, job.created_at, job.ended_at, job.fail_reason
        )

    @classmethod
    def of_snapshot(cls, data: object) -> JobFacts:
        """The facts of a decoded job object (anything else: none).

        Args:
            data: The ``job`` object as stored.
        """
        if not isinstance(data, dict):
            return cls()
        instance = data.get("instance")
        if not isinstance(instance, dict):
            instance = {}
        return cls(
            name=as_text(data.get("name")).strip(),
            instance_id=as_text(instance.get("id")),
            instance_name=as_text(instance.get("name")),
            created_at=parse_cloud_time(as_text(data.get("created"))),
            ended_at=parse_cloud_time(as_text(data.get("ended"))),
            fail_reason=as_text(data.get("fail_reason")),
        )
