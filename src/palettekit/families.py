"""Basic color families: twelve names for filters and facets.

Each color gets one of :data:`FAMILIES` from fixed regions of Oklch (Oklab
lightness ``L`` in [0, 1], chroma ``C`` >= 0, hue ``h`` in degrees), tested
in this order:

=========  ==================================================================
family     region
=========  ==================================================================
white      L >= 0.90 and C < 0.05 (also the off-whites: ivory, beige, linen)
black      L < 0.20, or L < 0.30 and C < 0.04
gray       C < 0.04 and C < 0.07 L (what is left of the nearly achromatic
           colors; dark colors look tinted at lower chroma)
pink       h in [335, 360) or [0, 15), L >= 0.50; or h in [15, 38), L >= 0.78
purple     h in [335, 350) otherwise (dark magentas: plum, grape)
red        h in [350, 360) or [0, 38) otherwise, unless brown (next row)
brown      h in [15, 38) with C < 0.08 and L < 0.78 (rosy browns); h in
           [38, 80) with L < 0.70 or C < 0.10 (tan, peru), unless vivid
           orange (next row); h in [80, 100) with L < 0.70 or C < 0.08
           (darkgoldenrod; wheat, cream tones)
orange     h in [38, 80), C >= 0.10 and L + C >= 0.81 (so L >= 0.71 at
           C = 0.10, L >= 0.65 at C = 0.16); or L >= 0.55 and C >= 0.16
           (burnt orange, pumpkin)
yellow     h in [80, 120), L >= 0.70, except the browns above
green      h in [120, 170); also dark yellows h in [100, 120), L < 0.70 (olive)
teal       h in [170, 215) (cyan, turquoise, aqua)
blue       h in [215, 290)
purple     h in [290, 335) (violet, magenta, lavender tones)
=========  ==================================================================

The hue sectors were placed between the Oklch hues of the CSS colors red
(29°), orange (71°), yellow (110°), lime (142°), aqua (195°), blue (264°) and
purple (328°), then checked against the CSS named colors whose family is
obvious (see ``tests/test_families.py``). Deliberate choices:

* maroon (#800000) and darkred are **red**: dark, saturated reds stay red;
  brown needs an orange or yellow hue, or a muted red (rosybrown).
  CSS "brown" (#a52a2a) is itself a saturated dark red and is classed red.
* olive (#808000) is **green**: dark yellows read as olive green; yellow
  needs L >= 0.70. Dark golden yellows below h = 100° (darkgoldenrod) are brown.
* beige (#f5f5dc), ivory and linen are **white** (off-white), while
  lemonchiffon and khaki, which are clearly tinted, are yellow; wheat, tan,
  moccasin and other muted cream tones are brown (as in the usual grouping
  of the CSS named colors).
* salmon and lightcoral (h about 21-28°, L about 0.73) are **red**; lighter
  reds (L >= 0.78) such as pink and lightpink are pink.
* fuchsia/magenta (h 328°) is **purple**; hotpink and deeppink (h 352-357°)
  are pink.

Three boundaries follow the xkcd color survey (:mod:`palettekit.names`),
where the CSS colors say little:

* dark magentas with h in [335, 350) and L < 0.50 are **purple** (the
  survey's plum, grape, rich purple), not red;
* vivid dark oranges (C >= 0.16, L >= 0.55: burnt orange, deep orange,
  pumpkin) are **orange**, not brown; CSS chocolate (C 0.155) stays brown;
* between light and vivid, orange is told from brown by lightness and
  chroma together, ``L + C >= 0.81``: the survey's "dull orange" (L 0.693,
  C 0.134) and "dark peach" say orange only, and #e67e22 (L 0.696,
  C 0.160), a clear orange, was brown under the older corner rule
  (L >= 0.70 and C >= 0.10); CSS peru (L + C = 0.801) and chocolate (0.789)
  stay brown;
* gray also needs C < 0.07 L: the survey's names that say only grey all have
  C/L <= 0.042, while dark tinted colors such as #544635 (C 0.033, L 0.40)
  are nearest to brown names (mud brown, brown).

With them, the survey name nearest a color says the color's family for
91.0% of a grid of 262,144 sRGB colors (89.7% before them, 90.8% before the
L + C line).

Colors near a boundary may fall on either side; the regions are a
convention for search facets. A swatch's ``name`` is chosen among the names
that say its family, so the two never disagree.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .colorspace import oklab_to_oklch

__all__ = [
    "FAMILIES",
    "NEUTRAL_FAMILIES",
    "is_neutral",
    "family_indices",
    "color_families",
    "color_family",
]

FAMILIES = (
    "red",
    "orange",
    "yellow",
    "green",
    "teal",
    "blue",
    "purple",
    "pink",
    "brown",
    "black",
    "gray",
    "white",
)
"""The twelve family names, in the order of a hue circle then the neutrals."""

WHITE_MIN_LIGHTNESS = 0.90
WHITE_MAX_CHROMA = 0.05
BLACK_MAX_LIGHTNESS = 0.20
DARK_MAX_LIGHTNESS = 0.30
GRAY_MAX_CHROMA = 0.04
GRAY_MAX_SATURATION = 0.07

# Hue sector boundaries in degrees (Oklch).
PINK_RED_HUE = 15.0
RED_ORANGE_HUE = 38.0
ORANGE_YELLOW_HUE = 80.0
OLIVE_HUE = 100.0
YELLOW_GREEN_HUE = 120.0
GREEN_TEAL_HUE = 170.0
TEAL_BLUE_HUE = 215.0
BLUE_PURPLE_HUE = 290.0
PURPLE_PINK_HUE = 335.0

PINK_MIN_LIGHTNESS = 0.50
DARK_MAGENTA_HUE = 350.0
LIGHT_RED_PINK_LIGHTNESS = 0.78
MUTED_RED_MAX_CHROMA = 0.08
LIGHT_MIN_LIGHTNESS = 0.70
ORANGE_MIN_CHROMA = 0.10
ORANGE_MIN_LIGHTNESS_PLUS_CHROMA = 0.81
VIVID_ORANGE_MIN_LIGHTNESS = 0.55
VIVID_ORANGE_MIN_CHROMA = 0.16
TAN_MAX_CHROMA = 0.08


def _as_oklab(oklab: npt.ArrayLike) -> npt.NDArray[np.float64]:
    lab = np.asarray(oklab, dtype=np.float64)
    if lab.ndim != 2 or lab.shape[1] != 3:
        raise ValueError(f"oklab must have shape (N, 3), got {lab.shape}")
    return lab


def family_indices(oklab: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Index into :data:`FAMILIES` of each color's family.

    Parameters
    ----------
    oklab : (N, 3) float
        Colors in Oklab, L in [0, 1]. N may be 0.

    Returns
    -------
    (N,) intp in [0, 12)
    """
    lch = oklab_to_oklch(_as_oklab(oklab))
    if lch.shape[0] <= _FEW:
        # A palette's few colors: the same rules on the same float64 values,
        # in Python (a few microseconds a color, against ~80 us of numpy calls).
        return np.array([_family_index(*row) for row in lch.tolist()], dtype=np.intp)
    lightness, chroma, hue = lch[:, 0], lch[:, 1], lch[:, 2]
    # Rules are tried in order; a rule only labels colors still unlabelled (-1).
    index = np.full(lightness.shape[0], -1, dtype=np.intp)

    def assign(mask: npt.NDArray[np.bool_], family: str) -> None:
        index[(index < 0) & mask] = FAMILIES.index(family)

    assign((lightness >= WHITE_MIN_LIGHTNESS) & (chroma < WHITE_MAX_CHROMA), "white")
    assign(
        (lightness < BLACK_MAX_LIGHTNESS)
        | ((lightness < DARK_MAX_LIGHTNESS) & (chroma < GRAY_MAX_CHROMA)),
        "black",
    )
    assign((chroma < GRAY_MAX_CHROMA) & (chroma < GRAY_MAX_SATURATION * lightness), "gray")

    magenta_red = (hue >= PURPLE_PINK_HUE) | (hue < PINK_RED_HUE)
    red_sector = (hue >= PINK_RED_HUE) & (hue < RED_ORANGE_HUE)
    orange_sector = (hue >= RED_ORANGE_HUE) & (hue < ORANGE_YELLOW_HUE)
    yellow_sector = (hue >= ORANGE_YELLOW_HUE) & (hue < YELLOW_GREEN_HUE)
    light = lightness >= LIGHT_MIN_LIGHTNESS

    assign(magenta_red & (lightness >= PINK_MIN_LIGHTNESS), "pink")
    assign((hue >= PURPLE_PINK_HUE) & (hue < DARK_MAGENTA_HUE), "purple")
    assign(magenta_red, "red")
    assign(red_sector & (lightness >= LIGHT_RED_PINK_LIGHTNESS), "pink")
    assign(red_sector & (chroma < MUTED_RED_MAX_CHROMA), "brown")
    assign(red_sector, "red")
    assign(
        orange_sector
        & (chroma >= ORANGE_MIN_CHROMA)
        & (lightness + chroma >= ORANGE_MIN_LIGHTNESS_PLUS_CHROMA),
        "orange",
    )
    assign(
        orange_sector
        & (lightness >= VIVID_ORANGE_MIN_LIGHTNESS)
        & (chroma >= VIVID_ORANGE_MIN_CHROMA),
        "orange",
    )
    assign(orange_sector, "brown")
    assign(yellow_sector & ~light & (hue >= OLIVE_HUE), "green")
    assign(yellow_sector & ~light, "brown")
    assign(yellow_sector & (chroma < TAN_MAX_CHROMA) & (hue < OLIVE_HUE), "brown")
    assign(yellow_sector, "yellow")
    assign((hue >= YELLOW_GREEN_HUE) & (hue < GREEN_TEAL_HUE), "green")
    assign((hue >= GREEN_TEAL_HUE) & (hue < TEAL_BLUE_HUE), "teal")
    assign((hue >= TEAL_BLUE_HUE) & (hue < BLUE_PURPLE_HUE), "blue")
    assign((hue >= BLUE_PURPLE_HUE) & (hue < PURPLE_PINK_HUE), "purple")
    # The hue sectors cover [0, 360): every color has been labelled.
    return index


