"""A report as text: Markdown for a ticket, CSV (RFC 4180) and JSON for tools.

Outside text (labels, job names, fail reasons) is escaped for each format: it can break neither
a Markdown table nor a CSV row, and it carries no control character to a terminal. JSON is
lossless. Times are local unless ``utc``.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any

from tui.cloud.safe_text import json_object_chunks, visible
from tui.engine.report import Report, ReportTask
from tui.present.text import format_duration, status_text, step_summary, steps_note

__all__ = [
    "REPORT_FORMAT", "as_csv", "as_json", "as_markdown", "human_time", "md_cell", "zone",
]  # fmt: skip

REPORT_FORMAT = "taskwatch-report/1"
CSV_COLUMNS = (
    "task_id", "label", "job_name", "instance_name", "instance_id", "profile", "created",
    "ended", "duration_seconds", "outcome", "fail_reason", "first_seen", "last_seen", "steps",
)  # fmt: skip
"""The CSV's columns; new ones are added at the end, so a script reading by position goes on
working."""


def steps_line(task: ReportTask) -> str:
    """A task's steps in one line, ``; `` between them (unescaped); steps read before the
    task ended say so first."""
    before_end = task.steps_seen_at is not None
    line = "; ".join(step_summary(step, before_end=before_end) for step in task.steps)
    note = steps_note(task.steps_seen_at)
    return f"({note}) {line}" if note and line else line


def zone(utc: bool) -> tzinfo | None:
    """The time zone to show times in: UTC, or None for the local zone."""
    return UTC if utc else None


def _iso(moment: datetime | None, tz: tzinfo | None) -> str:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else ""


def human_time(moment: datetime | None, tz: tzinfo | None) -> str:
    """``2026-11-27 22:05:00`` in ``tz`` (None: local time); empty for None."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _zone_name(tz: tzinfo | None) -> str:
    offset = datetime.now().astimezone(tz).strftime("%z")
    return "UTC" if tz is UTC else f"local time (UTC{offset[:3]}:{offset[3:]})"


def md_cell(text: str) -> str:
    """``text`` for one Markdown table cell: it cannot end the cell, start a tag or format."""
    text = html.escape(visible(text, multiline=True), quote=False)
    text = re.sub(r"([\\`*_\[\]|])", r"\\\1", text)
    return text.replace("\t", " ").replace("\n", "<br>")


