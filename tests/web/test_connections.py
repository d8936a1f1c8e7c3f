"""Idle and slow-header connections cannot lock clients out, and the
protocol's own errors are JSON (11.9). Against a real ``palettekit serve`` on
127.0.0.1 with a short head deadline."""

from __future__ import annotations

import json
import signal
import socket
import time
from contextlib import ExitStack

import pytest
from test_web_cli import get_json, start_serve

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


def test_requests_in_progress_are_capped_with_a_json_503_health_exempt():
    import asyncio

    from palettekit.web.middleware import ConcurrencyLimitMiddleware

    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    async def call(app, path):
        sent = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b""}

        await app({"type": "http", "path": path, "method": "GET"}, receive, send)
        return sent

    async def scenario():
        app = ConcurrencyLimitMiddleware(slow_app, limit=1)
        first = asyncio.ensure_future(call(app, "/api/palette"))
        await asyncio.sleep(0)
        refused = await call(app, "/api/palette")
        health = asyncio.ensure_future(call(app, "/api/health"))
        await asyncio.sleep(0)
        release.set()
        return await first, refused, await health

    first, refused, health = asyncio.run(scenario())
    assert first[0]["status"] == 200 and health[0]["status"] == 200
    assert refused[0]["status"] == 503
    assert (b"retry-after", b"1") in refused[0]["headers"]
    assert json.loads(refused[1]["body"])["error"]["type"] == "busy"


def test_bodies_in_flight_are_bounded_with_a_json_503():
    """Upload bodies are held while they are read: their total is bounded, not just each."""
    import asyncio

    from palettekit.web.middleware import BodyLimitMiddleware

    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    async def call(app, headers):
        sent = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b""}

        scope = {"type": "http", "path": "/api/palette", "method": "POST", "headers": headers}
        await app(scope, receive, send)
        return sent

    async def scenario():
        app = BodyLimitMiddleware(slow_app, max_bytes=1000, budget=2000)
        big = [(b"content-length", b"1000")]
        first = asyncio.ensure_future(call(app, big))
        chunked = asyncio.ensure_future(call(app, [(b"transfer-encoding", b"chunked")]))
        await asyncio.sleep(0)
        refused = await call(app, [(b"content-length", b"10")])
        no_body = asyncio.ensure_future(call(app, []))  # a GET reserves nothing
        await asyncio.sleep(0)
        release.set()
        done = [await first, await chunked, await no_body]
        after = await call(app, big)  # everything released
        return done, refused, after, app.reserved

    done, refused, after, reserved = asyncio.run(scenario())
    assert [answer[0]["status"] for answer in done] == [200, 200, 200]
    assert refused[0]["status"] == 503
    assert json.loads(refused[1]["body"])["error"]["type"] == "busy"
    assert after[0]["status"] == 200 and reserved == 0