_FEW = 32
"""Up to this many colors, :func:`family_indices` classifies one color at a time."""

_INDEX = {family: i for i, family in enumerate(FAMILIES)}


def _family_index(lightness: float, chroma: float, hue: float) -> int:
    """:func:`family_indices` of one color (Oklch), rule by rule in the same order
    and with the same comparisons; -1 where no rule holds (a NaN)."""
    if lightness >= WHITE_MIN_LIGHTNESS and chroma < WHITE_MAX_CHROMA:
        return _INDEX["white"]
    if lightness < BLACK_MAX_LIGHTNESS or (
        lightness < DARK_MAX_LIGHTNESS and chroma < GRAY_MAX_CHROMA
    ):
        return _INDEX["black"]
    if chroma < GRAY_MAX_CHROMA and chroma < GRAY_MAX_SATURATION * lightness:
        return _INDEX["gray"]
    if hue >= PURPLE_PINK_HUE or hue < PINK_RED_HUE:  # magenta to red
        if lightness >= PINK_MIN_LIGHTNESS:
            return _INDEX["pink"]
        if PURPLE_PINK_HUE <= hue < DARK_MAGENTA_HUE:
            return _INDEX["purple"]
        return _INDEX["red"]
    if PINK_RED_HUE <= hue < RED_ORANGE_HUE:
        if lightness >= LIGHT_RED_PINK_LIGHTNESS:
            return _INDEX["pink"]
        return _INDEX["brown"] if chroma < MUTED_RED_MAX_CHROMA else _INDEX["red"]
    if RED_ORANGE_HUE <= hue < ORANGE_YELLOW_HUE:
        if (
            chroma >= ORANGE_MIN_CHROMA and lightness + chroma >= ORANGE_MIN_LIGHTNESS_PLUS_CHROMA
        ) or (lightness >= VIVID_ORANGE_MIN_LIGHTNESS and chroma >= VIVID_ORANGE_MIN_CHROMA):
            return _INDEX["orange"]
        return _INDEX["brown"]
    if ORANGE_YELLOW_HUE <= hue < YELLOW_GREEN_HUE:
        if lightness < LIGHT_MIN_LIGHTNESS:
            return _INDEX["green"] if hue >= OLIVE_HUE else _INDEX["brown"]
        if chroma < TAN_MAX_CHROMA and hue < OLIVE_HUE:
            return _INDEX["brown"]
        return _INDEX["yellow"]
    if YELLOW_GREEN_HUE <= hue < GREEN_TEAL_HUE:
        return _INDEX["green"]
    if GREEN_TEAL_HUE <= hue < TEAL_BLUE_HUE:
        return _INDEX["teal"]
    if TEAL_BLUE_HUE <= hue < BLUE_PURPLE_HUE:
        return _INDEX["blue"]
    if BLUE_PURPLE_HUE <= hue < PURPLE_PINK_HUE:
        return _INDEX["purple"]
    return -1


