"""A running task's steps (ShowTaskDetails): asked for at most every ``steps_interval``, only
with the tokens the polls leave over, never while a poll waits for its turn; and once more when
the task ends (the final snapshot), so a failed task never keeps showing steps as running.

Steps are a nicety that must never crowd out the polls: after a poll's answer they take a spare
token at once if there is one; a task a roll call refreshed joins a queue that is served as
tokens allow, with at most a quarter of the request slots.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING

from tui.cloud.status import JobStatus
from tui.engine.polling.admission import Closed, Meaning, Pass
from tui.engine.polling.outcomes import StepsFetched, StepsRefused
from tui.engine.polling.requests import as_task_center_error
from tui.errors import TaskCenterError

if TYPE_CHECKING:
    from tui.engine.polling.scheduler import Scheduler
    from tui.engine.polling.tracked import Tracked

__all__ = ["Steps"]

log = logging.getLogger(__name__)


class Steps:
    """Asks for the steps of one poller's running tasks, with what its polls leave.

    Args:
        poller: The poller whose tasks, gate and request slots the steps requests share; it
            says when a poll waits for its turn, and steps then wait too.
    """

    def __init__(self, poller: Scheduler) -> None:
        self._poller = poller
        self._queue: deque[tuple[Tracked, str, str]] = deque()
        """Tasks whose steps are due (task, job name, instance ID), served one by one."""
        self._in_flight = 0
        self._no_details: dict[tuple[str, str], TaskCenterError] = {}
        """(profile, job name) → the cloud's answer that such a job has no details: the other
        tasks of that job are not asked (twenty reboots cost one request, not twenty)."""

    @property
    def waiting(self) -> bool:
        """Whether steps are queued."""
        return bool(self._queue)

    def due(self, tracked: Tracked, status: str, instance_id: str, now: float) -> bool:
        """Whether a task's steps may be asked for now, tokens and waiting polls aside.

        Args:
            tracked: The task.
            status: Its job's status now.
            instance_id: Its job's instance (a job without one shows no steps).
            now: Monotonic time.

        Returns:
            True for a running, current task whose steps were not refused and are due, or a
            task that just ended whose final snapshot is not asked for yet.
        """
        poller = self._poller
        running = (
            JobStatus.parse(status) is JobStatus.RUNNING
            and not tracked.final
            and now >= tracked.steps_due
        )
        return (
            (running or self.final_due(tracked))
            and bool(instance_id)
            and not tracked.steps_refused
            and not poller.stopped
            and not poller.paused
            and not poller.gate.is_blocked(tracked.profile)
            and poller.is_current(tracked)
        )

    @staticmethod
    def final_due(tracked: Tracked) -> bool:
        """Whether the task ended with steps seen and its final snapshot is not asked yet."""
        return tracked.final and tracked.steps_seen and not tracked.final_steps

    def _known_without(self, tracked: Tracked, name: str) -> bool:
        """Whether the cloud said a job of this name has no details: the task is refused as
        that one was, without a request."""
        error = self._no_details.get((tracked.profile, name.strip()))
        if error is None or tracked.steps_refused:
            return error is not None
        tracked.steps_refused = True
        if self._poller.is_current(tracked):
            self._poller.tell(StepsRefused(tracked.task_id, error))
        return True

    def admit_now(
        self, tracked: Tracked, status: str, instance_id: str, name: str = ""
    ) -> Pass | None:
        """A pass for the task's steps right after its job answer, if they are due and a token
        is spare (no poll waiting).

        Args:
            tracked: The task just answered.
            status: Its job's status.
            instance_id: Its job's instance.
            name: Its job's name.

        Returns:
            The pass, or None.
        """
        poller = self._poller
        now = poller.now()
        if not self.due(tracked, status, instance_id, now) or poller.poll_waiting(now):
            return None
        if self._known_without(tracked, name):
            return None
        ticket = poller.gate.admit(tracked.profile, now, probe_ok=False)
        if not isinstance(ticket, Pass):
            return None
        self._taken(tracked, now)
        return ticket

    def _taken(self, tracked: Tracked, now: float) -> None:
        """The task's steps are being asked for: not due again for an interval (or ever, for
        the final snapshot)."""
        tracked.steps_due = now + self._poller.config.steps_interval
        if tracked.final:
            tracked.final_steps = True

    def enqueue(self, tracked: Tracked, name: str, instance_id: str) -> None:
        """Queue a roll-called task's steps, if they are due.

        Args:
            tracked: The task.
            name: Its job name.
            instance_id: Its instance.
        """
        status = JobStatus.RUNNING if tracked.running else ""
        if (
            not tracked.steps_queued
            and self.due(tracked, status, instance_id, self._poller.now())
            and not self._known_without(tracked, name)
        ):
            tracked.steps_queued = True
            self._queue.append((tracked, name, instance_id))

    def dispatch(self, now: float) -> None:
        """Ask for queued steps with the tokens the polls leave, while no poll waits.

        Args:
            now: Monotonic time.
        """
        poller = self._poller
        most = max(1, poller.config.concurrency // 4)  # the other slots stay free for polls
        while self._queue and self._in_flight < most and poller.slot_free():
            tracked, name, instance_id = self._queue[0]
            if not self.due(
                tracked, JobStatus.RUNNING if tracked.running else "", instance_id, now
            ):
                self._queue.popleft()
                tracked.steps_queued = False
                continue
            if poller.poll_waiting(now):
                return  # polls first
            ticket = poller.gate.admit(tracked.profile, now, probe_ok=False)
            if ticket is Closed.BUCKET_EMPTY:
                poller.wait_for_token(tracked.profile, now)
                return
            self._queue.popleft()
            tracked.steps_queued = False
            if not isinstance(ticket, Pass):
                continue
            self._in_flight += 1  # counted now: the request starts only after this loop
            # Due no more from now: a poll answered before this request starts must not ask
            # for the same steps again (a roll call a second queues them often).
            self._taken(tracked, now)
            request = poller.start(self.fetch(tracked, ticket, name, instance_id), [])
            request.add_done_callback(self._finished)

    def _finished(self, _task: object) -> None:
        self._in_flight -= 1

    async def fetch(self, tracked: Tracked, ticket: Pass, name: str, instance_id: str) -> None:
        """Ask for the task's steps and report what came back.

        Args:
            tracked: The task.
            ticket: The admitted request.
            name: Its job name.
            instance_id: Its instance.
        """
        poller = self._poller
        self._taken(tracked, poller.now())
        try:
            steps = await ticket.client.get_steps(tracked.task_id, name, instance_id)
        except Exception as exc:  # any failure is this request's outcome, never a crash
            error = as_task_center_error(exc)
            meaning = poller.gate.failed(ticket, error, essential=False)
            unsendable = not isinstance(exc, TaskCenterError)  # e.g. a 1 MB name in the URL
            if meaning in (Meaning.REJECTED, Meaning.NOT_FOUND) or unsendable:
                # The cloud's answer for a job without details: remember it, ask no more.
                tracked.steps_refused = True
                if not unsendable:
                    self._no_details[(tracked.profile, name.strip())] = error
                log.info("no steps for %s: %s", tracked.task_id, error)
                if poller.is_current(tracked):
                    poller.tell(StepsRefused(tracked.task_id, error))
            elif meaning is Meaning.REFUSED:
                poller.schedule(tracked, poller.now())  # polled again once it is resumed
            else:  # weather: try again next interval
                log.warning("steps of %s not fetched (%s): %s", tracked.task_id, error.kind, error)
        else:
            poller.gate.succeeded(ticket)
            tracked.steps_seen = True
            if poller.is_current(tracked):
                poller.tell(StepsFetched(tracked.task_id, steps))
        finally:
            poller.gate.settle(ticket)
