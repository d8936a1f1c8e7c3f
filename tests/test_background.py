"""Background detection on synthetic product shots and real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

import palettekit
from palettekit.background import (
    MIN_BORDER_COVERAGE,
    SHADOW_MAX_STEP,
    Background,
    border_connected,
    detect_background,
)
from palettekit.colorspace import linear_to_srgb, srgb_to_linear, srgb_to_oklab
from palettekit.families import color_family
from synthetic_shots import Shot, _object_layer, product_shot, synthetic_set

CQ100 = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "cq100"

SHOTS = synthetic_set()


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.mark.parametrize("shot", [s for s in SHOTS if s.backdrop is not None], ids=lambda s: s.name)
def test_backdrop_is_found_with_its_region_and_color(shot: Shot) -> None:
    background = detect_background(shot.image)
    assert background is not None
    assert iou(background.mask, shot.backdrop) >= 0.99
    assert background.share == pytest.approx(shot.backdrop.mean(), abs=0.01)
    truth = srgb_to_oklab(shot.image[shot.backdrop].mean(axis=0) / 255.0)
    assert np.linalg.norm(np.asarray(background.oklab) - truth) < 0.01
    assert MIN_BORDER_COVERAGE <= background.border_coverage <= 1.0


@pytest.mark.parametrize("shot", [s for s in SHOTS if s.backdrop is None], ids=lambda s: s.name)
def test_scenes_whose_border_varies_have_no_background(shot: Shot) -> None:
    assert detect_background(shot.image) is None


def test_flat_and_graded_backdrops_report_their_gradient() -> None:
    flat = detect_background(product_shot("flat", top=(230, 230, 230)).image)
    graded = detect_background(
        product_shot("ramp", top=(240, 240, 240), bottom=(190, 190, 190)).image
    )
    assert flat is not None and graded is not None
    assert flat.gradient < 0.005
    # Lightness from about 0.96 to 0.81 top to bottom.
    assert 0.1 < graded.gradient < 0.2


def test_backdrop_colored_part_inside_the_object_is_not_background() -> None:
    # A white label inside a red object on white: same color as the backdrop
    # but not connected to the border.
    shot = product_shot("label")
    background = detect_background(shot.image)
    assert background is not None
    height, width = shot.image.shape[:2]
    label = (
        slice(int(0.47 * height), int(0.58 * height)),
        slice(int(0.44 * width), int(0.56 * width)),
    )
    assert (shot.image[label] >= 249).all()
    assert not background.mask[label].any()


def test_white_and_black_backdrops_fall_in_their_families() -> None:
    white = detect_background(product_shot("w").image)
    black = detect_background(product_shot("b", top=(10, 10, 10)).image)
    assert white is not None and black is not None
    assert color_family(white.oklab) == "white" and white.hex == "#ffffff"
    assert color_family(black.oklab) == "black"


def test_transparent_border_means_no_background() -> None:
    shot = product_shot("cutout")
    rgba = np.dstack([shot.image, np.where(shot.backdrop, 0, 255).astype(np.uint8)])
    assert detect_background(rgba) is None
    # Opaque everywhere: the white backdrop is found again.
    rgba[..., 3] = 255
    assert detect_background(rgba) is not None


def test_share_counts_opaque_pixels_only() -> None:
    shot = product_shot("partly transparent")
    rgba = np.dstack([shot.image, np.full(shot.image.shape[:2], 255, np.uint8)])
    rgba[:, : rgba.shape[1] // 4, 3] = 0  # the left quarter is transparent
    background = detect_background(rgba)
    assert background is not None
    opaque = rgba[..., 3] > 0
    assert not background.mask[~opaque].any()
    assert background.share == pytest.approx(background.mask.sum() / opaque.sum())


def test_uniform_image_is_all_background() -> None:
    background = detect_background(np.full((20, 30, 3), 200, np.uint8))
    assert background is not None
    assert background.share == 1.0 and background.rgb == (200, 200, 200)


def test_tiny_and_invalid_images() -> None:
    assert detect_background(np.zeros((2, 5, 3), np.uint8)) is None
    with pytest.raises(ValueError, match="uint8"):
        detect_background(np.zeros((5, 5, 3), np.float64))
    with pytest.raises(ValueError, match="uint8"):
        detect_background(np.zeros((5, 5), np.uint8))


def test_to_dict_is_plain_data() -> None:
    background = detect_background(product_shot("w").image)
    assert isinstance(background, Background)
    data = background.to_dict()
    assert set(data) == {
        "hex",
        "rgb",
        "oklab",
        "share",
        "border_coverage",
        "gradient",
        "shadow_share",
    }
    # At most the object's anti-aliased outline, mostly backdrop itself.
    assert 0.0 <= data["shadow_share"] < 0.005
    assert data["hex"] == "#ffffff" and data["rgb"] == [255, 255, 255]


def test_border_connected_follows_winding_paths() -> None:
    # A spiral corridor: reaching its end from the border needs many turns.
    size = 41
    mask = np.zeros((size, size), bool)
    top, left, bottom, right = 0, 0, size - 1, size - 1
    while top <= bottom and left <= right:
        mask[top, left : right + 1] = True
        mask[top : bottom + 1, right] = True
        mask[bottom, left : right + 1] = True
        mask[top + 2 : bottom + 1, left] = True
        top, left, bottom, right = top + 2, left + 2, bottom - 2, right - 2
        if top <= bottom:
            mask[top, left - 1] = False  # keep the corridor one way
    seeds = np.zeros_like(mask)
    seeds[0, 0] = True
    reached = border_connected(mask, seeds)
    # Compare with a plain breadth-first search.
    expected = np.zeros_like(mask)
    stack = [(0, 0)]
    while stack:
        y, x = stack.pop()
        if 0 <= y < size and 0 <= x < size and mask[y, x] and not expected[y, x]:
            expected[y, x] = True
            stack += [(y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)]
    np.testing.assert_array_equal(reached, expected)


def test_border_connected_ignores_islands_and_empty_seeds() -> None:
    mask = np.zeros((9, 9), bool)
    mask[0, :] = True
    mask[4, 4] = True  # island
    seeds = np.zeros_like(mask)
    seeds[0, 0] = True
    reached = border_connected(mask, seeds)
    assert reached[0].all() and not reached[4, 4]
    assert not border_connected(mask, np.zeros_like(mask)).any()


# Real photos. Two CQ100 images are shot on a flat backdrop (a seed head on
# white, daisies on black); the others have no backdrop filling the border,
# including the near misses: a studio backdrop with vignetting and a table
# edge (mangoes), sky (king_penguin, rescue_helicopter), out-of-focus
# surroundings (mandarin_ducks, siberian_tiger, astronaut, girl).
@pytest.mark.skipif(not CQ100.is_dir(), reason="CQ100 corpus not available")
@pytest.mark.parametrize(
    ("name", "family"), [("bosnian_pine_needle", "white"), ("daisy_poster", "black")]
)
def test_cq100_photos_on_a_backdrop(name: str, family: str) -> None:
    from palettekit.load import load_image
    from palettekit.options import Options

    background = detect_background(load_image(CQ100 / f"{name}.png", Options()).to_array())
    assert background is not None
    assert color_family(background.oklab) == family
    assert background.border_coverage > 0.9
    assert 0.15 < background.share < 0.5


@pytest.mark.skipif(not CQ100.is_dir(), reason="CQ100 corpus not available")
@pytest.mark.parametrize(
    "name",
    [
        "mangoes",
        "king_penguin",
        "rescue_helicopter",
        "mandarin_ducks",
        "siberian_tiger",
        "astronaut",
        "girl",
        "maya_beach",
        "color_chart",
        "crepe_paper",
    ],
)
def test_cq100_photos_without_backdrop(name: str) -> None:
    from palettekit.load import load_image
    from palettekit.options import Options

    assert detect_background(load_image(CQ100 / f"{name}.png", Options()).to_array()) is None


# --- soft shadows (issue 18 §5) ------------------------------------------------------

BOTTLE = [
    ("ellipse", (0.30, 0.15, 0.62, 0.85), (200, 40, 40)),  # red body
    ("rectangle", (0.40, 0.08, 0.52, 0.2), (30, 30, 35)),  # dark cap
    ("rectangle", (0.36, 0.45, 0.56, 0.6), (250, 250, 250)),  # white label
]


def shadow_shot(
    *,
    top: tuple[int, int, int] = (246, 246, 244),
    bottom: tuple[int, int, int] = (228, 228, 226),
    shapes: list | None = None,
    depth: float = 0.45,
    blur: float = 0.04,
    noise: float = 1.5,
    size: tuple[int, int] = (480, 360),
    jpeg: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A product on a light studio backdrop (a vertical ramp) with a soft shadow.

    The shadow is a blurred ellipse below and right of the object that takes
    up to ``depth`` of the light (linear RGB); Gaussian noise of ``noise``
    levels; optionally re-encoded as JPEG. Returns the image (H, W, 3) uint8
    and the truth: True where the backdrop or its shadow shows.
    """
    width, height = size
    t = np.linspace(0.0, 1.0, height)[:, None, None]
    backdrop = np.asarray(top, float) * (1 - t) + np.asarray(bottom, float) * t
    backdrop = np.broadcast_to(backdrop, (height, width, 3))
    footprint = Image.new("L", size, 0)
    ImageDraw.Draw(footprint).ellipse(
        (0.30 * width, 0.62 * height, 0.85 * width, 0.95 * height), 255
    )
    footprint = footprint.filter(ImageFilter.GaussianBlur(blur * min(size)))
    light = 1.0 - depth * np.asarray(footprint, float)[..., None] / 255.0
    shaded = 255.0 * linear_to_srgb(srgb_to_linear(backdrop / 255.0) * light)
    color, cover = _object_layer(size, BOTTLE if shapes is None else shapes)
    image = shaded * (1 - cover[..., None]) + color * cover[..., None]
    image += np.random.default_rng(0).normal(0.0, noise, image.shape)
    image8 = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    if jpeg is not None:
        import io

        buffer = io.BytesIO()
        Image.fromarray(image8).save(buffer, "JPEG", quality=jpeg)
        image8 = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
    return image8, cover == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"top": (255, 255, 255), "bottom": (255, 255, 255)},
        {"top": (236, 232, 222), "bottom": (214, 208, 196)},  # warm paper
        {"top": (200, 202, 206), "bottom": (180, 182, 186)},  # mid-gray sweep
        {"depth": 0.6, "blur": 0.02},  # a darker, tighter shadow
        {"jpeg": 80},
    ],
    ids=["studio", "white", "warm", "gray", "dark-shadow", "jpeg"],
)
def test_soft_shadow_on_a_light_backdrop_is_background(kwargs) -> None:
    image, truth = shadow_shot(**kwargs)
    background = detect_background(image)
    assert background is not None
    assert iou(background.mask, truth) >= 0.98
    assert 0.05 < background.shadow_share < background.share
    # The backdrop's color is the lit backdrop's, not darkened by the shadow.
    ends = np.array([kwargs.get("top", (246, 246, 244)), kwargs.get("bottom", (228, 228, 226))])
    lit = srgb_to_oklab(ends / 255.0)[:, 0].mean()
    assert abs(background.oklab[0] - lit) < 0.015


