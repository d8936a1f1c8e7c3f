"""palettekit.web.server: the listening socket, uvicorn's configuration, the file limit."""

from __future__ import annotations

import importlib.util
import socket

import pytest

from palettekit.web.server import (
    bind_socket,
    is_loopback,
    missing_web_packages,
    raise_open_file_limit,
    url_of,
    uvicorn_config,
)
from palettekit.web.settings import Settings


def test_bind_socket_picks_a_free_loopback_port_and_reports_a_busy_one():
    first = bind_socket("127.0.0.1", 0)
    try:
        host, port = first.getsockname()[:2]
        assert host == "127.0.0.1" and port > 0
        with pytest.raises(OSError):
            bind_socket("127.0.0.1", port).close()
    finally:
        first.close()
    with socket.socket() as probe:  # the port is free again
        probe.bind(("127.0.0.1", port))


def test_bind_socket_listens_and_is_inheritable():
    with bind_socket("127.0.0.1", 0) as sock:
        assert sock.type == socket.SOCK_STREAM
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        assert sock.get_inheritable()
        with socket.create_connection(sock.getsockname()[:2], timeout=5):
            pass  # it accepts connections


def test_bind_socket_refuses_a_name_that_does_not_resolve():
    with pytest.raises(OSError):
        bind_socket("no-such-host.invalid", 0)


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
def test_an_ipv6_socket_is_ipv6_only_and_its_url_has_brackets():
    try:
        sock = bind_socket("::1", 0)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with sock:
        assert sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 1
        assert url_of(sock) == f"http://[::1]:{sock.getsockname()[1]}"


def test_url_of_a_bound_socket():
    with bind_socket("127.0.0.1", 0) as sock:
        assert url_of(sock) == f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.1.2", False),
        ("::", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_missing_web_packages_names_the_distributions(monkeypatch):
    real = importlib.util.find_spec

    def without(*names):
        def find_spec(name, *args):
            return None if name in names else real(name, *args)

        return find_spec

    monkeypatch.setattr(
        importlib.util, "find_spec", without("fastapi", "python_multipart", "multipart")
    )
    assert missing_web_packages() == ["fastapi", "python-multipart"]
    monkeypatch.setattr(importlib.util, "find_spec", without("python_multipart"))
    assert "python-multipart" not in missing_web_packages()  # the old module name suffices


def test_raise_open_file_limit_never_lowers_it_nor_passes_the_hard_limit():
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        raise_open_file_limit(10)  # below the soft limit: left alone
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (soft, hard)
        wanted = soft + 1 if hard == resource.RLIM_INFINITY else min(soft + 1, hard)
        raise_open_file_limit(wanted)
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (wanted, hard)
        raise_open_file_limit(2**62)  # far above what the kernel allows: no error
        new_soft, new_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        assert new_hard == hard and new_soft >= wanted
        assert hard == resource.RLIM_INFINITY or new_soft <= hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_uvicorn_config_carries_the_guards_of_the_settings():
    pytest.importorskip("uvicorn")
    from palettekit.web.server import _MAX_HEAD_BYTES

    async def app(scope, receive, send):  # pragma: no cover - never called
        raise AssertionError

    config = uvicorn_config(
        app, Settings(header_timeout=2.5, max_connections=7), log_level="warning"
    )
    assert config.app is app
    assert config.limit_concurrency is None  # the app caps requests itself
    assert config.server_header is False and config.access_log is False
    assert config.h11_max_incomplete_event_size == _MAX_HEAD_BYTES == 16 * 1024
    protocol = config.http
    assert isinstance(protocol, type)
    assert (protocol.head_timeout, protocol.max_connections) == (2.5, 7)


def test_large_freed_buffers_go_back_to_the_system():
    """After a few 19 MB bodies glibc kept later ones on the heap: the RSS stayed high."""
    import ctypes.util
    import sys

    from palettekit.web.server import return_large_buffers

    done = return_large_buffers()
    if sys.platform.startswith("linux") and ctypes.util.find_library("c"):
        assert done is True
    else:
        assert done is False
