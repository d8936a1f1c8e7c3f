"""palettekit.web.app: the app factory, its page, docs, error handlers and middleware."""

from __future__ import annotations

import json

import pytest
from webutil import assert_error

from palettekit import __version__
from palettekit.web.app import STATIC_DIR, create_app
from palettekit.web.settings import Settings


def test_unknown_route_and_method_are_json_errors(client):
    assert_error(client.get("/api/nope"), 404, "not_found")
    assert_error(client.get("/api/palette"), 405, "method_not_allowed")


def test_interactive_docs_are_served_locally(client):
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        assert "cdn" not in page.text.lower()
        assert "/openapi.json" in page.text
        # nothing from another host, even what a bundle asks for on its own
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "img-src 'self' data:;" in policy
        assert "http" not in policy
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 200


def test_page_policy_lets_images_come_only_from_this_server(client):
    policy = client.get("/").headers["content-security-policy"]
    assert "img-src 'self' blob: data:;" in policy
    assert "http:" not in policy and "https:" not in policy


def test_page_and_assets_are_served_without_third_party_urls(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    for marker in (
        'id="file-input"',
        'id="url-input"',
        'id="k"',
        'id="sort"',
        'id="swatches"',
        'id="bar"',
    ):
        assert marker in page.text
    assets = [page.text]
    for path in ("/static/app.js", "/static/app.css", "/static/favicon.svg"):
        asset = client.get(path)
        assert asset.status_code == 200, path
        assets.append(asset.text)
    for text in assets:
        for attribute in (
            'src="http',
            "src='http",
            'href="http',
            "href='http",
            "url(http",
            "@import",
        ):
            assert attribute not in text
        assert "cdn" not in text.lower()


def broken_job(*args, **kwargs):
    """Stands in for the job in a worker process (importable there by name)."""
    raise RuntimeError("secret internals")


def test_error_bodies_are_json_for_a_broken_job(client, photo_png, monkeypatch):
    """An unexpected exception in a job is a 500 JSON error, never a traceback."""
    from palettekit.web import api

    monkeypatch.setattr(api, "web_job", broken_job)
    response = client.post("/api/palette", files={"file": ("p.png", photo_png)})
    error = assert_error(response, 500, "internal")
    assert "secret" not in error["message"]
    assert json.loads(response.text)["error"]["message"].startswith("internal error")


def test_docs_pages_forbid_framing_and_third_party_loads(client):
    for path in ("/docs", "/redoc"):
        response = client.get(path)
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "img-src 'self' data:" in policy
        assert "https:" not in policy and "unsafe-eval" not in policy
        assert response.headers["x-frame-options"] == "DENY"


def test_the_app_carries_its_settings_title_and_version(make_client):
    settings = Settings(workers=1, max_k=20)
    client = make_client(workers=1, max_k=20)
    assert client.app.state.settings == settings
    info = client.get("/openapi.json").json()["info"]
    assert (info["title"], info["version"]) == ("palettekit", __version__)
    assert create_app().state.settings == Settings()


def test_the_page_and_its_icon_come_from_the_static_folder(client):
    page = client.get("/")
    assert page.text == (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    assert page.headers["cache-control"] == "no-cache"
    icon = client.get("/favicon.ico")
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content == (STATIC_DIR / "favicon.svg").read_bytes()


def test_every_answer_has_the_security_headers(client):
    for path in ("/", "/api/health", "/api/nope", "/openapi.json"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "no-referrer", path


def test_the_body_cap_is_the_upload_limit_and_room_for_the_multipart_framing(make_client):
    client = make_client(max_upload_bytes=1000)
    too_big = client.post(
        "/api/palette",
        content=b"x" * (1000 + 64 * 1024 + 1),
        headers={"content-type": "application/octet-stream"},
    )
    error = assert_error(too_big, 413, "too_large")
    assert error["message"] == "the upload is larger than the limit of 1000 bytes"


def test_services_are_shut_down_with_the_app():
    import asyncio

    from fastapi.testclient import TestClient

    with TestClient(create_app(Settings(workers=1))) as client:
        services = client.app.state.services
        assert asyncio.run(services.cluster_queue.run(sum, [1, 2], timeout=5)) == 3
    for queue in (services.cluster_queue, services.fetch_queue, services.header_queue):
        with pytest.raises(RuntimeError):  # the pools take no more work
            asyncio.run(queue.run(sum, [1, 2], timeout=5))


def test_error_answers_are_never_cached(client):
    assert client.get("/api/nope").headers["cache-control"] == "no-store"


def test_the_page_under_static_has_the_pages_policy_and_may_not_be_framed(client):
    """/static/index.html was served without the CSP of / and could be framed."""
    page = client.get("/")
    copy = client.get("/static/index.html")
    assert copy.status_code == 200
    assert copy.headers["content-security-policy"] == page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in copy.headers["content-security-policy"]
    assert copy.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in client.get("/static/app.js").headers
