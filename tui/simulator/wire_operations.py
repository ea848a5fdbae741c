"""The GaussDB, DDS and GeminiDB Task Centers (a simulator serves one of them): a job by ID
and the lists, in each service's own shape (:mod:`.services`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from tui.simulator.exchange import Counters, SimRequest, SimResponse, cloud_time
from tui.simulator.gateway import Gateway
from tui.simulator.jobs import ScriptedJob
from tui.simulator.services import ListSpec, WireSpec

__all__ = ["MAX_SPAN", "WireOperations"]

MAX_SPAN = 30 * 86400 + 60  # GaussDB, DDS, GeminiDB lists: a window of at most 30 days


class WireOperations:
    """Answers the operations of one GaussDB, DDS or GeminiDB Task Center.

    Args:
        wire: The service's paths and shapes.
        jobs: The scripted jobs, by ID.
        gateway: Admits each request and words the answers.
        counters: Where requests are counted.
        denied: Operations the caller's IAM policy lacks (``list``).
        served: A job's snapshot as answered by ID now (counted once final).
        poison: Makes a list page a hostile Task Center's, when the simulator is one.
    """

    def __init__(
        self,
        wire: WireSpec,
        jobs: dict[str, ScriptedJob],
        gateway: Gateway,
        counters: Counters,
        denied: set[str],
        served: Callable[[ScriptedJob, float], dict[str, Any]],
        poison: Callable[[dict[str, Any], list[dict[str, Any]], int], None],
    ) -> None:
        self._wire = wire
        self._jobs = jobs
        self._gateway = gateway
        self._counters = counters
        self._denied = denied
        self._served = served
        self._poison = poison

    def handle(
        self,
        request: SimRequest,
        path: str,
        raw_query: str,
        job_id: str,
        now: float,
    ) -> SimResponse:
        """A request to this GaussDB, DDS or GeminiDB Task Center."""
        wire = self._wire
        unquoted = unquote(path)
        get = request.method.upper() == "GET"
        match = wire.job_path.match(unquoted)
        if get and match is not None and (job_id or wire.not_found is not None):
            return self._job(wire, request, path, raw_query, match, job_id, now)
        for spec in wire.lists:
            if get and (match := spec.path.match(unquoted)) is not None:
                return self._list(wire, spec, request, path, raw_query, match, now)
        return self._gateway.no_such_api()

    def _job(
        self,
        wire: WireSpec,
        request: SimRequest,
        path: str,
        raw_query: str,
        match: re.Match[str],
        job_id: str,
        now: float,
    ) -> SimResponse:
        if refused := self._gateway.admit(request, path, raw_query, match.group("project"), now):
            return refused
        if not job_id:
            return self._gateway.error(400, "DBS.200006", "Mandatory parameter id is empty.")
        job = self._jobs.get(job_id.lower())
        if job is None or not job.is_visible(now):
            if wire.not_found is not None:
                return self._gateway.error(*wire.not_found)
            return self._gateway.reply(200, json.dumps(wire.job_answer([])).encode())
        view = wire.job_view(job, self._served(job, now))
        return self._gateway.reply(200, json.dumps(wire.job_answer([view])).encode())

    def _list(
        self,
        wire: WireSpec,
        spec: ListSpec,
        request: SimRequest,
        path: str,
        raw_query: str,
        match: re.Match[str],
        now: float,
    ) -> SimResponse:
        """A list operation of GaussDB, DDS or GeminiDB: its limits, time format and filters."""
        self._counters.lists[f"{wire.name}-{spec.kind}"] += 1
        if refused := self._gateway.admit(request, path, raw_query, match.group("project"), now):
            return refused
        if "list" in self._denied:
            return self._gateway.error(403, "DBS.200604", "The operation is not authorized.")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        try:
            limit = int(query.get("limit", str(max(spec.limits))))
            offset = int(query.get("offset", "0"))
            start, end = _window(query, spec.time)
        except ValueError:
            return self._gateway.error(400, "DBS.200001", "Parameter error.")
        span = end - start if end < float("inf") and start > float("-inf") else 0.0
        if limit not in spec.limits or offset < 0 or span > MAX_SPAN:
            return self._gateway.error(
                400, "DBS.200001", "Parameter error: offset, limit or time span."
            )
        scheduled = spec.kind == "scheduled"
        wanted = {what: query[param] for param, what in spec.filters.items() if param in query}
        items: list[dict[str, Any]] = []
        for job in sorted(self._jobs.values(), key=lambda j: j.created_at):
            if scheduled:
                if job.scheduled_since is None or now < job.scheduled_since:
                    continue
            elif not job.is_visible(now) or not start <= job.created_at < end:
                continue
            if any(
                str(getattr(job, what)).strip().lower() != value.strip().lower()
                for what, value in wanted.items()
                if what != "status"
            ):
                continue
            snapshot = job.snapshot(now)
            if scheduled:  # created: when it was planned
                snapshot["created"] = cloud_time(job.scheduled_since or job.created_at, 0)
            item = wire.item_view(job, snapshot, spec.kind, cloud_time(job.created_at, 0))
            shown = item.get("status", item.get("job_status"))
            if "status" not in wanted or shown == wanted["status"]:
                items.append(item)
        page = items[offset : offset + limit]
        self._counters.listed += len(page)
        body: dict[str, Any] = {spec.key: page, "total_count": len(items)}
        self._poison(body, page, limit)
        return self._gateway.reply(200, json.dumps(body).encode())


def _window(query: dict[str, str], time_format: str | None) -> tuple[float, float]:
    """The ``start_time``/``end_time`` filter of a list (ValueError when unreadable); an
    operation without one, or a query without it, takes every time."""
    if time_format is None or "start_time" not in query:
        return float("-inf"), float("inf")

    def read(text: str) -> float:
        if time_format == "millis":
            return int(text) / 1000
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").timestamp()

    end = query.get("end_time")
    return read(query["start_time"]), read(end) if end else float("inf")
