"""Reading the times and durations people type: ASCII only, bounded, and no guessing at a
local time the clocks skip or pass twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from tui.errors import InvalidInputError
from tui.present.timespec import parse_deadline, parse_duration, parse_moment


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("berlin")
def test_a_local_time_the_clocks_skip_or_repeat_is_refused_not_guessed() -> None:
    now = datetime(2027, 3, 1).astimezone()
    with pytest.raises(InvalidInputError, match="does not exist"):
        parse_moment("2027-03-28 02:30", now=now)
    with pytest.raises(InvalidInputError, match="happens twice"):
        parse_moment("2027-10-31 02:30", now=now)
    assert parse_moment("2027-03-28 03:30", now=now).utcoffset() is not None
    assert parse_moment("2027-03-28T02:30+01:00", now=now).hour == 2  # an offset says it all


@pytest.mark.parametrize("text", ["٣m", "３h", "1e3m", "infm", "9" * 400 + "d", "99999999999d"])
def test_only_plain_bounded_durations_are_read(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_duration(text)


def test_a_deadline_is_within_a_year() -> None:
    now = datetime.now().astimezone()
    assert parse_deadline("40m", now=now) == pytest.approx(now.timestamp() + 2400)
    for text in ["400d", "9999-12-31T23:59:59-14:00"]:
        with pytest.raises(InvalidInputError):
            parse_deadline(text, now=now)


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["recent", "--since", "garbage"], "--since"),
        (["recent", "--status", "Run ning"], "--status"),
        (["report", "--since", "garbage"], "--since"),
        (["report", "--from", "garbage"], "--from"),
        (["report", "--to", "25:99"], "--to"),
        (["add", "6a0d4c9e-0a47-4b6c-9f43-2f6f7e1f0b11", "--deadline", "never"], "--deadline"),
        (["deadline", "6a0d4c9e-0a47-4b6c-9f43-2f6f7e1f0b11", "--at", "never"], "--at"),
    ],
)
def test_every_option_error_names_its_option(
    argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main

    assert main(argv) == 2
    error = capsys.readouterr().err
    assert f"argument {option}: " in error and "Traceback" not in error
