"""Data flows one way: the core (client, models, store, poller, simulator) never imports Textual,
and the scripting commands do not pay for it either."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "tui.models", "tui.signing", "tui.client", "tui.store", "tui.poller", "tui.config",
    "tui.credentials", "tui.simulator", "tui.runtime", "tui.terminal", "tui.present",
]  # fmt: skip


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(out.stdout.split())


def test_core_never_imports_textual() -> None:
    loaded = _modules_after("\n".join(f"import {name}" for name in CORE))
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_scripting_commands_do_not_load_textual() -> None:
    loaded = _modules_after("from tui.cli import main\nmain(['list'])")
    assert "textual" not in loaded


def test_importing_the_package_is_cheap() -> None:
    loaded = _modules_after("import tui")
    assert not {"httpx", "pydantic", "textual", "sqlite3"} & loaded
