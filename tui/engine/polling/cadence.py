"""When to ask again about a running task: the two cadences that make a task's end known first.

What an operator waits for is the moment a task ends. A fixed interval cannot show it sooner than
about the interval at the 95th percentile; a watcher that asks where an answer is likely to
change can, at no more requests:

* **Roll calls** (lists allowed): one list refreshes every running task of a profile, so it can
  be sent every ``roll_call_every`` seconds (1 s) while it costs no more per task than one
  request per task per ``interval`` (12 requests per task-minute at the default 5 s). A task
  that left the list of running tasks is asked by ID at once.
* **By ID** (lists refused, or too few running tasks for a roll call): the task's estimate
  (the cloud's step estimate, past runs of the job, or its progress) aims the next poll just
  after the expected end instead of at the next interval, then polls every second while the end
  is due, easing back to the interval as the task overruns. A task far from its end is polled
  every interval as before: never less often. A task without an estimate takes its part of the
  profile's budget (:mod:`.budget`): every interval while all the tasks that ran beside it run,
  sooner as they end, so the last ones are not learned late.

Both count the budget for the whole watchlist: a roll call comes every second while any listed
task runs, as long as the tasks that ran within the budget's memory would pay for it.
"""

from __future__ import annotations

__all__ = ["by_id_delay", "roll_call_period", "unestimated_delay"]


def roll_call_period(every: float, interval: float, requests: int, tasks: int) -> float:
    """Seconds until the next roll call of a profile.

    Args:
        every: The wanted period (``roll_call_every``).
        interval: The refresh interval: a roll call never comes less often, and never costs
            more per task than one request per task per interval.
        requests: Pages the last roll call took.
        tasks: Running tasks it refreshed.

    Returns:
        ``every`` (the interval if that is shorter), or longer when a roll call of so many
        pages for so few tasks would cost more than polling each by ID.
    """
    wanted = min(every, interval)
    if tasks <= 0:
        return wanted
    return min(interval, max(wanted, requests * interval / tasks))


def by_id_delay(interval: float, left: float | None, near: float) -> float:
    """Seconds until a running task is asked about by ID again.

    Args:
        interval: The refresh interval (the longest wait, as always).
        left: Seconds until the task's estimated end (negative: it is that far past it), or
            None without an estimate.
        near: The shortest wait, while the end is due (``near_end_every``).

    Returns:
        The wait: ``interval`` far from the end; just past the estimate when it falls within
        the interval; ``near`` at the estimate, growing by a quarter of the overrun until it is
        ``interval`` again (about seven extra polls when an estimate is 16 s short at 5 s).
    """
    if left is None or left >= interval:
        return interval
    if left > near:
        return left + near / 2  # the poll after the expected end, not the one before
    overrun = max(0.0, -left)
    return min(interval, near + overrun / 4)


def unestimated_delay(interval: float, share: float, near: float) -> float:
    """Seconds until a running task without an estimate is asked about by ID again.

    Args:
        interval: The refresh interval (the longest wait).
        share: The task's part of its profile's budget (:meth:`.RequestBudget.share`): 1 while
            every task that ran beside it runs, less as they end.
        near: The shortest wait (``near_end_every``).

    Returns:
        ``interval × share``, never shorter than ``near``.
    """
    return max(near, interval * share)
