"""The ``taskwatch`` entry point: parse, set up logging, run the command, map errors to exits."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence

from tui.cli.completion import answer_completion, script_for
from tui.cli.parser import EXIT, build_parser
from tui.errors import TaskwatchError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    answer_completion(parser)  # the shell asking for completions: answered, then exit
    args = parser.parse_args(argv)
    from tui.engine.setup.logs import setup_logging

    setup_logging(
        debug=bool(getattr(args, "debug", False)),
        warn=lambda why: print(f"taskwatch: warning: {why}", file=sys.stderr),
    )
    try:
        return _handler(args.command)(args)
    except TaskwatchError as exc:  # anything expected: one line, no traceback
        from tui.cloud.safe_text import visible

        print(f"taskwatch: {visible(str(exc), multiline=True)}", file=sys.stderr)
        return EXIT["usage"]
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `taskwatch list | head`: the reader has what it wanted
        with contextlib.suppress(OSError, ValueError):
            # Python's last flush at exit would hit the broken pipe again: point it away.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT["ok"]


def _handler(command: str | None) -> Callable[[argparse.Namespace], int]:
    """The function that runs ``command``, imported only when used: ``--version``, ``list`` and
    friends never pay for Textual or the HTTP stack."""
    if command is None:
        from tui.cli.launch import launch

        return launch
    if command == "show":
        from tui.cli.show import cmd_show

        return cmd_show
    if command == "wait":
        from tui.cli.wait import cmd_wait

        return cmd_wait
    if command == "report":
        from tui.cli.report import cmd_report

        return cmd_report
    if command in {"recent", "follow", "unfollow"}:
        from tui.cli import follow

        found: Callable[[argparse.Namespace], int] = getattr(follow, f"cmd_{command}")
        return found
    if command == "watch":
        from tui.cli.watch import cmd_watch

        return cmd_watch
    if command == "check":
        from tui.cli.check import cmd_check

        return cmd_check
    if command == "notify":
        from tui.cli.notify import cmd_notify

        return cmd_notify
    if command == "completion":
        return _print_completion
    if command == "simulate":
        from tui.cli.simulate import cmd_simulate

        return cmd_simulate
    from tui.cli import commands

    handler: Callable[[argparse.Namespace], int] = getattr(commands, f"cmd_{command}")
    return handler


def _print_completion(args: argparse.Namespace) -> int:
    """``taskwatch completion SHELL``: the script that completes taskwatch in that shell."""
    print(script_for(args.shell), end="")
    return EXIT["ok"]
