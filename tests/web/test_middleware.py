"""palettekit.web.middleware: body cap, requests in progress, security headers, error bodies.

Raw ASGI: each middleware is called here with a scope, a receive and a send,
around a small app, without any web framework.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from palettekit.errors import ApiError
from palettekit.web.middleware import (
    BodyLimitMiddleware,
    ConcurrencyLimitMiddleware,
    SecurityHeadersMiddleware,
    error_body,
    megabytes,
)


async def echo_body(scope, receive, send):
    """Reads the whole body, answers 200 with its length."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def call(app, scope: dict[str, Any], chunks: tuple[bytes, ...] = (b"",)) -> list[dict[str, Any]]:
    """Run ``app`` on one request whose body arrives in ``chunks``; the messages it sent."""
    sent: list[dict[str, Any]] = []
    pending = list(chunks)

    async def receive():
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message):
        sent.append(message)

    asyncio.run(
        app({"type": "http", "path": "/api/palette", "method": "POST", **scope}, receive, send)
    )
    return sent


def headers_of(start: dict[str, Any]) -> dict[bytes, bytes]:
    return dict(start["headers"])


def test_error_body_is_the_json_error_shape_with_text_kept_readable():
    body = error_body("too_large", "l’image est trop grande")
    assert json.loads(body) == {
        "error": {"type": "too_large", "message": "l’image est trop grande"}
    }
    assert "’".encode() in body  # not \\u2019


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 bytes"),
        (512, "512 bytes"),
        (1024 * 1024 - 1, "1048575 bytes"),
        (1024 * 1024, "1 MB"),
        (20 * 1024 * 1024, "20 MB"),
        (int(1.5 * 1024 * 1024), "1.5 MB"),
        (1234567, "1.18 MB"),
    ],
)
def test_megabytes(count, text):
    assert megabytes(count) == text


# --- BodyLimitMiddleware ------------------------------------------------------------


def test_a_declared_length_over_the_cap_is_413_before_the_app_runs():
    ran = []

    async def app(scope, receive, send):
        ran.append(scope)

    limited = BodyLimitMiddleware(app, max_bytes=100, upload_limit=90)
    start, body = call(limited, {"headers": [(b"content-length", b"101")]})
    assert ran == []
    assert start["status"] == 413
    headers = headers_of(start)
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"connection"] == b"close"
    assert int(headers[b"content-length"]) == len(body["body"])
    assert json.loads(body["body"]) == {
        "error": {"type": "too_large", "message": "the upload is larger than the limit of 90 bytes"}
    }


def test_a_body_at_the_cap_passes_and_one_streaming_past_it_is_stopped():
    limited = BodyLimitMiddleware(echo_body, max_bytes=100)
    chunked = {"headers": [(b"transfer-encoding", b"chunked")]}
    _, body = call(limited, chunked, [b"x" * 60, b"x" * 40])
    assert body["body"] == b"100"
    with pytest.raises(ApiError) as info:  # a lying or absent length: stopped while reading
        call(limited, {"headers": [(b"content-length", b"10")]}, [b"x" * 60, b"x" * 41, b"x" * 999])
    assert (info.value.status, info.value.type) == (413, "too_large")
    assert limited.reserved == 0  # the reservation is returned even when the handler fails


def test_an_unreadable_content_length_counts_as_none():
    limited = BodyLimitMiddleware(echo_body, max_bytes=100)
    _, body = call(limited, {"headers": [(b"content-length", b"lots")]}, [b"abc"])
    assert body["body"] == b"3"


def test_other_scopes_pass_through_untouched():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    async def nothing():
        return {}

    async def ignore(message):
        pass

    for middleware in (
        BodyLimitMiddleware(app, max_bytes=1, budget=1),
        ConcurrencyLimitMiddleware(app, limit=0),
        SecurityHeadersMiddleware(app),
    ):
        asyncio.run(middleware({"type": "lifespan"}, nothing, ignore))
    assert seen == ["lifespan"] * 3


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
    """Upload bodies are held while they are read: their total is bounded, not just each,
    counting a declared length up front and every byte actually received."""
    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        while (await receive()).get("more_body"):
            pass
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    async def call(app, headers, chunks=(b"",)):
        sent = []
        pending = list(chunks)

        async def send(message):
            sent.append(message)

        async def receive():
            body = pending.pop(0) if pending else b""
            return {"type": "http.request", "body": body, "more_body": bool(pending)}

        scope = {"type": "http", "path": "/api/palette", "method": "POST", "headers": headers}
        try:
            await app(scope, receive, send)
        except ApiError as error:  # raised by receive while the body arrives
            return error
        return sent

    async def scenario():
        app = BodyLimitMiddleware(slow_app, max_bytes=1000, budget=2000)
        chunked = [(b"transfer-encoding", b"chunked")]
        first = asyncio.ensure_future(call(app, [(b"content-length", b"1000")]))
        sent_all = asyncio.ensure_future(call(app, chunked, [b"x" * 500, b"x" * 500]))
        await asyncio.sleep(0.01)
        assert app.reserved == 2000
        refused = await call(app, [(b"content-length", b"10")])  # before its body is read
        cut = await call(app, chunked, [b"x", b"x"])  # the first byte that does not fit
        no_body = asyncio.ensure_future(call(app, []))  # a GET reserves nothing
        await asyncio.sleep(0)
        release.set()
        done = [await first, await sent_all, await no_body]
        after = await call(app, [(b"content-length", b"1000")])  # everything released
        return done, refused, cut, after, app.reserved

    done, refused, cut, after, reserved = asyncio.run(scenario())
    assert [answer[0]["status"] for answer in done] == [200, 200, 200]
    assert refused[0]["status"] == 503
    assert json.loads(refused[1]["body"])["error"]["type"] == "busy"
    assert (cut.status, cut.type) == (503, "busy")
    assert after[0]["status"] == 200 and reserved == 0


