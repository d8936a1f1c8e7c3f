"""Alpha handling: RGBA images -> opaque pixel lists."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from palettekit.pixels import OpaquePixels, opaque_pixels

rgba_images = hnp.arrays(
    np.uint8,
    st.tuples(st.integers(0, 12), st.integers(0, 12), st.just(4)),
    elements=st.integers(0, 255),
)


def test_rgb_image_keeps_every_pixel_in_row_major_order():
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    result = opaque_pixels(image)
    assert isinstance(result, OpaquePixels)
    assert result.total == 6
    assert result.transparent_share == 0.0
    assert result.rgb.dtype == np.uint8
    np.testing.assert_array_equal(result.rgb, image.reshape(-1, 3))


@given(rgba_images, st.integers(0, 255))
def test_pixels_below_the_threshold_are_dropped(image, threshold):
    result = opaque_pixels(image, alpha_threshold=threshold)
    flat = image.reshape(-1, 4)
    keep = flat[:, 3] >= threshold
    total = image.shape[0] * image.shape[1]
    assert result.total == total
    assert result.rgb.dtype == np.uint8
    assert result.rgb.shape == (int(keep.sum()), 3)
    np.testing.assert_array_equal(result.rgb, flat[keep, :3])
    expected_share = (total - int(keep.sum())) / total if total else 0.0
    assert result.transparent_share == expected_share
    assert 0.0 <= result.transparent_share <= 1.0


def test_threshold_zero_keeps_every_pixel_and_255_only_fully_opaque_ones():
    image = np.zeros((1, 4, 4), dtype=np.uint8)
    image[0, :, 3] = [0, 1, 254, 255]
    image[0, :, 0] = [10, 20, 30, 40]
    assert opaque_pixels(image, 0).rgb[:, 0].tolist() == [10, 20, 30, 40]
    assert opaque_pixels(image, 255).rgb[:, 0].tolist() == [40]
    assert opaque_pixels(image, 255).transparent_share == 0.75
    assert opaque_pixels(image, 128).rgb[:, 0].tolist() == [30, 40]


def test_fully_transparent_image_has_no_pixels_and_share_one():
    image = np.full((3, 5, 4), 200, dtype=np.uint8)
    image[..., 3] = 0
    result = opaque_pixels(image)
    assert result.rgb.shape == (0, 3)
    assert result.total == 15
    assert result.transparent_share == 1.0


def test_empty_image():
    for channels in (3, 4):
        result = opaque_pixels(np.zeros((0, 7, channels), dtype=np.uint8))
        assert result.rgb.shape == (0, 3)
        assert result.total == 0
        assert result.transparent_share == 0.0


def test_fully_opaque_rgba_gives_a_contiguous_copy_of_the_rgb():
    image = np.random.default_rng(0).integers(0, 256, (4, 6, 4), dtype=np.uint8)
    image[..., 3] = 255
    result = opaque_pixels(image)
    assert result.rgb.flags.c_contiguous
    np.testing.assert_array_equal(result.rgb, image[..., :3].reshape(-1, 3))
    assert result.transparent_share == 0.0


def _exact_composite(rgba: np.ndarray, under: tuple[int, int, int]) -> np.ndarray:
    """round_half_up((rgb * a + under * (255 - a)) / 255) in integer arithmetic."""
    rgb = rgba[:, :3].astype(np.int64)
    alpha = rgba[:, 3:4].astype(np.int64)
    numerator = rgb * alpha + np.asarray(under, dtype=np.int64) * (255 - alpha)
    return ((2 * numerator + 255) // 510).astype(np.uint8)


@pytest.mark.parametrize("under", [(255, 255, 255), (0, 0, 0), (13, 200, 77)])
def test_composite_matches_exact_integer_blending_for_every_value_and_alpha(under):
    values = np.arange(256, dtype=np.uint8)
    v, a = np.meshgrid(values, values, indexing="ij")
    rgba = np.stack([v.ravel(), 255 - v.ravel(), v.ravel(), a.ravel()], axis=1)
    image = rgba.reshape(256, 256, 4)
    result = opaque_pixels(image, alpha_threshold=200, composite_on=under)
    assert result.total == 256 * 256
    assert result.transparent_share == 0.0
    assert result.rgb.shape == (256 * 256, 3)
    np.testing.assert_array_equal(result.rgb, _exact_composite(rgba, under))


def test_composite_endpoints():
    image = np.array([[[10, 20, 30, 255], [10, 20, 30, 0], [255, 0, 0, 128]]], dtype=np.uint8)
    result = opaque_pixels(image, composite_on=(200, 100, 50))
    assert result.rgb.tolist() == [[10, 20, 30], [200, 100, 50], [228, 50, 25]]


def test_composite_on_an_rgb_image_changes_nothing():
    image = np.random.default_rng(1).integers(0, 256, (3, 3, 3), dtype=np.uint8)
    result = opaque_pixels(image, composite_on=(0, 0, 0))
    np.testing.assert_array_equal(result.rgb, image.reshape(-1, 3))


@pytest.mark.parametrize("shape", [(4,), (4, 4), (2, 2, 2), (2, 2, 5), (1, 2, 2, 4)])
def test_refuses_other_shapes(shape):
    with pytest.raises(ValueError, match=r"\(H, W, 3\|4\)"):
        opaque_pixels(np.zeros(shape, dtype=np.uint8))


def test_input_is_not_modified():
    image = np.random.default_rng(2).integers(0, 256, (5, 5, 4), dtype=np.uint8)
    before = image.copy()
    opaque_pixels(image, 100)
    opaque_pixels(image, composite_on=(1, 2, 3))
    np.testing.assert_array_equal(image, before)
