"""The app's copies to the clipboard of the terminal you sit at (OSC 52): the actions behind
``c`` (the task's ID) and ``f`` (its failure reason), and what the user is told of each.

:class:`TaskwatchApp <tui.ui.app.TaskwatchApp>` builds on this class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.cloud.safe_text import visible
from tui.ui.clipboard import Copied
from tui.ui.editing import EditingApp

if TYPE_CHECKING:
    from tui.ui.terminal import TerminalSignals

__all__ = ["CopyingApp"]


class CopyingApp(EditingApp):
    """The clipboard keys of the TUI (the app itself is :class:`~tui.ui.app.TaskwatchApp`)."""

    signals: TerminalSignals

    def action_copy_id(self) -> None:
        """Copy the selected task's ID to the clipboard of the terminal you sit at (OSC 52)."""
        record = self.view.selected
        if record is not None:
            copied = self.signals.copy(record.task_id)
            self._say_copied(record.task_id, copied)

    def action_copy_fail_reason(self) -> None:
        """Copy the selected task's failure reason (OSC 52)."""
        record = self.view.selected
        job = record.job if record else None
        if job is None or not job.fail_reason:
            self.notify("The selected task has no failure reason.", severity="warning")
            return
        copied = self.signals.copy(visible(job.fail_reason, multiline=True))  # pasted into shells
        self._say_copied("the failure reason", copied)

    def _say_copied(self, what: str, copied: Copied) -> None:
        if copied.reached:
            self.notify(f"Copied {what}: {copied.how}.")
        else:
            self.notify(f"{what}: {copied.how}.", title="Not on your clipboard", severity="warning")
