"""``taskwatch watch``: the engine without the TUI, for a systemd unit or a night without tmux.

It polls the watchlist (when it holds the polling lease; otherwise it reads the holder's
results), runs follow rules and deadlines, tells the team through the ``[[notify]]`` sinks and
prints one line per change (``--json``: one JSON object per line). It needs no terminal:
stdin may be closed and stdout a pipe. SIGTERM and SIGINT end it with exit 0 once what is
waiting has been sent (five seconds at most; what could not be is counted, on stderr, in the log
and as an ``undelivered`` line); a closed stdout (``watch | head -1``) ends it quietly, exit 0.
``--until-done`` ends it when every watched task is final, with ``wait``'s exit statuses, or
with 6 when the Task Center stays unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from typing import Any, TextIO

from tui.cli.common import error_word, warn
from tui.cli.news import News, current_step, summary_line
from tui.cli.parser import EXIT
from tui.cli.reachability import Reachability
from tui.cloud.safe_text import json_text, visible
from tui.cloud.status import JobStatus
from tui.engine.events import (
    CredentialRefused,
    CredentialRestored,
    DeadlineWarning,
    FollowingChanged,
    LeaseChanged,
    RefreshFailed,
    SessionEvent,
    SessionListener,
    SinkChanged,
    TaskRefreshed,
    TasksDiscovered,
)
from tui.engine.records import TaskRecord
from tui.engine.session import WatchSession
from tui.errors import InvalidInputError, JobNotFoundError
from tui.present.text import (
    format_clock,
    format_progress,
    status_text,
    task_title,
    tasks_count,
)
from tui.team.notifier import CLOSE_PATIENCE

__all__ = ["WatchPrinter", "cmd_watch", "watch"]

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0
"""Seconds between looks at the database (another process's writes) and at deadlines."""
REASON_CHARS = 2000
"""Characters of a fail reason a line carries (the whole one is in ``show --json``)."""
UNREACHABLE_AFTER = 300.0
"""``--until-done``: seconds without any answer after which it ends with exit 6."""


class WatchPrinter(SessionListener[None]):
    """A line per change worth one (:class:`~tui.cli.news.News`), as text or JSON.

    Args:
        out: Where lines go (stdout, a pipe).
        json_lines: One JSON object per line instead of text.
        verbose: A line for every answer.
    """

    def __init__(self, out: TextIO, *, json_lines: bool, verbose: bool = False) -> None:
        self.out = out
        self.json_lines = json_lines
        self._news = News(verbose=verbose)
        self.refused = False
        """A credential was refused (``--until-done`` then ends with exit 4)."""
        self.closed = asyncio.Event()
        """Set when stdout was closed by its reader (``watch | head -1``): time to stop."""
        self.reach = Reachability(time.monotonic())

    def __call__(self, event: SessionEvent) -> None:
        """Print ``event`` if it is a change worth a line."""
        self.reach.observe(event)
        self.hear(event)

    def task_refreshed(self, event: TaskRefreshed) -> None:
        """A line when what it shows moved (every answer with ``--verbose``)."""
        if (event.changed or self._news.verbose) and self._news(event.record):
            self._task("task", event.record)

    def refresh_failed(self, event: RefreshFailed) -> None:
        """A line for the first of a run of failures, not for every retry."""
        error = event.error
        if event.not_found or (event.failures == 1 and not isinstance(error, JobNotFoundError)):
            text = f"{error_word(error)}: {error}"
            self._task("error", event.record, text, error=error.to_dict())

    def deadline_warning(self, event: DeadlineWarning) -> None:
        """A line when a task is overdue or at risk."""
        deadline = format_clock(event.record.deadline) if event.record.deadline else "?"
        word = "overdue" if event.kind == "overdue" else "at risk"
        self._task(event.kind, event.record, f"⚑ {word} (deadline {deadline})")

    def tasks_discovered(self, event: TasksDiscovered) -> None:
        """A line for tasks a follow rule added."""
        self._line("discovered", event.message, task_ids=list(event.task_ids))

    def credential_refused(self, event: CredentialRefused) -> None:
        """A line, and ``--until-done`` will end with exit 4."""
        self.refused = True
        self._line("credential", f"refused ({', '.join(event.profiles)}): {event.error}")

    def credential_restored(self, event: CredentialRestored) -> None:
        """A line: the credential may be used again."""
        self._line("credential", f"usable again ({', '.join(event.profiles)})")

    def sink_changed(self, event: SinkChanged) -> None:
        """A line when a team sink stops or starts delivering."""
        state = f"not delivered: {event.problem}" if event.problem else "delivering again"
        self._line("sink", f"{event.sink}: {state}", sink=event.sink)

    def following_changed(self, event: FollowingChanged) -> None:
        """A line when following a profile fails or pauses."""
        if event.problem:
            self._line("following", event.problem, profile=event.profile)

    def lease_changed(self, event: LeaseChanged) -> None:
        """A line when this process starts or stops polling."""
        self._line("lease", event.message, polling=event.holds)

    def _task(self, kind: str, record: TaskRecord, text: str | None = None, **extra: Any) -> None:
        job = record.job
        if self.json_lines:
            self._json(
                kind,
                task_id=record.task_id,
                label=record.label or None,
                name=(job.name or None) if job else None,
                status=record.status or None,
                progress=record.progress,
                step=current_step(record) or None,
                fail_reason=_reason_cut(job.fail_reason) if job else None,
                **extra,
            )
            return
        if text is None:
            text = f"{status_text(record.status)} {format_progress(record.progress, record.status)}"
            if step := current_step(record):
                text = f"{text.rstrip()} · {step}"
            if job and job.fail_reason:
                text = f"{text.rstrip()} — {_reason_cut(job.fail_reason)}"
        self._text(f"{record.task_id}  {task_title(record)[:60]}  {text.rstrip()}")

    def _line(self, kind: str, text: str, **extra: Any) -> None:
        if self.json_lines:
            self._json(kind, message=text, **extra)
        else:
            self._text(text)

    def _text(self, text: str) -> None:
        self._print(visible(f"{time.strftime('%H:%M:%S')}  {text}"))

    def _json(self, kind: str, **fields: Any) -> None:
        self._print(json_text({"time": time.time(), "event": kind, **fields}))

    def _print(self, line: str) -> None:
        """Write a line; a reader that went away ends ``watch``, never the engine mid-poll."""
        if self.closed.is_set():
            return
        try:
            print(line, file=self.out, flush=True)
        except (BrokenPipeError, ValueError):  # ValueError: the stream was closed
            self.closed.set()
            with contextlib.suppress(OSError, ValueError):
                # Python's last flush at exit would hit the broken pipe again: point it away.
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.out.fileno())

    def line(self, kind: str, text: str, **extra: Any) -> None:
        """Print a line of ``watch``'s own (a start, a loss at exit), as text or JSON.

        Args:
            kind: The JSON line's ``event``.
            text: The words.
            **extra: More JSON fields.
        """
        self._line(kind, text, **extra)


