"""Making outside text safe to show: names, labels, fail reasons and messages from users and from
the cloud may hold terminal escape sequences and other control characters.

Every control character is replaced by a visible stand-in (ESC becomes ``␛``), so the text is
still there to read but can no longer drive a terminal, forge a log line or ride along on a
clipboard. Text this long is cut, saying how much was left out.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["json_text", "visible", "visible_data"]


def _stand_ins(*, multiline: bool) -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ … ␟, ␛ for ESC
    table[0x7F] = "␡"
    table.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})  # C1: CSI, OSC ...
    # Direction overrides and isolates reorder what is shown (a "Trojan Source" trick).
    table.update(
        {code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
    )
    table[0x2028] = table[0x2029] = "␤"
    if multiline:
        table[0x0A] = "\n"
        table[0x09] = "\t"
    return table


_ONE_LINE = _stand_ins(multiline=False)
_MULTILINE = _stand_ins(multiline=True)


def visible(text: str, *, multiline: bool = False, limit: int | None = None) -> str:
    """``text`` with every control character shown instead of obeyed.

    Args:
        text: Text from a user or the cloud.
        multiline: Keep newlines and tabs (a fail reason in a panel); otherwise they are shown
            as ``␊`` and ``␉`` too, so one field stays one line.
        limit: Cut the text after this many characters and say how many more there were.

    Returns:
        Text with no character that a terminal would act on.
    """
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    return text.translate(_MULTILINE if multiline else _ONE_LINE)


def visible_data(value: Any) -> Any:
    """A copy of a JSON-like value with :func:`visible` applied to every string (keys too).

    Args:
        value: Decoded JSON.

    Returns:
        The same structure; newlines and tabs inside strings are kept.
    """
    if isinstance(value, str):
        return visible(value, multiline=True)
    if isinstance(value, dict):
        return {visible(str(k), multiline=True): visible_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [visible_data(item) for item in value]
    return value


def json_text(value: Any, *, indent: int | None = None) -> str:
    """JSON for scripts: exactly the data (nothing replaced), but with C1 controls and direction
    overrides escaped as ``\\uXXXX`` like the C0 ones, so a terminal never receives them raw.

    Args:
        value: A JSON-ready value.
        indent: As for :func:`json.dumps`.

    Returns:
        Valid JSON, non-ASCII text left readable.
    """
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return text.translate(_JSON_ESCAPES)


_JSON_ESCAPES = {
    code: f"\\u{code:04x}"
    for code in (*range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)
}


def json_object_chunks(
    head: dict[str, Any], key: str, items: Iterable[dict[str, Any]]
) -> Iterator[str]:
    """``{**head, key: [items]}`` as indented JSON (:func:`json_text`),
    an item at a time, so that a list of 100,000 is never held as one object or one string.

    Args:
        head: The object's other keys.
        key: The key of the list, written last.
        items: The list's items.

    Yields:
        Pieces of the JSON text, a newline at the end.
    """
    opening = json_text({**head, key: []}, indent=2)
    assert opening.endswith("[]\n}")
    yield opening[: -len("]\n}")]
    first = True
    for item in items:
        body = textwrap.indent(json_text(item, indent=2), "    ")
        yield ("\n" if first else ",\n") + body
        first = False
    yield ("]" if first else "\n  ]") + "\n}\n"
