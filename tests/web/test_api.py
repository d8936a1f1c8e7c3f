"""palettekit.web.api in process (FastAPI's TestClient): the routes, their answers and limits."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import threading
import time

import numpy as np
import pytest
from PIL import Image
from webutil import (
    STRIPE_COLORS,
    STRIPE_SHARES,
    assert_error,
    bomb_png,
    expected_palette,
    photo_like_image,
    png_bytes,
    redirect_to,
    serve_bytes,
    slow_response,
)

from palettekit.web.settings import Settings

# --------------------------------------------------------------------------- answers


def test_palette_of_upload_is_the_cli_json(client, photo_png):
    from palettekit.formats.text import to_json

    response = client.post(
        "/api/palette", files={"file": ("photo.png", photo_png, "image/png")}, data={"k": "6"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.text == to_json(expected_palette(photo_png, "photo.png", k=6))
    body = response.json()
    assert body["schema"] == "palettekit.palette/2"
    assert len(body["colors"]) == 6
    assert body["meta"]["source"] == "photo.png"


def test_known_stripes_come_back_exactly(client, stripes_png):
    response = client.post("/api/palette", files={"file": ("s.png", stripes_png)}, data={"k": "4"})
    assert response.status_code == 200, response.text
    colors = response.json()["colors"]
    assert [c["hex"] for c in colors] == STRIPE_COLORS
    assert [c["share"] for c in colors] == STRIPE_SHARES
    assert colors[0]["rgb"] == [0xD6, 0x28, 0x28]
    assert all(isinstance(c["name"], str) and c["name"] for c in colors)


def test_fewer_colors_than_k_is_a_note_not_an_error(client, stripes_png):
    response = client.post("/api/palette", files={"file": ("s.png", stripes_png)}, data={"k": "9"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["colors"]) == 4
    assert any("only 4 distinct colors" in note for note in body["meta"]["warnings"])


def test_options_from_query_body_and_sort(client, photo_png):
    by_share = client.post("/api/palette?k=5", files={"file": ("p.png", photo_png)}).json()
    by_light = client.post(
        "/api/palette?k=5", files={"file": ("p.png", photo_png)}, data={"sort": "lightness"}
    ).json()
    assert len(by_share["colors"]) == 5
    assert sorted(c["hex"] for c in by_share["colors"]) == sorted(
        c["hex"] for c in by_light["colors"]
    )
    lightness = [c["oklab"][0] for c in by_light["colors"]]
    assert lightness == sorted(lightness, reverse=True)
    shares = [c["share"] for c in by_share["colors"]]
    assert shares == sorted(shares, reverse=True)
    # the body wins over the query
    both = client.post(
        "/api/palette?k=3", files={"file": ("p.png", photo_png)}, data={"k": "4"}
    ).json()
    assert len(both["colors"]) == 4


def test_auto_k_background_and_crop_options(client, photo_png):
    fields = {"k": "auto", "max_k": "6", "detect_background": "true", "crop": "0,0,48,32"}
    response = client.post("/api/palette", files={"file": ("p.png", photo_png)}, data=fields)
    assert response.status_code == 200, response.text
    options = {"k": "auto", "max_k": 6, "detect_background": True, "crop": (0, 0, 48, 32)}
    want = expected_palette(photo_png, "p.png", **options).to_dict()
    assert response.json()["colors"] == want["colors"]
    assert 1 <= len(want["colors"]) <= 6


def test_json_url_input_with_private_urls_allowed(make_client, local_server, photo_png):
    server = local_server({"/photo.png": serve_bytes(photo_png)})
    client = make_client(allow_private_urls=True)
    url = server.url("/photo.png")
    response = client.post("/api/palette", json={"url": url, "k": 4})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["colors"] == expected_palette(photo_png, "upload", k=4).to_dict()["colors"]
    assert body["meta"]["source"] == url
    assert server.hits == ["/photo.png"]
    with_password = url.replace("http://", "http://user:secret@")
    response = client.post("/api/palette", json={"url": with_password, "k": 4})
    assert response.status_code == 200, response.text
    assert "secret" not in response.text


@pytest.mark.parametrize("fmt", ["css", "gpl"])
def test_export_formats(client, photo_png, fmt):
    from palettekit import formats

    response = client.post(
        "/api/palette", files={"file": ("p.png", photo_png)}, data={"k": "4", "format": fmt}
    )
    assert response.status_code == 200, response.text
    assert response.text == formats.export(expected_palette(photo_png, "p.png", k=4), fmt)
    assert f'filename="palette.{fmt}"' in response.headers["content-disposition"]


def test_bar_png_is_render_palette_bar(client, photo_png):
    from palettekit.render import palette_bar

    response = client.post(
        "/api/bar.png",
        files={"file": ("p.png", photo_png)},
        data={"k": "5", "width": "300", "height": "40"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    got = Image.open(io.BytesIO(response.content))
    assert got.size == (300, 40)
    want = palette_bar(expected_palette(photo_png, "p.png", k=5), width=300, height=40)
    assert np.array_equal(np.asarray(got.convert("RGB")), np.asarray(want.convert("RGB")))


def test_bar_widths_follow_the_shares(client, stripes_png):
    response = client.post(
        "/api/bar.png?k=4&width=64&height=4", files={"file": ("s.png", stripes_png)}
    )
    assert response.status_code == 200, response.text
    row = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))[0]
    widths = []
    for hex_code in STRIPE_COLORS:
        rgb = [int(hex_code[i : i + 2], 16) for i in (1, 3, 5)]
        widths.append(int((row == rgb).all(axis=1).sum()))
    assert widths == [32, 16, 8, 8]


def test_figure_png(client, photo_png):
    response = client.post("/api/figure.png", files={"file": ("p.png", photo_png)}, data={"k": "4"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    figure = Image.open(io.BytesIO(response.content))
    figure.load()
    assert figure.width >= 96 and figure.height > 64  # the image, and the bar beside or under it


def test_config_and_health(client):
    config = client.get("/api/config").json()
    assert config["limits"]["max_upload_bytes"] == 20 * 1024 * 1024
    assert config["defaults"]["k"] == 5
    assert config["allow_private_urls"] is False
    assert client.get("/api/health").json()["status"] == "ok"


def test_repeated_request_is_served_from_the_cache(client, photo_png):
    first = client.post("/api/palette", files={"file": ("p.png", photo_png)}, data={"k": "3"})
    services = client.app.state.services
    assert len(services.cache._entries) == 1
    second = client.post(
        "/api/palette", files={"file": ("p.png", photo_png)}, data={"k": "3", "format": "css"}
    )
    assert first.status_code == second.status_code == 200
    assert len(services.cache._entries) == 1
    client.post("/api/palette", files={"file": ("p.png", photo_png)}, data={"k": "4"})
    assert len(services.cache._entries) == 2


# --------------------------------------------------------------------------- body size and time


def test_upload_over_the_limit_is_413_by_content_length(make_client):
    client = make_client(max_upload_bytes=50_000)
    response = client.post(
        "/api/palette", content=b"\x89PNG" + b"\0" * 200_000, headers={"content-type": "image/png"}
    )
    assert "50000 bytes" in assert_error(response, 413, "too_large")["message"]


def test_streamed_body_is_cut_off_at_the_limit(live_url):
    """Chunked upload, no Content-Length, far past the 20 MB cap, to a real server on loopback:
    the answer is 413 and the server stops reading long before the client is done."""
    host, port = live_url.removeprefix("http://").split(":")
    planned = 400 * 1024 * 1024
    chunk = b"\0" * (256 * 1024)
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/palette HTTP/1.1\r\nHost: test\r\nContent-Type: image/png\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        try:
            while sent < planned:
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                piece = sock.recv(65536)
                if not piece:
                    break
                answer += piece
        except ConnectionResetError:
            pass
    assert sent < planned
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_body_arriving_too_slowly_is_408(live_server_with):
    """A client that announces a body and stalls gets 408 once the request's time is up."""
    with live_server_with(request_timeout=0.5) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /api/palette HTTP/1.1\r\nHost: test\r\nContent-Type: image/png\r\n"
                b"Content-Length: 100000\r\n\r\n" + b"\0" * 1000
            )
            started = time.monotonic()
            answer = b""
            while piece := sock.recv(65536):  # the server closes after its answer
                answer += piece
            waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"request_timeout"' in answer
    assert waited < 5


