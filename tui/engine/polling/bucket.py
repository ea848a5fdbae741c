"""A token bucket per endpoint: the rate limit that keeps taskwatch polite."""

from __future__ import annotations

__all__ = ["TokenBucket"]


class TokenBucket:
    """A token bucket whose rate drops by half on throttling and creeps back on success."""

    def __init__(self, rate: float, now: float) -> None:
        self.max_rate = rate
        self.rate = rate
        self.tokens = max(1.0, rate)  # start full: the first sweep need not wait
        self.updated = now

    def _refill(self, now: float) -> None:
        capacity = max(1.0, self.rate)
        self.tokens = min(capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def try_take(self, now: float) -> bool:
        """Take a token if one is available.

        Args:
            now: Monotonic time.

        Returns:
            Whether a token was taken (a request may go).
        """
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait_time(self, now: float) -> float:
        """Seconds until a token is available.

        Args:
            now: Monotonic time.

        Returns:
            Zero when a request may go now.
        """
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def spend(self, now: float) -> None:
        """Take a token even if none is left: the next requests wait until it is paid back.

        For the further pages of one list request, which cannot wait half-way.

        Args:
            now: Monotonic time.
        """
        self._refill(now)
        self.tokens -= 1.0

    def slow_down(self) -> None:
        """The gateway throttled: halve the rate (down to 1/32 of the maximum), empty the bucket."""
        self.rate = max(self.max_rate / 32, self.rate / 2)
        self.tokens = min(self.tokens, 0.0)

    def speed_up(self) -> None:
        """Raise the rate by about a tenth, up to the maximum: a request went through."""
        self.rate = min(self.max_rate, self.rate * 1.1 + 0.05)
