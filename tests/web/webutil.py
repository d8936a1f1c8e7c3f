"""Helpers for the web app's tests: synthetic images, tiny local HTTP servers, error checks."""

from __future__ import annotations

import http.server
import io
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

import palettekit
from palettekit.web.jobs import named_bytes
from palettekit.web.settings import Settings

STRIPE_COLORS = ["#d62828", "#003049", "#fcbf49", "#2a9d8f"]
STRIPE_SHARES = [0.5, 0.25, 0.125, 0.125]


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def stripes_image(width: int = 64, height: int = 16) -> Image.Image:
    """Vertical stripes of STRIPE_COLORS covering STRIPE_SHARES of the width."""
    pixels = np.zeros((height, width, 3), np.uint8)
    start = 0
    for hex_code, share in zip(STRIPE_COLORS, STRIPE_SHARES, strict=True):
        stop = start + round(share * width)
        pixels[:, start:stop] = [int(hex_code[i : i + 2], 16) for i in (1, 3, 5)]
        start = stop
    return Image.fromarray(pixels, "RGB")


def photo_like_image(width: int = 96, height: int = 64, seed: int = 1) -> Image.Image:
    """Smooth gradients plus noise: thousands of distinct colors, like a photo."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    red = 255 * x / (width - 1)
    green = 255 * y / (height - 1)
    blue = 128 + 100 * np.sin(x / 9.0) * np.cos(y / 7.0)
    pixels = np.stack([red, green, blue], axis=-1) + rng.normal(0, 12, (height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


# --------------------------------------------------------------------------- local servers


@dataclass
class LocalServer:
    """A tiny HTTP server on loopback; ``routes`` maps a path to a handler."""

    host: str
    port: int
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"


Route = Callable[[http.server.BaseHTTPRequestHandler], None]


def serve_bytes(data: bytes, content_type: str = "image/png") -> Route:
    def handler(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    return handler


def redirect_to(location: str) -> Route:
    def handler(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(302)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handler


def slow_response(seconds: float, release: threading.Event) -> Route:
    """Answer headers, then stall for ``seconds`` (or until ``release``) before the body."""

    def handler(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "image/png")
        request.send_header("Content-Length", "1000")
        request.end_headers()
        request.wfile.flush()
        release.wait(seconds)

    return handler


def assert_error(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["type"] == kind
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in response.text
    return body["error"]


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height pixels, with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def expected_palette(data: bytes, label: str, settings: Settings | None = None, **options: object):
    """What the server should compute: extract() with the server's base options."""
    base = (settings or Settings()).base_options()
    return palettekit.extract(named_bytes(data, label), options=base.replace(**options), warn=False)
