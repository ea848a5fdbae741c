"""``taskwatch wait``: watch tasks with the real engine until they end; the exit says how."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Iterable
from typing import TextIO

from tui.cli.common import error_word, prepared_runtime, profiles_for, warn
from tui.cli.news import News, current_step, summary_line
from tui.cli.parser import EXIT
from tui.cli.reachability import Reachability
from tui.cloud.ids import validate_task_id
from tui.cloud.safe_text import json_text, visible
from tui.cloud.status import JobStatus
from tui.engine.events import (
    CredentialRefused,
    RefreshFailed,
    SessionEvent,
    SessionListener,
    TaskFinished,
    TaskRefreshed,
)
from tui.engine.polling.poller import PollerConfig
from tui.engine.records import TaskRecord
from tui.engine.session import WatchSession
from tui.engine.session.credentials import RefusalMemo
from tui.engine.setup.config import Settings, load_settings
from tui.engine.setup.paths import database_file
from tui.engine.storage import Store
from tui.errors import (
    InvalidInputError,
    RequestError,
    TaskCenterError,
    TaskwatchError,
)
from tui.present.text import format_progress, status_text

__all__ = ["cmd_wait", "wait_for_tasks"]


class _WaitPrinter(SessionListener[None]):
    """Prints one line per status change (or JSON lines), and decides when waiting is over.

    Weather (throttling, 5xx, timeouts, resets, garbage) is retried by the engine with backoff;
    ``reach`` remembers since when no request has succeeded, so that ``wait`` can give up with
    exit 6 only when the Task Center stayed out of reach long enough.
    """

    def __init__(
        self, ids: list[str], *, quiet: bool, json_lines: bool, out: TextIO, started: float
    ) -> None:
        self.reach = Reachability(started)
        self._first_weather = False
        """Whether the event being heard starts a run of weather errors."""
        self.pending = set(ids)
        self.outcome: dict[str, str] = {}
        self.exit_code: int | None = None
        self.quiet = quiet
        self.json_lines = json_lines
        self.out = out
        self.done = asyncio.Event()
        self.news = News()
        self.ever_found: set[str] = set()
        """Tasks the cloud has returned at least once (a timeout names the others)."""

    def _print(self, record: TaskRecord, error: TaskCenterError | None = None) -> None:
        if self.quiet or (error is None and not self.news(record)):
            return  # nothing new since the last line: never the same line twice
        job = record.job
        if self.json_lines:
            line = {
                "time": time.time(),
                "task_id": record.task_id,
                "status": record.status or None,
                "progress": record.progress,
                "step": current_step(record) or None,
                "fail_reason": (job.fail_reason or None) if job else None,
                "error": error.to_dict() if error else None,
            }
            print(json_text(line), file=self.out, flush=True)
            return
        stamp = time.strftime("%H:%M:%S")
        if error is not None:
            text = f"{error_word(error)}: {error}"
        else:
            text = f"{status_text(record.status)} {format_progress(record.progress, record.status)}"
            if step := current_step(record):
                text = f"{text.rstrip()} · {step}"
            if job and job.fail_reason:
                text += f" — {job.fail_reason}"
        shown = visible(f"{stamp}  {record.task_id}  {text.rstrip()}")  # one line per change
        print(shown, file=self.out, flush=True)

    def _finish(self, code: int) -> None:
        if self.exit_code is None:
            self.exit_code = code
        self.done.set()

    def __call__(self, event: SessionEvent) -> None:
        """Take a session event: print what moved, and end once every task has."""
        self._first_weather = self.reach.observe(event)
        self.hear(event)

    def task_refreshed(self, event: TaskRefreshed) -> None:
        """A line when what it shows moved."""
        self.ever_found.add(event.record.task_id)
        if event.changed:
            self._print(event.record)

    def task_finished(self, event: TaskFinished) -> None:
        """The session's verdict, as the TUI hears it: the last one ends the wait."""
        self.pending.discard(event.record.task_id)
        self.outcome[event.record.task_id] = event.record.status
        if not self.pending:
            failed = any(JobStatus.parse(s) != JobStatus.COMPLETED for s in self.outcome.values())
            self._finish(EXIT["failed"] if failed else EXIT["ok"])

    def credential_refused(self, event: CredentialRefused) -> None:
        """A refused credential ends the wait (exit 4)."""
        self._print_error_once(event.error)
        self._finish(EXIT["authentication"])

    def refresh_failed(self, event: RefreshFailed) -> None:
        """Not found and a refused request end it; weather gets a line when a run starts."""
        if event.not_found:
            self._print(event.record, event.error)
            self._finish(EXIT["not_found"])
        elif isinstance(event.error, RequestError):
            self._print(event.record, event.error)
            self._finish(EXIT["usage"])
        elif self._first_weather:
            self._print(event.record, event.error)  # the first of a run, not each retry

    def give_up_unreachable(self, seconds: float) -> None:
        """End with exit 6, saying for how long the Task Center was out of reach and why."""
        if not self.quiet:
            error = self.reach.last_error
            why = f" (last error: {error_word(error)}: {error})" if error else ""
            warn(f"the Task Center was unreachable for {seconds:.0f} s{why}")
        self._finish(EXIT["unreachable"])

    def summary(self, records: Iterable[TaskRecord]) -> None:
        """The line that ends a wait: counts by outcome, the longest task, the first failure."""
        line, fields = summary_line(records)
        if self.json_lines:
            # A task line's keys stay (null): a script reading each line's status reads on.
            row = {"time": time.time(), "task_id": None, "status": None, "summary": fields}
            print(json_text(row), file=self.out, flush=True)
        else:
            print(f"{time.strftime('%H:%M:%S')}  done: {line}", file=self.out, flush=True)

    def _print_error_once(self, error: TaskCenterError) -> None:
        if not self.quiet:
            warn(f"{error_word(error)}: {error}")


