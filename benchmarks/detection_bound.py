"""What any schedule can reach in detection.py's world with the lists refused (run: python
benchmarks/detection_bound.py). A model, not the app: prints figures; asserts nothing.

Twenty tasks end at random over 20-80 s and no answer says which ends first, so each running
task is asked by ID at some interval and an end is seen at the next answer after it. The model
draws the ends and the first polls at random, polls every running task at one interval, and
counts as detection.py does: the p95 of the twenty end → seen delays, and every request ÷ 20
tasks ÷ the minutes until the last end is seen. One interval for all is the best a schedule can
do where nothing tells the tasks apart (a task asked less often is the p95's); "share" is the
rule that spreads a whole-watchlist rate over the tasks still running (cadence.py's, for tasks
without an estimate).
"""

from __future__ import annotations

import heapq
import random
import statistics
from collections.abc import Callable

TASKS = 20
Interval = Callable[[int], float]
"""Seconds to the next poll of a running task, from how many tasks still run."""


def one_run(interval: Interval, seed: int) -> tuple[float, float]:
    """One draw of the world: the p95 delay (s) and the requests per task-minute."""
    rng = random.Random(seed)
    ends = [20 + 60 * rng.random() for _ in range(TASKS)]
    seen: list[float | None] = [None] * TASKS
    polls = [(rng.uniform(0, 0.5), task) for task in range(TASKS)]
    heapq.heapify(polls)
    requests = 0
    while polls:
        now, task = heapq.heappop(polls)
        requests += 1
        if now >= ends[task]:
            seen[task] = now - ends[task]
            continue
        running = sum(1 for delay in seen if delay is None)
        heapq.heappush(polls, (now + interval(running), task))
    delays = [delay for delay in seen if delay is not None]
    minutes = max(end + delay for end, delay in zip(ends, delays, strict=True)) / 60
    return statistics.quantiles(delays, n=20)[-1], requests / TASKS / minutes


def _every(seconds: float) -> Interval:
    return lambda _running: seconds


def _share(running: int) -> float:
    return max(1.0, 4.8 * running / TASKS)


def main() -> None:
    rules: dict[str, Interval] = {f"every task {d} s apart": _every(d) for d in (3.0, 3.2, 3.4)}
    rules["share: 4.8 s x running/20, 1 s floor"] = _share
    print("budget: p95 <= 3 s at <= 12.5 requests per task-minute (300 draws each)")
    for name, rule in rules.items():
        runs = [one_run(rule, seed) for seed in range(300)]
        p95 = statistics.mean(r[0] for r in runs)
        rate = statistics.mean(r[1] for r in runs)
        print(f"  {name}: p95 {p95:.2f} s at {rate:.1f} requests per task-minute")


if __name__ == "__main__":
    main()
