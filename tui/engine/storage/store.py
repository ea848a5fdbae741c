"""The watchlist and each task's observed history, in SQLite.

One connection per process, WAL journal, a busy timeout and ``BEGIN IMMEDIATE`` writes make it
safe for several processes at once (two TUIs and the CLI). A history row is written per change of
status or progress, not per poll. ``data_version`` lets an open app notice another process's
writes cheaply. A file that is not a readable database is moved aside, never deleted.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cloud.ids import clean_label, validate_task_id
from tui.engine.records import FollowRule, Observation, TaskRecord, job_json
from tui.engine.setup.paths import PRIVATE_FILE, make_private, make_private_dir
from tui.errors import StoreError

if TYPE_CHECKING:
    from tui.cloud.models import Job

__all__ = [
    "SCHEMA_VERSION",
    "AddResult",
    "Recorded",
    "Store",
]

SCHEMA_VERSION = 5
BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another process's lock (user actions, the CLI)."""


_SCHEMA_V1 = """
CREATE TABLE tasks (
    task_id      TEXT PRIMARY KEY,
    profile      TEXT NOT NULL,
    label        TEXT NOT NULL DEFAULT '',
    added_at     REAL NOT NULL,
    position     INTEGER NOT NULL,
    removed_at   REAL,
    status       TEXT NOT NULL DEFAULT '',
    progress     INTEGER,
    job_json     TEXT,
    checked_at   REAL,
    succeeded_at REAL,  -- written by 0.1.0 and never read, left in place for older files
    changed_at   REAL,
    error_kind   TEXT,
    error_text   TEXT,
    not_found    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE observations (
    id          INTEGER PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
    observed_at REAL NOT NULL,
    status      TEXT NOT NULL,
    progress    INTEGER,
    job_json    TEXT,
    error_text  TEXT
);
CREATE INDEX observations_by_task ON observations(task_id, observed_at);
"""

# Forward migrations: MIGRATIONS[n] takes a database from version n to n + 1.
# Refused credentials, by fingerprint (a hash, never the secret), shared by every process so
# that a credential one of them saw refused is not tried again by the others.
_SCHEMA_V2 = """
CREATE TABLE refused_credentials (
    fingerprint TEXT PRIMARY KEY,
    refused_at  REAL NOT NULL,
    message     TEXT NOT NULL
);
"""

# A job's steps (ShowTaskDetails) and the user's deadline. Steps are kept like the job: the last
# answer on the task, and a history row per change. A refusal to show steps is remembered so
# the cloud is asked once per task, not every 30 s. The warned flags make each deadline warning
# fire once, across restarts too.
_SCHEMA_V3 = """
ALTER TABLE tasks ADD COLUMN steps_json TEXT;
ALTER TABLE tasks ADD COLUMN steps_checked_at REAL;
ALTER TABLE tasks ADD COLUMN steps_refused TEXT;
ALTER TABLE tasks ADD COLUMN deadline REAL;
ALTER TABLE tasks ADD COLUMN at_risk_warned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN overdue_warned INTEGER NOT NULL DEFAULT 0;
CREATE TABLE step_observations (
    id          INTEGER PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
    observed_at REAL NOT NULL,
    steps_json  TEXT NOT NULL
);
CREATE INDEX step_observations_by_task ON step_observations(task_id, observed_at);
"""

# Follow rules: per profile, the instances and job names whose new tasks are added by
# themselves; ``checked_until`` is how far the cloud's lists have been read for the rule, so a
# restart picks up where the last run stopped. ``origin`` says where a task came from.
_SCHEMA_V4 = """
CREATE TABLE follow_rules (
    id            INTEGER PRIMARY KEY,
    profile       TEXT NOT NULL,
    instance_ids  TEXT NOT NULL DEFAULT '[]',
    names         TEXT NOT NULL DEFAULT '[]',
    created_at    REAL NOT NULL,
    checked_until REAL
);
ALTER TABLE tasks ADD COLUMN origin TEXT NOT NULL DEFAULT '';
"""

# Who is proving a credential right now: processes started together (six ``wait``s in a
# script) let one of them send the first request and learn its outcome from the database.
_SCHEMA_V5 = """
CREATE TABLE probe_claims (
    fingerprint TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    claimed_at  REAL NOT NULL
);
"""

