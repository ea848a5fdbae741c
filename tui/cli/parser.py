"""The ``taskwatch`` command line's grammar: commands, options, examples, exit statuses."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from tui import __version__
from tui.cli.completion import SHELLS, profile_names, task_ids
from tui.cloud.endpoints import Service

__all__ = ["EXIT", "build_parser"]

EXIT = {
    "ok": 0,
    "failed": 1,
    "usage": 2,
    "timeout": 3,
    "authentication": 4,
    "not_found": 5,
    "unreachable": 6,
}

EXAMPLES = {
    "add": "taskwatch add a9767ede-fe0f-4888-9003-e843a4c90514 --label 'CHG-1234 step 3' "
    "--deadline 40m\n"
    "  pbpaste | taskwatch add -",
    "deadline": "taskwatch deadline a9767ede-fe0f-4888-9003-e843a4c90514 --at 23:30",
    "remove": "taskwatch remove a9767ede-fe0f-4888-9003-e843a4c90514",
    "list": "taskwatch list --json | jq '.[] | select(.status == \"Failed\")'",
    "show": "taskwatch show a9767ede-fe0f-4888-9003-e843a4c90514 --json --region cn-north-4",
    "wait": "taskwatch wait $JOB_ID --timeout 1800 && echo resized",
    "export": "taskwatch export watchlist.json",
    "import": "taskwatch import watchlist.json",
    "recent": "taskwatch recent --since 2h --instance 6b0404f2b09490b86b01a1c12a3a2107in07 --add",
    "follow": "taskwatch follow --instance 6b0404f2b09490b86b01a1c12a3a2107in07\n"
    "  taskwatch follow --list",
    "unfollow": "taskwatch unfollow 3",
    "simulate": "taskwatch simulate --port 8700 --seed 1",
    "notify": "taskwatch notify --test",
    "watch": "taskwatch watch --json >> /var/log/taskwatch.jsonl",
    "config": "taskwatch config --init && $EDITOR ~/.config/taskwatch/config.toml",
    "check": "taskwatch check --all",
    "completion": 'eval "$(taskwatch completion bash)"   # in ~/.bashrc',
    "report": "taskwatch report --since 6h --label CHG-1042 --format html --output chg-1042.html\n"
    "  taskwatch report --from '2026-11-27 22:00' --to 02:00 --format csv",
}


def _ids(command: argparse.ArgumentParser) -> None:
    """The task IDs a command takes (completed from the watchlist, labels beside them)."""
    ids = command.add_argument("ids", nargs="+", metavar="ID")
    ids.completer = task_ids  # type: ignore[attr-defined]  # argcomplete reads it


def _common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options every command accepts, before or after the subcommand name."""
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("connection")
    profile = group.add_argument("--profile", default=default, help="profile from config.toml")
    profile.completer = profile_names  # type: ignore[attr-defined]  # argcomplete reads it
    group.add_argument("--endpoint", metavar="URL", default=default, help="endpoint URL override")
    group.add_argument("--region", default=default, help="region ID, e.g. cn-north-4")
    group.add_argument("--project-id", default=default, help="project ID")
    group.add_argument(
        "--service",
        choices=[s.value for s in Service],
        default=default,
        help="which Task Center: taurusdb (default), taurusdb-legacy, rds, gaussdb, dds, geminidb",
    )
    group.add_argument(
        "--debug", action="store_true", default=default, help="verbose log file (never secrets)"
    )


def _demo_cloud(command: argparse.ArgumentParser) -> None:
    """``--demo`` after a command that asks the cloud: ask the demo's simulators instead (they
    start on 127.0.0.1 for the command; the demo's job IDs are the same every time)."""
    command.add_argument(
        "--demo", action="store_true", default=argparse.SUPPRESS,
        help="ask the built-in simulator of taskwatch --demo, no account needed",
    )  # fmt: skip


