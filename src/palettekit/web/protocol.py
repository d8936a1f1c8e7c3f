"""uvicorn's h11 protocol with the guards a server facing strangers needs.

uvicorn (0.3x to 0.5x) has no deadline for a request head: a connection
that connects and sends nothing, or sends its header lines a byte at a time,
is kept for as long as the client likes, and with ``limit_concurrency`` such
connections count against the limit, so 130 idle sockets made every other
client get a plain-text 503. This protocol adds:

* a head deadline (``head_timeout``): a connection that has not sent a
  complete request head within that many seconds of connecting, or of the
  end of its previous answer, is closed. Sending bytes does not extend it,
  so a slow-header client gets no more time than an idle one;
* a cap on open connections (``max_connections``): beyond it, the
  connection that has waited longest for its head is closed to make room,
  never one with a request in progress;
* JSON instead of plain text for the protocol's own error answer (400 on a
  malformed request or a head above ``h11_max_incomplete_event_size``).

Requests in progress are bounded by the app itself
(:class:`~palettekit.web.middleware.ConcurrencyLimitMiddleware`, JSON 503), not
by uvicorn's ``limit_concurrency``, which counts idle connections too.

Imported only by ``palettekit serve`` (it needs uvicorn and h11).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .middleware import error_body

__all__ = ["guarded_protocol"]


class _GuardedH11Protocol(H11Protocol):
    head_timeout: float = 5.0
    max_connections: int = 1000

    _head_timer: asyncio.TimerHandle | None = None
    _waiting_since: float | None = None

    # -- the head deadline --

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()
        if len(self.connections) > self.max_connections:
            self._make_room()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._waiting_since is not None and self.conn.their_state is not h11.IDLE:
            self._head_arrived()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        self._head_arrived()
        self._waiting_since = time.monotonic()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _head_arrived(self) -> None:
        self._waiting_since = None
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._waiting_since is not None and not self.transport.is_closing():
            self._waiting_since = None
            self.transport.close()

    # -- the connection cap --

    def _make_room(self) -> None:
        """Close the connection that has waited longest for a request head."""
        oldest: _GuardedH11Protocol | None = None
        for connection in self.connections:
            since = getattr(connection, "_waiting_since", None)
            if since is None or connection is self:
                continue
            if oldest is None or since < (oldest._waiting_since or 0.0):
                oldest = connection  # type: ignore[assignment]
        if oldest is not None:
            oldest._head_timed_out()

    # -- JSON errors --

    def send_400_response(self, msg: str) -> None:
        body = error_body("bad_request", f"invalid HTTP request: {msg.rstrip('.')}")
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        try:
            for event in (
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))  # type: ignore[arg-type]
        except h11.LocalProtocolError:  # the connection is past the point of answering
            pass
        self.transport.close()


def guarded_protocol(head_timeout: float, max_connections: int) -> Any:
    """The protocol class to pass as ``uvicorn.Config(http=...)``."""
    return type(
        "GuardedH11Protocol",
        (_GuardedH11Protocol,),
        {"head_timeout": float(head_timeout), "max_connections": int(max_connections)},
    )
