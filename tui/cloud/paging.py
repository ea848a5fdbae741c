"""How a task list is read page by page, with no HTTP in it: a generator that says which
offset to ask for next and is sent each page as read (httpx's ``Auth.auth_flow`` works this
way), so the defensive reading of reference §12 is tested on pages made by hand.

Pages are read defensively: the TaurusDB instant list documents an offset that starts at 1 and
Huawei's own tooling reads it as a page number, the others count records skipped. The first
reading is tried, and if a page overlaps the last one (the server skips records), the reading
switches and the start is fetched again. Items are de-duplicated by ID; paging stops once
``total_count`` tasks are seen, a page is short, a page brings nothing new, or after
``max_pages`` requests (then the result is ``cut``).
"""

from __future__ import annotations

from collections.abc import Generator

from tui.cloud.listing import ListedTask, ParsedPage

__all__ = ["PageFlow"]


class PageFlow:
    """The paging of one list: drive :meth:`offsets`, then read the result's attributes.

    Args:
        page_numbers: Whether the service's offset is a page number (from 1), not a count of
            records skipped (from 0).
        page_size: The ``limit`` asked for: a shorter page is the last.
        max_pages: Requests after which the list is cut (something is wrong, not busy).
    """

    def __init__(self, *, page_numbers: bool, page_size: int, max_pages: int) -> None:
        self._page_numbers = page_numbers
        self._page_size = page_size
        self._max_pages = max_pages
        self.seen: dict[str, ListedTask] = {}
        """Every task read, by ID, in the order first seen."""
        self.requests = 0
        self.skipped = 0
        """Items that were not tasks, each page counted once."""
        self.cut = False
        """The list went on past ``max_pages``: what was read is not all of it."""
        self._counted: set[str] = set()
        self._total: int | None = None
        self._size = 0

    def offsets(self) -> Generator[int, ParsedPage, None]:
        """Yield each offset to ask for; be sent the page read at it.

        Yields:
            The next page's offset.
        """
        page_numbers = self._page_numbers
        offset, start_fetched = (1 if page_numbers else 0), False
        while True:
            if self.requests >= self._max_pages:
                self.cut = True
                break
            items = self._take((yield offset))
            new = [item for item in items if item.id not in self.seen]
            self._keep(new)
            if page_numbers and 0 < len(new) < len(items):
                # Overlap: this server skips records. Read on from what has been seen, and
                # fetch the start once (a skip of 1 left out the very first record).
                page_numbers, offset, start_fetched = False, len(self.seen) + 1, True
                self._keep(self._take((yield 0)))
                continue
            if not new or self._size < self._page_size or self._all_seen():
                break
            offset = offset + 1 if page_numbers else offset + len(items)
        if page_numbers and not start_fetched and self._total is not None and not self._all_seen():
            # Fewer than the count and no overlap seen: a server that skips records left out
            # the first one (offset 1); ask for it.
            self._keep(self._take((yield 0)))

    @property
    def tasks(self) -> list[ListedTask]:
        """The tasks read, de-duplicated."""
        return list(self.seen.values())

    def _take(self, page: ParsedPage) -> list[ListedTask]:
        self.requests += 1
        self._total, self._size = page.total, page.size
        if page.fingerprint not in self._counted:
            self._counted.add(page.fingerprint)
            self.skipped += page.skipped
        return page.tasks

    def _keep(self, items: list[ListedTask]) -> None:
        self.seen.update((item.id, item) for item in items if item.id not in self.seen)

    def _all_seen(self) -> bool:
        return self._total is not None and len(self.seen) >= self._total
