"""Recording what the poller learned: each outcome becomes a record change and its event.

The one place where an answer turns into state: the watchlist records it, the estimator learns
from it, the credential keeper hears that the gateway answered, deadlines are checked, and the
session's subscribers are told in the one vocabulary of :mod:`tui.engine.events`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.cloud.status import JobStatus
from tui.engine.changes import Change
from tui.engine.eta import Estimator
from tui.engine.events import (
    CredentialRefused,
    CredentialRestored,
    EndpointChanged,
    RefreshFailed,
    SessionEvent,
    TaskFinished,
    TaskRefreshed,
    TasksChecked,
)
from tui.engine.polling.outcomes import (
    FetchFailed,
    JobFetched,
    PollOutcome,
    StepsFetched,
    StepsRefused,
    TasksListed,
)
from tui.engine.records import TaskRecord, finished_while_watched
from tui.engine.session.credentials import CredentialKeeper
from tui.engine.session.deadlines import Deadlines
from tui.engine.session.watchlist import Watchlist
from tui.engine.views import TaskView
from tui.errors import AuthenticationError, JobNotFoundError, TaskCenterError

if TYPE_CHECKING:
    from tui.cloud.listing import ListedTask
    from tui.cloud.models import Job
    from tui.cloud.steps import TaskSteps

__all__ = ["Answers"]

log = logging.getLogger(__name__)


class Answers:
    """Turns the poller's outcomes into record changes and events.

    Args:
        watchlist: Where the answers are recorded.
        estimator: Learns durations and progress from them.
        view_of: A record's view (built once per answer), handed over with the event.
        credentials: Hears that the gateway answered (or refused).
        deadlines: Checked after each answer about a task.
        emit: Tells the session's subscribers.
        wall: Wall time.
    """

    def __init__(
        self,
        watchlist: Watchlist,
        estimator: Estimator,
        view_of: Callable[[TaskRecord], TaskView],
        credentials: CredentialKeeper,
        deadlines: Deadlines,
        emit: Callable[[SessionEvent], None],
        wall: Callable[[], float],
    ) -> None:
        self._watchlist = watchlist
        self._estimator = estimator
        self._view_of = view_of
        self._credentials = credentials
        self._deadlines = deadlines
        self._emit = emit
        self._wall = wall
        self.endpoints: dict[str, EndpointChanged] = {}
        """How each endpoint is doing, as last heard."""

    def heard(self, outcome: PollOutcome) -> None:
        """Record what the poller learned and tell subscribers (on the event loop, in order)."""
        match outcome:
            case JobFetched(task_id, job, unchanged):
                if not (unchanged and self._answered_again(task_id, job)):
                    self._job_fetched(task_id, job)
            case TasksListed(listed):
                self._tasks_listed(listed)
            case FetchFailed(task_id, error, failures, not_found):
                self._fetch_failed(task_id, error, failures=failures, not_found=not_found)
            case StepsFetched(task_id, steps):
                self._steps_fetched(task_id, steps)
            case StepsRefused(task_id, error):
                self._steps_refused(task_id, error)
            case CredentialRefused(profiles, error):
                self._credentials.refused_now(profiles, error)
                self._emit(outcome)
            case CredentialRestored(profiles):
                self._credentials.restored(profiles)
                self._emit(outcome)
            case EndpointChanged():
                self.endpoints[outcome.endpoint] = outcome
                self._emit(outcome)

    def _job_fetched(self, task_id: str, job: Job) -> None:
        """Record a fetched job; tell subscribers, and decide on a notification if it ended.

        Args:
            task_id: The task asked about.
            job: The answer.
        """
        result = self._watchlist.results.fetched(task_id, job, self._wall())
        if result is None:
            return
        record, recorded = result
        now = self._wall()
        self._credentials.accepted(record.profile)
        self._estimator.observe(record, now)
        if recorded.changed:
            log.info("%s is %s %s", task_id, job.status, job.process)
        self._emit(TaskRefreshed(record, recorded, self._view_of(record)))
        if recorded.finished:
            self._emit(TaskFinished(record, announce=finished_while_watched(record)))
        self._deadlines.check(self._watchlist.records.get(task_id, record), now)

    def _answered_again(self, task_id: str, job: Job) -> bool:
        """An answer by ID that was its previous one again, for a record fetched with it: the
        record is checked (in memory now, in the file with the others at most once a second)
        and told as an answer that moved nothing (the row's "checked" cell moves); nothing is
        parsed, compared or written once per answer.

        Args:
            task_id: The task asked about.
            job: The job parsed from the same bytes before.

        Returns:
            False if the record is not the one fetched with ``job`` (a roll call or another
            process moved it since, or it shows an error): the answer is taken as any other.
        """
        old = self._watchlist.records.get(task_id)
        if old is None or not old.holds(job) or old.error_kind is not None or old.not_found:
            return False
        now = self._wall()
        record = self._watchlist.results.answered_again(task_id, now)
        self._credentials.accepted(record.profile)
        self._emit(TaskRefreshed(record, Change(False, record.status), self._view_of(record)))
        self._deadlines.check(record, now)
        return True

    def _tasks_listed(self, listed: list[tuple[str, ListedTask]]) -> None:
        """Record what a roll call found: a task whose list entry moves something shown is
        recorded as a fetch of the job with the entry's values; the rest are checked at once.

        Args:
            listed: Task IDs with their list entries.
        """
        from tui.cloud.listing import updated_job

        quiet: list[str] = []
        for task_id, item in listed:
            record = self._watchlist.records.get(task_id)
            job = record.job if record is not None else None
            if job is None:
                continue  # never answered by ID: its first answer comes from a poll
            moved = updated_job(job, item)
            if moved is None:
                quiet.append(task_id)
            else:
                self._job_fetched(task_id, moved)
        records = self._watchlist.results.checked(quiet, self._wall())
        if records:
            self._credentials.accepted(records[0].profile)
            self._emit(TasksChecked(tuple(records)))

    def _steps_fetched(self, task_id: str, steps: TaskSteps) -> None:
        """Record a running task's steps and tell subscribers (its ETA may have moved).

        Args:
            task_id: The task asked about.
            steps: The answer.
        """
        now = self._wall()
        old = self._watchlist.records.get(task_id)
        record = self._watchlist.results.steps_fetched(task_id, steps, now)
        if record is None:
            return
        changed = old is None or old.steps_json != record.steps_json
        change = Change(False, record.status, steps=changed)
        self._emit(TaskRefreshed(record, change, self._view_of(record)))
        self._deadlines.check(record, now)

    def _steps_refused(self, task_id: str, error: TaskCenterError) -> None:
        """Remember that the cloud shows no steps for a task, and tell subscribers.

        Args:
            task_id: The task asked about.
            error: The refusal.
        """
        record = self._watchlist.results.steps_refused(task_id, str(error), self._wall())
        if record is not None:
            change = Change(False, record.status, steps=True)
            self._emit(TaskRefreshed(record, change, self._view_of(record)))

    def _fetch_failed(
        self, task_id: str, error: TaskCenterError, *, failures: int, not_found: bool
    ) -> None:
        """Record a failed refresh (the last good data stays) and tell subscribers.

        Args:
            task_id: The task asked about.
            error: Why it failed.
            failures: Consecutive failures of this task.
            not_found: The grace period is over and the cloud still does not know the task.
        """
        old = self._watchlist.records.get(task_id)
        if (
            isinstance(error, JobNotFoundError)
            and not not_found
            and old is not None
            and old.state is JobStatus.SCHEDULED
        ):
            # The cloud often starts a scheduled job late; until the job API knows it, it is
            # "not started yet", not an error (the poller counts the grace from its planned start).
            records = self._watchlist.results.checked([task_id], self._wall())
            self._credentials.accepted(old.profile)
            self._emit(TasksChecked(tuple(records)))
            return
        record = self._watchlist.results.failed(task_id, error, self._wall(), not_found=not_found)
        if record is not None and not isinstance(error, AuthenticationError):
            self._credentials.accepted(record.profile)  # the gateway answered
        if record is not None:
            self._emit(RefreshFailed(record, error, failures, not_found))
