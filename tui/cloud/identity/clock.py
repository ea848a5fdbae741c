"""This machine's clock against the gateway's: a skewed signature named, then mended.

The gateway refuses an ``X-Sdk-Date`` too far from its own clock with the same words as a wrong
key (``APIGW.0301``); only its ``Date`` response header tells the two apart. Once a refusal shows
the clocks apart by more than :data:`SKEW_LIMIT`, requests are signed with the gateway's time
(the offset measured from that header), as the AWS SDKs correct clock skew.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable

__all__ = ["SKEW_LIMIT", "ClockSkew"]

log = logging.getLogger(__name__)

SKEW_LIMIT = 300.0
"""Seconds between this machine's clock and the gateway's that count as a skewed clock."""


class ClockSkew:
    """The offset to add to this machine's clock to get the gateway's, shared by every request
    of a process.

    Args:
        clock: This machine's wall clock (tests move it).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.offset = 0.0
        """Seconds to add to the local clock (negative: this machine is ahead)."""

    def now(self) -> float:
        """The gateway's time as best known: the local clock plus the measured offset."""
        return self._clock() + self.offset

    def observe(self, date_header: str | None) -> bool:
        """Compare a refusal's ``Date`` header with the clock; adopt the gateway's time if they
        are more than :data:`SKEW_LIMIT` apart.

        Args:
            date_header: The refusal's ``Date`` header (RFC 7231), if any.

        Returns:
            True if the clock was found skewed (and is corrected from now on): the refused
            request is worth signing again once.
        """
        if not date_header:
            return False
        try:
            gateway = email.utils.parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        if abs(gateway - self.now()) <= SKEW_LIMIT:
            return False
        self.offset = gateway - self._clock()
        log.warning("%s", self.warning)
        return True

    @property
    def warning(self) -> str | None:
        """One sentence for the header, ``check`` and the log while a correction is in force."""
        if abs(self.offset) <= SKEW_LIMIT:
            return None
        minutes = abs(self.offset) / 60
        way = "behind" if self.offset > 0 else "ahead of"
        return (
            f"this machine's clock is {minutes:.0f} min off ({way} the gateway); requests are "
            "signed with the gateway's time. Fix the clock (chrony/NTP)."
        )
