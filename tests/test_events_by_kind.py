"""Events are heard by kind: every event reaches the listener method named for it, and the
front ends do not sort events by testing their types."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

from tui.engine import events
from tui.engine.events import SessionEvent, SessionListener

TUI = Path(__file__).parents[1] / "tui"
EVENT_NAMES = {cls.__name__ for cls in typing.get_args(SessionEvent)}


def _method_name(cls: type) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", cls.__name__).lower()


class _Recorder(SessionListener[str]):
    def otherwise(self, event: SessionEvent) -> str:
        return "otherwise"


def test_every_event_reaches_the_method_named_for_it() -> None:
    classes = typing.get_args(SessionEvent)
    assert len(classes) == 13
    for cls in classes:
        name = _method_name(cls)
        heard: list[object] = []

        class One(SessionListener[str]):
            pass

        def method(self: object, event: object, _heard: list[object] = heard) -> str:
            _heard.append(event)
            return "mine"

        setattr(One, name, method)
        event = object.__new__(cls)  # the fields do not matter to the delivery
        assert One().hear(event) == "mine", cls.__name__
        assert heard == [event]
        # Without a method of its own a listener falls back to otherwise().
        assert _Recorder().hear(event) == "otherwise"


def test_a_listener_ignores_what_it_has_no_method_for() -> None:
    assert SessionListener[None]().hear(events.WatchlistChanged()) is None


def _event_type_tests(tree: ast.AST) -> list[int]:
    """Lines of ``isinstance(x, <a session event class>)`` calls."""
    lines = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance"
            and len(node.args) == 2
        ):
            continue
        named = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
        named |= {n.attr for n in ast.walk(node.args[1]) if isinstance(n, ast.Attribute)}
        if named & (EVENT_NAMES | {"SessionReported", "InputEvent"}):
            lines.append(node.lineno)
    return lines


def test_at_most_six_isinstance_tests_on_events_remain_in_tui() -> None:
    found = {
        f"{path.relative_to(TUI)}:{line}"
        for path in TUI.rglob("*.py")
        for line in _event_type_tests(ast.parse(path.read_text()))
    }
    assert len(found) <= 6, sorted(found)


def test_the_count_sees_a_type_test_on_an_event() -> None:
    tree = ast.parse("if isinstance(event, TaskRefreshed | RefreshFailed):\n    pass\n")
    assert _event_type_tests(tree) == [1]
