"""What each ``taskwatch`` subcommand does. Argument parsing lives in :mod:`tui.cli.parser`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from tui.cli.parser import EXIT, overrides_from
from tui.cloud.credentials import permission_warning
from tui.cloud.ids import extract_task_ids, validate_task_id
from tui.cloud.models import Job
from tui.engine.config import Settings, config_reference, load_settings, resolve_profile
from tui.engine.paths import (
    config_file,
    data_dir,
    database_file,
    default_credentials_file,
    log_file,
)
from tui.engine.poller import (
    CredentialBlocked,
    Poller,
    PollerConfig,
    PollerEvent,
    TaskErrored,
    TaskUpdated,
)
from tui.engine.present import (
    entity_lines,
    format_duration,
    format_local,
    format_progress,
    status_text,
)
from tui.engine.runtime import Runtime, build_runtime
from tui.engine.store import Store, TaskRecord
from tui.errors import (
    AuthenticationError,
    ConfigError,
    InvalidInputError,
    JobNotFoundError,
    RequestError,
    TaskCenterError,
)

__all__ = [
    "cmd_add",
    "cmd_config",
    "cmd_export",
    "cmd_import",
    "cmd_list",
    "cmd_remove",
    "cmd_show",
    "cmd_simulate",
    "cmd_wait",
    "open_store",
    "run_tui",
]


log = logging.getLogger(__name__)


def _err(message: str) -> None:
    log.warning("%s", message)
    print(f"taskwatch: {message}", file=sys.stderr)


def open_store(*, demo: bool = False) -> Store:
    """Open the watchlist, telling the user (on stderr) if a broken file was moved aside."""
    store = Store.open(database_file(demo=demo))
    if store.recovered_to is not None:
        _err(
            f"the watchlist database was unreadable; it was moved to {store.recovered_to} "
            "and a new one was started"
        )
    return store


def _selected_profile(args: argparse.Namespace, settings: Settings) -> str:
    return getattr(args, "profile", None) or settings.default_profile


# -- add / remove / list / export / import ---------------------------------------------------------


def _ids_from_arguments(values: list[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        text = sys.stdin.read() if value == "-" else value
        ids = extract_task_ids(text)
        if not ids:
            where = "standard input" if value == "-" else repr(value)
            raise InvalidInputError(f"no task ID in {where} (expected UUIDs)")
        found.extend(ids)
    return list(dict.fromkeys(found))


def cmd_add(args: argparse.Namespace) -> int:
    settings = load_settings()
    ids = _ids_from_arguments(args.ids)
    profile = _selected_profile(args, settings)
    result = open_store().add_tasks(ids, profile=profile, label=args.label)
    for task_id in result.added:
        print(f"watching {task_id}")
    for task_id in result.already:
        print(f"already watching {task_id}")
    return EXIT["ok"]


def cmd_remove(args: argparse.Namespace) -> int:
    ids = [validate_task_id(value) for value in args.ids]
    removed = open_store().remove_tasks(ids)
    for task_id in removed:
        print(f"removed {task_id}")
    for task_id in sorted(set(ids) - set(removed)):
        _err(f"not watched: {task_id}")
    return EXIT["ok"]


def _record_line(record: TaskRecord) -> str:
    job = record.job
    status = status_text(record.status, not_found=record.not_found)
    progress = format_progress(record.progress, record.status)
    name = job.name if job else ""
    checked = (
        format_duration(time.time() - record.checked_at) + " ago" if record.checked_at else "never"
    )
    stale = "  [stale: " + (record.error_kind or "") + "]" if record.is_stale else ""
    line = (
        f"{record.task_id}  {status:<14} {progress:>4}  {record.profile:<10} "
        f"{record.label[:24]:<24} {name[:32]:<32} checked {checked}{stale}"
    )
    return line.rstrip()


def cmd_list(args: argparse.Namespace) -> int:
    records = open_store().list_tasks()
    if args.json:
        print(json.dumps([record.to_export() for record in records], indent=2, ensure_ascii=False))
    elif not records:
        print("the watchlist is empty; add tasks with: taskwatch add ID...")
    else:
        print(f"{'TASK':<36}  {'STATUS':<14} {'PROG':>4}  {'PROFILE':<10} {'LABEL':<24} NAME")
        for record in records:
            print(_record_line(record))
    return EXIT["ok"]


def _write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cmd_export(args: argparse.Namespace) -> int:
    text = json.dumps(open_store().export(), indent=2, ensure_ascii=False) + "\n"
    if args.file == "-":
        sys.stdout.write(text)
    else:
        _write_atomically(Path(args.file), text)
        print(f"exported to {args.file}")
    return EXIT["ok"]


def cmd_import(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read {args.file}: {exc.__class__.__name__}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInputError(f"{args.file} is not JSON: {exc}") from None
    result = open_store().import_(data, default_profile=_selected_profile(args, settings))
    print(f"imported {len(result.added)} task(s); {len(result.already)} already watched")
    return EXIT["ok"]


# -- show --------------------------------------------------------------------------------------

_ERROR_EXIT = {
    "authentication": EXIT["authentication"],
    "permission": EXIT["authentication"],
    "not_found": EXIT["not_found"],
    "request": EXIT["usage"],
}


def exit_for_errors(errors: list[TaskCenterError]) -> int:
    """One exit status for a set of failures: authentication, then unreachable, then not found."""
    codes = {_ERROR_EXIT.get(error.kind, EXIT["unreachable"]) for error in errors}
    for code in (EXIT["authentication"], EXIT["unreachable"], EXIT["usage"], EXIT["not_found"]):
        if code in codes:
            return code
    return EXIT["ok"]


def job_text(job: Job) -> str:
    """A readable multi-line summary of a job."""
    lines = [f"{job.id}  {status_text(job.status)}  {job.name}"]
    instance = job.instance
    if instance.id or instance.name:
        lines.append(f"  instance   {instance.name} ({instance.id})")
    created, ended = job.created_at, job.ended_at
    times = f"  created    {format_local(created)}"
    if ended:
        times += f"   ended {format_local(ended)}"
        if created:
            times += f"   took {format_duration((ended - created).total_seconds())}"
    lines.append(times)
    progress = format_progress(job.progress, job.status)
    if progress:
        lines.append(f"  progress   {progress}")
    for label, value in entity_lines(job):
        lines.append(f"  {label:<10} {value}")
    if job.fail_reason:
        lines.append(f"  FAILED     {job.fail_reason}")
    return "\n".join(lines)


def profiles_for(ids: list[str], args: argparse.Namespace, settings: Settings) -> dict[str, str]:
    """The profile to ask about each task: ``--profile`` if given, else the profile the task was
    added with, else the default profile."""
    explicit = getattr(args, "profile", None)
    watched = open_store() if not explicit and database_file().exists() else None
    chosen = {}
    for task_id in ids:
        record = watched.get_task(task_id) if watched else None
        chosen[task_id] = explicit or (record.profile if record else settings.default_profile)
    return chosen


def cmd_show(args: argparse.Namespace) -> int:
    ids = [validate_task_id(value) for value in args.ids]  # refuse bad input before any request
    settings = load_settings()
    profiles = profiles_for(ids, args, settings)

    async def fetch_all() -> list[tuple[str, Job | None, TaskCenterError | None]]:
        runtime = _runtime_or_raise(settings, args, set(profiles.values()))
        results: list[tuple[str, Job | None, TaskCenterError | None]] = []
        refused: dict[str, TaskCenterError] = {}  # by credential: never repeat a refused one
        keys = runtime.credential_keys
        try:
            for task_id in ids:
                profile = profiles[task_id]
                if keys[profile] in refused:
                    results.append((task_id, None, refused[keys[profile]]))
                    continue
                try:
                    job = (await runtime.clients[profile].get_job(task_id)).job
                    results.append((task_id, job, None))
                except TaskCenterError as error:
                    results.append((task_id, None, error))
                    if isinstance(error, AuthenticationError):
                        refused[keys[profile]] = error
        finally:
            await runtime.aclose()
        return results

    results = asyncio.run(fetch_all())
    if args.json:
        out: list[dict[str, Any]] = []
        for task_id, job, error in results:
            if job is not None:
                out.append({**job.to_api_dict(), "error": None})
            else:
                out.append({**_empty_job(task_id), "error": error.to_dict() if error else None})
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for task_id, job, error in results:
            if job is not None:
                print(job_text(job))
            elif error is not None:
                _err(f"{task_id}: {_error_word(error)}: {error}")
    return exit_for_errors([error for _, _, error in results if error is not None])


def _empty_job(task_id: str) -> dict[str, Any]:
    return {
        "id": task_id, "name": None, "status": None, "created": None, "ended": None,
        "process": None, "instance": None, "entities": None, "fail_reason": None,
    }  # fmt: skip


def _error_word(error: TaskCenterError) -> str:
    return {
        "authentication": "authentication failed",
        "permission": "permission denied",
        "not_found": "not found",
        "throttled": "throttled",
        "server": "server error",
        "network": "unreachable",
        "bad_response": "bad response",
    }.get(error.kind, "error")


# -- wait --------------------------------------------------------------------------------------

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
            print(json.dumps(line, ensure_ascii=False), file=self.out, flush=True)
            return
        stamp = time.strftime("%H:%M:%S")
        if error is not None:
            text = f"{_error_word(error)}: {error}"
        else:
            text = f"{status_text(record.status)} {format_progress(record.progress, record.status)}"
            if job and job.fail_reason:
                text += f" — {job.fail_reason}"
        print(f"{stamp}  {record.task_id}  {text.rstrip()}", file=self.out, flush=True)

    def _finish(self, code: int) -> None:
        if self.exit_code is None:
            self.exit_code = code
        self.done.set()

    def __call__(self, event: PollerEvent) -> None:
        if isinstance(event, TaskUpdated) and event.changed:
            self._print(event.record)
            if event.record.is_final:
                self.pending.discard(event.record.task_id)
                self.outcome[event.record.task_id] = event.record.status
                if not self.pending:
                    failed = any(s.lower() != "completed" for s in self.outcome.values())
                    self._finish(EXIT["failed"] if failed else EXIT["ok"])
        elif isinstance(event, CredentialBlocked):
            self._print_error_once(event.error)
            self._finish(EXIT["authentication"])
        elif isinstance(event, TaskErrored):
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
            _err(f"{_error_word(error)}: {error}")


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
    runtime = _runtime_or_raise(settings, args, set(profiles.values()))
    store = Store.open(":memory:")  # `wait` observes; it does not change the watchlist
    for task_id in ids:
        store.add_tasks([task_id], profile=profiles[task_id])
    poller = Poller(
        store,
        runtime.clients,
        credential_keys=runtime.credential_keys,
        rate_limits=runtime.rate_limits,
        config=PollerConfig(
            interval=interval,
            concurrency=settings.concurrency,
            not_found_grace=settings.not_found_grace,
        ),
    )
    printer = _WaitPrinter(ids, quiet=args.quiet, json_lines=args.json, out=out or sys.stdout)
    poller.subscribe(printer)
    engine = asyncio.create_task(poller.run())
    try:
        await asyncio.wait_for(printer.done.wait(), give_up_after)
    except TimeoutError:
        if not args.quiet:
            running = ", ".join(sorted(printer.pending))
            _err(f"timed out after {give_up_after:g} s; still running: {running}")
        return EXIT["timeout"]
    finally:
        poller.stop()
        await engine
        await runtime.aclose()
    return printer.exit_code if printer.exit_code is not None else EXIT["ok"]


def _runtime_or_raise(settings: Settings, args: argparse.Namespace, names: set[str]) -> Runtime:
    """Clients for ``names``; a profile that cannot be set up is a usage error (exit 2)."""
    runtime = build_runtime(settings, overrides_from(args), names)
    for warning in runtime.warnings:
        _err(warning)
    if runtime.problems:
        # Nothing was sent yet, so the client can be dropped without closing it in a loop.
        raise ConfigError(next(iter(runtime.problems.values())))
    return runtime


# -- simulate ----------------------------------------------------------------------------------


def cmd_simulate(args: argparse.Namespace) -> int:
    from tui.simulator import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN, Simulator
    from tui.simulator.scenarios import add_demo_jobs, add_random_jobs
    from tui.simulator.server import SimulatorServer

    if (args.ak is None) != (args.sk is None):
        raise InvalidInputError("--ak and --sk go together")
    ak, sk = args.ak or DEMO_AK, args.sk or DEMO_SK
    project_id = getattr(args, "project_id", None) or DEMO_PROJECT_ID
    simulator = Simulator(credentials={ak: sk}, project_id=project_id, seed=args.seed)
    jobs = add_demo_jobs(simulator) + add_random_jobs(simulator, max(0, args.jobs))
    try:
        server = SimulatorServer(simulator, host=args.host, port=args.port)
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"cannot listen on {args.host}:{args.port}: {exc}") from None
    with server:
        print(server.url, flush=True)
        shown_sk = sk if args.sk is None else "(as given)"
        print(f"# project_id {project_id}  AK {ak}  SK {shown_sk}  X-Auth-Token {DEMO_TOKEN}")
        print(f"# try: HUAWEICLOUD_SDK_AK={ak} HUAWEICLOUD_SDK_SK=... taskwatch show ID "
              f"--endpoint {server.url} --project-id {project_id}")  # fmt: skip
        for job in jobs:
            ends = job.ends_at - simulator.clock()
            when = f"ends in {ends:.0f}s" if ends > 0 else "already ended"
            print(f"{job.id}  {job.name.strip():<40} -> {job.outcome:<9} ({when})")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return EXIT["ok"]


# -- config ------------------------------------------------------------------------------------


def cmd_config(args: argparse.Namespace) -> int:
    path = config_file()
    if args.init:
        if path.exists():
            _err(f"{path} exists; not overwritten")
            return EXIT["usage"]
        _write_atomically(path, config_reference())
        print(f"wrote {path}")
        return EXIT["ok"]
    settings = load_settings()
    credentials = default_credentials_file()
    print("paths:")
    print(f"  config file        {path}{'' if path.exists() else '  (not present: defaults)'}")
    print(f"  data dir           {data_dir()}")
    print(f"  watchlist          {database_file()}")
    print(f"  log file           {log_file()}")
    print(f"  credentials file   {credentials}{'' if credentials.exists() else '  (not present)'}")
    if warning := permission_warning(credentials):
        print(f"  {warning}")
    print("settings:")
    for name in ("default_profile", "refresh_interval", "concurrency", "not_found_grace", "theme"):
        origin = str(path) if name in settings.model_fields_set else "default"
        print(f"  {name:<18} {getattr(settings, name)!s:<22} ({origin})")
    notifications = settings.notifications
    print(
        f"  notifications      toast={notifications.toast} bell={notifications.bell} "
        f"desktop={notifications.desktop}"
    )
    names = list(dict.fromkeys([_selected_profile(args, settings), *settings.profiles]))
    for name in names:
        print(
            f"profile {name}:"
            + ("  (selected)" if name == _selected_profile(args, settings) else "")
        )
        try:
            flags = overrides_from(args) if name == _selected_profile(args, settings) else None
            profile = resolve_profile(settings, flags, name=name)
        except Exception as exc:  # shown, not raised: one bad profile must not hide the others
            print(f"  unusable: {exc}")
            continue
        rows: list[tuple[str, str, str]] = [
            ("service", profile.service.value, profile.sources["service"]),
            ("region", profile.region or "", profile.sources["region"]),
            ("project_id", profile.project_id, profile.sources["project_id"]),
            ("endpoint", profile.endpoint, profile.sources["endpoint"]),
            ("credential", profile.credential.display, ""),
        ]
        for key, value, source in rows:
            print(f"  {key:<18} {value}" + (f"  ({source})" if source else ""))
    return EXIT["ok"]


# -- the TUI -----------------------------------------------------------------------------------


def run_tui(args: argparse.Namespace) -> int:
    from tui.cli.launch import launch

    return launch(args)
