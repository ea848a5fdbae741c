"""The simulator's core: a request in, a response out, decided by a scripted world and a clock.

Every request passes the simulated gateway first (:mod:`.gateway`: signatures, throttling,
faults); then the operation asked for answers from the scripted jobs: a job by ID (both path
forms), the four TaurusDB and RDS lists, the steps, and the GaussDB, DDS and GeminiDB shapes
(:mod:`.services`). Unknown and not-yet-visible jobs get ``DBS.200543``.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN
from tui.simulator.exchange import (
    Counters,
    Credential,
    Faults,
    SimRequest,
    SimResponse,
)
from tui.simulator.gateway import Gateway
from tui.simulator.jobs import ScriptedJob
from tui.simulator.services import SERVICES, WireSpec
from tui.simulator.wire_operations import WireOperations

__all__ = [
    "Credential",
    "FakeClock",
    "Faults",
    "ScriptedJob",
    "SimRequest",
    "SimResponse",
    "Simulator",
]


_JOB_PATH = re.compile(r"^(?P<prefix>/mysql)?/v3/(?P<project>[^/]+)/jobs/?$")
_LIST_PATH = re.compile(
    r"^/v3/(?P<project>[^/]+)/(?P<op>immediate-jobs|scheduled-jobs|tasklist|schedule-tasks)/?$"
)
# operation -> (service, kind, item list key)
_LISTS = {
    "immediate-jobs": ("taurusdb", "instant", "jobs"),
    "scheduled-jobs": ("taurusdb", "scheduled", "schedules"),
    "tasklist": ("rds", "instant", "tasks"),
    "schedule-tasks": ("rds", "scheduled", "schedule_tasks"),
}
_STEPS_PATH = re.compile(
    r"^/v3/(?P<project>[^/]+)/instances/(?P<instance>[^/]+)/task-center-detail/?$"
)


class FakeClock:
    """A clock that moves only when told to; ``now()`` is epoch seconds."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.value = start

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


