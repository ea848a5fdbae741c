"""On a shared jump host the watchlist and the log are the owner's alone: created 0600 in 0700
folders, and loose ones from before tightened, saying so once."""

from __future__ import annotations

import logging
import stat
import uuid
from pathlib import Path

import pytest

from tui.cli import main
from tui.engine.setup.logs import setup_logging
from tui.engine.setup.paths import database_file, log_dir, log_file, state_dir


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_watchlist_and_log_are_private(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", str(uuid.uuid4())]) == 0
    logging.getLogger("tui.test").warning("something to log")
    logging.shutdown()
    db = database_file()
    assert _mode(db.parent) == 0o700 and _mode(db) == 0o600
    for side in db.parent.glob(db.name + "-*"):
        assert _mode(side) == 0o600, side
    assert _mode(log_dir()) == 0o700 and _mode(log_file()) == 0o600
    assert log_dir().parent == state_dir() and _mode(state_dir()) == 0o700
    assert "readable by others" not in capsys.readouterr().err


def test_loose_files_from_before_are_tightened_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", str(uuid.uuid4())]) == 0
    db = database_file()
    db.chmod(0o644)
    db.parent.chmod(0o755)
    capsys.readouterr()
    assert main(["list"]) == 0
    first = capsys.readouterr().err
    assert first.count("readable by others") == 2 and "0644" in first and "0755" in first
    assert _mode(db) == 0o600 and _mode(db.parent) == 0o700
    assert main(["list"]) == 0
    assert "readable by others" not in capsys.readouterr().err  # said once


def test_a_loose_log_is_tightened() -> None:
    path = log_dir() / "taskwatch.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("old\n")
    path.chmod(0o644)
    setup_logging(path=path)
    logging.getLogger("tui.test").warning("x")
    logging.shutdown()
    assert _mode(path) == 0o600


def test_folders_made_above_the_log_are_private_and_a_loose_state_folder_is_tightened() -> None:
    assert not state_dir().parent.exists()  # a fresh home: $XDG_STATE_HOME is made too
    setup_logging()
    logging.shutdown()
    assert _mode(state_dir().parent) == 0o700 and _mode(state_dir()) == 0o700
    state_dir().chmod(0o755)
    setup_logging()
    logging.shutdown()
    assert _mode(state_dir()) == 0o700
