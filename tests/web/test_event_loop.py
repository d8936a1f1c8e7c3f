"""Nothing that reads an image runs on the event loop, nor in the server's process.

A 19 MB JPEG of 5 million COM markers took Pillow 4 s to open; when the
header check ran on the event loop, /api/health waited that long. These
tests record, for every ``Image.open`` and segment count in this process,
whether it ran on a thread with a running event loop: images are read in
worker processes, so there must be none at all, whatever the body's type.
"""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image


@pytest.fixture
def opens_on_loop(monkeypatch):
    on_loop: list[bool] = []
    original = Image.open

    def recording_open(*args, **kwargs):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            on_loop.append(False)
        else:
            on_loop.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(Image, "open", recording_open)
    from palettekit import load

    original_check = load.check_header_segments

    def recording_check(*args, **kwargs):
        recording_open_probe()
        return original_check(*args, **kwargs)

    def recording_open_probe():
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            on_loop.append(False)
        else:
            on_loop.append(True)

    monkeypatch.setattr(load, "check_header_segments", recording_check)
    return on_loop


def _com_flood_jpeg(markers: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    return jpeg[:2] + b"\xff\xfe\x00\x02" * markers + jpeg[2:]


@pytest.mark.parametrize("route", ["/api/palette", "/api/bar.png", "/api/figure.png"])
def test_image_header_is_read_off_the_event_loop(client, stripes_png, opens_on_loop, route):
    response = client.post(route, files={"file": ("s.png", stripes_png, "image/png")})
    assert response.status_code == 200, response.text
    assert opens_on_loop == []  # read in worker processes, never in the server's


@pytest.mark.parametrize(
    ("data", "status"),
    [(b"not an image at all", 415), (2_000, 200), (20_000, 422)],
)
def test_refusals_and_marker_floods_are_read_off_the_event_loop(
    client, opens_on_loop, data, status
):
    body = _com_flood_jpeg(data) if isinstance(data, int) else data
    response = client.post("/api/palette", content=body, headers={"content-type": "image/jpeg"})
    assert response.status_code == status, response.text
    assert opens_on_loop == []


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", None])
def test_an_image_sent_as_a_form_or_untyped_is_not_opened_by_the_server(
    client, photo_png, opens_on_loop, content_type
):
    """curl --data-binary sends a form type; such a body was opened by Pillow on the loop
    (4 COM-marker JPEGs stalled it 14.5 s)."""
    headers = {} if content_type is None else {"content-type": content_type}
    response = client.post("/api/palette", content=photo_png, headers=headers)
    assert response.status_code == 200, response.text
    flood = client.post("/api/palette", content=_com_flood_jpeg(20_000), headers=headers)
    assert flood.status_code == 422, flood.text
    assert opens_on_loop == []


def test_a_long_run_of_ampersands_is_not_parsed_as_a_form(client, monkeypatch):
    """19 MB of '&' as a urlencoded body kept python-multipart busy on the loop for 3.5 s."""
    from starlette.requests import Request

    def no_form(*args, **kwargs):
        raise AssertionError("a urlencoded body was parsed with request.form()")

    monkeypatch.setattr(Request, "form", no_form)
    response = client.post(
        "/api/palette",
        content=b"&" * 2_000_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415, response.text
    assert "Content-Type: image/jpeg" in response.json()["error"]["message"]
    small = client.post(
        "/api/palette?k=3",
        content=b"url=&k=3",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert small.status_code == 400  # a real form is still read: no image in it


def test_decompression_bomb_still_refused_before_decoding(client):
    from badinputs import png_claiming_size

    response = client.post(
        "/api/palette",
        content=png_claiming_size(20_000, 20_000),
        headers={"content-type": "image/png"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "too_large"


def test_marker_flood_is_refused_by_the_header_check_without_a_clustering_worker(make_client):
    """With the only clustering worker busy, a 5-million-marker JPEG still gets its 422."""
    from test_api import only_worker_busy

    # A generous check time: on a loaded machine the 2 s default can run out before the
    # header walk reaches its segment limit, and this test is about which refusal comes.
    client = make_client(workers=1, queue_size=0, check_timeout=60.0)
    with only_worker_busy(client):
        response = client.post(
            "/api/palette",
            content=_com_flood_jpeg(5_000_000),
            headers={"content-type": "image/jpeg"},
        )
    assert response.status_code == 422, response.text
    assert "before the image data" in response.json()["error"]["message"]
