"""Color families: documented Oklch regions checked on reference colors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import ImageColor

from palettekit.colorspace import oklab_to_oklch, oklch_to_oklab, srgb_to_oklab
from palettekit.families import (
    FAMILIES,
    NEUTRAL_FAMILIES,
    color_families,
    color_family,
    family_indices,
    is_neutral,
)


def css_oklab(name: str) -> np.ndarray:
    rgb = ImageColor.getrgb(name)
    return srgb_to_oklab(np.array(rgb[:3]) / 255.0)


# CSS named colors whose family is obvious, plus the documented decisions
# (marked "decision").
REFERENCE = {
    "red": [
        "red",
        "darkred",
        "crimson",
        "firebrick",
        "maroon",
        "salmon",
    ],  # maroon, salmon: decision
    "orange": ["orange", "darkorange", "coral"],
    "yellow": ["yellow", "gold", "khaki", "lemonchiffon"],
    "green": [
        "green",
        "lime",
        "forestgreen",
        "darkgreen",
        "seagreen",
        "olivedrab",
        "yellowgreen",
        "olive",
    ],  # olive: decision
    "teal": ["teal", "aqua", "turquoise", "darkcyan", "lightseagreen"],
    "blue": [
        "blue",
        "navy",
        "royalblue",
        "skyblue",
        "dodgerblue",
        "midnightblue",
        "steelblue",
        "lightblue",
        "darkblue",
    ],
    "purple": [
        "purple",
        "indigo",
        "darkviolet",
        "rebeccapurple",
        "blueviolet",
        "plum",
        "fuchsia",
    ],  # fuchsia/magenta: decision
    "pink": ["pink", "hotpink", "deeppink", "lightpink", "palevioletred"],
    "brown": [
        "saddlebrown",
        "sienna",
        "chocolate",
        "peru",
        "tan",
        "rosybrown",
        "wheat",
    ],  # wheat: decision
    "black": ["black"],
    "gray": ["gray", "dimgray", "darkgray", "silver", "slategray", "lightgray"],
    "white": ["white", "snow", "ivory", "whitesmoke", "linen", "beige"],  # beige: decision
}


@pytest.mark.parametrize(
    ("name", "family"), [(n, f) for f, names in REFERENCE.items() for n in names]
)
def test_reference_css_colors(name: str, family: str) -> None:
    assert color_family(css_oklab(name)) == family


def test_reference_covers_every_family() -> None:
    assert set(REFERENCE) == set(FAMILIES)
    assert len(FAMILIES) == 12


def test_every_srgb_color_gets_a_family() -> None:
    levels = np.arange(0, 256, 5)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3)
    index = family_indices(srgb_to_oklab(grid / 255.0))
    assert index.min() >= 0 and index.max() < len(FAMILIES)
    # Every family is reachable.
    assert set(np.unique(index)) == set(range(len(FAMILIES)))


def test_gray_ramp_is_neutral_and_ordered() -> None:
    ramp = np.repeat(np.arange(256)[:, None], 3, axis=1)
    families = color_families(srgb_to_oklab(ramp / 255.0))
    assert set(families) == {"black", "gray", "white"}
    rank = {"black": 0, "gray": 1, "white": 2}
    assert [rank[f] for f in families] == sorted(rank[f] for f in families)
    assert families[0] == "black" and families[128] == "gray" and families[255] == "white"


def test_hue_circle_visits_families_in_order() -> None:
    hues = np.arange(0.0, 360.0, 0.5)
    lch = np.stack([np.full_like(hues, 0.72), np.full_like(hues, 0.15), hues], axis=1)
    families = color_families(oklch_to_oklab(lch))
    # Collapse runs: the circle must pass each chromatic sector once, in order.
    runs = [f for i, f in enumerate(families) if i == 0 or f != families[i - 1]]
    assert runs == ["pink", "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink"]


def test_orange_and_brown_meet_on_a_line_of_lightness_plus_chroma() -> None:
    chroma = np.array([0.10, 0.12, 0.14, 0.16])
    for hue in (45.0, 60.0, 75.0):
        above = np.stack([0.81 - chroma + 0.005, chroma, np.full(4, hue)], axis=1)
        below = np.stack([0.81 - chroma - 0.005, chroma, np.full(4, hue)], axis=1)
        assert set(color_families(oklch_to_oklab(above))) == {"orange"}
        # Below the line only the vivid dark oranges (C >= 0.16, L >= 0.55) stay orange.
        assert color_families(oklch_to_oklab(below)) == ["brown", "brown", "brown", "orange"]


def test_darkening_orange_turns_brown_and_dark_yellow_turns_olive_green() -> None:
    orange = oklch_to_oklab(np.array([[0.8, 0.15, 60.0], [0.55, 0.12, 60.0]]))
    assert color_families(orange) == ["orange", "brown"]
    yellow = oklch_to_oklab(np.array([[0.9, 0.17, 108.0], [0.55, 0.12, 108.0]]))
    assert color_families(yellow) == ["yellow", "green"]


@pytest.mark.parametrize(
    ("color", "family"),
    [
        # Survey names (xkcd) the regions follow where the CSS colors say little.
        ("#c04e01", "orange"),  # burnt orange
        ("#dc4d01", "orange"),  # deep orange
        ("#e17701", "orange"),  # pumpkin
        ("chocolate", "brown"),  # C 0.155: still brown
        # Orange against brown by lightness and chroma together, L + C >= 0.81
        # (issue 18): a clear orange was brown under the corner rule.
        ("#e67e22", "orange"),  # L 0.696, C 0.160 (was brown)
        ("#d8863b", "orange"),  # the survey's dull orange, L + C = 0.827 (was brown)
        ("peru", "brown"),  # L + C = 0.801
        ("#c87606", "brown"),  # the survey's dirty orange, L + C = 0.786
        ("sienna", "brown"),
        ("#580f41", "purple"),  # plum
        ("#6c3461", "purple"),  # grape
        ("#960056", "red"),  # dark magenta, h 356: a wine red
        ("#544635", "brown"),  # C 0.033 at L 0.40: tinted, not gray
        ("#3d382c", "gray"),  # C 0.021 at L 0.34
        ("slategray", "gray"),  # C 0.031 at L 0.59
    ],
)
def test_boundaries_taken_from_the_color_survey(color: str, family: str) -> None:
    assert color_family(css_oklab(color)) == family


def test_is_neutral_agrees_with_the_families_on_a_dense_grid() -> None:
    levels = np.arange(0, 256, 4)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3)
    lab = srgb_to_oklab(grid / 255.0)
    lch = oklab_to_oklch(lab)
    neutral = {FAMILIES.index(f) for f in NEUTRAL_FAMILIES}
    expected = np.isin(family_indices(lab), list(neutral))
    got = np.array([is_neutral(float(lc[0]), float(lc[1])) for lc in lch])
    np.testing.assert_array_equal(got, expected)
    assert 0.02 < expected.mean() < 0.5  # both kinds are well represented


def test_empty_input_and_bad_shape() -> None:
    assert color_families(np.zeros((0, 3))) == []
    with pytest.raises(ValueError, match="shape"):
        color_families(np.zeros((4, 2)))


def test_css_names_survive_pillow_colormap_caching() -> None:
    # Pillow's ImageColor.getrgb("navy") caches a tuple in ImageColor.colormap;
    # the CSS name table must still contain navy afterwards.
    from palettekit.names import css_color_names

    ImageColor.getrgb("navy")
    css_color_names.cache_clear()
    try:
        names, rgb, _ = css_color_names()
        assert "navy" in names
        assert tuple(rgb[names.index("navy")]) == (0, 0, 128)
        assert len(names) >= 138  # the CSS named colors, one name per color
    finally:
        css_color_names.cache_clear()


def test_a_few_colors_get_the_families_the_array_rules_give() -> None:
    # Up to _FEW colors are classified one at a time in Python (a palette's
    # colors): the same family as the vectorised rules, on a grid that crosses
    # every boundary and on random Oklab values, in blocks of each size.
    from palettekit import families

    levels = np.arange(0, 256, 5)
    rgb = np.stack(np.meshgrid(levels, levels, levels), axis=-1).reshape(-1, 3)
    rng = np.random.default_rng(7)
    lab = np.concatenate(
        [
            srgb_to_oklab(rgb / 255.0),
            rng.uniform([-0.05, -0.4, -0.4], [1.05, 0.4, 0.4], (50_000, 3)),
            [[0.5, -1e-20, 1e-3], [0.5, 1e-3, -1e-20], [0.95, 0.0, 0.0]],
        ]
    )
    whole = family_indices(lab)  # many colors: the array rules
    assert lab.shape[0] > families._FEW
    for size in (1, 5, families._FEW):
        blocks = [family_indices(lab[i : i + size]) for i in range(0, 3000 * size, size)]
        assert np.array_equal(np.concatenate(blocks), whole[: 3000 * size])
    lch = oklab_to_oklch(lab)
    one_by_one = np.array([families._family_index(*row) for row in lch.tolist()])
    assert np.array_equal(one_by_one, whole)
    assert family_indices(np.zeros((0, 3))).shape == (0,)
