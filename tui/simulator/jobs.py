"""A scripted job of the simulated Task Center: when it is created, runs and ends, and how it
looks at any moment by ID, on a list page and in its steps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tui.simulator.exchange import cloud_time

__all__ = ["ScriptedJob"]


@dataclass
class ScriptedJob:
    """A job whose state is a function of time: visible, pending, running, then its outcome."""

    id: str
    name: str
    instance_id: str
    instance_name: str
    created_at: float
    outcome: str = "Completed"
    visible_after: float = 0.0
    pending_for: float = 0.0
    running_for: float = 30.0
    fail_reason: str = ""
    entities: dict[str, Any] = field(default_factory=dict)
    service: str = "taurusdb"
    created_offset_hours: int = 8
    ended_offset_hours: int = 0
    steps: tuple[tuple[str, float], ...] = ()
    """The job's steps as (name, share of the running time); none: the job has no details."""
    estimate_bias: float = 1.0
    """How the cloud's ``remaining_time`` compares with the truth (0.5: it promises half)."""
    stuck_at: int | None = None
    """The progress every answer shows while it runs, if it never moves (the answer is the
    same until the job ends: no estimate can be read from it)."""
    scheduled_since: float | None = None
    """For a scheduled task: when it was scheduled. It starts at ``created_at``, and becomes
    an instant task then (same ID); before, only the scheduled list shows it."""

    @property
    def ends_at(self) -> float:
        return self.created_at + self.pending_for + self.running_for

    def is_visible(self, now: float) -> bool:
        return now >= self.created_at + self.visible_after

    def status_at(self, now: float) -> str:
        elapsed = now - self.created_at
        if elapsed < self.pending_for:
            return "Pending"
        if now < self.ends_at:
            return "Running"
        return self.outcome

    def snapshot(self, now: float) -> dict[str, Any]:
        """The job object the API would return at ``now``."""
        status = self.status_at(now)
        job: dict[str, Any] = {
            "id": self.id,
            # The historical TaurusDB doc example carries a leading space; so do we, sometimes.
            "name": self.name,
            "status": status,
            "created": cloud_time(self.created_at, self.created_offset_hours),
            "instance": {"id": self.instance_id, "name": self.instance_name},
        }
        entities = json.loads(json.dumps(self.entities))
        if status == "Running":
            share = (now - self.created_at - self.pending_for) / max(self.running_for, 0.001)
            percent = max(1, min(99, int(share * 100))) if self.stuck_at is None else self.stuck_at
            job["process"] = f"{percent}%" if self.service != "rds" else str(percent)
            instance = entities.get("instance")
            if isinstance(instance, dict):
                instance.pop("endpoint", None)  # not known until the instance is up
        else:
            job["process"] = ""
        if status not in {"Pending", "Running"}:
            job["ended"] = cloud_time(self.ends_at, self.ended_offset_hours)
        job["entities"] = entities
        job["fail_reason"] = self.fail_reason if status == "Failed" else None
        return job

    def list_item(self, now: float, kind: str) -> dict[str, Any]:
        """This job as a list operation's item, in its service's own field names."""
        snap = self.snapshot(now) if now >= self.created_at else {"status": "Pending"}
        status = snap["status"]
        if kind == "scheduled":
            item: dict[str, Any] = {
                "job_id": self.id,
                "job_name": self.name,
                "job_status": "Pending" if now < self.created_at else status,
                "instance_id": self.instance_id,
                "instance_name": self.instance_name,
                "instance_status": "normal" if self.service != "rds" else "ACTIVE",
                "create_time": cloud_time(self.scheduled_since or self.created_at, 0),
                "start_time": cloud_time(self.created_at, 0),
                "end_time": cloud_time(self.created_at + 3600, 0),
            }
            return item
        if self.service == "rds":
            return {
                "id": self.id,
                "name": self.name,
                "instance_id": self.instance_id,
                "instance_name": self.instance_name,
                "instance_status": "ACTIVE",
                "order_id": "",
                "process": snap.get("process", ""),
                "fail_reason": snap.get("fail_reason") or "",
                "create_time": int(self.created_at * 1000),
                "end_time": int(self.ends_at * 1000) if "ended" in snap else None,
                "status": status,
            }
        return {
            "instance_id": self.instance_id,
            "instance_name": self.instance_name,
            "instance_status": "normal",
            "job_id": self.id,
            "order_id": "",
            "job_name": self.name,
            "status": status,
            "process": snap.get("process", ""),
            "created_time": snap.get("created", ""),
            "ended_time": snap.get("ended", ""),
            "fail_reason": snap.get("fail_reason") or "",
            "show_detail": bool(self.steps),
            "extend_fields": {},
        }

    def steps_snapshot(self, now: float) -> dict[str, Any]:
        """The ``ShowTaskDetails`` answer at ``now``: percents rise, ``remaining_time`` falls."""
        status = self.status_at(now)
        started = self.created_at + self.pending_for
        total = sum(share for _, share in self.steps) or 1.0
        items: list[dict[str, Any]] = []
        begin = started
        failed_marked = False
        for name, share in self.steps:
            length = self.running_for * share / total
            end = begin + length
            if status == "Pending" or now < begin:
                step_status, percent, remaining = "Pending", 0, length
            elif now < end and status == "Running":
                step_status = "Running"
                percent = max(0, min(99, int((now - begin) / max(length, 0.001) * 100)))
                remaining = end - now
            elif status == "Failed" and not failed_marked and now >= self.ends_at:
                # The last step that ran is the one that failed; the rest never started.
                last = end >= self.ends_at - 0.001
                step_status, percent, remaining = (
                    ("Failed", 50, 0) if last else ("Completed", 100, 0)
                )
                failed_marked = last
            elif failed_marked:
                step_status, percent, remaining = "Pending", 0, 0
            else:
                step_status, percent, remaining = "Completed", 100, 0
            item: dict[str, Any] = {
                "sub_task_name": name,
                "status": step_status,
                "percent": str(percent),
                "remaining_time": str(int(remaining * self.estimate_bias)),
            }
            if self.service == "rds":
                item["executed_time"] = str(int(max(0.0, min(now, end) - begin)))
                item["show_detail"] = False
            items.append(item)
            begin = end
        answer: dict[str, Any] = {
            "instance_id": self.instance_id,
            "instance_name": self.instance_name,
            "job_id": self.id,
            "job_name": self.name,
            "status": status,
            "sub_task_list": items,
        }
        if self.service == "rds":
            answer["created_at"] = int(self.created_at * 1000)
            answer["update_at"] = int(now * 1000)
            answer["process"] = self.snapshot(now)["process"]
        return answer
