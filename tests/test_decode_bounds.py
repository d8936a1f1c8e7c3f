"""palettekit.decode_bounds: every format Pillow opens is bounded before decoding, or refused.

The large images here are small files with patched headers: each must be
refused from its header, so none is ever decoded.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

import palettekit
from badinputs import encode
from badinputs.formats import (
    avif_claiming_size,
    jpeg2000_claiming_size,
    jpeg_with_filler,
    multiscan_jpeg_claiming_size,
    png_with_chunks_after_idat,
    progressive_jpeg_claiming_size,
    qoi_of_one_byte_ops,
    qoi_of_runs,
)
from cli_helpers import assert_one_error_line, run
from palettekit import decode_bounds
from palettekit.decode_bounds import (
    FORMAT_BOUNDS,
    MAX_PNG_CHUNKS,
    MAX_SKIPPED_BYTES,
    PYTHON_DECODE_MAX_STEPS,
    check_decode_bytes,
    check_floods,
    decode_bytes,
)
from palettekit.errors import ImageLoadError, ImageTooLargeError, UnsupportedImageError
from palettekit.options import Options

LIMIT = Options().max_decode_bytes
COLOR = (10, 120, 200)


def _open(data: bytes) -> Image.Image:
    """The opened (not decoded) image; Pillow's own bomb warning is not the point here."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def _needs(fmt: str) -> None:
    Image.init()
    if fmt not in Image.SAVE:
        pytest.skip(f"this Pillow cannot write {fmt}")


# --- formats without a known bound are refused ------------------------------------------


@pytest.mark.parametrize("fmt", ["XBM", "SPIDER", "MSP", "BLP", "ICNS"])
def test_a_format_without_a_bound_is_refused_before_decoding(fmt: str) -> None:
    _needs(fmt)
    mode = {"XBM": "1", "MSP": "1", "SPIDER": "F", "BLP": "P"}.get(fmt, "RGB")
    data = encode(Image.new(mode, (32, 32)), fmt)
    with pytest.raises(UnsupportedImageError, match=f"{fmt} images are not read") as info:
        palettekit.extract(data, k=2)
    assert "PNG" in str(info.value) and "JPEG" in str(info.value)
    assert "\n" not in str(info.value)


def test_every_format_in_the_table_that_pillow_writes_is_read() -> None:
    Image.init()
    for fmt in sorted(FORMAT_BOUNDS):
        if fmt not in Image.SAVE or fmt in ("MPO", "FLI"):
            continue
        image = Image.new("RGB", (24, 24), COLOR)
        try:
            data = encode(image, fmt)
        except (OSError, KeyError):  # a codec not built into this Pillow
            continue
        hexes = [c.hex for c in palettekit.extract(data, k=1)]
        assert len(hexes) == 1, fmt


# --- formats whose decoders cost more than the decoded image ----------------------------


def test_jpeg2000_is_bounded_by_its_decoder() -> None:
    _needs("JPEG2000")
    image = _open(jpeg2000_claiming_size(7000, 7000))  # 943 MiB when decoded
    assert decode_bytes(image) >= 7000 * 7000 * 18
    with pytest.raises(ImageTooLargeError, match="7000x7000 JPEG2000.*max_decode_bytes"):
        check_decode_bytes(image, "x.jp2", LIMIT)
    with pytest.raises(ImageTooLargeError):
        palettekit.extract(jpeg2000_claiming_size(7000, 7000))


