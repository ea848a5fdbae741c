"""Async Task Center client: fetch one job by ID, mapping every failure to a typed error."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from tui import __version__
from tui.cloud.big_answers import KEEP_BYTES, shrunk
from tui.cloud.endpoints import Service, check_endpoint_url
from tui.cloud.identity.live import ProjectRef
from tui.cloud.identity.network import describe_transport_error
from tui.cloud.listing import Kind, ListedTask
from tui.cloud.models import Job, parse_error_body
from tui.cloud.paging import PageFlow
from tui.cloud.redaction import redact, registered_secrets
from tui.cloud.services import adapter_for
from tui.cloud.services.base import project_path
from tui.cloud.steps import TaskSteps, parse_steps_response
from tui.errors import (
    AuthenticationError,
    BadResponseError,
    JobNotFoundError,
    NetworkError,
    PermissionDeniedError,
    RequestError,
    ServerError,
    TaskCenterError,
    ThrottledError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "JOB_NOT_FOUND_CODE",
    "FetchResult",
    "ListPage",
    "TaskCenterClient",
    "classify_error",
    "new_http_client",
]

JOB_NOT_FOUND_CODE = "DBS.200543"
# Short connect, moderate read: a poller must notice a dead network in seconds, not the SDK's
# 60 s / 120 s.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=10.0, pool=10.0)
USER_AGENT = f"taskwatch/{__version__}"

# DBS codes that mean the credential is not good enough (reference §8).
_PERMISSION_CODES = frozenset(
    {"DBS.200010", "DBS.200604", "DBS.200044", "DBS.201003", "DBS.280015"}
)
_TOKEN_CODES = frozenset({"DBS.280056"})
MAX_PAGES = 40  # 2,000 tasks in one window: beyond that something is wrong, not busy


def new_http_client(
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    max_connections: int = 16,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    **network: Any,
) -> httpx.AsyncClient:
    """Return the shared AsyncClient: connection reuse, TLS verification on, no redirects.

    Args:
        transport: A transport to use instead of the network (tests: the simulator's).
        max_connections: Connections kept open at most (the poller's concurrency).
        timeout: Connect/read/write/pool timeouts.
        **network: A profile's proxy and CA (:meth:`Network.client_options`): ``proxy``,
            ``verify`` (an SSL context, never False), ``trust_env``.

    Returns:
        A client to share between every Task Center client of the process.
    """
    options: dict[str, Any] = {"verify": True, **network}
    if options["verify"] is False:  # no code path asks for it; no code path may
        raise ValueError("TLS verification is never turned off")
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        **options,
    )


def _retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now)


def classify_error(
    status: int, error_code: str, error_msg: str, request_id: str, retry_after: str | None = None
) -> TaskCenterError:
    """Map an HTTP error status and the cloud's error code to the typed error.

    Args:
        status: The HTTP status.
        error_code: The cloud's code (``DBS.200543``, ``APIGW.0301`` ...), or the status.
        error_msg: The cloud's message (credentials already redacted).
        request_id: The ``X-Request-Id`` to quote to support.
        retry_after: The ``Retry-After`` header, if any.

    Returns:
        The error of the tree in :mod:`tui.errors` that says what the caller should do.
    """
    code = error_code.upper()
    error_type: type[TaskCenterError]
    if code.endswith(".0301") or status == 401 or code in _TOKEN_CODES:
        error_type, fallback = AuthenticationError, "authentication failed"
    elif status == 403 or code in _PERMISSION_CODES:
        error_type, fallback = PermissionDeniedError, "permission denied"
    elif status == 429 or code.endswith(".0308"):
        return ThrottledError(
            error_msg or "throttled",
            retry_after=_retry_after(retry_after, time.time()),
            status=status,
            error_code=error_code,
            request_id=request_id,
        )
    elif code == JOB_NOT_FOUND_CODE:
        error_type, fallback = JobNotFoundError, "the job does not exist"
    elif status >= 500:
        error_type, fallback = ServerError, "server error"
    else:
        error_type, fallback = RequestError, f"HTTP {status}"
    return error_type(
        error_msg or fallback, status=status, error_code=error_code, request_id=request_id
    )


@dataclass(frozen=True)
class ListPage:
    """Every task a list operation returned, de-duplicated, and the requests it took."""

    tasks: list[ListedTask]
    requests: int
    skipped: int = 0
    """List items that were not tasks (no ID, or an ID that is not a task ID): never kept."""
    cut: bool = False
    """The list went on past :data:`MAX_PAGES` pages: what is here is not all of it."""


@dataclass(frozen=True)
class FetchResult:
    """A job fetched successfully, with the gateway's request ID.

    Attributes:
        unchanged: The answer was the very bytes of this job's previous answer: ``job`` is the
            object parsed then (not parsed again), and nothing in it moved.
    """

    job: Job
    request_id: str
    unchanged: bool = False


LAST_ANSWERS = 4096
"""Jobs whose last answer a client keeps, to know the next one unchanged without parsing it."""


class TaskCenterClient:
    """Fetches jobs for one profile (service, endpoint, project, credential).

    Several clients may share one ``httpx.AsyncClient``; the credential travels per request.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        endpoint: str,
        service: Service,
        auth: httpx.Auth,
        project_id: str | None = None,
        project: ProjectRef | None = None,
        secrets: Iterable[str] = (),
        language: str = "en-us",
    ) -> None:
        self._http = http
        self.endpoint = check_endpoint_url(endpoint)
        self.service = service
        self.project = project or ProjectRef(project_id)
        """The project ID, looked up (once) at the first request when it is not configured."""
        self._auth = auth
        self._secrets = tuple(s for s in secrets if s)
        self._headers = {"Content-Type": "application/json", "X-Language": language}
        self.adapter = adapter_for(service)
        """The service's wire format: paths, answers, lists."""
        self._last: dict[str, tuple[bytes, Job]] = {}
        """Each job's last answer and the job parsed from it (most answers of a long task are
        the same bytes again: they are neither parsed nor validated twice)."""

    async def get_job(self, job_id: str) -> FetchResult:
        """Fetch job ``job_id`` now. Raises a TaskCenterError subclass on any failure.

        Args:
            job_id: The task ID (a UUID).

        Returns:
            The job and what the answer said about the request (request ID, timing).

        Raises:
            TaskCenterError: A subclass for each way a request fails (see :mod:`tui.errors`).
        """
        adapter = self.adapter
        request = adapter.job_request(self.project.value or await self.project.get(), job_id)
        try:
            body, request_id = await self._send(
                "GET", self.endpoint + request.path, params=request.params
            )
        except TaskCenterError as exc:
            raise adapter.job_error(exc) from None
        last = self._last.get(job_id)
        if last is not None and last[0] == body:
            return FetchResult(job=last[1], request_id=request_id, unchanged=True)
        try:
            job = adapter.parse_job(body, job_id)
        except JobNotFoundError as exc:
            exc.request_id = request_id
            raise
        except BadResponseError as exc:
            raise self._bad(exc, request_id) from None
        if len(self._last) >= LAST_ANSWERS and job_id not in self._last:
            del self._last[next(iter(self._last))]  # the oldest: a task long gone, most likely
        self._last[job_id] = (body, job)
        return FetchResult(job=job, request_id=request_id)

    async def get_steps(self, job_id: str, job_name: str, instance_id: str) -> TaskSteps:
        """Fetch the steps of a job now (``ShowTaskDetails``).

        TaurusDB takes ``GET`` with ``job_id`` and ``job_name`` in the query; RDS takes ``POST``
        with ``{"workflow_id", "workflow_name"}`` as a JSON body, whose hash is signed.

        Args:
            job_id: The task ID.
            job_name: The job's name, as the job-by-ID answer gives it.
            instance_id: The instance the job runs on.

        Returns:
            The steps, as sent.

        Raises:
            TaskCenterError: A subclass for each way a request fails; a job without details is
                refused with a 4xx, like any bad request, and a service without the operation
                raises :class:`RequestError` without sending anything.
        """
        if not self.adapter.offers_steps:
            raise RequestError(f"{self.adapter.title} has no step details", status=0)
        project_id = self.project.value or await self.project.get()
        request = self.adapter.steps_request(project_id, instance_id, job_id, job_name)
        body, request_id = await self._send(
            request.method,
            self.endpoint + request.path,
            params=request.params,
            content=request.content,
        )
        try:
            return parse_steps_response(body)
        except BadResponseError as exc:
            raise self._bad(exc, request_id) from None

    async def list_tasks(
        self,
        kind: Kind,
        *,
        since: float | None = None,
        until: float | None = None,
        instance_id: str | None = None,
        name: str | None = None,
        status: str | None = None,
        on_page: Callable[[], None] | None = None,
    ) -> ListPage:
        """Every task of the project in the window, across all pages.

        Which pages are asked for, and when the list ends, is the :class:`~.paging.PageFlow`'s
        (the defensive reading of reference §12); this sends its requests. What differs by
        service (path, item key, page size, time format, filters) is the adapter's
        :class:`ListOperation`.

        Args:
            kind: Instant or scheduled tasks.
            since: Created (instant) at or after, epoch seconds.
            until: Created before, epoch seconds (RDS needs it with ``since``; it is sent then).
                Sent only for instant tasks, in the service's own format.
            instance_id: Only this instance (sent where the API has the filter).
            name: Only this job name (sent where the API has the filter).
            status: Only this status.
            on_page: Called before each page after the first (the poller takes a token of
                its rate limit for each).

        Returns:
            The tasks and how many requests it took.

        Raises:
            TaskCenterError: A subclass for each way a request fails; a service without a list
                of ``kind`` raises :class:`RequestError` without sending anything.
        """
        operation = self.adapter.list_operation(kind)
        if operation is None:
            raise RequestError(f"{self.adapter.title} has no {kind} task list", status=0)
        url = self.endpoint + project_path(
            operation.path, self.project.value or await self.project.get()
        )
        params: dict[str, str] = {"limit": str(operation.page_size)}
        if since is not None and operation.time_format is not None:
            params["start_time"] = operation.time_format(since)
            # Rounded up: a time format of whole seconds must not leave out a task started
            # in the second the list is asked.
            end = math.ceil(until if until is not None else time.time())
            params["end_time"] = operation.time_format(end)
        wanted = {"instance_id": instance_id, "name": name, "status": status}
        params.update(
            (operation.filters[key], value)
            for key, value in wanted.items()
            if value and key in operation.filters
        )
        flow = PageFlow(
            page_numbers=operation.page_numbers, page_size=operation.page_size, max_pages=MAX_PAGES
        )
        offsets = flow.offsets()
        offset = next(offsets)  # the first page is always asked for
        while True:
            if flow.requests and on_page is not None:
                on_page()
            query = {**params, "offset": str(offset)}
            body, request_id = await self._send("GET", url, params=query)
            try:
                page = self.adapter.parse_list(body, kind)
            except BadResponseError as exc:
                raise self._bad(exc, request_id) from None
            try:
                offset = offsets.send(page)
            except StopIteration:
                break
        return ListPage(flow.tasks, flow.requests, flow.skipped, flow.cut)

    async def probe(self) -> str:
        """One signed read, the smallest page of the service's instant-task list (``taskwatch
        check``): it proves the credential, the project ID and the endpoint at once.

        Returns:
            What the page said, in a few words (``3 tasks in the last hour``).

        Raises:
            TaskCenterError: A subclass for each way a request fails.
        """
        operation = self.adapter.list_operation("instant")
        if operation is None:  # no list here: a job by ID that cannot exist answers as well
            with contextlib.suppress(JobNotFoundError):
                await self.get_job("00000000-0000-4000-8000-000000000000")
            return "job API answers"
        url = self.endpoint + project_path(
            operation.path, self.project.value or await self.project.get()
        )
        params = {
            "limit": str(operation.smallest_page),
            "offset": "1" if operation.page_numbers else "0",
        }
        if operation.time_format is not None:
            now = time.time()
            params["start_time"] = operation.time_format(now - 3600)
            params["end_time"] = operation.time_format(now)
        body, request_id = await self._send("GET", url, params=params)
        try:
            page = self.adapter.parse_list(body, "instant")
        except BadResponseError as exc:
            raise self._bad(exc, request_id) from None
        total = page.total if page.total is not None else len(page.tasks)
        return f"{total} task(s) in the last hour"

    async def _send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> tuple[bytes, str]:
        """Send one signed request; return the body of a 200 and its request ID, or raise."""
        try:
            response = await self._http.request(
                method, url, params=params, content=content, headers=self._headers, auth=self._auth
            )
        except httpx.TimeoutException as exc:
            raise NetworkError(
                f"timed out talking to {self.endpoint} ({type(exc).__name__})"
            ) from None
        except (httpx.TransportError, OSError) as exc:
            raise NetworkError(self._scrub(describe_transport_error(exc, self.endpoint))) from None
        request_id = response.headers.get("X-Request-Id", "")
        body = response.content
        if len(body) > KEEP_BYTES:  # rare, and a second's work: off the event loop
            body = await asyncio.to_thread(shrunk, body)
        if response.status_code == 200:
            return body, request_id
        if response.status_code < 400:
            raise BadResponseError(
                f"unexpected HTTP {response.status_code} from {self.endpoint}",
                status=response.status_code,
                request_id=request_id,
            )
        error = parse_error_body(response.status_code, body)
        raise classify_error(
            response.status_code,
            self._scrub(error.error_code),
            self._scrub(error.error_msg),
            request_id,
            response.headers.get("Retry-After"),
        )

    def _bad(self, exc: BadResponseError, request_id: str) -> BadResponseError:
        exc.status = 200
        exc.request_id = request_id
        exc.error_msg = self._scrub(exc.error_msg)
        return exc

    @property
    def project_id(self) -> str | None:
        """The project ID, once known."""
        return self.project.value

    def _scrub(self, text: str) -> str:
        # Renewed keys are registered as they arrive: the registry masks old and new alike.
        return redact(redact(text, self._secrets), registered_secrets())