def _demo(command: argparse.ArgumentParser) -> None:
    """``--demo`` after a command that reads the watchlist: read the demo's instead (default
    SUPPRESS, so ``taskwatch --demo report`` means the same)."""
    command.add_argument(
        "--demo", action="store_true", default=argparse.SUPPRESS,
        help="the watchlist of taskwatch --demo, not yours",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The whole command line's grammar: the options every command has, then each group of
    commands (in the order ``--help`` lists them, the README's command table's order)."""
    parser = argparse.ArgumentParser(
        prog="taskwatch",
        description="Watch the Task Center jobs of Huawei Cloud databases (TaurusDB, RDS, "
        "GaussDB, DDS, GeminiDB). Without a command, opens the live table.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  taskwatch --demo\n  taskwatch --profile prod\n"
        "  taskwatch COMMAND --help",
    )
    parser.add_argument("--version", action="version", version=f"taskwatch {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="run against the built-in simulator, no account needed"
    )
    _common(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=f"example:\n  {EXAMPLES[name]}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _common(sub, suppress=True)
        return sub

    for group in (_watchlist_commands, _cloud_commands, _file_commands, _engine_commands):
        group(command)
    return parser


_Command = Callable[[str, str], argparse.ArgumentParser]
"""Adds a command (name, help) with the common options; returns its parser."""


def _watchlist_commands(command: _Command) -> None:
    """add, deadline, remove, list: the watchlist itself."""
    add = command("add", "watch task IDs (any text: the UUIDs in it are taken)")
    add.add_argument("ids", nargs="+", metavar="ID", help="task IDs, or - to read stdin")
    add.add_argument("--label", default="", help="a note shown with the tasks")
    add.add_argument(
        "--deadline",
        metavar="WHEN",
        help="warn if not done by then: a duration from now (40m, 2h) or a time (23:30)",
    )

    deadline = command("deadline", "set or clear watched tasks' deadline")
    _ids(deadline)
    when = deadline.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", metavar="WHEN", help="40m, 2h, 23:30, 2026-11-27 23:30 ...")
    when.add_argument("--clear", action="store_true", help="remove the deadline")

    remove = command("remove", "stop watching task IDs")
    _ids(remove)

    listing = command("list", "the watchlist with the last known state")
    _demo(listing)
    listing.add_argument("--json", action="store_true", help="machine-readable output")


def _cloud_commands(command: _Command) -> None:
    """show, wait, recent, follow, unfollow: what asks the cloud."""
    show = command("show", "fetch tasks now and print them")
    _ids(show)
    show.add_argument("--json", action="store_true", help="a JSON array, one object per ID")
    _demo_cloud(show)

    wait = command("wait", "block until tasks end; the exit status says how")
    _ids(wait)
    wait.add_argument("--timeout", type=float, default=None, metavar="S", help="give up after S")
    wait.add_argument("--interval", type=float, default=None, metavar="S", help="poll every S")
    wait.add_argument(
        "--unreachable-after",
        type=float,
        default=None,
        metavar="S",
        help="exit 6 after S s with no answer (default: the whole --timeout; throttling, 5xx, "
        "timeouts and bad answers are retried until then)",
    )
    wait.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    wait.add_argument("--json", action="store_true", help="JSON lines, one per change")
    _demo_cloud(wait)
    wait.epilog = (
        f"example:\n  {EXAMPLES['wait']}\n\nexit status: 0 all Completed, 1 any Failed or "
        "Canceled, 2 usage, 3 timeout,\n  4 authentication/permission, 5 not found, "
        "6 API unreachable"
    )

    recent = command("recent", "the project's tasks of a window, from the cloud's lists")
    recent.add_argument("--since", metavar="DURATION", help="90m, 2h, 1d ... (default 24h)")
    recent.add_argument("--instance", action="append", metavar="ID", help="only this instance")
    recent.add_argument("--name", action="append", metavar="JOB_NAME", help="only this job name")
    recent.add_argument("--status", help="only this status (Running, Completed, Failed ...)")
    recent.add_argument("--scheduled", action="store_true", help="the scheduled tasks instead")
    recent.add_argument("--add", action="store_true", help="watch them too")
    recent.add_argument("--json", action="store_true", help="a JSON array of the tasks")
    _demo_cloud(recent)

    follow = command("follow", "add new tasks of instances (or the whole project) by themselves")
    follow.add_argument("--instance", action="append", metavar="ID", help="follow this instance")
    follow.add_argument("--name", action="append", metavar="JOB_NAME", help="only this job name")
    follow.add_argument("--list", action="store_true", help="the rules, not a new one")
    follow.add_argument("--json", action="store_true", help="with --list: as JSON")

    unfollow = command("unfollow", "remove follow rules (the tasks they added stay)")
    unfollow.add_argument("rules", nargs="*", metavar="RULE", help="rule numbers (follow --list)")
    unfollow.add_argument("--all", action="store_true", help="every rule")


def _file_commands(command: _Command) -> None:
    """export, import, simulate, report: files, the simulator and the record."""
    export = command("export", "write the watchlist and last snapshots as JSON")
    _demo(export)
    export.add_argument("file", nargs="?", default="-", help="output file (default: stdout)")

    importing = command("import", "watch the tasks of an export (or any JSON with task IDs)")
    importing.add_argument("file", help="the JSON file, or - for stdin")

    simulate = command("simulate", "run the local Task Center simulator alone")
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=0, help="default: any free port")
    simulate.add_argument("--ak", default=None, help="AK the simulator accepts")
    simulate.add_argument("--sk", default=None, help="SK for that AK")
    simulate.add_argument("--seed", type=int, default=0, help="makes the job IDs reproducible")
    simulate.add_argument("--jobs", type=int, default=0, help="extra random jobs to script")
    simulate.add_argument(
        "--identity",
        action="store_true",
        help="also serve the ECS metadata service and IAM (temporary keys, project lookup)",
    )
    simulate.add_argument(
        "--key-life", type=float, default=3600.0, metavar="S", help="with --identity: key life"
    )

    report = command("report", "the record of a window from the local database (no request)")
    _demo(report)
    window = report.add_mutually_exclusive_group()
    window.add_argument(
        "--since", metavar="DURATION", help="the last 90m, 6h, 1d ... (default 24h)"
    )
    window.add_argument("--from", dest="start", metavar="TIME", help="23:30, 2026-11-27 22:00 ...")
    report.add_argument("--to", dest="end", metavar="TIME", help="the window's end (default now)")
    report.add_argument("--label", help="only tasks whose label contains this")
    report.add_argument(
        "--format", choices=["md", "csv", "json", "html"], default="md", help="default: md"
    )
    report.add_argument("--output", metavar="FILE", help="write here (default: stdout)")
    report.add_argument("--utc", action="store_true", help="times in UTC, not local time")


def _engine_commands(command: _Command) -> None:
    """watch, notify, check, completion, config: running without a screen, and the setup."""
    watch = command(
        "watch", "the engine without the TUI: poll, follow, notify, one line per change"
    )
    watch.add_argument(
        "--until-done", action="store_true", help="exit when every task is final (wait's exits)"
    )
    watch.add_argument(
        "--json", action="store_true", help="one JSON object per line (as many as the text)"
    )
    watch.add_argument(
        "--verbose", action="store_true",
        help="a line per answer (default: per status, step, or tenth of progress)",
    )  # fmt: skip
    watch.add_argument(
        "--unreachable-after",
        type=float,
        default=None,
        metavar="S",
        help="with --until-done: exit 6 after S s with no answer (default 300)",
    )
    _demo_cloud(watch)

    notify = command("notify", "the team's notification sinks ([[notify]] in config.toml)")
    notify.add_argument(
        "--test", action="store_true", help="send one test message to each; exit 0 if all arrived"
    )

    check = command(
        "check", "before the window: each profile's credential, project, endpoint and one read"
    )
    check.add_argument("--all", action="store_true", help="every profile of config.toml")
    check.add_argument("--json", action="store_true", help="a JSON array, one object per profile")

    completion = command("completion", "print the shell completion script (bash, zsh or fish)")
    completion.add_argument("shell", choices=SHELLS, help="the shell to complete in")

    config = command("config", "show the effective configuration and every path used")
    config.add_argument("--init", action="store_true", help="write a commented config.toml")
