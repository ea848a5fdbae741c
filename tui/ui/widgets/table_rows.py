"""The task table's rows as data, without Textual: which tasks have a row, in which order, each
row's cells and what they were drawn from. The widget (:mod:`.task_table`) draws them and says
what to repaint; this says what changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rich.text import Text

from tui.engine.records import TaskRecord, visible_fields
from tui.ui.widgets.task_columns import matches, sort_key

__all__ = ["TableRows"]

SortKey = tuple[float | int | str, ...]
Cells = dict[str, Text]


class TableRows:
    """Rows keyed by task ID, ordered by their sort keys."""

    def __init__(self) -> None:
        self.cells: dict[str, Cells] = {}
        """Each row's cells, by column key."""
        self.order: list[str] = []
        """The task IDs of the rows, top to bottom."""
        self.index: dict[str, int] = {}
        """Each row's place in :attr:`order`."""
        self._drawn: dict[str, tuple[object, ...]] = {}
        """What each row was drawn from (:func:`visible_fields`): an unchanged record is not
        drawn again (re-sorting 1,000 rows moves them; it need not recompute them)."""
        self._keys: dict[str, SortKey] = {}
        """Each shown row's sort key when the rows were last put in order."""

    def wanted(
        self, records: Iterable[TaskRecord], sort_mode: str, filter_text: str
    ) -> list[TaskRecord]:
        """The records that get a row, in order; the rows of the others go.

        Args:
            records: Every watched task.
            sort_mode: What the rows are sorted by.
            filter_text: Words a row must match.

        Returns:
            The records to show, sorted.
        """
        wanted = [r for r in records if matches(r, filter_text)]
        keys = {r.task_id: sort_key(sort_mode, r) for r in wanted}
        wanted.sort(key=lambda r: keys[r.task_id])
        self._keys = keys
        for task_id in set(self.cells) - keys.keys():
            del self.cells[task_id]
            self._drawn.pop(task_id, None)
        return wanted

    def joins_or_leaves(self, records: Iterable[TaskRecord], filter_text: str) -> bool:
        """Whether a record is new, or joins or leaves the filter (then every row is placed
        again, by :meth:`wanted`)."""
        return any((r.task_id in self.cells) != matches(r, filter_text) for r in records)

    def rekey(self, record: TaskRecord, sort_mode: str) -> bool:
        """Take ``record``'s sort key now; True if it moved."""
        key = sort_key(sort_mode, record)
        if self._keys.get(record.task_id) == key:
            return False
        self._keys[record.task_id] = key
        return True

    def resort(self, records: Mapping[str, TaskRecord], sort_mode: str) -> None:
        """Every row's sort key again (the sort mode changed); the rows keep their cells."""
        for task_id in self._keys:
            record = records.get(task_id)
            if record is not None:
                self._keys[task_id] = sort_key(sort_mode, record)

    def put(
        self, record: TaskRecord, cells_for: Callable[[TaskRecord], Cells], *, redraw: bool
    ) -> tuple[Cells | None, Cells] | None:
        """Give ``record``'s row its cells; None when it shows as when it was drawn (and not
        ``redraw``).

        Args:
            record: A task with (or getting) a row.
            cells_for: Makes a record's cells.
            redraw: Make the cells even if the record shows the same.

        Returns:
            (the old cells or None for a new row, the new cells), or None.
        """
        fields = visible_fields(record)
        task_id = record.task_id
        if not redraw and self._drawn.get(task_id) == fields:
            return None
        self._drawn[task_id] = fields
        cells = cells_for(record)
        old = self.cells.get(task_id)
        self.cells[task_id] = cells
        return old, cells

    def put_in_order(self) -> bool:
        """Order the rows by their kept sort keys; True if the order changed."""
        order = sorted(self.cells, key=self._keys.__getitem__)
        if order == self.order:
            return False
        self.order = order
        self.index = {task_id: index for index, task_id in enumerate(order)}
        return True
