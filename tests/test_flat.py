"""Flat graphics: recognition, flat colors, and what extract() does with them."""

from __future__ import annotations

import warnings
from dataclasses import FrozenInstanceError, replace

import numpy as np
import pytest
from PIL import Image, ImageDraw

import palettekit
from palettekit.flat import DEFAULT_FLAT_PARAMS, detect_flat_graphic, snap_histogram
from palettekit.histogram import color_histogram

WHITE, RED, BLUE, GOLD = (255, 255, 255), (200, 16, 46), (1, 33, 105), (253, 195, 1)


def hexes(colors: np.ndarray) -> set[str]:
    return {"#{:02x}{:02x}{:02x}".format(*map(int, c)) for c in colors}


def drawn(
    size: tuple[int, int] = (480, 360), scale: int = 4
) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    big = Image.new("RGB", (size[0] * scale, size[1] * scale), WHITE)
    return big, ImageDraw.Draw(big)


def anti_aliased(big: Image.Image, size: tuple[int, int] = (480, 360)) -> np.ndarray:
    return np.asarray(big.resize(size, Image.Resampling.BOX))


def flag_with_star(star_share: float = 0.01) -> np.ndarray:
    """Red and blue bands on white, anti-aliased, with a gold disc of ``star_share``."""
    big, draw = drawn()
    draw.rectangle((0, 0, 1919, 477), fill=RED)  # fractional edge at 119.25 px
    draw.rectangle((0, 961, 1919, 1439), fill=BLUE)
    radius = np.sqrt(star_share * 1920 * 1440 / np.pi)
    draw.ellipse((1400 - radius, 700 - radius, 1400 + radius, 700 + radius), fill=GOLD)
    return anti_aliased(big)


def test_flat_graphic_colors_are_its_drawn_colors() -> None:
    flat = detect_flat_graphic(flag_with_star())
    assert flat is not None
    assert hexes(flat.colors) == hexes(np.array([WHITE, RED, BLUE, GOLD]))
    assert flat.detail_share <= 0.01
    # Most pixels first.
    assert (np.diff(flat.counts) <= 0).all()


def test_a_row_of_identical_edge_pixels_is_not_a_color() -> None:
    # Horizontal edges at the same fractional offset give long rows of one
    # mix of red and white, well over area_share of the pixels.
    big, draw = drawn()
    for top in range(2, 1440, 160):
        draw.rectangle((0, top, 1919, top + 79), fill=RED)
    image = anti_aliased(big)
    rows = image.reshape(-1, 3)
    mix = (rows != WHITE).any(axis=1) & (rows != RED).any(axis=1)
    assert mix.mean() > 3 * DEFAULT_FLAT_PARAMS.area_share
    flat = detect_flat_graphic(image)
    assert flat is not None and hexes(flat.colors) == hexes(np.array([WHITE, RED]))


def test_one_level_variants_are_one_color() -> None:
    image = flag_with_star().copy()
    # A block of the red band one level off, as renderers and encoders leave it.
    image[10:60, 100:300, 1] += 1
    flat = detect_flat_graphic(image)
    assert flat is not None and len(flat) == 4


def test_photos_and_noise_are_not_flat() -> None:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)
    assert detect_flat_graphic(noise, rgb=noise.reshape(-1, 3)) is None
    ramp = np.linspace(0, 255, 300)[None, :, None] * np.ones((200, 1, 3))
    smooth = np.clip(ramp + rng.normal(0, 2, ramp.shape), 0, 255).astype(np.uint8)
    assert detect_flat_graphic(smooth) is None
    macaws = np.asarray(Image.open("examples/macaws.png").convert("RGB"))
    assert detect_flat_graphic(macaws) is None


def test_a_photo_on_a_white_page_is_not_flat() -> None:
    # 90 % exact white, the rest a noisy "product": not explained by white.
    rng = np.random.default_rng(1)
    image = np.full((300, 400, 3), 255, dtype=np.uint8)
    image[100:170, 150:260] = rng.integers(0, 256, (70, 110, 3), dtype=np.uint8)
    assert detect_flat_graphic(image) is None


def test_transparent_pixels_are_no_color() -> None:
    rgba = np.zeros((360, 480, 4), dtype=np.uint8)
    rgba[..., :3] = (12, 34, 56)  # color under transparent pixels: ignored
    solid = flag_with_star()
    rgba[60:300, 80:400, :3] = solid[60:300, 80:400]
    rgba[60:300, 80:400, 3] = 255
    flat = detect_flat_graphic(rgba)
    assert flat is not None
    assert (12, 34, 56) not in {tuple(map(int, c)) for c in flat.colors}


