"""The team notifier: session events to sinks, never in the way of polling or keys.

Each sink has its own digest window, a bounded queue and one sending thread: a sink that is
down, slow or refuses costs its own thread's time (a timeout, a few retries with backoff) and
is reported once, when it goes wrong and when it works again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.engine.events import SessionEvent
from tui.team.delivery import SEND_TIMEOUT, AppriseDelivery, Delivery
from tui.team.messages import Message, TeamEvent, compose, team_event_of
from tui.team.sinks import Sink, sinks_from

if TYPE_CHECKING:
    from tui.engine.session import WatchSession

__all__ = ["QUEUE_LIMIT", "RETRY_DELAYS", "TeamNotifier", "notifier_for"]

log = logging.getLogger(__name__)

QUEUE_LIMIT = 50
"""Messages waiting per sink; past it the oldest is dropped (and the drop is said)."""
RETRY_DELAYS = (2.0, 8.0)
"""Seconds before the second and the third attempt."""

Problem = Callable[[str, "str | None"], None]
"""Told (sink name, why) when a sink stops taking messages; (sink name, None) once it works."""


@dataclass
class _Lane:
    """One sink's digest window, queue and state."""

    sink: Sink
    queue: asyncio.Queue[Message]
    pending: list[TeamEvent] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None
    worker: asyncio.Task[None] | None = None
    down: str | None = None
    dropped: int = 0


class TeamNotifier:
    """Sends the session's events to the team's sinks.

    Args:
        sinks: Where to send (from :func:`~tui.team.sinks.sinks_from`).
        problem: Told when a sink stops taking messages and when it works again.
        active: Whether this process is the one that tells the team (it holds the polling
            lease); events offered while it is not are dropped.
        delivery: How a message is sent (Apprise; tests pass a fake).
        retry_delays: Seconds before each further attempt.
        timeout: Seconds one attempt may take in all before it counts as failed.
    """

    def __init__(
        self,
        sinks: Sequence[Sink],
        problem: Problem,
        *,
        active: Callable[[], bool] = lambda: True,
        delivery: Delivery | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        timeout: float = SEND_TIMEOUT * 2 + 5,
    ) -> None:
        self._problem = problem
        self._active = active
        self._delivery = delivery or AppriseDelivery()
        self._retry_delays = tuple(retry_delays)
        self._timeout = timeout
        self._lanes = [_Lane(sink, asyncio.Queue(QUEUE_LIMIT)) for sink in sinks]
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, min(len(self._lanes), 8)), thread_name_prefix="taskwatch-notify"
        )
        self.sent = 0
        """Messages delivered (for ``watch``'s last line and the tests)."""

    @property
    def sinks(self) -> list[Sink]:
        """The sinks, in order."""
        return [lane.sink for lane in self._lanes]

    def offer(self, event: SessionEvent) -> None:
        """Take a session event (a session subscriber: called on the event loop, returns at once).

        Args:
            event: Anything the session reported; the ones a sink asked for are sent there.
        """
        if not self._lanes or not self._active():
            return
        team_event = team_event_of(event)
        if team_event is None:
            return
        for lane in self._lanes:
            if team_event.kind not in lane.sink.on:
                continue
            lane.pending.append(team_event)
            if lane.sink.digest <= 0:
                self._flush(lane)
            elif lane.timer is None:
                loop = asyncio.get_running_loop()
                lane.timer = loop.call_later(lane.sink.digest, self._flush, lane)

    def _flush(self, lane: _Lane) -> None:
        """The digest window closed: its events go into the queue as one message."""
        if lane.timer is not None:
            lane.timer.cancel()
            lane.timer = None
        if not lane.pending:
            return
        message, lane.pending = compose(lane.pending), []
        if lane.queue.full():
            lane.queue.get_nowait()
            lane.queue.task_done()
            lane.dropped += 1
            log.warning(
                "%s: a message dropped (%d so far): the sink is behind",
                lane.sink.name,
                lane.dropped,
            )
        lane.queue.put_nowait(message)
        if lane.worker is None:
            lane.worker = asyncio.get_running_loop().create_task(self._send_all(lane))

    async def _send_all(self, lane: _Lane) -> None:
        while True:
            message = await lane.queue.get()
            try:
                await self._send(lane, message)
            finally:
                lane.queue.task_done()

    async def _send(self, lane: _Lane, message: Message) -> None:
        why: str | None = None
        for delay in (0.0, *self._retry_delays):
            if delay:
                await asyncio.sleep(delay)
            why = await self.attempt(lane.sink, message)
            if why is None:
                self.sent += 1
                if lane.down is not None:
                    lane.down = None
                    log.info("%s: taking messages again", lane.sink.name)
                    self._problem(lane.sink.name, None)
                return
        if lane.down is None:  # said once per outage, not per message
            lane.down = why or "failed"
            log.warning("%s: not delivered: %s", lane.sink.name, lane.down)
            self._problem(lane.sink.name, lane.down)

    async def attempt(self, sink: Sink, message: Message) -> str | None:
        """One attempt to send ``message`` to ``sink``, in a sending thread, within the timeout.

        Args:
            sink: Where to.
            message: What.

        Returns:
            None when delivered, else why not.
        """
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, self._delivery.send, sink, message)
        try:
            return await asyncio.wait_for(future, self._timeout)
        except TimeoutError:
            return f"no answer within {self._timeout:.0f} s"

    async def aclose(self, patience: float = 3.0) -> None:
        """Send what is waiting (digests close early), for at most ``patience`` seconds, then stop.

        Args:
            patience: Seconds to wait for the queues to empty.
        """
        for lane in self._lanes:
            self._flush(lane)
        waits = [lane.queue.join() for lane in self._lanes if lane.worker is not None]
        if waits:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waits), patience)
        for lane in self._lanes:
            if lane.worker is not None:
                lane.worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await lane.worker
                lane.worker = None
            left = lane.queue.qsize()
            if left:
                log.warning("%s: %d message(s) not sent before exit", lane.sink.name, left)
        self._executor.shutdown(wait=False, cancel_futures=True)


def notifier_for(session: WatchSession, env: Mapping[str, str]) -> TeamNotifier | None:
    """The notifier of a session's ``[[notify]]`` tables, subscribed to it; None without any.

    Only the process that polls the watchlist (the lease holder) tells the team, so each event
    goes out once however many windows are open.

    Args:
        session: A started session (its settings are loaded).
        env: The environment, for ``${VAR}`` in the URLs.

    Returns:
        The notifier (close it with :meth:`TeamNotifier.aclose`), or None.

    Raises:
        ConfigError: A variable is not set, or a URL is not one.
    """
    tables = session.settings.notify
    if not tables:
        return None
    notifier = TeamNotifier(
        sinks_from(tables, env),
        session.sink_changed,
        active=lambda: session.leads,
        retry_delays=RETRY_DELAYS,
    )
    session.subscribe(notifier.offer)
    return notifier
