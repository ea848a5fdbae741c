"""Keeping secrets out of text: what the gateway echoes back must not reach a screen or a log."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["redact", "register_secrets", "registered_secrets"]

_registered: set[str] = set()


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


def register_secrets(secrets: Iterable[str]) -> None:
    """Add strings that must never reach a log, a screen or a file, for the whole process.

    Temporary keys are registered each time they are renewed, so a key that was replaced an
    hour ago is still masked if an old message quotes it.

    Args:
        secrets: The AK, SK, security token or IAM token of a credential in use, a proxy
            password, an id-token.
    """
    _registered.update(s for s in secrets if s and len(s) >= 4)


def registered_secrets() -> list[str]:
    """Every registered secret, longest first (so a secret that contains another is masked
    whole)."""
    return sorted(_registered, key=len, reverse=True)
