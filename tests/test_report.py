"""`taskwatch report`: a window built on a fixed clock, rendered in every format and parsed back;
hostile text escaped for each; bad input refused with exit 2."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.report_fixtures import IDS, NOW, REASON, at, cloud_time, window_store
from tui.cli import main
from tui.cloud.models import parse_job_dict
from tui.engine.report import Report, build_report
from tui.engine.setup.paths import database_file
from tui.engine.storage import Store
from tui.present.report_formats import as_csv, as_json, as_markdown
from tui.present.report_html import as_html


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return window_store(tmp_path / "w.sqlite3")


@pytest.fixture
def report(store: Store) -> Report:
    return build_report(store, start=at(-60), end=NOW, now=NOW)


def test_the_window_holds_what_was_active_in_it_in_time_order(report: Report) -> None:
    keys = {v: k for k, v in IDS.items()}
    assert [keys[t.task_id] for t in report.tasks] == [
        "done", "removed", "failed", "canceled", "running",
    ]  # fmt: skip
    assert report.totals == {"completed": 2, "failed": 1, "canceled": 1, "running": 1}
    assert report.span == (at(-55), NOW)
    running = report.tasks[-1]
    assert running.end == NOW and running.ended is None and running.duration is None
    assert report.tasks[0].duration == 15 * 60


def test_label_and_profile_narrow_the_report(store: Store) -> None:
    only = build_report(store, start=at(-60), end=NOW, now=NOW, label="chg-1042")
    assert {t.label for t in only.tasks} == {"CHG-1042 | step <2>", "CHG-1042 reboot",
                                             "CHG-1042 removed"}  # fmt: skip
    assert build_report(store, start=at(-60), end=NOW, now=NOW, profile="dev").tasks == []


def _md_rows(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("| ")][1:]  # past the header
    return [re.split(r"(?<!\\)\|", row.strip())[1:-1] for row in rows]


def test_markdown_table_has_one_row_per_task_and_hostile_text_cannot_break_it(
    report: Report,
) -> None:
    text = as_markdown(report, utc=True)
    rows = _md_rows(text)
    assert len(rows) == 5 and all(len(row) == 9 for row in rows)
    failed = rows[2]
    assert failed[1].strip() == r"CHG-1042 \| step &lt;2&gt;"
    assert "\x1b" not in text and "<script>" not in text.split("## Failure reasons")[0]
    reason_block = text.split("## Failure reasons")[1]
    assert "alert(1)" in reason_block and "␛]52;c;QQ==␇" in reason_block  # whole, visible
    assert "2 completed, 1 failed, 1 canceled, 1 still running" in text
    assert "2026-11-27 22:05:00" in text  # UTC


def test_csv_parses_back_row_for_row(report: Report) -> None:
    rows = list(csv.reader(io.StringIO(as_csv(report, utc=True), newline="")))
    header, body = rows[0], rows[1:]
    assert header[0] == "task_id" and len(body) == 5
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    failed = by_id[IDS["failed"]]
    assert failed["fail_reason"] == REASON.replace("\x1b", "␛").replace("\x07", "␇")
    assert failed["created"] == "2026-11-27T22:15:00+00:00"
    assert failed["duration_seconds"] == str(25 * 60)
    assert by_id[IDS["done"]]["label"] == "'=HYPERLINK(1)"  # not a formula in a spreadsheet
    assert by_id[IDS["running"]]["ended"] == ""
    assert "\r\n" in as_csv(report)


def test_json_is_lossless(report: Report) -> None:
    data = json.loads(as_json(report, utc=True))
    assert data["format"] == "taskwatch-report/1"
    assert data["totals"]["failed"] == 1 and len(data["tasks"]) == 5
    assert data["tasks"][2]["fail_reason"] == REASON
    assert data["window"] == {
        "from": "2026-11-27T22:00:00+00:00",
        "to": "2026-11-27T23:00:00+00:00",
    }


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.bars: list[str] = []
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "rect" and "bar" in (values.get("class") or "").split():
            self.bars.append(values.get("class") or "")
        self.external += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_with_one_bar_per_task(report: Report) -> None:
    page = _Page()
    page.feed(as_html(report, utc=True))
    assert len(page.bars) == 5
    assert sorted(bar.split()[1] for bar in page.bars) == [
        "canceled", "completed", "completed", "failed", "running",
    ]  # fmt: skip
    assert "script" not in page.tags and page.external == [] and "svg" in page.tags
    text = "".join(page.text)
    assert "<script>alert(1)</script>" in text  # shown as text, never as a tag
    assert "✘ Failed" in text and "✔ Completed" in text  # glyph and word, not colour alone
    assert "\x1b" not in text


def test_an_empty_window_is_a_valid_empty_report(store: Store) -> None:
    empty = build_report(store, start=at(60), end=at(120), now=NOW)
    assert empty.tasks == [] and empty.span is None
    assert "No task was active" in as_markdown(empty)
    assert list(csv.reader(io.StringIO(as_csv(empty)))) == [next(csv.reader(io.StringIO(
        as_csv(empty))))]  # fmt: skip
    assert json.loads(as_json(empty))["tasks"] == []
    page = _Page()
    page.feed(as_html(empty))
    assert page.bars == []


# -- the command ---------------------------------------------------------------------------------


def _watch_now(label: str) -> str:
    task_id = IDS["failed"]
    store = Store.open(database_file())
    now = datetime.now(UTC)
    store.add_tasks([task_id], profile="default", label=label)
    job = parse_job_dict({
        "id": task_id, "name": "RebootGaussDBforMySQLInstance", "status": "Failed",
        "created": cloud_time(now - timedelta(minutes=30)),
        "ended": cloud_time(now - timedelta(minutes=5)),
        "process": "", "fail_reason": REASON, "instance": {"id": "x", "name": "y"},
    })  # fmt: skip
    store.record_success(task_id, job, now=now.timestamp())
    store.close()
    return task_id


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "html"])
def test_report_command_writes_each_format_atomically(fmt: str, tmp_path: Path) -> None:
    _watch_now("CHG-9")
    target = tmp_path / "out" / f"report.{fmt}"
    assert main(["report", "--since", "2h", "--format", fmt, "--output", str(target)]) == 0
    text = target.read_text("utf-8")
    assert "\x1b" not in text.replace("\\u001b", "")
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left
    if fmt == "json":
        assert json.loads(text)["tasks"][0]["label"] == "CHG-9"


def test_report_command_prints_markdown_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    _watch_now("CHG-9")
    assert main(["report", "--label", "chg-9"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# taskwatch report") and len(_md_rows(out)) == 1
    assert main(["report", "--label", "nothing-like-it"]) == 0
    assert "No task was active" in capsys.readouterr().out


def _exit_code(argv: list[str]) -> int:
    """The exit status, whether main returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


