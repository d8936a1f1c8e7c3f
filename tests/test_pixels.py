"""Alpha handling: RGBA images -> opaque pixel lists."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from palettekit.pixels import OpaquePixels, image_array, opaque_pixels

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


# --- image_array: Pillow's storage without a copy ------------------------------------


def _photo(mode: str, width: int = 37, height: int = 23):
    from PIL import Image

    rng = np.random.default_rng(7)
    channels = {"RGB": 3, "RGBA": 4}.get(mode, 3)
    array = rng.integers(0, 256, (height, width, channels), dtype=np.uint8)
    image = Image.fromarray(array)
    return image if image.mode == mode else image.convert(mode)


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_image_array_is_a_read_only_view_of_the_pillow_storage(mode):
    image = _photo(mode)
    view = image_array(image)
    expected = np.array(image)
    assert view.shape == expected.shape and view.dtype == np.uint8
    np.testing.assert_array_equal(view, expected)
    assert view.strides[1] == 4  # 4 bytes a pixel: Pillow's storage itself, not a copy
    assert not view.flags.writeable
    with pytest.raises(ValueError):
        view[0, 0, 0] = 1


def test_image_array_keeps_the_storage_alive_after_the_image_is_closed_and_gone():
    import gc

    image = _photo("RGB", 64, 48)
    expected = np.array(image)
    view = image_array(image)
    image.close()
    del image
    gc.collect()
    _photo("RGB", 64, 48).convert("RGBA")  # reuse freed memory if it were freed
    np.testing.assert_array_equal(view, expected)


@pytest.mark.parametrize("mode", ["L", "P", "LA", "CMYK", "I;16"])
def test_image_array_copies_modes_pillow_does_not_export_as_four_bytes(mode):
    image = _photo("RGB").convert(mode)
    array = image_array(image)
    np.testing.assert_array_equal(array, np.array(image, dtype=np.uint8))
    assert array.flags.writeable and array.flags.c_contiguous


def test_image_array_copies_an_image_stored_in_several_blocks():
    from PIL import Image

    # Pillow stores an image this large in several blocks of rows: no export.
    image = Image.new("RGB", (4100, 1100), (10, 20, 30))
    with pytest.raises(ValueError):
        image.__arrow_c_array__()
    array = image_array(image)
    assert array.shape == (1100, 4100, 3) and array.flags.c_contiguous
    assert (array == np.array([10, 20, 30], np.uint8)).all()


def test_image_array_of_an_empty_image_is_an_empty_copy():
    from PIL import Image

    assert image_array(Image.new("RGB", (0, 5))).shape == np.array(Image.new("RGB", (0, 5))).shape


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.parametrize("threshold", [0, 128])
def test_opaque_pixels_of_a_pillow_image_equal_those_of_its_array(mode, threshold):
    image = _photo(mode)
    from_image = opaque_pixels(image, threshold)
    from_array = opaque_pixels(np.array(image), threshold)
    np.testing.assert_array_equal(from_image.rgb, from_array.rgb)
    assert from_image.total == from_array.total
    assert from_image.transparent_share == from_array.transparent_share


@pytest.mark.parametrize("k", [5, "auto"])
def test_palettes_from_the_view_and_from_a_copy_are_identical(k, monkeypatch):
    from PIL import Image

    import palettekit
    from palettekit import pixels as pixels_module
    from test_pipeline import photo_like

    image = Image.fromarray(photo_like(2, height=160, width=240))
    viewed = palettekit.extract(image, k=k).to_dict()
    monkeypatch.setattr(pixels_module, "_exported_pixels", lambda image: None)
    copied = palettekit.extract(image, k=k).to_dict()
    for result in (viewed, copied):
        result["meta"].pop("timings", None)
    assert viewed == copied


def test_image_array_copies_where_ctypes_cannot_read_the_capsules(monkeypatch):
    from palettekit import pixels as pixels_module

    image = _photo("RGB")
    monkeypatch.setattr(pixels_module, "_capsule_pointer", None)
    array = image_array(image)
    assert array.flags.writeable and array.flags.c_contiguous
    np.testing.assert_array_equal(array, np.array(image))
