"""The app's edits of the watchlist: the actions behind ``a``, ``d``, ``u``, ``l``, ``D`` and
``F``, each through a dialog installed once and reused.

:class:`TaskwatchApp <tui.ui.app.TaskwatchApp>` builds on this class; it keeps the lifecycle,
the session's events and the other keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import work
from textual.screen import Screen

from tui.cloud.safe_text import visible
from tui.engine.session import WatchSession
from tui.errors import TaskwatchError
from tui.present.text import task_title, tasks_count
from tui.ui.toasts import ToastingApp

if TYPE_CHECKING:
    from tui.ui.widgets.dialogs import AddRequest
    from tui.ui.widgets.watch_view import WatchView

__all__ = ["EditingApp"]

T = TypeVar("T")


class EditingApp(ToastingApp):
    """The watchlist edits of the TUI (the app itself is :class:`~tui.ui.app.TaskwatchApp`)."""

    session: WatchSession
    view: WatchView

    @work
    async def action_add(self) -> None:
        """Add tasks: paste IDs (any text), a label, a profile."""
        profiles = self.session.connecting.profile_names
        default = profiles[0] if profiles else self.session.settings.default_profile
        from tui.ui.widgets.dialogs import AddTasksScreen  # dialogs load when first opened

        key = f"add:{default}:{','.join(profiles)}"
        name = self._dialog(key, lambda: AddTasksScreen(profiles, default))
        request: AddRequest | None = await self.push_screen_wait(name)
        if request is not None:
            self.add_tasks(request)

    def add_tasks(self, request: AddRequest) -> None:
        """Watch the tasks of ``request`` and put the cursor on the first new one."""
        try:
            result = self.session.edits.add(
                request.task_ids, profile=request.profile, label=request.label
            )
        except TaskwatchError as error:
            self.notify(str(error), severity="error")
            return
        self.view.refresh_all()  # now, so the cursor can go to the new row (the event is later)
        message = f"Watching {tasks_count(len(result.added), 'new task')}"
        if result.already:
            message += f"; {len(result.already)} already watched"
        self.notify(message)
        if result.added:
            table = self.view.table
            table.move_cursor(row=table.get_row_index(result.added[0]), animate=False)

    def action_remove(self) -> None:
        """Stop watching the selected task (u undoes)."""
        record = self.view.selected
        if (
            record is not None
            and self._safely(self.session.edits.remove, record.task_id) is not None
        ):
            self.notify(f"Removed {task_title(record)[:60]}. Press u to undo.")

    def action_undo(self) -> None:
        """Bring back the most recently removed task."""
        restored = self._safely(self.session.edits.undo) or []
        if restored:
            self.notify(f"Restored {tasks_count(len(restored))}.")
        else:
            self.notify("Nothing to undo.", severity="warning")

    @work
    async def action_edit_label(self) -> None:
        """Change the selected task's label."""
        record = self.view.selected
        if record is None:
            return
        from tui.ui.widgets.dialogs import LabelScreen

        name = self._dialog("label", lambda: LabelScreen(record.task_id, record.label))
        dialog = self.get_screen(name)
        assert isinstance(dialog, LabelScreen)
        dialog.edit(record.task_id, record.label)
        label: str | None = await self.push_screen_wait(name)
        if label is not None and label != record.label:
            self._safely(self.session.edits.set_label, record.task_id, label)

    @work
    async def action_edit_deadline(self) -> None:
        """Set or clear the selected task's deadline (warned once if it will be or is missed)."""
        record = self.view.selected
        if record is None:
            return
        from tui.present.text import format_clock
        from tui.ui.widgets.dialogs import DeadlineChoice, DeadlineScreen

        name = visible(task_title(record), limit=60)
        current = format_clock(record.deadline) if record.deadline is not None else ""
        key = self._dialog("deadline", lambda: DeadlineScreen(name, current))
        dialog = self.get_screen(key)
        assert isinstance(dialog, DeadlineScreen)
        dialog.edit(name, current)
        choice: DeadlineChoice | None = await self.push_screen_wait(key)
        if choice is None:
            return
        if self._safely(self.session.edits.set_deadline, [record.task_id], choice.deadline) is None:
            return
        if choice.deadline is None:
            self.notify(f"No deadline for {name}.")
        else:
            self.notify(f"Deadline {format_clock(choice.deadline)} for {name}.")

    @work
    async def action_follow(self) -> None:
        """Follow instances: their new tasks are added by themselves (or remove a rule)."""
        from tui.ui.widgets.dialogs import FollowChoice, FollowScreen

        records = self.session.records.values()
        instances: dict[str, tuple[str, str]] = {}  # instance ID -> (name, profile)
        for record in records:
            job = record.job
            if job is not None and job.instance.id:
                instances.setdefault(job.instance.id.lower(), (job.instance.name, record.profile))
        known = self._safely(self.session.following.rules) or []
        rules = [(r.id, f"{r.profile}: {r.description}") for r in known]
        key = self._dialog("follow", FollowScreen)
        dialog = self.get_screen(key)
        assert isinstance(dialog, FollowScreen)
        dialog.edit([(i, name) for i, (name, _) in sorted(instances.items())], rules)
        choice: FollowChoice | None = await self.push_screen_wait(key)
        if choice is None:
            return
        if choice.unfollow is not None:
            if self._safely(self.session.following.unfollow, [choice.unfollow]):
                self.notify(f"Unfollowed rule {choice.unfollow}; the tasks it added stay.")
            return
        default = (
            self.session.connecting.profile_names or [self.session.settings.default_profile]
        )[0]
        by_profile: dict[str, list[str]] = {}
        for instance_id in choice.instance_ids:
            by_profile.setdefault(instances[instance_id][1], []).append(instance_id)
        for profile, ids in (by_profile or {default: []}).items():
            number = self._safely(self.session.following.follow, profile, ids, choice.names)
            if number:
                self.notify(f"Following (rule {number}): new tasks will be added here.")

    def _safely(self, change: Callable[..., T], *args: Any) -> T | None:
        """Run a change of the watchlist; if it cannot be saved (locked by another process for
        too long, disk full), say why in a toast instead of failing."""
        try:
            return change(*args)
        except TaskwatchError as error:
            self.notify(str(error), severity="error")
            return None

    def _dialog(self, name: str, fresh: Callable[[], Screen[Any]]) -> str:
        """Install a dialog once and reuse it: every new screen leaves tens of kilobytes of
        render caches behind in Textual (300 opened help screens cost 50 MB; one reused, 0)."""
        if not self.is_screen_installed(name):
            self.install_screen(fresh(), name)
        return name
