"""The watchlist commands (add, remove, list, export, import) and ``config``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from tui.cli.columns import Column, fit_table, terminal_width
from tui.cli.common import (
    open_store,
    overrides_from,
    selected_profile,
    warn,
    write_atomically,
)
from tui.cli.parser import EXIT
from tui.cloud.identity.static import permission_warning
from tui.cloud.ids import extract_task_ids, validate_task_id
from tui.cloud.safe_text import json_text
from tui.engine.eta import Estimator, Eta
from tui.engine.records import TaskRecord
from tui.engine.setup.config import (
    Profile,
    Settings,
    config_reference,
    load_settings,
    resolve_profile,
)
from tui.engine.setup.paths import (
    config_file,
    data_dir,
    database_file,
    default_credentials_file,
    log_file,
    make_private_dir,
)
from tui.engine.storage import Store
from tui.engine.storage.transfer import export_chunks, import_watchlist
from tui.errors import ConfigError, InvalidInputError, StoreError
from tui.present.text import (
    eta_text,
    format_clock,
    format_duration,
    format_progress,
    status_text,
)
from tui.present.timespec import for_option, parse_deadline
from tui.team.sinks import redact

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


def _deadline(option: str, text: str) -> float:
    now = datetime.now().astimezone()
    return for_option(option, lambda value: parse_deadline(value, now=now), text)


def cmd_add(args: argparse.Namespace) -> int:
    settings = load_settings()
    ids = _ids_from_arguments(args.ids)
    # The deadline is read before anything is added: a typo must not leave tasks half added.
    deadline = _deadline("--deadline", args.deadline) if args.deadline else None
    profile = selected_profile(args, settings)
    store = open_store()
    result = store.add_tasks(ids, profile=profile, label=args.label)
    if deadline is not None:
        store.set_deadline(ids, deadline)
    due = f" (deadline {format_clock(deadline)})" if deadline is not None else ""
    for task_id in result.added:
        print(f"watching {task_id}{due}")
    for task_id in result.already:
        print(f"already watching {task_id}{due}")
    return EXIT["ok"]


def cmd_deadline(args: argparse.Namespace) -> int:
    ids = [validate_task_id(value) for value in args.ids]
    deadline = None if args.clear else _deadline("--at", args.at)
    changed = open_store().set_deadline(ids, deadline)
    for task_id in changed:
        if deadline is None:
            print(f"no deadline for {task_id}")
        else:
            print(f"deadline {format_clock(deadline)} for {task_id}")
    for task_id in sorted(set(ids) - set(changed)):
        warn(f"not watched: {task_id}")
    return EXIT["ok"] if changed else EXIT["usage"]


def cmd_remove(args: argparse.Namespace) -> int:
    ids = [validate_task_id(value) for value in args.ids]
    removed = open_store().remove_tasks(ids)
    for task_id in removed:
        print(f"removed {task_id}")
    for task_id in sorted(set(ids) - set(removed)):
        warn(f"not watched: {task_id}")
    return EXIT["ok"] if removed else EXIT["usage"]


LIST_COLUMNS = (
    Column("TASK"), Column("STATUS"), Column("PROG", right=True), Column("ETA", least=6),
    Column("INSTANCE", least=8, drop=2), Column("LABEL", least=8),
    Column("NAME", least=10, drop=1), Column("PROFILE", least=7, drop=4),
    Column("CHECKED", least=8, drop=3),
)  # fmt: skip
"""``taskwatch list``'s columns: the ID, status and progress are never cut; on a narrow
terminal the profile, the last check, the instance and the job name give way, in that order
(``--json`` has everything)."""


def _record_row(record: TaskRecord, eta: Eta | None, now: float) -> list[str]:
    job = record.job
    checked = format_duration(now - record.checked_at) + " ago" if record.checked_at else "never"
    if record.is_stale:
        checked += f" (stale: {record.error_kind or 'error'})"
    instance = (job.instance.name or job.instance.id) if job else ""
    return [
        record.task_id,
        status_text(record.status, not_found=record.not_found),
        format_progress(record.progress, record.status),
        eta_text(eta, record, now),
        instance,
        record.label,
        job.name if job else "",
        record.profile,
        checked,
    ]


def cmd_list(args: argparse.Namespace) -> int:
    store = open_store(demo=args.demo)
    records = store.list_tasks()
    try:
        known = load_settings().profiles
    except ConfigError:  # listing needs no configuration: ETAs then group by profile name
        known = {}

    def service_of(profile: str) -> str:
        return str(known[profile].service) if profile in known else profile

    estimator = Estimator(service_of)
    estimator.load(store, records)
    now = time.time()
    forecasts = {record.task_id: estimator.forecast(record, now) for record in records}
    etas = {task_id: made.at(now) if made else None for task_id, made in forecasts.items()}
    if args.json:
        rows = []
        for record in records:
            eta = etas[record.task_id]
            row = record.to_export()
            row["eta"] = eta.to_json() if eta else None
            row["overdue"] = record.is_overdue(now)
            rows.append(row)
        print(json_text(rows, indent=2))
    elif not records:
        print("the watchlist is empty; add tasks with: taskwatch add ID...")
    else:
        table = [_record_row(record, etas[record.task_id], now) for record in records]
        for line in fit_table(LIST_COLUMNS, table, terminal_width()):
            print(line)
    return EXIT["ok"]


def cmd_export(args: argparse.Namespace) -> int:
    text = export_chunks(open_store(demo=args.demo))
    if args.file == "-":
        sys.stdout.writelines(text)
    else:
        write_atomically(Path(args.file), text)
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
    except RecursionError:  # a file nested 100,000 deep: no export looks like that
        raise InvalidInputError(f"{args.file} is nested too deeply to be an export") from None
    profile = selected_profile(args, settings)
    result = import_watchlist(open_store(), data, default_profile=profile)
    for note in result.notes:
        warn(note)
    print(f"imported {len(result.added)} task(s); {len(result.already)} already watched")
    return EXIT["ok"]


# -- config ------------------------------------------------------------------------------------


def _auth_origin(settings: Settings, name: str) -> str:
    configured = settings.profiles.get(name)
    if configured is not None and configured.auth:
        return f"auth in [profiles.{name}]"
    return "the SDK's chain: environment, credentials file, ECS metadata"


def _project_shown(profile: Profile) -> tuple[str, str]:
    """The project ID and where it comes from; a looked-up one as kept in the watchlist (no
    request is made here: ``taskwatch check`` asks)."""
    if profile.project_id:
        return profile.project_id, profile.sources["project_id"]
    cached = None
    if database_file().exists() and profile.region:
        try:
            store = Store.open(database_file())
            try:
                cached = store.cached_project(profile.credential.key, profile.region)
            finally:
                store.close()
        except StoreError:
            cached = None
    if cached:
        return cached, "project looked up in IAM, kept in the watchlist"
    return "(looked up in IAM at its first use)", f"region {profile.region}"


def cmd_config(args: argparse.Namespace) -> int:
    path = config_file()
    if args.init:
        if path.exists():
            warn(f"{path} exists; not overwritten")
            return EXIT["usage"]
        make_private_dir(path.parent)  # 0700 whatever the umask, and the folders above it too
        write_atomically(path, config_reference())
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
    for name in (
        "default_profile", "refresh_interval", "concurrency", "not_found_grace",
        "discovery_interval", "theme",
    ):  # fmt: skip
        origin = str(path) if name in settings.model_fields_set else "default"
        print(f"  {name:<18} {getattr(settings, name)!s:<22} ({origin})")
    notifications = settings.notifications
    print(
        f"  notifications      toast={notifications.toast} bell={notifications.bell} "
        f"desktop={notifications.desktop}"
    )
    for number, table in enumerate(settings.notify, start=1):
        shown = ", ".join(redact(url) for url in table.urls)  # sink URLs are secrets
        print(f"  notify #{number:<10} {shown}  on={','.join(table.on)} digest={table.digest:g}s")
    sink_problems = _sink_problems(settings)
    for problem in sink_problems:
        print(f"  unusable: {problem}")
    names = list(dict.fromkeys([selected_profile(args, settings), *settings.profiles]))
    for name in names:
        print(
            f"profile {name}:"
            + ("  (selected)" if name == selected_profile(args, settings) else "")
        )
        try:
            flags = overrides_from(args) if name == selected_profile(args, settings) else None
            profile = resolve_profile(settings, flags, name=name)
        except Exception as exc:  # shown, not raised: one bad profile must not hide the others
            print(f"  unusable: {exc}")
            continue
        credential = profile.credential
        rows: list[tuple[str, str, str]] = [
            ("service", profile.service.value, profile.sources["service"]),
            ("region", profile.region or "", profile.sources["region"]),
            ("project_id", *_project_shown(profile)),
            ("endpoint", profile.endpoint, profile.sources["endpoint"]),
            ("auth", credential.kind, _auth_origin(settings, name)),
            ("credential", credential.display, ""),
            ("iam", profile.iam_endpoint, profile.sources.get("iam", "")),
            ("proxy", profile.network.described if profile.network else "none", ""),
        ]
        for key, value, source in rows:
            print(f"  {key:<18} {value}" + (f"  ({source})" if source else ""))
    return EXIT["usage"] if sink_problems else EXIT["ok"]


def _sink_problems(settings: Settings) -> list[str]:
    """What is wrong with the ``[[notify]]`` sinks (an unset variable, an unknown scheme)."""
    if not settings.notify:
        return []
    import os

    from tui.team.delivery import unusable_sinks
    from tui.team.sinks import sinks_from

    try:
        return unusable_sinks(sinks_from(settings.notify, os.environ))
    except ConfigError as exc:
        return [str(exc)]
