"""``taskwatch notify``: the team's sinks, and ``--test`` to prove each one works."""

from __future__ import annotations

import argparse
import asyncio
import os

from tui.cli.common import warn
from tui.cli.parser import EXIT
from tui.engine.setup.config import load_settings
from tui.engine.setup.paths import config_file
from tui.errors import ConfigError
from tui.team.delivery import SEND_DEADLINE, AppriseDelivery, unusable_sinks
from tui.team.messages import check_message
from tui.team.notifier import send_within
from tui.team.sinks import sinks_from

__all__ = ["cmd_notify"]


def cmd_notify(args: argparse.Namespace) -> int:
    """List the sinks (redacted); with ``--test``, send each a test message, one line per sink.

    Returns:
        0 when every sink took its message (or, without ``--test``, when sinks are set up);
        1 when any did not; 2 when no sink is configured.
    """
    settings = load_settings()
    sinks = sinks_from(settings.notify, os.environ)
    if not sinks:
        warn(
            f"no [[notify]] table in {config_file()}: add one with urls = [...] "
            "(see `taskwatch config --init`)"
        )
        return EXIT["usage"]
    if problems := unusable_sinks(sinks):
        raise ConfigError("[[notify]] " + "; ".join(problems))
    if not args.test:
        for sink in sinks:
            print(f"{sink.name}  on={','.join(sorted(sink.on))} digest={sink.digest:g}s")
        return EXIT["ok"]
    # Each sink in a daemon thread of its own, SEND_DEADLINE in all: one that hangs or
    # trickles is left behind and does not keep the process alive.
    results = asyncio.run(send_within(AppriseDelivery(), sinks, check_message(), SEND_DEADLINE))
    for sink, why in zip(sinks, results, strict=True):
        print(
            f"✔ {sink.name}  delivered" if why is None else f"✘ {sink.name}  not delivered: {why}"
        )
    return EXIT["ok"] if all(why is None for why in results) else EXIT["failed"]