def _fence(text: str) -> str:
    """A fenced code block that ``text`` cannot close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def markdown_chunks(report: Report, *, utc: bool = False) -> Iterator[str]:
    """The report as Markdown: a heading, the totals, one table row per task, and each
    failure's full reason.

    Args:
        report: The report.
        utc: Times in UTC instead of local time.

    Yields:
        A Markdown document that pastes cleanly into a ticket, a line at a time (a report of
        100,000 tasks is written as it is made, never held whole).
    """
    tz = zone(utc)
    totals = report.totals
    yield from _lines(
        [
            f"# taskwatch report: {human_time(report.start, tz)} to {human_time(report.end, tz)}",
            "",
            f"Times in {_zone_name(tz)}. Generated {human_time(report.generated, tz)} from the "
            "local watchlist database.",
            "",
            f"**{len(report.tasks)} task{'' if len(report.tasks) == 1 else 's'}**: "
            f"{totals['completed']} completed, {totals['failed']} failed, "
            f"{totals['canceled']} canceled, {totals['running']} still running.",
        ]
    )
    if report.span:
        first, last = report.span
        yield f"Activity from {human_time(first, tz)} to {human_time(last, tz)}.\n"
    yield from _lines(
        [
            "",
            "| # | Label | Job | Instance | Profile | Created | Ended | Duration | Outcome |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
    )
    for number, task in enumerate(report.tasks, 1):
        instance = f"{task.instance_name} ({task.instance_id})" if task.instance_id else ""
        cells = [
            str(number), task.label, task.name, instance, task.profile,
            human_time(task.created, tz), human_time(task.ended, tz),
            format_duration(task.duration),
            status_text(task.outcome if task.outcome != "waiting" else ""),
        ]  # fmt: skip
        yield "| " + " | ".join(md_cell(cell) for cell in cells) + " |\n"
    yield from _section(report, "Failure reasons", lambda t: bool(t.fail_reason), _fail_reason)
    yield from _section(report, "Steps", lambda t: bool(t.steps), _steps)
    if not report.tasks:
        yield from _lines(["", "No task was active in this window."])


def as_markdown(report: Report, *, utc: bool = False) -> str:
    """The report as Markdown, whole (:func:`markdown_chunks`, joined)."""
    return "".join(markdown_chunks(report, utc=utc))


def _section(
    report: Report,
    title: str,
    shows: Callable[[ReportTask], bool],
    body: Callable[[ReportTask], Iterator[str]],
) -> Iterator[str]:
    """A Markdown section of the tasks it ``shows``, each under its number in the table (none at
    all where no task has one)."""
    shown = [(n, t) for n, t in enumerate(report.tasks, 1) if shows(t)]
    if shown:
        yield from _lines(["", f"## {title}"])
    for number, task in shown:
        heading = md_cell(f"{task.label or task.name or task.task_id}")
        yield from _lines(["", f"**{number}. {heading}** ({md_cell(task.task_id)})", ""])
        yield from body(task)


def _fail_reason(task: ReportTask) -> Iterator[str]:
    yield _fence(visible(task.fail_reason, multiline=True)) + "\n"


def _steps(task: ReportTask) -> Iterator[str]:
    before_end = task.steps_seen_at is not None
    if before_end:
        yield from _lines([f"- {md_cell(steps_note(task.steps_seen_at))}"])
    yield from _lines([f"- {md_cell(step_summary(s, before_end=before_end))}" for s in task.steps])


def _lines(lines: list[str]) -> Iterator[str]:
    return (line + "\n" for line in lines)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(text: str) -> str:
    """Outside text for a CSV cell: controls shown, and no formula a spreadsheet would run."""
    text = visible(text, multiline=True)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_chunks(report: Report, *, utc: bool = False) -> Iterator[str]:
    """The report as CSV (RFC 4180: CRLF, quoted where needed), one row per task.

    Args:
        report: The report.
        utc: Times in UTC instead of local time.

    Yields:
        A header row and one row per task, a row at a time; times in ISO 8601 with their
        offset. A text cell that a spreadsheet would read as a formula starts with ``'``.
    """
    tz = zone(utc)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for task in report.tasks:
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        duration = task.duration
        writer.writerow([
            _csv_text(task.task_id), _csv_text(task.label), _csv_text(task.name),
            _csv_text(task.instance_name), _csv_text(task.instance_id), _csv_text(task.profile),
            _iso(task.created, tz), _iso(task.ended, tz),
            "" if duration is None else f"{duration:.0f}", _csv_text(task.outcome),
            _csv_text(task.fail_reason), _iso(task.first_seen, tz), _iso(task.last_seen, tz),
            _csv_text(steps_line(task)),
        ])  # fmt: skip
    yield out.getvalue()


def as_csv(report: Report, *, utc: bool = False) -> str:
    """The report as CSV, whole (:func:`csv_chunks`, joined)."""
    return "".join(csv_chunks(report, utc=utc))


def task_data(task: ReportTask, tz: tzinfo | None) -> dict[str, Any]:
    """One task as a JSON-ready object (the CSV columns, with typed values)."""
    return {
        "task_id": task.task_id,
        "label": task.label,
        "job_name": task.name,
        "instance": {"id": task.instance_id, "name": task.instance_name},
        "profile": task.profile,
        "created": _iso(task.created, tz) or None,
        "ended": _iso(task.ended, tz) or None,
        "duration_seconds": task.duration,
        "outcome": task.outcome,
        "final": task.final,
        "fail_reason": task.fail_reason or None,
        "first_seen": _iso(task.first_seen, tz) or None,
        "last_seen": _iso(task.last_seen, tz) or None,
        "steps": [
            {
                "name": step.name,
                "status": step.status,
                "percent": step.percent,
                "percent_as_sent": step.percent_text,
                "remaining_seconds": step.remaining,
            }
            for step in task.steps
        ],
    }


def json_chunks(report: Report, *, utc: bool = False) -> Iterator[str]:
    """The report as JSON for scripts: the same data, lossless.

    Args:
        report: The report.
        utc: Times in UTC instead of local time.

    Yields:
        ``{"format", "window", "generated", "totals", "span", "tasks"}`` as indented JSON, a
        task at a time.
    """
    tz = zone(utc)
    span = report.span
    head = {
        "format": REPORT_FORMAT,
        "window": {"from": _iso(report.start, tz), "to": _iso(report.end, tz)},
        "generated": _iso(report.generated, tz),
        "totals": report.totals,
        "span": {"from": _iso(span[0], tz), "to": _iso(span[1], tz)} if span else None,
    }
    yield from json_object_chunks(head, "tasks", (task_data(t, tz) for t in report.tasks))


def as_json(report: Report, *, utc: bool = False) -> str:
    """The report as JSON, whole (:func:`json_chunks`, joined)."""
    return "".join(json_chunks(report, utc=utc))
