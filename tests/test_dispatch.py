"""The dispatch loop's bookkeeping: no turn lost, no wake-up waited for that never comes."""

from __future__ import annotations

import asyncio
import random

from tui.engine.polling.admission import Gate
from tui.engine.polling.dispatch import Dispatcher
from tui.engine.polling.scheduler import PollerConfig
from tui.engine.polling.tracked import Tracked


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _dispatcher(clock: Clock) -> Dispatcher:
    gate = Gate(lambda outcome: None, {}, clock, clock)
    return Dispatcher(
        PollerConfig(), gate, clock, clock, random.Random(1), lambda o: None, lambda t: None
    )


def _tracked(dispatcher: Dispatcher, task_id: str) -> Tracked:
    tracked = Tracked(task_id, "p", 0.0)
    dispatcher.tasks.tracked[task_id] = tracked
    return tracked


def test_an_entry_due_after_the_dispatch_read_the_clock_is_not_waited_for() -> None:
    clock = Clock()
    dispatcher = _dispatcher(clock)
    dispatcher.schedule(_tracked(dispatcher, "t"), clock.now + 0.001)
    dispatcher.dispatch_due()  # not due yet at its reading of the clock
    clock.now += 0.002  # ...and due by the time the loop asks how long to sleep
    # Nothing is in flight to wake the loop: "wait for an event" (None) would be for good.
    assert dispatcher.next_wakeup() == 0.0


async def test_a_turn_that_comes_while_the_task_is_in_flight_is_taken_when_it_lands() -> None:
    clock = Clock()
    dispatcher = _dispatcher(clock)
    tracked = _tracked(dispatcher, "t")
    release = asyncio.Event()

    async def request() -> None:  # a poll whose steps are still being asked for
        await release.wait()
        tracked.in_flight = False

    dispatcher.start(request(), [tracked])
    dispatcher.schedule(tracked, clock.now + 1.0)  # the answer put the next poll in a second
    clock.now += 2.0  # the steps took longer than that
    assert dispatcher.tasks.pop_due(clock.now) is None  # in flight: not now...
    release.set()
    await asyncio.gather(*dispatcher.in_flight)
    due = dispatcher.tasks.pop_due(clock.now)
    assert due is not None and due[1] is tracked  # ...but as soon as it lands


async def test_a_request_that_put_the_task_elsewhere_since_is_not_overruled() -> None:
    clock = Clock()
    dispatcher = _dispatcher(clock)
    tracked = _tracked(dispatcher, "t")
    dispatcher.schedule(tracked, clock.now)  # due while a roll call lists it
    release = asyncio.Event()

    async def roll_call() -> None:
        await release.wait()
        dispatcher.schedule(tracked, clock.now + 1.0)  # found: its next turn with the group
        tracked.in_flight = False

    dispatcher.start(roll_call(), [tracked])
    assert dispatcher.tasks.pop_due(clock.now) is None
    release.set()
    await asyncio.gather(*dispatcher.in_flight)
    assert dispatcher.tasks.pop_due(clock.now) is None  # not asked again at once
    assert dispatcher.tasks.until_next() == 1.0
