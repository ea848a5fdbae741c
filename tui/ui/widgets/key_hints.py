"""The line of main keys at the bottom of the screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

__all__ = ["KeyHints"]


class KeyHints(Static):
    """The main screen's keys, drawn once.

    Textual's ``Footer`` recomposes itself whenever focus or bindings move, four times during
    startup alone; with eight keys that made the first paint about 1.5x slower than a bare app
    (``benchmarks/startup.py``). The main screen's keys never change, so one line of text does.

    Args:
        keys: (key as shown, what it does) for each key to list.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-hints--key"}

    def __init__(self, keys: Sequence[tuple[str, str]], **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._keys = keys

    def on_mount(self) -> None:
        self._draw()

    def show_keys(self, keys: Sequence[tuple[str, str]]) -> None:
        """List ``keys`` instead (the timeline has its own).

        Args:
            keys: (key as shown, what it does) for each key to list.
        """
        if keys != self._keys:
            self._keys = keys
            self._draw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self._draw()  # a new theme: redraw with its key colour

    def _draw(self) -> None:
        key_style = self.get_component_rich_style("key-hints--key", partial=True)
        line = Text(no_wrap=True, overflow="ellipsis")
        for key, description in self._keys:
            line.append(f" {key} ", key_style)
            line.append(f"{description} ")
        self.update(line)
