"""palettekit.web.fields: a request's fields as options, render sizes and an export format."""

from __future__ import annotations

import pytest
from webutil import assert_error


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"k": "0"}, "k must be"),
        ({"k": "abc"}, "k must be an integer"),
        ({"k": "2.5"}, "k must be an integer"),
        ({"k": "65"}, "at most 64 on this server"),
        ({"sort": "random"}, "sort must be one of"),
        ({"space": "hsv"}, "space must be one of"),
        ({"tol": "nan"}, "tol"),
        ({"n_init": "1000"}, "at most 32"),
        ({"max_pixels": "none"}, "max_pixels"),
        ({"composite_on": "#12345"}, "not a hex color"),
        ({"bogus": "1"}, "unknown option: bogus"),
        ({"max_bytes": "999999999"}, "unknown option: max_bytes"),
        ({"timeout": "3600"}, "unknown option: timeout"),
        ({"max_image_pixels": "1"}, "unknown option"),
        ({"frames": "all"}, "unknown option: frames"),
        ({"max_k": "65"}, "at most 64 on this server"),
        ({"k": "automatic"}, "k must be"),
        ({"detect_background": "perhaps"}, "detect_background must be true or false"),
        ({"crop": "1,2,3"}, "crop"),
    ],
)
def test_bad_options_are_400(client, photo_png, fields, needle):
    response = client.post("/api/palette", files={"file": ("p.png", photo_png)}, data=fields)
    error = assert_error(response, 400, "bad_options")
    assert needle in error["message"]


@pytest.mark.parametrize("fields", [{"k": "5"}, {"k": True}, {"k": 5.0}, {"sort": 3}, {"bogus": 1}])
def test_bad_json_options_are_400_before_any_fetch(make_client, local_server, fields):
    server = local_server({})
    client = make_client(allow_private_urls=True)
    response = client.post("/api/palette", json={"url": server.url("/a.png"), **fields})
    assert_error(response, 400, "bad_options")
    assert server.hits == []


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/bar.png", {"width": "0"}),
        ("/api/bar.png", {"height": "99999"}),
        ("/api/figure.png", {"labels": "maybe"}),
    ],
)
def test_bad_render_options_are_400(client, photo_png, path, fields):
    assert_error(
        client.post(path, files={"file": ("p.png", photo_png)}, data=fields), 400, "bad_options"
    )


def test_unknown_format_is_400(client, photo_png):
    response = client.post(
        "/api/palette", files={"file": ("p.png", photo_png)}, data={"format": "docx"}
    )
    assert_error(response, 400, "bad_format")
