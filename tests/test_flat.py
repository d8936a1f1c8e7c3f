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


SKY, GREEN, YELLOW, BLACK = (0, 114, 198), (0, 140, 69), (252, 209, 22), (0, 0, 0)


def sky_with_bands_and_sun() -> np.ndarray:
    """A sky field (about 56%), a green and a yellow band (20% each), and a
    yellow sun (about 2.6%) ringed by a black outline (about 0.9%): six
    flat colors' worth of areas in four colors, anti-aliased."""
    big, draw = drawn()
    draw.rectangle((0, 0, 1919, 1439), fill=SKY)
    draw.rectangle((0, 0, 1919, 287), fill=GREEN)  # 20%
    draw.rectangle((0, 1152, 1919, 1439), fill=YELLOW)  # 20%
    draw.ellipse((854, 544, 1206, 896), fill=BLACK)  # radius 176 of 1920 x 1440: 3.5%
    draw.ellipse((879, 569, 1181, 871), fill=YELLOW)  # radius 151: 2.6%, the ring 0.9%
    return anti_aliased(big)


def test_sky_with_bands_and_sun_is_what_the_tests_below_assume() -> None:
    flat = detect_flat_graphic(sky_with_bands_and_sun())
    assert flat is not None
    assert hexes(flat.colors) == hexes(np.array([SKY, GREEN, YELLOW, BLACK]))