def test_snap_histogram_counts_every_pixel_once() -> None:
    image = flag_with_star()
    flat = detect_flat_graphic(image)
    assert flat is not None
    histogram = color_histogram(image.reshape(-1, 3), 8)
    snapped = snap_histogram(histogram, flat)
    assert snapped.total == image.shape[0] * image.shape[1]
    assert hexes(snapped.colors) == hexes(flat.colors)
    more = snap_histogram(histogram, flat, 6)
    assert len(more) == 6 and more.total == snapped.total
    assert hexes(flat.colors) <= hexes(more.colors)


def test_extract_finds_a_one_percent_star_and_counts_the_colors() -> None:
    image = flag_with_star(0.01)
    at_four = palettekit.extract(image, k=4)
    assert {s.hex for s in at_four} == hexes(np.array([WHITE, RED, BLUE, GOLD]))
    assert set(at_four.meta["flat_graphic"]["colors"]) == {s.hex for s in at_four}
    auto = palettekit.extract(image, k="auto")
    assert len(auto) == 4 and auto.meta["auto_k"]["reason"] == "flat"
    assert auto == at_four
    # Shares count every pixel, edges with their nearest color.
    assert sum(s.count for s in auto) == image.shape[0] * image.shape[1]
    gold = next(s for s in auto if s.hex == "#fdc301")
    assert 0.009 < gold.share < 0.014  # its edge pixels nearer gold than white count too


def test_extract_below_and_above_the_flat_count() -> None:
    image = flag_with_star(0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        two = palettekit.extract(image, k=2)
        six = palettekit.extract(image, k=6)
    assert len(two) == 2
    assert len(six) == 6
    assert hexes(np.array([WHITE, RED, BLUE, GOLD])) <= {s.hex for s in six}


def test_a_thin_line_color_comes_back_when_k_asks_for_it() -> None:
    # A gold outline too thin to be a flat color: at k = flat colors + 1 the
    # extra color goes to it rather than to an edge shade.
    big, draw = drawn()
    draw.rectangle((0, 0, 1919, 719), fill=BLUE)
    draw.ellipse((700, 300, 1220, 1140), outline=GOLD, width=4)
    image = anti_aliased(big)
    flat = detect_flat_graphic(image)
    assert flat is not None and len(flat) == 2
    palette = palettekit.extract(image, k=3)
    gold = palettekit.colorspace.srgb_to_oklab(np.array(GOLD) / 255.0)
    nearest = min(np.linalg.norm(np.array(s.oklab) - gold) for s in palette)
    assert nearest < 0.1


def test_lossy_sources_take_the_general_path() -> None:
    import io

    image = flag_with_star(0.01)
    encoded = {}
    for name in ("PNG", "JPEG"):
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, name, quality=95)
        encoded[name] = buffer.getvalue()
    assert "flat_graphic" in palettekit.extract(encoded["PNG"], k=4).meta
    # JPEG's block artefacts repeat along straight edges: not flat colors.
    assert "flat_graphic" not in palettekit.extract(encoded["JPEG"], k=4).meta


def test_the_knobs_are_a_frozen_object_a_caller_can_tune() -> None:
    with pytest.raises(FrozenInstanceError):
        DEFAULT_FLAT_PARAMS.area_share = 0.5  # type: ignore[misc]
    image = flag_with_star(0.01)
    # The 1% star is a flat color at the default, not when a color must fill 2%.
    coarse = detect_flat_graphic(image, params=replace(DEFAULT_FLAT_PARAMS, area_share=0.02))
    assert coarse is not None and hexes(coarse.colors) == hexes(np.array([WHITE, RED, BLUE]))
    # Nor is it flat at all when every pixel must be in a patch (edges are not).
    strict = replace(DEFAULT_FLAT_PARAMS, min_flat_share=1.0)
    assert detect_flat_graphic(image, params=strict) is None


def test_dilate_equals_pillows_max_filter():
    from PIL import Image, ImageFilter

    from palettekit.flat import _dilate

    rng = np.random.default_rng(3)
    for _ in range(60):
        height, width = (int(n) for n in rng.integers(1, 40, 2))
        mask = rng.random((height, width)) < rng.random() * 0.1
        reach = int(rng.integers(1, 5))
        image = Image.fromarray(mask.astype(np.uint8) * 255)
        expected = np.asarray(image.filter(ImageFilter.MaxFilter(2 * reach + 1))) > 0
        assert np.array_equal(_dilate(mask, reach), expected)
