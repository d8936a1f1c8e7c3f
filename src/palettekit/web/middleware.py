"""Raw ASGI middleware that keeps the web app standing when strangers send it input.

- :class:`BodyLimitMiddleware`: a cap on the request body, enforced while it
  streams in (413 before the rest is read);
- :class:`ConcurrencyLimitMiddleware`: a cap on requests in progress (JSON
  503 beyond it; idle connections do not count, the health check is exempt);
- :class:`SecurityHeadersMiddleware`: security headers on every answer.

Nothing here imports FastAPI or Starlette: the middleware speaks raw ASGI.
"""

from __future__ import annotations

import asyncio
import json
import time
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
    "PAGE_CSP",
]


Scope = MutableMapping[str, Any]


Message = MutableMapping[str, Any]


Receive = Callable[[], Awaitable[Message]]


Send = Callable[[Message], Awaitable[None]]


ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


PAGE_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
"""The page's Content-Security-Policy, for HTML answers that bring none of their own."""


def error_body(type: str, message: str) -> bytes:
    """The JSON body of an error answer."""
    return json.dumps({"error": {"type": type, "message": message}}, ensure_ascii=False).encode()


class BodyLimitMiddleware:
    """Cap the size of every HTTP request body, all bodies together, and how slowly one arrives.

    A declared ``Content-Length`` above the cap is answered 413 without
    reading the body; a body that streams past the cap (chunked, or lying
    about its length) makes ``receive`` raise :class:`ApiError` (413) in the
    handler that reads it, so at most ``max_bytes`` plus one chunk is ever read.
    A request that declares both a ``Content-Length`` and a
    ``Transfer-Encoding`` is refused with 400 before any of its body is read,
    and its connection closed (RFC 9112, section 6.3: the two framings
    disagree, and reading either one lets the other lie).

    ``budget`` bounds the bodies of all requests in progress together, in
    bytes actually held: a request reserves its declared ``Content-Length``
    up front (503 with ``Retry-After`` before its body is read when that does
    not fit) and every byte it receives beyond that as it arrives (503 as
    soon as one does not fit), until it is answered. A body that declares
    nothing, or sends slowly, costs what it has sent, not the largest upload.

    ``min_rate`` (bytes per second) cuts slow senders: once ``grace`` seconds
    have passed since the request began, its body must have averaged that
    rate since then, or ``receive`` raises :class:`ApiError` (408, connection
    closed); so a client sending a few bytes a second holds neither budget nor
    a request slot for long.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        upload_limit: int | None = None,
        budget: int | None = None,
        min_rate: int | None = None,
        grace: float = 5.0,
    ):
        self.app = app
        self.max_bytes = max_bytes
        self.upload_limit = max_bytes if upload_limit is None else upload_limit
        self.budget = budget
        self.min_rate = min_rate
        self.grace = grace
        self.reserved = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, chunked = _framing(scope)
        if declared is not None and chunked:
            await _send_error(send, _conflicting_framing())
            return
        if declared is not None and declared > self.max_bytes:
            await _send_error(send, self._too_large())
            return
        reservation = declared or 0
        if self.budget is not None and reservation and self.reserved + reservation > self.budget:
            await _send_error(send, self._busy())
            return
        self.reserved += reservation
        body = _Body(self, reservation)
        try:
            await self.app(scope, body.wrap(receive), send)
        finally:
            self.reserved -= body.held

    def _busy(self) -> ApiError:
        return ApiError(
            503,
            "busy",
            f"the server is receiving {megabytes(self.reserved)} of uploads already; "
            "try again shortly",
            headers={"Retry-After": "1", "Connection": "close"},
        )

    def _too_large(self) -> ApiError:
        # "Connection: close" makes the server drop the connection after the
        # answer instead of reading and discarding the rest of the body.
        return ApiError(
            413,
            "too_large",
            f"the upload is larger than the limit of {megabytes(self.upload_limit)}",
            headers={"Connection": "close"},
        )


class _Body:
    """One request's body as it arrives: its size, what it holds of the budget, its pace."""

    def __init__(self, limits: BodyLimitMiddleware, held: int):
        self.limits = limits
        self.held = held
        self.received = 0
        self.started = time.monotonic()
        self.finished = False

    def wrap(self, receive: Receive) -> Receive:
        async def limited_receive() -> Message:
            if self.finished or self.limits.min_rate is None:
                message = await receive()
            else:
                message = await self._paced(receive)
            if message["type"] == "http.request":
                self._count(len(message.get("body", b"")))
                if not message.get("more_body", False):
                    self.finished = True
            return message

        return limited_receive

    async def _paced(self, receive: Receive) -> Message:
        """The next message, if it comes before the body falls below the minimum rate."""
        limits = self.limits
        assert limits.min_rate is not None
        due = self.started + limits.grace + self.received / limits.min_rate
        try:
            return await asyncio.wait_for(receive(), max(due - time.monotonic(), 0.001))
        except asyncio.TimeoutError:
            raise ApiError(
                408,
                "request_timeout",
                f"the request body arrived slower than {megabytes(limits.min_rate)} a second "
                f"after the first {limits.grace:.3g} s; send it faster",
                headers={"Connection": "close"},
            ) from None

    def _count(self, size: int) -> None:
        limits = self.limits
        self.received += size
        if self.received > limits.max_bytes:
            raise limits._too_large()
        extra = self.received - self.held
        if extra > 0:
            if limits.budget is not None and limits.reserved + extra > limits.budget:
                raise limits._busy()
            limits.reserved += extra
            self.held += extra


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """The request's declared ``Content-Length`` (None when absent or unreadable) and
    whether it declares a ``Transfer-Encoding``."""
    declared = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = None
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked


def _conflicting_framing() -> ApiError:
    return ApiError(
        400,
        "bad_request",
        "the request has both Content-Length and Transfer-Encoding; send one (RFC 9112, 6.3)",
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

    An HTML answer that brings no ``Content-Security-Policy`` of its own
    (the page as ``/static/index.html``) gets :data:`PAGE_CSP`, the policy of
    the page at ``/``, and ``X-Frame-Options: DENY``: no site may frame it.
    """

    _HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
    _HTML_HEADERS = (
        (b"content-security-policy", PAGE_CSP.encode()),
        (b"x-frame-options", b"DENY"),
    )

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
                wanted: tuple[tuple[bytes, bytes], ...] = self._HEADERS
                if (
                    dict(headers).get(b"content-type", b"").startswith(b"text/html")
                    and b"content-security-policy" not in present
                ):
                    wanted = (*wanted, *self._HTML_HEADERS)
                extra = [(name, value) for name, value in wanted if name not in present]
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
