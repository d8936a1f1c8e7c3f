"""palettekit.web.requests: reading the image and the fields from a multipart, JSON or raw body."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from starlette.requests import Request
from webutil import assert_error, expected_palette, photo_like_image

from palettekit.errors import ApiError
from palettekit.web.requests import ImageRequest, read_request
from palettekit.web.settings import Settings


def read(body: bytes, content_type: str | None, query: str = "", **settings) -> ImageRequest:
    """read_request on a request built by hand: ``body`` sent in one piece."""
    headers = [(b"content-type", content_type.encode())] if content_type is not None else []
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/palette",
        "query_string": query.encode(),
        "headers": headers,
    }
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return asyncio.run(read_request(Request(scope, receive), Settings(**settings)))


def test_raw_image_body(client, photo_png):
    response = client.post(
        "/api/palette?k=3", content=photo_png, headers={"content-type": "image/png"}
    )
    assert response.status_code == 200, response.text
    assert (
        response.json()["colors"] == expected_palette(photo_png, "upload", k=3).to_dict()["colors"]
    )


def test_malformed_requests_are_400(client, photo_png):
    """(The URLs here are never fetched: each request is refused before.)"""
    assert_error(client.post("/api/palette"), 400, "bad_request")
    assert_error(client.post("/api/palette", data={"k": "3"}), 400, "bad_request")
    assert_error(
        client.post(
            "/api/palette", content=b"{not json", headers={"content-type": "application/json"}
        ),
        400,
        "bad_request",
    )
    assert_error(
        client.post("/api/palette", json=["https://example.org/a.png"]), 400, "bad_request"
    )
    assert_error(client.post("/api/palette", json={"k": 3}), 400, "bad_request")
    both = client.post(
        "/api/palette",
        files={"file": ("p.png", photo_png)},
        data={"url": "https://example.org/a.png"},
    )
    assert "not both" in assert_error(both, 400, "bad_request")["message"]
    other_file = client.post("/api/palette", files={"image": ("p.png", photo_png)})
    assert_error(other_file, 400, "bad_request")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("ftp://example.org/a.png", "bad_url"),
        ("file:///etc/passwd", "bad_url"),
        ("javascript:alert(1)", "bad_url"),
        ("http://", "bad_url"),
        ("http://example.org:99999/a.png", "bad_url"),
        ("", "bad_request"),
    ],
)
def test_bad_urls_are_400(client, url, kind):
    assert_error(client.post("/api/palette", json={"url": url}), 400, kind)


def test_multipart_upload_over_the_limit_is_413(make_client):
    client = make_client(max_upload_bytes=50_000)
    response = client.post("/api/palette", files={"file": ("big.png", b"\0" * 200_000)})
    assert_error(response, 413, "too_large")


def test_image_just_over_the_limit_in_multipart_is_413(make_client, photo_png):
    client = make_client(max_upload_bytes=len(photo_png) - 1)
    response = client.post("/api/palette", files={"file": ("p.png", photo_png)})
    assert_error(response, 413, "too_large")
    client = make_client(max_upload_bytes=len(photo_png))
    assert client.post("/api/palette", files={"file": ("p.png", photo_png)}).status_code == 200


def test_empty_upload_is_415(client):
    assert_error(
        client.post("/api/palette", files={"file": ("empty.png", b"")}),
        415,
        "unsupported_media_type",
    )


def test_unaccepted_body_type_is_415(client):
    response = client.post("/api/palette", content=b"hello", headers={"content-type": "text/plain"})
    assert_error(response, 415, "unsupported_media_type")


def test_image_bytes_sent_as_curl_data_binary_sends_them(client):
    # curl --data-binary @photo.jpg sends application/x-www-form-urlencoded; a JPEG
    # then parsed as a form gave "Too many fields. Maximum number of fields is 32."
    stream = io.BytesIO()
    photo_like_image(480, 320, seed=4).convert("RGB").save(stream, "JPEG", quality=90)
    jpeg = stream.getvalue()
    assert jpeg.count(b"&") > 32  # the old answer's trigger
    want = expected_palette(jpeg, "upload", k=4).to_dict()["colors"]
    for headers in ({"content-type": "application/x-www-form-urlencoded"}, {}):
        answer = client.post("/api/palette?k=4", content=jpeg, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["colors"] == want
    # what is neither an image nor a form says how to send the bytes
    error = assert_error(
        client.post(
            "/api/palette",
            content=b"plain text, " * 10,
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        415,
        "unsupported_media_type",
    )
    assert "Content-Type: image/jpeg" in error["message"]
    error = assert_error(client.post("/api/palette", content=b"plain text"), 400, "bad_request")
    assert "Content-Type: image/jpeg" in error["message"]
    many = "&".join(f"f{i}=1" for i in range(40)).encode()
    error = assert_error(
        client.post(
            "/api/palette",
            content=many,
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        400,
        "bad_request",
    )
    assert "Content-Type: image/jpeg" in error["message"]
    # a real form still works
    answer = client.post(
        "/api/palette",
        content=b"url=&k=3",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_error(answer, 400, "bad_request")


def test_deeply_nested_json_is_a_400(client, caplog):
    """A JSON body nested 100,000 deep was a 500 with tracebacks in the log."""
    for depth in (100_000, 20_000):
        body = "[" * depth + "]" * depth
        response = client.post(
            "/api/palette", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code in (400, 413), response.text
        assert response.json()["error"]["type"] in ("bad_request", "too_large")
    nested = '{"url": ' + "[" * 5_000 + "]" * 5_000 + "}"
    response = client.post(
        "/api/palette", content=nested, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "bad_request")
    assert "Traceback" not in caplog.text and "internal" not in caplog.text


# --------------------------------------------------------------------------- direct


def test_json_members_are_typed_fields_and_win_over_the_query():
    body = json.dumps({"url": "https://user:pw@example.org/a.png", "k": 4, "sort": "hue"})
    image = read(body.encode(), "application/json", "k=2&tol=0.5")
    assert image.data is None
    assert image.url == "https://user:pw@example.org/a.png"  # fetched with its credentials
    assert image.label == "https://***@example.org/a.png"  # shown without them
    assert image.fields == {"k": 4, "sort": "hue", "tol": "0.5"}
    assert image.typed == frozenset({"url", "k", "sort"})
    as_problem = read(b'{"url": "https://example.org/a.png"}', "application/problem+json")
    assert as_problem.url == "https://example.org/a.png"


def test_form_fields_are_text_and_win_over_the_query():
    image = read(
        b"url=https%3A%2F%2Fexample.org%2Fa.png&k=3",
        "application/x-www-form-urlencoded",
        "k=2&sort=hue",
    )
    assert (image.data, image.url) == (None, "https://example.org/a.png")
    assert image.fields == {"k": "3", "sort": "hue"}
    assert image.typed == frozenset()


def test_raw_bytes_are_the_image_and_the_query_its_fields(photo_png):
    for content_type in ("image/png", "application/octet-stream", None):
        image = read(photo_png, content_type, "k=3&width=40")
        assert image.data == photo_png and image.url is None
        assert (image.label, image.fields, image.typed) == (
            "upload",
            {"k": "3", "width": "40"},
            frozenset(),
        )


def test_a_url_is_checked_before_anything_is_fetched():
    with pytest.raises(ApiError) as caught:
        read(b'{"url": "http://127.0.0.1/a.png"}', "application/json")
    assert (caught.value.status, caught.value.type) == (400, "url_refused")
    allowed = read(
        b'{"url": "http://127.0.0.1/a.png"}', "application/json", allow_private_urls=True
    )
    assert allowed.url == "http://127.0.0.1/a.png"


def test_a_json_body_over_64_kib_is_413():
    padding = "x" * (64 * 1024)
    with pytest.raises(ApiError) as caught:
        read(
            json.dumps({"url": "https://example.org/a.png", "pad": padding}).encode(),
            "application/json",
        )
    assert (caught.value.status, caught.value.type) == (413, "too_large")
    assert "at most 65536 bytes" in caught.value.message


def test_an_upload_over_the_limit_is_413_and_closes_the_connection(photo_png):
    with pytest.raises(ApiError) as caught:
        read(photo_png, "image/png", max_upload_bytes=len(photo_png) - 1)
    assert (caught.value.status, caught.value.type) == (413, "too_large")
    assert caught.value.headers == {"Connection": "close"}
    assert read(photo_png, "image/png", max_upload_bytes=len(photo_png)).data == photo_png


def multipart(filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body with one ``file`` part named ``filename``, sent as it is (httpx
    would percent-escape control characters)."""
    head = (
        '--BOUNDARY\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'
    )
    body = head.encode() + data + b"\r\n--BOUNDARY--\r\n"
    return body, "multipart/form-data; boundary=BOUNDARY"


