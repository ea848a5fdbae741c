"""Keeping secrets out of text: what the gateway echoes back must not reach a screen or a log."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["redact"]


def redact(text: str, secrets: Iterable[str]) -> str:
    """Return ``text`` with every secret replaced; an AK keeps its first four characters.

    Gateway messages quote the AK back ("Get secretKey failed,ak:..."), so error text must pass
    through here before it is shown, logged or stored.

    Args:
        text: Any text that may quote a credential.
        secrets: The AK, SK and token in use.

    Returns:
        The text, safe to show and to log.
    """
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, secret[:4] + "…")
    return text
