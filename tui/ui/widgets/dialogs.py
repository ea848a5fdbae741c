"""Modal screens: adding tasks, and the list of every key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Input,
    Label,
    OptionList,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from tui.cloud.ids import clean_label, extract_task_ids, validate_job_name
from tui.cloud.safe_text import visible
from tui.errors import InvalidInputError
from tui.present.timespec import parse_deadline

__all__ = [
    "AddRequest",
    "AddTasksScreen",
    "DeadlineChoice",
    "DeadlineScreen",
    "FollowChoice",
    "FollowScreen",
    "HelpScreen",
    "LabelScreen",
]


@dataclass(frozen=True)
class AddRequest:
    """What the add dialog returns: task IDs, a label and a profile."""

    task_ids: list[str]
    label: str
    profile: str


class AddTasksScreen(ModalScreen[AddRequest | None]):
    """Paste any text; the task IDs in it are taken. Dismisses with an AddRequest or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Add", priority=True),
    ]

    def __init__(self, profiles: Sequence[str], default_profile: str) -> None:
        super().__init__()
        self._profiles = list(dict.fromkeys([default_profile, *profiles]))
        self._default = default_profile

    def compose(self) -> ComposeResult:
        with Vertical(id="add-dialog"):
            yield Label("Add tasks", id="add-title")
            yield Label("Paste task IDs, or any text containing them (a console table, a log):")
            yield TextArea(id="add-ids", soft_wrap=True, show_line_numbers=False)
            yield Label("No task ID yet.", id="add-found")
            yield Label("Label (optional):")
            yield Input(placeholder="CHG-1234 step 3", id="add-label", max_length=80)
            if len(self._profiles) > 1:
                yield Label("Profile:")
                yield Select(
                    [(name, name) for name in self._profiles],
                    value=self._default,
                    allow_blank=False,
                    id="add-profile",
                )
            with Horizontal(id="add-buttons"):
                yield Button("Add (ctrl+s)", variant="primary", id="add-submit")
                yield Button("Cancel (esc)", id="add-cancel")

    def on_screen_resume(self) -> None:
        """Shown (again): start from empty fields (one dialog is kept and reused)."""
        self.query_one("#add-ids", TextArea).text = ""
        self.query_one("#add-label", Input).value = ""
        self.query_one("#add-ids", TextArea).focus()

    @on(TextArea.Changed, "#add-ids")
    def _count(self) -> None:
        found = extract_task_ids(self.query_one("#add-ids", TextArea).text)
        text = (
            f"{len(found)} task ID{'s' if len(found) != 1 else ''} found."
            if found
            else "No task ID yet."
        )
        self.query_one("#add-found", Label).update(text)

    @on(Button.Pressed, "#add-submit")
    @on(Input.Submitted, "#add-label")
    def action_submit(self) -> None:
        ids = extract_task_ids(self.query_one("#add-ids", TextArea).text)
        if not ids:
            self.notify(
                "No task ID in that text (task IDs are UUIDs).", severity="warning", markup=False
            )
            return
        try:
            label = clean_label(self.query_one("#add-label", Input).value)
        except InvalidInputError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        profile = self._default
        for select in self.query("#add-profile").results(Select):
            profile = str(select.value)
        self.dismiss(AddRequest(ids, label, profile))

    @on(Button.Pressed, "#add-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """Every key binding of the main screen, with what it does."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def __init__(self, bindings: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._rows = bindings

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for keys, description in self._rows:
            table.add_row(Text(keys), Text(description))
        with Vertical(id="help-dialog"):
            yield Label("Keys", id="help-title")
            with VerticalScroll():
                yield Static(table)
            yield Label("All of these are in the command palette too (ctrl+p). Esc closes.")

    def action_close(self) -> None:
        self.dismiss(None)


class LabelScreen(ModalScreen[str | None]):
    """Edit one task's label. Dismisses with the new label, or None when canceled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, task_id: str, label: str) -> None:
        super().__init__()
        self._task_id = task_id
        self._label = label

    def edit(self, task_id: str, label: str) -> None:
        """Show ``task_id``'s label next time (one dialog is kept and reused)."""
        self._task_id, self._label = task_id, label

    def compose(self) -> ComposeResult:
        with Vertical(id="label-dialog"):
            yield Label(f"Label for {self._task_id}", id="label-title")
            yield Input(value=self._label, placeholder="CHG-1234 step 3", id="label-input",
                        max_length=80)  # fmt: skip
            yield Label("Enter saves, Esc cancels. An empty label removes it.")

    def on_screen_resume(self) -> None:
        self.query_one("#label-title", Label).update(f"Label for {self._task_id}")
        field = self.query_one("#label-input", Input)
        field.value = self._label
        field.focus()

    @on(Input.Submitted, "#label-input")
    def _submit(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(clean_label(event.value))
        except InvalidInputError as exc:
            self.notify(str(exc), severity="warning", markup=False)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class DeadlineChoice:
    """What the deadline dialog returns: the new deadline (wall time), or None to clear it."""

    deadline: float | None


class DeadlineScreen(ModalScreen[DeadlineChoice | None]):
    """Set or clear one task's deadline. Dismisses with a DeadlineChoice, or None (canceled)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, task_name: str, current: str) -> None:
        super().__init__()
        self._task_name = task_name
        self._current = current

    def edit(self, task_name: str, current: str) -> None:
        """Show this task's deadline next time (one dialog is kept and reused).

        Args:
            task_name: How the task is called in the title (shown literally).
            current: The deadline as text to start from ("" for none).
        """
        self._task_name, self._current = task_name, current

    def compose(self) -> ComposeResult:
        with Vertical(id="deadline-dialog"):
            yield Label("", id="deadline-title", markup=False)
            yield Input(placeholder="40m, 2h, 23:30", id="deadline-input", max_length=40)
            yield Label("", id="deadline-error", markup=False)
            yield Label(
                "A duration from now or a local time. Enter saves, Esc cancels; "
                "an empty field removes the deadline.",
                markup=False,
            )

    def on_screen_resume(self) -> None:
        self.query_one("#deadline-title", Label).update(f"Deadline for {self._task_name}")
        self.query_one("#deadline-error", Label).update("")
        field = self.query_one("#deadline-input", Input)
        field.value = self._current
        field.focus()

    @on(Input.Submitted, "#deadline-input")
    def _submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.dismiss(DeadlineChoice(None))
            return
        try:
            deadline = parse_deadline(text, now=datetime.now().astimezone())
        except InvalidInputError as exc:
            self.query_one("#deadline-error", Label).update(f"⚠ {exc}")
            return
        self.dismiss(DeadlineChoice(deadline))

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class FollowChoice:
    """What the follow dialog returns: a new rule (instances, names; none: every one), or a
    rule to remove."""

    instance_ids: list[str]
    names: list[str]
    whole_project: bool = False
    unfollow: int | None = None


WHOLE_PROJECT = "*"


def _marked(prompt: str, *, selected: bool) -> Text:
    """An instance's line in the follow dialog: ``✔`` when selected (no colour needed)."""
    return Text(f"{'✔' if selected else ' '} {prompt}")


class FollowScreen(ModalScreen[FollowChoice | None]):
    """Follow instances: their new tasks join the watchlist by themselves; or remove a rule.

    Dismisses with a FollowChoice, or None when canceled.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Follow", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._instances: list[tuple[str, str]] = []
        self._rules: list[tuple[int, str]] = []
        self._prompts: dict[str, str] = {}
        """Each choice's words by value, in the order shown."""

    def edit(self, instances: Sequence[tuple[str, str]], rules: Sequence[tuple[int, str]]) -> None:
        """Offer these instances and show these rules next time (one dialog is reused).

        Args:
            instances: (instance ID, name) of the instances in the table.
            rules: (number, description) of the current rules.
        """
        self._instances, self._rules = list(instances), list(rules)

    def compose(self) -> ComposeResult:
        with Vertical(id="follow-dialog"):
            yield Label("Follow new tasks", id="follow-title")
            yield Label("Instances (space selects; the new tasks on them are added):")
            yield SelectionList[str](id="follow-instances")
            yield Label("Job names (optional, comma-separated; none: every job):")
            yield Input(placeholder="RebootGaussDBforMySQLInstance", id="follow-names")
            yield Label("Rules now (Delete removes the highlighted one):")
            yield OptionList(id="follow-rules")
            with Horizontal(id="follow-buttons"):
                yield Button("Follow (ctrl+s)", variant="primary", id="follow-submit")
                yield Button("Cancel (esc)", id="follow-cancel")

    def on_screen_resume(self) -> None:
        choices = self.query_one("#follow-instances", SelectionList)
        choices.clear_options()
        self._prompts = {WHOLE_PROJECT: "(the whole project)"}
        for instance_id, name in self._instances:
            self._prompts[instance_id] = visible(f"{name or '?'}  {instance_id}", limit=120)
        for value, prompt in self._prompts.items():
            choices.add_option(Selection(_marked(prompt, selected=False), value))
        rules = self.query_one("#follow-rules", OptionList)
        rules.clear_options()
        for number, description in self._rules:
            rules.add_option(
                Option(Text(visible(f"{number}: {description}", limit=120)), str(number))
            )
        if not self._rules:
            rules.add_option(Option(Text("none yet", style="dim"), "none", disabled=True))
        self.query_one("#follow-names", Input).value = ""
        choices.focus()

    @on(SelectionList.SelectedChanged, "#follow-instances")
    def _mark_selected(self, event: SelectionList.SelectedChanged[str]) -> None:
        """Selected instances say so in words (✔), not by colour alone."""
        choices = event.selection_list
        chosen = set(choices.selected)
        for index, value in enumerate(self._prompts):
            prompt = _marked(self._prompts[value], selected=value in chosen)
            choices.replace_option_prompt_at_index(index, prompt)

    def on_key(self, event: events.Key) -> None:
        rules = self.query_one("#follow-rules", OptionList)
        if event.key == "delete" and rules.has_focus and rules.highlighted is not None:
            option = rules.get_option_at_index(rules.highlighted)
            if option.id and option.id.isdigit():
                event.stop()
                self.dismiss(FollowChoice([], [], unfollow=int(option.id)))

    @on(Button.Pressed, "#follow-submit")
    @on(Input.Submitted, "#follow-names")
    def action_submit(self) -> None:
        chosen = list(self.query_one("#follow-instances", SelectionList).selected)
        text = self.query_one("#follow-names", Input).value
        try:
            names = [validate_job_name(n) for n in text.split(",") if n.strip()]
        except InvalidInputError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        whole = WHOLE_PROJECT in chosen
        instances = [str(i) for i in chosen if i != WHOLE_PROJECT]
        if not whole and not instances and not names:
            self.notify(
                "Select instances (or the whole project), or name a job.",
                severity="warning",
                markup=False,
            )
            return
        self.dismiss(FollowChoice([] if whole else instances, names, whole_project=whole))

    @on(Button.Pressed, "#follow-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
