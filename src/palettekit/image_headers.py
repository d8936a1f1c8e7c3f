"""JPEG and PNG headers walked before Pillow parses them: a metadata flood is refused early."""

from __future__ import annotations

from typing import IO

from .errors import ImageLoadError

__all__ = ["MAX_HEADER_SEGMENTS", "count_header_segments"]


MAX_HEADER_SEGMENTS = 4096
"""Most JPEG marker segments or PNG chunks before the image data. Real files
have tens (a few hundred with a long ICC profile or much text); Pillow parses
each in Python, so a 19 MB file of 5 million empty COM markers took it 4 s
and 500 MB to open."""


def count_header_segments(stream: IO[bytes], label: str) -> None:
    """Refuse a JPEG or PNG with more than :data:`MAX_HEADER_SEGMENTS` segments
    before its image data, walking their lengths only (no parsing). Leaves the
    stream where it was."""
    start = stream.tell()
    try:
        signature = stream.read(8)
        if signature[:2] == b"\xff\xd8":
            count = _jpeg_segments(stream, start + 2)
            kind = "JPEG marker segments"
        elif signature == b"\x89PNG\r\n\x1a\n":
            count = _png_chunks(stream, start + 8)
            kind = "PNG chunks"
        else:
            return
    finally:
        stream.seek(start)
    if count > MAX_HEADER_SEGMENTS:
        raise ImageLoadError(
            f"{label}: more than {MAX_HEADER_SEGMENTS} {kind} before the image data; "
            "refused before parsing (a metadata flood, not a real image)"
        )


def _jpeg_segments(stream: IO[bytes], position: int) -> int:
    """Marker segments from ``position`` to the first start-of-scan (at most the limit + 1)."""
    count = 0
    stream.seek(position)
    while count <= MAX_HEADER_SEGMENTS:
        head = stream.read(4)
        if len(head) < 2 or head[0] != 0xFF:
            return count  # not at a marker: Pillow will judge the file
        marker = head[1]
        if marker == 0xFF:  # fill byte
            stream.seek(stream.tell() - 3)
            continue
        count += 1
        if marker == 0xDA or 0xD0 <= marker <= 0xD9 or marker == 0x01:
            return count  # start of scan, or a marker without a length
        if len(head) < 4:
            return count
        length = int.from_bytes(head[2:4], "big")
        stream.seek(stream.tell() + length - 2)
    return count


def _png_chunks(stream: IO[bytes], position: int) -> int:
    """Chunks from ``position`` to the first IDAT (at most the limit + 1)."""
    count = 0
    stream.seek(position)
    while count <= MAX_HEADER_SEGMENTS:
        head = stream.read(8)
        if len(head) < 8 or head[4:8] in (b"IDAT", b"IEND"):
            return count
        count += 1
        stream.seek(stream.tell() + int.from_bytes(head[:4], "big") + 4)
    return count
