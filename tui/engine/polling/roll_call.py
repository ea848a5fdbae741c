"""Roll calls: one list of a profile's running tasks refreshes them all, instead of one request
each.

When a profile has ``roll_call_min`` or more running tasks, one list request (``status=Running``,
50 tasks a page) refreshes every one of them, every ``roll_call_every`` seconds within the
request budget (:mod:`.cadence`), and goes on while any of them runs (the budget of those that
ended pays for it, :mod:`.budget`). A task the list leaves out (it ended, or the list
is not what the job API says) is asked about by ID at once, so a final answer always comes from
the job API with its entities; each task is also asked by ID every ``by_id_every`` (a list
entry has no entities). A refused or failing list turns roll calls off for the profile for a
while, and its tasks are polled one by one meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from tui.cloud.status import JobStatus
from tui.engine.polling.admission import Meaning, Pass
from tui.engine.polling.cadence import roll_call_period
from tui.engine.polling.outcomes import TasksListed
from tui.engine.polling.requests import as_task_center_error
from tui.engine.polling.steps import Steps
from tui.errors import TaskCenterError

if TYPE_CHECKING:
    from tui.cloud.client import ListPage
    from tui.cloud.listing import ListedTask
    from tui.engine.polling.scheduler import Scheduler
    from tui.engine.polling.tracked import Tracked

__all__ = ["RollCalls"]

log = logging.getLogger(__name__)

_LISTED_CHUNK = 100
"""Roll call answers reported at once, between which the event loop runs."""


class RollCalls:
    """The roll calls of one poller.

    Args:
        poller: The poller whose tasks, gate and schedule the roll calls share.
        steps: Where the steps of the tasks found are queued.
    """

    def __init__(self, poller: Scheduler, steps: Steps) -> None:
        self._poller = poller
        self._steps = steps
        self._off: dict[str, float] = {}
        """Profiles whose roll calls are off, until when (monotonic)."""

    def group(self, tracked: Tracked, now: float) -> list[Tracked]:
        """The tasks one list request should refresh with ``tracked``, or [] to poll it alone.

        Every running task of the profile that is not in flight goes in, due or not, so they
        all fall due together again and the next roll call takes them all.

        Args:
            tracked: The task whose turn it is.
            now: Monotonic time.

        Returns:
            The group (``tracked`` included), or [].
        """
        poller = self._poller
        minimum = poller.config.roll_call_min
        profile = tracked.profile
        if (
            minimum <= 0
            or not poller.gate.verified(profile)
            or not _may_roll_call(tracked, now)
            or self._off.get(profile, 0.0) > now
        ):
            return []
        group = [
            other
            for other in poller.tracked_of(profile)
            if (other is tracked or not other.in_flight) and _may_roll_call(other, now)
        ]
        # Enough to start one; once started, while any runs (the budget the others left pays).
        enough = len(group) >= minimum or poller.budget.peak(profile, now) >= minimum
        return group if group and enough else []

    async def run(self, ticket: Pass, group: list[Tracked]) -> None:
        """Refresh ``group`` (running tasks of the ticket's profile) with one list.

        Args:
            ticket: The admitted request.
            group: The tasks to refresh.
        """
        poller = self._poller
        bucket = ticket.bucket
        try:
            page = await ticket.client.list_tasks(
                "instant", status=JobStatus.RUNNING, on_page=lambda: bucket.spend(poller.now())
            )
        except Exception as exc:  # a bug here must not leave a thousand tasks unpolled
            if not isinstance(exc, TaskCenterError):
                log.exception("listing the running tasks of %s broke", ticket.profile)
            self._failed(ticket, group, as_task_center_error(exc))
            return
        finally:
            for tracked in group:
                tracked.in_flight = False
            poller.gate.settle(ticket)
            poller.wake()
        poller.gate.succeeded(ticket)
        if not poller.stopped:
            await self._found(ticket.profile, page, group)

    async def _found(self, profile: str, page: ListPage, group: list[Tracked]) -> None:
        """Report the listed tasks, ask the missing ones by ID, queue the steps due."""
        poller = self._poller
        listed = {
            item.id: item
            for item in page.tasks
            if JobStatus.parse(item.status) is JobStatus.RUNNING
        }
        now = poller.now()
        budget = max(len(group), poller.budget.peak(profile, now))  # the tasks it pays for
        if page.requests >= budget:
            # The project runs far more than we watch: one request each is cheaper for now.
            self._off[profile] = now + poller.config.roll_call_pause
            log.info("the running tasks of %s took %d pages for %d watched: polling them one "
                     "by one for a while", profile, page.requests, len(group))  # fmt: skip
        config = poller.config
        period = roll_call_period(config.roll_call_every, config.interval, page.requests, budget)
        due = now + poller.jittered(period)  # one due time: they stay together
        found: list[tuple[Tracked, ListedTask]] = []
        for tracked in group:
            if not poller.is_current(tracked) or tracked.final:
                continue  # removed, or ended by a poll while the list was out
            item = listed.get(tracked.task_id)
            if item is None:
                tracked.by_id_due = 0.0  # it ended, or the list left it out: ask by ID, now
                poller.schedule(tracked, now)
                continue
            tracked.failures = 0
            poller.schedule(tracked, due)
            found.append((tracked, item))
        if not found:
            self._off[profile] = now + poller.config.roll_call_pause
            log.warning("the list of running tasks of %s had none of %d watched: polling "
                        "them one by one for a while", profile, len(group))  # fmt: skip
            return
        for start in range(0, len(found), _LISTED_CHUNK):
            if start:
                await asyncio.sleep(0)  # a thousand answers: keys and frames go in between
            answers = [
                (t.task_id, item)
                for t, item in found[start : start + _LISTED_CHUNK]
                if poller.is_current(t) and not t.final  # not ended meanwhile
            ]
            if answers and not poller.stopped:
                poller.tell(TasksListed(answers))
        for tracked, item in found:
            self._steps.enqueue(tracked, item.name, item.instance_id)
        self._steps.dispatch(poller.now())

    def _failed(self, ticket: Pass, group: list[Tracked], error: TaskCenterError) -> None:
        """A roll call's list failed. Throttled: the group backs off together (a list is the
        cheapest way to ask). Refused (an IAM action missing, a parameter this cloud rejects):
        roll calls stop for ``roll_call_pause``. Anything else (a 5xx, a timeout, an unreadable
        page): roll calls stop for a short while. Either way its tasks are then asked by ID."""
        poller = self._poller
        config = poller.config
        now = poller.now()
        group = [t for t in group if poller.is_current(t) and not t.final]
        meaning = poller.gate.failed(ticket, error, essential=False)
        if meaning is Meaning.REFUSED:
            for tracked in group:
                poller.schedule(tracked, now)  # ready the moment the credential is resumed
            return
        if meaning is Meaning.THROTTLED:
            failures = max((t.failures for t in group), default=0) + 1
            delay = poller.backoff(failures, error)
            for tracked in group:
                tracked.failures = failures
                poller.schedule(tracked, now + delay)
                poller.report_failure(tracked, error, not_found=False)
            return
        refused = meaning in (Meaning.REJECTED, Meaning.NOT_FOUND)
        pause = config.roll_call_pause if refused else max(60.0, 4 * config.interval)
        self._off[ticket.profile] = now + pause
        for tracked in group:
            poller.schedule(tracked, now)
        log.warning("listing the running tasks of %s failed (%s): polling them one by one for "
                    "%.0f s: %s", ticket.profile, error.kind, pause, error)  # fmt: skip


def _may_roll_call(tracked: Tracked, now: float) -> bool:
    return (
        tracked.running
        and tracked.ever_found
        and not tracked.final
        and tracked.by_id_due > now  # otherwise its turn to be asked by ID has come
    )
