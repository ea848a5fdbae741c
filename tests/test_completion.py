"""Shell completion: the scripts for bash, zsh and fish; in a real bash, commands, options,
services, profiles and the watchlist's task IDs; and the completing process stays light (no
Textual, httpx or pydantic: it runs on every Tab)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ptyrun import isolated_env
from tui.cli.dispatch import main
from tui.engine.setup.paths import config_file

A = "a9767ede-fe0f-4888-9003-e843a4c90514"
BASH = r"""
source <(taskwatch completion bash)
complete -p taskwatch
ask() {
    COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
    read -ra COMP_WORDS <<< "$COMP_LINE"; [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
    _python_argcomplete taskwatch
    echo "$1 => ${COMPREPLY[*]}"
}
ask "taskwatch wa"
ask "taskwatch wait "
ask "taskwatch remove a97"
ask "taskwatch show --service g"
ask "taskwatch list --profile st"
ask "taskwatch --ver"
"""


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_each_shell(
    shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert "taskwatch" in script and "_ARGCOMPLETE" in script


def test_bash_completes_commands_options_services_profiles_and_watched_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    assert main(["add", A, "--label", "CHG-1 resize"]) == 0
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text('[profiles.staging]\nregion = "cn-north-4"\n', "utf-8")
    capsys.readouterr()
    env = isolated_env(str(tmp_path / "home"))
    env.update({key: value for key, value in __import__("os").environ.items() if "XDG" in key})
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    bash = shutil.which("bash") or "bash"
    out = subprocess.run(
        [bash, "--norc", "-c", BASH], capture_output=True, text=True, env=env, timeout=60,
        check=True,
    ).stdout  # fmt: skip
    lines = dict(line.split(" => ", 1) for line in out.splitlines()[1:])
    assert out.splitlines()[0].startswith("complete ") and out.splitlines()[0].endswith(
        " taskwatch"
    )
    assert set(lines["taskwatch wa"].split()) == {"wait", "watch"}
    assert lines["taskwatch wait "].split() == [A]
    assert lines["taskwatch remove a97"].split() == [A]
    assert set(lines["taskwatch show --service g"].split()) == {"gaussdb", "geminidb"}
    assert lines["taskwatch list --profile st"].split() == ["staging"]
    assert lines["taskwatch --ver"].split() == ["--version"]


def test_the_completing_process_imports_no_ui_network_or_model_library() -> None:
    code = (
        "import sys\n"
        "from tui.cli.parser import build_parser\n"
        "from tui.cli.completion import answer_completion, profile_names, task_ids\n"
        "answer_completion(build_parser())\n"  # not asked ($_ARGCOMPLETE unset): returns
        "task_ids(''); profile_names('')\n"
        "import argcomplete\n"
        "heavy = [m for m in ('textual', 'httpx', 'pydantic', 'rich') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"
