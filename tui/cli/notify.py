"""``taskwatch notify``: the team's sinks, and ``--test`` to prove each one works."""

from __future__ import annotations

import argparse
import os
import threading
import time

from tui.cli.common import warn
from tui.cli.parser import EXIT
from tui.engine.setup.config import load_settings
from tui.engine.setup.paths import config_file
from tui.errors import ConfigError
from tui.team.delivery import SEND_DEADLINE, AppriseDelivery, unusable_sinks
from tui.team.messages import check_message
from tui.team.sinks import Sink, sinks_from

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
    results = _test_all(sinks)
    for sink, why in zip(sinks, results, strict=True):
        print(
            f"✔ {sink.name}  delivered" if why is None else f"✘ {sink.name}  not delivered: {why}"
        )
    return EXIT["ok"] if all(why is None for why in results) else EXIT["failed"]


def _test_all(sinks: list[Sink]) -> list[str | None]:
    """Send each sink the test message at once, each in a daemon thread of its own, and wait
    at most :data:`SEND_DEADLINE` in all: a sink that hangs or trickles cannot hold the
    command (its thread is left behind and does not keep the process alive)."""
    delivery = AppriseDelivery()
    message = check_message()
    results: dict[int, str | None] = {}

    def send(index: int, sink: Sink) -> None:
        results[index] = delivery.send(sink, message)

    threads = [
        threading.Thread(target=send, args=(index, sink), daemon=True)
        for index, sink in enumerate(sinks)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + SEND_DEADLINE
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    late = f"no answer within {SEND_DEADLINE:.0f} s"
    return [results.get(index, late) for index in range(len(sinks))]
