"""Credentials refused by the gateway, who is proving a credential right now, and the project
IDs looked up for one, shared by every process on the watchlist (by fingerprint: a hash, never
the secret)."""

from __future__ import annotations

import time

from tui.engine.storage.database import Database

__all__ = ["CredentialRows"]


class CredentialRows(Database):
    """The ``refused_credentials``, ``probe_claims`` and ``project_ids`` tables."""

    def cached_project(self, fingerprint: str, region: str) -> str | None:
        """The project ID looked up before for this credential in ``region``, if any.

        Args:
            fingerprint: The credential's key.
            region: The region ID.

        Returns:
            The project ID, or None.
        """
        row = self._db.execute(
            "SELECT project_id FROM project_ids WHERE fingerprint = ? AND region = ?",
            (fingerprint, region),
        ).fetchone()
        return str(row["project_id"]) if row else None

    def remember_project(self, fingerprint: str, region: str, project_id: str) -> None:
        """Keep a project ID IAM just named for this credential in ``region``.

        Args:
            fingerprint: The credential's key.
            region: The region ID.
            project_id: What IAM answered.
        """
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO project_ids (fingerprint, region, project_id, found_at) "
                "VALUES (?, ?, ?, ?)",
                (fingerprint, region, project_id, time.time()),
            )

    def remember_refusal(self, fingerprint: str, message: str, *, now: float) -> None:
        """Note that the cloud refused the credential with ``fingerprint``.

        Args:
            fingerprint: The credential's non-reversible key (never the secret).
            message: What the cloud said (already redacted).
            now: Wall time of the refusal.
        """
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO refused_credentials (fingerprint, refused_at, message) "
                "VALUES (?, ?, ?)",
                (fingerprint, now, message),
            )

    def forget_refusal(self, fingerprint: str) -> None:
        """The credential with ``fingerprint`` was accepted since: forget its refusal."""
        with self._write() as db:
            db.execute("DELETE FROM refused_credentials WHERE fingerprint = ?", (fingerprint,))

    def claim_probe(self, fingerprint: str, owner: str, *, now: float, stale: float) -> bool:
        """Claim the right to send a credential's first request, unless another holds it.

        Args:
            fingerprint: The credential's key.
            owner: Who claims (a process and session).
            now: Wall time.
            stale: Seconds after which another's claim no longer counts (its holder died).

        Returns:
            True if ``owner`` holds the claim now.
        """
        with self._write() as db:
            row = db.execute(
                "SELECT owner, claimed_at FROM probe_claims WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()
            if row is not None and row["owner"] != owner and now - row["claimed_at"] < stale:
                return False
            db.execute(
                "INSERT OR REPLACE INTO probe_claims (fingerprint, owner, claimed_at) "
                "VALUES (?, ?, ?)",
                (fingerprint, owner, now),
            )
        return True

    def release_probe(self, fingerprint: str, owner: str) -> None:
        """Give up a claim (the first request's outcome is known, or the session ends).

        Args:
            fingerprint: The credential's key.
            owner: Who claimed it.
        """
        with self._write() as db:
            db.execute(
                "DELETE FROM probe_claims WHERE fingerprint = ? AND owner = ?", (fingerprint, owner)
            )

    def refusal(self, fingerprint: str) -> tuple[float, str] | None:
        """When and why the credential with ``fingerprint`` was last refused, if it was.

        Args:
            fingerprint: The credential's key.

        Returns:
            (wall time, message), or None.
        """
        row = self._db.execute(
            "SELECT refused_at, message FROM refused_credentials WHERE fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        return (row["refused_at"], row["message"]) if row else None
