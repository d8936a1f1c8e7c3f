"""load.py: every image a user has, and bad input of every kind.

All inputs are generated at test time (tests/badinputs); the real photos of
/work/shared/corpus are only used by bench/ and by one skip-if-absent test.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, JpegImagePlugin

from badinputs import (
    DISPLAY_P3_PRIMARIES_XY,
    SRGB_PRIMARIES_XY,
    encode,
    expected_srgb,
    gif_with_frames,
    gray_icc_profile,
    jpeg_claiming_size,
    png_bytes,
    png_claiming_size,
    quadrants,
    random_bytes,
    rgb_icc_profile,
    srgb_encode,
    truncated,
    with_orientation,
)
from badinputs.servers import call_with_guard
from palettekit.errors import (
    EmptyImageError,
    ImageLoadError,
    ImageNotFoundError,
    ImageTooLargeError,
    OptionsError,
    PaletteError,
    UnsupportedImageError,
)
from palettekit.load import LoadedImage, load_image, source_label, working_size
from palettekit.options import Options

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def load(source: object, max_pixels: int | None = None, **options: object) -> LoadedImage:
    return load_image(source, Options(**options), max_pixels)  # type: ignore[arg-type]


def pixels(loaded: LoadedImage) -> np.ndarray:
    array = loaded.to_array()
    assert array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] in (3, 4)
    assert loaded.image.mode in ("RGB", "RGBA")
    return array


def solid(mode: str, size: tuple[int, int], color: object) -> Image.Image:
    return Image.new(mode, size, color)  # type: ignore[arg-type]


def raises(error: type[PaletteError], source: object, **options: object) -> PaletteError:
    """Load ``source`` expecting ``error``; check the message is one line and
    names the source. Guards against hangs."""
    with pytest.raises(error) as info:
        call_with_guard(lambda: load(source, **options))
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    if isinstance(source, (str, os.PathLike)):
        assert message.startswith(source_label(source) + ":"), message
    return info.value


# --- working size ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "budget"),
    [
        ((3840, 2560), 250_000),
        ((768, 512), 250_000),
        ((1, 10_000), 100),
        ((10_000, 1), 7),
        ((999, 997), 1000),
        ((5, 5), 1),
        ((641, 479), 307_199),
        ((100, 100), None),
    ],
)
def test_working_size_keeps_aspect_within_budget(size, budget):
    width, height = working_size(size, budget)
    assert 1 <= width <= size[0] and 1 <= height <= size[1]
    if budget is None or size[0] * size[1] <= budget:
        assert (width, height) == size
        return
    assert width * height <= budget
    # As large as the budget allows: one more row and one more column would not fit.
    assert (width + 1) * (height + 1) > budget
    scale = (budget / (size[0] * size[1])) ** 0.5
    ideal = (size[0] * scale, size[1] * scale)
    if min(ideal) >= 1:  # same aspect ratio, up to rounding each side down
        assert ideal[0] - 1 < width <= ideal[0] + 1e-9
        assert ideal[1] - 1 < height <= ideal[1] + 1e-9
    else:  # a thin strip: one pixel across, as long as the budget allows
        assert min(width, height) == 1 and width * height == min(budget, max(size))


@pytest.mark.parametrize(
    ("size", "budget", "fmt"),
    [
        ((1200, 800), 20_000, "JPEG"),
        ((1201, 799), 20_000, "JPEG"),
        ((1000, 9), 500, "JPEG"),
        ((333, 777), 10_000, "PNG"),
        ((64, 64), 64 * 64, "PNG"),
        ((640, 480), 1, "PNG"),
        ((1200, 801), 250_000, "WEBP"),
    ],
)
def test_result_is_exactly_the_working_size(size, budget, fmt):
    image = Image.fromarray(
        np.random.default_rng(1).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    )
    loaded = load(encode(image, fmt), max_pixels=budget)
    assert loaded.image.size == working_size(size, budget)
    assert loaded.original_size == size


@pytest.mark.parametrize("display", [False, True])
def test_reduction_samples_pixels_for_counting_and_averages_for_display(display):
    # A fine checkerboard of two colors: sampling keeps exactly those two
    # colors (counting needs real pixel colors); a box filter blends them
    # (what a figure should show).
    rows, cols = np.indices((300, 400))
    board = np.where(((rows + cols) % 2 == 0)[..., None], [255, 0, 0], [0, 0, 255])
    image = Image.fromarray(board.astype(np.uint8))
    loaded = load_image(encode(image, "PNG"), Options(max_pixels=10_000), display=display)
    assert loaded.image.size == working_size((400, 300), 10_000)
    colors = {tuple(c) for c in np.asarray(loaded.image).reshape(-1, 3).tolist()}
    if display:
        assert (255, 0, 0) not in colors and (0, 0, 255) not in colors
    else:
        assert colors <= {(255, 0, 0), (0, 0, 255)} and len(colors) == 2


def test_jpeg_is_drafted_to_the_smallest_dct_scale_covering_the_working_size(monkeypatch):
    drafted: list[tuple[int, int]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):  # type: ignore[no-untyped-def]
        result = original(self, mode, size)
        drafted.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    image = Image.fromarray(quadrants(1600, 1200))
    data = encode(image, "JPEG", quality=90)
    for budget, expected in [
        (20_000, (200, 150)),
        (120_000, (400, 300)),
        (480_000, (800, 600)),
        (1_000_000, (1600, 1200)),
    ]:
        drafted.clear()
        loaded = load(data, max_pixels=budget)
        target = working_size((1600, 1200), budget)
        assert loaded.image.size == target
        assert drafted == [expected]
        assert expected[0] >= target[0] and expected[1] >= target[1]
        if expected != (200, 150):  # the next smaller scale would not cover the target
            assert expected[0] // 2 < target[0] or expected[1] // 2 < target[1]
    drafted.clear()
    load_image(data, Options(max_pixels=None))
    assert drafted == []  # no reduction asked, no draft


def test_reduced_jpeg_keeps_its_colors():
    data = encode(Image.fromarray(quadrants(1600, 1200)), "JPEG", quality=95)
    array = pixels(load(data, max_pixels=20_000)).astype(int)
    height, width = array.shape[:2]
    for (y, x), color in [((0, 0), RED), ((0, 1), GREEN), ((1, 0), BLUE), ((1, 1), (255, 255, 0))]:
        sample = array[height // 4 + y * height // 2, width // 4 + x * width // 2]
        assert np.abs(sample - color).max() <= 6


def test_resizing_rgba_does_not_bleed_transparent_colors():
    array = np.zeros((64, 64, 4), np.uint8)
    array[:, :32] = (255, 0, 0, 0)  # transparent red: its color must not show
    array[:, 32:] = (0, 0, 255, 255)
    array[::2, 33::3] = (0, 0, 255, 0)  # transparent blue specks inside the opaque half
    for source in (array, encode(Image.fromarray(array), "PNG")):
        out = pixels(load(source, max_pixels=7 * 7))
        assert out.shape == (7, 7, 4)
        visible = out[out[:, :, 3] > 0]
        assert len(visible) > 0 and visible[:, 0].max() == 0 and visible[:, 1].max() == 0
        assert (out[:, :, 3] > 0).any() and (out[:, :, 3] < 255).any()


def test_resizing_palette_transparency_does_not_bleed():
    p = Image.new("P", (40, 40), 0)
    p.putpalette([255, 0, 0, 0, 0, 255])
    p.paste(1, (20, 0, 40, 40))
    out = pixels(load(encode(p, "GIF", transparency=0), max_pixels=25))
    visible = out[out[:, :, 3] > 0]
    assert len(visible) > 0 and visible[:, 0].max() == 0


# --- formats -----------------------------------------------------------------------------

COLOR = (200, 120, 40)


@pytest.mark.parametrize(
    ("fmt", "params", "tolerance"),
    [
        ("PNG", {}, 0),
        ("JPEG", {"quality": 95}, 4),
        ("GIF", {}, 0),
        ("BMP", {}, 0),
        ("TIFF", {}, 0),
        ("TIFF", {"compression": "tiff_lzw"}, 0),
        ("WEBP", {"lossless": True}, 0),
        ("WEBP", {"quality": 90}, 6),
        ("TGA", {}, 0),
        ("PPM", {}, 0),
        ("ICO", {}, 0),
        ("JPEG2000", {}, 2),
        ("QOI", {}, 0),
        ("PCX", {}, 0),
        ("SGI", {}, 0),
        ("DDS", {}, 0),
        ("AVIF", {"quality": 90}, 8),
    ],
)
def test_every_format_pillow_writes(fmt, params, tolerance):
    if fmt not in Image.SAVE:
        pytest.skip(f"this Pillow cannot write {fmt}")
    try:
        data = encode(solid("RGB", (32, 32), COLOR), fmt, **params)
    except (OSError, KeyError) as exc:  # a codec not built into this Pillow
        pytest.skip(f"{fmt}: {exc}")
    loaded = load(data)
    array = pixels(loaded)
    assert array.shape[:2] == (32, 32)
    assert np.abs(array[..., :3].astype(int) - COLOR).max() <= tolerance
    assert loaded.format is not None


def _frames(fmt: str, **params: object) -> bytes:
    frames = [solid("RGB", (16, 16), c) for c in (RED, GREEN, BLUE)]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], **params)


@pytest.mark.parametrize(
    ("fmt", "params"),
    [
        ("GIF", {"duration": 50}),
        ("PNG", {"duration": 50}),
        ("WEBP", {"lossless": True}),
        ("TIFF", {}),
    ],
)
def test_animations_and_multipage_files_give_their_first_frame(fmt, params):
    data = _frames(fmt, **params)
    with Image.open(io.BytesIO(data)) as check:
        assert getattr(check, "n_frames", 1) == 3  # really a 3-frame file
    assert pixels(load(data))[..., :3].reshape(-1, 3).tolist() == [list(RED)] * 256


def test_thousands_of_frames_read_only_frame_zero(monkeypatch):
    from PIL import GifImagePlugin

    data = gif_with_frames(20_000)
    frames_decoded: list[int] = []
    original = GifImagePlugin.GifImageFile._seek

    def spy(self, frame, update_image=True):  # type: ignore[no-untyped-def]
        frames_decoded.append(frame)
        return original(self, frame, update_image)

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "_seek", spy)
    loaded = call_with_guard(lambda: load(data))
    assert pixels(loaded)[..., :3].reshape(-1, 3).tolist() == [list(RED)]
    assert frames_decoded == [0]


# --- modes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (solid("1", (4, 4), 1), (255, 255, 255, 255)),
        (solid("L", (4, 4), 77), (77, 77, 77, 255)),
        (solid("LA", (4, 4), (77, 255)), (77, 77, 77, 255)),
        (solid("La", (4, 4), (77, 255)), (77, 77, 77, 255)),
        (solid("RGB", (4, 4), COLOR), (*COLOR, 255)),
        (solid("RGBA", (4, 4), (*COLOR, 255)), (*COLOR, 255)),
        (solid("RGBX", (4, 4), (*COLOR, 0)), (*COLOR, 255)),
        (solid("RGBa", (4, 4), (*COLOR, 255)), (*COLOR, 255)),
        (solid("CMYK", (4, 4), (0, 255, 255, 0)), (255, 0, 0, 255)),
        (solid("RGB", (4, 4), COLOR).convert("YCbCr"), (*COLOR, 255)),
        (solid("RGB", (4, 4), COLOR).convert("HSV"), (*COLOR, 255)),
        (solid("RGB", (4, 4), COLOR).convert("LAB"), (*COLOR, 255)),
        (solid("RGB", (4, 4), COLOR).quantize(4), (*COLOR, 255)),
        (solid("RGBA", (4, 4), (*COLOR, 255)).convert("PA"), (*COLOR, 255)),
    ],
    ids=lambda v: v.mode if isinstance(v, Image.Image) else None,
)
def test_every_mode_of_an_in_memory_image(image, expected):
    array = pixels(load(image))
    alpha = array[..., 3] if array.shape[2] == 4 else np.full(array.shape[:2], 255)
    rgba = np.dstack([array[..., :3], alpha]).astype(int)
    assert np.abs(rgba - expected).max() <= 6, rgba[0, 0]


@pytest.mark.parametrize(
    ("mode", "color", "fmt"),
    [
        ("L", 77, "PNG"),
        ("LA", (77, 200), "PNG"),
        ("P", None, "PNG"),
        ("1", 1, "PNG"),
        ("CMYK", (0, 255, 255, 0), "TIFF"),
        ("LAB", None, "TIFF"),
        ("RGBA", (*COLOR, 99), "TIFF"),
        ("I;16", 60000, "TIFF"),
        ("F", 0.25, "TIFF"),
        ("RGB", COLOR, "PNG"),
    ],
)
def test_modes_through_files(mode, color, fmt):
    if mode == "P":
        image = solid("RGB", (8, 8), COLOR).quantize(4)
    elif mode == "LAB":
        image = solid("RGB", (8, 8), COLOR).convert("LAB")
    else:
        image = solid(mode, (8, 8), color)
    with Image.open(io.BytesIO(encode(image, fmt))) as stored:
        assert stored.mode == mode  # the file really is in that mode
    array = pixels(load(encode(image, fmt))).astype(int)
    expected = {
        "L": (77,) * 3,
        "LA": (77,) * 3,
        "P": COLOR,
        "1": (255,) * 3,
        "CMYK": RED,
        "LAB": COLOR,
        "RGBA": COLOR,
        "I;16": (233,) * 3,
        "F": (64,) * 3,
        "RGB": COLOR,
    }[mode]
    assert np.abs(array[..., :3] - expected).max() <= 3
    if mode in ("LA", "RGBA"):
        assert array.shape[2] == 4 and array[0, 0, 3] == color[-1]


def _palette_image() -> Image.Image:
    p = Image.new("P", (4, 1), 0)
    p.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255])
    for x, index in enumerate((0, 1, 2, 2)):
        p.putpixel((x, 0), index)
    return p


@pytest.mark.parametrize(
    ("fmt", "params", "alphas"),
    [
        ("PNG", {"transparency": 0}, [0, 255, 255, 255]),
        ("PNG", {"transparency": bytes([0, 128, 255])}, [0, 128, 255, 255]),
        ("GIF", {"transparency": 1}, [255, 0, 255, 255]),
        ("PNG", {}, None),
    ],
)
def test_palette_images_with_and_without_transparency(fmt, params, alphas):
    array = pixels(load(encode(_palette_image(), fmt, **params)))
    assert array[0, :, :3].tolist() == [list(RED), list(GREEN), list(BLUE), list(BLUE)]
    if alphas is None:
        assert array.shape[2] == 3
    else:
        assert array[0, :, 3].tolist() == alphas


@pytest.mark.parametrize(("mode", "key", "color"), [("L", 5, 5), ("RGB", (1, 2, 3), (1, 2, 3))])
def test_single_color_transparency_trns(mode, key, color):
    image = solid(mode, (2, 1), color)
    image.putpixel((1, 0), 200 if mode == "L" else (200, 200, 200))
    array = pixels(load(encode(image, "PNG", transparency=key)))
    assert array[0, :, 3].tolist() == [0, 255]
    assert array[0, 1, :3].tolist() == [200, 200, 200]


# --- high bit depths ---------------------------------------------------------------------


def test_16_bit_gray_png_is_scaled_not_clipped():
    values = np.array([[0, 257, 1000, 32768, 65535]], np.uint16)
    data = png_bytes(values)
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.mode.startswith("I")
    array = pixels(load(data))
    assert array[0, :, 0].tolist() == [0, 1, 4, 128, 255]
    assert (array[..., 0] == array[..., 1]).all() and (array[..., 1] == array[..., 2]).all()


@pytest.mark.parametrize("dtype", ["<u2", ">u2"])
def test_16_bit_pil_images_little_and_big_endian(dtype):
    values = np.array([[0, 1000, 65535]], dtype=dtype)
    image = Image.fromarray(values)
    assert image.mode in ("I;16", "I;16B")
    assert pixels(load(image))[0, :, 0].tolist() == [0, 4, 255]


def test_mode_i_from_16_bit_pgm():
    data = b"P5 3 1 65535\n" + np.array([0, 1000, 65535], ">u2").tobytes()
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.mode in ("I", "I;16", "I;16B")
    assert pixels(load(data))[0, :, 0].tolist() == [0, 4, 255]


def test_mode_i_outside_16_bits_is_stretched():
    image = Image.fromarray(np.array([[-100_000, 0, 100_000]], np.int32))
    assert image.mode == "I"
    assert pixels(load(image))[0, :, 0].tolist() == [0, 128, 255]


@pytest.mark.parametrize(
    ("channels", "expected"),
    [(3, [[255, 0, 128], [1, 1, 1]]), (4, [[255, 0, 128, 255], [1, 1, 1, 0]])],
)
def test_48_and_64_bit_png(channels, expected):
    values = np.array([[[65535, 0, 32768, 65535], [256, 257, 258, 0]]], np.uint16)[..., :channels]
    array = pixels(load(png_bytes(values)))
    assert array[0].tolist() == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.0, 0.5, 1.0], [0, 128, 255]),
        ([0.0, 100.0, 255.0], [0, 100, 255]),
        ([-5.0, 0.0, 5.0], [0, 128, 255]),
    ],
)
def test_float_tiff(values, expected):
    image = Image.fromarray(np.array([values], np.float32))
    assert image.mode == "F"
    data = encode(image, "TIFF")
    assert pixels(load(data))[0, :, 0].tolist() == expected


# A PIL image and its numpy array are read alike: same colors where
# both are accepted, refused alike where the array is refused.


@pytest.mark.parametrize("value", [0, 100, 255])
def test_mode_i_and_int32_array_agree(value):
    array = np.full((4, 4), value, np.int32)
    image = Image.fromarray(array)
    assert image.mode == "I"
    assert pixels(load(image)).tolist() == pixels(load(array)).tolist()
    assert pixels(load(image))[0, 0].tolist() == [value] * 3
    assert pixels(load(encode(image, "TIFF")))[0, 0].tolist() == [value] * 3


@pytest.mark.parametrize("values", [[np.nan] * 4, [np.nan, 0.5, 1.0, 0.0], [np.inf, 0.5, 0.5, 0.5]])
def test_float_image_with_nan_is_refused_like_a_float_array(values):
    array = np.array([values], np.float32)
    raises(OptionsError, array)
    image = Image.fromarray(array)
    assert image.mode == "F"
    for source in (image, encode(image, "TIFF")):
        error = raises(UnsupportedImageError, source)
        assert "NaN or infinity" in str(error)


@pytest.mark.parametrize("values", [[0.0, 0.25, 1.0], [0.1, 0.2, 0.3]])
def test_float_image_and_float_array_agree(values):
    array = np.array([values], np.float32)
    assert pixels(load(Image.fromarray(array))).tolist() == pixels(load(array)).tolist()


# --- CMYK -------------------------------------------------------------------------------


def test_cmyk_jpeg_with_adobe_inverted_data():
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))
    cmyk.paste((255, 0, 255, 0), (8, 0, 16, 16))
    data = encode(cmyk, "JPEG", quality=95)
    assert b"Adobe" in data  # Pillow writes the APP14 marker and inverted samples
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.mode == "CMYK" and stored.info.get("adobe") is not None
    array = pixels(load(data)).astype(int)
    assert np.abs(array[8, 2] - RED).max() <= 8
    assert np.abs(array[8, 13] - GREEN).max() <= 8


# --- ICC --------------------------------------------------------------------------------


def test_display_p3_profile_is_converted_to_srgb():
    p3 = rgb_icc_profile(DISPLAY_P3_PRIMARIES_XY)
    colors = np.array([[200, 100, 50], [30, 160, 90], [128, 128, 128], [250, 40, 200]], np.uint8)
    image = Image.fromarray(colors[None, :, :])
    for fmt in ("PNG", "TIFF", "WEBP"):
        params = {"lossless": True} if fmt == "WEBP" else {}
        loaded = load(encode(image, fmt, icc_profile=p3, **params))
        assert loaded.icc == "converted"
        got = pixels(loaded)[0].astype(float)
        assert np.abs(got - expected_srgb(colors, DISPLAY_P3_PRIMARIES_XY)).max() <= 2.0
        assert np.abs(got[0] - colors[0]).max() >= 10  # P3 really differs from sRGB here


def test_profile_that_swaps_red_and_green_is_applied():
    swapped = rgb_icc_profile((SRGB_PRIMARIES_XY[1], SRGB_PRIMARIES_XY[0], SRGB_PRIMARIES_XY[2]))
    rgba = np.array([[[200, 60, 30, 255], [10, 220, 40, 100]]], np.uint8)
    loaded = load(encode(Image.fromarray(rgba), "PNG", icc_profile=swapped))
    assert loaded.icc == "converted"
    array = pixels(loaded).astype(int)
    assert np.abs(array[0, :, :3] - [[60, 200, 30], [220, 10, 40]]).max() <= 1
    assert array[0, :, 3].tolist() == [255, 100]  # alpha kept


@pytest.mark.parametrize(
    "profile",
    [
        ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        rgb_icc_profile(SRGB_PRIMARIES_XY, description="hand-built sRGB"),
    ],
    ids=["lcms-srgb", "hand-built-srgb"],
)
def test_srgb_profile_leaves_colors_alone(profile):
    colors = np.random.default_rng(3).integers(0, 256, (8, 8, 4), dtype=np.uint8)
    for _ in range(2):  # the second time the verdict comes from the cache
        loaded = load(encode(Image.fromarray(colors), "PNG", icc_profile=profile))
        assert loaded.icc == "srgb"
        assert (pixels(loaded) == colors).all()
    # A different profile right after is still converted.
    p3 = rgb_icc_profile(DISPLAY_P3_PRIMARIES_XY)
    assert load(encode(Image.fromarray(colors), "PNG", icc_profile=p3)).icc == "converted"


def test_gray_profile_on_gray_image():
    linear_gray = gray_icc_profile(1.0)
    loaded = load(encode(solid("L", (4, 4), 128), "PNG", icc_profile=linear_gray))
    assert loaded.icc == "converted"
    expected = srgb_encode(np.array(128 / 255)) * 255
    assert np.abs(pixels(loaded).astype(float) - expected).max() <= 1.5


def test_palette_image_with_rgb_profile():
    swapped = rgb_icc_profile((SRGB_PRIMARIES_XY[1], SRGB_PRIMARIES_XY[0], SRGB_PRIMARIES_XY[2]))
    data = encode(_palette_image(), "PNG", icc_profile=swapped)
    loaded = load(data)
    assert loaded.icc == "converted"
    assert pixels(loaded)[0, :2, :3].tolist() == [[0, 255, 0], [255, 0, 0]]


@pytest.mark.parametrize(
    "profile",
    [b"not a profile at all", rgb_icc_profile()[:200], gray_icc_profile(2.2)],
    ids=["garbage", "truncated", "gray-profile-on-rgb"],
)
def test_unusable_profile_is_ignored_not_fatal(profile):
    loaded = load(encode(solid("RGB", (4, 4), COLOR), "PNG", icc_profile=profile))
    assert loaded.icc == "ignored"
    assert pixels(loaded)[0, 0].tolist() == list(COLOR)


# --- EXIF orientation --------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_exif_orientation_is_applied(orientation, fmt):
    upright = quadrants(40, 24)
    params = {"quality": 95} if fmt == "JPEG" else {"lossless": True} if fmt == "WEBP" else {}
    data = with_orientation(upright, orientation, fmt, **params)
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.getexif().get(0x0112) == orientation
    loaded = load(data)
    assert loaded.original_size == (40, 24)
    array = pixels(loaded).astype(int)
    assert array.shape[:2] == (24, 40)
    for y, x in [(5, 5), (5, 34), (18, 5), (18, 34)]:
        assert np.abs(array[y, x, :3] - upright[y, x]).max() <= 10, (y, x)


def test_exif_orientation_with_reduction():
    upright = quadrants(400, 240)
    data = with_orientation(upright, 6, "JPEG", quality=95)
    loaded = load(data, max_pixels=2400)
    assert loaded.image.size == working_size((400, 240), 2400)
    array = pixels(loaded).astype(int)
    assert np.abs(array[2, 2] - RED).max() <= 12
    assert np.abs(array[-3, -3] - (255, 255, 0)).max() <= 12


def test_corrupt_exif_is_ignored():
    data = encode(solid("RGB", (4, 4), COLOR), "JPEG", exif=b"Exif\0\0garbage-not-tiff", quality=95)
    assert np.abs(pixels(load(data)).astype(int) - COLOR).max() <= 4


# --- numpy arrays -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.full((3, 2, 3), 200, np.uint8), [200, 200, 200]),
        (np.full((3, 2, 3), 65535, np.uint16), [255, 255, 255]),
        (np.full((3, 2, 3), 32896, np.uint16).astype(">u2"), [128, 128, 128]),
        (np.full((3, 2, 3), 0.5, np.float64), [128, 128, 128]),
        (np.full((3, 2, 3), 0.5, np.float32), [128, 128, 128]),
        (np.full((3, 2, 3), 1.0000001, np.float32), [255, 255, 255]),
        (np.ones((3, 2, 3), bool), [255, 255, 255]),
        (np.full((3, 2), 77, np.uint8), [77, 77, 77]),
        (np.full((3, 2, 1), 77, np.uint8), [77, 77, 77]),
        (np.full((3, 2, 3), 200, np.int64), [200, 200, 200]),
        (np.asfortranarray(np.full((3, 2, 3), 9, np.uint8)), [9, 9, 9]),
        (np.full((2, 3, 3), 9, np.uint8).transpose(1, 0, 2), [9, 9, 9]),
    ],
    ids=[
        "uint8",
        "uint16",
        "uint16-big-endian",
        "float64",
        "float32",
        "float-rounding",
        "bool",
        "2d-gray",
        "1-channel",
        "int64",
        "fortran",
        "transposed-view",
    ],
)
def test_numpy_arrays(array, expected):
    out = pixels(load(array))
    assert out.shape == (3, 2, 3)
    assert (out == expected).all()


@pytest.mark.parametrize("channels", [2, 4])
def test_numpy_arrays_with_alpha(channels):
    array = np.zeros((2, 2, channels), np.uint8)
    array[..., :-1] = 90
    array[..., -1] = [[0, 255], [128, 255]]
    out = pixels(load(array))
    assert out.shape == (2, 2, 4)
    assert out[..., 3].tolist() == [[0, 255], [128, 255]]
    assert (out[out[..., 3] == 255][:, :3] == 90).all()


@pytest.mark.parametrize(
    ("array", "error"),
    [
        (np.zeros((2, 2, 5), np.uint8), OptionsError),
        (np.zeros((2, 2, 3, 1), np.uint8), OptionsError),
        (np.zeros(5, np.uint8), OptionsError),
        (np.zeros((2, 2, 3), np.complex64), OptionsError),
        (np.zeros((2, 2, 3), object), OptionsError),
        (np.full((2, 2, 3), 1.5), OptionsError),
        (np.full((2, 2, 3), -0.5), OptionsError),
        (np.full((2, 2, 3), np.nan), OptionsError),
        (np.full((2, 2, 3), np.inf, np.float32), OptionsError),
        (np.full((2, 2, 3), 300, np.int32), OptionsError),
        (np.full((2, 2, 3), -1, np.int8), OptionsError),
        (np.zeros((0, 4, 3), np.uint8), EmptyImageError),
        (np.zeros((4, 0), np.uint8), EmptyImageError),
    ],
)
def test_bad_arrays(array, error):
    raises(error, array)


def test_huge_array_refused_before_conversion():
    array = np.broadcast_to(np.float64(0.5), (20_000, 20_000, 3))  # no memory behind it
    error = raises(ImageTooLargeError, array, max_image_pixels=1_000_000)
    assert "max_image_pixels" in str(error)


# --- PIL images: used, never changed ----------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L", "CMYK", "I;16"])
def test_callers_pil_image_is_never_modified(mode):
    rng = np.random.default_rng(5)
    base = Image.fromarray(rng.integers(0, 256, (30, 50, 3), dtype=np.uint8))
    image = (
        base.convert(mode)
        if mode != "I;16"
        else Image.fromarray(rng.integers(0, 65536, (30, 50), dtype=np.uint16))
    )
    exif = Image.Exif()
    exif[0x0112] = 6
    image.info["exif"] = exif.tobytes()
    image.info["icc_profile"] = rgb_icc_profile()
    before = (image.mode, image.size, np.array(image).copy(), dict(image.info))
    loaded = load(image, max_pixels=100)
    assert loaded.image is not image
    assert (image.mode, image.size) == before[:2]
    assert (np.array(image) == before[2]).all()
    assert image.info == before[3]
    loaded.image.paste((1, 2, 3), (0, 0, 3, 3))  # the result is the caller's to change
    assert (np.array(image) == before[2]).all()


def test_unchanged_pil_image_is_still_copied():
    image = solid("RGB", (3, 3), COLOR)
    loaded = load(image)
    assert loaded.image is not image
    loaded.image.putpixel((0, 0), (0, 0, 0))
    assert image.getpixel((0, 0)) == COLOR


def test_lazy_pil_image_opened_by_the_caller():
    data = encode(Image.fromarray(quadrants(200, 100)), "JPEG", quality=95)
    with Image.open(io.BytesIO(data)) as image:
        loaded = load(image, max_pixels=500)
        assert loaded.format == "JPEG"
        assert image.size == (200, 100)  # not drafted in the caller's hands
    assert loaded.image.size == working_size((200, 100), 500)


def test_closed_pil_image():
    image = Image.open(io.BytesIO(encode(solid("RGB", (3, 3), COLOR), "PNG")))
    image.close()
    raises(ImageLoadError, image)


# --- paths, bytes, file objects ----------------------------------------------------------


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    path = tmp_path / "color.png"
    path.write_bytes(encode(solid("RGB", (6, 4), COLOR), "PNG"))
    return path


def test_path_str_bytes_and_file_objects_give_the_same_image(png_file):
    data = png_file.read_bytes()
    sources = [png_file, str(png_file), data, bytearray(data), memoryview(data), io.BytesIO(data)]
    with open(png_file, "rb") as handle:
        sources.append(handle)
        for source in sources:
            loaded = load(source)
            assert loaded.format == "PNG" and loaded.original_size == (6, 4)
            assert (pixels(loaded) == COLOR).all()


def test_file_object_with_short_reads(png_file):
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            chunk, self.data = self.data[:7], self.data[7:]
            return chunk

    assert (pixels(load(Trickle(png_file.read_bytes()))) == COLOR).all()


def test_path_files_are_closed(png_file):
    # filterwarnings=error makes an unclosed file (ResourceWarning) fail the suite;
    # here a file descriptor count makes it explicit.
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.exists():
        pytest.skip("no /proc/self/fd")
    before = len(list(fd_dir.iterdir()))
    for _ in range(20):
        load(png_file)
        with pytest.raises(ImageLoadError):
            load(png_file.with_name("missing.png"))
    assert len(list(fd_dir.iterdir())) <= before


# --- bad input ---------------------------------------------------------------------------


def test_missing_file(tmp_path):
    error = raises(ImageNotFoundError, tmp_path / "nope.png")
    assert isinstance(error, FileNotFoundError)
    raises(ImageNotFoundError, str(tmp_path / "no-dir" / "nope.png"))
    raises(ImageNotFoundError, str(tmp_path / "a.png" / "b.png"))


def test_directory(tmp_path):
    assert "directory" in str(raises(ImageNotFoundError, tmp_path))


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    assert "empty" in str(raises(UnsupportedImageError, empty))
    raises(UnsupportedImageError, b"")
    raises(UnsupportedImageError, io.BytesIO(b""))


@pytest.mark.parametrize(
    "content",
    [
        b"hello, this is text\n" * 50,
        random_bytes(5000),
        b"\x89PNG\r\n\x1a\n",
        b"GIF89a",
        b"\xff\xd8",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"%PDF-1.4\n%%EOF\n",
    ],
    ids=[
        "text",
        "random",
        "png-signature-only",
        "gif-signature-only",
        "jpeg-soi-only",
        "svg",
        "pdf",
    ],
)
def test_not_an_image(tmp_path, content):
    path = tmp_path / "file.png"
    path.write_bytes(content)
    error = raises(ImageLoadError, path)
    assert type(error) in (UnsupportedImageError, ImageLoadError)
    raises(ImageLoadError, content)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "TIFF"])
def test_truncated_files(tmp_path, fmt):
    noise = np.random.default_rng(2).integers(0, 256, (200, 300, 3), dtype=np.uint8)
    data = encode(
        Image.fromarray(noise).convert("P") if fmt == "GIF" else Image.fromarray(noise), fmt
    )
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(truncated(data, 0.5))
    error = raises(ImageLoadError, path)
    assert not isinstance(error, ImageNotFoundError)
    raises(ImageLoadError, truncated(data, 0.5), max_pixels=1000)  # drafted JPEG too


def test_truncated_images_are_not_accepted_globally():
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_unreadable_file(tmp_path):
    if os.geteuid() != 0:
        path = tmp_path / "secret.png"
        path.write_bytes(encode(solid("RGB", (2, 2), COLOR), "PNG"))
        path.chmod(0)
        target: Path = path
    else:  # root reads any file by its mode bits; this one refuses even root
        target = Path("/proc/sys/vm/compact_memory")
        if not target.exists():
            pytest.skip("no file unreadable for root on this machine")
    assert "permission denied" in str(raises(ImageLoadError, target))


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert "not a regular file" in str(raises(UnsupportedImageError, fifo))


def test_odd_paths(tmp_path):
    raises(ImageLoadError, "x" * 5000 + ".png")  # name too long
    assert "null" in str(raises(ImageLoadError, "bad\0name.png"))
    error = raises(ImageNotFoundError, tmp_path / "new\nline.png")
    assert "\\n" in str(error)


def test_path_that_looks_like_a_url_but_exists(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("data:image.png").write_bytes(encode(solid("RGB", (2, 2), COLOR), "PNG"))
    assert (pixels(load("data:image.png")) == COLOR).all()


def test_decompression_bomb_from_header():
    data = png_claiming_size(100_000, 100_000)
    error = raises(ImageTooLargeError, data)
    assert not isinstance(error, Image.DecompressionBombError)
    error = raises(ImageTooLargeError, jpeg_claiming_size(60_000, 60_000))
    assert "decompression" in str(error)


def test_max_image_pixels_refuses_before_decoding():
    # The data after the header is broken: decoding would raise a different error.
    data = png_claiming_size(3000, 3000)
    with pytest.raises(ImageLoadError) as decoding:
        load(data)
    assert not isinstance(decoding.value, ImageTooLargeError)
    error = raises(ImageTooLargeError, data, max_image_pixels=3000 * 3000 - 1)
    assert "3000x3000" in str(error) and "max_image_pixels" in str(error)
    raises(ImageTooLargeError, np.zeros((10, 10, 3), np.uint8), max_image_pixels=99)
    raises(ImageTooLargeError, solid("RGB", (10, 10), COLOR), max_image_pixels=99)


def test_pillow_bomb_warning_does_not_leak():
    # 10000 x 10000 is over Pillow's warning threshold (89 Mpx), under its error
    # threshold; filterwarnings=error turns a leaked warning into a failure.
    assert 10_000 * 10_000 > Image.MAX_IMAGE_PIXELS
    raises(ImageTooLargeError, png_claiming_size(10_000, 10_000), max_image_pixels=50_000_000)


def _opened_both_ways(data: bytes):
    from palettekit.load import _open_image

    return _open_image(io.BytesIO(data)), Image.open(io.BytesIO(data))


@pytest.mark.parametrize(
    ("fmt", "params"),
    [("JPEG", {}), ("JPEG", {"progressive": True}), ("PNG", {}), ("GIF", {}), ("BMP", {})],
)
def test_open_image_gives_what_image_open_gives(fmt, params):
    # Issue 16: JPEGs and PNGs are opened by their own plugin (no other plugin
    # imported); the image must be the one Image.open gives.
    data = encode(Image.fromarray(quadrants()), fmt, **params)
    ours, theirs = _opened_both_ways(data)
    assert type(ours) is type(theirs)
    assert (ours.format, ours.mode, ours.size) == (theirs.format, theirs.mode, theirs.size)
    assert ours.info.keys() == theirs.info.keys()
    assert np.array_equal(np.asarray(ours), np.asarray(theirs))


def test_open_image_recognises_mpo_as_image_open_does():
    first, second = Image.fromarray(quadrants()), Image.new("RGB", (40, 24), COLOR)
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    ours, theirs = _opened_both_ways(buffer.getvalue())
    assert type(ours) is type(theirs) and ours.format == theirs.format == "MPO"
    assert ours.n_frames == theirs.n_frames == 2


@pytest.mark.parametrize(
    "data", [b"\xff\xd8\xff" + b"\x00" * 40, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"\xff\xd8\xff"]
)
def test_open_image_leaves_a_rejected_signature_to_image_open(data):
    from palettekit.load import _open_image

    with pytest.raises(Exception) as theirs:
        Image.open(io.BytesIO(data))
    with pytest.raises(type(theirs.value)) as ours:
        _open_image(io.BytesIO(data))
    assert str(ours.value).split(" file ")[0] == str(theirs.value).split(" file ")[0]


def test_open_image_applies_pillows_bomb_rule(monkeypatch):
    data = encode(Image.fromarray(quadrants()), "JPEG")  # 40 x 24 = 960 pixels
    from palettekit.load import _open_image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 600)
    for open_ in (_open_image, Image.open):
        with pytest.warns(Image.DecompressionBombWarning, match="960 pixels"):
            open_(io.BytesIO(data))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 400)
    for open_ in (_open_image, Image.open):
        with pytest.raises(Image.DecompressionBombError, match="limit of 800 pixels"):
            open_(io.BytesIO(data))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert _open_image(io.BytesIO(data)).size == (40, 24)


@pytest.mark.parametrize(("fmt", "plugin"), [("JPEG", "Jpeg"), ("PNG", "Png")])
def test_loading_a_jpeg_or_png_imports_only_its_plugin(tmp_path, fmt, plugin):
    path = tmp_path / f"image.{fmt.lower()}"
    path.write_bytes(encode(Image.fromarray(quadrants()), fmt))
    code = (
        "import sys\n"
        "from palettekit.load import load_image\n"
        "from palettekit.options import Options\n"
        f"load_image({str(path)!r}, Options())\n"
        "print(' '.join(sorted(m[4:] for m in sys.modules if m.endswith('ImagePlugin'))))\n"
    )
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [f"{plugin}ImagePlugin"]


def test_overlapping_loads_on_threads_leave_the_warning_filters_as_they_were(monkeypatch):
    # The order that broke a catch_warnings block: A starts, B starts, A ends,
    # B ends. B then restored the filters it had saved, A's "ignore" among
    # them, and Pillow's warnings stayed silenced in the whole process.
    import threading
    import warnings

    from palettekit import load as load_module

    before = list(warnings.filters)
    a_inside, b_inside, a_done = threading.Event(), threading.Event(), threading.Event()
    original = load_module.to_work_mode
    errors: list[BaseException] = []

    def paced(image, *rest):  # runs inside the silenced region of each load
        if threading.current_thread().name == "A":
            a_inside.set()
            assert b_inside.wait(10)
        else:
            b_inside.set()
            assert a_done.wait(10)
        return original(image, *rest)

    monkeypatch.setattr(load_module, "to_work_mode", paced)
    data = encode(Image.fromarray(quadrants(64, 48)), "PNG")

    def run(after: threading.Event | None, done: threading.Event | None) -> None:
        try:
            if after is not None:
                assert after.wait(10)
            load(data)
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)
        finally:
            if done is not None:
                done.set()

    a = threading.Thread(target=run, args=(None, a_done), name="A")
    b = threading.Thread(target=run, args=(a_inside, None), name="B")
    a.start()
    b.start()
    a.join(20)
    b.join(20)
    assert not errors
    assert not a.is_alive() and not b.is_alive()
    assert warnings.filters == before
    assert load_module._quiet_users == 0


@pytest.mark.parametrize(
    "stream",
    [io.StringIO("not bytes"), "raises", "returns-none", "returns-int"],
)
def test_bad_file_objects(stream):
    class Broken:
        name = "broken-stream"

        def __init__(self, behaviour: str) -> None:
            self.behaviour = behaviour

        def read(self, size: int = -1) -> object:
            if self.behaviour == "raises":
                raise RuntimeError("disk on fire\nsecond line")
            return None if self.behaviour == "returns-none" else 42

    source = stream if not isinstance(stream, str) else Broken(stream)
    error = raises(ImageLoadError, source)
    assert "\n" not in str(error)


def test_file_object_over_max_bytes():
    data = encode(solid("RGB", (64, 64), COLOR), "BMP")
    raises(ImageTooLargeError, io.BytesIO(data), max_bytes=len(data) - 1)
    assert (pixels(load(io.BytesIO(data), max_bytes=len(data))) == COLOR).all()


@pytest.mark.parametrize("kind", ["path", "pathlike", "bytes", "bytearray", "memoryview"])
def test_max_bytes_applies_to_files_and_bytes_too(tmp_path, kind):
    data = encode(solid("RGB", (64, 64), COLOR), "BMP")
    path = tmp_path / "solid.bmp"
    path.write_bytes(data)
    source = {
        "path": str(path),
        "pathlike": path,
        "bytes": data,
        "bytearray": bytearray(data),
        "memoryview": memoryview(data),
    }[kind]
    error = raises(ImageTooLargeError, source, max_bytes=len(data) - 1)
    assert f"{len(data)} bytes" in str(error) and "max_bytes" in str(error)
    assert (pixels(load(source, max_bytes=len(data))) == COLOR).all()


@pytest.mark.parametrize("source", [42, 3.5, None, ["a.png"], {"path": "a.png"}])
def test_unsupported_source_types(source):
    raises(OptionsError, source)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.invalid/a.png",
        "file:///etc/hostname",
        "data:image/png;base64,AAAA",
        "gopher://example.invalid/",
    ],
)
def test_non_http_urls_are_refused(url):
    from palettekit.errors import FetchError

    assert "only http and https" in str(raises(FetchError, url))


def test_fuzzed_files_raise_only_palettekit_errors():
    rng = np.random.default_rng(7)
    image = Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))
    seeds = [encode(image, fmt) for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "TGA")]
    seeds.append(gif_with_frames(3))
    seeds.append(png_bytes(np.full((4, 4), 40000, np.uint16)))
    outcomes = {"ok": 0, "error": 0}
    for case in range(300):
        data = bytearray(seeds[case % len(seeds)])
        for _ in range(int(rng.integers(1, 6))):
            position = int(rng.integers(0, len(data)))
            data[position] = int(rng.integers(0, 256))
        if case % 5 == 0:
            data = data[: int(rng.integers(1, len(data)))]
        try:
            loaded = load(bytes(data), max_image_pixels=4_000_000, max_pixels=10_000)
        except PaletteError as exc:
            assert "\n" not in str(exc)
            outcomes["error"] += 1
        else:
            assert loaded.image.mode in ("RGB", "RGBA")
            outcomes["ok"] += 1
    assert outcomes["ok"] > 0 and outcomes["error"] > 0


def test_source_label_is_one_short_line():
    assert source_label("photo.jpg") == "photo.jpg"
    assert source_label(Path("a/b.png")) == os.path.join("a", "b.png")
    assert source_label(b"abc") == "<3 bytes>"
    assert source_label(np.zeros((2, 3, 4), np.uint8)) == "<array 2x3x4 uint8>"
    assert source_label(solid("RGB", (2, 3), COLOR)) == "<PIL image RGB 2x3>"
    assert source_label(io.BytesIO()) == "<BytesIO>"
    assert source_label("http://user:secret@example.com/a.png") == "http://***@example.com/a.png"
    long = source_label("data:image/png;base64," + "A" * 100_000)
    assert len(long) <= 160 and long.startswith("data:image/png")
    assert "\n" not in source_label("a\nb.png")


# --- real photos (skipped where the shared corpus is absent) ------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.mark.skipif(not (CORPUS / "unsplash" / "3840x2560").is_dir(), reason="no shared corpus")
def test_a_real_photo_loads_at_working_size():
    path = sorted((CORPUS / "unsplash" / "3840x2560").glob("*.jpg"))[0]
    loaded = load(path)
    assert loaded.format == "JPEG"
    assert loaded.image.size == working_size(loaded.original_size, Options().max_pixels)
    assert pixels(loaded).std() > 5


def test_a_loaded_image_loads_again_unchanged(tmp_path):
    # The returned image is upright sRGB: it must not carry the source's
    # orientation tag, or loading it again would turn it a second time.
    from PIL import Image

    from palettekit import Options
    from palettekit.load import load_image

    image = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif.tobytes())
    first = load_image(path, Options())
    assert first.image.size == (20, 40)
    again = load_image(first.image, Options())
    assert again.image.size == (20, 40)


# --- the decode memory bound -------------------------------------------------


def test_decode_memory_bound_refuses_before_decoding():
    # The header claims 4000 x 4000 RGB: 64 MB once decoded, over a 10 MB bound.
    error = raises(ImageTooLargeError, png_claiming_size(4000, 4000), max_decode_bytes=10_000_000)
    assert "max_decode_bytes" in str(error) and "4000x4000" in str(error)


def test_decode_memory_bound_counts_bytes_per_sample():
    gray = encode(Image.new("L", (1000, 1000), 9), "PNG")  # 1 MB decoded
    floats = encode(Image.new("F", (1000, 1000), 0.5), "TIFF")  # 4 MB decoded
    assert load(gray, max_decode_bytes=2_000_000).original_size == (1000, 1000)
    raises(ImageTooLargeError, floats, max_decode_bytes=2_000_000)


def test_decode_memory_bound_judges_a_jpeg_at_its_draft_scale():
    data = encode(Image.new("RGB", (2000, 2000), COLOR), "JPEG")  # 16 MB at full scale
    loaded = load(data, max_pixels=10_000, max_decode_bytes=2_000_000)  # 1/8: 250 KB
    assert loaded.original_size == (2000, 2000)
    raises(ImageTooLargeError, data, max_pixels=4_000_000, max_decode_bytes=2_000_000)


def test_decode_memory_bound_does_not_refuse_a_callers_image_in_memory():
    image = Image.new("RGBA", (1000, 1000), (*COLOR, 255))  # already decoded: nothing to bound
    assert load(image, max_decode_bytes=1000).image.mode == "RGBA"


def test_wide_images_are_reduced_in_their_own_mode_before_conversion(monkeypatch):
    # The conversion out of "PA" (and "F", "I", "P" with alpha ...) sees the
    # reduced image only, never a full-size copy.
    seen: list[tuple[int, int]] = []
    original = Image.Image.convert

    def spy(self, *args, **kwargs):
        seen.append(self.size)
        return original(self, *args, **kwargs)

    image = Image.new("PA", (600, 400), (1, 255))
    image.putpalette(list(COLOR) * 256)
    data = encode(image, "TIFF")
    monkeypatch.setattr(Image.Image, "convert", spy)
    loaded = load(data, max_pixels=2400)
    assert loaded.image.size == (60, 40)
    assert seen and max(w * h for w, h in seen) <= 2400


# --- metadata floods ---------------------------------------------------------


def _com_flood(markers: int) -> bytes:
    jpeg = encode(Image.new("RGB", (16, 16), COLOR), "JPEG")
    return jpeg[:2] + b"\xff\xfe\x00\x02" * markers + jpeg[2:]


def _chunk_flood(chunks: int) -> bytes:
    import zlib

    png = encode(Image.new("RGB", (16, 16), COLOR), "PNG")
    chunk = (0).to_bytes(4, "big") + b"tEXt" + zlib.crc32(b"tEXt").to_bytes(4, "big")
    return png[:33] + chunk * chunks + png[33:]


@pytest.mark.parametrize("flood", [_com_flood, _chunk_flood])
def test_metadata_flood_is_refused_before_pillow_parses_it(flood, monkeypatch):
    from palettekit.load import MAX_HEADER_SEGMENTS

    first = pixels(load(flood(100)))[0, 0, :3].astype(int)  # a hundred: fine
    assert np.abs(first - np.array(COLOR)).max() <= 3
    opened: list[object] = []
    original = Image.open
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a) or original(*a, **k))
    error = raises(ImageLoadError, flood(MAX_HEADER_SEGMENTS + 1))
    assert "before the image data" in str(error)
    assert opened == []  # refused by counting lengths, without Pillow


def test_metadata_flood_of_the_issue_is_refused(tmp_path):
    path = tmp_path / "com.jpg"
    path.write_bytes(_com_flood(19 * 2**20 // 4))
    raises(ImageLoadError, str(path))


def test_metadata_flood_is_refused_on_the_frames_path_too():
    import palettekit
    from palettekit.load import MAX_HEADER_SEGMENTS

    with pytest.raises(ImageLoadError, match="before the image data"):
        palettekit.extract(_chunk_flood(MAX_HEADER_SEGMENTS + 1), frames="all")


def test_a_callers_jpeg_gives_nearly_the_pixels_of_its_path(tmp_path):
    # issue 18 §2: a path is decoded at reduced DCT scale (block averages); a
    # caller's PIL image of the same file is box-averaged by the same factor,
    # not sampled from single noisy pixels at full resolution
    rng = np.random.default_rng(7)
    ramp = np.linspace(40, 200, 1600)[None, :, None] * np.ones((1200, 1, 3))
    noisy = np.clip(ramp + rng.normal(0, 40, (1200, 1600, 3)), 0, 255).astype(np.uint8)
    path = tmp_path / "noisy.jpg"
    Image.fromarray(noisy).save(path, quality=95)
    options = Options()
    from_path = load_image(path, options).to_array().astype(np.float64)
    with Image.open(path) as opened:
        from_image = load_image(opened, options).to_array().astype(np.float64)
        assert opened.size == (1600, 1200)  # the caller's image is not drafted
        size = (from_path.shape[1], from_path.shape[0])
        sampled = np.asarray(opened.resize(size, Image.Resampling.NEAREST), dtype=np.float64)
    assert from_path.shape == from_image.shape
    # a third of the difference single sampled pixels make (19.5 -> 6.5 here)
    assert np.abs(from_path - from_image).mean() < np.abs(from_path - sampled).mean() / 2


def test_counting_averages_blocks_of_an_image_twice_the_working_size():
    # issue 18 §2: pixels of a large image are averaged by an integer factor
    # (as a JPEG's reduced DCT decode is) before sampling, so its noise
    # shrinks as a smaller copy's has
    rng = np.random.default_rng(3)
    noisy = np.clip(128 + rng.normal(0, 12, (1000, 1000, 3)), 0, 255).astype(np.uint8)
    loaded = load_image(noisy, Options(max_pixels=62_500)).to_array().astype(np.float64)
    assert loaded.shape == (250, 250, 3)
    # 4x4 blocks: a quarter of the noise (the few pixels farther than the
    # edge threshold from their block's mean keep the sample); sampled: 12
    assert loaded.std() < 12 / 2
    assert abs(loaded.mean() - noisy.mean()) < 1


def test_a_large_image_and_its_half_size_copy_give_nearly_the_same_pixels():
    rng = np.random.default_rng(6)
    ramp = np.linspace(30, 220, 1200)[None, :, None] * np.ones((1200, 1, 3))
    noisy = np.clip(ramp + rng.normal(0, 30, (1200, 1200, 3)), 0, 255).astype(np.uint8)
    half = np.asarray(Image.fromarray(noisy).reduce(2))
    options = Options(max_pixels=90_000)
    big = load_image(noisy, options).to_array().astype(np.float64)
    small = load_image(half, options).to_array().astype(np.float64)
    assert big.shape == small.shape == (300, 300, 3)
    assert np.abs(big - small).mean() < 1


def test_counting_samples_an_image_under_twice_the_working_size():
    # a 1.7x image: sampling keeps most pixels, and no average blurs them
    fine = np.full((500, 500, 3), 100, dtype=np.uint8)
    fine[(np.arange(500)[:, None] + np.arange(500)[None, :]) % 2 == 1] = 120
    loaded = load_image(fine, Options(max_pixels=150_000)).to_array()
    assert loaded.shape[0] * loaded.shape[1] <= 150_000
    assert set(np.unique(loaded).tolist()) == {100, 120}
    averaged = load_image(fine, Options(max_pixels=50_000)).to_array()  # 2x2 blocks
    assert set(np.unique(averaged).tolist()) == {110}


def test_counting_keeps_fine_patterns_in_the_images_own_colors():
    # averaging 1 px stripes of black and white (or red) would make a grey
    # (or a dark red) that is not in the image: such pixels keep the sample
    lines = np.full((1000, 1000, 3), 255, dtype=np.uint8)
    lines[:, 500:] = (200, 30, 40)
    lines[::2] = (0, 0, 0)
    loaded = load_image(lines, Options(max_pixels=62_500)).to_array()
    colors = {tuple(int(v) for v in c) for c in np.unique(loaded.reshape(-1, 3), axis=0)}
    assert colors <= {(0, 0, 0), (255, 255, 255), (200, 30, 40)}  # an average: (128, 128, 128)


def test_counting_samples_images_with_alpha_without_blending():
    rng = np.random.default_rng(5)
    rgba = rng.integers(0, 256, (800, 800, 4), dtype=np.uint8)
    loaded = load_image(rgba, Options(max_pixels=40_000)).to_array()
    assert loaded.shape == (200, 200, 4)
    source = {tuple(c) for c in rgba.reshape(-1, 4).tolist()}
    assert all(tuple(c) in source for c in loaded.reshape(-1, 4)[:500].tolist())


def test_a_crop_of_a_large_image_is_averaged_within_its_own_box():
    from palettekit.selection import select_image

    rng = np.random.default_rng(0)
    image = np.clip(128 + rng.normal(0, 12, (2000, 2000, 3)), 0, 255).astype(np.uint8)
    image[:, :1000] = 30  # outside the crop: must not bleed into its blocks
    for crop in ((0.5, 0.0, 1.0, 1.0), (1000, 0, 2000, 2000)):
        view = select_image(image, Options(crop=crop, max_pixels=62_500)).views[0]
        pixels = view.array.astype(np.float64)
        assert pixels.shape == (353, 176, 3)
        assert pixels.std() < 12 / 2  # blocks averaged (sampled: 12)
        assert abs(pixels.mean() - 128) < 1