# --------------------------------------------------------------------------- URL inputs


def test_redirects_are_followed(make_client, local_server, photo_png):
    server = local_server({"/a": redirect_to("/b"), "/b": serve_bytes(photo_png)})
    client = make_client(allow_private_urls=True)
    response = client.post("/api/palette", json={"url": server.url("/a"), "k": 3})
    assert response.status_code == 200, response.text
    assert server.hits == ["/a", "/b"]


# --------------------------------------------------------------------------- load


@contextlib.contextmanager
def only_worker_busy(client, seconds: float = 1.5):
    """Hold the cluster pool's only worker with a job that sleeps for ``seconds``."""
    queue = client.app.state.services.cluster_queue
    assert queue.workers == 1
    holder = threading.Thread(
        target=asyncio.run, args=(queue.run(time.sleep, seconds, timeout=seconds + 10),)
    )
    holder.start()
    deadline = time.monotonic() + 10
    while queue.jobs_started == 0 or queue._idle.qsize():  # the job is on the worker
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        yield
    finally:
        holder.join(seconds + 10)


def test_full_queue_answers_503_at_once(make_client, photo_png):
    client = make_client(workers=1, queue_size=0)
    with only_worker_busy(client):
        started = time.monotonic()
        response = client.post("/api/palette", files={"file": ("p.png", photo_png)})
        assert_error(response, 503, "busy")
        assert response.headers["retry-after"] == "1"
        assert time.monotonic() - started < 2
    assert client.post("/api/palette", files={"file": ("p.png", photo_png)}).status_code == 200


