"""A scrolling list of rows under a header line, with a cursor: the keys that move it, the
click that puts it on a row, the repaint of the rows it leaves and enters, and the word when
it lands on another row. The task table (:mod:`.task_table`) is one."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.scroll_view import ScrollView

__all__ = ["RowCursor"]


class RowCursor(ScrollView):
    """Rows below a one-line header; row ``i`` is line ``i + 1`` of the virtual canvas.

    A subclass says which rows there are (:meth:`row_order`), what a click on the header
    means (:meth:`header_clicked`) and whom to tell when the cursor lands on another row
    (:meth:`highlight_moved`).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first_row", "First", show=False),
        Binding("end,ctrl+end", "last_row", "Last", show=False),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._cursor = 0
        self._told: str | None = None
        """The row the last :meth:`highlight_moved` named."""

    def row_order(self) -> list[str]:
        """The rows' keys, top to bottom."""
        raise NotImplementedError

    def header_clicked(self, x: int) -> None:
        """The header line was clicked at column ``x`` of the content."""

    def highlight_moved(self, key: str | None) -> None:
        """The cursor is on another row (``key``), or on none: there are no rows."""

    @property
    def row_ids(self) -> list[str]:
        """The rows' keys, top to bottom (a copy)."""
        return list(self.row_order())

    @property
    def row_count(self) -> int:
        """How many rows there are."""
        return len(self.row_order())

    @property
    def cursor_row(self) -> int:
        """The index of the row under the cursor."""
        return self._cursor

    @property
    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor, if any."""
        order = self.row_order()
        return order[self._cursor] if self._cursor < len(order) else None

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        """Put the cursor on row ``row`` (kept within the rows) and scroll it into view.

        Args:
            row: The row's index.
            animate: Scroll smoothly rather than at once.
        """
        row = max(0, min(row, self.row_count - 1))
        if row != self._cursor:
            self.refresh_row(self._cursor)
            self._cursor = row
            self.refresh_row(row)
        top, rows = int(self.scroll_offset.y), self.rows_on_screen()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=animate)
        elif self._cursor >= top + rows:
            self.scroll_to(y=self._cursor - rows + 1, animate=animate)
        self.tell_highlight()

    def action_cursor_down(self) -> None:
        """Move the cursor one row down."""
        self.move_cursor(row=self._cursor + 1)

    def action_cursor_up(self) -> None:
        """Move the cursor one row up."""
        self.move_cursor(row=self._cursor - 1)

    def action_page_down(self) -> None:
        """Move the cursor a screenful down."""
        self.move_cursor(row=self._cursor + self.rows_on_screen())

    def action_page_up(self) -> None:
        """Move the cursor a screenful up."""
        self.move_cursor(row=self._cursor - self.rows_on_screen())

    def action_first_row(self) -> None:
        """Move the cursor to the first row."""
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        """Move the cursor to the last row."""
        self.move_cursor(row=self.row_count - 1)

    def rows_on_screen(self) -> int:
        """How many rows the widget shows at once (the header takes a line)."""
        return max(1, self.size.height - 1)

    def tell_highlight(self) -> None:
        """Say (once) that the cursor is on another row than last said."""
        key = self.highlighted_key
        if key != self._told:
            self._told = key
            self.highlight_moved(key)

    def refresh_row(self, row: int) -> None:
        """Repaint row ``row`` if it is on screen."""
        y = row + 1 - int(self.scroll_offset.y)
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def on_click(self, event: events.Click) -> None:
        """A click on the header goes to :meth:`header_clicked`; on a row, the cursor goes there."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            self.header_clicked(offset.x)
            return
        row = int(self.scroll_offset.y) + offset.y - 1
        if row < self.row_count:
            self.move_cursor(row=row)