def test_a_slow_body_holds_only_what_it_sent():
    """8 chunked bodies sending a few bytes a second each reserved a whole upload: every
    other POST got 503 (38 of 38 over 75 s). A body now holds the bytes it has sent."""
    release = asyncio.Event()

    async def waiting_app(scope, receive, send):
        await receive()
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def request(app, headers, body):
        sent = []

        async def receive():
            return {"type": "http.request", "body": body, "more_body": True}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "path": "/api/palette", "method": "POST", "headers": headers}
        await app(scope, receive, send)
        return sent

    async def scenario():
        app = BodyLimitMiddleware(waiting_app, max_bytes=1000, budget=2000)
        chunked = [(b"transfer-encoding", b"chunked")]
        slow = [asyncio.ensure_future(request(app, chunked, b"abcd")) for _ in range(8)]
        await asyncio.sleep(0.01)
        held = app.reserved
        honest = asyncio.ensure_future(request(app, [(b"content-length", b"1000")], b"x" * 1000))
        await asyncio.sleep(0.01)
        release.set()
        return held, await honest, await asyncio.gather(*slow)

    held, honest, _ = asyncio.run(scenario())
    assert held == 8 * 4
    assert honest[0]["status"] == 200


def test_content_length_with_transfer_encoding_is_refused_before_the_body():
    """Content-Length: 1 with chunked framing reserved 1 byte and read 19 MB (RFC 9112 6.3)."""
    ran = []

    async def app(scope, receive, send):
        ran.append(scope)

    limited = BodyLimitMiddleware(app, max_bytes=100, budget=1000)
    headers = [(b"content-length", b"1"), (b"transfer-encoding", b"chunked")]
    start, body = call(limited, {"headers": headers})
    assert ran == [] and limited.reserved == 0
    assert start["status"] == 400
    assert headers_of(start)[b"connection"] == b"close"
    assert "Transfer-Encoding" in json.loads(body["body"])["error"]["message"]


def test_a_body_slower_than_the_minimum_rate_is_cut_with_408():
    import time

    async def app(scope, receive, send):
        while (await receive()).get("more_body"):
            pass

    async def trickle():
        await asyncio.sleep(0.05)
        return {"type": "http.request", "body": b"x", "more_body": True}  # 20 bytes/s

    async def fast():
        return {"type": "http.request", "body": b"x" * 100, "more_body": False}

    limited = BodyLimitMiddleware(app, max_bytes=10_000, min_rate=1000, grace=0.3)
    scope = {"type": "http", "path": "/api/palette", "method": "POST", "headers": []}
    started = time.monotonic()
    with pytest.raises(ApiError) as info:
        asyncio.run(limited(scope, trickle, None))
    assert (info.value.status, info.value.type) == (408, "request_timeout")
    assert info.value.headers["Connection"] == "close"
    assert 0.3 <= time.monotonic() - started < 3
    assert limited.reserved == 0
    asyncio.run(limited(scope, fast, None))  # a body that comes at once is never timed


# --- SecurityHeadersMiddleware ------------------------------------------------------


def answer_with(headers: list[tuple[bytes, bytes]]):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 307, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b""})

    return app


def test_security_headers_are_added_once():
    start, _ = call(SecurityHeadersMiddleware(answer_with([])), {"headers": []})
    assert headers_of(start) == {
        b"x-content-type-options": b"nosniff",
        b"referrer-policy": b"no-referrer",
    }
    own = [(b"referrer-policy", b"same-origin")]
    start, _ = call(SecurityHeadersMiddleware(answer_with(own)), {"headers": []})
    assert [v for n, v in start["headers"] if n == b"referrer-policy"] == [b"same-origin"]


@pytest.mark.parametrize(
    ("location", "host", "expected"),
    [
        (b"http://evil.example/api/palette", b"evil.example", b"/api/palette"),
        (b"http://EVIL.example:8000/static/?a=1#top", b"evil.example:8000", b"/static/?a=1#top"),
        (b"http://evil.example", b"evil.example", b"/"),
        (b"http://evil.example//other.example/x", b"evil.example", b"/other.example/x"),
        (b"https://elsewhere.example/x", b"evil.example", b"https://elsewhere.example/x"),
        (b"/already/relative", b"evil.example", b"/already/relative"),
        (b"http://[bad/x", b"[bad", b"http://[bad/x"),
    ],
)
def test_a_redirect_to_the_requests_own_host_becomes_a_path(location, host, expected):
    app = SecurityHeadersMiddleware(answer_with([(b"location", location)]))
    start, _ = call(app, {"headers": [(b"host", host)]})
    assert headers_of(start)[b"location"] == expected
