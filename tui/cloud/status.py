"""Task statuses as the documentation lists them, and which of them are final.

Kept apart from the pydantic wire models so that code which only compares statuses (the table,
the summary, the TUI's first paint) does not import pydantic.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["FINAL_STATUSES", "JobStatus", "is_final"]


class JobStatus(StrEnum):
    """Statuses the documentation lists. The wire may carry others; those stay plain strings."""

    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"
    UNAUTHORIZED = "Unauthorized"
    INITING = "Initing"

    @classmethod
    def parse(cls, text: str) -> JobStatus | None:
        """The documented status ``text`` names, whatever its case or spelling; None if unknown.

        Args:
            text: A status as the cloud (or the watchlist) spells it.

        Returns:
            The status, or None for an empty or undocumented one (shown as it came).
        """
        key = text.strip().capitalize()
        if key == "Cancelled":  # British spelling, in case a region uses it
            return cls.CANCELED
        return cls._value2member_map_.get(key)  # type: ignore[return-value]


FINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED})


def is_final(status: str) -> bool:
    """Return whether ``status`` is terminal (Completed, Failed, Canceled), whatever its case.

    Args:
        status: A status as sent or stored.

    Returns:
        True for a status that never changes again.
    """
    return JobStatus.parse(status) in FINAL_STATUSES