class Simulator:
    """The simulated Task Center and its gateway. Thread-safe: the HTTP server is threaded."""

    def __init__(
        self,
        *,
        credentials: Mapping[str, Credential | str] | None = None,
        tokens: set[str] | None = None,
        project_id: str = DEMO_PROJECT_ID,
        clock: Callable[[], float] = time.time,
        seed: int = 0,
        service: str = "taurusdb",
    ) -> None:
        if service not in {"taurusdb", "rds", *SERVICES}:
            raise ValueError(f"no simulated Task Center for {service!r}")
        self.wire: WireSpec | None = SERVICES.get(service)
        """The one service this simulator is (GaussDB, DDS, GeminiDB), or None: TaurusDB and
        RDS together, as their paths do not collide."""
        given = credentials if credentials is not None else {DEMO_AK: DEMO_SK}
        self.credentials = {
            ak: c if isinstance(c, Credential) else Credential(sk=c) for ak, c in given.items()
        }
        self.tokens = set(tokens) if tokens is not None else {DEMO_TOKEN}
        self.project_id = project_id
        self.clock = clock
        self.rng = random.Random(seed)
        self.faults = Faults()
        self.counters = Counters()
        self.jobs: dict[str, ScriptedJob] = {}
        self._lock = threading.RLock()
        self.gateway = Gateway(
            self.credentials,
            self.tokens,
            project_id,
            self.faults,
            self.counters,
            lambda: self.clock(),
        )
        """Authentication, throttling and faults, and the gateway's way of answering."""
        self._final_served: set[str] = set()
        self.offset_reading: dict[str, str] = {"immediate-jobs": "page"}
        """How each list reads ``offset``: ``page`` (1-based page number, as Huawei's tooling
        pages TaurusDB's instant list) or ``skip`` (records skipped; every other list)."""
        self.denied: set[str] = set()
        """Operations the caller's IAM policy lacks (``list``, ``steps``): answered 403."""
        self.hostile = False
        """A Task Center that lies: every list page carries items whose IDs are no task IDs
        (a path, a number, escape sequences, a formula, 200,000 characters), pages never end
        (padded with IDs of tasks that do not exist, a ``total_count`` of 1), and steps
        answers hold 10,000 steps with long names."""
        self._wire = (
            WireOperations(
                self.wire,
                self.jobs,
                self.gateway,
                self.counters,
                self.denied,
                self._served,
                self._poison,
            )
            if self.wire is not None
            else None
        )
        """The one GaussDB, DDS or GeminiDB Task Center this is, if it is one."""

    # -- the world -------------------------------------------------------------------------

    def add_job(self, job: ScriptedJob) -> ScriptedJob:
        """Add or replace a scripted job."""
        with self._lock:
            self.jobs[job.id] = job
        return job

    def new_job_id(self) -> str:
        """A fresh random job ID, reproducible for a given seed."""
        with self._lock:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # -- in-flight accounting, called by the server and the transport ----------------------

    def request_started(self) -> None:
        with self._lock:
            self.counters.in_flight += 1
            self.counters.max_in_flight = max(self.counters.max_in_flight, self.counters.in_flight)

    def request_finished(self) -> None:
        with self._lock:
            self.counters.in_flight -= 1

    # -- request handling ------------------------------------------------------------------

    def handle(self, request: SimRequest) -> SimResponse:
        """Answer one request as the gateway and the Task Center would."""
        with self._lock:
            response = self._handle(request)
            self.counters.by_status[response.status] += 1
            return response

    def _handle(self, request: SimRequest) -> SimResponse:
        now = self.clock()
        self.counters.total += 1
        path, _, raw_query = request.target.partition("?")
        pairs = parse_qsl(raw_query, keep_blank_values=True)
        job_id = next((v for k, v in pairs if k == "id"), "")
        if job_id:
            self.counters.by_job[job_id.lower()] += 1
        if self._wire is not None:
            return self._wire.handle(request, path, raw_query, job_id, now)
        list_match = _LIST_PATH.match(unquote(path))
        if list_match is not None and request.method.upper() == "GET":
            return self._handle_list(request, path, raw_query, list_match, now)
        steps_match = _STEPS_PATH.match(unquote(path))
        if steps_match is not None and request.method.upper() in {"GET", "POST"}:
            return self._handle_steps(request, path, raw_query, steps_match, now)
        match = _JOB_PATH.match(unquote(path))
        if request.method.upper() != "GET" or match is None:
            return self.gateway.no_such_api()
        if refused := self.gateway.admit(request, path, raw_query, match.group("project"), now):
            return refused
        if not job_id:
            return self.gateway.error(400, "DBS.200006", "Mandatory parameter id is empty.")
        job = self.jobs.get(job_id.lower())
        if job is None or not job.is_visible(now):
            return self.gateway.error(400, "DBS.200543", "The job does not exist.")
        snapshot = self._served(job, now)
        return self.gateway.reply(200, json.dumps({"job": snapshot}).encode())

    def _served(self, job: ScriptedJob, now: float) -> dict[str, Any]:
        """The job as answered by ID now, counted when its final status was already served."""
        snapshot = job.snapshot(now)
        if job.id in self._final_served:
            self.counters.after_final[job.id] += 1
        if snapshot["status"] not in {"Pending", "Running"}:
            self._final_served.add(job.id)
        return snapshot

    def _handle_list(
        self, request: SimRequest, path: str, raw_query: str, match: re.Match[str], now: float
    ) -> SimResponse:
        """The four list operations, with each one's parameters, paging and time filters."""
        operation = match.group("op")
        self.counters.lists[operation] += 1
        if refused := self.gateway.admit(request, path, raw_query, match.group("project"), now):
            return refused
        if "list" in self.denied:
            return self.gateway.error(403, "DBS.200604", "The operation is not authorized.")
        service, kind, key = _LISTS[operation]
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        try:
            limit = int(query.get("limit", "10"))
            offset = int(query.get("offset", "1" if operation == "immediate-jobs" else "0"))
        except ValueError:
            return self.gateway.error(400, "DBS.200001", "Parameter error: offset or limit.")
        allowed = {10, 20, 50} if service == "taurusdb" else set(range(1, 51))
        if limit not in allowed or offset < 0:
            return self.gateway.error(400, "DBS.200001", "Parameter error: offset or limit.")
        window = self._window(query, service)
        if isinstance(window, SimResponse):
            return window
        start, end = window
        jobs = [
            job for job in self.jobs.values()
            if job.service == service
            and (
                (kind == "scheduled" and job.scheduled_since is not None
                 and now >= job.scheduled_since)
                or (kind == "instant" and job.is_visible(now))
            )
            and (start is None or kind == "scheduled" or start <= job.created_at < end)
            and query.get("instance_id", job.instance_id) == job.instance_id
            and query.get("job_name", query.get("name", job.name)).strip() == job.name.strip()
        ]  # fmt: skip
        jobs.sort(key=lambda j: j.created_at)
        if "status" in query:  # the status an item would show, without building every item
            wanted = query["status"]
            jobs = [
                j
                for j in jobs
                if (j.status_at(now) if now >= j.created_at else "Pending") == wanted
            ]
        skip = (
            (max(offset, 1) - 1) * limit if self.offset_reading.get(operation) == "page" else offset
        )
        page = [job.list_item(now, kind) for job in jobs[skip : skip + limit]]
        self.counters.listed += len(page)
        body: dict[str, Any] = {key: page, "total_count": len(jobs)}
        self._poison(body, page, limit)
        if operation == "immediate-jobs":
            body["action_names"] = sorted({job.name for job in jobs})
        elif operation == "tasklist":
            body["actions"] = sorted({job.name for job in jobs})
        return self.gateway.reply(200, json.dumps(body).encode())

    def _poison(self, body: dict[str, Any], page: list[dict[str, Any]], limit: int) -> None:
        """A hostile Task Center's page: junk IDs first, never short, a lying count."""
        if not self.hostile:
            return
        page[:0] = [{**_HOSTILE_ITEM, "job_id": bad, "id": bad} for bad in _HOSTILE_IDS]
        while len(page) < limit + len(_HOSTILE_IDS):  # never a short page: never the end
            ghost = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            page.append({**_HOSTILE_ITEM, "job_id": ghost, "id": ghost})
        body["total_count"] = 1

    def _window(
        self, query: dict[str, str], service: str
    ) -> tuple[float | None, float] | SimResponse:
        """The ``start_time``/``end_time`` filter: TaurusDB ``…+0000`` strings, RDS epoch ms
        (and RDS wants an end with a start)."""
        if "start_time" not in query:
            return None, float("inf")
        if service == "rds" and "end_time" not in query:
            return self.gateway.error(400, "DBS.200001", "end_time is required with start_time.")
        try:
            if service == "rds":
                start = int(query["start_time"]) / 1000
                end = int(query["end_time"]) / 1000
            else:
                start = datetime.strptime(query["start_time"], "%Y-%m-%dT%H:%M:%S%z").timestamp()
                end_text = query.get("end_time")
                end = (
                    datetime.strptime(end_text, "%Y-%m-%dT%H:%M:%S%z").timestamp()
                    if end_text
                    else float("inf")
                )
        except ValueError:
            return self.gateway.error(400, "DBS.200001", "Parameter error: start_time or end_time.")
        return start, end

    def _handle_steps(
        self, request: SimRequest, path: str, raw_query: str, match: re.Match[str], now: float
    ) -> SimResponse:
        """``ShowTaskDetails``: TaurusDB asks with GET and a query, RDS with POST and a body."""
        if refused := self.gateway.admit(request, path, raw_query, match.group("project"), now):
            return refused
        service = "rds" if request.method.upper() == "POST" else "taurusdb"
        if service == "rds":
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return self.gateway.error(400, "DBS.200001", "The request body is not valid JSON.")
            job_id, job_name = body.get("workflow_id"), body.get("workflow_name")
        else:
            pairs = dict(parse_qsl(raw_query, keep_blank_values=True))
            job_id, job_name = pairs.get("job_id"), pairs.get("job_name")
        if not isinstance(job_id, str) or not job_id or not isinstance(job_name, str):
            return self.gateway.error(400, "DBS.200006", "Mandatory parameter job_id is empty.")
        self.counters.steps_by_job[job_id.lower()] += 1
        job = self.jobs.get(job_id.lower())
        if job is None or not job.is_visible(now) or job.instance_id != match.group("instance"):
            return self.gateway.error(400, "DBS.200543", "The job does not exist.")
        if job.service != service:
            return self.gateway.no_such_api()
        if not job.steps or job_name.strip() != job.name.strip():
            return self.gateway.error(400, "DBS.200001", "The task has no details to show.")
        if self.hostile:
            return self.gateway.reply(200, _HUGE_STEPS)
        return self.gateway.reply(200, json.dumps(job.steps_snapshot(now)).encode())

    def verify(self, request: SimRequest) -> tuple[str, SimResponse | None]:
        """Authenticate ``request`` as the gateway does (IAM's stand-in shares the gateway).

        Returns:
            The caller's AK and None, or the caller and the 401 to send.
        """
        with self._lock:
            path, _, raw_query = request.target.partition("?")
            return self.gateway.authenticate(request, path, raw_query, self.clock())


_HOSTILE_IDS = [
    "../../etc/passwd",
    "12345",
    "\x1b]2;pwned\x07\x1b[2J",
    '=hyperlink("http://evil.example")',
    "@sum(1+1)",
    "f" * 200_000,
]
_HOSTILE_ITEM: dict[str, Any] = {
    "job_name": "\x1b[31mRed\x1b[0m | <b>bold</b>\n[x](http://evil)",
    "name": "\x1b[31mRed\x1b[0m",
    "status": "Running",
    "job_status": "Running",
    "process": "50%",
    "instance_id": "00000000000000000000000000000000in07",
    "instance_name": "\x1b]52;c;QQ==\x07",
    "created_time": "2026-12-03T10:00:00+0000",
}
_HUGE_STEPS = json.dumps(
    {
        "sub_task_list": [
            {"sub_task_name": "s" * 100, "status": "Running", "percent": "5", "remaining_time": "9"}
        ]
        * 10_000
    }
).encode()
