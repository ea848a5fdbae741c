"""Stand-ins for the identity tests: a transport that routes by host to the simulated gateway,
the ECS metadata service and IAM; a forward proxy that records what passes; a private CA."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tui.simulator.core import SimRequest
from tui.simulator.server import Served


class RoutingTransport(httpx.AsyncBaseTransport):
    """In-process: each host (``gateway``, ``metadata``, ``iam``) answered by its service."""

    def __init__(self, services: Mapping[str, Served]) -> None:
        self.services = dict(services)
        self.seen: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.seen.append(request)
        service = self.services.get(request.url.host)
        if service is None:
            raise httpx.ConnectError(f"no stand-in for {request.url.host}", request=request)
        answer = service.handle(
            SimRequest(
                method=request.method,
                target=request.url.raw_path.decode("ascii"),
                headers=dict(request.headers.items()),
                body=body,
            )
        )
        await asyncio.sleep(0)
        return httpx.Response(
            answer.status, headers=dict(answer.headers), content=answer.body, request=request
        )


@dataclass
class RecordingProxy:
    """A forward proxy on 127.0.0.1 for plain-http targets on loopback: it records each request
    line and its ``Proxy-Authorization``, then forwards it."""

    seen: list[tuple[str, str | None]] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def _forward(self) -> None:
                proxy.seen.append(
                    (f"{self.command} {self.path}", self.headers["Proxy-Authorization"])
                )
                target = httpx.URL(self.path)
                if target.host not in {"127.0.0.1", "localhost"}:
                    self.send_error(403, "loopback only")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in {"proxy-authorization", "proxy-connection", "connection"}
                }
                answer = httpx.request(
                    self.command, self.path, headers=headers, content=body, timeout=10
                )
                self.send_response_only(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def private_ca(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA of our own and a certificate for 127.0.0.1 signed by it (with ``openssl``).

    Returns:
        The CA's PEM file and a server context with the certificate.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (the TLS test makes its CA with it)")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=taskwatch test CA")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName = IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext")  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "server.pem", folder / "server.key")
    return folder / "ca.pem", context
