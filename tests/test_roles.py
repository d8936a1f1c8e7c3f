"""Theme roles: WCAG contrast, text colors, dominant and accent."""

from __future__ import annotations

import numpy as np
import pytest

from palettekit.colorspace import oklab_to_oklch, srgb_to_oklab
from palettekit.palette import Swatch
from palettekit.roles import (
    AA_NORMAL_TEXT,
    TextColor,
    contrast_ratio,
    relative_luminance,
    text_color,
    theme_roles,
)


def swatch(hex_code: str, count: int, total: int = 1000) -> Swatch:
    rgb = tuple(int(hex_code[i : i + 2], 16) for i in (1, 3, 5))
    lab = srgb_to_oklab(np.array(rgb) / 255.0)
    return Swatch(rgb, count / total, count, tuple(float(v) for v in lab), "x")  # type: ignore[arg-type]


def test_relative_luminance_reference_values() -> None:
    assert relative_luminance((0, 0, 0)) == 0.0
    assert relative_luminance((255, 255, 255)) == pytest.approx(1.0)
    # Primaries weigh 0.2126, 0.7152, 0.0722 (WCAG 2 / sRGB).
    assert relative_luminance((255, 0, 0)) == pytest.approx(0.2126)
    assert relative_luminance((0, 255, 0)) == pytest.approx(0.7152)
    assert relative_luminance((0, 0, 255)) == pytest.approx(0.0722)
    # Vectorised.
    assert relative_luminance([[0, 0, 0], [255, 255, 255]]).shape == (2,)


def test_contrast_ratio_reference_values() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0)
    assert contrast_ratio((120, 120, 120), (120, 120, 120)) == 1.0
    # The well-known AA thresholds of gray text on white: #767676 passes
    # (4.54:1) and #777777 just fails (4.48:1).
    assert contrast_ratio((0x76,) * 3, (255, 255, 255)) == pytest.approx(4.54, abs=0.005)
    assert contrast_ratio((0x77,) * 3, (255, 255, 255)) == pytest.approx(4.48, abs=0.005)


def all_colors(step: int = 17) -> np.ndarray:
    levels = np.arange(0, 256, step)
    return np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3)


def test_black_or_white_always_meets_aa() -> None:
    for rgb in all_colors():
        background = tuple(int(c) for c in rgb)
        text = text_color(background)
        assert text.kind in ("black", "white")
        assert text.rgb == ((0, 0, 0) if text.kind == "black" else (255, 255, 255))
        ratio = contrast_ratio(background, text.rgb)
        assert ratio >= AA_NORMAL_TEXT
        assert text.contrast <= ratio < text.contrast + 0.01
        # It is the better of the two.
        other = (255, 255, 255) if text.kind == "black" else (0, 0, 0)
        assert ratio >= contrast_ratio(background, other)


def test_tints_meet_aa_keep_the_hue_and_stay_closer_than_black_or_white() -> None:
    for rgb in all_colors(51):
        background = tuple(int(c) for c in rgb)
        tint = text_color(background, prefer="tint")
        ratio = contrast_ratio(background, tint.rgb)
        assert ratio >= AA_NORMAL_TEXT
        assert tint.contrast <= ratio
        if tint.kind != "tint":
            continue
        # Not more contrast than black or white would give.
        assert ratio <= text_color(background).contrast + 0.01
        lch_bg = oklab_to_oklch(srgb_to_oklab(np.array(background) / 255.0))
        lch_tint = oklab_to_oklch(srgb_to_oklab(np.array(tint.rgb) / 255.0))
        if lch_bg[1] > 0.05 and lch_tint[1] > 0.05:
            hue_gap = abs((lch_bg[2] - lch_tint[2] + 180.0) % 360.0 - 180.0)
            assert hue_gap < 20.0


def test_tint_on_a_saturated_blue_is_a_light_blue() -> None:
    tint = text_color((30, 60, 200), prefer="tint")
    assert tint.kind == "tint"
    assert tint.contrast >= 4.5
    r, g, b = tint.rgb
    assert b > r and b > g and min(tint.rgb) > 150


def test_higher_target_and_bad_preference() -> None:
    aaa = text_color((30, 60, 200), prefer="tint", target=7.0)
    assert aaa.contrast >= 7.0
    with pytest.raises(ValueError, match="prefer"):
        text_color((0, 0, 0), prefer="rainbow")


def test_dominant_and_accent() -> None:
    palette = [
        swatch("#e8dcc8", 550),  # beige backdrop: dominant
        swatch("#1f2a44", 250),  # navy: large, muted
        swatch("#ff6a13", 80),  # vivid orange: the accent
        swatch("#c0392b", 70),  # red, less chromatic than the orange
        swatch("#7f7f7f", 50),  # gray
    ]
    roles = theme_roles(palette)
    assert roles.dominant == 0
    assert roles.accent == 2
    assert len(roles.text) == 5
    assert all(t.contrast >= 4.5 for t in roles.text)
    data = roles.to_dict(palette)
    assert data["dominant"] == "#e8dcc8" and data["accent"] == "#ff6a13"
    assert data["text"][0] == {
        "background": "#e8dcc8",
        "hex": "#000000",
        "contrast": roles.text[0].contrast,
        "kind": "black",
    }


def test_no_accent_among_grays_or_when_colorful_swatches_are_large() -> None:
    grays = [swatch("#202020", 500), swatch("#909090", 300), swatch("#f0f0f0", 200)]
    assert theme_roles(grays).accent is None
    large = [swatch("#3050c0", 500), swatch("#c03030", 500)]
    assert theme_roles(large).accent is None


def test_accent_must_differ_from_the_dominant() -> None:
    # A small swatch nearly the dominant's color is not an accent.
    palette = [swatch("#d03030", 800), swatch("#d43434", 150), swatch("#808080", 50)]
    assert theme_roles(palette).accent is None


def test_dominant_tie_goes_to_the_first_and_empty_palette_fails() -> None:
    assert theme_roles([swatch("#101010", 500), swatch("#efefef", 500)]).dominant == 0
    with pytest.raises(ValueError, match="empty"):
        theme_roles([])


def test_text_color_to_dict() -> None:
    assert TextColor((255, 255, 255), 5.25, "white").to_dict() == {
        "hex": "#ffffff",
        "contrast": 5.25,
        "kind": "white",
    }