@pytest.mark.parametrize(
    ("filename", "label"),
    [
        ("photo.png", "photo.png"),
        ("C:\\Users\\me\\photo.png", "photo.png"),
        ("../../etc/photo.png", "photo.png"),
        ("ph\x07oto\u200b.png", "photo.png"),
        ("\x1b[31mred", "[31mred"),
        ("\x01\x02", "upload"),
        ("dir/", "upload"),
        ("", "upload"),
        ("a" * 300 + ".png", "a" * 120),
    ],
)
def test_the_uploads_file_name_becomes_a_safe_label(photo_png, filename, label):
    body, content_type = multipart(filename, photo_png)
    image = read(body, content_type)
    assert (image.data, image.label) == (photo_png, label)


def test_the_json_cap_applies_while_the_body_arrives():
    """The 64 KB cap was checked after the whole body was read: 8 x 20 MB JSON bodies took
    the server to 308 MiB. Reading stops at the first chunk past the cap."""
    pulled = 0
    chunk = b" " * (16 * 1024)

    async def receive() -> dict:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < 1000}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/palette",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    with pytest.raises(ApiError) as caught:
        asyncio.run(read_request(Request(scope, receive), Settings()))
    assert (caught.value.status, caught.value.type) == (413, "too_large")
    assert pulled == 5  # 80 KB read of 16 MB


def test_a_form_as_curl_d_sends_it_is_read_as_a_form():
    """curl -d does not percent-encode: the ':' and '/' of a URL arrive as they are."""
    image = read(b"url=https://example.org/a.png&k=5", "application/x-www-form-urlencoded")
    assert (image.data, image.url, image.fields) == (None, "https://example.org/a.png", {"k": "5"})
