"""``taskwatch wait``: watch tasks with the real engine until they end; the exit says how."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TextIO

from tui.cli.common import error_word, profiles_for, runtime_or_raise, warn
from tui.cli.parser import EXIT
from tui.cloud.ids import validate_task_id
from tui.cloud.safe_text import json_text, visible
from tui.cloud.status import JobStatus
from tui.engine.config import Settings, load_settings
from tui.engine.events import CredentialRefused, RefreshFailed, SessionEvent, TaskRefreshed
from tui.engine.poller import PollerConfig
from tui.engine.present import format_progress, status_text
from tui.engine.records import TaskRecord
from tui.engine.session import WatchSession
from tui.errors import (
    AuthenticationError,
    InvalidInputError,
    JobNotFoundError,
    RequestError,
    TaskCenterError,
)

__all__ = ["cmd_wait", "wait_for_tasks"]

UNREACHABLE_AFTER = 3  # consecutive network/server failures of a task before `wait` gives up


class _WaitPrinter:
    """Prints one line per status change (or JSON lines), and decides when waiting is over."""

    def __init__(self, ids: list[str], *, quiet: bool, json_lines: bool, out: TextIO) -> None:
        self.pending = set(ids)
        self.outcome: dict[str, str] = {}
        self.exit_code: int | None = None
        self.quiet = quiet
        self.json_lines = json_lines
        self.out = out
        self.done = asyncio.Event()

    def _print(self, record: TaskRecord, error: TaskCenterError | None = None) -> None:
        if self.quiet:
            return
        job = record.job
        if self.json_lines:
            line = {
                "time": time.time(),
                "task_id": record.task_id,
                "status": record.status or None,
                "progress": record.progress,
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
            if job and job.fail_reason:
                text += f" — {job.fail_reason}"
        shown = visible(f"{stamp}  {record.task_id}  {text.rstrip()}")  # one line per change
        print(shown, file=self.out, flush=True)

    def _finish(self, code: int) -> None:
        if self.exit_code is None:
            self.exit_code = code
        self.done.set()

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, TaskRefreshed) and event.changed:
            self._print(event.record)
            if event.record.is_final:
                self.pending.discard(event.record.task_id)
                self.outcome[event.record.task_id] = event.record.status
                if not self.pending:
                    failed = any(
                        JobStatus.parse(s) != JobStatus.COMPLETED for s in self.outcome.values()
                    )
                    self._finish(EXIT["failed"] if failed else EXIT["ok"])
        elif isinstance(event, CredentialRefused):
            self._print_error_once(event.error)
            self._finish(EXIT["authentication"])
        elif isinstance(event, RefreshFailed):
            if event.not_found:
                self._print(event.record, event.error)
                self._finish(EXIT["not_found"])
            elif isinstance(event.error, RequestError):
                self._print(event.record, event.error)
                self._finish(EXIT["usage"])
            elif event.failures >= UNREACHABLE_AFTER and not isinstance(
                event.error, JobNotFoundError | AuthenticationError
            ):
                self._print(event.record, event.error)
                self._finish(EXIT["unreachable"])

    def _print_error_once(self, error: TaskCenterError) -> None:
        if not self.quiet:
            warn(f"{error_word(error)}: {error}")


def cmd_wait(args: argparse.Namespace) -> int:
    ids = [validate_task_id(value) for value in args.ids]
    settings = load_settings()
    if args.interval is not None and args.interval <= 0:
        raise InvalidInputError("--interval must be positive")
    profiles = profiles_for(ids, args, settings)
    return asyncio.run(
        wait_for_tasks(
            ids,
            profiles,
            settings,
            args,
            interval=args.interval or settings.refresh_interval,
            give_up_after=args.timeout,
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
    out: TextIO | None = None,
) -> int:
    """Poll ``ids`` with the real engine until they end; return the exit status."""
    runtime = runtime_or_raise(settings, args, set(profiles.values()))
    config = PollerConfig(
        interval=interval,
        concurrency=settings.concurrency,
        not_found_grace=settings.not_found_grace,
    )
    # No store: `wait` observes in memory and leaves the watchlist as it is.
    session = WatchSession(None, runtime, settings, poller_config=config)
    printer = _WaitPrinter(ids, quiet=args.quiet, json_lines=args.json, out=out or sys.stdout)
    session.subscribe(printer)
    for task_id in ids:
        session.add([task_id], profile=profiles[task_id])
    engine = asyncio.create_task(session.run())
    try:
        await asyncio.wait_for(printer.done.wait(), give_up_after)
    except TimeoutError:
        if not args.quiet:
            running = ", ".join(sorted(printer.pending))
            warn(f"timed out after {give_up_after:g} s; still running: {running}")
        return EXIT["timeout"]
    finally:
        session.stop()
        await engine
        await session.aclose()
    return printer.exit_code if printer.exit_code is not None else EXIT["ok"]
