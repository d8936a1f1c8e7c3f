"""Generators of odd and bad image inputs, made at test time (no binary blobs).

Each function returns the bytes of a file (or a PIL image / array) built from
first principles where Pillow cannot write it (16-bit PNG, PNG headers
claiming huge sizes, GIFs with thousands of frames, ICC profiles), so every
case is reproducible and readable.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

# --- small helpers -----------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """``image`` saved in Pillow format ``fmt``."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def truncated(data: bytes, fraction: float = 0.5) -> bytes:
    """The first ``fraction`` of ``data``."""
    return data[: max(1, int(len(data) * fraction))]


def random_bytes(size: int, seed: int = 0) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


def quadrants(width: int = 40, height: int = 24) -> np.ndarray:
    """(height, width, 3) uint8: red top-left, green top-right, blue
    bottom-left, yellow bottom-right; not square, so every rotation and
    mirror gives a different array."""
    array = np.zeros((height, width, 3), np.uint8)
    array[: height // 2, : width // 2] = (255, 0, 0)
    array[: height // 2, width // 2 :] = (0, 255, 0)
    array[height // 2 :, : width // 2] = (0, 0, 255)
    array[height // 2 :, width // 2 :] = (255, 255, 0)
    return array


def stored_for_orientation(upright: np.ndarray, orientation: int) -> np.ndarray:
    """How a camera stores ``upright`` (H, W, C) when it writes EXIF
    ``orientation``, written from the EXIF 2.3 definitions (where the stored
    0th row and 0th column lie in the upright picture), independently of the
    loader's transpose table."""
    u = upright
    return {
        1: u,  # 0th row = top, 0th column = left
        2: u[:, ::-1],  # row top, column right
        3: u[::-1, ::-1],  # row bottom, column right
        4: u[::-1, :],  # row bottom, column left
        5: u.transpose(1, 0, 2),  # row left, column top
        6: np.rot90(u, 1),  # row right, column top
        7: np.rot90(u, 1)[:, ::-1],  # row right, column bottom
        8: np.rot90(u, -1),  # row left, column bottom
    }[orientation].copy()


def with_orientation(upright: np.ndarray, orientation: int, fmt: str, **params: object) -> bytes:
    """A file of ``fmt`` storing ``upright`` as a camera would with the EXIF tag."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = Image.fromarray(stored_for_orientation(upright, orientation))
    return encode(stored, fmt, exif=exif.tobytes(), **params)


# --- PNG written by hand ----------------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> gray, gray+alpha, RGB, RGBA


def png_bytes(array: np.ndarray, *, extra_chunks: bytes = b"") -> bytes:
    """A PNG of a (H, W) or (H, W, C) uint8 or uint16 array, at 8 or 16 bits
    per sample (Pillow cannot write 16-bit gray, 48-bit or 64-bit PNGs)."""
    if array.ndim == 2:
        array = array[:, :, None]
    height, width, channels = array.shape
    bit_depth = 16 if array.dtype == np.uint16 else 8
    samples = array.astype(">u2" if bit_depth == 16 else np.uint8)
    rows = samples.reshape(height, -1).view(np.uint8).reshape(height, -1)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1).tobytes()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, _PNG_COLOR_TYPES[channels], 0, 0, 0)
    return (
        _PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + extra_chunks
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


def png_claiming_size(width: int, height: int) -> bytes:
    """A PNG header claiming ``width`` x ``height`` RGB pixels, followed by a
    few bytes of image data: decoding it fails at once, so an error about its
    size proves the size was refused before decoding."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\0" * 64)
    return (
        _PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming_size(width: int, height: int) -> bytes:
    """A small valid JPEG whose SOF0 header is patched to claim another size."""
    data = bytearray(encode(Image.new("RGB", (8, 8), (10, 20, 30)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


# --- GIF written by hand ----------------------------------------------------------------


def gif_with_frames(n_frames: int) -> bytes:
    """A 1x1 GIF animation: frame 0 is red, the ``n_frames - 1`` others blue."""
    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)  # global table of 2 colors
    out += bytes([255, 0, 0, 0, 0, 255])
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever

    def frame(index: int) -> bytes:
        # LZW, minimum code size 2: clear (4), the pixel's index, end (5), 3-bit codes.
        codes = 4 | (index << 3) | (5 << 6)
        return (
            b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 10 ms
            + b"\x2c"
            + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
            + b"\x02\x02"
            + struct.pack("<H", codes)
            + b"\x00"
        )

    out += frame(0)
    blue = frame(1)
    out += blue * (n_frames - 1)
    out += b"\x3b"
    return bytes(out)


# --- ICC profiles built by hand ----------------------------------------------------------

D50_XYZ = (0.9642, 1.0, 0.8249)
D65_XY = (0.3127, 0.3290)
SRGB_PRIMARIES_XY = ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060))
DISPLAY_P3_PRIMARIES_XY = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
_BRADFORD = np.array(
    [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]]
)


def srgb_decode(values: np.ndarray) -> np.ndarray:
    """sRGB transfer function, encoded [0, 1] -> linear [0, 1]."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def srgb_encode(values: np.ndarray) -> np.ndarray:
    """Linear [0, 1] -> sRGB-encoded [0, 1] (clipped)."""
    v = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def _xy_to_xyz(xy: tuple[float, float]) -> np.ndarray:
    x, y = xy
    return np.array([x / y, 1.0, (1 - x - y) / y])


def rgb_to_xyz_matrix(primaries_xy, white_xy=D65_XY) -> np.ndarray:
    """3x3 matrix, linear RGB -> XYZ (white Y = 1), columns = colorants."""
    columns = np.stack([_xy_to_xyz(p) for p in primaries_xy], axis=1)
    scale = np.linalg.solve(columns, _xy_to_xyz(white_xy))
    return columns * scale


def adapted_to_d50(matrix: np.ndarray, white_xy=D65_XY) -> np.ndarray:
    """Bradford-adapt an RGB -> XYZ matrix from ``white_xy`` to D50 (ICC's PCS)."""
    source = _BRADFORD @ _xy_to_xyz(white_xy)
    target = _BRADFORD @ np.array(D50_XYZ)
    adapt = np.linalg.inv(_BRADFORD) @ np.diag(target / source) @ _BRADFORD
    return adapt @ matrix


def _s15f16(values) -> bytes:
    return b"".join(struct.pack(">i", int(round(v * 65536))) for v in values)


def _xyz_tag(xyz) -> bytes:
    return b"XYZ \0\0\0\0" + _s15f16(xyz)


def _curve_tag(gamma: float | None) -> bytes:
    """curveType: a pure gamma, or (None) the sRGB curve sampled at 1024 points."""
    if gamma is not None:
        return b"curv\0\0\0\0" + struct.pack(">IH", 1, int(round(gamma * 256)))
    samples = srgb_decode(np.linspace(0.0, 1.0, 1024))
    table = np.round(samples * 65535).astype(">u2").tobytes()
    return b"curv\0\0\0\0" + struct.pack(">I", 1024) + table


def _desc_tag(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">II", 0, 0)
        + struct.pack(">HB", 0, 0)
        + b"\0" * 67
    )


def build_icc(color_space: bytes, tags: list[tuple[bytes, bytes]], description: str) -> bytes:
    """An ICC v2.1 display profile (header, tag table, tags 4-byte aligned)."""
    all_tags = [(b"desc", _desc_tag(description)), (b"cprt", b"text\0\0\0\0CC0\0")] + tags
    table_size = 4 + 12 * len(all_tags)
    offset = 128 + table_size
    entries = b""
    body = b""
    for signature, payload in all_tags:
        padded = payload + b"\0" * (-len(payload) % 4)
        entries += signature + struct.pack(">II", offset + len(body), len(payload))
        body += padded
    size = 128 + table_size + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"  # preferred CMM
        + struct.pack(">I", 0x02100000)
        + b"mntr"
        + color_space
        + b"XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 4  # platform
        + b"\0" * 4  # flags
        + b"\0" * 8  # manufacturer, model
        + b"\0" * 8  # attributes
        + struct.pack(">I", 0)  # perceptual
        + _s15f16(D50_XYZ)
        + b"\0" * 4  # creator
        + b"\0" * 16  # profile ID
        + b"\0" * 28
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(all_tags)) + entries + body


def rgb_icc_profile(
    primaries_xy=DISPLAY_P3_PRIMARIES_XY,
    white_xy=D65_XY,
    gamma: float | None = None,
    description: str = "palettekit test RGB",
) -> bytes:
    """A matrix/TRC RGB profile with the given primaries (sRGB curve if
    ``gamma`` is None), colorants Bradford-adapted to D50 as ICC requires."""
    colorants = adapted_to_d50(rgb_to_xyz_matrix(primaries_xy, white_xy), white_xy)
    curve = _curve_tag(gamma)
    return build_icc(
        b"RGB ",
        [
            (b"wtpt", _xyz_tag(D50_XYZ)),
            (b"rXYZ", _xyz_tag(colorants[:, 0])),
            (b"gXYZ", _xyz_tag(colorants[:, 1])),
            (b"bXYZ", _xyz_tag(colorants[:, 2])),
            (b"rTRC", curve),
            (b"gTRC", curve),
            (b"bTRC", curve),
        ],
        description,
    )


def gray_icc_profile(gamma: float) -> bytes:
    """A gray profile with a pure gamma tone curve."""
    return build_icc(
        b"GRAY",
        [(b"wtpt", _xyz_tag(D50_XYZ)), (b"kTRC", _curve_tag(gamma))],
        f"palettekit test gray {gamma:g}",
    )


def expected_srgb(rgb8, primaries_xy, white_xy=D65_XY) -> np.ndarray:
    """What ``rgb8`` (encoded with the sRGB curve) in a space with
    ``primaries_xy`` is in sRGB, computed by plain matrix math, clipped, as
    floats in [0, 255]."""
    linear = srgb_decode(np.asarray(rgb8, dtype=np.float64) / 255.0)
    to_srgb = np.linalg.inv(rgb_to_xyz_matrix(SRGB_PRIMARIES_XY)) @ rgb_to_xyz_matrix(
        primaries_xy, white_xy
    )
    return srgb_encode(linear @ to_srgb.T) * 255.0