@pytest.mark.parametrize(
    "argv",
    [
        ["--since", "soon"],
        ["--from", "tomorrow"],
        ["--from", "23:00", "--to", "22:00"],
        ["--since", "2h", "--from", "22:00"],
        ["--format", "pdf"],
    ],
)
def test_bad_windows_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit_code(["report", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and err[-1].startswith(("taskwatch: ", "taskwatch report: error:"))


def test_an_unwritable_output_is_refused_and_nothing_is_half_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _watch_now("CHG-9")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")  # (root may write anywhere a mode would forbid)
    assert main(["report", "--output", str(blocker / "r.md")]) == 2
    assert blocker.read_text() == "not a directory"
    assert not (blocker.parent / "r.md").exists()
    assert "cannot write" in capsys.readouterr().err


def test_every_csv_cell_is_escaped_the_task_id_too(report: Report) -> None:
    """A task ID that reached the database before list IDs were checked (or by a hand-edited
    file) cannot print an escape sequence or a live formula."""
    import dataclasses

    hostile = dataclasses.replace(report.tasks[0], task_id="@sum(1+1)\x1b]2;pwned\x07\x1b[2J")
    text = as_csv(dataclasses.replace(report, tasks=[hostile]), utc=True)
    assert "\x1b" not in text and "\x07" not in text
    [row] = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert row[0].startswith("'@sum(1+1)")


@pytest.mark.parametrize("count", [0, 1, 3])
def test_json_written_in_pieces_is_the_json_of_the_whole(count: int) -> None:
    from tui.cloud.safe_text import json_object_chunks, json_text

    items = [{"n": n, "text": "\x1b]2;x\x07 ünï"} for n in range(count)]
    head = {"format": "x", "nested": {"a": [1, 2]}}
    text = "".join(json_object_chunks(head, "items", iter(items)))
    assert json.loads(text) == {**head, "items": items}
    assert text == json_text({**head, "items": items}, indent=2) + "\n"  # the same bytes
    assert "\x1b" not in text


def test_steps_are_in_every_format_and_in_the_export_escaped_for_each(store: Store) -> None:
    from tui.cloud.steps import parse_steps_response
    from tui.engine.storage.transfer import export_watchlist

    hostile = "Check | <b>x</b> [x](http://evil)\x1b[2J"
    answer = {"sub_task_list": [
        {"sub_task_name": "Pre-check", "status": "Completed", "percent": "100",
         "remaining_time": "0"},
        {"sub_task_name": hostile, "status": "Running", "percent": "lots",
         "remaining_time": "90"},
    ]}  # fmt: skip
    steps = parse_steps_response(json.dumps(answer)).to_json()
    assert store.record_steps(IDS["running"], steps, now=at(-2).timestamp())
    report = build_report(store, start=at(-60), end=NOW, now=NOW)

    markdown = as_markdown(report, utc=True)
    section = markdown.split("## Steps", 1)[1]
    assert "- Pre-check: Completed 100%" in section
    assert "Check \\| &lt;b&gt;x&lt;/b&gt; \\[x\\](http://evil)␛\\[2J: Running" in section
    assert "\x1b" not in markdown

    rows = list(csv.DictReader(io.StringIO(as_csv(report, utc=True), newline="")))
    [running] = [row for row in rows if row["task_id"] == IDS["running"]]
    assert running["steps"].startswith("Pre-check: Completed 100%; Check | <b>x</b>")
    assert "(percent 'lots')" in running["steps"] and "\x1b" not in running["steps"]

    data = json.loads(as_json(report, utc=True))
    [task] = [t for t in data["tasks"] if t["task_id"] == IDS["running"]]
    assert task["steps"][1] == {
        "name": hostile, "status": "Running", "percent": None, "percent_as_sent": "lots",
        "remaining_seconds": 90,
    }  # fmt: skip
    assert all(t["steps"] == [] for t in data["tasks"] if t["task_id"] != IDS["running"])

    page = _Page()
    page.feed(as_html(report, utc=True))
    assert "b" not in page.tags and "Check | <b>x</b>" in "".join(page.text)

    [exported] = [t for t in export_watchlist(store)["tasks"] if t["task_id"] == IDS["running"]]
    assert exported["steps"]["sub_task_list"][1]["sub_task_name"] == hostile  # lossless JSON
