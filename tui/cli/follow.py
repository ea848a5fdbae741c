"""``taskwatch recent``, ``follow`` and ``unfollow``: the project's tasks, not only pasted IDs."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable

from tui.cli.common import error_word, open_store, prepared_runtime, selected_profile, warn
from tui.cli.parser import EXIT
from tui.cloud.client import ListPage
from tui.cloud.ids import validate_instance_id, validate_job_name
from tui.cloud.listing import Kind, ListedTask
from tui.cloud.safe_text import json_text, visible
from tui.cloud.status import JobStatus
from tui.engine.setup.config import load_settings
from tui.errors import (
    AuthenticationError,
    InvalidInputError,
    NetworkError,
    PermissionDeniedError,
    ServerError,
    TaskCenterError,
    ThrottledError,
)
from tui.present.text import format_local, status_text
from tui.present.timespec import for_option, parse_duration

__all__ = ["cmd_follow", "cmd_recent", "cmd_unfollow"]

log = logging.getLogger(__name__)


def _filters(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The ``--instance`` and ``--name`` values, checked before anything is sent."""
    instances = [validate_instance_id(value) for value in args.instance or []]
    names = [validate_job_name(value) for value in args.name or []]
    return instances, names


def _line(task: ListedTask) -> str:
    from tui.cloud.values import parse_cloud_time

    when = task.scheduled_start if task.kind == "scheduled" else task.created
    moment = format_local(parse_cloud_time(when)) or when
    status = status_text(JobStatus.SCHEDULED if task.kind == "scheduled" else task.status)
    # The cloud's text, shown and cut: one line per task however long a name is.
    instance = visible(task.instance_name or task.instance_id, limit=40)
    line = (
        f"{task.id}  {status:<14} {visible(task.process, limit=6):>4}  {moment:<11}  "
        f"{instance:<20} {visible(task.name, limit=80)}"
    )
    return visible(line.rstrip())


def cmd_recent(args: argparse.Namespace) -> int:
    since = for_option("--since", parse_duration, args.since or "24h")
    instances, names = _filters(args)
    status = args.status
    if status is not None and not status.isalpha():
        raise InvalidInputError(
            f"argument --status: not a status: {status[:40]!r} (e.g. Running, Failed)"
        )
    settings = load_settings()
    profile = selected_profile(args, settings)
    kind: Kind = "scheduled" if args.scheduled else "instant"
    now = time.time()

    async def fetch() -> ListPage:
        runtime = await prepared_runtime(settings, args, {profile})
        try:
            client = runtime.clients[profile]
            page = await _weathered(
                lambda: client.list_tasks(
                    kind,
                    since=now - since,
                    until=now,
                    instance_id=instances[0] if len(instances) == 1 else None,
                    name=names[0] if len(names) == 1 else None,
                    status=status,
                )
            )
        except PermissionDeniedError as error:
            action = client.adapter.list_permission_text()
            raise PermissionDeniedError(
                f"the credential may not list tasks: {action} is needed ({error.error_msg})",
                status=error.status,
                error_code=error.error_code,
                request_id=error.request_id,
            ) from None
        finally:
            await runtime.aclose()
        return page

    try:
        page = asyncio.run(fetch())
    except TaskCenterError as error:
        warn(f"{error_word(error)}: {error}")
        if isinstance(error, AuthenticationError | PermissionDeniedError):
            return EXIT["authentication"]
        return EXIT["unreachable"]
    _say_what_the_list_left_out(page)
    wanted = [
        t for t in page.tasks
        if (not instances or t.instance_id in instances)
        and (not names or t.name.strip().lower() in {n.lower() for n in names})
        and (not status or t.status.lower() == status.lower())
    ]  # fmt: skip
    wanted.sort(key=lambda t: t.scheduled_start if t.kind == "scheduled" else t.created)
    if args.add and wanted:
        _add(profile, wanted, demo=bool(getattr(args, "demo", False)))
    if args.json:
        print(json_text([task.to_json() for task in wanted], indent=2))
    elif not wanted:
        print(f"no {kind} tasks in the last {args.since or '24h'}")
    else:
        for task in wanted:
            print(_line(task))
    return EXIT["ok"]


RETRY_DELAYS = (1.0, 3.0, 9.0)
"""Seconds before each retry of a list the weather refused (throttled, a 5xx, no answer)."""


async def _weathered(call: Callable[[], Awaitable[ListPage]]) -> ListPage:
    """``call``, tried again after throttling, a 5xx or a lost connection, as ``wait`` does
    (a Retry-After is honoured up to 30 s); anything else fails at once."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return await call()
        except (ThrottledError, ServerError, NetworkError) as error:
            if delay is None:
                raise
            after = error.retry_after if isinstance(error, ThrottledError) else None
            wait = min(30.0, max(delay, after or 0.0))
            log.info("the list failed (%s); trying again in %.0f s", error.kind, wait)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")  # the last round returns or raises


def _say_what_the_list_left_out(page: ListPage) -> None:
    """On stderr: items that were not tasks, and a list cut at the page cap (exit stays 0:
    what was listed is right, only not all of it)."""
    if page.skipped:
        warn(f"{page.skipped} list item(s) skipped: not task IDs")
    if page.cut:
        warn(
            f"the list was cut after {page.requests} pages ({len(page.tasks)} tasks): it went "
            "on; narrow it with --since, --instance or --name"
        )


def _add(profile: str, tasks: list[ListedTask], *, demo: bool = False) -> None:
    store = open_store(demo=demo)
    rows = [
        (
            task.id,
            profile,
            "recent",  # the label says where the task came from, like a follow rule's
            "recent",
            JobStatus.SCHEDULED if task.kind == "scheduled" else "",
            json.dumps(task.to_job(), ensure_ascii=False, sort_keys=True),
        )
        for task in tasks
    ]
    added = store.add_discovered(rows, now=time.time())
    warn(f"added {len(added)} task(s) to the watchlist ({len(tasks) - len(added)} already known)")


def cmd_follow(args: argparse.Namespace) -> int:
    store = open_store()
    if args.list:
        rules = store.rules()
        if args.json:
            print(
                json_text(
                    [
                        {"rule": r.id, "profile": r.profile, "instances": list(r.instance_ids),
                         "names": list(r.names), "created_at": r.created_at,
                         "checked_until": r.checked_until}
                        for r in rules
                    ],
                    indent=2,
                )
            )  # fmt: skip
        elif not rules:
            print("no follow rules; add one with: taskwatch follow [--instance ID] [--name NAME]")
        else:
            for rule in rules:
                print(visible(f"{rule.id:>3}  {rule.profile:<12} {rule.description}"))
        return EXIT["ok"]
    instances, names = _filters(args)
    profile = selected_profile(args, load_settings())
    number = store.add_rule(profile, instances, names, now=time.time())
    described = next(r for r in store.rules() if r.id == number).description
    print(visible(f"following {described} on profile {profile} (rule {number})"))
    print(f"open taskwatch to see new tasks arrive; taskwatch unfollow {number} to stop")
    return EXIT["ok"]


def cmd_unfollow(args: argparse.Namespace) -> int:
    store = open_store()
    if args.all:
        removed = store.remove_rules(None)
    else:
        try:
            wanted = [int(value) for value in args.rules]
        except ValueError:
            raise InvalidInputError(
                "a rule is a number, as taskwatch follow --list shows"
            ) from None
        removed = store.remove_rules(wanted)
        for missing in sorted(set(wanted) - set(removed)):
            warn(f"no rule {missing}")
    for rule in removed:
        print(f"unfollowed rule {rule}")
    return EXIT["ok"] if removed or args.all else EXIT["usage"]