def test_request_over_its_time_limit_is_504(make_client, photo_png):
    client = make_client(workers=1, queue_size=1, request_timeout=0.3)
    queue = client.app.state.services.cluster_queue
    with only_worker_busy(client):
        response = client.post("/api/palette", files={"file": ("p.png", photo_png)})
        message = assert_error(response, 504, "timeout")["message"]
        assert "the limit of 0.3 s (--request-timeout)" in message
    # the timed-out job was dropped from the queue and its slot given back
    assert queue.in_progress == 0


# --------------------------------------------------------------------------- routes, docs, page


def test_preview_is_the_image_as_the_server_read_it(client, photo_png):
    from PIL import Image

    answer = client.post("/api/preview", files={"file": ("p.png", photo_png, "image/png")})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(answer.content)) as shown, Image.open(io.BytesIO(photo_png)) as sent:
        assert shown.size == sent.size
    transparent = Image.new("RGBA", (40, 30), (200, 10, 10, 0))
    stream = io.BytesIO()
    transparent.save(stream, "PNG")
    answer = client.post(
        "/api/preview", content=stream.getvalue(), headers={"content-type": "image/png"}
    )
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    answer = client.post(
        "/api/preview", files={"file": ("t.png", b"text, not an image", "image/png")}
    )
    assert answer.status_code == 415


def test_non_images_and_bombs_are_refused_without_taking_a_worker(make_client, photo_png):
    """With the only worker busy, a non-image still gets 415 and a bomb 413, not 503."""
    client = make_client(workers=1, queue_size=0)
    with only_worker_busy(client):
        text = client.post("/api/palette", files={"file": ("a.txt", b"plain text " * 50)})
        assert_error(text, 415, "unsupported_media_type")
        bomb = client.post("/api/palette", files={"file": ("b.png", bomb_png(100_000, 100_000))})
        assert_error(bomb, 413, "too_large")
        assert_error(client.post("/api/palette", files={"file": ("p.png", photo_png)}), 503, "busy")


