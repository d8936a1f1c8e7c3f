"""What decoding an image will cost, format by format: the formats palettekit opens.

Pillow opens some forty formats; palettekit decodes only those in
:data:`FORMAT_BOUNDS`, each with a known bound on the peak memory of its
decode, estimated from the header before any pixel is decoded. Every other
format Pillow can open is refused with a one-line
:class:`~palettekit.errors.UnsupportedImageError` naming the formats that
are read. A bound is a number of bytes a header pixel (``per_pixel``), or,
when 0, the bytes of the decoded mode (1 for "L" and "P", 2 for "I;16", 4
otherwise), plus what the format's decoder keeps beside the image:

- JPEG and MPO: the image at its reduced (draft) scale, plus, when libjpeg
  needs a full coefficient buffer (a progressive file, or a first scan that
  does not hold every component), 2 bytes for every coefficient of every
  component at full size, whatever the scale.
- TIFF: one strip or tile buffer beside the image.
- GIF, PNG (APNG) and FLI frames after the first: the composited canvases.
- WebP, AVIF, JPEG 2000 and QOI: a fixed number of bytes a pixel, measured
  (their decoders keep whole-image buffers in their own layouts).

Decoders written in Python (Pillow's ``Image.DECODERS``: QOI, run-length
BMP, uncompressed DDS, ...) take about a microsecond a step, where a step
makes at least one pixel and reads at least one byte; their steps are
capped by :data:`PYTHON_DECODE_MAX_STEPS`, so no such decode runs for more
than a few seconds.

Before Pillow parses a file at all, :func:`check_floods` refuses what it
would parse a byte or a chunk at a time (fill or junk bytes between JPEG
segments, PNG chunk floods) and icons holding huge images (Pillow decodes
an ICO as it opens it, before any bound can be applied).

The formats and numbers are one table, :data:`FORMAT_BOUNDS`; the functions
below read it. They never decode and never move an image's file position.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image

from .errors import ImageLoadError, ImageTooLargeError, UnsupportedImageError

__all__ = [
    "check_floods",
    "MAX_SKIPPED_BYTES",
    "MAX_PNG_CHUNKS",
    "MAX_ICON_SIDE",
    "FormatBound",
    "FORMAT_BOUNDS",
    "PYTHON_DECODE_MAX_STEPS",
    "decode_bytes",
    "frame_decode_bytes",
    "check_decode_bytes",
    "check_format",
]

PYTHON_DECODE_MAX_STEPS = 2_000_000
"""Most steps (the smaller of the pixels and the bytes of image data) a
decoder written in Python may take: about 2 s of CPU (a QOI file of 20 MB of
1-byte operations took 15.7 s)."""


@dataclass(frozen=True)
class FormatBound:
    """The peak memory of decoding one format.

    Attributes
    ----------
    per_pixel : int
        Peak bytes a pixel of the header size; 0 for the bytes of the mode
        Pillow decodes into.
    composited : bool
        Frames after the first are drawn onto canvases of the whole image
        (:data:`COMPOSITE_BYTES_PER_PIXEL` more a pixel).
    extra : callable or None
        Bytes the decoder keeps beside the image (a TIFF strip, a JPEG
        coefficient buffer), from the opened image.
    """

    per_pixel: int = 0
    composited: bool = False
    extra: Callable[[Image.Image], int] | None = None


COMPOSITE_BYTES_PER_PIXEL = 9
"""A frame after the first of a GIF, APNG or FLI animation is drawn onto the
previous one: Pillow keeps that canvas, makes a new one in RGB(A) and decodes
the frame itself into a third (measured: 12.5 bytes a pixel in all)."""

_JPEG_COEFFICIENT_BYTES = 2
_TIFF_ROWS_PER_STRIP = 278
_TIFF_BITS_PER_SAMPLE = 258
_TIFF_TILE_WIDTH = 322
_TIFF_TILE_LENGTH = 323
_SCAN_READ = 1 << 16
_HEAD_READ = 64


def mode_bytes(mode: str) -> int:
    """Bytes Pillow stores a pixel of ``mode`` in (1, 2 or 4)."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def _tiff_buffer_bytes(image: Image.Image) -> int:
    """Bytes of the one strip or tile libtiff decodes into before Pillow unpacks it."""
    tags = getattr(image, "tag_v2", None)
    if tags is None:
        return 0
    width, height = image.size
    try:
        bits = tags.get(_TIFF_BITS_PER_SAMPLE, (8,))
        bits_per_pixel = sum(bits) if isinstance(bits, tuple) else int(bits) * len(image.getbands())
        if _TIFF_TILE_WIDTH in tags and _TIFF_TILE_LENGTH in tags:
            columns, rows = int(tags[_TIFF_TILE_WIDTH]), int(tags[_TIFF_TILE_LENGTH])
        else:
            columns, rows = width, int(tags.get(_TIFF_ROWS_PER_STRIP, height))
    except (TypeError, ValueError):  # a broken tag: assume one strip of the whole image
        return width * height * 16
    return max(0, min(rows, height)) * max(0, columns) * max(1, bits_per_pixel) // 8


