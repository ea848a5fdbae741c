"""The ``taskwatch`` command line: argument parsing, the subcommands, and launching the TUI."""

from tui.cli.dispatch import main

__all__ = ["main"]
