"""Flat graphics with known colors: every designed color is found.

The flags in tests/data/flags were rendered from the flag-icons SVGs (MIT,
attribution in flags.json and LICENSE there) by bench/make_flag_tests.py,
which also states how each flag's designed colors were determined from its
SVG. For every flag with n designed colors:

* at k = n, each designed color has a palette color within 0.04 in Oklab
  (of the color or of a spelling merged into it, e.g. #000001 for #000000);
* at k="auto", exactly n colors come back.

A theme's colors are at least THEME_MIN_DISTANCE (0.08) apart by
definition, so for kind="theme" designed colors closer than that (Rwanda's
two yellows, 0.062 apart) are one color: each such group must be found, and
k="auto" must count the groups.

bench/bench_flags.py runs the same check on every flag of the package.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import palettekit
from palettekit.colorspace import srgb_to_oklab
from palettekit.theme import MIN_DISTANCE as THEME_MIN_DISTANCE

FLAGS_DIR = Path(__file__).parent / "data" / "flags"
FOUND_DISTANCE = 0.04

# Extra keyword arguments of extract() for each kind of palette checked.
KINDS = [
    pytest.param({}, id="palette"),
    pytest.param({"kind": "theme"}, id="theme"),
]


def _load_flags() -> list[dict[str, Any]]:
    document = json.loads((FLAGS_DIR / "flags.json").read_text())
    flags: list[dict[str, Any]] = document["flags"]
    return flags


FLAGS = _load_flags()

# Known failures, each with why. Kiribati's dark gold (#d8aa3f, 0.32 % of the
# flag in thin outlines) is its yellow darkened by 15 %: pixel for pixel the
# same as the anti-aliased middle of a thin dark line over the yellow, which
# palettekit.flat must not count as a color (Cambodia's and Bhutan's line
# drawings are such lines). strict: the test fails once it passes.
AUTO_K_KNOWN_FAILURES = {
    "ki": "a designed shade identical to a thin line's anti-aliasing (see above)",
}


def _auto_params() -> list[Any]:
    return [
        pytest.param(
            flag,
            id=flag["code"],
            marks=[pytest.mark.xfail(strict=True, reason=AUTO_K_KNOWN_FAILURES[flag["code"]])]
            if flag["code"] in AUTO_K_KNOWN_FAILURES
            else [],
        )
        for flag in FLAGS
    ]


def _hex_to_rgb(value: str) -> tuple[int, int, int]:
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def _oklab(colors: list[tuple[int, int, int]]) -> np.ndarray:
    return srgb_to_oklab(np.array(colors, dtype=np.float64).reshape(-1, 3) / 255.0)


def _designed_groups(flag: dict[str, Any], kind_options: dict[str, Any]) -> list[list[int]]:
    """Indices of the designed colors that count as one color for this kind.

    Each color alone for palettes; for themes, colors linked by steps closer
    than THEME_MIN_DISTANCE form one group.
    """
    n = len(flag["designed"])
    group = list(range(n))
    if kind_options.get("kind") == "theme":
        lab = _oklab([_hex_to_rgb(c) for c in flag["designed"]])
        close = np.linalg.norm(lab[:, None, :] - lab[None, :, :], axis=2) < THEME_MIN_DISTANCE
        for i in range(n):
            for j in range(i + 1, n):
                if close[i, j] and group[j] != group[i]:
                    old = group[j]
                    group = [group[i] if g == old else g for g in group]
    return [[i for i in range(n) if group[i] == g] for g in sorted(set(group))]


def _missing(
    flag: dict[str, Any], palette: palettekit.Palette, kind_options: dict[str, Any]
) -> list[str]:
    """Designed colors (groups) of ``flag`` with no palette color within FOUND_DISTANCE."""
    palette_lab = _oklab([swatch.rgb for swatch in palette.swatches])
    missing = []
    for members in _designed_groups(flag, kind_options):
        spellings = _oklab(
            [_hex_to_rgb(c) for i in members for c in [flag["designed"][i], *flag["aliases"][i]]]
        )
        distance = np.linalg.norm(spellings[:, None, :] - palette_lab[None, :, :], axis=2).min()
        if distance > FOUND_DISTANCE:
            colors = "/".join(flag["designed"][i] for i in members)
            share = sum(flag["shares"][i] for i in members)
            missing.append(f"{colors} ({share:.1%} of the flag, nearest {distance:.3f})")
    return missing


def _extract(
    flag: dict[str, Any], k: int | str, kind_options: dict[str, Any]
) -> palettekit.Palette:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", palettekit.FewerColorsWarning)
        return palettekit.extract(FLAGS_DIR / flag["file"], k=k, **kind_options)


def _describe(palette: palettekit.Palette) -> str:
    return " ".join(swatch.hex for swatch in palette.swatches)


@pytest.mark.parametrize("kind_options", KINDS)
@pytest.mark.parametrize("flag", FLAGS, ids=[flag["code"] for flag in FLAGS])
def test_every_designed_color_is_found_at_k_designed(
    flag: dict[str, Any], kind_options: dict[str, Any]
) -> None:
    palette = _extract(flag, len(_designed_groups(flag, kind_options)), kind_options)
    missing = _missing(flag, palette, kind_options)
    assert not missing, f"{flag['name']}: missed {', '.join(missing)}; palette {_describe(palette)}"


@pytest.mark.parametrize("kind_options", KINDS)
@pytest.mark.parametrize("flag", _auto_params())
def test_auto_k_counts_the_designed_colors(
    flag: dict[str, Any], kind_options: dict[str, Any]
) -> None:
    palette = _extract(flag, "auto", kind_options)
    assert len(palette.swatches) == len(_designed_groups(flag, kind_options)), (
        f"{flag['name']}: {len(palette.swatches)} colors ({_describe(palette)}), "
        f"designed {' '.join(flag['designed'])}"
    )


def test_the_set_holds_the_hard_cases() -> None:
    """The set keeps small designed colors (stars, thin outlines) and many-color flags."""
    smallest = [min(flag["shares"]) for flag in FLAGS]
    assert len(FLAGS) >= 200
    assert sum(share <= 0.01 for share in smallest) >= 15
    assert sum(len(flag["designed"]) >= 5 for flag in FLAGS) >= 15


def test_the_designed_colors_are_in_the_images() -> None:
    """Each designed color covers about its stated area of the committed PNG."""
    from PIL import Image

    for flag in FLAGS:
        pixels = np.asarray(Image.open(FLAGS_DIR / flag["file"]).convert("RGB")).reshape(-1, 3)
        pixels = pixels.astype(np.int16)
        for color, share, aliases in zip(
            flag["designed"], flag["shares"], flag["aliases"], strict=True
        ):
            exact = np.zeros(pixels.shape[0], dtype=bool)
            for spelling in [color, *aliases]:
                rgb = np.array(_hex_to_rgb(spelling), dtype=np.int16)
                exact |= np.abs(pixels - rgb).max(axis=1) <= 1
            # Interior pixels only: anti-aliased edges are mixes, and the
            # areas were measured on a render twice this size.
            assert 0.5 * share <= exact.mean() <= share + 0.01, (flag["code"], color)


def test_attribution_ships_with_the_images() -> None:
    document = json.loads((FLAGS_DIR / "flags.json").read_text())
    assert "flag-icons" in document["source"] and "MIT" in document["source"]
    assert "Permission is hereby granted" in (FLAGS_DIR / "LICENSE").read_text()
    assert {p.name for p in FLAGS_DIR.glob("*.png")} == {flag["file"] for flag in FLAGS}


@pytest.mark.parametrize("kind_options", KINDS)
@pytest.mark.parametrize(
    "flag",
    [flag for flag in FLAGS if len(flag["designed"]) >= 3],
    ids=[flag["code"] for flag in FLAGS if len(flag["designed"]) >= 3],
)
def test_below_the_designed_count_every_color_is_designed_and_the_largest_come_back(
    flag: dict[str, Any], kind_options: dict[str, Any]
) -> None:
    """At k = n - 1 each color is one of the flag's own (clustering averaged
    two into a color the flag does not have), and the largest designed color
    is among them."""
    k = len(_designed_groups(flag, kind_options)) - 1
    palette = _extract(flag, k, kind_options)
    spellings = [c for i, d in enumerate(flag["designed"]) for c in [d, *flag["aliases"][i]]]
    designed_lab = _oklab([_hex_to_rgb(c) for c in spellings])
    for swatch in palette.swatches:
        distance = np.linalg.norm(designed_lab - _oklab([swatch.rgb]), axis=1).min()
        assert distance <= FOUND_DISTANCE, (
            f"{flag['name']}: {swatch.hex} is not a designed color; palette {_describe(palette)}"
        )
    # the largest (or one of the largest, for bands of equal area: a tricolor)
    top = max(flag["shares"])
    pairs = zip(flag["designed"], flag["shares"], strict=True)
    largest = _oklab([_hex_to_rgb(c) for c, s in pairs if s >= top - 0.005])
    palette_lab = _oklab([swatch.rgb for swatch in palette.swatches])
    distance = np.linalg.norm(palette_lab[:, None, :] - largest[None, :, :], axis=2).min()
    assert distance <= FOUND_DISTANCE, f"{flag['name']}: no largest color in {_describe(palette)}"
