"""Color modes, ICC profiles and EXIF orientation."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

from palettekit.color_modes import (
    EXIF_ORIENTATION,
    WORK_MODES,
    apply_icc,
    gray_range,
    gray_to_l,
    orientation_of,
    to_work_mode,
    turn_upright,
)


def _marked() -> Image.Image:
    """A 3x2 RGB image with a different color in every pixel."""
    data = np.arange(18, dtype=np.uint8).reshape(2, 3, 3) * 12
    return Image.fromarray(data)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_turn_upright_is_pillows_exif_transpose(orientation: int) -> None:
    image = _marked()
    tagged = image.copy()
    tagged.getexif()[EXIF_ORIENTATION] = orientation
    expected = ImageOps.exif_transpose(tagged)
    turned = turn_upright(image.copy(), orientation)
    assert np.array_equal(np.asarray(turned), np.asarray(expected))


def test_orientation_is_read_from_a_jpeg_and_defaults_to_1() -> None:
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    buffer = io.BytesIO()
    _marked().save(buffer, "JPEG", exif=exif)
    assert orientation_of(Image.open(buffer)) == 6
    assert orientation_of(_marked()) == 1


def test_work_modes() -> None:
    palette = Image.new("P", (4, 4))
    palette.info["transparency"] = 0
    assert to_work_mode(palette).mode == "RGBA"
    assert to_work_mode(Image.new("1", (2, 2))).mode == "L"
    assert to_work_mode(Image.new("YCbCr", (2, 2))).mode == "RGB"
    for mode in WORK_MODES:
        image = Image.new(mode, (2, 2))
        assert to_work_mode(image) is image


def test_high_bit_depth_gray_is_scaled_not_clipped() -> None:
    wide = Image.fromarray(np.array([[0, 32768, 65535]], dtype=np.uint16))
    assert np.asarray(to_work_mode(wide)).tolist() == [[0, 128, 255]]
    floats = Image.fromarray(np.array([[0.0, 0.5, 1.0]], dtype=np.float32))
    levels = gray_range(floats, "f")
    assert (levels.low, levels.high) == (0.0, 1.0)
    assert np.asarray(gray_to_l(floats, levels)).tolist() == [[0, 128, 255]]


def test_icc_srgb_profile_changes_nothing_and_a_broken_one_is_ignored() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = _marked()
    assert apply_icc(image, srgb) == (image, "srgb")
    assert apply_icc(image, b"not a profile") == (image, "ignored")
