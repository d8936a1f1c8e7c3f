"""palettekit.web.protocol: idle and slow-header connections cannot lock clients out, and the
protocol's own errors are JSON (11.9). Against a real ``palettekit serve`` on
127.0.0.1 with a short head deadline."""

from __future__ import annotations

import json
import signal
import socket
import time
from contextlib import ExitStack

import pytest

from server_helpers import get_json, start_serve

IDLE = 500
SLOW = 50


@pytest.fixture(scope="module")
def server():
    process, url = start_serve("--header-timeout", "1", "--max-connections", "400")
    try:
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def _address(url: str) -> tuple[str, int]:
    host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)
    return host, int(port)


def _closed_by_server(sock: socket.socket, keep_sending: bytes = b"", guard: float = 15.0) -> bool:
    """Whether the server closes ``sock`` (within ``guard`` seconds, a hang guard),
    while we send ``keep_sending`` a byte at a time."""
    sock.settimeout(0.2)
    end = time.monotonic() + guard
    pending = keep_sending
    while time.monotonic() < end:
        if pending:
            try:
                sock.send(pending[:1])
            except OSError:
                return True
            pending = pending[1:]
        try:
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


def test_many_idle_and_slow_header_connections_do_not_lock_clients_out(server):
    address = _address(server)
    with ExitStack() as stack:
        idle = [stack.enter_context(socket.create_connection(address)) for _ in range(IDLE)]
        slow = [stack.enter_context(socket.create_connection(address)) for _ in range(SLOW)]
        for sock in slow:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # and never the end
        # A good client is served while all of them are open (uvicorn's
        # limit_concurrency answered a plain-text 503 once 128 were open).
        for _ in range(3):
            assert get_json(f"{server}/api/health")["status"] == "ok"
        assert len(idle) == IDLE


def test_a_connection_that_sends_nothing_is_closed(server):
    with socket.create_connection(_address(server)) as sock:
        assert _closed_by_server(sock)


def test_a_slow_header_connection_is_closed_although_it_keeps_sending(server):
    head = b"GET /api/health HTTP/1.1\r\n" + b"X-Slow: " + b"a" * 400
    with socket.create_connection(_address(server)) as sock:
        sock.sendall(head[:20])
        assert _closed_by_server(sock, keep_sending=head[20:])


def test_keep_alive_connection_gets_a_new_head_deadline(server):
    with socket.create_connection(_address(server)) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(10)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /api/health HTTP/1.1\r\n")  # the next head, never finished
        assert _closed_by_server(sock)


def test_malformed_request_gets_a_json_400(server):
    with socket.create_connection(_address(server)) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        sock.settimeout(10)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["error"]["type"] == "bad_request"


def test_oversized_head_gets_a_json_400(server):
    with socket.create_connection(_address(server)) as sock:
        # a head still growing past 16 KB (h11_max_incomplete_event_size)
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000)
        sock.settimeout(10)
        data = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
    assert data.startswith(b"HTTP/1.1 400"), data[:200]
    assert b"application/json" in data
