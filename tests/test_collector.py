"""Full garbage collections at quiet moments (tui/ui/collector.py), on a clock of our own."""

from __future__ import annotations

import gc

import pytest

from tui.ui.collector import EVERY, FIRST, LATEST, QUIET, QuietCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def collections(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The times gc.collect() was called (nothing is frozen in the test process)."""
    calls: list[float] = []

    def collect(*args: int) -> int:
        calls.append(1.0)
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    monkeypatch.setattr(gc, "get_count", lambda: (0, 0, 100))  # plenty to collect
    monkeypatch.setattr(gc, "freeze", lambda: None)
    monkeypatch.setattr(gc, "unfreeze", lambda: None)
    return calls


def test_python_s_full_collections_are_taken_over_and_given_back() -> None:
    saved = gc.get_threshold()
    collector = QuietCollector()
    collector.start()
    try:
        assert gc.get_threshold()[:2] == saved[:2]  # the young collections go on
        assert gc.get_threshold()[2] > 10**6
    finally:
        collector.stop()
    assert gc.get_threshold() == saved


def test_a_collection_waits_for_a_quiet_moment(collections: list[float]) -> None:
    clock = Clock()
    collector = QuietCollector(clock)
    clock.now += FIRST - 1
    assert collector.tick() is False and collections == []  # not due yet
    clock.now += 1
    collector.input_seen()
    assert collector.tick() is False  # a key was just pressed
    clock.now += QUIET
    assert collector.tick() is True and len(collections) == 1
    clock.now += EVERY - 1
    assert collector.tick() is False  # not due again for a while
    clock.now += 1
    assert collector.tick() is True and len(collections) == 2


def test_a_user_who_never_pauses_still_gets_one_now_and_then(collections: list[float]) -> None:
    clock = Clock()
    collector = QuietCollector(clock)
    ran = 0
    for _ in range(int((LATEST - EVERY + FIRST) * 4)):  # a key every quarter second
        clock.now += 0.25
        collector.input_seen()
        ran += collector.tick()
    assert ran == 1 and len(collections) == 1


def test_an_idle_window_with_nothing_to_collect_collects_nothing(
    collections: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    collector = QuietCollector(clock)
    monkeypatch.setattr(gc, "get_count", lambda: (5, 2, 1))  # Python would not collect either
    clock.now += LATEST * 2
    assert collector.tick() is False and collections == []
