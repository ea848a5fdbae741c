"""The ``taskwatch`` entry point: parse, set up logging, run the command, map errors to exits."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tui.cli.parser import EXIT, build_parser
from tui.errors import TaskwatchError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from tui.cli import commands
    from tui.engine.logs import setup_logging

    setup_logging(debug=bool(getattr(args, "debug", False)))
    handlers = {
        None: commands.run_tui,
        "add": commands.cmd_add,
        "remove": commands.cmd_remove,
        "list": commands.cmd_list,
        "show": commands.cmd_show,
        "wait": commands.cmd_wait,
        "export": commands.cmd_export,
        "import": commands.cmd_import,
        "simulate": commands.cmd_simulate,
        "config": commands.cmd_config,
    }
    try:
        return handlers[args.command](args)
    except TaskwatchError as exc:  # anything expected: one line, no traceback
        print(f"taskwatch: {exc}", file=sys.stderr)
        return EXIT["usage"]
    except KeyboardInterrupt:
        return 130
