"""Small files whose headers claim large images, in the formats whose decoders
cost more than the decoded image: made at test time from a tiny real file
with its size fields patched (decoding them is never needed: they must be
refused from the header), and the floods Pillow parses a byte or a chunk at
a time."""

from __future__ import annotations

import struct

from PIL import Image

from . import encode, png_bytes, png_chunk


def _tiny(fmt: str, mode: str = "RGB", **params: object) -> bytes:
    color = {"RGB": (10, 120, 200), "RGBA": (10, 120, 200, 255), "CMYK": (0, 90, 200, 10)}[mode]
    return encode(Image.new(mode, (16, 16), color), fmt, **params)


def jpeg2000_claiming_size(width: int, height: int) -> bytes:
    """A JP2 file whose image header box and codestream SIZ marker claim ``width`` x ``height``."""
    data = bytearray(_tiny("JPEG2000"))
    ihdr = data.index(b"ihdr")
    struct.pack_into(">II", data, ihdr + 4, height, width)
    siz = data.index(b"\xff\x51")
    struct.pack_into(">II", data, siz + 6, width, height)
    return bytes(data)


def avif_claiming_size(width: int, height: int) -> bytes:
    """An AVIF whose image spatial extents property ("ispe") claims ``width`` x ``height``."""
    data = bytearray(_tiny("AVIF"))
    ispe = data.index(b"ispe")
    struct.pack_into(">II", data, ispe + 8, width, height)
    return bytes(data)


def progressive_jpeg_claiming_size(width: int, height: int, mode: str = "RGB") -> bytes:
    """A progressive JPEG (4:4:4, or CMYK) whose SOF2 header claims ``width`` x ``height``."""
    params: dict[str, object] = {"progressive": True}
    if mode == "RGB":
        params["subsampling"] = 0
    data = bytearray(_tiny("JPEG", mode, **params))
    sof = data.index(b"\xff\xc2")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def multiscan_jpeg_claiming_size(width: int, height: int) -> bytes:
    """A sequential (SOF0) JPEG whose first scan holds one of its three
    components, as a non-interleaved file has: libjpeg then buffers every
    coefficient, as for a progressive one."""
    data = bytearray(_tiny("JPEG", subsampling=0))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    sos = data.index(b"\xff\xda")
    data[sos + 4] = 1  # Ns: one component in this scan
    return bytes(data)


_QOI_RUN = 0xFD  # QOI_OP_RUN of 62 pixels
_QOI_END = b"\x00" * 7 + b"\x01"


def qoi_of_runs(width: int, height: int) -> bytes:
    """A valid RGBA QOI of one color: ``width * height / 62`` run operations."""
    pixels = width * height
    runs = b"\xfd" * (pixels // 62)
    rest = pixels % 62
    if rest:
        runs += bytes([0xC0 + rest - 1])
    return b"qoif" + struct.pack(">IIBB", width, height, 4, 0) + runs + _QOI_END


def qoi_of_one_byte_ops(width: int, height: int) -> bytes:
    """A valid RGB QOI whose every pixel is a 1-byte QOI_OP_DIFF operation:
    as many Python steps as pixels."""
    diff = 0x40 | (3 << 4) | (2 << 2) | 2  # red +1, green and blue unchanged
    return (
        b"qoif" + struct.pack(">IIBB", width, height, 3, 0) + bytes([diff]) * (width * height)
    ) + _QOI_END


def jpeg_with_filler(count: int, byte: int = 0xFF) -> bytes:
    """A small valid JPEG with ``count`` copies of ``byte`` (0xFF: fill bytes,
    else junk) between its SOI and its first segment."""
    data = _tiny("JPEG")
    return data[:2] + bytes([byte]) * count + data[2:]


def png_with_chunks_after_idat(count: int) -> bytes:
    """A valid 8x8 PNG with ``count`` empty ancillary chunks between IDAT and IEND."""
    import numpy as np

    data = png_bytes(np.full((8, 8, 3), (10, 120, 200), np.uint8))
    iend = data.rindex(b"IEND") - 4
    return data[:iend] + png_chunk(b"zzZz", b"") * count + data[iend:]


def ico_holding(image: bytes, declared: int = 16) -> bytes:
    """An ICO whose one directory entry declares ``declared`` pixels a side and
    holds ``image`` (a PNG, or a BMP info header and its data) as it is."""
    entry = struct.pack("<BBBBHHII", declared, declared, 0, 0, 1, 32, len(image), 22)
    return struct.pack("<HHH", 0, 1, 1) + entry + image


def bmp_info_claiming_size(width: int, height: int) -> bytes:
    """A BITMAPINFOHEADER of a 32-bit bitmap claiming ``width`` x ``height`` (its
    height doubled, as icons count their mask), with a few bytes of data."""
    header = struct.pack("<IiiHHIIiiII", 40, width, 2 * height, 1, 32, 0, 0, 0, 0, 0, 0)
    return header + b"\0" * 64
