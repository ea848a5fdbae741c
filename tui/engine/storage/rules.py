"""Follow rules: per profile, the instances and job names whose new tasks join the watchlist
by themselves, and how far the cloud's lists were read for each."""

from __future__ import annotations

import json
from collections.abc import Iterable

from tui.engine.records import FollowRule
from tui.engine.storage.database import Database

__all__ = ["RuleRows"]


class RuleRows(Database):
    """The ``follow_rules`` table."""

    def add_rule(
        self, profile: str, instance_ids: Iterable[str], names: Iterable[str], *, now: float
    ) -> int:
        """Follow new tasks of ``profile`` on these instances with these job names.

        Args:
            profile: The profile whose project is listed.
            instance_ids: Instances to follow (none: every instance).
            names: Job names to follow (none: every job name).
            now: Wall time: tasks created from here on are added whatever their status.

        Returns:
            The rule's number.
        """
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO follow_rules (profile, instance_ids, names, created_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    profile,
                    json.dumps(sorted(set(instance_ids))),
                    json.dumps(sorted(set(names))),
                    now,
                ),
            )
        return int(cursor.lastrowid or 0)

    def rules(self) -> list[FollowRule]:
        """Every follow rule, oldest first.

        Returns:
            The rules.
        """
        rows = self._db.execute(
            "SELECT id, profile, instance_ids, names, created_at, checked_until "
            "FROM follow_rules ORDER BY id"
        ).fetchall()
        return [FollowRule.from_row(dict(row)) for row in rows]

    def remove_rules(self, rule_ids: Iterable[int] | None) -> list[int]:
        """Stop following: the given rules, or every rule with None.

        Args:
            rule_ids: Rule numbers, or None for all.

        Returns:
            The numbers removed.
        """
        existing = [rule.id for rule in self.rules()]
        chosen = existing if rule_ids is None else [i for i in rule_ids if i in existing]
        with self._write() as db:
            db.executemany("DELETE FROM follow_rules WHERE id = ?", [(i,) for i in chosen])
        return chosen

    def rules_checked(self, rule_ids: Iterable[int], until: float) -> None:
        """Remember that the cloud's lists were read for these rules up to ``until``.

        Args:
            rule_ids: Rule numbers.
            until: Wall time.
        """
        with self._write() as db:
            db.executemany(
                "UPDATE follow_rules SET checked_until = ? WHERE id = ?",
                [(until, i) for i in rule_ids],
            )