def _refusal_memo() -> RefusalMemo:
    try:
        return RefusalMemo(Store.open(database_file()))
    except TaskwatchError:
        return RefusalMemo(None)  # nothing remembered: still correct, only less polite


def cmd_wait(args: argparse.Namespace) -> int:
    ids = [validate_task_id(value) for value in args.ids]
    settings = load_settings()
    for flag in ("interval", "timeout", "unreachable_after"):
        value = getattr(args, flag)
        if value is not None and value <= 0:
            raise InvalidInputError(f"--{flag.replace('_', '-')} must be positive")
    profiles = profiles_for(ids, args, settings)
    return asyncio.run(
        wait_for_tasks(
            ids,
            profiles,
            settings,
            args,
            interval=args.interval or settings.refresh_interval,
            give_up_after=args.timeout,
            unreachable_after=args.unreachable_after,
        )
    )


async def wait_for_tasks(
    ids: list[str],
    profiles: dict[str, str],
    settings: Settings,
    args: argparse.Namespace,
    *,
    interval: float,
    give_up_after: float | None,
    unreachable_after: float | None = None,
    out: TextIO | None = None,
) -> int:
    """Poll ``ids`` with the real engine until they end; return the exit status.

    Throttling, server errors, timeouts, resets and bad bodies are retried with backoff until
    ``give_up_after``. Exit 6 (unreachable) only once nothing has answered for
    ``unreachable_after`` seconds (by default: the whole ``give_up_after``); without either,
    ``wait`` waits out any weather.
    """
    runtime = await prepared_runtime(settings, args, set(profiles.values()))
    config = PollerConfig(
        interval=interval,
        concurrency=settings.concurrency,
        not_found_grace=settings.not_found_grace,
        backoff_max=60.0,  # a script waits for the answer: ask again at least once a minute
    )
    # No store: `wait` observes in memory and leaves the watchlist as it is. The database is
    # still asked about (and told of) refused credentials, shared with every other process.
    memo = _refusal_memo()
    session = WatchSession(None, runtime, settings, poller_config=config, refusals=memo)
    started = time.monotonic()
    printer = _WaitPrinter(
        ids, quiet=args.quiet, json_lines=args.json, out=out or sys.stdout, started=started
    )
    session.subscribe(printer)
    for task_id in ids:
        session.edits.add([task_id], profile=profiles[task_id])
    engine = asyncio.create_task(session.run())
    deadline = None if give_up_after is None else started + give_up_after
    patience = unreachable_after if unreachable_after is not None else give_up_after
    try:
        while not printer.done.is_set():
            now = time.monotonic()
            unreachable = printer.reach.unreachable_for(now)
            if patience is not None and unreachable >= patience:
                printer.give_up_unreachable(unreachable)
                break
            if deadline is not None and now >= deadline:
                if not args.quiet:
                    warn(f"timed out after {give_up_after:g} s; {_unfinished(printer)}")
                return EXIT["timeout"]
            checks = [1.0] + [t - now for t in (deadline,) if t is not None]
            if patience is not None:
                checks.append(patience - unreachable)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(printer.done.wait(), max(0.01, min(checks)))
    finally:
        session.stop()
        await engine
        await session.aclose()
        if memo.store is not None:
            memo.store.close()
    if printer.exit_code is not None and not args.quiet:
        printer.summary(session.records.values())
    return printer.exit_code if printer.exit_code is not None else EXIT["ok"]


def _unfinished(printer: _WaitPrinter) -> str:
    """What a timeout leaves: the tasks still running, and those never found."""
    never = sorted(printer.pending - printer.ever_found)
    running = sorted(printer.pending & printer.ever_found)
    parts = [f"still running: {', '.join(running)}"] if running else []
    if never:
        parts.append(f"not found (the cloud never returned them): {', '.join(never)}")
    return "; ".join(parts)
