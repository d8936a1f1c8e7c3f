"""palettekit.web.status: the HTTP status and error type of every exception."""

from __future__ import annotations

import ast
import inspect
import logging
import threading
from pathlib import Path

import pytest
from PIL import Image
from webutil import assert_error, bomb_png, png_bytes, serve_bytes, slow_response

import palettekit.web
from palettekit import errors
from palettekit.web.status import ERROR_STATUSES, api_error_for

ANSWERS = {
    "PaletteError": (400, "bad_request"),
    "OptionsError": (400, "bad_options"),
    "ExportError": (400, "bad_format"),
    "EmptyImageError": (422, "empty_image"),
    "ImageLoadError": (422, "unreadable_image"),
    "ImageNotFoundError": (422, "unreadable_image"),
    "UnsupportedImageError": (415, "unsupported_media_type"),
    "ImageTooLargeError": (413, "too_large"),
    "FetchError": (502, "fetch_failed"),
    "FetchTimeoutError": (504, "timeout"),
    "AddressRefusedError": (400, "url_refused"),
    "BatchError": (400, "bad_request"),
    "ListFileError": (400, "bad_request"),
    "ResultsFileError": (400, "bad_request"),
    "MissingExtraError": (400, "bad_request"),
}
"""The answer to each exception class of palettekit.errors (ApiError is its own answer)."""


def _error_classes() -> dict[str, type[BaseException]]:
    return {
        name: value
        for name in errors.__all__
        if inspect.isclass(value := getattr(errors, name))
        and issubclass(value, errors.PaletteError)
        and value is not errors.ApiError
    }


def test_every_error_class_has_an_answer():
    # A new class in errors.py fails here until its answer is decided.
    assert set(_error_classes()) == set(ANSWERS)


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_each_error_class_maps_to_a_documented_status(name):
    error = api_error_for(_error_classes()[name]("what went wrong"))
    assert (error.status, error.type) == ANSWERS[name]
    assert error.status in ERROR_STATUSES
    assert error.message == "what went wrong"


def test_a_refused_address_behind_a_fetch_error_is_a_refused_url():
    # fetch_url raises FetchError from the address check's AddressRefusedError
    try:
        try:
            raise errors.AddressRefusedError("refused to connect to 10.0.0.1")
        except errors.AddressRefusedError as inner:
            raise errors.FetchError("cannot fetch http://intranet/") from inner
    except errors.FetchError as outer:
        error = api_error_for(outer)
    assert (error.status, error.type) == (400, "url_refused")
    assert error.message == "cannot fetch http://intranet/"


def test_an_api_error_is_its_own_answer():
    busy = errors.ApiError(503, "busy", "the server is busy", {"Retry-After": "1"})
    assert api_error_for(busy) is busy


def test_an_empty_message_becomes_the_class_name():
    assert api_error_for(errors.EmptyImageError()).message == "EmptyImageError"


def test_running_out_of_memory_is_413():
    error = api_error_for(MemoryError())
    assert (error.status, error.type) == (413, "too_large")
    assert error.message == "not enough memory for this image"


def test_an_unexpected_exception_is_500_logged_but_not_told(caplog):
    with caplog.at_level(logging.ERROR, logger="palettekit.web"):
        error = api_error_for(KeyError("/secret/path"))
    assert (error.status, error.type) == (500, "internal")
    assert "secret" not in error.message
    assert error.message == "internal error; the server's log has the details"
    assert caplog.records[-1].exc_info is not None
    assert "/secret/path" in caplog.text


def test_every_status_the_api_answers_is_documented():
    """Each ApiError the web package builds with a literal status is in ERROR_STATUSES,
    except 500, the answer to a bug."""
    package = Path(palettekit.web.__file__).parent
    found: set[int] = set()
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "ApiError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    assert {400, 408, 413, 415, 422, 502, 503, 504} <= found  # the walk sees them
    assert found - {500} <= set(ERROR_STATUSES)


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
