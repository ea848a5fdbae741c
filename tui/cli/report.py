"""``taskwatch report``: the change record of a window, from the local database only."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

from tui.cli.common import open_store, write_atomically
from tui.cli.parser import EXIT
from tui.engine.report import build_report
from tui.errors import InvalidInputError
from tui.present.report_formats import csv_chunks, json_chunks, markdown_chunks
from tui.present.report_html import html_chunks
from tui.present.timespec import for_option, parse_duration, parse_moment

__all__ = ["cmd_report", "report_window"]

RENDERERS: dict[str, Callable[..., Iterable[str]]] = {
    "md": markdown_chunks,
    "csv": csv_chunks,
    "json": json_chunks,
    "html": html_chunks,
}
"""Each format's writer, in pieces: a report of 100,000 tasks is written as it is made."""
DEFAULT_WINDOW = 24 * 3600.0


def report_window(
    since: str | None, start: str | None, end: str | None, *, now: datetime
) -> tuple[datetime, datetime]:
    """The window a report covers, from ``--since`` or ``--from``/``--to``.

    Args:
        since: A duration back from now.
        start: The window's start, as typed.
        end: The window's end, as typed (default: now).
        now: The current time (aware).

    Returns:
        (start, end), aware.

    Raises:
        InvalidInputError: A malformed time or duration, or a start after the end.
    """

    def moment(text: str) -> datetime:
        return parse_moment(text, now=now)

    finish = for_option("--to", moment, end) if end else now
    if start:
        begin = for_option("--from", moment, start)
    else:
        seconds = for_option("--since", parse_duration, since) if since else DEFAULT_WINDOW
        begin = finish - timedelta(seconds=seconds)
    if begin > finish:
        raise InvalidInputError(f"--from ({start}) is after --to ({end or 'now'})")
    return begin, finish


def cmd_report(args: argparse.Namespace) -> int:
    now = datetime.now().astimezone()
    start, end = report_window(args.since, args.start, args.end, now=now)
    store = open_store(demo=args.demo)
    try:
        report = build_report(
            store,
            start=start,
            end=end,
            now=now,
            label=args.label,
            profile=getattr(args, "profile", None),
        )
    finally:
        store.close()
    text = RENDERERS[args.format](report, utc=args.utc)
    if not args.output:
        sys.stdout.writelines(text)
        return EXIT["ok"]
    path = Path(args.output)
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise InvalidInputError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"report of {len(report.tasks)} task(s) written to {path}", file=sys.stderr)
    return EXIT["ok"]
