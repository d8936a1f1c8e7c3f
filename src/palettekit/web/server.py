"""Running the web app: the listening socket, uvicorn's configuration, the server loop.

Nothing heavy at module level: uvicorn and FastAPI are imported when a server
starts.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from .settings import Settings

__all__ = [
    "bind_socket",
    "serve",
    "missing_web_packages",
    "uvicorn_config",
    "url_of",
    "is_loopback",
    "raise_open_file_limit",
    "return_large_buffers",
]


def missing_web_packages() -> list[str]:
    """Distribution names of the ``web`` extra's packages that cannot be imported."""
    import importlib.util

    wanted = {
        "fastapi": ("fastapi",),
        "uvicorn": ("uvicorn",),
        "python-multipart": ("python_multipart", "multipart"),
    }
    return [
        name
        for name, modules in wanted.items()
        if not any(importlib.util.find_spec(module) is not None for module in modules)
    ]


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (port 0: a free one).

    Raises
    ------
    OSError
        The address cannot be bound (in use, not local, bad name).
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(256)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    """The http:// address a bound socket serves on."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    settings: Settings, sock: socket.socket, *, log_level: str = "info", access_log: bool = False
) -> None:
    """Run the app on an already bound socket until interrupted."""
    import uvicorn

    from .app import create_app

    raise_open_file_limit(settings.max_connections + 256)
    return_large_buffers()
    app = create_app(settings)
    # The worker processes start beside the server, not on its first request.
    import threading

    threading.Thread(target=app.state.services.start, name="palettekit-start", daemon=True).start()
    config = uvicorn_config(app, settings, log_level=log_level, access_log=access_log)
    uvicorn.Server(config).run(sockets=[sock])


def uvicorn_config(
    app: Any, settings: Settings, *, log_level: str = "info", access_log: bool = False
) -> Any:
    """The ``uvicorn.Config`` that ``palettekit serve`` runs ``app`` with.

    h11 with a head deadline (``settings.header_timeout``), a connection cap
    (``settings.max_connections``), a 16 KB limit on a request head and JSON
    protocol errors (:mod:`palettekit.web.protocol`); requests in progress
    are capped by the app itself, since uvicorn's ``limit_concurrency``
    counts idle connections too.
    """
    import uvicorn

    from .protocol import guarded_protocol

    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=access_log,
        limit_concurrency=None,
        timeout_keep_alive=5,
        server_header=False,
        http=guarded_protocol(settings.header_timeout, settings.max_connections),
        h11_max_incomplete_event_size=_MAX_HEAD_BYTES,
    )


_MAX_HEAD_BYTES = 16 * 1024
"""Largest request head (request line and headers) accepted; larger is a 400."""


def raise_open_file_limit(wanted: int) -> None:
    """Raise the soft limit on open files towards ``wanted`` (never above the hard limit),
    so that ``max_connections`` sockets can be open at once."""
    try:
        import resource
    except ImportError:  # Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (OSError, ValueError):
            pass


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number


def return_large_buffers(threshold: int = 1024 * 1024) -> bool:
    """Make glibc give every allocation of ``threshold`` bytes or more back to the system
    when it is freed (a fixed ``M_MMAP_THRESHOLD``).

    By default glibc raises that threshold each time such a block is freed, up
    to 32 MiB, so after a few 19 MB request bodies later ones come from the
    heap and the server's RSS stays high after the uploads are gone. Returns
    False where there is no glibc (nothing changes).
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, int(threshold)))