def _reason_cut(reason: str) -> str | None:
    """A fail reason for one line: at most :data:`REASON_CHARS` characters, its length said."""
    if len(reason) <= REASON_CHARS:
        return reason or None
    return f"{reason[:REASON_CHARS]}… ({len(reason):,} characters in all)"


def _outcome(session: WatchSession, printer: WatchPrinter, patience: float) -> int | None:
    """``wait``'s exit status once every watched task is final (None while some are not)."""
    records = list(session.records.values())
    if printer.refused:
        return EXIT["authentication"]
    unreachable = printer.reach.unreachable_for(time.monotonic())
    if records and unreachable >= patience:
        error = printer.reach.last_error
        why = f" (last error: {error_word(error)}: {error})" if error else ""
        warn(f"the Task Center was unreachable for {unreachable:.0f} s{why}")
        return EXIT["unreachable"]
    if any(record.not_found for record in records):
        return EXIT["not_found"]
    if not all(record.is_final for record in records):
        return None
    failed = any(JobStatus.parse(record.status) != JobStatus.COMPLETED for record in records)
    return EXIT["failed"] if failed else EXIT["ok"]


async def watch(
    session: WatchSession,
    *,
    until_done: bool,
    json_lines: bool,
    out: TextIO,
    stop: asyncio.Event | None = None,
    unreachable_after: float = UNREACHABLE_AFTER,
    notice: str | None = None,
    verbose: bool = False,
) -> int:
    """Run ``session`` headless until stopped (or, with ``until_done``, until all are final).

    Args:
        session: A session over the watchlist (it connects here).
        until_done: End when every watched task is final, with ``wait``'s exit statuses.
        json_lines: One JSON object per line.
        out: Where lines go.
        stop: Set to end (SIGTERM and SIGINT set it); a new event by default.
        unreachable_after: ``until_done``: seconds without an answer before exit 6.
        notice: What opening the watchlist found (moved aside after corruption, tightened
            permissions): said on stderr and in the log before anything else.
        verbose: A line for every answer, not only for a change worth one.

    Returns:
        The exit status: 0 when stopped, else as for ``wait``.
    """
    from tui.team.notifier import notifier_for

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(number, stop.set)
    printer = WatchPrinter(out, json_lines=json_lines, verbose=verbose)
    if notice:
        for sentence in notice.splitlines():
            log.warning("%s", sentence)
            warn(sentence)
    session.subscribe(printer)
    await session.start()
    notifier = notifier_for(session, os.environ)
    count = len(session.records)
    where = ", ".join(session.connecting.places) or "no profile"
    printer.line("start", f"watching {tasks_count(count)} on {where}", tasks=count)
    engine = asyncio.create_task(session.run())
    code: int | None = None
    try:
        while not stop.is_set() and not printer.closed.is_set():
            session.check_outside_changes()
            session.deadlines.check_all()
            if until_done and (code := _outcome(session, printer, unreachable_after)) is not None:
                summary, fields = summary_line(session.records.values())
                printer.line("summary", summary, **fields)
                break
            if engine.done():
                engine.result()  # a crash of the engine is not a quiet exit 0
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_either(stop, printer.closed), CHECK_EVERY)
    finally:
        session.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(engine, CLOSE_PATIENCE)
        if notifier is not None and (lost := await notifier.aclose(CLOSE_PATIENCE)):
            warn(lost.sentence())
            printer.line("undelivered", lost.sentence(), count=lost.count, sinks=list(lost.sinks))
        await session.aclose()
    return EXIT["ok"] if code is None else code


async def _either(*events: asyncio.Event) -> None:
    """Wait until any of ``events`` is set."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


def cmd_watch(args: argparse.Namespace) -> int:
    from tui.cli.launch import prepare

    patience = args.unreachable_after
    if patience is not None and patience <= 0:
        raise InvalidInputError("--unreachable-after must be positive")
    prepared = prepare(args, kind="watch")
    try:
        return asyncio.run(
            watch(
                prepared.session,
                until_done=args.until_done,
                json_lines=args.json,
                out=sys.stdout,
                unreachable_after=UNREACHABLE_AFTER if patience is None else patience,
                notice=prepared.notice,
                verbose=args.verbose,
            )
        )
    finally:
        prepared.close()
