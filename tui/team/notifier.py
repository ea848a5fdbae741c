"""The team notifier: session events to sinks, never in the way of polling or keys.

Each sink has its own digest window, a bounded queue and its own sending threads: a sink that
is down, slow or trickles its answer costs only its own time (a deadline per attempt, a few
retries with backoff) and is reported once, when it goes wrong and when it works again. An
attempt that misses its deadline is abandoned to a daemon thread, so it holds no slot another
sink needs and cannot keep the process alive at exit.

Before an event goes out, the process confirms in the database that it still holds the polling
lease and records the event as told, in one transaction: each event is sent once per watchlist,
even by a holder that wakes from SIGSTOP after another took over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.engine.events import SessionEvent
from tui.errors import ConfigError
from tui.team.delivery import SEND_DEADLINE, AppriseDelivery, Delivery, unusable_sinks
from tui.team.messages import Message, TeamEvent, compose, team_event_of
from tui.team.sinks import Sink, sinks_from

if TYPE_CHECKING:
    from tui.engine.session import WatchSession

__all__ = [
    "CLOSE_PATIENCE",
    "QUEUE_LIMIT",
    "RETRY_DELAYS",
    "TeamNotifier",
    "Undelivered",
    "notifier_for",
    "send_in_thread",
    "send_within",
]

log = logging.getLogger(__name__)

QUEUE_LIMIT = 50
"""Messages waiting per sink; past it the oldest is dropped (and the drop is said)."""
RETRY_DELAYS = (2.0, 8.0)
"""Seconds before the second and the third attempt."""
CLOSE_PATIENCE = 5.0
"""Seconds a closing notifier waits for its sinks (a systemd stop must not time out)."""
ABANDONED_LIMIT = 2
"""Attempts past their deadline a sink may still have running before it counts as hung."""
CONFIRM_RETRY = 1.0
"""Seconds before an event held back by a locked database is confirmed again."""

Problem = Callable[[str, "str | None"], None]
"""Told (sink name, why) when a sink stops taking messages; (sink name, None) once it works."""
Confirm = Callable[["str | None"], "bool | None"]
"""Asked before an event is sent: True to send, False not to, None to ask again shortly."""


@dataclass(frozen=True)
class Undelivered:
    """Messages that never reached their sink in this run: failed, dropped, or left at exit.

    Attributes:
        count: How many messages.
        sinks: The (redacted) names of the sinks they were for.
    """

    count: int
    sinks: tuple[str, ...]

    def sentence(self) -> str:
        """``2 team message(s) not delivered (to #1.1 json://…)``."""
        return f"{self.count} team message(s) not delivered (to {', '.join(self.sinks)})"


@dataclass
class _Lane:
    """One sink's digest window, queue and state."""

    sink: Sink
    queue: asyncio.Queue[Message]
    pending: list[TeamEvent] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None
    worker: asyncio.Task[None] | None = None
    sending: Message | None = None
    abandoned: list[threading.Thread] = field(default_factory=list)
    down: str | None = None
    lost: int = 0


def send_in_thread(
    delivery: Delivery, sink: Sink, message: Message
) -> tuple[asyncio.Future[str | None], threading.Thread]:
    """Start ``delivery.send`` in a daemon thread of its own; its outcome as a future.

    A thread per attempt (not a pool): one that never ends holds no slot another sink needs,
    and a daemon thread does not keep the process alive at exit.

    Args:
        delivery: How to send.
        sink: Where to.
        message: What.

    Returns:
        The future of the send's outcome (None or why not), and its thread.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str | None] = loop.create_future()

    def settle(outcome: str | None) -> None:
        if not future.done():
            future.set_result(outcome)

    def run() -> None:
        try:
            outcome = delivery.send(sink, message)
        except Exception as exc:  # a plugin's bug is a failed send, not a dead thread
            outcome = f"the {type(exc).__name__} of the sender"
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            loop.call_soon_threadsafe(settle, outcome)

    thread = threading.Thread(target=run, name="taskwatch-notify", daemon=True)
    thread.start()
    return future, thread


async def send_within(
    delivery: Delivery, sinks: Sequence[Sink], message: Message, deadline: float
) -> list[str | None]:
    """Send ``message`` to every sink at once, each in its own thread, waiting ``deadline``
    seconds in all (``notify --test``): a sink that hangs or trickles cannot hold the rest.

    Args:
        delivery: How to send.
        sinks: Where to.
        message: What.
        deadline: Seconds to wait for them all.

    Returns:
        Per sink, in order: None when delivered, else why not.
    """
    futures = [send_in_thread(delivery, sink, message)[0] for sink in sinks]
    await asyncio.wait(futures, timeout=deadline)
    late = f"no answer within {deadline:.0f} s"
    return [future.result() if future.done() else late for future in futures]


class TeamNotifier:
    """Sends the session's events to the team's sinks.

    Args:
        sinks: Where to send (from :func:`~tui.team.sinks.sinks_from`).
        problem: Told when a sink stops taking messages and when it works again.
        confirm: Asked with each event's key before it is sent (the polling lease's
            :meth:`~tui.engine.session.lease.PollingLease.confirm`); always yes by default.
        delivery: How a message is sent (Apprise; tests pass a fake).
        retry_delays: Seconds before each further attempt.
        deadline: Seconds one attempt may take in all (connecting, sending, reading).
    """

    def __init__(
        self,
        sinks: Sequence[Sink],
        problem: Problem,
        *,
        confirm: Confirm = lambda key: True,
        delivery: Delivery | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        deadline: float = SEND_DEADLINE,
    ) -> None:
        self._problem = problem
        self._confirm = confirm
        self._delivery = delivery or AppriseDelivery()
        self._retry_delays = tuple(retry_delays)
        self._deadline = deadline
        self._lanes = [_Lane(sink, asyncio.Queue(QUEUE_LIMIT)) for sink in sinks]
        self._held: list[TeamEvent] = []
        self._held_timer: asyncio.TimerHandle | None = None
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
        team_event = team_event_of(event) if self._lanes else None
        if team_event is None or not any(team_event.kind in lane.sink.on for lane in self._lanes):
            return
        self._confirm_and_route(team_event)

    def _confirm_and_route(self, team_event: TeamEvent) -> None:
        verdict = self._confirm(team_event.key)
        if verdict is None:  # the database is locked: confirm again in a moment
            self._held.append(team_event)
            if self._held_timer is None:
                loop = asyncio.get_running_loop()
                self._held_timer = loop.call_later(CONFIRM_RETRY, self._confirm_held)
        elif verdict:
            self._route(team_event)

    def _confirm_held(self) -> None:
        self._held_timer = None
        held, self._held = self._held, []
        for team_event in held:
            self._confirm_and_route(team_event)

    def _route(self, team_event: TeamEvent) -> None:
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
            lane.lost += 1
            log.warning(
                "%s: a message dropped (%d lost so far): the sink is behind",
                lane.sink.name,
                lane.lost,
            )
        lane.queue.put_nowait(message)
        if lane.worker is None:
            lane.worker = asyncio.get_running_loop().create_task(self._send_all(lane))

    async def _send_all(self, lane: _Lane) -> None:
        while True:
            lane.sending = await lane.queue.get()
            try:
                if await self._send(lane, lane.sending):
                    self.sent += 1
                else:
                    lane.lost += 1
            finally:
                lane.sending = None
                lane.queue.task_done()

    async def _send(self, lane: _Lane, message: Message) -> bool:
        why: str | None = None
        for delay in (0.0, *self._retry_delays):
            if delay:
                await asyncio.sleep(delay)
            why = await self._attempt(lane, message)
            if why is None:
                if lane.down is not None:
                    lane.down = None
                    log.info("%s: taking messages again", lane.sink.name)
                    self._problem(lane.sink.name, None)
                return True
        if lane.down is None:  # said once per outage, not per message
            lane.down = why or "failed"
            log.warning("%s: not delivered: %s", lane.sink.name, lane.down)
            self._problem(lane.sink.name, lane.down)
        return False

    async def _attempt(self, lane: _Lane, message: Message) -> str | None:
        lane.abandoned = [thread for thread in lane.abandoned if thread.is_alive()]
        if len(lane.abandoned) >= ABANDONED_LIMIT:  # hung: no new thread until one ends
            return f"earlier sends still hang (more than {self._deadline:.0f} s each)"
        future, thread = send_in_thread(self._delivery, lane.sink, message)
        try:
            return await asyncio.wait_for(future, self._deadline)
        except TimeoutError:
            lane.abandoned.append(thread)
            return f"no answer within {self._deadline:.0f} s"

    async def aclose(self, patience: float = CLOSE_PATIENCE) -> Undelivered | None:
        """Send what is waiting (digests close early) for at most ``patience`` seconds, stop,
        and count what never reached its sink (logged here; the caller says it to the user).

        Args:
            patience: Seconds to wait for the queues to empty.

        Returns:
            The messages not delivered in this run, or None when every one was.
        """
        if self._held_timer is not None:
            self._held_timer.cancel()
            self._confirm_held()  # one last look; what stays held is lost
        for lane in self._lanes:
            self._flush(lane)
        waits = [lane.queue.join() for lane in self._lanes if lane.worker is not None]
        if waits:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waits), patience)
        for lane in self._lanes:
            left = lane.queue.qsize() + (lane.sending is not None)
            if lane.worker is not None:
                lane.worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await lane.worker
                lane.worker = None
            if left:
                lane.lost += left
                log.warning("%s: %d message(s) not sent before exit", lane.sink.name, left)
        if self._held:
            log.warning("%d team event(s) never confirmed (the database stayed locked)",
                        len(self._held))  # fmt: skip
        lost = [lane for lane in self._lanes if lane.lost]
        if not lost:
            return None
        undelivered = Undelivered(
            sum(lane.lost for lane in lost), tuple(lane.sink.name for lane in lost)
        )
        log.warning("%s", undelivered.sentence())
        return undelivered


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
        ConfigError: A variable is not set or names a credential, or a URL is not one Apprise
            can send to.
    """
    tables = session.settings.notify
    if not tables:
        return None
    sinks = sinks_from(tables, env)
    if problems := unusable_sinks(sinks):
        raise ConfigError("[[notify]] " + "; ".join(problems))
    notifier = TeamNotifier(
        sinks,
        session.health.sink_changed,
        confirm=session.lease.confirm,
        retry_delays=RETRY_DELAYS,
    )
    session.subscribe(notifier.offer)
    return notifier
