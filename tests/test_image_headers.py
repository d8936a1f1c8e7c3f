"""JPEG marker segments and PNG chunks are counted before Pillow parses them."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from palettekit.errors import ImageLoadError
from palettekit.image_headers import MAX_HEADER_SEGMENTS, count_header_segments


def _encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buffer, fmt)
    return buffer.getvalue()


def _jpeg_with_comments(count: int) -> bytes:
    jpeg = _encoded("JPEG")
    return jpeg[:2] + b"\xff\xfe\x00\x02" * count + jpeg[2:]


def _png_with_chunks(count: int) -> bytes:
    png = _encoded("PNG")
    chunk = (0).to_bytes(4, "big") + b"tEXt" + zlib.crc32(b"tEXt").to_bytes(4, "big")
    return png[:33] + chunk * count + png[33:]


@pytest.mark.parametrize("make", [_jpeg_with_comments, _png_with_chunks])
def test_a_flood_is_refused_and_a_normal_header_is_not(make) -> None:
    fine = io.BytesIO(make(MAX_HEADER_SEGMENTS - 10))
    fine.seek(0)
    count_header_segments(fine, "ok")
    assert fine.tell() == 0  # the stream is left where it was
    with pytest.raises(ImageLoadError, match="flood: more than 4096 .* before the image data"):
        count_header_segments(io.BytesIO(make(MAX_HEADER_SEGMENTS + 1)), "flood")


def test_other_formats_and_short_data_are_left_to_pillow() -> None:
    for data in (_encoded("GIF"), b"", b"\xff\xd8", b"\x89PNG\r\n\x1a\n"):
        count_header_segments(io.BytesIO(data), "x")
