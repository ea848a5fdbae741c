"""The layers import one way (cli → ui → present → engine → cloud → errors), with no cycles, and the
layers below the UI never import Textual. Checked by reading every module's imports, including
the ones inside functions, so a lazy import cannot hide a wrong-way dependency."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import tui

PACKAGE = Path(tui.__file__).parent

# What each layer may import besides itself. The simulator is the cloud's counterpart for tests
# and --demo: only the CLI (and tests) start it.
ALLOWED: dict[str, set[str]] = {
    "tui": set(),
    "tui.errors": set(),
    "tui.cloud": {"tui", "tui.errors"},
    "tui.simulator": {"tui", "tui.errors", "tui.cloud"},
    "tui.engine": {"tui", "tui.errors", "tui.cloud"},
    # Words at the edge: the engine decides, the front ends word it through tui.present.
    "tui.present": {"tui", "tui.errors", "tui.cloud", "tui.engine"},
    # Telling the team: the engine's events, in the present layer's words, sent out.
    "tui.team": {"tui", "tui.errors", "tui.cloud", "tui.engine", "tui.present"},
    "tui.ui": {"tui", "tui.errors", "tui.cloud", "tui.engine", "tui.present", "tui.team"},
    "tui.cli": {
        "tui",
        "tui.errors",
        "tui.cloud",
        "tui.engine",
        "tui.present",
        "tui.ui",
        "tui.team",
        "tui.simulator",
    },
}
TEXTUAL_ALLOWED = {"tui.ui"}


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports_of(path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The absolute names imported anywhere in ``path`` (a ``from`` of a module counts too)."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import"
            yield node.module
            for alias in node.names:
                if f"{node.module}.{alias.name}" in modules:
                    yield f"{node.module}.{alias.name}"


def layer_of(name: str) -> str:
    """The layer a module belongs to: its package under ``tui`` (or ``tui`` itself)."""
    parts = name.split(".")
    if parts[:2] == ["tui", "__main__"]:
        return "tui.cli"  # python -m tui is the command line
    return ".".join(parts[:2]) if len(parts) > 1 else "tui"


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    return {name: set(imports_of(path, modules)) for name, path in sorted(modules.items())}


def test_layers_import_one_way() -> None:
    wrong = []
    for module, imported in import_graph().items():
        layer = layer_of(module)
        for name in imported:
            if name.split(".")[0] == "textual" and layer not in TEXTUAL_ALLOWED:
                wrong.append(f"{module} imports {name}")
            if not name.startswith("tui"):
                continue
            target = layer_of(name)
            if target != layer and target not in ALLOWED[layer]:
                wrong.append(f"{module} imports {name}")
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = import_graph()
    edges = {m: {n for n in imported if n in graph and n != m} for m, imported in graph.items()}
    # A package's __init__ importing its own submodules is how a package exposes its names.
    for module, targets in edges.items():
        edges[module] = {t for t in targets if not (t.startswith(module + ".") and t != module)}
    cycles = strongly_connected(edges)
    assert [sorted(c) for c in cycles if len(c) > 1] == []


def strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: the strongly connected components of a directed graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            found.append(component)

    for node in edges:
        if node not in index:
            visit(node)
    return found


def test_the_checks_see_a_wrong_way_import_and_a_cycle() -> None:
    """The checkers themselves: a cycle and an upward import in a made-up graph are found."""
    assert {"a", "b"} in strongly_connected({"a": {"b"}, "b": {"a"}, "c": {"a"}})
    assert layer_of("tui.engine.storage") == "tui.engine"
    assert "tui.ui" not in ALLOWED[layer_of("tui.engine.session")]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(out.stdout.split())


def test_scripting_commands_do_not_load_textual() -> None:
    loaded = _modules_after("from tui.cli import main\nmain(['list'])")
    assert "textual" not in loaded


def test_importing_the_package_is_cheap() -> None:
    loaded = _modules_after("import tui")
    assert not {"httpx", "pydantic", "textual", "sqlite3"} & loaded


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_load_neither_textual_nor_the_http_stack(flag: str) -> None:
    loaded = _modules_after(
        f"from tui.cli import main\ntry:\n    main([{flag!r}])\nexcept SystemExit:\n    pass"
    )
    assert not {"textual", "httpx", "pydantic", "rich"} & {m.split(".")[0] for m in loaded}


def test_the_tui_paints_without_the_http_stack_or_pydantic() -> None:
    """What the first screen needs (the app, the store, the session) loads neither: they come
    with the clients, after the first paint."""
    loaded = _modules_after(
        "import tui.cli.dispatch, tui.engine.setup.logs, tui.cli.launch, tui.ui.app"
    )
    assert "textual" in loaded
    assert not {"httpx", "pydantic"} & {m.split(".")[0] for m in loaded}
