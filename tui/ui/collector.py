"""Python's full garbage collections at quiet moments, not while a key waits for the screen.

With 1,000 tasks on screen the heap holds a few hundred thousand objects (the table's render
caches churn through Rich segments and strips), and a full collection takes 25-70 ms on a small
shared host. Python starts one whenever enough objects have outlived two younger collections,
which during a first sweep was every second or two: a key pressed then waited for it
(benchmarks/scale.py, the sweep phase). Here Python keeps its young collections, which are
cheap, and the full ones run when no key or mouse event has come for a moment, if Python
would have run one by then (it counts its middle collections since the last full one: an idle
window allocates little and collects nothing); a user who never pauses still gets one at least
every :data:`LATEST` seconds, so garbage in cycles stays bounded. The first full collection
also freezes what has lived until then (modules, the watchlist's rows): later ones need not walk
it again.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

__all__ = ["EVERY", "FIRST", "LATEST", "QUIET", "QuietCollector"]

QUIET = 0.5  # seconds without input before a full collection may run
FIRST = 10.0  # seconds after start before the first (it freezes what startup built)
EVERY = 30.0  # seconds between full collections, at the most often (each costs 10-50 ms)
LATEST = 60.0  # seconds between full collections, at the least often, input or not
_NEVER = 1 << 30  # Python's own full collections: as good as never


class QuietCollector:
    """Runs the full garbage collections itself, between keys.

    Args:
        clock: Monotonic seconds (tests pass their own).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._input_at = float("-inf")
        self._collected_at = clock() + FIRST - EVERY  # the first is due FIRST seconds in
        self._saved: tuple[int, int, int] | None = None
        self._rounds = gc.get_threshold()[2]
        """Python's own bar: middle collections since the last full one before the next."""
        self._frozen = False

    def start(self) -> None:
        """Take the full collections over from Python (its young ones go on)."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, self._rounds = self._saved
            gc.set_threshold(young, middle, _NEVER)

    def stop(self) -> None:
        """Give the full collections back to Python, and what was frozen with them."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def input_seen(self) -> None:
        """A key or mouse event came: no full collection for :data:`QUIET` seconds."""
        self._input_at = self._clock()

    def tick(self) -> bool:
        """Run a full collection if one is due and the moment is quiet (call it every second).

        Returns:
            Whether a collection ran.
        """
        now = self._clock()
        since = now - self._collected_at
        if since < EVERY or gc.get_count()[2] <= self._rounds:
            return False  # not yet, or nothing much to collect
        if now - self._input_at < QUIET and since < LATEST:
            return False
        gc.collect()
        if not self._frozen:
            gc.freeze()
            self._frozen = True
        self._collected_at = self._clock()
        return True
