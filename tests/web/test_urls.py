"""SSRF rules: which addresses URL inputs may reach, tested on tables and against local servers."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from webutil import redirect_to, serve_bytes

from palettekit import fetch as fetch_module
from palettekit.errors import AddressRefusedError, ApiError, FetchError
from palettekit.web import urls
from palettekit.web.urls import (
    address_refusal,
    check_url,
    make_address_check,
)

REFUSED = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "::1": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "172.31.255.254": "private",
    "192.168.1.1": "private",
    "fd12:3456::1": "private",
    "fc00::1": "private",
    "169.254.169.254": "link-local",
    "fe80::1": "link-local",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "ff02::1": "multicast",
    "ff0e::1": "multicast",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "100.64.0.1": "not globally routable",
    "192.0.2.10": "private",
    "2001:db8::1": "private",
    "fec0::1": "site-local",
    # IPv4 inside IPv6
    "::ffff:127.0.0.1": "loopback (IPv4 inside IPv6)",
    "::ffff:10.0.0.1": "private (IPv4 inside IPv6)",
    "::ffff:169.254.169.254": "link-local (IPv4 inside IPv6)",
    "::ffff:0.0.0.0": "unspecified (IPv4 inside IPv6)",
    "::ffff:224.0.0.1": "multicast (IPv4 inside IPv6)",
    "2002:7f00:1::": "loopback (IPv4 inside IPv6)",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::": "private (IPv4 inside IPv6)",  # 6to4 of 192.168.1.1
}

ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "151.101.1.69",
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
]


@pytest.mark.parametrize(("text", "reason"), sorted(REFUSED.items()))
def test_refused_addresses(text, reason):
    assert address_refusal(ipaddress.ip_address(text)) == reason


@pytest.mark.parametrize("text", ALLOWED)
def test_public_addresses_are_allowed(text):
    assert address_refusal(ipaddress.ip_address(text)) is None


def test_address_check_hook(caplog):
    assert make_address_check(allow_private=True) is None
    check = make_address_check(allow_private=False)
    assert check is not None
    check(ipaddress.ip_address("8.8.8.8"))
    with caplog.at_level("INFO", logger="palettekit.web"):
        with pytest.raises(AddressRefusedError, match="loopback") as info:
            check(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert isinstance(info.value, FetchError)
    # the visitor reads a plain sentence; the operator's flag is in the server's log
    assert "public addresses only" in str(info.value)
    assert "--allow-private-urls" not in str(info.value)
    assert "--allow-private-urls" in caplog.text and "loopback" in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.png",
        "http://[::1]:8080/a.png",
        "http://[::ffff:127.0.0.1]/a.png",
        "https://169.254.169.254/latest/meta-data",
        "http://10.0.0.5/a.png",
        "http://0.0.0.0:8000/",
    ],
)
def test_literal_private_addresses_are_refused_before_connecting(url):
    with pytest.raises(ApiError) as info:
        check_url(url, allow_private=False)
    assert (info.value.status, info.value.type) == (400, "url_refused")
    assert "public addresses only" in info.value.message
    assert "--allow-private-urls" not in info.value.message
    assert check_url(url, allow_private=True) == url


@pytest.mark.parametrize(
    "url", ["ftp://a.example/x", "gopher://a.example/", "//a.example/x", "http:///x", 42, ""]
)
def test_check_url_refuses_other_schemes_and_garbage(url):
    with pytest.raises(ApiError) as info:
        check_url(url, allow_private=True)
    assert (info.value.status, info.value.type) == (400, "bad_url")


# --------------------------------------------------------------------------- local servers


def test_loopback_server_is_refused_by_default(make_client, local_server, photo_png):
    server = local_server({"/p.png": serve_bytes(photo_png)})
    client = make_client()
    response = client.post("/api/palette", json={"url": server.url("/p.png")})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "url_refused"
    assert server.hits == []


def test_name_resolving_to_loopback_is_refused_at_connection(make_client, local_server, photo_png):
    """A host name is judged by the address actually connected to: no request reaches it."""
    server = local_server({"/p.png": serve_bytes(photo_png)})
    client = make_client()
    response = client.post("/api/palette", json={"url": f"http://localhost:{server.port}/p.png"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "url_refused"
    assert "loopback" in error["message"]
    assert server.hits == []


def test_loopback_server_is_allowed_with_the_flag(make_client, local_server, photo_png):
    server = local_server({"/p.png": serve_bytes(photo_png)})
    client = make_client(allow_private_urls=True)
    for url in (server.url("/p.png"), f"http://localhost:{server.port}/p.png"):
        response = client.post("/api/palette", json={"url": url, "k": 3})
        assert response.status_code == 200, response.text
    assert server.hits == ["/p.png", "/p.png"]


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="no IPv6 loopback on this machine")
def test_ipv6_loopback_server_is_refused_by_default(make_client, local_server, photo_png):
    server = local_server({"/p.png": serve_bytes(photo_png)}, host="::1")
    response = make_client().post("/api/palette", json={"url": server.url("/p.png")})
    assert response.json()["error"]["type"] == "url_refused"
    allowed = make_client(allow_private_urls=True).post(
        "/api/palette", json={"url": server.url("/p.png")}
    )
    assert allowed.status_code == 200, allowed.text
    assert server.hits == ["/p.png"]


def _second_loopback_available() -> bool:
    try:
        with socket.socket() as sock:
            sock.bind(("127.0.0.2", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _second_loopback_available(), reason="127.0.0.2 cannot be bound here")
def test_every_redirect_hop_is_checked(make_client, local_server, photo_png, monkeypatch):
    """A policy that lets 127.0.0.1 in but not 127.0.0.2: the redirect to .2 is refused."""
    inner = local_server({"/p.png": serve_bytes(photo_png)}, host="127.0.0.2")
    outer = local_server({"/start": redirect_to(inner.url("/p.png"))}, host="127.0.0.1")
    real_refusal = urls.address_refusal

    def refusal_letting_one_in(address):
        if address == ipaddress.ip_address("127.0.0.1"):
            return None
        return real_refusal(address)

    monkeypatch.setattr(fetch_module, "address_refusal", refusal_letting_one_in)
    monkeypatch.setattr(urls, "address_refusal", refusal_letting_one_in)
    response = make_client().post("/api/palette", json={"url": outer.url("/start")})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "url_refused"
    assert "127.0.0.2" in response.json()["error"]["message"]
    assert outer.hits == ["/start"]
    assert inner.hits == []


def test_redirect_to_a_private_address_is_refused_without_the_flag(
    make_client, local_server, photo_png
):
    """Allowed with the flag; refused without it (at the first hop already, here)."""
    target = local_server({"/p.png": serve_bytes(photo_png)})
    start = local_server({"/go": redirect_to(target.url("/p.png"))})
    assert (
        make_client(allow_private_urls=True)
        .post("/api/palette", json={"url": start.url("/go")})
        .status_code
        == 200
    )
    refused = make_client().post("/api/palette", json={"url": f"http://localhost:{start.port}/go"})
    assert refused.json()["error"]["type"] == "url_refused"
    assert start.hits == ["/go"]
    assert target.hits == ["/p.png"]


def test_redirect_to_another_scheme_is_refused(make_client, local_server):
    server = local_server({"/go": redirect_to("file:///etc/passwd")})
    response = make_client(allow_private_urls=True).post(
        "/api/palette", json={"url": server.url("/go")}
    )
    assert response.status_code == 502, response.text
    assert "file" in response.json()["error"]["message"]


def test_redirect_loop_is_refused(make_client, local_server):
    server = local_server({"/a": redirect_to("/b"), "/b": redirect_to("/a")})
    response = make_client(allow_private_urls=True).post(
        "/api/palette", json={"url": server.url("/a")}
    )
    assert response.status_code == 502, response.text
    assert len(server.hits) <= 6


# --- no port-scan oracle ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_target_answers_the_same_whether_its_port_is_open_or_closed(make_client):
    client = make_client()
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        listening.setblocking(False)
        open_port = listening.getsockname()[1]
        closed_port = _free_port()
        answers = []
        for port in (open_port, closed_port):
            response = client.post("/api/palette", json={"url": f"http://localhost:{port}/"})
            answers.append((response.status_code, response.json()["error"]["type"]))
        with pytest.raises(BlockingIOError):
            listening.accept()  # nothing ever connected to the open port
    assert answers == [(400, "url_refused"), (400, "url_refused")]


def test_redirect_to_an_internal_port_is_refused_the_same_open_or_closed(
    make_client, local_server, monkeypatch
):
    """127.0.0.1 is let in (the 'public' start); 127.0.0.2 is internal."""
    real_refusal = fetch_module.address_refusal

    def refusal_letting_one_in(address):
        if address == ipaddress.ip_address("127.0.0.1"):
            return None
        return real_refusal(address)

    monkeypatch.setattr(fetch_module, "address_refusal", refusal_letting_one_in)
    monkeypatch.setattr(urls, "address_refusal", refusal_letting_one_in)
    with socket.socket() as listening:
        listening.bind(("127.0.0.2", 0))
        listening.listen(8)
        listening.setblocking(False)
        open_port = listening.getsockname()[1]
        with socket.socket() as probe:
            probe.bind(("127.0.0.2", 0))
            closed_port = probe.getsockname()[1]
        answers = []
        for port in (open_port, closed_port):
            start = local_server({"/go": redirect_to(f"http://127.0.0.2:{port}/")})
            response = make_client().post("/api/palette", json={"url": start.url("/go")})
            answers.append((response.status_code, response.json()["error"]["type"]))
        with pytest.raises(BlockingIOError):
            listening.accept()
    assert answers == [(400, "url_refused"), (400, "url_refused")]
