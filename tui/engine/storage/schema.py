"""The watchlist database's schema: every version's script, and what the current one must have.

A file's ``PRAGMA user_version`` says which scripts it has run; opening runs the rest in order,
in one transaction. A file lacking a table or column of :data:`EXPECTED` counts as damaged.
"""

from __future__ import annotations

import sqlite3

from tui.engine.records import TaskRecord

__all__ = ["COLUMNS", "EXPECTED", "MIGRATIONS", "SCHEMA_VERSION", "record_of"]

SCHEMA_VERSION = 9

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

# A task a follow rule found was labelled "⟳ rule N"; the rule is where it came from (its
# ``origin``, shown as a mark), not what it is: the label is the user's, empty until they write
# one. Labels a user wrote themselves are kept.
_SCHEMA_V6 = """
UPDATE tasks SET label = '' WHERE origin LIKE 'rule:%' AND label = '⟳ rule ' || substr(origin, 6);
"""

# Which process polls the watchlist: one row, renewed by its holder every few seconds; the
# others read the results from the tasks table and take the lease over when it goes stale.
_SCHEMA_V7 = """
CREATE TABLE poll_lease (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    owner      TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    renewed_at REAL NOT NULL
);
"""

# Project IDs looked up in IAM (a region's project, for one credential): not secrets, and kept
# so that a restart asks IAM no more. By credential fingerprint (a hash, never the secret).
_SCHEMA_V8 = """
CREATE TABLE project_ids (
    fingerprint TEXT NOT NULL,
    region      TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    found_at    REAL NOT NULL,
    PRIMARY KEY (fingerprint, region)
);
"""

# What the team was told, by event (``finished:<task>:<status>`` ...): written by the lease
# holder in the transaction that confirms it still holds the lease, so that an event goes out
# once per watchlist even when a holder wakes from SIGSTOP after another took over.
_SCHEMA_V9 = """
CREATE TABLE team_sent (
    key     TEXT PRIMARY KEY,
    sent_at REAL NOT NULL
);
"""

MIGRATIONS: list[str] = [
    _SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3, _SCHEMA_V4, _SCHEMA_V5, _SCHEMA_V6, _SCHEMA_V7,
    _SCHEMA_V8, _SCHEMA_V9,
]  # fmt: skip

# What the current schema must have; a file without it is treated as damaged.
EXPECTED = {
    "tasks": {
        "task_id", "profile", "label", "added_at", "position", "removed_at", "status",
        "progress", "job_json", "checked_at", "changed_at", "error_kind", "error_text",
        "not_found", "steps_json", "steps_checked_at", "steps_refused", "deadline",
        "at_risk_warned", "overdue_warned", "origin",
    },
    "follow_rules": {"id", "profile", "instance_ids", "names", "created_at", "checked_until"},
    "probe_claims": {"fingerprint", "owner", "claimed_at"},
    "poll_lease": {"id", "owner", "pid", "kind", "renewed_at"},
    "step_observations": {"id", "task_id", "observed_at", "steps_json"},
    "observations": {
        "id", "task_id", "observed_at", "status", "progress", "job_json", "error_text",
    },
    "refused_credentials": {"fingerprint", "refused_at", "message"},
    "project_ids": {"fingerprint", "region", "project_id", "found_at"},
    "team_sent": {"key", "sent_at"},
}  # fmt: skip

COLUMNS = (
    "task_id, profile, label, added_at, position, status, progress, job_json, checked_at, "
    "changed_at, error_kind, error_text, not_found, steps_json, steps_checked_at, steps_refused, "
    "deadline, at_risk_warned, overdue_warned, origin"
)
"""The columns of a task row, in the order :class:`~tui.engine.records.TaskRecord` names them."""
_FLAGS = ("not_found", "at_risk_warned", "overdue_warned")


def record_of(row: sqlite3.Row) -> TaskRecord:
    """A task row (:data:`COLUMNS`) as a record.

    Args:
        row: A row selected with :data:`COLUMNS`.

    Returns:
        The record, its flags as booleans.
    """
    values = {**dict(row), **{flag: bool(row[flag]) for flag in _FLAGS}}
    deadline = values["deadline"]
    if deadline is not None and not (
        isinstance(deadline, int | float) and 0 < deadline < _LAST_CLOCK_TIME
    ):
        # Stored before deadlines were checked, or by hand: no renderer may die on it.
        values["deadline"] = None
    return TaskRecord(**values)


_LAST_CLOCK_TIME = 253_402_214_400.0
"""9999-12-31 UTC: the last moment a clock (``datetime``) can show."""
