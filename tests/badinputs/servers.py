"""Local misbehaving servers for fetch tests, on 127.0.0.1 only, each stopped
when its ``with`` block ends. No test reaches outside the machine."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


class Routes:
    """A ThreadingHTTPServer whose GET handlers are plain functions by path.

    ``requests`` lists every request path received, so a test can tell
    whether a request was ever sent.
    """

    def __init__(self, routes: dict[str, Handler], host: str = "127.0.0.1") -> None:
        self.routes = routes
        self.requests: list[str] = []
        self.stopping = threading.Event()
        outer = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                outer.requests.append(self.path)
                handler = outer.routes.get(self.path.split("?")[0])
                if handler is None:
                    send(self, 404, b"not found", "text/plain")
                    return
                try:
                    handler(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        server_class = http.server.ThreadingHTTPServer
        if ":" in host:

            class _V6(http.server.ThreadingHTTPServer):
                address_family = socket.AF_INET6

            server_class = _V6
        self.server = server_class((host, 0), _Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.host = host
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def __enter__(self) -> Routes:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


def send(
    handler: http.server.BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str = "application/octet-stream",
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def redirect(location: str, status: int = 302) -> Handler:
    def handle(handler: http.server.BaseHTTPRequestHandler) -> None:
        send(handler, status, b"", "text/plain", {"Location": location})

    return handle


def body(data: bytes, content_type: str = "image/png") -> Handler:
    def handle(handler: http.server.BaseHTTPRequestHandler) -> None:
        send(handler, 200, data, content_type)

    return handle


def drip(stopping: threading.Event, *, interval: float = 0.05, declared: int = 10_000) -> Handler:
    """Slowloris body: headers at once, then one byte every ``interval``."""

    def handle(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(declared))
        handler.end_headers()
        for _ in range(declared):
            if stopping.wait(interval):
                return
            handler.wfile.write(b"x")
            handler.wfile.flush()

    return handle


def endless(stopping: threading.Event, *, chunked: bool) -> Handler:
    """A body with no end and no Content-Length (chunked, or until close)."""

    def handle(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        if chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        block = b"\0" * 65536
        for _ in range(100_000):  # ~6.5 GB at most; the client stops far earlier
            if stopping.is_set():
                return
            if chunked:
                handler.wfile.write(b"%x\r\n" % len(block) + block + b"\r\n")
            else:
                handler.wfile.write(block)

    return handle


def claims(length: int, sent: bytes, stopping: threading.Event) -> Handler:
    """Declares ``length`` bytes, sends ``sent``, then either holds the
    connection open (``length`` > len(sent) and not stopping) until the test
    ends, or closes it early."""

    def handle(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        handler.wfile.write(sent)
        handler.wfile.flush()
        stopping.wait(30)

    return handle


def cut_short(length: int, sent: bytes) -> Handler:
    """Declares ``length`` bytes, sends ``sent`` and closes the connection."""

    def handle(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        handler.wfile.write(sent)
        handler.wfile.flush()
        handler.close_connection = True

    return handle


@contextmanager
def silent_server(*, drip_interval: float | None = None) -> Iterator[str]:
    """A raw TCP server on 127.0.0.1 that accepts connections and never
    answers (or, with ``drip_interval``, drips an endless status line one
    byte at a time: a slowloris on the headers). Yields its URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)
    stopping = threading.Event()
    accepted: list[socket.socket] = []

    def serve() -> None:
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            accepted.append(conn)
            if drip_interval is not None:
                threading.Thread(target=drip_headers, args=(conn,), daemon=True).start()

    def drip_headers(conn: socket.socket) -> None:
        message = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1_000_000
        for byte in message:
            if stopping.wait(drip_interval):
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/image.png"
    finally:
        stopping.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()


def closed_port() -> int:
    """A local port with nothing listening (bound, then released)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def call_with_guard(function: Callable[[], object], limit: float = 30.0) -> object:
    """Run ``function`` in a thread; fail loudly if it has not returned within
    ``limit`` seconds (a hang guard, not a speed assertion: the limit is far
    above the expected time). Returns its result or re-raises its exception."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise AssertionError(f"hung: no return within {limit:g} s")
    outcome["elapsed"] = time.monotonic() - started
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]
