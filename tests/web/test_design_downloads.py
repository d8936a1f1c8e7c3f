"""The page's design-tool downloads come from the API."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image  # noqa: E402
from webutil import png_bytes as _png  # noqa: E402

import palettekit  # noqa: E402
from palettekit import formats  # noqa: E402
from palettekit.web.app import create_app  # noqa: E402

STATIC = Path(palettekit.__file__).parent / "web" / "static"


def png_bytes() -> bytes:
    """A 60x40 image in three flat colors (red, teal, cream)."""
    image = Image.new("RGB", (60, 40), (200, 40, 40))
    image.paste((20, 140, 140), (20, 0, 40, 40))
    image.paste((240, 230, 200), (40, 0, 60, 40))
    return _png(image)


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


@pytest.mark.parametrize("fmt", ["ase", "svg", "tailwind", "css-gradient", "roles"])
def test_each_design_download_of_the_page_is_the_exporters_output(client, fmt):
    data = png_bytes()
    response = client.post(
        "/api/palette", files={"file": ("a.png", data, "image/png")}, data={"format": fmt, "k": "3"}
    )
    assert response.status_code == 200
    expected = formats.export(palettekit.extract(data, k=3, warn=False), fmt)
    body = expected if isinstance(expected, bytes) else expected.encode()
    assert response.content == body
    # and the page offers it: its buttons are /api/config's formats (tests/web/test_e2e.py)
    assert fmt in [entry["name"] for entry in client.get("/api/config").json()["formats"]]


def test_ase_download_is_an_adobe_swatch_exchange_file(client):
    response = client.post(
        "/api/palette", files={"file": ("a.png", png_bytes(), "image/png")}, data={"format": "ase"}
    )
    assert response.content[:4] == b"ASEF"
    assert struct.unpack(">HH", response.content[4:8]) == (1, 0)


def test_swatches_carry_a_color_family_for_the_page(client):
    response = client.post("/api/palette", files={"file": ("a.png", png_bytes(), "image/png")})
    families = {c["family"] for c in response.json()["colors"]}
    assert families <= set(palettekit.families.FAMILIES)
    assert "exclude-background" in (STATIC / "index.html").read_text(encoding="utf-8")
