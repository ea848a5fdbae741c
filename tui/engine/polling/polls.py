"""One poll by ID (``GET …/jobs?id=``): the job API's answer, the next due time, and backoff.

A running task is asked again after the interval, or sooner when its estimate says its end is
near, or (without an estimate) when tasks that ran beside it ended (:mod:`.cadence`).

A task the cloud does not know yet is asked about again soon during its grace period (new IDs
take seconds to appear), then rarely; every other failure backs off exponentially with jitter,
at least as long as a ``Retry-After`` says. A running task's steps follow its answer when a
token is spare (:mod:`.steps`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tui.cloud.status import JobStatus
from tui.engine.polling.admission import Meaning, Pass
from tui.engine.polling.cadence import by_id_delay, unestimated_delay
from tui.engine.polling.outcomes import JobFetched
from tui.engine.polling.requests import as_task_center_error
from tui.errors import TaskCenterError

if TYPE_CHECKING:
    from tui.cloud.models import Job
    from tui.engine.polling.scheduler import Scheduler
    from tui.engine.polling.steps import Steps
    from tui.engine.polling.tracked import Tracked

__all__ = ["Polls"]

log = logging.getLogger(__name__)


class Polls:
    """The polls by ID of one poller.

    Args:
        poller: The poller whose tasks, gate and schedule the polls share.
        steps: Asked for a running task's steps after its answer.
        wall: Wall time (a new task's grace).
    """

    def __init__(self, poller: Scheduler, steps: Steps) -> None:
        self._poller = poller
        self._steps = steps

    async def run(self, tracked: Tracked, ticket: Pass) -> None:
        """Ask the job API about ``tracked`` and report what it said.

        Args:
            tracked: The task (in flight until this returns).
            ticket: The admitted request.
        """
        poller = self._poller
        try:
            try:
                result = await ticket.client.get_job(tracked.task_id)
            except Exception as exc:  # any failure is this request's outcome, never a crash
                self._failed(tracked, ticket, as_task_center_error(exc))
            else:
                poller.gate.succeeded(ticket)
                job = result.job
                self._answered(tracked, job, unchanged=result.unchanged)
                steps = self._steps.admit_now(tracked, job.status, job.instance.id, job.name)
                if steps is not None:
                    await self._steps.fetch(tracked, steps, job.name, job.instance.id)
                elif self._steps.final_due(tracked):  # no spare token now: as tokens allow
                    self._steps.enqueue(tracked, job.name, job.instance.id)
        finally:
            tracked.in_flight = False
            poller.settle(ticket)

    def _answered(self, tracked: Tracked, job: Job, *, unchanged: bool) -> None:
        poller = self._poller
        if not poller.is_current(tracked) or poller.stopped:
            return  # removed while the request was in flight, or shutting down
        config = poller.config
        tracked.failures = 0
        tracked.ever_found = True
        tracked.final = job.is_final
        tracked.running = JobStatus.parse(job.status) is JobStatus.RUNNING
        tracked.by_id_due = poller.now() + poller.jittered(config.by_id_every)
        poller.tell(JobFetched(tracked.task_id, job, unchanged))  # first: the estimate takes it in
        if not tracked.final:
            delay = config.interval
            if tracked.running:
                left = poller.seconds_left(tracked.task_id)
                delay = by_id_delay(config.interval, left, config.near_end_every)
                if left is None or left < 0:
                    # No estimate, or one it has outrun: says nothing of when it ends. It is
                    # asked at least as often as its part of the budget allows.
                    share = poller.budget.share(tracked.profile, poller.now())
                    delay = min(
                        delay, unestimated_delay(config.interval, share, config.near_end_every)
                    )
            poller.schedule(tracked, poller.now() + poller.jittered(delay))

    def _failed(self, tracked: Tracked, ticket: Pass, error: TaskCenterError) -> None:
        poller = self._poller
        now = poller.now()
        meaning = poller.gate.failed(ticket, error, essential=True)
        if meaning is Meaning.REFUSED:
            poller.schedule(tracked, now)  # ready the moment the credential is resumed
            poller.report_failure(tracked, error, not_found=False)
            return
        delay, not_found = self._retry_delay(tracked, meaning, error)
        expected = meaning is Meaning.NOT_FOUND and not not_found  # new IDs take seconds
        log.log(
            logging.INFO if expected else logging.WARNING,
            "refresh of %s failed (%s, attempt %d): %s",
            tracked.task_id,
            error.kind,
            tracked.failures,
            error,
        )
        poller.schedule(tracked, now + poller.jittered(delay) if delay > 1 else now + delay)
        poller.report_failure(tracked, error, not_found=not_found)

    def _retry_delay(
        self, tracked: Tracked, meaning: Meaning, error: TaskCenterError
    ) -> tuple[float, bool]:
        """When to ask again after ``error``, and whether the task now counts as not found."""
        poller = self._poller
        config = poller.config
        if meaning is Meaning.NOT_FOUND:
            tracked.failures = 0
            age = poller.wall() - tracked.added_at
            if not tracked.ever_found and age < config.not_found_grace:
                return config.not_found_retry, False
            return config.not_found_recheck, True
        tracked.failures += 1
        return poller.backoff(tracked.failures, error), False