def test_avif_is_bounded_by_its_decoder() -> None:
    _needs("AVIF")
    image = _open(avif_claiming_size(7000, 7000))  # 470-546 MiB when decoded
    assert decode_bytes(image) >= 7000 * 7000 * 12
    with pytest.raises(ImageTooLargeError, match="AVIF"):
        check_decode_bytes(image, "x.avif", LIMIT)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(lambda: progressive_jpeg_claiming_size(12000, 12000), id="progressive"),
        pytest.param(lambda: progressive_jpeg_claiming_size(7000, 7000, "CMYK"), id="cmyk"),
        pytest.param(lambda: multiscan_jpeg_claiming_size(12000, 12000), id="multi-scan"),
    ],
)
def test_a_jpeg_that_buffers_every_coefficient_is_bounded_at_full_size(data) -> None:
    image = _open(data())
    width, height = image.size
    image.draft(image.mode, (width // 8, height // 8))  # the reduced decode does not help
    assert image.size == (width // 8, height // 8)
    assert decode_bytes(image) >= width * height * 2 * len(image.getbands())
    with pytest.raises(ImageTooLargeError, match=f"{width}x{height} JPEG.*every coefficient"):
        check_decode_bytes(image, "x.jpg", LIMIT)


def test_a_baseline_jpeg_is_bounded_at_its_reduced_scale() -> None:
    from badinputs import jpeg_claiming_size

    image = _open(jpeg_claiming_size(12000, 12000))
    image.draft(image.mode, (1500, 1500))
    assert decode_bytes(image) == 1500 * 1500 * 4
    check_decode_bytes(image, "x.jpg", LIMIT)


def test_a_real_progressive_jpeg_reads_the_same_as_its_baseline() -> None:
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    array[:, :48] = COLOR
    image = Image.fromarray(array)
    progressive = encode(image, "JPEG", progressive=True, quality=95)
    assert decode_bytes(_open(progressive)) > decode_bytes(_open(encode(image, "JPEG")))
    assert palettekit.extract(progressive, k=3).hex


def test_qoi_is_bounded_in_memory() -> None:
    image = _open(qoi_of_runs(7000, 7000))  # 414 MiB when decoded
    assert decode_bytes(image) >= 7000 * 7000 * 8
    with pytest.raises(ImageTooLargeError, match="QOI"):
        check_decode_bytes(image, "x.qoi", LIMIT)


def test_a_python_decoder_is_capped_in_steps() -> None:
    side = 1500  # 2.25 M one-byte operations: about 2 s of Pillow's Python decoder
    image = _open(qoi_of_one_byte_ops(side, side))
    assert decode_bounds.python_decode_steps(image) == side * side
    assert decode_bytes(image) < LIMIT
    with pytest.raises(ImageTooLargeError, match="decoded by Pillow in Python") as info:
        check_decode_bytes(image, "x.qoi", LIMIT)
    assert f"{PYTHON_DECODE_MAX_STEPS:,}" in str(info.value)


def test_python_decoder_steps_are_the_data_when_it_is_smaller() -> None:
    image = _open(qoi_of_runs(3000, 3000))  # 9 M pixels in 145 KB of runs
    steps = decode_bounds.python_decode_steps(image)
    assert steps < PYTHON_DECODE_MAX_STEPS and steps <= len(qoi_of_runs(3000, 3000))
    assert decode_bounds.python_decode_steps(_open(encode(Image.new("RGB", (8, 8)), "PNG"))) == 0


def test_a_small_qoi_decodes() -> None:
    palette = palettekit.extract(qoi_of_runs(300, 200), k=1)
    assert palette[0].hex == "#000000" or palette[0].share == 1.0


def test_plain_formats_cost_their_mode() -> None:
    for mode, size in (("L", 1), ("I;16", 2), ("RGB", 4), ("RGBA", 4)):
        image = _open(encode(Image.new(mode, (30, 20)), "PNG"))
        assert decode_bytes(image) == 30 * 20 * size, mode


# --- floods Pillow parses one byte or one chunk at a time -------------------------------


@pytest.mark.parametrize("byte", [0xFF, 0x00], ids=["fill", "junk"])
def test_a_jpeg_flooded_with_fill_or_junk_bytes_is_refused_at_once(byte: int) -> None:
    data = jpeg_with_filler(MAX_SKIPPED_BYTES + 1, byte)
    with pytest.raises(ImageLoadError, match="fill or junk bytes"):
        palettekit.extract(data, k=1)
    stream = io.BytesIO(b"prefix" + data)
    stream.seek(6)
    with pytest.raises(ImageLoadError):
        check_floods(stream, "x")
    assert stream.tell() == 6


def test_a_few_fill_bytes_are_read() -> None:
    palette = palettekit.extract(jpeg_with_filler(100), k=1)
    assert np.abs(np.array(palette[0].rgb) - COLOR).max() <= 4


def test_soi_and_nothing_but_fill_bytes_is_refused_without_stepping_through_them() -> None:
    data = b"\xff\xd8" + b"\xff" * (4 * 1024 * 1024)  # 4 s a byte at a time
    with pytest.raises(ImageLoadError, match="fill or junk bytes"):
        palettekit.extract(data, k=1)


def test_a_png_flooded_with_chunks_after_idat_is_refused() -> None:
    data = png_with_chunks_after_idat(MAX_PNG_CHUNKS)
    with pytest.raises(ImageLoadError, match="PNG chunks"):
        palettekit.extract(data, k=1)
    assert palettekit.extract(png_with_chunks_after_idat(100), k=1)[0].rgb == COLOR


def test_many_idat_chunks_within_the_limit_are_read() -> None:
    raw = b"".join(b"\x00" + bytes(COLOR) * 64 for _ in range(64))
    import zlib

    from badinputs import png_chunk

    compressed = zlib.compress(raw)
    idats = b"".join(
        png_chunk(b"IDAT", compressed[i : i + 7]) for i in range(0, len(compressed), 7)
    )
    header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + idats + png_chunk(b"IEND", b"")
    assert palettekit.extract(data, k=1)[0].rgb == COLOR


def test_the_cli_refuses_a_flood_in_one_line(tmp_path, capsys) -> None:
    path = tmp_path / "fill.jpg"
    path.write_bytes(jpeg_with_filler(MAX_SKIPPED_BYTES + 1))
    code, _, err = run([path], capsys)
    assert code != 0
    assert_one_error_line(err, "fill or junk bytes")
    path = tmp_path / "big.jp2"
    path.write_bytes(progressive_jpeg_claiming_size(12000, 12000))
    code, _, err = run([path], capsys)
    assert code != 0
    assert_one_error_line(err, "max_decode_bytes")


@pytest.mark.parametrize("kind", ["png", "bmp"])
def test_an_icon_holding_a_huge_image_is_refused_before_pillow_opens_it(kind: str) -> None:
    """Pillow decodes an icon inside Image.open, at the size its PNG or BMP
    states, whatever the directory says: the check comes first."""
    from badinputs import png_claiming_size
    from badinputs.formats import bmp_info_claiming_size, ico_holding

    inner = png_claiming_size(12000, 12000) if kind == "png" else bmp_info_claiming_size(9000, 9000)
    data = ico_holding(inner)
    with pytest.raises(ImageTooLargeError, match="icon holding an image") as info:
        palettekit.extract(data, k=1)
    assert f"{decode_bounds.MAX_ICON_SIDE:,}" in str(info.value)
    stream = io.BytesIO(data)
    with pytest.raises(ImageTooLargeError):
        check_floods(stream, "x.ico")
    assert stream.tell() == 0


def test_a_real_icon_of_several_sizes_is_read() -> None:
    data = encode(
        Image.new("RGB", (256, 256), COLOR), "ICO", sizes=[(16, 16), (64, 64), (256, 256)]
    )
    check_floods(io.BytesIO(data), "x.ico")
    assert palettekit.extract(data, k=1)[0].rgb == COLOR
