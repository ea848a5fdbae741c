"""A maintenance window for report tests and the README's report example: built on a fixed
clock, with completed, failed (a hostile multi-line reason), canceled, running, removed and
out-of-window tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.cloud.models import parse_job_dict
from tui.engine.storage import Store

NOW = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
REASON = "Upgrade failed | node 2\n<script>alert(1)</script> & more\x1b]52;c;QQ==\x07"
IDS = {
    "done": "00000000-0000-4000-8000-000000000001",
    "failed": "00000000-0000-4000-8000-000000000002",
    "canceled": "00000000-0000-4000-8000-000000000003",
    "running": "00000000-0000-4000-8000-000000000004",
    "old": "00000000-0000-4000-8000-000000000005",
    "removed": "00000000-0000-4000-8000-000000000006",
}


def at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


def cloud_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z") if moment else ""


def _add(
    store: Store,
    key: str,
    *,
    label: str,
    status: str,
    created: float,
    ended: float | None = None,
    reason: str = "",
    name: str = "UpgradeGaussDBforMySQLDatabaseVersion",
) -> None:
    task_id = IDS[key]
    store.add_tasks([task_id], profile="prod", label=label, now=at(created).timestamp())
    job = parse_job_dict({
        "id": task_id, "name": name, "status": status, "created": cloud_time(at(created)),
        "ended": cloud_time(at(ended) if ended is not None else None),
        "process": "40%" if status == "Running" else "", "fail_reason": reason,
        "instance": {"id": f"inst-{key}in07", "name": f"orders-{key}"}, "entities": {},
    })  # fmt: skip
    store.record_success(task_id, job, now=at(ended if ended is not None else -1).timestamp())


def window_store(path: Path) -> Store:
    """A maintenance window 22:00-23:00 UTC, and one task from the day before."""
    store = Store.open(path)
    _add(store, "done", label="=HYPERLINK(1)", status="Completed", created=-55, ended=-40)
    _add(store, "failed", label="CHG-1042 | step <2>", status="Failed", created=-45, ended=-20,
         reason=REASON)  # fmt: skip
    _add(store, "canceled", label="CHG-1042 reboot", status="Canceled", created=-30, ended=-29)
    _add(store, "running", label="CHG-1043 resize", status="Running", created=-10)
    _add(store, "old", label="yesterday", status="Completed", created=-1500, ended=-1490)
    _add(store, "removed", label="CHG-1042 removed", status="Completed", created=-50, ended=-35)
    store.remove_tasks([IDS["removed"]])
    return store
