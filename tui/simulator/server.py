"""The simulator as a real HTTP/1.1 server on 127.0.0.1, run in a background thread."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol, Self

from tui.cloud.endpoints import is_loopback_host
from tui.simulator.core import SimRequest, SimResponse, Simulator

__all__ = ["Served", "ServiceServer", "SimulatorServer"]


log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's connection reuse is exercised
    # Headers and body go out in separate writes; with Nagle on, the client's delayed ACK would
    # hold every response back ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging: the simulator runs inside the TUI in --demo."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = SimRequest(
            method=self.command,
            target=self.path,
            headers=dict(self.headers.items()),
            body=body,
        )
        simulator = self.server.simulator
        simulator.request_started()
        try:
            answer = simulator.handle(request)
            if answer.delay > 0 and self.server.stopping.wait(answer.delay):
                answer = answer.__class__(status=0, fault="drop")
        finally:
            simulator.request_finished()
        if answer.fault == "hang":
            self.server.stopping.wait(self.server.hang_seconds)
            self._drop()
            return
        if answer.fault == "drop":
            self._drop()
            return
        self.log_request(answer.status)
        self.send_response_only(answer.status)
        self.send_header("Server", self.version_string())
        if not any(name.lower() == "date" for name in answer.headers):
            self.send_header("Date", self.date_time_string())
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], simulator: Served) -> None:
        super().__init__(address, _Handler)
        self.simulator = simulator
        self.stopping = threading.Event()
        self.hang_seconds = 30.0
        self.lock = threading.Lock()
        self.connections = 0
        """TCP connections accepted so far (a client that reuses connections opens few)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away mid-request is normal (a TUI quitting): note it quietly.
        Anything else is logged with its traceback, never printed on the terminal."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            log.debug("client %s went away: %s", client_address, error)
        else:
            log.exception("simulator failed on a request from %s", client_address)


class Served(Protocol):
    """What the server serves: the Task Center's simulator, or an identity stand-in."""

    def handle(self, request: SimRequest) -> SimResponse: ...

    def request_started(self) -> None: ...

    def request_finished(self) -> None: ...


class ServiceServer:
    """Serves ``service`` on ``host:port`` (an ephemeral port by default) until stopped.

    Args:
        service: The simulated service.
        host: A loopback address.
        port: The port (0: any free one).
        tls: Serve HTTPS with this context (a private CA's certificate, for the TLS tests).
    """

    def __init__(
        self,
        service: Served,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"the simulator only listens on loopback addresses, not {host!r}")
        self._tls = tls
        self._server = _Server((host, port), service)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="taskwatch-simulator", daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:40123``."""
        host, port = self._server.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host_text}]" if ":" in host_text else host_text
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{shown}:{port}"

    @property
    def connections(self) -> int:
        """How many TCP connections clients have opened so far."""
        return self._server.connections

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class SimulatorServer(ServiceServer):
    """The simulated Task Center over real HTTP (see :class:`ServiceServer`)."""

    def __init__(
        self,
        simulator: Simulator,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(simulator, host=host, port=port, tls=tls)
        self.simulator = simulator