def test_palette_json_is_the_clis_but_for_the_documented_limits(client, tmp_path, photo_png):
    # docs/web.md: byte for byte the CLI's --format json, except meta.options'
    # max_image_pixels, max_bytes and timeout, which hold the server's limits.
    import subprocess
    import sys

    path = tmp_path / "photo.png"
    path.write_bytes(photo_png)
    done = subprocess.run(
        [sys.executable, "-m", "palettekit", "photo.png", "-k", "4", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    answer = client.post(
        "/api/palette", files={"file": ("photo.png", photo_png, "image/png")}, data={"k": "4"}
    )
    assert answer.status_code == 200
    from_cli, from_api = json.loads(done.stdout), answer.json()
    settings = Settings()
    differ = {"max_image_pixels", "max_bytes", "timeout"}
    cli_options, api_options = from_cli["meta"]["options"], from_api["meta"]["options"]
    assert {name for name in cli_options if cli_options[name] != api_options[name]} == differ
    assert (api_options["max_image_pixels"], api_options["max_bytes"], api_options["timeout"]) == (
        settings.max_image_pixels,
        settings.max_upload_bytes,
        settings.fetch_timeout,
    )
    for name in differ:
        api_options[name] = cli_options[name]
    assert from_api == from_cli


def test_slow_url_reports_the_fetch_timeout_not_the_request_timeout(make_client, local_server):
    """The fetch's own TimeoutError was caught as the request's and relabelled."""
    release = threading.Event()
    server = local_server({"/slow.png": slow_response(5.0, release)})
    client = make_client(allow_private_urls=True, fetch_timeout=0.4, request_timeout=30)
    try:
        response = client.post("/api/palette", json={"url": server.url("/slow.png")})
    finally:
        release.set()
    assert_error(response, 504, "timeout")
    message = response.json()["error"]["message"]
    assert "within 0.4 s (--fetch-timeout)" in message, message
    assert "30" not in message and "29." not in message


def test_a_fetch_ends_by_the_requests_deadline_and_gives_its_slot_back(make_client, local_server):
    """A fetch kept its slot after the request's 504 (7 still running after their 504s)."""
    release = threading.Event()
    server = local_server({"/slow.png": slow_response(5.0, release)})
    client = make_client(allow_private_urls=True, fetch_timeout=10, request_timeout=0.6)
    fetches = client.app.state.services.fetch_queue
    started = time.monotonic()
    try:
        response = client.post("/api/palette", json={"url": server.url("/slow.png")})
        waited = time.monotonic() - started
        in_progress = fetches.in_progress
    finally:
        release.set()
    message = assert_error(response, 504, "timeout")["message"]
    assert message == "the request took longer than the limit of 0.6 s (--request-timeout)"
    assert waited < 2.5
    assert in_progress == 0


# --------------------------------------------------------------------------- attacks, round two


def test_a_header_check_that_runs_long_is_stopped_and_its_worker_freed(make_client, photo_png):
    """A JPEG of SOI and fill bytes kept a worker for as long as the segment counter and
    Pillow stepped through it one byte at a time (18 s for 19 MB); 3 such uploads in a loop
    denied every other client. The check is now killed at --check-timeout."""
    client = make_client(workers=1, queue_size=0, check_timeout=0.5)
    client.post("/api/palette", files={"file": ("p.png", photo_png)})  # workers started
    fill = b"\xff\xd8" + b"\xff" * 6_000_000
    started = time.monotonic()
    refused = client.post("/api/palette", content=fill, headers={"content-type": "image/jpeg"})
    took = time.monotonic() - started
    assert refused.status_code in (413, 415, 422), refused.text
    assert took < 2.5
    after = client.post("/api/palette", files={"file": ("p.png", photo_png)})
    assert after.status_code == 200, after.text
    assert client.app.state.services.header_queue.in_progress == 0


def test_identical_uploads_in_flight_are_decoded_once(live_app_with):
    """Four identical JPEG 2000 uploads at once took 1.33 GB: each was decoded."""
    import urllib.request

    image = photo_like_image(1600, 1200, seed=7).convert("RGB")
    body = png_bytes(image)
    with live_app_with(workers=2, queue_size=8) as (url, app):
        services = app.state.services
        barrier = threading.Barrier(4)
        answers: list[bytes] = []

        def post() -> None:
            request = urllib.request.Request(
                url + "/api/palette?k=6", data=body, headers={"Content-Type": "image/png"}
            )
            barrier.wait()
            with urllib.request.urlopen(request, timeout=60) as answer:
                answers.append(answer.read())

        threads = [threading.Thread(target=post) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        assert len(answers) == 4 and len(set(answers)) == 1
        assert services.cluster_queue.jobs_started == 1
        assert services.header_queue.jobs_started == 1


def test_an_option_nested_970_deep_is_a_400_not_a_500(client, caplog):
    """About 2 KB of JSON: building the 400's message with repr overflowed the recursion
    limit, and the answer was a 500 with a traceback in the log."""
    nested = "[" * 970 + "]" * 970
    body = '{"url": "https://example.org/a.png", "k": ' + nested + "}"
    response = client.post(
        "/api/palette", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "bad_request")
    assert "nested" in response.json()["error"]["message"]
    assert "Traceback" not in caplog.text


def test_a_figure_is_capped_by_pixels(client, photo_png):
    """width=4096 and bar_height=4096 drew a 4128x8266 PNG: +260 MiB a request."""
    response = client.post(
        "/api/figure.png?width=4096&bar_height=4096", files={"file": ("p.png", photo_png)}
    )
    message = assert_error(response, 400, "bad_options")["message"]
    assert "24000000" in message and "bar_height" in message
    fine = client.post(
        "/api/figure.png?width=2048&bar_height=400", files={"file": ("p.png", photo_png)}
    )
    assert fine.status_code == 200, fine.text


@pytest.mark.parametrize("path", ["/api/palette/", "/api/health/", "/static"])
def test_redirects_do_not_echo_the_host_header(client, path):
    """'Host: evil.example' came back as 'location: http://evil.example/...'."""
    response = client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code in (307, 308)
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "evil.example" not in location


def test_kind_theme_field_in_form_query_and_schema(client, photo_png):
    from palettekit.formats.text import to_json

    response = client.post(
        "/api/palette", files={"file": ("photo.png", photo_png)}, data={"k": "5", "kind": "theme"}
    )
    assert response.status_code == 200, response.text
    assert response.text == to_json(expected_palette(photo_png, "photo.png", k=5, kind="theme"))
    assert response.json()["meta"]["kind"] == "theme"
    by_query = client.post("/api/palette?kind=theme&k=5", files={"file": ("photo.png", photo_png)})
    assert by_query.json()["colors"] == response.json()["colors"]
    figure = client.post(
        "/api/figure.png", files={"file": ("photo.png", photo_png)}, data={"kind": "theme"}
    )
    assert figure.status_code == 200 and figure.headers["content-type"] == "image/png"
    error = assert_error(
        client.post("/api/palette", files={"file": ("p.png", photo_png)}, data={"kind": "mood"}),
        400,
        "bad_options",
    )
    assert "kind must be one of palette, theme" in error["message"]
    document = client.get("/openapi.json").json()
    body = document["paths"]["/api/palette"]["post"]["requestBody"]["content"]
    kind_schema = body["multipart/form-data"]["schema"]["properties"]["kind"]
    assert kind_schema["enum"] == ["palette", "theme"] and kind_schema["default"] == "palette"
    assert body["application/json"]["schema"]["properties"]["kind"]["enum"] == ["palette", "theme"]
    assert client.get("/api/config").json()["defaults"]["kind"] == "palette"


def test_content_length_with_chunked_framing_is_refused_and_the_connection_closed(live_url):
    """Read as chunked while the budget reserved the 1 byte declared: 120 such 19 MB bodies
    took the server to 2.4 GiB."""
    host, port = live_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/palette HTTP/1.1\r\nHost: test\r\nContent-Type: image/png\r\n"
            b"Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"10000\r\n" + b"\0" * 0x10000 + b"\r\n"
        )
        answer = b""
        while piece := sock.recv(65536):  # the server closes after its answer
            answer += piece
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"Transfer-Encoding" in answer


def test_a_body_trickling_below_the_minimum_rate_is_cut(live_server_with):
    """8 chunked POSTs at 4 bytes a second held the budget until the request's time was up."""
    with live_server_with(header_timeout=1.0, min_upload_rate=1000) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=20) as sock:
            sock.sendall(
                b"POST /api/palette HTTP/1.1\r\nHost: test\r\nContent-Type: image/png\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            started = time.monotonic()
            sock.settimeout(0.25)
            answer = b""
            while time.monotonic() - started < 10:
                try:
                    sock.sendall(b"1\r\nx\r\n")
                except OSError:
                    pass
                try:
                    piece = sock.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not piece:
                    break
                answer += piece
            waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert waited < 5