def _nearest(color: np.ndarray, targets: np.ndarray) -> float:
    return float(np.sqrt(((targets - color) ** 2).sum(axis=1)).min())


@pytest.mark.parametrize("jpeg", [None, 85])
def test_excluding_the_background_leaves_the_product_and_not_its_shadow(jpeg) -> None:
    """The issue: backdrop and shadow were 2 of 3 colors of a product shot."""
    image, _ = shadow_shot(jpeg=jpeg)
    product = srgb_to_oklab(np.array([c for _, _, c in BOTTLE]) / 255.0)
    palette = palettekit.extract(image, k=3, exclude_background=True)
    found = np.array([s.oklab for s in palette])
    # Every color is one of the product's, and each of them is found.
    assert max(_nearest(c, product) for c in found) < 0.04
    assert max(_nearest(c, found) for c in product) < 0.04
    assert palette.meta["background"]["shadow_share"] > 0.05


@pytest.mark.parametrize(
    ("gray", "box"),
    [
        ((128, 128, 128), (0.3, 0.2, 0.6, 0.8)),  # standing in its shadow, darker than it
        ((205, 205, 207), (0.3, 0.1, 0.6, 0.5)),  # as light as the shadow, apart from it
        ((170, 168, 160), (0.3, 0.1, 0.6, 0.5)),
    ],
    ids=["mid", "light", "warm"],
)
def test_a_gray_product_is_not_background(gray, box) -> None:
    # The shadow's own hue and lightness, but a sharp edge: it stays.
    image, truth = shadow_shot(shapes=[("rectangle", box, gray)])
    background = detect_background(image)
    assert background is not None
    assert iou(background.mask, truth) >= 0.98
    height, width = truth.shape
    x0, y0, x1, y1 = box
    body = (
        slice(int((y0 + 0.02) * height), int((y1 - 0.02) * height)),
        slice(int((x0 + 0.02) * width), int((x1 - 0.02) * width)),
    )
    assert not background.mask[body].any()
    palette = palettekit.extract(image, k=1, exclude_background=True)
    assert np.abs(np.array(palette[0].rgb) - np.array(gray)).max() <= 4


