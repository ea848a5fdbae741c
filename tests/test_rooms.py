"""Rooms that fit in a head: no class in ``tui/`` over 300 lines, no function over 80."""

from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).parents[1] / "tui"
CLASS_LINES, FUNCTION_LINES = 300, 80


def _sizes(tree: ast.AST) -> list[tuple[str, str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            found.append((kind, node.name, (node.end_lineno or node.lineno) - node.lineno + 1))
    return found


def test_no_class_over_300_lines_and_no_function_over_80() -> None:
    too_large = []
    for path in sorted(TUI.rglob("*.py")):
        for kind, name, lines in _sizes(ast.parse(path.read_text())):
            bound = CLASS_LINES if kind == "class" else FUNCTION_LINES
            if lines > bound:
                too_large.append(f"{path.relative_to(TUI)}: {kind} {name}, {lines} lines")
    assert too_large == []


def test_the_measure_sees_a_large_function() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(90))
    sizes = _sizes(ast.parse(f"def big():\n{body}\n"))
    assert sizes == [("function", "big", 91)]