MIGRATIONS: list[str] = [_SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3, _SCHEMA_V4, _SCHEMA_V5]


@dataclass(frozen=True)
class Recorded:
    """What :meth:`Store.record_success` did."""

    changed: bool
    """The status or progress moved (a history row was added)."""
    previous_status: str
    """The status before this fetch ("" before the first one)."""


@dataclass(frozen=True)
class AddResult:
    added: list[str]
    already: list[str]


_COLUMNS = (
    "task_id, profile, label, added_at, position, status, progress, job_json, checked_at, "
    "changed_at, error_kind, error_text, not_found, steps_json, steps_checked_at, steps_refused, "
    "deadline, at_risk_warned, overdue_warned, origin"
)
_FLAGS = ("not_found", "at_risk_warned", "overdue_warned")


def _record(row: sqlite3.Row) -> TaskRecord:
    return TaskRecord(**{**dict(row), **{flag: bool(row[flag]) for flag in _FLAGS}})


class _Damaged(sqlite3.DatabaseError):
    """The file is a database, but not one this taskwatch can use (failed check, lost tables)."""


# What the current schema must have; a file without it is treated as damaged.
_EXPECTED = {
    "tasks": {
        "task_id", "profile", "label", "added_at", "position", "removed_at", "status",
        "progress", "job_json", "checked_at", "changed_at", "error_kind", "error_text",
        "not_found", "steps_json", "steps_checked_at", "steps_refused", "deadline",
        "at_risk_warned", "overdue_warned", "origin",
    },
    "follow_rules": {"id", "profile", "instance_ids", "names", "created_at", "checked_until"},
    "probe_claims": {"fingerprint", "owner", "claimed_at"},
    "step_observations": {"id", "task_id", "observed_at", "steps_json"},
    "observations": {
        "id", "task_id", "observed_at", "status", "progress", "job_json", "error_text",
    },
    "refused_credentials": {"fingerprint", "refused_at", "message"},
}  # fmt: skip

_DAMAGE_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_REASONS = {
    "SQLITE_FULL": "the disk is full (nothing was changed; free some space)",
    "SQLITE_BUSY": "another process holds it locked; try again in a moment",
    "SQLITE_LOCKED": "another process holds it locked; try again in a moment",
    "SQLITE_READONLY": "it is read-only here (check the file's and its folder's permissions)",
    "SQLITE_IOERR": "the disk reported an I/O error",
    "SQLITE_CANTOPEN": "it cannot be opened (check the folder's permissions)",
}


def _primary_code(exc: sqlite3.Error) -> str:
    """``SQLITE_IOERR`` for ``SQLITE_IOERR_SHORT_READ`` and the like."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return "_".join(name.split("_")[:2])


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether ``exc`` says the file itself is damaged (not the disk, a lock or permissions)."""
    return isinstance(exc, _Damaged) or _primary_code(exc) in _DAMAGE_CODES


def _reason(exc: sqlite3.Error) -> str:
    return _REASONS.get(_primary_code(exc), str(exc))


def _retrying_while_busy(step: Callable[[], None], seconds: float = 10.0) -> None:
    """Run ``step``, again while another process holds the lock (SQLite does not wait by
    itself when several processes create or convert a new file at the same moment)."""
    deadline = time.monotonic() + seconds
    delay = 0.01
    while True:
        try:
            step()
            return
        except (sqlite3.OperationalError, StoreError) as exc:
            busy = "locked" in str(exc) or "busy" in str(exc).lower()
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(delay)  # another process is creating the same file right now
            delay = min(0.2, delay * 2)


