"""palettekit.web.jobs: the work of one request as plain functions of bytes, and the cache."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import palettekit
from palettekit import pipeline
from palettekit.errors import ImageTooLargeError, UnsupportedImageError
from palettekit.options import Options
from palettekit.web.jobs import (
    PREVIEW_PIXELS,
    PaletteCache,
    bar_job,
    export_job,
    figure_job,
    named_bytes,
    palette_job,
    preflight,
    preview_job,
)

FAST = Options(k=2, n_init=2)


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    stream = io.BytesIO()
    image.save(stream, fmt)
    return stream.getvalue()


def stripes(width: int = 40, height: int = 20, mode: str = "RGB") -> Image.Image:
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = (200, 30, 40)
    pixels[:, width // 2 :] = (20, 60, 200)
    return Image.fromarray(pixels).convert(mode)


def png_header_claiming(width: int, height: int, bit_depth: int = 8, color_type: int = 2) -> bytes:
    """A PNG declaring ``width`` x ``height`` in its header, with almost no pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


PNG = encoded(stripes())


def test_named_bytes_reads_the_data_under_the_label():
    stream = named_bytes(b"abc", "upload.png")
    assert stream.name == "upload.png" and stream.read() == b"abc"


def test_preflight_lets_an_image_through():
    assert preflight(PNG, "a.png", FAST) is None


def test_preflight_refuses_what_is_not_an_image():
    with pytest.raises(UnsupportedImageError) as info:
        preflight(b"hello, world" * 10, "notes.png", FAST)
    assert str(info.value) == "notes.png: not an image, or a format Pillow cannot read"


def test_preflight_refuses_too_many_pixels_from_the_header_alone():
    header = png_header_claiming(10_000, 5_000)  # below Pillow's own bomb limits
    with pytest.raises(ImageTooLargeError) as info:
        preflight(header, "bomb.png", Options(max_image_pixels=10_000_000))
    assert str(info.value) == (
        "bomb.png: 10000x5000 = 50000000 pixels exceeds the limit of 10000000"
    )


def test_preflight_refuses_too_much_decoding_memory_from_the_header_alone():
    header = png_header_claiming(4_000, 3_000, bit_depth=16, color_type=6)  # 16-bit RGBA
    with pytest.raises(ImageTooLargeError, match="option max_decode_bytes"):
        preflight(header, "deep.png", Options(max_decode_bytes=10_000_000))
    preflight(header, "deep.png", Options())  # 96 MB is within the default limit


def test_the_cache_keeps_the_most_recently_used_entries():
    cache = PaletteCache(size=2)
    palettes = {name: palettekit.extract(PNG, options=FAST, warn=False) for name in "abc"}
    keys = {name: PaletteCache.key(name.encode(), "label", FAST) for name in "abc"}
    cache.put(keys["a"], palettes["a"])
    cache.put(keys["b"], palettes["b"])
    assert cache.get(keys["a"]) is palettes["a"]  # a is now the most recent
    cache.put(keys["c"], palettes["c"])  # b, the least recent, goes
    assert cache.get(keys["b"]) is None
    assert cache.get(keys["a"]) is palettes["a"] and cache.get(keys["c"]) is palettes["c"]


def test_a_cache_of_size_zero_keeps_nothing():
    cache = PaletteCache(size=0)
    key = PaletteCache.key(PNG, "a.png", FAST)
    cache.put(key, palettekit.extract(PNG, options=FAST, warn=False))
    assert cache.get(key) is None


def test_the_cache_key_is_the_data_label_and_options():
    key = PaletteCache.key(PNG, "a.png", FAST)
    assert key == PaletteCache.key(bytes(PNG), "a.png", Options(k=2, n_init=2))
    assert key != PaletteCache.key(PNG + b"\x00", "a.png", FAST)
    assert key != PaletteCache.key(PNG, "b.png", FAST)  # the label is meta.source
    assert key != PaletteCache.key(PNG, "a.png", FAST.replace(seed=1))


def test_palette_job_is_the_extract_of_the_bytes_under_the_label():
    palette = palette_job(PNG, "upload.png", FAST)
    expected = palettekit.extract(named_bytes(PNG, "upload.png"), options=FAST)
    assert palette.to_dict() == expected.to_dict()
    assert palette.meta["source"] == "upload.png"


def test_palette_job_clusters_an_image_once_with_a_cache(monkeypatch):
    calls = []
    real = pipeline.extract

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "extract", counting)
    cache = PaletteCache()
    first = palette_job(PNG, "a.png", FAST, cache)
    assert palette_job(PNG, "a.png", FAST, cache) is first
    assert len(calls) == 1
    palette_job(PNG, "a.png", FAST.replace(k=1), cache)
    palette_job(PNG, "a.png", FAST)  # no cache: clustered again
    assert len(calls) == 3


def test_export_job_json_is_the_clis_json_and_other_formats_the_exporters():
    from palettekit.formats import export
    from palettekit.formats.text import to_json

    palette = palette_job(PNG, "a.png", FAST)
    assert export_job(PNG, "a.png", FAST, "json") == to_json(palette)
    assert export_job(PNG, "a.png", FAST, "css") == export(palette, "css")


def test_bar_job_is_a_png_of_the_asked_size():
    data = bar_job(PNG, "a.png", FAST, {"width": 120, "height": 10, "labels": False})
    with Image.open(io.BytesIO(data)) as bar:
        assert (bar.format, bar.size) == ("PNG", (120, 10))
        colors = {bar.getpixel((x, 5))[:3] for x in (5, 115)}
    assert colors == {(200, 30, 40), (20, 60, 200)}


def test_figure_job_is_the_figure_of_the_image_and_its_palette():
    from palettekit.render import figure

    data = figure_job(PNG, "a.png", FAST, {"width": 300})
    expected = figure(stripes(), palette_job(PNG, "a.png", FAST), width=300)
    with Image.open(io.BytesIO(data)) as shown:
        assert shown.format == "PNG" and shown.size == expected.size
        assert np.array_equal(np.asarray(shown.convert("RGB")), np.asarray(expected.convert("RGB")))


def test_preview_is_a_jpeg_or_a_png_with_transparency():
    data, media_type = preview_job(PNG, "a.png", FAST)
    with Image.open(io.BytesIO(data)) as shown:
        assert (media_type, shown.format, shown.size) == ("image/jpeg", "JPEG", (40, 20))
    transparent = encoded(stripes(mode="RGBA"))
    data, media_type = preview_job(transparent, "t.png", FAST)
    with Image.open(io.BytesIO(data)) as shown:
        assert (media_type, shown.format, shown.mode) == ("image/png", "PNG", "RGBA")


def test_a_large_preview_is_reduced_to_the_preview_size():
    big = encoded(stripes(2400, 1200), "PNG")  # 2.88 megapixels
    data, _ = preview_job(big, "big.png", FAST)
    with Image.open(io.BytesIO(data)) as shown:
        assert shown.width * shown.height <= PREVIEW_PIXELS
        assert shown.width * shown.height > PREVIEW_PIXELS * 0.9
        assert abs(shown.width / shown.height - 2.0) < 0.01
