"""Import takes every task it can, in one transaction, and says what it changed."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tui.cli import main
from tui.cloud.ids import LABEL_MAX_LENGTH
from tui.engine.storage import Store
from tui.engine.storage.transfer import export_watchlist, import_watchlist, tidy_label


def test_hostile_and_long_labels_are_kept_visibly_and_each_change_reported(
    tmp_path: Path,
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(5)]
    data = {
        "format": "taskwatch-watchlist/1",
        "tasks": [
            {"task_id": ids[0], "label": "fine", "profile": "prod"},
            {"task_id": ids[1], "label": "bell\x07 and \x1b[2J clear"},
            {"task_id": ids[2], "label": "x" * 200},
            {"task_id": "not-a-task", "label": "lost?"},
            {"task_id": ids[3], "label": 42},
            "garbage",
            {"task_id": ids[4]},
        ],
    }
    store = Store.open(tmp_path / "w.sqlite3")
    result = import_watchlist(store, data, default_profile="default")
    assert result.added == [ids[0], ids[1], ids[2], ids[3], ids[4]]
    labels = {r.task_id: (r.label, r.profile) for r in store.list_tasks()}
    assert labels[ids[0]] == ("fine", "prod")
    assert labels[ids[1]] == ("bell␇ and ␛[2J clear", "default")
    assert len(labels[ids[2]][0]) == LABEL_MAX_LENGTH and labels[ids[2]][0].endswith("…")
    assert labels[ids[3]][0] == "42"
    notes = "\n".join(result.notes)
    assert f"{ids[1]}: label control characters shown visibly" in notes
    assert f"{ids[2]}: label cut to {LABEL_MAX_LENGTH} characters" in notes
    assert "item 4: skipped, not a task ID" in notes and "item 6: skipped, not an object" in notes


def test_an_export_imports_back_whole(tmp_path: Path) -> None:
    source = Store.open(tmp_path / "a.sqlite3")
    ids = [str(uuid.uuid4()) for _ in range(3000)]
    source.add_tasks(ids, profile="prod", label="CHG-7")
    source.set_deadline(ids[:2], 1_800_000_000.0)
    exported = json.loads(json.dumps(export_watchlist(source)))
    target = Store.open(tmp_path / "b.sqlite3")
    result = import_watchlist(target, exported, default_profile="x")
    assert result.added == ids and result.notes == []
    assert [r.task_id for r in target.list_tasks()] == ids
    deadlines = {r.task_id: r.deadline for r in target.list_tasks() if r.deadline}
    assert deadlines == dict.fromkeys(ids[:2], 1_800_000_000.0)
    again = import_watchlist(target, exported, default_profile="x")
    assert again.added == [] and again.already == ids


def test_tidy_label() -> None:
    assert tidy_label(None) == ("", None)
    assert tidy_label("  two   words ") == ("two words", None)


def test_the_cli_reports_every_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"tasks": [{"task_id": good}, {"task_id": bad, "label": "y" * 99}]}))
    assert main(["import", str(path)]) == 0
    out = capsys.readouterr()
    assert "imported 2 task(s)" in out.out and "label cut to" in out.err


def test_import_edges_are_refused_with_a_note_not_a_surprise(tmp_path: Path) -> None:
    """A duplicated ID is named, a label that is not text is not stored as its repr, and a
    profile that looks like a path is not taken."""
    store = Store.open(tmp_path / "w.sqlite3")
    a, b, c = (str(uuid.UUID(int=i + 1)) for i in range(3))
    data = {"tasks": [
        {"task_id": a, "label": "first"},
        {"task_id": a.upper(), "label": "second"},
        {"task_id": b, "label": ["x"]},
        {"task_id": c, "profile": "../../etc"},
    ]}  # fmt: skip
    result = import_watchlist(store, data, default_profile="default")
    assert sorted(result.added) == sorted([a, b, c])
    records = {r.task_id: r for r in store.list_tasks()}
    assert records[a].label == "first" and records[b].label == ""
    assert records[c].profile == "default"
    assert any("item 2: skipped, the same task as item 1" in n for n in result.notes)
    assert any("label left empty" in n for n in result.notes)
    assert any("is not a profile name" in n for n in result.notes)


def test_a_file_nested_too_deeply_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["import", str(deep)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nested too deeply" in err
