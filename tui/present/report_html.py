"""The report as one self-contained HTML page: an inline SVG timeline and the table.

No script, no external font or stylesheet: it opens anywhere, reads with JavaScript off and
prints. Every outcome is told by a glyph and a word as well as a colour.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo

from tui.cloud.safe_text import visible
from tui.engine.report import Report, ReportTask
from tui.present.report_formats import human_time, zone
from tui.present.text import (
    axis_step,
    format_duration,
    status_icon,
    step_summary,
    steps_note,
)

__all__ = ["as_html"]

LABEL_WIDTH = 340
CHART_WIDTH = 820
ROW = 24
AXIS = 34
BREAK = 18
"""Pixels at the chart's left edge where a bar that began long before the busy part of the
window comes in, drawn with a break (its real start is in its label and tooltip)."""
BUSY_SHARE = 0.9
"""At most the tasks beyond this share (one at least) may begin before the busy part."""

STYLE = """
:root { color-scheme: light; --ok: #1a7f37; --failed: #cf222e; --canceled: #9a6700;
  --running: #0969da; --muted: #57606a; --grid: #d0d7de; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem;
  color: #1f2328; max-width: 1200px; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.window, .note { color: var(--muted); margin: 0 0 1rem; }
.totals { display: flex; gap: 1.5rem; list-style: none; padding: 0; font-weight: 600; }
svg { width: 100%; height: auto; border: 1px solid var(--grid); border-radius: 6px; }
svg text { font: 12px system-ui, sans-serif; fill: #1f2328; }
svg .tick { fill: var(--muted); }
svg line { stroke: var(--grid); }
.bar.completed { fill: var(--ok); } .bar.failed { fill: var(--failed); }
.bar.canceled { fill: var(--canceled); } .bar.running { fill: var(--running); }
svg .break { stroke: #fff; stroke-width: 2; }
table { border-collapse: collapse; width: 100%; margin-top: 1.5rem; font-size: 13px;
  table-layout: auto; }
th, td { border-bottom: 1px solid var(--grid); padding: .35rem .5rem; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
tr.task.has-more td { border-bottom: none; }
tr.more td { padding-top: 0; padding-left: 2.2rem; }
.reason { white-space: pre-wrap; margin: 0 0 .4rem; padding: .4rem .6rem;
  border-left: 3px solid var(--failed); background: #fff5f5; }
ol.steps { margin: 0; padding-left: 1.2rem; columns: 2 24rem; }
.steps-note { color: var(--muted); margin: 0 0 .2rem; }
small { color: var(--muted); }
.label { font-weight: 600; }
.outcome-failed { color: var(--failed); font-weight: 600; }
.outcome-completed { color: var(--ok); }
@media print { body { margin: 0; font-size: 11px; } svg, tr { break-inside: avoid; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
"""
_STYLE_LINE = " ".join(line.strip() for line in STYLE.splitlines() if line.strip())
"""The style sheet on one line, as the report carries it (a report is read, not its source)."""


def _esc(text: str) -> str:
    return html.escape(visible(text, multiline=True))


def _kind(task: ReportTask) -> str:
    outcome = task.outcome.lower()
    return outcome if task.final and outcome in ("completed", "failed", "canceled") else "running"


def _ticks(start: datetime, end: datetime, tz: tzinfo | None) -> list[datetime]:
    """Round local times between ``start`` and ``end``, about six to ten of them."""
    step = axis_step((end - start).total_seconds(), 10)
    local = start.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    first = midnight + timedelta(seconds=step * -(-(local - midnight).total_seconds() // step))
    ticks = []
    moment = first
    while moment <= end:
        ticks.append(moment)
        moment += timedelta(seconds=step)
    return ticks


def busy_start(tasks: list[ReportTask], end: datetime) -> datetime | None:
    """Where the timeline starts: the first start, unless one task or a few began so long
    before the rest that they would squeeze every other bar into a sliver; then from where
    :data:`BUSY_SHARE` of the tasks have started (those before come in with a break).

    Args:
        tasks: The report's tasks.
        end: The timeline's end.

    Returns:
        The start, or None without tasks.
    """
    if not tasks:
        return None
    starts = sorted(task.start for task in tasks)
    most = max(1, int(len(starts) * (1 - BUSY_SHARE)))  # outliers: one, or a tenth
    busy = 0
    # An early start is an outlier when the gap after it would take over a third of the axis.
    while busy < most and busy + 1 < len(starts):
        gap = (starts[busy + 1] - starts[busy]).total_seconds()
        if gap <= 0.5 * max(60.0, (end - starts[busy + 1]).total_seconds()):
            break
        busy += 1
    if busy == 0:
        return starts[0]
    return starts[busy] - (end - starts[busy]) * 0.03


def _timeline(report: Report, tz: tzinfo | None) -> Iterator[str]:
    """The SVG timeline, a line at a time (each piece but the first starts with a newline)."""
    span = report.span
    if span is None:
        return
    _, end = span
    start = busy_start(report.tasks, end) or span[0]
    if end <= start:
        end = start + timedelta(minutes=1)
    total = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        if moment < start:
            return LABEL_WIDTH - BREAK  # began long before: comes in through the break
        return LABEL_WIDTH + (moment - start).total_seconds() / total * CHART_WIDTH

    height = AXIS + ROW * len(report.tasks) + 8
    width = LABEL_WIDTH + CHART_WIDTH + 20
    yield (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Timeline of {len(report.tasks)} tasks">'
    )
    for tick in _ticks(start, end, tz):
        left = x(tick)
        label = tick.astimezone(tz).strftime("%H:%M" if total < 2 * 86400 else "%m-%d %H:%M")
        yield f'\n<line x1="{left:.1f}" y1="{AXIS - 6}" x2="{left:.1f}" y2="{height}"/>'
        if left + 24 <= width:  # a label at the very end would be cut
            yield (
                f'\n<text class="tick" x="{left:.1f}" y="{AXIS - 12}" text-anchor="middle">'
                f"{label}</text>"
            )
    for row, task in enumerate(report.tasks):
        top = AXIS + row * ROW
        left, right = x(task.start), x(task.end)
        kind = _kind(task)
        word = task.outcome if task.outcome != "waiting" else "Waiting"
        name = " · ".join(part for part in (task.label, task.name) if part) or task.task_id
        glyph = status_icon("" if task.outcome == "waiting" else task.outcome)
        tip = f"{name}: {word}, {_span_text(task, tz)}"
        early = task.start < start
        shown = f"{glyph} {_short(name, 40)}"
        if early:
            shown += f" (from {task.start.astimezone(tz).strftime('%H:%M')})"
        broken = (
            f'<path class="break" d="M{LABEL_WIDTH - 6},{top + 3} l4,9 l-4,9"/>' if early else ""
        )
        yield (
            f"\n<g><title>{_esc(tip)}</title>"
            f'<text x="6" y="{top + 16}">{_esc(shown)}</text>'
            f'<rect class="bar {kind}" x="{left:.1f}" y="{top + 4}" '
            f'width="{max(2.0, right - left):.1f}" height="{ROW - 8}" rx="3"/>{broken}</g>'
        )
    yield "\n</svg>"


def _steps_list(task: ReportTask) -> str:
    if not task.steps:
        return ""
    before_end = task.steps_seen_at is not None
    items = "".join(
        f"<li>{_esc(step_summary(step, before_end=before_end))}</li>" for step in task.steps
    )
    note = steps_note(task.steps_seen_at)
    heading = f'<p class="steps-note">{_esc(note)}</p>' if note else ""
    return f'{heading}<ol class="steps">{items}</ol>'


def _more(task: ReportTask) -> str:
    """A task's failure reason and steps, for the full-width row under it ("" if none)."""
    reason = f'<p class="reason">{_esc(task.fail_reason)}</p>' if task.fail_reason else ""
    return reason + _steps_list(task)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _span_text(task: ReportTask, tz: tzinfo | None) -> str:
    begin = task.start.astimezone(tz).strftime("%H:%M:%S")
    finish = task.end.astimezone(tz).strftime("%H:%M:%S")
    return f"{begin} to {finish}" + ("" if task.final else " (still running)")


def html_chunks(report: Report, *, utc: bool = False) -> Iterator[str]:
    """The report as a self-contained HTML page.

    Args:
        report: The report.
        utc: Times in UTC instead of local time.

    Yields:
        One HTML document: heading, totals, an SVG timeline (one bar per task), the table, in
        pieces (a report of 100,000 tasks is written as it is made).
    """
    tz = zone(utc)
    totals = report.totals
    title = f"taskwatch report {human_time(report.start, tz)} to {human_time(report.end, tz)}"
    offset = report.generated.astimezone(tz).strftime("%z")
    zone_text = "UTC" if utc else f"local time (UTC{offset[:3]}:{offset[3:]})"
    yield _HEAD.format(
        title=_esc(title),
        style=_STYLE_LINE,
        zone=zone_text,
        generated=human_time(report.generated, tz),
        completed=totals["completed"],
        failed=totals["failed"],
        canceled=totals["canceled"],
        running=totals["running"],
    )
    yield from _timeline(report, tz)
    yield "\n"
    if not report.tasks:
        yield '<p class="note">No task was active in this window.</p>'
    else:
        yield (
            "<table><thead><tr><th>#</th><th>Task</th><th>Instance</th><th>Created</th>"
            "<th>Ended</th><th>Duration</th><th>Outcome</th></tr></thead><tbody>"
        )
    for number, task in enumerate(report.tasks, 1):
        kind = _kind(task)
        word = task.outcome if task.outcome != "waiting" else "Waiting"
        glyph = status_icon("" if task.outcome == "waiting" else task.outcome)
        instance = f"{_esc(task.instance_name)}<br><small>{_esc(task.instance_id)}</small>"
        more = _more(task)
        label = f'<span class="label">{_esc(task.label)}</span><br>' if task.label else ""
        yield (
            f'<tr class="task{" has-more" if more else ""}">'
            f"<td>{number}</td>"
            f"<td>{label}{_esc(task.name)}<br><small>{_esc(task.task_id)} · "
            f"{_esc(task.profile)}</small></td>"
            f"<td>{instance if task.instance_id else ''}</td>"
            f"<td>{human_time(task.created, tz)}</td><td>{human_time(task.ended, tz)}</td>"
            f"<td>{format_duration(task.duration)}</td>"
            f'<td class="outcome-{kind}">{_esc(glyph)} {_esc(word)}</td>'
            "</tr>"
        )
        if more:  # the reason and the steps: the table's full width, under their task
            yield f'<tr class="more"><td colspan="7">{more}</td></tr>'

    if report.tasks:
        yield "</tbody></table>"
    yield "\n</body>\n</html>\n"


def as_html(report: Report, *, utc: bool = False) -> str:
    """The report as one HTML page, whole (:func:`html_chunks`, joined)."""
    return "".join(html_chunks(report, utc=utc))


_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<h1>{title}</h1>
<p class="window">Times in {zone}. Generated {generated} from the local
watchlist database.</p>
<ul class="totals">
<li>✔ {completed} completed</li><li>✘ {failed} failed</li>
<li>⊘ {canceled} canceled</li><li>▶ {running} still running</li>
</ul>
"""
