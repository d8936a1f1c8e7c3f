"""Fixtures for the web app's tests: an in-process client, local HTTP servers."""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

if os.environ.get("CI") != "true":  # locally the web extra may be absent; in CI it must be there
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")

from webutil import LocalServer, Route, photo_like_image, png_bytes, stripes_image  # noqa: E402

from palettekit.web.server import bind_socket, uvicorn_config  # noqa: E402
from palettekit.web.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def stripes_png() -> bytes:
    return png_bytes(stripes_image())


@pytest.fixture(scope="session")
def photo_png() -> bytes:
    return png_bytes(photo_like_image())


@pytest.fixture
def make_client() -> Iterator[Callable[..., object]]:
    """Build an in-process TestClient for ``create_app(Settings(**kw))``; closed after the test."""
    from fastapi.testclient import TestClient

    from palettekit.web.app import create_app

    clients: list[TestClient] = []

    def build(**settings: object) -> TestClient:
        client = TestClient(create_app(Settings(**settings)), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):  # type: ignore[no-untyped-def]
    return make_client()


@pytest.fixture
def local_server() -> Iterator[Callable[..., LocalServer]]:
    """Start HTTP servers on loopback addresses: ``start(routes, host="127.0.0.1")``."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(routes: dict[str, Route], host: str = "127.0.0.1") -> LocalServer:
        info = LocalServer(host=host, port=0)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                info.hits.append(self.path)
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                route(self)

            def log_message(self, *args: object) -> None:
                pass

        family = socket.AF_INET6 if ":" in host else socket.AF_INET

        class Server(http.server.ThreadingHTTPServer):
            address_family = family
            daemon_threads = True

        server = Server((host, 0), Handler)
        info.port = server.server_address[1]
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        servers.append(server)
        return info

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def running_server(settings: Settings) -> Iterator[str]:
    """The app on uvicorn, on a free loopback port, in a thread of this process; yields its URL."""
    with running_app(settings) as (url, _app):
        yield url


@contextlib.contextmanager
def running_app(settings: Settings) -> Iterator[tuple[str, object]]:
    """:func:`running_server` that yields the URL and the app (to look at its services)."""
    import uvicorn

    from palettekit.web.app import create_app

    sock = bind_socket("127.0.0.1", 0)
    app = create_app(settings)
    config = uvicorn_config(app, settings, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("the server did not start")
            time.sleep(0.02)
        host, port = sock.getsockname()[:2]
        yield f"http://{host}:{port}", app
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="session")
def live_url() -> Iterator[str]:
    """A server with the default settings, shared by the tests that need a real socket."""
    with running_server(Settings()) as url:
        yield url


@pytest.fixture
def live_server_with():
    """``live_server_with(**settings)``: a context manager running a server with those settings."""
    return lambda **settings: running_server(Settings(**settings))


@pytest.fixture
def live_app_with():
    """``live_app_with(**settings)``: a context manager running a server with those settings;
    yields its URL and its app."""
    return lambda **settings: running_app(Settings(**settings))
