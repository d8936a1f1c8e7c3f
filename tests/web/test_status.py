"""palettekit.web.status: the HTTP status and error type of every exception."""

from __future__ import annotations

import threading

from PIL import Image
from webutil import assert_error, bomb_png, png_bytes, serve_bytes, slow_response


def test_decompression_bomb_header_is_413(client):
    response = client.post("/api/palette", files={"file": ("bomb.png", bomb_png(100_000, 100_000))})
    assert "pixels" in assert_error(response, 413, "too_large")["message"]


def test_image_pixel_limit_is_the_servers(make_client, photo_png):
    client = make_client(max_image_pixels=96 * 64 - 1)
    assert_error(
        client.post("/api/palette", files={"file": ("p.png", photo_png)}), 413, "too_large"
    )


def test_non_image_upload_is_415(client):
    response = client.post(
        "/api/palette", files={"file": ("notes.txt", b"just some text\n" * 20, "text/plain")}
    )
    assert_error(response, 415, "unsupported_media_type")


def test_truncated_image_is_422(client, photo_png):
    response = client.post(
        "/api/palette", files={"file": ("cut.png", photo_png[: len(photo_png) // 2])}
    )
    assert_error(response, 422, "unreadable_image")


def test_fully_transparent_image_is_422(client):
    clear = png_bytes(Image.new("RGBA", (8, 8), (255, 0, 0, 0)))
    assert_error(
        client.post("/api/palette", files={"file": ("clear.png", clear)}), 422, "empty_image"
    )


def test_url_http_error_is_502(make_client, local_server):
    server = local_server({})
    client = make_client(allow_private_urls=True)
    response = client.post("/api/palette", json={"url": server.url("/missing.png")})
    assert "404" in assert_error(response, 502, "fetch_failed")["message"]


def test_url_not_an_image_is_415(make_client, local_server):
    server = local_server({"/page.html": serve_bytes(b"<html>hello</html>" * 10, "text/html")})
    client = make_client(allow_private_urls=True)
    assert_error(
        client.post("/api/palette", json={"url": server.url("/page.html")}),
        415,
        "unsupported_media_type",
    )


def test_url_body_over_the_limit_is_413(make_client, local_server, photo_png):
    server = local_server({"/photo.png": serve_bytes(photo_png)})
    client = make_client(allow_private_urls=True, max_upload_bytes=len(photo_png) - 10)
    assert_error(
        client.post("/api/palette", json={"url": server.url("/photo.png")}), 413, "too_large"
    )


def test_slow_url_is_504(make_client, local_server):
    release = threading.Event()
    server = local_server({"/slow.png": slow_response(5.0, release)})
    client = make_client(allow_private_urls=True, fetch_timeout=0.4)
    try:
        response = client.post("/api/palette", json={"url": server.url("/slow.png")})
    finally:
        release.set()
    assert_error(response, 504, "timeout")
