"""The simulator as a real HTTP/1.1 server on 127.0.0.1, run in a background thread."""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from tui.cloud.endpoints import is_loopback_host
from tui.simulator.core import SimRequest, Simulator

__all__ = ["SimulatorServer"]


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
        self.send_response(answer.status)
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

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
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


class SimulatorServer:
    """Serves ``simulator`` on ``host:port`` (an ephemeral port by default) until stopped."""

    def __init__(self, simulator: Simulator, *, host: str = "127.0.0.1", port: int = 0) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"the simulator only listens on loopback addresses, not {host!r}")
        self.simulator = simulator
        self._server = _Server((host, port), simulator)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="taskwatch-simulator", daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:40123``."""
        host, port = self._server.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host_text}]" if ":" in host_text else host_text
        return f"http://{shown}:{port}"

    @property
    def connections(self) -> int:
        """How many TCP connections clients have opened so far."""
        return self._server.connections

    def start(self) -> SimulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