@pytest.mark.parametrize("kind", ["palette", "theme"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_below_the_flat_count_every_color_is_a_flat_color(kind: str, k: int) -> None:
    # Clustering four flat colors into fewer averaged a yellow and a green
    # into an olive that is not in the graphic; each color must be one of its own.
    image = sky_with_bands_and_sun()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        palette = palettekit.extract(image, k=k, kind=kind)
    assert len(palette) == k
    assert {s.hex for s in palette} <= set(palette.meta["flat_graphic"]["colors"])
    assert sum(s.count for s in palette) == image.shape[0] * image.shape[1]


@pytest.mark.parametrize("kind", ["palette", "theme"])
def test_below_the_flat_count_the_largest_areas_come_first(kind: str) -> None:
    image = sky_with_bands_and_sun()
    sky, green, yellow = (hexes(np.array([c])).pop() for c in (SKY, GREEN, YELLOW))
    three = palettekit.extract(image, k=3, kind=kind)
    # The 0.9% black outline does not take a place from a 20% band (nor from the sun).
    assert {s.hex for s in three} == {sky, green, yellow}
    # Shares are those of the nearest chosen color: the black ring counts with
    # its nearest of the three, the sun with the yellow band.
    assert sum(s.share for s in three) == pytest.approx(1.0)
    by_hex = {s.hex: s.share for s in three}
    assert by_hex[yellow] > 0.21


@pytest.mark.parametrize("kind", ["palette", "theme"])
def test_a_thin_outline_does_not_take_the_place_of_the_shape_it_rings(kind: str) -> None:
    # A yellow sun (2.6%) ringed in black (0.9%) on a sky field under a white
    # band: at k = 3 the sun, not its outline (clustering took the black, which
    # lies farther from the rest, and gave white as #fffffe).
    big, draw = drawn()
    draw.rectangle((0, 0, 1919, 1439), fill=SKY)
    draw.rectangle((0, 0, 1919, 399), fill=WHITE)
    draw.ellipse((854, 544, 1206, 896), fill=BLACK)
    draw.ellipse((879, 569, 1181, 871), fill=YELLOW)
    image = anti_aliased(big)
    flat = detect_flat_graphic(image)
    assert flat is not None and len(flat) == 4
    three = palettekit.extract(image, k=3, kind=kind)
    assert {s.hex for s in three} == hexes(np.array([SKY, WHITE, YELLOW]))


def test_select_flat_colors_prefers_a_distinct_hue_to_a_near_duplicate() -> None:
    from palettekit.colorspace import srgb_to_oklab
    from palettekit.flat import select_flat_colors

    rgb = np.array([[0, 56, 168], [0, 66, 180], [206, 17, 38], [255, 255, 255]], np.float64)
    oklab = srgb_to_oklab(rgb / 255.0)
    counts = np.array([500, 300, 150, 50], np.int64)
    # The second blue is 3x the red's area but a near-duplicate of the first.
    assert select_flat_colors(oklab, counts, 2).tolist() == [0, 2]
    assert select_flat_colors(oklab, counts, 4).tolist() == [0, 2, 1, 3]
    # Without the preference (a zero distance scale) it is area alone.
    area_only = replace(DEFAULT_FLAT_PARAMS, distinct_distance=1e-9)
    assert select_flat_colors(oklab, counts, 2, params=area_only).tolist() == [0, 1]
    # A theme's minimum distance leaves the near-duplicate out altogether.
    assert select_flat_colors(oklab, counts, 4, min_distance=0.08).tolist() == [0, 2, 3]
    # Colors of no pixels are never chosen.
    assert select_flat_colors(oklab, np.array([5, 0, 0, 0]), 3).tolist() == [0]


LIGHT_BLUE, NAVY, FLAG_RED = (104, 191, 229), (1, 33, 105), (200, 16, 46)


def fiji_like() -> np.ndarray:
    """A light blue field with a navy canton crossed in white and red (white
    ~10%, navy ~7%, red ~4%) and a shield of tiny yellow and green accents
    (< 1% each): the large neutral areas a theme dropped for the accents."""
    big, draw = drawn()
    draw.rectangle((0, 0, 1919, 1439), fill=LIGHT_BLUE)
    draw.rectangle((0, 0, 959, 719), fill=NAVY)  # canton: 25%
    draw.rectangle((0, 250, 959, 469), fill=WHITE)  # horizontal bar
    draw.rectangle((370, 0, 589, 719), fill=WHITE)  # vertical bar
    draw.rectangle((0, 310, 959, 409), fill=FLAG_RED)
    draw.rectangle((430, 0, 529, 719), fill=FLAG_RED)
    draw.rectangle((1300, 500, 1499, 609), fill=YELLOW)  # ~0.8%
    draw.rectangle((1300, 640, 1499, 739), fill=GREEN)  # ~0.7%
    return anti_aliased(big)


def test_a_theme_keeps_large_neutral_areas_over_tiny_accents() -> None:
    image = fiji_like()
    flat = detect_flat_graphic(image)
    assert flat is not None and len(flat) == 6
    designed = hexes(np.array([LIGHT_BLUE, NAVY, WHITE, FLAG_RED]))
    for kind in ("theme", "palette"):
        palette = palettekit.extract(image, k=4, kind=kind)
        assert {s.hex for s in palette} == designed, kind
        # Every flat color comes back when k asks for them all.
        assert len(palettekit.extract(image, k=6, kind=kind)) == 6


def test_the_area_a_color_is_chosen_by_is_its_own_not_its_edges() -> None:
    # Spain-like: red and gold bands with fractional edges, an ochre shape
    # (#c8b100, ~1.0%) near the gold and a grey one (~1.1%). The edge mixes
    # between red and gold snap to the ochre (2.6% counted with them), but a
    # person sees the grey's larger shape: k = 3 takes the grey.
    red, gold, ochre, grey = (170, 21, 27), (241, 191, 0), (200, 177, 0), (204, 204, 204)
    big, draw = drawn()
    draw.rectangle((0, 0, 1919, 1439), fill=gold)
    for i in range(0, 6, 2):
        draw.rectangle((0, 240 * i + 2, 1919, 240 * i + 241), fill=red)
    draw.rectangle((100, 1000, 379, 1097), fill=ochre)
    draw.rectangle((1400, 1000, 1699, 1099), fill=grey)
    image = anti_aliased(big)
    flat = detect_flat_graphic(image)
    assert flat is not None and hexes(flat.colors) == hexes(np.array([red, gold, ochre, grey]))
    palette = palettekit.extract(image, k=3)
    assert {s.hex for s in palette} == hexes(np.array([red, gold, grey]))
