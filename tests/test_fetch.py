"""fetch.py against misbehaving local servers (127.0.0.1 only; no outside network).

Every call runs under a hang guard far above its own small timeout; none of
these tests measures speed.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import numpy as np
import pytest
from PIL import Image

from badinputs import encode
from badinputs.servers import (
    Routes,
    body,
    call_with_guard,
    claims,
    closed_port,
    cut_short,
    drip,
    endless,
    redirect,
    silent_server,
)
from palettekit.errors import (
    FetchError,
    FetchTimeoutError,
    ImageTooLargeError,
    PaletteError,
    UnsupportedImageError,
)
from palettekit.fetch import MAX_REDIRECTS, display_url, fetch_url
from palettekit.load import load_image
from palettekit.options import Options

PNG = encode(Image.new("RGB", (8, 6), (10, 200, 30)), "PNG")


def fetch(url: str, timeout: float = 10.0, max_bytes: int = 1 << 20, **kw: object) -> bytes:
    return call_with_guard(  # type: ignore[return-value]
        lambda: fetch_url(url, timeout=timeout, max_bytes=max_bytes, **kw)  # type: ignore[arg-type]
    )


def fails(error: type[PaletteError], url: str, **kw: object) -> PaletteError:
    with pytest.raises(error) as info:
        fetch(url, **kw)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(display_url(url) + ":"), message
    return info.value


def fetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "palettekit-fetch"]


def wait_for_no_fetch_threads(limit: float = 10.0) -> None:
    end = time.monotonic() + limit
    while fetch_threads() and time.monotonic() < end:
        time.sleep(0.02)
    assert not fetch_threads(), "the fetch worker did not stop after the deadline"


@pytest.fixture
def server():
    with Routes({"/image.png": body(PNG)}) as routes:
        yield routes


# --- the good path -----------------------------------------------------------------------


def test_fetches_the_body(server):
    assert fetch(server.url("/image.png")) == PNG
    assert server.requests == ["/image.png"]


def test_load_image_fetches_urls(server):
    loaded = load_image(server.url("/image.png"), Options())
    assert loaded.format == "PNG" and loaded.original_size == (8, 6)
    assert (np.asarray(loaded.image) == (10, 200, 30)).all()


def test_query_strings_and_odd_paths_are_sent_encoded(server):
    server.routes["/a b/ü.png"] = body(PNG)
    server.routes["/a%20b/%C3%BC.png"] = body(PNG)
    assert fetch(server.url("/a b/ü.png?x=1&y=a b")) == PNG
    assert server.requests[-1] == "/a%20b/%C3%BC.png?x=1&y=a%20b"


def test_chunked_body(server):
    def chunked(handler):  # type: ignore[no-untyped-def]
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for start in range(0, len(PNG), 10):
            piece = PNG[start : start + 10]
            handler.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")

    server.routes["/chunked"] = chunked
    assert fetch(server.url("/chunked")) == PNG


def test_redirects_are_followed_and_every_hop_is_checked():
    with Routes({"/final.png": body(PNG)}) as second:
        with Routes(
            {"/start": redirect("/middle", 301), "/middle": redirect(second.url("/final.png"), 307)}
        ) as first:
            peers: list[object] = []
            assert fetch(first.url("/start"), check_address=peers.append) == PNG
    assert first.requests == ["/start", "/middle"] and second.requests == ["/final.png"]
    assert peers == [ipaddress.ip_address("127.0.0.1")] * 3


# --- check_address -----------------------------------------------------------------------


def test_refused_address_sends_no_request(server):
    def refuse(ip):  # type: ignore[no-untyped-def]
        raise FetchError(f"address {ip} is not allowed")

    error = fails(FetchError, server.url("/image.png"), check_address=refuse)
    assert "127.0.0.1 is not allowed" in str(error)
    assert server.requests == []


def test_refusing_a_redirect_hop_stops_before_its_request():
    with Routes({"/final.png": body(PNG)}) as second:
        with Routes({"/start": redirect(second.url("/final.png"))}) as first:
            calls: list[object] = []

            def refuse_second(ip):  # type: ignore[no-untyped-def]
                calls.append(ip)
                if len(calls) > 1:
                    raise FetchError("redirect target refused")

            with pytest.raises(FetchError, match="redirect target refused"):
                fetch(first.url("/start"), check_address=refuse_second)
    assert first.requests == ["/start"] and second.requests == []
    assert len(calls) == 2


def test_check_address_own_exception_reaches_the_caller(server):
    class Custom(Exception):
        pass

    def broken(ip):  # type: ignore[no-untyped-def]
        raise Custom("hook failed")

    with pytest.raises(Custom):
        fetch(server.url("/image.png"), check_address=broken)
    assert server.requests == []


def test_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        routes = Routes({"/image.png": body(PNG)}, host="::1")
    except OSError:
        pytest.skip("IPv6 loopback unavailable")
    with routes:
        peers: list[object] = []
        assert fetch(routes.url("/image.png"), check_address=peers.append) == PNG
    assert peers == [ipaddress.ip_address("::1")]


# --- HTTP errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 500, 403, 418])
def test_http_error_status(server, status):
    def answer(handler):  # type: ignore[no-untyped-def]
        handler.send_error(status)

    server.routes["/status"] = answer
    assert f"HTTP {status}" in str(fails(FetchError, server.url("/status")))


def test_connection_refused():
    assert "refused" in str(fails(FetchError, f"http://127.0.0.1:{closed_port()}/a.png"))


def test_https_to_a_plain_http_server_is_a_fetch_error(server):
    fails(FetchError, server.url("/image.png").replace("http://", "https://"))


def test_garbage_response():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def answer_garbage() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"SSH-2.0-OpenSSH_9.0\r\n\r\n")
        conn.close()

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    try:
        error = fails(FetchError, f"http://127.0.0.1:{listener.getsockname()[1]}/a.png")
        assert "bad HTTP response" in str(error)
    finally:
        thread.join(5)
        listener.close()


# --- redirects gone wrong ------------------------------------------------------------------


def test_redirect_loop(server):
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")
    assert "redirect loop" in str(fails(FetchError, server.url("/a")))
    server.routes["/self"] = redirect("/self")
    assert "redirect loop" in str(fails(FetchError, server.url("/self")))


def test_too_many_redirects(server):
    for hop in range(MAX_REDIRECTS + 1):
        server.routes[f"/hop{hop}"] = redirect(f"/hop{hop + 1}")
    server.routes[f"/hop{MAX_REDIRECTS + 1}"] = body(PNG)
    assert "redirects" in str(fails(FetchError, server.url("/hop0")))
    server.requests.clear()
    assert fetch(server.url("/hop1")) == PNG  # exactly MAX_REDIRECTS hops is fine
    assert len(server.requests) == MAX_REDIRECTS + 1


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "ftp://127.0.0.1/a.png", "data:image/png;base64,AAAA"]
)
def test_redirect_to_another_scheme_is_refused(server, target):
    server.routes["/go"] = redirect(target)
    error = fails(FetchError, server.url("/go"))
    assert "redirect" in str(error) and "refused" in str(error)


def test_redirect_without_location(server):
    def bare(handler):  # type: ignore[no-untyped-def]
        handler.send_response(302)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    server.routes["/bare"] = bare
    assert "Location" in str(fails(FetchError, server.url("/bare")))


# --- schemes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/a.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "gopher://127.0.0.1/",
        "javascript:alert(1)",
        "127.0.0.1/a.png",
        "http:///no-host",
        "http://127.0.0.1:99999/port",
    ],
)
def test_urls_fetch_refuses(url):
    fails(FetchError, url)


def test_credentials_never_appear_in_messages(server):
    url = server.url("/missing").replace("http://", "http://user:s3cret@")
    error = fails(FetchError, url)
    assert "s3cret" not in str(error) and "***@127.0.0.1" in str(error)


# --- time ------------------------------------------------------------------------------------


def test_server_that_never_answers_hits_the_deadline():
    with silent_server() as url:
        error = fails(FetchTimeoutError, url, timeout=0.3)
    assert isinstance(error, TimeoutError) and "0.3 s" in str(error)
    wait_for_no_fetch_threads()


def test_slowloris_headers_hit_the_deadline():
    with silent_server(drip_interval=0.01) as url:
        fails(FetchTimeoutError, url, timeout=0.4)
    wait_for_no_fetch_threads()


def test_slowloris_body_hits_the_deadline(server):
    server.routes["/drip"] = drip(server.stopping, interval=0.01, declared=100_000)
    fails(FetchTimeoutError, server.url("/drip"), timeout=0.4)
    wait_for_no_fetch_threads()


def test_deadline_covers_all_redirect_hops(server):
    hops = iter(range(1, 100))

    def slow_redirect(handler):  # type: ignore[no-untyped-def]
        server.stopping.wait(0.15)
        redirect(f"/slow?hop={next(hops)}")(handler)

    server.routes["/slow"] = slow_redirect
    server.routes["/start"] = slow_redirect
    # Each hop answers well within the timeout; together they do not.
    fails(FetchTimeoutError, server.url("/start"), timeout=0.5)


def test_load_image_passes_the_timeout_option():
    with silent_server() as url:
        with pytest.raises(FetchTimeoutError):
            call_with_guard(lambda: load_image(url, Options(timeout=0.3)))


# --- size --------------------------------------------------------------------------------------


def test_declared_length_over_the_cap_is_refused_before_reading(server):
    # The server declares 1 GB, sends 1 KB and then holds the connection: a
    # client that waited for the body would time out instead.
    server.routes["/huge"] = claims(1 << 30, b"\0" * 1024, server.stopping)
    error = fails(ImageTooLargeError, server.url("/huge"), timeout=5.0, max_bytes=1 << 20)
    assert "1073741824 bytes" in str(error) and "max_bytes" in str(error)


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "until-close"])
def test_endless_body_without_length_is_cut_at_the_cap(server, chunked):
    server.routes["/endless"] = endless(server.stopping, chunked=chunked)
    error = fails(ImageTooLargeError, server.url("/endless"), timeout=10.0, max_bytes=300_000)
    assert "more than 300000 bytes" in str(error)


def test_body_exactly_at_the_cap_is_accepted(server):
    assert fetch(server.url("/image.png"), max_bytes=len(PNG)) == PNG
    fails(ImageTooLargeError, server.url("/image.png"), max_bytes=len(PNG) - 1)


def test_body_cut_short(server):
    server.routes["/short"] = cut_short(1000, b"\x89PNG" + b"\0" * 96)
    assert "100 of 1000" in str(fails(FetchError, server.url("/short")))


def test_load_image_passes_max_bytes(server):
    with pytest.raises(ImageTooLargeError):
        call_with_guard(lambda: load_image(server.url("/image.png"), Options(max_bytes=10)))


def test_non_image_body_is_unsupported(server):
    server.routes["/page.html"] = body(b"<html><body>hello</body></html>", "text/html")
    with pytest.raises(UnsupportedImageError) as info:
        call_with_guard(lambda: load_image(server.url("/page.html"), Options()))
    assert str(info.value).startswith(server.url("/page.html"))


def test_empty_body(server):
    server.routes["/empty"] = body(b"")
    assert fetch(server.url("/empty")) == b""
    with pytest.raises(UnsupportedImageError, match="empty"):
        load_image(server.url("/empty"), Options())


def test_many_fetches_leave_no_threads_or_sockets(server):
    # filterwarnings=error turns an unclosed socket (ResourceWarning) into a failure.
    server.routes["/404"] = lambda h: h.send_error(404)
    for index in range(30):
        if index % 2:
            fetch(server.url("/image.png"))
        else:
            fails(FetchError, server.url("/404"))
    wait_for_no_fetch_threads()


# --- the address guard for library users -----------------------------------


def test_library_fetches_loopback_by_default_and_refuses_it_on_request(server):
    import palettekit
    from palettekit.errors import AddressRefusedError
    from palettekit.errors import FetchError as LibraryFetchError

    url = server.url("/image.png")
    assert palettekit.extract(url, k=1)  # a local tool: any URL, loopback included
    assert server.requests == ["/image.png"]
    with pytest.raises(AddressRefusedError, match="loopback address .option block_private_urls"):
        palettekit.extract(url, k=1, block_private_urls=True)
    with pytest.raises(LibraryFetchError):
        palettekit.extract(url.replace("127.0.0.1", "localhost"), k=1, block_private_urls=True)
    assert server.requests == ["/image.png"]  # the refused fetches sent nothing


def test_cli_block_private_urls_flag(server):
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "palettekit",
            "extract",
            server.url("/image.png"),
            "--block-private-urls",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1 and "loopback" in done.stderr
    assert server.requests == []
