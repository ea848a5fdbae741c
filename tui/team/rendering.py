"""A message in the markup its service renders, with nothing in it that can act: no link, image,
mention, tag or entity made from cloud text (a job name, a fail reason, a label).

What counts is what the service shows, not the format Apprise calls the plugin's first: Discord
and Mattermost render Markdown (and ``@everyone``) in plain text, Telegram parses HTML, Feishu
reads ``<at user_id="all">`` in a text message, Slack reads ``<!channel>`` and ``&lt;``; e-mail
goes out as plain text. Each
service gets the body format it renders and the escaping that format needs, and every format
breaks mentions with a zero-width space after the ``@`` (invisible; no service pings it).
"""

from __future__ import annotations

import enum
import html
import re

from tui.team.messages import Message, markdown_escaped

__all__ = ["Markup", "markup_of", "neutral_text", "rendered"]

_MENTION = re.compile(r"@(?=(everyone|here|all|channel|online|所有人)\b)", re.IGNORECASE)
_ZWSP = "\u200b"


class Markup(enum.Enum):
    """What a service makes of a message's text."""

    TEXT = "text"
    """Shown as written, but for tags a few services read in text (``<at …>``)."""
    MARKDOWN = "markdown"
    """Markdown (CommonMark with the service's own mentions): backslash-escaped."""
    SLACK = "slack"
    """Slack: ``<…>`` is a link or a mention and ``&`` ``<`` ``>`` must be entities; sent as
    text (no mrkdwn), which Apprise's Slack plugin writes as entities itself (its payload is
    checked in the tests: escaped twice would show ``&amp;lt;``)."""
    HTML = "html"
    """HTML (Telegram's parse mode): entities for ``&`` ``<`` ``>`` and quotes."""
    DATA = "data"
    """A program's webhook (``json://``, ``xml://``, ``form://``): the text as it is (safe
    text already: no control characters), for the receiving program to escape as it shows it."""


_BY_SERVICE = {
    "Discord": Markup.MARKDOWN,
    "Mattermost": Markup.MARKDOWN,
    "Rocket.Chat": Markup.MARKDOWN,
    "Matrix": Markup.MARKDOWN,
    "Power Automate / Workflows (for MSTeams)": Markup.MARKDOWN,
    "Slack": Markup.SLACK,
    "Telegram": Markup.HTML,
    "E-Mail": Markup.TEXT,  # sent as a plain-text mail: no HTML to escape
    "Feishu": Markup.TEXT,
    "DingTalk": Markup.TEXT,
    "WeCom Bot": Markup.TEXT,
    "JSON": Markup.DATA,
    "XML": Markup.DATA,
    "Form": Markup.DATA,
}
"""Apprise's ``service_name`` → what that service renders (the README lists them)."""


def markup_of(service_name: str, primary_format: str) -> Markup:
    """What a service renders: from the table, else from the plugin's primary format.

    Args:
        service_name: The Apprise plugin's ``service_name``.
        primary_format: The plugin's first ``notify_format`` (``text``, ``markdown``, ``html``).

    Returns:
        The markup its messages are written in.
    """
    known = _BY_SERVICE.get(str(service_name))
    if known is not None:
        return known
    return {"markdown": Markup.MARKDOWN, "html": Markup.HTML}.get(primary_format, Markup.TEXT)


def _unmentioned(text: str) -> str:
    return _MENTION.sub("@" + _ZWSP, text)


def neutral_text(text: str) -> str:
    """``text`` for a service that shows text as written, but reads a few tags in it.

    A zero-width space after each ``<`` makes ``<at user_id="all">`` (Feishu) or
    ``<!channel>`` text, and mentions are broken the same way.

    Args:
        text: Safe text (no control characters).

    Returns:
        The text, looking the same, acting as nothing.
    """
    return _unmentioned(text).replace("<", "<" + _ZWSP)


def _escaped(text: str, markup: Markup) -> str:
    if markup is Markup.MARKDOWN:
        return _unmentioned(markdown_escaped(text))
    if markup is Markup.SLACK:
        return _unmentioned(text)
    if markup is Markup.HTML:
        return _unmentioned(html.escape(text, quote=True))
    if markup is Markup.DATA:
        return text
    return neutral_text(text)


def rendered(message: Message, markup: Markup) -> tuple[str, str, str]:
    """A message's title and body in ``markup``, and the Apprise body format to send them as.

    Args:
        message: What to say (its lines are safe text, single lines).
        markup: What the service renders.

    Returns:
        (title, body, body format): the format is one the service's plugin takes as it is, so
        Apprise converts nothing (a conversion could turn escaped text back into markup).
    """
    title = _escaped(message.title, markup)
    lines = [_escaped(line, markup) for line in message.lines]
    if markup is Markup.MARKDOWN:
        # A hard line break (two spaces) keeps one line per line in every Markdown renderer.
        return title, "  \n".join(lines), "markdown"
    if markup is Markup.HTML:
        return title, "\n".join(lines), "html"
    return title, "\n".join(lines), "text"
