"""Theme roles from one palette: dominant, accent, and readable text colors.

* **dominant**: the swatch with the largest share.
* **accent**: among the swatches other than the dominant whose share is at
  most :data:`ACCENT_MAX_SHARE` (25 %) and whose Oklch chroma is at least
  :data:`ACCENT_MIN_CHROMA` (0.08, a clearly colored swatch), the most
  chromatic one, provided it lies at least :data:`ACCENT_MIN_DISTANCE` from
  the dominant color in Oklab. None when no swatch qualifies (a palette of
  grays, or one whose only colorful swatch is the dominant).
* **text color** for each swatch, meeting WCAG 2 level AA for normal text
  (contrast ratio >= 4.5:1), reported with its ratio:

  - ``"black-white"`` (default): black or white, whichever contrasts more.
    One of the two always reaches at least 4.58:1: for a swatch of
    luminance Y the two ratios are 1.05 / (Y + 0.05) and (Y + 0.05) / 0.05,
    whose product is 21, so the larger is at least sqrt(21).
  - ``"tint"``: a color of the swatch's own hue, as close to the swatch's
    lightness as AA allows -- lighter (a tint) on dark swatches, darker (a
    shade) on light ones, taking the direction with more headroom -- with
    chroma kept at most the swatch's. Falls back to black or white only if
    no such color reaches the target (it always exists at the extremes).

Contrast follows WCAG 2.x: relative luminance
``Y = 0.2126 R + 0.7152 G + 0.0722 B`` of the linearised sRGB channels
(``c / 12.92`` if ``c <= 0.03928``, else ``((c + 0.055) / 1.055) ** 2.4``),
and ratio ``(Y_lighter + 0.05) / (Y_darker + 0.05)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .colorspace import oklab_to_srgb, oklch_to_oklab, srgb_to_oklab, srgb_to_uint8
from .palette import Palette, Swatch

__all__ = [
    "AA_NORMAL_TEXT",
    "ACCENT_MAX_SHARE",
    "ACCENT_MIN_CHROMA",
    "ACCENT_MIN_DISTANCE",
    "TextColor",
    "ThemeRoles",
    "relative_luminance",
    "contrast_ratio",
    "text_color",
    "theme_roles",
]

AA_NORMAL_TEXT = 4.5
"""WCAG 2 level AA minimum contrast ratio for normal-size text."""

ACCENT_MAX_SHARE = 0.25
"""An accent covers at most this share of the image."""

ACCENT_MIN_CHROMA = 0.08
"""An accent has at least this Oklch chroma."""

ACCENT_MIN_DISTANCE = 0.08
"""An accent lies at least this far from the dominant color in Oklab."""

_WCAG_LINEAR_THRESHOLD = 0.03928
_WCAG_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])
_BISECTION_STEPS = 24
_CHROMA_STEPS = 64
_GAMUT_EPSILON = 1e-6

RGB = tuple[int, int, int]


def relative_luminance(rgb: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """WCAG 2 relative luminance.

    Parameters
    ----------
    rgb : (..., 3) int or float
        sRGB in [0, 255].

    Returns
    -------
    (...) float64 in [0, 1]
        0 for black, 1 for white.
    """
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= _WCAG_LINEAR_THRESHOLD, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return np.asarray(linear @ _WCAG_WEIGHTS, dtype=np.float64)


def contrast_ratio(rgb_a: npt.ArrayLike, rgb_b: npt.ArrayLike) -> float:
    """WCAG 2 contrast ratio of two sRGB colors in [0, 255], in [1, 21]."""
    ya = float(relative_luminance(rgb_a))
    yb = float(relative_luminance(rgb_b))
    lighter, darker = max(ya, yb), min(ya, yb)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class TextColor:
    """A text color for one background swatch.

    Attributes
    ----------
    rgb : tuple of 3 int
        sRGB in [0, 255].
    contrast : float
        WCAG 2 contrast ratio against the swatch, rounded to 2 decimals
        (rounded down, so a reported 4.5 is at least 4.5).
    kind : str
        "black", "white" or "tint" (a color of the swatch's hue).
    """

    rgb: RGB
    contrast: float
    kind: str

    @property
    def hex(self) -> str:
        """Lowercase ``#rrggbb``."""
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: hex, contrast, kind."""
        return {"hex": self.hex, "contrast": self.contrast, "kind": self.kind}


def _floor2(value: float) -> float:
    return math.floor(value * 100.0) / 100.0


def _black_or_white(background: RGB) -> TextColor:
    on_black = contrast_ratio(background, (0, 0, 0))
    on_white = contrast_ratio(background, (255, 255, 255))
    if on_white >= on_black:
        return TextColor((255, 255, 255), _floor2(on_white), "white")
    return TextColor((0, 0, 0), _floor2(on_black), "black")


def _tint_towards(background: RGB, lighter: bool, target: float) -> RGB | None:
    """The tint (or shade) of the background's hue nearest in lightness that
    reaches ``target``, found by bisection on Oklch lightness; None if even
    the extreme does not."""
    lab = srgb_to_oklab(np.asarray(background, dtype=np.float64) / 255.0)
    lightness = float(lab[0])
    chroma = math.hypot(float(lab[1]), float(lab[2]))
    hue = math.degrees(math.atan2(float(lab[2]), float(lab[1])))

    chroma_steps = np.linspace(1.0, 0.0, _CHROMA_STEPS + 1) * chroma

    def color_at(new_lightness: float) -> RGB:
        # Keep the hue; take the largest chroma (up to the swatch's, in
        # steps of 1/64 of it) whose color is inside sRGB.
        lch = np.stack(
            [
                np.full_like(chroma_steps, new_lightness),
                chroma_steps,
                np.full_like(chroma_steps, hue),
            ],
            axis=1,
        )
        srgb = oklab_to_srgb(oklch_to_oklab(lch))
        inside = np.all((srgb >= -_GAMUT_EPSILON) & (srgb <= 1.0 + _GAMUT_EPSILON), axis=1)
        first = int(np.argmax(inside)) if inside.any() else _CHROMA_STEPS
        rgb8 = srgb_to_uint8(srgb[first])
        return (int(rgb8[0]), int(rgb8[1]), int(rgb8[2]))

    extreme = 1.0 if lighter else 0.0
    if contrast_ratio(background, color_at(extreme)) < target:
        return None
    near, far = lightness, extreme
    for _ in range(_BISECTION_STEPS):
        middle = (near + far) / 2.0
        if contrast_ratio(background, color_at(middle)) >= target:
            far = middle
        else:
            near = middle
    return color_at(far)


def text_color(
    background: RGB, *, prefer: str = "black-white", target: float = AA_NORMAL_TEXT
) -> TextColor:
    """A readable text color on ``background`` (see the module docstring).

    Parameters
    ----------
    background : tuple of 3 int
        sRGB in [0, 255].
    prefer : {"black-white", "tint"}
        Black or white, or a tint/shade of the background's own hue.
    target : float
        Smallest contrast ratio wanted, in [1, 21]; 4.5 is WCAG AA for normal
        text, 7 is AAA.

    Returns
    -------
    TextColor
        Its ``contrast`` is >= ``target`` whenever black or white reaches the
        target (always for targets up to 4.58).
    """
    if prefer not in ("black-white", "tint"):
        raise ValueError(f"prefer must be 'black-white' or 'tint', got {prefer!r}")
    fallback = _black_or_white(background)
    if prefer == "black-white":
        return fallback
    # Try the direction with more headroom first.
    lighter_first = fallback.kind == "white"
    for lighter in (lighter_first, not lighter_first):
        tint = _tint_towards(background, lighter, target)
        if tint is not None:
            return TextColor(tint, _floor2(contrast_ratio(background, tint)), "tint")
    return fallback


@dataclass(frozen=True)
class ThemeRoles:
    """Roles of a palette's swatches in a theme.

    Attributes
    ----------
    dominant : int
        Index (into the palette, in its order) of the dominant swatch.
    accent : int or None
        Index of the accent swatch, if any.
    text : tuple of TextColor
        A text color for each swatch, in palette order.
    """

    dominant: int
    accent: int | None
    text: tuple[TextColor, ...]

    def to_dict(self, palette: Sequence[Swatch]) -> dict[str, Any]:
        """Plain data, naming the swatches by hex."""
        return {
            "dominant": palette[self.dominant].hex,
            "accent": None if self.accent is None else palette[self.accent].hex,
            "text": [
                {"background": swatch.hex, **text.to_dict()}
                for swatch, text in zip(palette, self.text, strict=True)
            ],
        }


def dominant_index(swatches: Sequence[Swatch]) -> int:
    """Index of the swatch with the largest share (first one on a tie)."""
    if not swatches:
        raise ValueError("an empty palette has no dominant color")
    return max(range(len(swatches)), key=lambda i: (swatches[i].share, -i))


def accent_index(swatches: Sequence[Swatch], dominant: int) -> int | None:
    """Index of the accent swatch (rules in the module docstring), or None."""
    base = np.asarray(swatches[dominant].oklab)
    best: int | None = None
    for i, swatch in enumerate(swatches):
        if i == dominant or swatch.share > ACCENT_MAX_SHARE:
            continue
        if swatch.chroma < ACCENT_MIN_CHROMA:
            continue
        if float(np.linalg.norm(np.asarray(swatch.oklab) - base)) < ACCENT_MIN_DISTANCE:
            continue
        if best is None or swatch.chroma > swatches[best].chroma:
            best = i
    return best


def theme_roles(palette: Palette | Sequence[Swatch], *, prefer: str = "black-white") -> ThemeRoles:
    """Dominant, accent and a text color for every swatch of a palette.

    Parameters
    ----------
    palette : Palette or sequence of Swatch
        At least one swatch.
    prefer : {"black-white", "tint"}
        Kind of text color, see :func:`text_color`.

    Returns
    -------
    ThemeRoles
    """
    swatches = list(palette)
    dominant = dominant_index(swatches)
    return ThemeRoles(
        dominant=dominant,
        accent=accent_index(swatches, dominant),
        text=tuple(text_color(s.rgb, prefer=prefer) for s in swatches),
    )
