"""A webhook receiver on the loopback interface, in the test process: it records what it gets,
checks signatures, and can be taken down, made to fail or made to hang."""

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.plugins.builtin.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (on purpose, in these tests) is not news."""


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """`up()` listens on 127.0.0.1 (the same port every time), `down()` stops listening."""

    def __init__(self, *, status: int = 200, delay: float = 0.0) -> None:
        self.status = status
        self.delay = delay
        self.received: list[Received] = []
        self.arrived = threading.Event()  # set when any request comes in, before any delay
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        return self.url_for("/hooks")

    def url_for(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                expected = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(expected)
                receiver.arrived.set()
                if receiver.delay:
                    time.sleep(receiver.delay)
                if receiver.status < 300 and len(body) == expected:
                    with receiver._lock:
                        receiver.received.append(Received(self.path, dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def keys(self, path: str = "/hooks") -> Counter[str]:
        """How many times each idempotency key arrived at `path`."""
        with self._lock:
            return Counter(r.headers["Idempotency-Key"] for r in self.received if r.path == path)

    def all_signed_with(self, secret: str, path: str = "/hooks") -> bool:
        with self._lock:
            return all(
                verify(
                    secret,
                    timestamp=r.headers.get(TIMESTAMP_HEADER),
                    signature=r.headers.get(SIGNATURE_HEADER),
                    body=r.body,
                )
                for r in self.received
                if r.path == path
            )
