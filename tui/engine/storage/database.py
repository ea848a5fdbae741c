"""The connection under every table: opening (recovery, permissions, migrations), write
transactions, patience with other processes' locks, and change detection.

One connection per process, WAL journal, a busy timeout and ``BEGIN IMMEDIATE`` writes make it
safe for several processes at once (two TUIs and the CLI). A file that is not a readable
database is moved aside, never deleted.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Self

from tui.engine.setup.paths import PRIVATE_FILE, make_private, make_private_dir
from tui.engine.storage.schema import EXPECTED, MIGRATIONS, SCHEMA_VERSION
from tui.errors import StoreError

__all__ = ["BACKGROUND_PATIENCE", "BUSY_TIMEOUT_MS", "Database", "in_chunks"]

BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another process's lock (user actions, the CLI)."""
BACKGROUND_PATIENCE = 0.05
"""Seconds a background write (a poll result, a followed task) waits for another process's
lock before it is kept in memory or tried again later: a held lock must never freeze the UI."""


class _Damaged(sqlite3.DatabaseError):
    """The file is a database, but not one this taskwatch can use (failed check, lost tables)."""


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


def _refuse_links(path: Path) -> None:
    """Refuse a database (or its journal) that is a symbolic link.

    A link planted at the database path would have taskwatch write the watchlist wherever it
    points, outside the private folder (a link to a missing file would even create it there).
    """
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.is_symlink():
            raise StoreError(
                f"{file} is a symbolic link; taskwatch does not follow links for its "
                "database: remove the link (or move the real file to this path)."
            )


def _create_private(path: Path) -> None:
    """Create ``path`` empty and owner-only unless it exists (never through a link).

    Created before SQLite opens it, so that its -wal and -shm files copy the mode too.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    with suppress(FileExistsError):  # it exists, or another process created it a moment ago
        os.close(os.open(path, flags, PRIVATE_FILE))


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


class Database:
    """One SQLite connection and its transactions; the tables' methods build on it.

    Use :meth:`open`; not shared across threads.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._db = connection
        self.path = path
        self.recovered_to: Path | None = None
        """Where a corrupt file was moved when this store was opened, if it was."""
        self.tightened: list[str] = []
        """Files and folders that others could read and that opening made private."""

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, clock: Callable[[], float] = time.time) -> Self:
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
        _refuse_links(path)
        tightened = []
        try:
            tightened.append(make_private_dir(path.parent))
            _create_private(path)
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
            try:
                _create_private(path)  # the fresh file is owner-only from its first byte
            except OSError as exc:
                raise StoreError(f"cannot create {path}: {exc.strerror}") from None
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
        for table, columns in EXPECTED.items():
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

    # -- transactions ---------------------------------------------------------------------------

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
        never freezes the UI: they fail fast with StoreError and are kept in memory. Blocks
        nest: the patience outside is back in force when an inner block ends.
        """
        before = int(self._db.execute("PRAGMA busy_timeout").fetchone()[0])
        self._db.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {before}")

    # -- reading --------------------------------------------------------------------------------

    def data_version(self) -> int:
        """A number that changes when another connection commits (``PRAGMA data_version``).

        Returns:
            An opaque number; compare it with an earlier one.
        """
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def _select_in(self, query: str, values: Iterable[str]) -> list[sqlite3.Row]:
        """``query`` with its ``IN ({})`` filled with ``values``, in chunks SQLite accepts."""
        rows: list[sqlite3.Row] = []
        for chunk, marks in in_chunks(values):
            rows += self._db.execute(query.format(marks), chunk).fetchall()
        return rows


def in_chunks(values: Iterable[str]) -> Iterator[tuple[list[str], str]]:
    """``values`` in chunks SQLite accepts as bound parameters, each with its ``?,?,…``
    (placeholders only: the values themselves are always bound, never formatted in)."""
    items = list(values)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        yield chunk, ",".join("?" * len(chunk))
