"""numpy arrays as image sources: dtypes, shapes and limits."""

from __future__ import annotations

import numpy as np
import pytest

from palettekit.arrays import array_to_image, array_to_uint8, check_pixel_count
from palettekit.errors import EmptyImageError, ImageTooLargeError, OptionsError


def test_dtypes_become_uint8() -> None:
    assert array_to_uint8(np.array([True, False]), "a").tolist() == [255, 0]
    assert array_to_uint8(np.array([0, 32896, 65535], np.uint16), "a").tolist() == [0, 128, 255]
    assert array_to_uint8(np.array([0.0, 0.5, 1.0]), "a").tolist() == [0, 128, 255]
    assert array_to_uint8(np.array([0, 200], np.int32), "a").tolist() == [0, 200]
    big_endian = np.array([65535], dtype=">u2")
    assert array_to_uint8(big_endian, "a").tolist() == [255]


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.array([np.nan]), "NaN"),
        (np.array([1.5]), r"\[0, 1\]"),
        (np.array([-1, 3], np.int16), r"\[0, 255\]"),
        (np.array([1 + 2j]), "unsupported array dtype"),
    ],
)
def test_bad_values_are_refused_with_the_label(array: np.ndarray, message: str) -> None:
    with pytest.raises(OptionsError, match=f"arr: .*{message}"):
        array_to_uint8(array, "arr")


def test_shapes_and_modes() -> None:
    assert array_to_image(np.zeros((4, 5), np.uint8), "a", 100).mode == "L"
    assert array_to_image(np.zeros((4, 5, 1), np.uint8), "a", 100).mode == "L"
    assert array_to_image(np.zeros((4, 5, 2), np.uint8), "a", 100).mode == "LA"
    assert array_to_image(np.zeros((4, 5, 3), np.uint8), "a", 100).size == (5, 4)
    assert array_to_image(np.zeros((4, 5, 4), np.uint8), "a", 100).mode == "RGBA"
    with pytest.raises(OptionsError, match="shape"):
        array_to_image(np.zeros((4, 5, 6), np.uint8), "a", 100)
    with pytest.raises(EmptyImageError):
        array_to_image(np.zeros((0, 5, 3), np.uint8), "a", 100)
    with pytest.raises(ImageTooLargeError, match="max_image_pixels"):
        array_to_image(np.zeros((11, 10, 3), np.uint8), "a", 100)


def test_check_pixel_count() -> None:
    check_pixel_count(10, 10, 100, "a")
    with pytest.raises(ImageTooLargeError, match="a: 10x11 = 110 pixels"):
        check_pixel_count(10, 11, 100, "a")
