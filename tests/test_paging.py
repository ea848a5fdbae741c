"""The paging of a task list, without HTTP: the flow is driven with pages made by hand from a
server that counts its offset one way or the other (reference §12)."""

from __future__ import annotations

from collections.abc import Callable

from tui.cloud.listing import ListedTask, ParsedPage
from tui.cloud.paging import PageFlow

TASKS = [f"t{i}" for i in range(7)]


def _task(task_id: str) -> ListedTask:
    return ListedTask(task_id, "Job", "Running", "", "", "", "", "", "", "", "", None, "instant")


def _server(
    *, skips_records: bool, size: int = 3, total: int | None = 7
) -> Callable[[int], ParsedPage]:
    """A list of :data:`TASKS` whose offset is records skipped, or a page number from 1."""

    def page(offset: int) -> ParsedPage:
        start = offset if skips_records else (offset - 1) * size
        items = [_task(t) for t in TASKS[max(start, 0) : max(start, 0) + size]]
        return ParsedPage(items, total, len(items), 0, fingerprint=str(offset))

    return page


def _drive(flow: PageFlow, serve: Callable[[int], ParsedPage]) -> list[int]:
    asked = []
    offsets = flow.offsets()
    offset = next(offsets)
    while True:
        asked.append(offset)
        try:
            offset = offsets.send(serve(offset))
        except StopIteration:
            return asked


def test_a_list_counting_records_skipped_is_read_to_its_short_last_page() -> None:
    flow = PageFlow(page_numbers=False, page_size=3, max_pages=40)
    assert _drive(flow, _server(skips_records=True)) == [0, 3, 6]
    assert [t.id for t in flow.tasks] == TASKS and flow.requests == 3 and not flow.cut


def test_page_numbers_read_as_documented() -> None:
    flow = PageFlow(page_numbers=True, page_size=3, max_pages=40)
    assert _drive(flow, _server(skips_records=False)) == [1, 2, 3]
    assert [t.id for t in flow.tasks] == TASKS


def test_a_server_that_skips_records_where_page_numbers_were_documented_is_caught() -> None:
    # Offset 1 skips one record (t0 left out), offset 2 overlaps it: the reading switches, the
    # start is fetched once, and the rest is read by records skipped.
    flow = PageFlow(page_numbers=True, page_size=3, max_pages=40)
    asked = _drive(flow, _server(skips_records=True))
    assert asked[:3] == [1, 2, 0]
    assert sorted(t.id for t in flow.tasks) == TASKS
    assert len(flow.tasks) == len(set(t.id for t in flow.tasks))


def test_a_first_record_left_out_without_any_overlap_is_asked_for() -> None:
    # Pages of 7 at offset 1 skip t0 and hold the rest; total_count says 7: ask for the start.
    flow = PageFlow(page_numbers=True, page_size=7, max_pages=40)
    assert _drive(flow, _server(skips_records=True, size=7)) == [1, 0]
    assert sorted(t.id for t in flow.tasks) == TASKS


def test_full_pages_past_the_cap_cut_the_list() -> None:
    def endless(offset: int) -> ParsedPage:
        items = [_task(f"x{offset}-{i}") for i in range(3)]
        return ParsedPage(items, None, 3, 1, fingerprint=str(offset))

    flow = PageFlow(page_numbers=False, page_size=3, max_pages=4)
    assert len(_drive(flow, endless)) == 4
    assert flow.cut and flow.requests == 4 and flow.skipped == 4


def test_a_page_asked_twice_has_its_skipped_items_counted_once() -> None:
    # A count that lies (8 for 7 tasks) makes the flow ask for the start again; this server
    # reads offset 0 as page 1, so the same page (2 garbage items) comes twice.
    def lying(offset: int) -> ParsedPage:
        page = _server(skips_records=False, total=8)(offset)
        ids = ",".join(t.id for t in page.tasks)
        return ParsedPage(page.tasks, page.total, page.size, 2, fingerprint=ids)

    flow = PageFlow(page_numbers=True, page_size=3, max_pages=40)
    assert _drive(flow, lying) == [1, 2, 3, 0]
    assert flow.skipped == 2 * 3
