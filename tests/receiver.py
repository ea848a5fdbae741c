"""A local webhook receiver for the team notification tests: what Apprise's ``json://`` posts
arrives here (on 127.0.0.1), and a test awaits it instead of sleeping."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Posted", "Receiver"]


@dataclass(frozen=True)
class Posted:
    """One request received: its path, its JSON body and when it arrived (wall time)."""

    path: str
    body: dict[str, Any]
    at: float = field(default_factory=time.time)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that keeps every POST; ``refuse`` paths get a 500, ``hold``
    paths wait until ``release`` is set (a slow sink), ``trickle`` paths answer a byte every
    0.2 s, never finishing before ``release`` (each read is quick: only a total deadline cuts
    it)."""

    refuse: set[str] = field(default_factory=set)
    hold: set[str] = field(default_factory=set)
    trickle: set[str] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)
    posted: list[Posted] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path in receiver.hold:
                    receiver.release.wait(30)
                if self.path in receiver.trickle:
                    self._trickle()
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"raw": raw.decode("utf-8", "replace")}
                with receiver._arrived:
                    receiver.posted.append(Posted(self.path, body))
                    receiver._arrived.notify_all()
                self.send_response(500 if self.path in receiver.refuse else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _trickle(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for _ in range(300):
                    if receiver.release.wait(0.2):
                        break
                    try:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    except OSError:
                        break
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        """The ``json://`` URL of ``path`` here."""
        return f"json://127.0.0.1:{self.port}{path}"

    def wait_for(self, count: int, path: str | None = None, timeout: float = 20.0) -> list[Posted]:
        """Block until ``count`` posts (to ``path``, if given) arrived; return them."""

        def matching() -> list[Posted]:
            return [p for p in self.posted if path is None or p.path == path]

        with self._arrived:
            self._arrived.wait_for(lambda: len(matching()) >= count, timeout)
            return matching()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