def test_a_hard_edged_gray_card_on_white_is_not_a_shadow() -> None:
    # A flat card of the backdrop's hue at 0.8 of its lightness: in the shadow
    # scale range, but reached only across a step.
    image = np.full((120, 160, 3), 250, np.uint8)
    image[40:80, 50:110] = 190
    background = detect_background(image)
    assert background is not None
    assert not background.mask[40:80, 50:110].any()
    assert background.shadow_share == 0.0


def test_no_shadow_is_searched_on_a_dark_backdrop() -> None:
    image, _ = shadow_shot(top=(40, 40, 40), bottom=(30, 30, 30), depth=0.5)
    background = detect_background(image)
    assert background is not None and background.shadow_share == 0.0


def test_border_connected_with_links_matches_a_search_over_linked_neighbours() -> None:
    rng = np.random.default_rng(5)
    mask = rng.random((30, 40)) < 0.8
    left = rng.random(mask.shape) < 0.7
    up = rng.random(mask.shape) < 0.7
    seeds = np.zeros_like(mask)
    seeds[0, :] = True
    reached = border_connected(mask, seeds, (left, up))
    expected = np.zeros_like(mask)
    stack = [(0, x) for x in range(mask.shape[1]) if mask[0, x]]
    while stack:
        y, x = stack.pop()
        if expected[y, x]:
            continue
        expected[y, x] = True
        for ny, nx, linked in (
            (y, x - 1, x > 0 and left[y, x]),
            (y, x + 1, x + 1 < mask.shape[1] and left[y, min(x + 1, mask.shape[1] - 1)]),
            (y - 1, x, y > 0 and up[y, x]),
            (y + 1, x, y + 1 < mask.shape[0] and up[min(y + 1, mask.shape[0] - 1), x]),
        ):
            if linked and mask[ny, nx] and not expected[ny, nx]:
                stack.append((ny, nx))
    np.testing.assert_array_equal(reached, expected)
    assert SHADOW_MAX_STEP > 0