class Store:
    """The watchlist database. Use :meth:`open`; not shared across threads."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._db = connection
        self.path = path
        self.recovered_to: Path | None = None
        """Where a corrupt file was moved when this store was opened, if it was."""
        self.tightened: list[str] = []
        """Files and folders that others could read and that opening made private."""

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, clock: Callable[[], float] = time.time) -> Store:
        """Open (creating if needed) the database at ``path``, or ``":memory:"``.

        A file that is not a usable database is renamed to ``<name>.corrupt-<time>`` and a fresh
        one is created; ``recovered_to`` then says where the old file went.

        Args:
            path: The database file, or ``":memory:"``.
            clock: Wall time, for the name of a moved-aside file.

        Returns:
            The store, at the current schema version.

        Raises:
            StoreError: The file is locked, not accessible, or from a newer taskwatch.
        """
        if str(path) == ":memory:":
            store = cls(cls._connect(":memory:"), None)
            store._migrate()
            return store
        path = Path(path)
        tightened = []
        try:
            tightened.append(make_private_dir(path.parent))
            if not path.exists():
                # Created owner-only before SQLite opens it: its -wal and -shm files copy this.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        except FileExistsError:
            pass  # another process created it a moment ago
        except OSError as exc:
            raise StoreError(f"cannot create {path}: {exc.strerror}") from None
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if file.exists():
                tightened.append(make_private(file))
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"{path} is not readable and writable by you; fix its permissions")
        try:
            store = cls(cls._connect(str(path)), path)
            _retrying_while_busy(store._check_and_migrate)
            store.tightened = [notice for notice in tightened if notice]
            return store
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                # Disk full, locked, read-only, I/O error: the file may be perfectly healthy.
                raise StoreError(f"cannot use {path}: {_reason(exc)}") from None
            moved = cls._move_aside(path, clock())
            store = cls(cls._connect(str(path)), path)
            _retrying_while_busy(store._migrate)
            store.recovered_to = moved
            return store

    @staticmethod
    def _connect(target: str) -> sqlite3.Connection:
        connection = sqlite3.connect(target, timeout=10.0, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    @staticmethod
    def _move_aside(path: Path, now: float) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        path.rename(target)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
        return target

    def _check_and_migrate(self) -> None:
        """Check the file and bring its schema up to date, writing only if something is due:
        opening an up-to-date watchlist to read it writes nothing (a full disk can still list).
        """
        result = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise _Damaged(f"integrity check failed: {result}")
        if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self._db.execute("PRAGMA journal_mode = WAL")  # once in the file's life
        self._db.execute("PRAGMA synchronous = NORMAL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            self._migrate()
        self._check_schema()

    def _check_schema(self) -> None:
        """A file whose tables or columns are missing is damaged, like a corrupt one."""
        for table, columns in _EXPECTED.items():
            found = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if not columns <= found:
                raise _Damaged(f"table {table} lacks {sorted(columns - found)}")

    def _migrate(self) -> None:
        with self._write():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer taskwatch (schema {version}); upgrade"
                )
            for step in range(version, SCHEMA_VERSION):
                self._run_script(MIGRATIONS[step])
            if version < SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _run_script(self, script: str) -> None:
        # executescript() would COMMIT our transaction first; run statement by statement instead.
        for statement in script.split(";"):
            if statement.strip():
                self._db.execute(statement)

    def close(self) -> None:
        """Close the connection (the last one to close checkpoints the WAL into the file)."""
        self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the lock up front, so it cannot deadlock midway.

        Raises:
            StoreError: The write failed (disk full, locked too long, read-only, I/O): nothing
                of it was kept, and the message says why.
        """
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._write_failed(exc) from None
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as exc:
            with suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise self._write_failed(exc) from None
            raise

    def _write_failed(self, exc: sqlite3.Error) -> StoreError:
        return StoreError(f"cannot write {self.path or 'the watchlist'}: {_reason(exc)}")

    @contextmanager
    def patience(self, seconds: float) -> Iterator[None]:
        """Wait at most ``seconds`` for another process's lock in this block (default 10 s).

        Background writes (poll results) use a short patience, so that a lock held elsewhere
        never freezes the UI: they fail fast with StoreError and are kept in memory.
        """
        self._db.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    # -- change detection ---------------------------------------------------------------------

    def data_version(self) -> int:
        """A number that changes when another connection commits (``PRAGMA data_version``).

        Returns:
            An opaque number; compare it with an earlier one.
        """
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    # -- the watchlist ------------------------------------------------------------------------

    def add_tasks(
        self, task_ids: Iterable[str], *, profile: str, label: str = "", now: float | None = None
    ) -> AddResult:
        """Watch ``task_ids`` (validated) under ``profile``; already-watched IDs are left as is.

        A previously removed task is watched again with its history.

        Args:
            task_ids: Task IDs; InvalidInputError names a bad one and nothing is added.
            profile: The profile to ask the cloud with.
            label: A note shown with the tasks.
            now: Wall time of the addition (default: the clock).

        Returns:
            Which IDs are new and which were already watched.
        """
        ids = [validate_task_id(task_id) for task_id in task_ids]
        label = clean_label(label)
        return self.add_entries([(task_id, profile, label) for task_id in ids], now=now)

    def add_entries(
        self, entries: Iterable[tuple[str, str, str]], *, now: float | None = None
    ) -> AddResult:
        """Watch many tasks, each with its own profile and label, in one transaction.

        Args:
            entries: (task ID, profile, label), already validated and cleaned.
            now: Wall time of the addition (default: the clock).

        Returns:
            Which IDs are new and which were already watched (the first entry of an ID wins).
        """
        now = time.time() if now is None else now
        added: list[str] = []
        already: list[str] = []
        with self._write() as db:
            position = db.execute("SELECT COALESCE(MAX(position), 0) FROM tasks").fetchone()[0]
            first: dict[str, tuple[str, str, str]] = {}
            for entry in entries:
                first.setdefault(entry[0], entry)
            for task_id, profile, label in first.values():
                row = db.execute(
                    "SELECT removed_at FROM tasks WHERE task_id = ?", (task_id,)
                ).fetchone()
                if row is not None and row["removed_at"] is None:
                    already.append(task_id)
                    continue
                position += 1
                if row is None:
                    db.execute(
                        "INSERT INTO tasks (task_id, profile, label, added_at, position) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (task_id, profile, label, now, position),
                    )
                else:
                    db.execute(
                        "UPDATE tasks SET removed_at = NULL, profile = ?, label = ?, added_at = ?, "
                        "position = ? WHERE task_id = ?",
                        (profile, label, now, position, task_id),
                    )
                added.append(task_id)
        return AddResult(added=added, already=already)

    def add_discovered(
        self, tasks: Iterable[tuple[str, str, str, str, str, str]], *, now: float
    ) -> list[str]:
        """Watch tasks a follow rule found, unless they were ever watched (a task the user
        removed is not brought back), in one transaction.

        Args:
            tasks: (task ID, profile, label, origin, status, job JSON) of each task found.
            now: Wall time of the discovery.

        Returns:
            The IDs added.
        """
        added: list[str] = []
        with self._write() as db:
            position = db.execute("SELECT COALESCE(MAX(position), 0) FROM tasks").fetchone()[0]
            for task_id, profile, label, origin, status, snapshot in tasks:
                if db.execute("SELECT 1 FROM tasks WHERE task_id = ?", (task_id,)).fetchone():
                    continue
                position += 1
                db.execute(
                    "INSERT INTO tasks (task_id, profile, label, added_at, position, origin, "
                    "status, job_json, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (task_id, profile, label, now, position, origin, status, snapshot, now),
                )
                added.append(task_id)
        return added

    def ever_watched(self, task_ids: Iterable[str]) -> set[str]:
        """Which of ``task_ids`` are or were ever in the watchlist (removed ones too).

        Args:
            task_ids: Task IDs (lower case).

        Returns:
            The known ones.
        """
        return {
            row["task_id"]
            for row in self._select_in("SELECT task_id FROM tasks WHERE task_id IN ({})", task_ids)
        }

    def _select_in(self, query: str, values: Iterable[str]) -> list[sqlite3.Row]:
        """``query`` with its ``IN ({})`` filled with ``values``, in chunks SQLite accepts."""
        rows: list[sqlite3.Row] = []
        for chunk, marks in _in_chunks(values):
            rows += self._db.execute(query.format(marks), chunk).fetchall()
        return rows

    # -- follow rules -----------------------------------------------------------------------------

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

    def remove_tasks(self, task_ids: Iterable[str], *, now: float | None = None) -> list[str]:
        """Stop watching ``task_ids``; return those that were watched. Undo with restore_tasks.

        Args:
            task_ids: Task IDs (any case).
            now: Wall time of the removal (default: the clock).

        Returns:
            The IDs that were watched and are not any more.
        """
        now = time.time() if now is None else now
        removed = []
        with self._write() as db:
            for task_id in task_ids:
                cursor = db.execute(
                    "UPDATE tasks SET removed_at = ? WHERE task_id = ? AND removed_at IS NULL",
                    (now, task_id.lower()),
                )
                if cursor.rowcount:
                    removed.append(task_id.lower())
        return removed

    def restore_tasks(self, task_ids: Iterable[str]) -> list[str]:
        """Undo a removal: watch ``task_ids`` again, with their history and position.

        Args:
            task_ids: Removed task IDs.

        Returns:
            The IDs watched again.
        """
        restored = []
        with self._write() as db:
            for task_id in task_ids:
                cursor = db.execute(
                    "UPDATE tasks SET removed_at = NULL "
                    "WHERE task_id = ? AND removed_at IS NOT NULL",
                    (task_id,),
                )
                if cursor.rowcount:
                    restored.append(task_id)
        return restored

    def set_label(self, task_id: str, label: str) -> None:
        """Change a task's label (validated like any label).

        Args:
            task_id: A task.
            label: The new label ("" for none).
        """
        with self._write() as db:
            db.execute(
                "UPDATE tasks SET label = ? WHERE task_id = ?", (clean_label(label), task_id)
            )

    def list_tasks(self) -> list[TaskRecord]:
        """Every watched task, in the order added.

        Returns:
            The records, oldest addition first.
        """
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM tasks WHERE removed_at IS NULL ORDER BY position"  # noqa: S608 - constant columns
        ).fetchall()
        return [_record(row) for row in rows]

    def all_tasks(self) -> list[TaskRecord]:
        """Every task ever watched, removed ones too (a report covers what happened).

        Returns:
            The records, oldest addition first.
        """
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM tasks ORDER BY position"  # noqa: S608 - constant columns
        ).fetchall()
        return [_record(row) for row in rows]

    def seen_range(self) -> dict[str, tuple[float, float]]:
        """When each task was first and last observed (its history rows and its last check).

        Returns:
            (first, last) wall times by task ID, for tasks observed at least once.
        """
        rows = self._db.execute(
            "SELECT t.task_id, MIN(o.observed_at) AS first, "
            "MAX(MAX(COALESCE(o.observed_at, 0)), COALESCE(t.checked_at, 0)) AS last "
            "FROM tasks t LEFT JOIN observations o ON o.task_id = t.task_id GROUP BY t.task_id"
        ).fetchall()
        seen = {}
        for row in rows:
            first = row["first"] if row["first"] is not None else row["last"] or None
            if first:
                seen[row["task_id"]] = (first, row["last"] or first)
        return seen

    def get_task(self, task_id: str) -> TaskRecord | None:
        """A watched task by ID, or None.

        Args:
            task_id: A task ID (any case).

        Returns:
            The record, or None if it is not watched.
        """
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM tasks WHERE task_id = ? AND removed_at IS NULL",  # noqa: S608
            (task_id.lower(),),
        ).fetchone()
        return _record(row) if row else None

    # -- observations -------------------------------------------------------------------------

    def record_success(
        self, task_id: str, job: Job, *, now: float, snapshot: str | None = None
    ) -> Recorded | None:
        """Store a fetched job; add a history row if status or progress changed.

        Args:
            task_id: The watched task.
            job: What the cloud returned.
            now: Wall time of the fetch.
            snapshot: ``job`` as stored (:func:`~tui.engine.records.job_json`), if the caller
                has it already; it is computed otherwise.

        Returns:
            What changed, or None if the task is not in the watchlist.
        """
        snapshot = snapshot if snapshot is not None else job_json(job)
        with self._write() as db:
            row = db.execute(
                "SELECT status, progress, job_json FROM tasks WHERE task_id = ?", (task_id,)
            ).fetchone()
            if row is None:
                return None
            changed = (row["status"], row["progress"]) != (job.status, job.progress)
            db.execute(
                "UPDATE tasks SET status = ?, progress = ?, job_json = ?, checked_at = ?, "
                "changed_at = CASE WHEN ? THEN ? ELSE changed_at END, "
                "error_kind = NULL, error_text = NULL, not_found = 0 WHERE task_id = ?",
                (job.status, job.progress, snapshot, now, changed, now, task_id),
            )
            if changed:
                db.execute(
                    "INSERT INTO observations (task_id, observed_at, status, progress, job_json) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (task_id, now, job.status, job.progress, snapshot),
                )
        return Recorded(changed=changed, previous_status=row["status"])

    def record_checked(self, task_ids: Iterable[str], *, now: float) -> None:
        """Mark tasks checked at ``now`` with nothing changed (a roll call found them as they
        were): one transaction for them all; their errors are cleared.

        Args:
            task_ids: Watched tasks (IDs no longer in the watchlist are ignored).
            now: Wall time of the answer.
        """
        query = (
            "UPDATE tasks SET checked_at = ?, error_kind = NULL, error_text = NULL, "
            "not_found = 0 WHERE task_id IN ({})"
        )
        with self._write() as db:
            for chunk, marks in _in_chunks(task_ids):
                db.execute(query.format(marks), (now, *chunk))

    def save_state(self, record: TaskRecord, *, now: float) -> None:
        """Write a record's last known state as it is in memory (what could not be saved when
        it was observed); a history row is added if its status or progress differs.

        Args:
            record: The task as the session knows it.
            now: Wall time of the save (the history row's time).
        """
        with self._write() as db:
            row = db.execute(
                "SELECT status, progress FROM tasks WHERE task_id = ?", (record.task_id,)
            ).fetchone()
            if row is None:
                return
            if (row["status"], row["progress"]) != (record.status, record.progress):
                db.execute(
                    "INSERT INTO observations (task_id, observed_at, status, progress, job_json) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (record.task_id, now, record.status, record.progress, record.job_json),
                )
            db.execute(
                "UPDATE tasks SET status = ?, progress = ?, job_json = ?, checked_at = ?, "
                "changed_at = ?, error_kind = ?, error_text = ?, not_found = ?, steps_json = ?, "
                "steps_checked_at = ?, steps_refused = ?, "
                "at_risk_warned = MAX(at_risk_warned, ?), overdue_warned = MAX(overdue_warned, ?) "
                "WHERE task_id = ?",
                (
                    record.status, record.progress, record.job_json, record.checked_at,
                    record.changed_at, record.error_kind, record.error_text,
                    int(record.not_found), record.steps_json, record.steps_checked_at,
                    record.steps_refused, int(record.at_risk_warned), int(record.overdue_warned),
                    record.task_id,
                ),
            )  # fmt: skip

    def record_error(
        self, task_id: str, *, kind: str, text: str, now: float, not_found: bool = False
    ) -> None:
        """Remember a failed refresh; the last good snapshot is kept.

        When the kind of failure changes (the first failure after a success, say), a history row
        records it too, so the history shows when refreshing broke; repeats add no rows.

        Args:
            task_id: The task.
            kind: The kind of error (an :class:`~tui.errors.ErrorKind` value).
            text: The error, as shown (already redacted).
            now: Wall time of the failure.
            not_found: The grace period is over and the cloud still does not know the task.
        """
        with self._write() as db:
            row = db.execute(
                "SELECT status, progress, error_kind FROM tasks WHERE task_id = ?", (task_id,)
            ).fetchone()
            if row is not None and row["error_kind"] != kind:
                db.execute(
                    "INSERT INTO observations (task_id, observed_at, status, progress, error_text)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (task_id, now, row["status"], row["progress"], f"{kind}: {text}"),
                )
            db.execute(
                "UPDATE tasks SET checked_at = ?, error_kind = ?, error_text = ?, "
                "not_found = ? WHERE task_id = ?",
                (now, kind, text, int(not_found), task_id),
            )

    def record_steps(self, task_id: str, steps_json: str, *, now: float) -> bool:
        """Store a job's steps; add a history row if they differ from the last ones stored.

        Args:
            task_id: The watched task.
            steps_json: The answer as stored (:meth:`~tui.cloud.steps.TaskSteps.to_json`).
            now: Wall time of the fetch.

        Returns:
            Whether the steps changed.
        """
        with self._write() as db:
            row = db.execute(
                "SELECT steps_json FROM tasks WHERE task_id = ?", (task_id,)
            ).fetchone()
            if row is None:
                return False
            changed = bool(row["steps_json"] != steps_json)
            if changed:
                db.execute(
                    "INSERT INTO step_observations (task_id, observed_at, steps_json) "
                    "VALUES (?, ?, ?)",
                    (task_id, now, steps_json),
                )
            db.execute(
                "UPDATE tasks SET steps_json = ?, steps_checked_at = ?, steps_refused = NULL "
                "WHERE task_id = ?",
                (steps_json, now, task_id),
            )
        return changed

    def refuse_steps(self, task_id: str, why: str, *, now: float) -> None:
        """Remember that the cloud shows no steps for ``task_id`` (it is not asked again).

        Args:
            task_id: The watched task.
            why: The cloud's answer, as shown (already redacted).
            now: Wall time of the refusal.
        """
        with self._write() as db:
            db.execute(
                "UPDATE tasks SET steps_refused = ?, steps_checked_at = ? WHERE task_id = ?",
                (why or "refused", now, task_id),
            )

    def set_deadline(self, task_ids: Iterable[str], deadline: float | None) -> list[str]:
        """Set (or, with None, clear) the deadline of watched tasks; warnings may fire again.

        Args:
            task_ids: Task IDs (any case).
            deadline: Wall time by which the tasks should be done, or None.

        Returns:
            The IDs that are watched (and were changed).
        """
        ids = [task_id.lower() for task_id in task_ids]
        changed = []
        with self._write() as db:
            for task_id in ids:
                cursor = db.execute(
                    "UPDATE tasks SET deadline = ?, at_risk_warned = 0, overdue_warned = 0 "
                    "WHERE task_id = ? AND removed_at IS NULL",
                    (deadline, task_id),
                )
                if cursor.rowcount:
                    changed.append(task_id)
        return changed

    def mark_warned(self, task_id: str, *, at_risk: bool = False, overdue: bool = False) -> None:
        """Remember that a deadline warning was given, so that it is given once.

        Args:
            task_id: The watched task.
            at_risk: The "at risk" warning was given.
            overdue: The "overdue" warning was given.
        """
        with self._write() as db:
            db.execute(
                "UPDATE tasks SET at_risk_warned = MAX(at_risk_warned, ?), "
                "overdue_warned = MAX(overdue_warned, ?) WHERE task_id = ?",
                (int(at_risk), int(overdue), task_id),
            )

    def completed_jobs(self) -> list[tuple[str, str]]:
        """Every Completed task ever watched, removed ones too, for learning durations.

        Returns:
            (profile, job JSON) pairs.
        """
        rows = self._db.execute(
            "SELECT profile, job_json FROM tasks "
            "WHERE status = 'Completed' AND job_json IS NOT NULL"
        ).fetchall()
        return [(row["profile"], row["job_json"]) for row in rows]

    def progress_samples(self, task_ids: Iterable[str]) -> dict[str, list[tuple[float, int]]]:
        """The observed progress values of tasks while they ran, oldest first.

        Args:
            task_ids: The tasks wanted (those still running).

        Returns:
            (wall time, percent) lists by task ID.
        """
        samples: dict[str, list[tuple[float, int]]] = {}
        for row in self._select_in(
            "SELECT task_id, observed_at, progress FROM observations WHERE task_id IN ({}) "
            "AND progress IS NOT NULL AND status = 'Running' ORDER BY observed_at, id",
            task_ids,
        ):
            samples.setdefault(row["task_id"], []).append((row["observed_at"], row["progress"]))
        return samples

    def step_history(self, task_id: str) -> list[tuple[float, str]]:
        """Every change of ``task_id``'s steps, oldest first.

        Args:
            task_id: A task.

        Returns:
            (wall time, steps JSON) pairs.
        """
        rows = self._db.execute(
            "SELECT observed_at, steps_json FROM step_observations WHERE task_id = ? "
            "ORDER BY observed_at, id",
            (task_id,),
        ).fetchall()
        return [(row["observed_at"], row["steps_json"]) for row in rows]

    def history(self, task_id: str) -> list[Observation]:
        """The observed changes of ``task_id``, oldest first.

        Args:
            task_id: A task.

        Returns:
            One observation per change of status, progress or error kind.
        """
        rows = self._db.execute(
            "SELECT observed_at, status, progress, job_json, error_text FROM observations "
            "WHERE task_id = ? ORDER BY observed_at, id",
            (task_id,),
        ).fetchall()
        return [Observation(**dict(row)) for row in rows]

    # -- refused credentials ------------------------------------------------------------------

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


def _in_chunks(values: Iterable[str]) -> Iterator[tuple[list[str], str]]:
    """``values`` in chunks SQLite accepts as bound parameters, each with its ``?,?,…``
    (placeholders only: the values themselves are always bound, never formatted in)."""
    items = list(values)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        yield chunk, ",".join("?" * len(chunk))
