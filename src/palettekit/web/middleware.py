"""Raw ASGI middleware that keeps the web app standing when strangers send it input.

- :class:`BodyLimitMiddleware`: a cap on the request body, enforced while it
  streams in (413 before the rest is read);
- :class:`ConcurrencyLimitMiddleware`: a cap on requests in progress (JSON
  503 beyond it; idle connections do not count, the health check is exempt);
- :class:`SecurityHeadersMiddleware`: security headers on every answer.

Nothing here imports FastAPI or Starlette: the middleware speaks raw ASGI.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..errors import ApiError

__all__ = [
    "BodyLimitMiddleware",
    "SecurityHeadersMiddleware",
    "ConcurrencyLimitMiddleware",
    "error_body",
    "megabytes",
]


Scope = MutableMapping[str, Any]


Message = MutableMapping[str, Any]


Receive = Callable[[], Awaitable[Message]]


Send = Callable[[Message], Awaitable[None]]


ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def error_body(type: str, message: str) -> bytes:
    """The JSON body of an error answer."""
    return json.dumps({"error": {"type": type, "message": message}}, ensure_ascii=False).encode()


class BodyLimitMiddleware:
    """Cap the size of every HTTP request body.

    A declared ``Content-Length`` above the cap is answered 413 without
    reading the body; a body that streams past the cap (chunked, or lying
    about its length) makes ``receive`` raise :class:`ApiError` (413) in the
    handler that reads it, so at most ``max_bytes`` plus one chunk is ever read.

    ``budget`` bounds the bodies of all requests in progress together: each
    request reserves its ``Content-Length`` (``max_bytes`` when it declares
    none) until it is answered, and one that does not fit is answered 503
    with ``Retry-After`` before any of its body is read. Bodies are held
    while they are read and checked, so without it memory would grow with
    the number of concurrent uploads rather than with the workers.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        upload_limit: int | None = None,
        budget: int | None = None,
    ):
        self.app = app
        self.max_bytes = max_bytes
        self.upload_limit = max_bytes if upload_limit is None else upload_limit
        self.budget = budget
        self.reserved = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        if declared is not None and declared > self.max_bytes:
            await _send_error(send, self._too_large())
            return
        has_body = declared is not None or any(
            name == b"transfer-encoding" for name, _ in scope.get("headers", ())
        )
        reservation = (self.max_bytes if declared is None else declared) if has_body else 0
        if self.budget is not None and reservation and self.reserved + reservation > self.budget:
            await _send_error(
                send,
                ApiError(
                    503,
                    "busy",
                    f"the server is receiving {megabytes(self.reserved)} of uploads already; "
                    "try again shortly",
                    headers={"Retry-After": "1", "Connection": "close"},
                ),
            )
            return
        self.reserved += reservation
        try:
            await self._limited(scope, receive, send)
        finally:
            self.reserved -= reservation

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, limited_receive, send)

    def _too_large(self) -> ApiError:
        # "Connection: close" makes the server drop the connection after the
        # answer instead of reading and discarding the rest of the body.
        return ApiError(
            413,
            "too_large",
            f"the upload is larger than the limit of {megabytes(self.upload_limit)}",
            headers={"Connection": "close"},
        )


def megabytes(n: int) -> str:
    """A byte count for messages: ``"20 MB"``, ``"1.5 MB"``, ``"512 bytes"``."""
    if n < 1024 * 1024:
        return f"{n} bytes"
    return f"{round(n / (1024 * 1024), 2):g} MB"


async def _send_error(send: Send, error: ApiError) -> None:
    body = error_body(error.type, error.message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in error.headers.items()),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """Add ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` to
    answers, and make redirects to this server relative.

    Starlette builds a redirect (``/api/palette/`` -> ``/api/palette``,
    ``/static`` -> ``/static/``) from the request's ``Host`` header, so a
    client could make the server answer ``Location: http://evil.example/...``
    (and a cache in front could keep it). A ``Location`` whose host is the
    request's own ``Host`` becomes a path: the browser resolves it against
    the address it actually used.
    """

    _HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = b""
        for name, value in scope.get("headers", ()):
            if name == b"host":
                host = value.lower()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, _relative_location(value, host) if name == b"location" else value)
                    for name, value in message.get("headers", ())
                ]
                present = {name.lower() for name, _ in headers}
                extra = [(name, value) for name, value in self._HEADERS if name not in present]
                message["headers"] = [*headers, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ConcurrencyLimitMiddleware:
    """Answer 503 (JSON, ``Retry-After``) while ``limit`` requests are in progress.

    Counts HTTP requests from their head to their answer, not connections:
    a client that connects and sends nothing costs no slot (the server's
    head deadline closes it). ``GET /api/health`` is always answered, so a
    monitor sees a busy server as busy, not as dead.
    """

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit
        self.in_progress = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == "/api/health":
            await self.app(scope, receive, send)
            return
        if self.in_progress >= self.limit:
            await _send_error(
                send,
                ApiError(
                    503,
                    "busy",
                    f"the server is busy ({self.limit} requests in progress); try again shortly",
                    headers={"Retry-After": "1", "Connection": "close"},
                ),
            )
            return
        self.in_progress += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_progress -= 1


def _relative_location(location: bytes, host: bytes) -> bytes:
    """``location`` without scheme and host when its host is ``host`` (the request's)."""
    try:
        parts = urllib.parse.urlsplit(location.decode("latin-1"))
    except ValueError:
        return location
    if not parts.scheme or parts.netloc.lower().encode("latin-1") != host:
        return location
    relative = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    if relative.startswith("//"):  # never a scheme-relative URL to another host
        relative = "/" + relative.lstrip("/")
    return relative.encode("latin-1")
