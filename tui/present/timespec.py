"""Reading the times and durations people type: ``90m``, ``2h``, ``1d``, ``23:30``,
``2026-11-27 22:00``, ISO 8601 with an offset."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from tui.engine.records import check_deadline
from tui.errors import InvalidInputError

__all__ = ["for_option", "parse_deadline", "parse_duration", "parse_moment"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([smhdw])")
_LONGEST = 10 * 366 * 86400.0
"""Ten years: no window or lookback is longer; more is a typo, or an attack on the clock."""


_T = TypeVar("_T")


def for_option(option: str, parse: Callable[[str], _T], text: str) -> _T:
    """``parse(text)``, its error naming the option it was typed for, as argparse's do.

    Args:
        option: The option, e.g. ``--since``.
        parse: The reader of its value.
        text: The value as typed.

    Returns:
        What ``parse`` returned.

    Raises:
        InvalidInputError: ``argument --since: not a duration: 'garbage' ...``.
    """
    try:
        return parse(text)
    except InvalidInputError as error:
        raise InvalidInputError(f"argument {option}: {error}") from None


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``90m``, ``2h``, ``1d``, ``1h30m`` or ``45s``.

    Args:
        text: The duration as typed.

    Returns:
        The duration in seconds (more than zero).

    Raises:
        InvalidInputError: Not a duration.
    """
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise InvalidInputError(f"not a duration: {text!r} (examples: 90m, 2h, 1d, 1h30m)")
    seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise InvalidInputError(f"a duration must be more than zero: {text!r}")
    if not seconds <= _LONGEST:  # inf and nan too
        raise InvalidInputError(f"a duration must be at most ten years: {text[:40]!r}")
    return seconds


def parse_moment(text: str, *, now: datetime) -> datetime:
    """The moment a person means by ``text``, in their local time unless an offset is given.

    ``23:30`` is today at 23:30 (local); ``2026-11-27`` is that day's midnight;
    ``2026-11-27 22:00``, ``2026-11-27T22:00:00+08:00`` and ``...Z`` are read as ISO 8601.

    Args:
        text: The time as typed.
        now: The current time, aware (tells "today" and the local zone).

    Returns:
        An aware datetime.

    Raises:
        InvalidInputError: Not a time.
    """
    value = text.strip()
    if not value.isascii():  # '٣' is a digit to Python, not to a person typing a time
        raise InvalidInputError(f"not a time: {text[:40]!r} (use the digits 0-9)")
    clock = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?", value)
    try:
        if clock:
            hour, minute, second = (int(g) if g else 0 for g in clock.groups())
            local_now = now.astimezone()
            return local_now.replace(hour=hour, minute=minute, second=second, microsecond=0)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(
            f"not a time: {text!r} (examples: 23:30, 2026-11-27 22:00, 2026-11-27T22:00+08:00)"
        ) from None
    if not _FIRST_YEAR <= moment.year <= _LAST_YEAR:  # a clock cannot show it in every zone
        raise InvalidInputError(
            f"not a time taskwatch can use: {text[:40]!r} (years {_FIRST_YEAR} to {_LAST_YEAR})"
        )
    if moment.tzinfo is None:
        moment = _local(moment, text)  # a naive time is the user's local time
    try:
        moment.timestamp()
    except (OverflowError, ValueError, OSError):
        raise InvalidInputError(f"not a time taskwatch can use: {text[:40]!r}") from None
    return moment


_FIRST_YEAR, _LAST_YEAR = 1970, 9998
"""Times outside these years are refused: nothing ran then, and near year 1 or 9999 a time
zone's offset would move them out of what a clock can show."""


def _local(naive: datetime, text: str) -> datetime:
    """``naive`` as the user's local time; a time the clocks skip (spring forward) does not
    exist, and one they pass twice (fall back) is ambiguous: both are refused, not guessed."""
    fold0, fold1 = naive.replace(fold=0).astimezone(), naive.replace(fold=1).astimezone()
    for candidate in (fold0, fold1):
        if candidate.replace(tzinfo=None) != naive:
            raise InvalidInputError(
                f"{text!r} does not exist in your time zone (the clocks skip it); "
                "give an offset, e.g. 2027-03-28T03:30+02:00"
            )
    if fold0.utcoffset() != fold1.utcoffset():
        raise InvalidInputError(
            f"{text!r} happens twice in your time zone (the clocks go back); "
            "give an offset, e.g. 2027-10-31T02:30+01:00"
        )
    return fold0


def parse_deadline(text: str, *, now: datetime) -> float:
    """The wall time a deadline means: a duration from now (``40m``) or a time (``23:30``).

    A time of day already past today means tomorrow (at 23:00, ``01:00`` is in two hours);
    a full date and time already past is refused.

    Args:
        text: The deadline as typed.
        now: The current time, aware.

    Returns:
        Epoch seconds.

    Raises:
        InvalidInputError: Neither a duration nor a time, or a moment already past.
    """
    try:
        return check_deadline(now.timestamp() + parse_duration(text), now=now.timestamp())
    except InvalidInputError:
        if _DURATION.search(text.strip().lower().replace(" ", "")):
            raise  # a duration, but not one a deadline can be
    try:
        moment = parse_moment(text, now=now)
    except InvalidInputError:
        raise InvalidInputError(
            f"not a deadline: {text!r} (a duration such as 40m or 2h, or a time such as 23:30)"
        ) from None
    if moment <= now and re.fullmatch(r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?", text.strip()):
        moment += timedelta(days=1)
    if moment <= now:
        raise InvalidInputError(f"the deadline {text!r} has already passed")
    return check_deadline(moment.timestamp(), now=now.timestamp())