def _first_scan_components(stream: IO[bytes]) -> int | None:
    """Components in a JPEG's first scan (its SOS header), walking segment
    lengths from the start of ``stream``; None when it cannot be found."""
    stream.seek(0)
    if stream.read(2) != b"\xff\xd8":
        return None
    for _ in range(1 << 16):
        head = stream.read(2)
        if len(head) < 2 or head[0] != 0xFF:
            return None
        marker = head[1]
        if marker == 0xFF:  # a fill byte: the marker follows
            stream.seek(-1, io.SEEK_CUR)
            continue
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:
            continue  # markers without a length
        length = stream.read(2)
        if len(length) < 2:
            return None
        if marker == 0xDA:
            count = stream.read(1)
            return count[0] if count else None
        stream.seek(int.from_bytes(length, "big") - 2, io.SEEK_CUR)
    return None


def _jpeg_full_size(image: Image.Image) -> tuple[int, int]:
    """A JPEG's size before any draft (reduced-scale decode) was set."""
    config = getattr(image, "decoderconfig", None)
    scale = config[0] if config and isinstance(config[0], int) and config[0] > 0 else 1
    return image.size[0] * scale, image.size[1] * scale


def _jpeg_coefficient_bytes(image: Image.Image) -> int:
    """The full-size coefficient buffer libjpeg keeps for a progressive or
    multi-scan JPEG (0 for one interleaved scan, decoded row by row)."""
    layers = getattr(image, "layer", None) or []
    if not layers:
        return 0
    progressive = bool(image.info.get("progressive") or image.info.get("progression"))
    if not progressive:
        fp = getattr(image, "fp", None)
        try:
            assert fp is not None
            position = fp.tell()
            try:
                in_scan = _first_scan_components(fp)
            finally:
                fp.seek(position)
        except Exception:  # unreadable: assume the worst
            in_scan = None
        if in_scan is not None and in_scan >= len(layers):
            return 0
    width, height = _jpeg_full_size(image)
    most_h = max(max(int(layer[1]) for layer in layers), 1)
    most_v = max(max(int(layer[2]) for layer in layers), 1)
    total = 0
    for layer in layers:
        columns = -(-width * int(layer[1]) // most_h)
        rows = -(-height * int(layer[2]) // most_v)
        total += (-(-columns // 8) * 8) * (-(-rows // 8) * 8)
    return total * _JPEG_COEFFICIENT_BYTES


FORMAT_BOUNDS: dict[str, FormatBound] = {
    "JPEG": FormatBound(extra=_jpeg_coefficient_bytes),
    "MPO": FormatBound(extra=_jpeg_coefficient_bytes),
    "PNG": FormatBound(composited=True),
    "GIF": FormatBound(composited=True),
    "FLI": FormatBound(composited=True),
    "TIFF": FormatBound(extra=_tiff_buffer_bytes),
    # libwebp's animation decoder keeps two RGBA canvases and hands over a
    # copy, which Pillow copies again (765 MB for a 7000x7000 lossless WebP).
    "WEBP": FormatBound(per_pixel=16),
    # libavif's YUV planes (16-bit above 8 bits a sample), its RGB output
    # and Pillow's image (8.6 bytes a pixel measured for 8-bit 4:4:4).
    "AVIF": FormatBound(per_pixel=16),
    # OpenJPEG decodes into 32-bit samples per component (18.5 measured).
    "JPEG2000": FormatBound(per_pixel=20),
    # Pillow's Python decoder grows a bytearray, then copies it (7.1 measured).
    "QOI": FormatBound(per_pixel=9),
    "BMP": FormatBound(),
    "DIB": FormatBound(),
    # Pillow decodes an icon when it opens it: check_floods bounds its images first.
    "ICO": FormatBound(),
    "TGA": FormatBound(),
    "PPM": FormatBound(),
    "PCX": FormatBound(),
    "SGI": FormatBound(),
    "DDS": FormatBound(),
}
"""Every format palettekit decodes, with the bound of its decode memory."""


def _bound(image: Image.Image) -> FormatBound:
    return FORMAT_BOUNDS.get(image.format or "", FormatBound())


def _frame_index(image: Image.Image) -> int:
    try:
        return int(image.tell())
    except Exception:  # an image without frames
        return 0


def decode_bytes(image: Image.Image) -> int:
    """Estimated peak bytes of decoding an opened, not yet loaded, image.

    The size (after any JPEG draft) times the format's bytes a pixel (or
    the decoded mode's), plus what its decoder keeps beside the image, plus
    the canvases of a later animation frame (see :data:`FORMAT_BOUNDS`).
    Conversions afterwards work on the reduced image and add little.
    """
    width, height = image.size
    pixels = width * height
    bound = _bound(image)
    cost = pixels * (bound.per_pixel or mode_bytes(image.mode))
    if bound.extra is not None:
        cost += bound.extra(image)
    if bound.composited and _frame_index(image) > 0:
        cost += pixels * COMPOSITE_BYTES_PER_PIXEL
    return cost


def frame_decode_bytes(image: Image.Image) -> int:
    """Estimated peak bytes of decoding a frame after the first of ``image``
    (an opened animation), for choosing how many frames to use."""
    width, height = image.size
    bound = _bound(image)
    extra = COMPOSITE_BYTES_PER_PIXEL if bound.composited else 0
    return width * height * (max(bound.per_pixel, 4) + extra)


def _data_bytes(image: Image.Image) -> int | None:
    """Bytes of the file after the first tile's offset, or None when unknown."""
    fp = getattr(image, "fp", None)
    tiles = getattr(image, "tile", None)
    if fp is None or not tiles:
        return None
    try:
        position = fp.tell()
        try:
            end = fp.seek(0, io.SEEK_END)
        finally:
            fp.seek(position)
    except Exception:
        return None
    return max(0, int(end) - int(tiles[0][2]))


def python_decode_steps(image: Image.Image) -> int:
    """Steps a decoder written in Python would take for ``image``: the smaller
    of its pixels and its bytes of image data; 0 when its decoders are compiled."""
    tiles: list[Any] = list(getattr(image, "tile", None) or [])
    if not any(tile[0] in Image.DECODERS for tile in tiles):
        return 0
    pixels = image.size[0] * image.size[1]
    data = _data_bytes(image)
    return pixels if data is None else min(pixels, data)


def _megabytes(count: int) -> str:
    return f"{count / 1e6:.0f} MB" if count >= 10**6 else f"{count} bytes"


def check_format(image: Image.Image, label: str) -> None:
    """Refuse an opened image in a format palettekit does not decode, or one
    whose Python decoder would take too long.

    Raises
    ------
    UnsupportedImageError
        ``image.format`` is not in :data:`FORMAT_BOUNDS`.
    ImageTooLargeError
        A decoder written in Python would take more than
        :data:`PYTHON_DECODE_MAX_STEPS` steps.
    """
    fmt = image.format
    if fmt is not None and fmt not in FORMAT_BOUNDS:
        raise UnsupportedImageError(
            f"{label}: {fmt} images are not read (palettekit reads "
            f"{', '.join(sorted(FORMAT_BOUNDS))})"
        )
    steps = python_decode_steps(image)
    if steps > PYTHON_DECODE_MAX_STEPS:
        width, height = image.size
        raise ImageTooLargeError(
            f"{label}: this {width}x{height} {fmt or ''} image is decoded by Pillow in Python, "
            f"{steps:,} steps, more than the limit of {PYTHON_DECODE_MAX_STEPS:,}; "
            "convert it to PNG or JPEG".replace("  ", " ")
        )


def check_decode_bytes(image: Image.Image, label: str, limit: int) -> None:
    """Refuse an image palettekit does not decode or whose decoding would
    take more than ``limit`` bytes, before decoding.

    Raises
    ------
    UnsupportedImageError
        A format not in :data:`FORMAT_BOUNDS`.
    ImageTooLargeError
        ``decode_bytes(image) > limit``, or a Python decoder's steps over
        :data:`PYTHON_DECODE_MAX_STEPS`.
    """
    check_format(image, label)
    needed = decode_bytes(image)
    if needed > limit:
        width, height = image.size
        why = ""
        bound = _bound(image)
        if bound.extra is _jpeg_coefficient_bytes and _jpeg_coefficient_bytes(image):
            width, height = _jpeg_full_size(image)
            why = " (a progressive or multi-scan JPEG keeps every coefficient at full size)"
        raise ImageTooLargeError(
            f"{label}: decoding this {width}x{height} {image.format or ''} image in mode "
            f"{image.mode} would take about {_megabytes(needed)}{why}, more than the limit of "
            f"{_megabytes(limit)} (option max_decode_bytes)".replace("  ", " ")
        )


# --- floods Pillow would parse one byte or one chunk at a time -----------------------

MAX_SKIPPED_BYTES = 1 << 16
"""Most bytes between a JPEG's header segments that are not a segment: fill
bytes (0xFF) before a marker, or junk. Pillow steps over them one byte at a
time, about a microsecond each (SOI and 19 MB of 0xFF took 18 s); real
files have none or a few."""

MAX_PNG_CHUNKS = 1 << 16
"""Most chunks in a PNG, IDAT and those after it included. Pillow reads
each in Python (1.66 million empty chunks after the IDAT took 4 s); a real
100 MB PNG written in 8 KB IDAT chunks has about 13,000."""

MAX_ICON_SIDE = 1024
"""Largest width or height of an image inside an ICO file. Pillow decodes an
icon as it opens it, at the size the PNG or BMP inside states (the
directory's sizes are labels), before any limit can look at it; icons are
at most 256 pixels a side."""

_NEXT_MARKER = re.compile(rb"\xff[^\x00\xff]")


def _jpeg_skipped_bytes(stream: IO[bytes], position: int) -> int:
    """Bytes between the header segments of a JPEG from ``position`` to the
    first start-of-scan (counting stops just past :data:`MAX_SKIPPED_BYTES`)."""
    skipped = 0
    size = _HEAD_READ
    stream.seek(position)
    for _ in range(1 << 20):
        chunk = stream.read(size)
        if len(chunk) < 2:
            return skipped
        found = _NEXT_MARKER.search(chunk)
        if found is None:  # fill or junk to the end of the chunk (keep its last byte)
            skipped += len(chunk) - 1
            if skipped > MAX_SKIPPED_BYTES:
                return skipped
            position += len(chunk) - 1
            stream.seek(position)
            size = _SCAN_READ
            continue
        size = _HEAD_READ
        skipped += found.start()
        if skipped > MAX_SKIPPED_BYTES:
            return skipped
        marker = chunk[found.start() + 1]
        position += found.start() + 2
        if marker == 0xDA:
            return skipped  # the scan's data is read by libjpeg, in C
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:
            stream.seek(position)
            continue  # markers without a length
        stream.seek(position)
        length = stream.read(2)
        if len(length) < 2:
            return skipped
        position += int.from_bytes(length, "big")
        stream.seek(position)
    return skipped


def _png_chunk_count(stream: IO[bytes], position: int) -> int:
    """Chunks of a PNG from ``position`` to IEND (counting stops just past
    :data:`MAX_PNG_CHUNKS`)."""
    count = 0
    stream.seek(position)
    while count <= MAX_PNG_CHUNKS:
        head = stream.read(8)
        if len(head) < 8:
            return count
        count += 1
        if head[4:8] == b"IEND":
            return count
        stream.seek(int.from_bytes(head[:4], "big") + 4, io.SEEK_CUR)
    return count


def _largest_icon_side(stream: IO[bytes], position: int) -> int:
    """The largest width or height stated by the images inside an ICO file
    whose directory starts at ``position`` (after the 6-byte header)."""
    stream.seek(position - 2)
    count = int.from_bytes(stream.read(2), "little")
    entries = stream.read(16 * count)
    largest = 0
    for at in range(0, len(entries) - 15, 16):
        stream.seek(position - 6 + int.from_bytes(entries[at + 12 : at + 16], "little"))
        head = stream.read(24)
        if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24:
            sides = (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"))
        elif len(head) >= 12:
            sides = (
                abs(int.from_bytes(head[4:8], "little", signed=True)),
                abs(int.from_bytes(head[8:12], "little", signed=True)) // 2,  # with its mask
            )
        else:
            continue
        largest = max(largest, *sides)
    return largest


def check_floods(stream: IO[bytes], label: str) -> None:
    """Refuse a JPEG with more than :data:`MAX_SKIPPED_BYTES` of fill or junk
    between its header segments, a PNG of more than :data:`MAX_PNG_CHUNKS`
    chunks, or an ICO holding an image over :data:`MAX_ICON_SIDE` pixels a
    side, before Pillow parses (or, for an icon, decodes) it. Reads segment
    and chunk heads only (the skipped bytes with a regular expression, not
    a byte at a time) and leaves the stream where it was.

    Raises
    ------
    ImageLoadError
        One of those floods.
    ImageTooLargeError
        Such an icon.
    """
    start = stream.tell()
    try:
        signature = stream.read(8)
        if signature[:2] == b"\xff\xd8":
            skipped = _jpeg_skipped_bytes(stream, start + 2)
            if skipped > MAX_SKIPPED_BYTES:
                raise ImageLoadError(
                    f"{label}: more than {MAX_SKIPPED_BYTES:,} fill or junk bytes between "
                    "JPEG marker segments; refused before parsing (a flood, not a real image)"
                )
        elif signature[:4] == b"\0\0\1\0":  # an icon: Pillow decodes it as it opens it
            side = _largest_icon_side(stream, start + 6)
            if side > MAX_ICON_SIDE:
                raise ImageTooLargeError(
                    f"{label}: an icon holding an image {side:,} pixels a side, more than "
                    f"{MAX_ICON_SIDE:,}; refused before decoding (icons are at most 256)"
                )
        elif signature == b"\x89PNG\r\n\x1a\n":
            if _png_chunk_count(stream, start + 8) > MAX_PNG_CHUNKS:
                raise ImageLoadError(
                    f"{label}: more than {MAX_PNG_CHUNKS:,} PNG chunks; refused before "
                    "parsing (a chunk flood, not a real image)"
                )
    finally:
        stream.seek(start)