NEUTRAL_FAMILIES = ("black", "gray", "white")
"""The families without a hue; ``--sort hue`` puts them last."""


def is_neutral(lightness: float, chroma: float) -> bool:
    """Whether one color's family is black, gray or white (the first three
    rows of the table), from its Oklab lightness and Oklch chroma alone.

    The same rules as :func:`family_indices`, on plain floats: about a
    microsecond, where classifying one color with numpy takes ~0.1 ms (sorting
    a palette by hue asks this of every swatch).
    """
    if lightness >= WHITE_MIN_LIGHTNESS and chroma < WHITE_MAX_CHROMA:
        return True
    if lightness < BLACK_MAX_LIGHTNESS or (
        lightness < DARK_MAX_LIGHTNESS and chroma < GRAY_MAX_CHROMA
    ):
        return True
    return chroma < GRAY_MAX_CHROMA and chroma < GRAY_MAX_SATURATION * lightness


def color_families(oklab: npt.ArrayLike) -> list[str]:
    """Basic color family of each color (regions in the module docstring).

    Parameters
    ----------
    oklab : (N, 3) float
        Colors in Oklab, L in [0, 1]. N may be 0.

    Returns
    -------
    list of N str
        Each one of :data:`FAMILIES`.
    """
    return [FAMILIES[i] for i in family_indices(oklab)]


def color_family(oklab: npt.ArrayLike) -> str:
    """Basic color family of one color given as an Oklab triple."""
    return color_families(np.asarray(oklab, dtype=np.float64).reshape(1, 3))[0]
