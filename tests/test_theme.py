"""kind="theme": k distinct real colors a person would pick."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import warnings
from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import palettekit
import palettekit.theme as theme_module
from flag_images import flags, srgb_hex_to_array
from palettekit import FewerColorsWarning, Options, OptionsError, cluster
from palettekit.colorspace import oklab_to_oklch, srgb_to_oklab
from palettekit.histogram import ColorHistogram, color_histogram
from palettekit.theme import (
    DEFAULT_THEME_PARAMS,
    MIN_DISTANCE,
    select_theme,
    spatial_saliency,
    theme_input,
)

ROOT = Path(__file__).resolve().parent.parent
MACAWS = ROOT / "examples" / "macaws.png"
KINGFISHER = ROOT / "examples" / "kingfisher.png"
CQ100 = ROOT.parent / "shared" / "corpus" / "cq100"
if not CQ100.is_dir():  # a worktree under /work/wt
    CQ100 = Path("/work/shared/corpus/cq100")
needs_corpus = pytest.mark.skipif(not CQ100.is_dir(), reason="corpus not present")

# Every fifth CQ100 photo: varied subjects, a test that stays quick.
CQ100_SAMPLE = (
    "adirondack_chairs",
    "common_jezebel",
    "fruit_stand",
    "king_penguin",
    "mangoes",
    "peacock",
    "rescue_helicopter",
    "spices",
    "umbrellas",
    "wool_carder_bee",
)


def theme(source, k=5, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewerColorsWarning)
        return palettekit.extract(source, k=k, kind="theme", **kwargs)


def image_oklab(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Distinct colors of the image's pixels (full size) in Oklab, and their counts."""
    rgb = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    colors, counts = np.unique(rgb, axis=0, return_counts=True)
    return srgb_to_oklab(colors / 255.0), counts


def pairwise_min(oklab: np.ndarray) -> float:
    d = np.sqrt(((oklab[:, None] - oklab[None]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    return float(d.min())


def swatch_oklab(palette) -> np.ndarray:
    """Oklab of the swatches' 8-bit colors, recomputed (not the rounded meta values)."""
    return srgb_to_oklab(np.array([s.rgb for s in palette], dtype=np.float64) / 255.0)


# --- the requirements of the issue -------------------------------------------------


def assert_real_and_distinct(path: Path, k: int) -> None:
    lab, counts = image_oklab(path)
    palette = theme(path, k=k)
    ok = swatch_oklab(palette)
    for swatch, color in zip(palette, ok, strict=True):
        near = np.sqrt(((lab - color) ** 2).sum(axis=1)) <= 0.02
        share = counts[near].sum() / counts.sum()
        assert share >= 0.0005, (path.name, k, swatch.hex, share)
    if len(palette) > 1:
        assert pairwise_min(ok) >= MIN_DISTANCE, (path.name, k, [s.hex for s in palette])


@pytest.mark.parametrize("k", [5, 8])
@pytest.mark.parametrize("path", [MACAWS, KINGFISHER], ids=["macaws", "kingfisher"])
def test_every_theme_color_is_real_and_no_two_are_close_on_the_examples(path, k):
    assert_real_and_distinct(path, k)


@needs_corpus
@pytest.mark.parametrize("name", CQ100_SAMPLE)
def test_every_theme_color_is_real_and_no_two_are_close_on_photos(name):
    for k in (5, 8):
        assert_real_and_distinct(CQ100 / f"{name}.png", k)


def test_an_average_of_two_colors_is_never_a_theme_color():
    # Half red, half blue, finely interleaved: k-means at k=1 gives purple,
    # which is not in the image; a theme gives one of the two real colors.
    image = np.zeros((64, 64, 3), dtype=np.uint8)
    image[::2] = (220, 30, 40)
    image[1::2] = (30, 60, 220)
    (swatch,) = theme(image, k=1)
    assert swatch.rgb in ((220, 30, 40), (30, 60, 220))
    assert swatch.share == 1.0


def test_fewer_distinct_colors_than_k_gives_fewer_colors_and_the_warning():
    image = np.zeros((40, 60, 3), dtype=np.uint8)
    image[:, :20] = (200, 30, 30)
    image[:, 20:40] = (30, 160, 60)
    image[:, 40:] = (40, 50, 200)
    with pytest.warns(FewerColorsWarning, match="only 3 distinct colors for a theme"):
        palette = palettekit.extract(image, k=5, kind="theme")
    assert sorted(s.rgb for s in palette) == sorted([(200, 30, 30), (30, 160, 60), (40, 50, 200)])
    assert palette.meta["k_returned"] == 3
    assert palette.meta["warnings"]


def test_colors_closer_than_the_minimum_count_as_one_for_a_theme():
    # Two blues 0.05 apart and a red: a theme has two colors, not three.
    blue = np.array([[40, 60, 200]], dtype=np.float64)
    lighter = np.array([[60, 85, 215]], dtype=np.float64)
    gap = np.sqrt(((srgb_to_oklab(blue / 255) - srgb_to_oklab(lighter / 255)) ** 2).sum())
    assert 0.03 < gap < MIN_DISTANCE
    image = np.zeros((30, 90, 3), dtype=np.uint8)
    image[:, :30] = blue[0]
    image[:, 30:60] = lighter[0]
    image[:, 60:] = (210, 40, 40)
    with pytest.warns(FewerColorsWarning):
        palette = palettekit.extract(image, k=3, kind="theme")
    assert len(palette) == 2
    assert (210, 40, 40) in [s.rgb for s in palette]


def hue_ranges(palette) -> list[tuple[float, float, float]]:
    return [tuple(v) for v in oklab_to_oklch(swatch_oklab(palette))]


def test_macaws_theme_has_yellow_red_blue_teal_and_green():
    palette = theme(MACAWS, k=5)
    lch = hue_ranges(palette)

    def has(low: float, high: float, min_chroma: float) -> bool:
        return any(low <= h < high and c >= min_chroma for _, c, h in lch)

    names = [s.hex for s in palette]
    assert has(75, 110, 0.10), ("yellow", names)  # the chest
    assert has(10, 45, 0.10), ("red", names)  # the scarlet macaw
    assert has(180, 260, 0.04), ("blue-teal", names)  # the wings
    assert has(115, 170, 0.06), ("green", names)  # the leaves and the heads


# What a person names first in these photos, by color family; each list
# was missing at least one family before the same-hue penalty, the smaller
# large-area rule and the typical vivid version (the chilies had no blue
# bowl and no orange, the girls no blue scarf, the kingfisher only the cyan
# highlight of its back, the eggs no yellow, the cars no yellow car).
PERSON_SEES = {
    "chili_peppers": {"red", "orange", "green", "blue"},
    "schoolgirls": {"red", "orange", "blue"},
    "kingfisher": {"blue", "yellow"},
    "easter_eggs": {"blue", "green", "orange", "yellow"},
    "vintage_cars": {"yellow", "green", "gray"},
}


@needs_corpus
@pytest.mark.parametrize("name", sorted(PERSON_SEES))
def test_a_theme_has_the_color_families_a_person_sees(name):
    palette = theme(CQ100 / f"{name}.png", k=5)
    families = {s.family for s in palette}
    missing = PERSON_SEES[name] - families
    assert not missing, (missing, [(s.hex, s.family) for s in palette])


def test_a_theme_is_more_vivid_than_the_palette_on_the_examples():
    for path in (MACAWS, KINGFISHER):
        chroma = {}
        for kind in ("palette", "theme"):
            palette = palettekit.extract(path, k=5, kind=kind)
            chroma[kind] = np.mean([c for _, c, _ in hue_ranges(palette)])
        assert chroma["theme"] > 1.2 * chroma["palette"], (path.name, chroma)


# --- flat graphics -----------------------------------------------------------------


FLAGS = flags()


def designed_colors_found(palette, designed: tuple[str, ...]) -> float:
    """Largest Oklab distance from a designed color to the nearest palette color."""
    want = srgb_to_oklab(srgb_hex_to_array(designed) / 255.0)
    got = swatch_oklab(palette)
    return float(np.sqrt(((want[:, None] - got[None]) ** 2).sum(axis=2)).min(axis=1).max())


@pytest.mark.parametrize("flag", FLAGS, ids=[f.name for f in FLAGS])
def test_flags_every_designed_color_is_found_even_a_one_percent_star(flag):
    palette = theme(flag.image, k=len(flag.colors))
    assert len(palette) == len(flag.colors)
    assert designed_colors_found(palette, flag.colors) <= 0.04, [s.hex for s in palette]


@pytest.mark.parametrize("flag", FLAGS, ids=[f.name for f in FLAGS])
def test_flags_saved_as_jpeg_still_give_every_designed_color(flag):
    buffer = io.BytesIO()
    Image.fromarray(flag.image).save(buffer, "JPEG", quality=85)
    palette = theme(buffer.getvalue(), k=len(flag.colors))
    assert designed_colors_found(palette, flag.colors) <= 0.04, [s.hex for s in palette]


@pytest.mark.parametrize("flag", FLAGS, ids=[f.name for f in FLAGS])
def test_flags_k_auto_theme_has_exactly_the_designed_colors(flag):
    palette = palettekit.extract(flag.image, k="auto", kind="theme")
    assert len(palette) == len(flag.colors), [s.hex for s in palette]
    assert designed_colors_found(palette, flag.colors) <= 0.04


# --- auto, determinism, shares, meta -----------------------------------------------


def test_k_auto_works_with_themes_on_a_photo():
    palette = palettekit.extract(MACAWS, k="auto", kind="theme")
    assert 1 <= len(palette) <= Options().max_k
    assert palette.meta["kind"] == "theme"
    assert palette.meta["auto_k"]["k"] == palette.meta["k"]
    assert len(palette) <= palette.meta["k"]
    if len(palette) > 1:
        assert pairwise_min(swatch_oklab(palette)) >= MIN_DISTANCE


def test_themes_are_deterministic_and_independent_of_the_seed():
    first = palettekit.extract(MACAWS, k=6, kind="theme")
    again = palettekit.extract(MACAWS, k=6, kind="theme")
    other_seed = palettekit.extract(MACAWS, k=6, kind="theme", seed=123)
    assert first.to_dict()["colors"] == again.to_dict()["colors"]
    assert [s.rgb for s in first] == [s.rgb for s in other_seed]


def test_a_theme_is_the_same_in_a_separate_process():
    code = (
        "import json, palettekit; "
        f"theme = palettekit.extract({str(MACAWS)!r}, k=5, kind='theme'); "
        "print(json.dumps([s.hex for s in theme]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == [s.hex for s in palettekit.extract(MACAWS, k=5, kind="theme")]


def matched_distance(a: palettekit.Palette, b: palettekit.Palette) -> float:
    """Mean Oklab distance of the best one-to-one matching of two themes' colors."""
    from scipy.optimize import linear_sum_assignment

    lab_a = srgb_to_oklab(np.array([s.rgb for s in a], dtype=np.float64) / 255.0)
    lab_b = srgb_to_oklab(np.array([s.rgb for s in b], dtype=np.float64) / 255.0)
    cost = np.sqrt(((lab_a[:, None, :] - lab_b[None, :, :]) ** 2).sum(axis=2))
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


@pytest.mark.parametrize(("path", "scale"), [(KINGFISHER, 2), (MACAWS, 4)])
def test_a_theme_is_the_same_for_the_photo_at_another_size(path, scale):
    # issue 18 section 2: a thumbnail and the full photo give the same theme.
    # Before the fixed-size, area-averaged theme input: 0.039 (kingfisher at
    # 1/2, a 0.30 pair: another area chosen) and 0.049 (macaws at 1/4).
    full = Image.open(path).convert("RGB")
    small = full.resize((full.width // scale, full.height // scale), Image.Resampling.LANCZOS)
    assert len(theme(full, k=8)) == len(theme(small, k=8)) == 8
    assert matched_distance(theme(full, k=8), theme(small, k=8)) <= 0.025


def test_the_theme_input_is_area_averaged_to_a_fixed_size():
    params = replace(DEFAULT_THEME_PARAMS, input_pixels=600)
    checker = np.indices((40, 60)).sum(axis=0) % 2  # black and white pixels, alternating
    image = Image.fromarray((checker * 255).astype(np.uint8)).convert("RGB")
    reduced = theme_input(image, params=params)
    assert reduced.shape == (20, 30, 3)  # 600 pixels, the aspect ratio kept
    assert np.abs(reduced.astype(int) - 128).max() <= 1  # every pixel the average gray
    small = Image.fromarray(np.zeros((10, 10, 4), dtype=np.uint8))
    assert theme_input(small, params=params).shape == (10, 10, 4)  # never enlarged
    gray = Image.fromarray(np.full((30, 30), 77, dtype=np.uint8))  # mode L
    assert theme_input(gray, params=params).shape == (24, 24, 4)


def test_shares_count_the_pixels_nearest_to_each_theme_color():
    image = np.zeros((50, 100, 3), dtype=np.uint8)
    image[:, :70] = (30, 90, 40)  # 70 % green
    image[:, 70:95] = (240, 240, 235)  # 25 % white
    image[:, 95:] = (230, 200, 20)  # 5 % yellow
    image[10, 10] = (35, 95, 45)  # one near-green pixel, counted with the green
    palette = theme(image, k=3)
    shares = {s.rgb: s.share for s in palette}
    assert shares == {(30, 90, 40): 0.7, (240, 240, 235): 0.25, (230, 200, 20): 0.05}
    assert sum(s.count for s in palette) == image.shape[0] * image.shape[1]


def test_theme_meta_and_options_round_trip():
    palette = theme(MACAWS, k=5)
    meta = palette.meta
    assert meta["kind"] == "theme"
    assert meta["options"]["kind"] == "theme"
    assert meta["theme"]["candidates"] >= len(palette)
    assert "theme" in meta["timings"] and "saliency" in meta["timings"]
    assert Options.from_dict(meta["options"]).kind == "theme"
    assert palettekit.extract(MACAWS, k=5).meta["kind"] == "palette"


def test_kind_is_validated():
    assert Options(kind="THEME").kind == "theme"
    with pytest.raises(OptionsError, match="kind must be one of palette, theme"):
        Options(kind="mood")
    with pytest.raises(OptionsError):
        palettekit.extract(MACAWS, kind=3)


def test_themes_work_on_every_route_through_the_pipeline(tmp_path):
    # transparency, a crop, a mask-free region, several images merged, sorting
    rgba = np.zeros((40, 40, 4), dtype=np.uint8)
    rgba[:, :20] = (200, 40, 40, 255)
    rgba[:, 20:] = (40, 40, 200, 255)
    rgba[:10] = 0  # a transparent band
    palette = theme(rgba, k=4)
    assert {s.rgb for s in palette} == {(200, 40, 40), (40, 40, 200)}
    assert palette.meta["transparent_share"] == pytest.approx(0.25)
    cropped = theme(MACAWS, k=4, crop=(0.0, 0.3, 0.45, 1.0))  # the blue-and-yellow macaw
    assert cropped.meta["kind"] == "theme" and len(cropped) == 4
    merged = palettekit.extract_merged([MACAWS, KINGFISHER], k=6, kind="theme")
    assert merged.meta["kind"] == "theme" and len(merged) == 6
    by_hue = theme(MACAWS, k=5, sort="hue")
    assert sorted(s.hex for s in by_hue) == sorted(s.hex for s in theme(MACAWS, k=5))


def test_select_theme_without_saliency_and_a_single_color():
    histogram = color_histogram(np.full((10, 3), (12, 200, 99), dtype=np.uint8), 5)
    result = select_theme(histogram, 3)
    assert result.srgb.shape == (1, 3)
    assert tuple(int(v) for v in result.srgb[0]) == (12, 200, 99)


def test_spatial_saliency_prefers_an_object_to_its_background():
    image = np.full((200, 300, 3), (90, 110, 90), dtype=np.uint8)  # a dull backdrop
    image[80:120, 130:170] = (230, 60, 30)  # an object in the middle
    saliency = spatial_saliency(Image.fromarray(image))
    both = color_histogram(np.array([[90, 110, 90], [230, 60, 30]], dtype=np.uint8), 8)
    backdrop, thing = saliency.lookup(both)
    assert thing > 3 * backdrop
    flat = spatial_saliency(Image.fromarray(np.zeros((20, 20, 3), dtype=np.uint8)))
    assert flat.lookup(both).tolist() == [1.0, 1.0]


def test_cli_kind_theme(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "palettekit", str(MACAWS), "--kind", "theme", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["meta"]["kind"] == "theme"
    assert [c["hex"] for c in data["colors"]] == [s.hex for s in theme(MACAWS, k=5)]
    text = subprocess.run(
        [sys.executable, "-m", "palettekit", str(MACAWS), "--kind", "theme"],
        capture_output=True,
        text=True,
    )
    assert "5 theme colors" in text.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "palettekit", str(MACAWS), "--kind", "mood"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr and "kind" in bad.stderr


def test_the_knobs_are_a_frozen_object_a_caller_can_tune():
    with pytest.raises(FrozenInstanceError):
        DEFAULT_THEME_PARAMS.min_distance = 0.2  # type: ignore[misc]
    assert MIN_DISTANCE == DEFAULT_THEME_PARAMS.min_distance
    rgb = np.asarray(Image.open(MACAWS).convert("RGB")).reshape(-1, 3)
    histogram = color_histogram(rgb, 5)
    default = select_theme(histogram, 8)
    assert pairwise_min(default.oklab) < 0.2
    wide = select_theme(histogram, 8, params=replace(DEFAULT_THEME_PARAMS, min_distance=0.2))
    assert pairwise_min(wide.oklab) >= 0.2
    assert len(wide.srgb) < len(default.srgb)
    # The spatial term's knobs reach spatial_saliency too.
    image = np.full((200, 300, 3), (90, 110, 90), dtype=np.uint8)
    image[80:120, 130:170] = (230, 60, 30)
    coarse = spatial_saliency(
        Image.fromarray(image), params=replace(DEFAULT_THEME_PARAMS, saliency_bits=3)
    )
    assert coarse.bits == 3


# --- subjects over specks, vivid colors spread over shades (issue 18 §3) -----------


def _oklch_pixels(rng, n: int, lightness, chroma, hue) -> np.ndarray:
    """(n, 3) float sRGB in [0, 255] of uniformly random Oklch in the given ranges."""
    from palettekit.colorspace import oklab_to_srgb

    lch = [rng.uniform(*lightness, n), rng.uniform(*chroma, n), np.radians(rng.uniform(*hue, n))]
    lab = np.stack([lch[0], lch[1] * np.cos(lch[2]), lch[1] * np.sin(lch[2])], axis=1)
    return np.clip(oklab_to_srgb(lab) * 255.0, 0.0, 255.0)


def night_street() -> Image.Image:
    """A dark street with a compact muted salmon shop front and a soft purple
    awning; neon signs in 2-pixel strokes, a red (about 6.8 % of the image)
    and a yellow (1.75 %), each spread over many shades."""
    rng = np.random.default_rng(5)
    image = np.zeros((160, 240, 3))
    image[:] = (28, 26, 36)
    image[110:] = (52, 50, 56)  # the street
    image += rng.normal(0, 4, (160, 240, 1))
    image[20:50, 150:215] = (205, 140, 128)  # salmon, 5 %
    image[60:95, 10:60] = (132, 112, 152)  # soft purple, 4.6 %
    red = np.zeros((160, 240), dtype=bool)
    for x in range(70, 140, 7):
        red[10:100, x : x + 2] = True
    for y in range(12, 100, 11):
        red[y : y + 2, 70:140] = True
    yellow = np.zeros((160, 240), dtype=bool)
    for x in range(160, 230, 9):
        yellow[58:100, x : x + 2] = True
    image[red] = _oklch_pixels(rng, int(red.sum()), (0.45, 0.72), (0.15, 0.24), (18, 34))
    image[yellow] = _oklch_pixels(rng, int(yellow.sum()), (0.78, 0.92), (0.12, 0.18), (90, 105))
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


@pytest.mark.parametrize("k", [5, 8])
def test_vivid_colors_spread_over_many_shades_are_kept(k):
    # Before the coarse candidate levels, no shade of the yellow had a
    # well-populated bin: the theme had no yellow at all (k=8 gave 6 colors).
    palette = theme(night_street(), k=k)
    lch = hue_ranges(palette)
    names = [s.hex for s in palette]
    assert len(palette) == k, names
    assert any(15 <= h < 45 and c >= 0.15 for _, c, h in lch), ("red", names)
    assert any(80 <= h < 115 and c >= 0.10 for _, c, h in lch), ("yellow", names)


RUST = (160, 84, 48)
BLOSSOM = (236, 234, 222)


def orchard() -> Image.Image:
    """Sky, dark foliage, light grass and a path; near-white blossoms in
    scattered single pixels (12 % of the image) over the foliage, and the
    rust of a girl's dress, one coherent region of 2.5 %."""
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:160, 0:240]
    image = np.zeros((160, 240, 3))
    image[:] = (176, 194, 206)  # sky
    image[40:] = (62, 84, 44)  # dark foliage
    image[100:] = (138, 148, 86)  # light grass
    image[125:, 60:180] = (172, 150, 116)  # a path
    image += rng.normal(0, 5, (160, 240, 1))
    dress = ((xx - 160) / 11.1) ** 2 + ((yy - 100) / 22.1) ** 2 <= 1
    image[dress] = RUST
    image[dress] += rng.normal(0, 5, (int(dress.sum()), 1))
    blossoms = np.zeros((160, 240), dtype=bool)
    while blossoms.mean() < 0.12:
        y, x = rng.integers(30, 109), rng.integers(0, 240)
        blossoms[y, x] = not dress[y, x]
    image[blossoms] = BLOSSOM
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


def nearest_distance(palette, rgb) -> float:
    target = srgb_to_oklab(np.array([rgb], dtype=np.float64) / 255.0)
    return float(np.sqrt(((swatch_oklab(palette) - target) ** 2).sum(axis=1)).min())


def test_a_coherent_subject_beats_scattered_specks():
    # Before the region factor the theme at k=4 took the blossoms' near-white
    # (its specks covered 16 % of the image, a "large area") and no rust.
    palette = theme(orchard(), k=4)
    names = [s.hex for s in palette]
    assert nearest_distance(palette, RUST) < 0.05, names
    assert nearest_distance(palette, BLOSSOM) > 0.08, names
    # with a slot to spare, the blossoms are still a color of the theme
    assert nearest_distance(theme(orchard(), k=6), BLOSSOM) < 0.05


def test_the_saliency_map_knows_specks_from_regions():
    image = np.zeros((60, 90, 3), dtype=np.uint8)
    image[:] = (40, 120, 50)
    image[10:30, 10:30] = (200, 40, 40)  # a coherent red square
    image[40:60:3, 40:90:3] = (240, 240, 240)  # isolated white pixels
    saliency = spatial_saliency(Image.fromarray(image))
    assert saliency.regions is not None
    histogram = color_histogram(np.array([[200, 40, 40], [240, 240, 240]], dtype=np.uint8), 5)
    red, white = saliency.region_factor(histogram)[np.argsort(histogram.colors[:, 1])]
    assert red == 1.0
    assert white == pytest.approx(DEFAULT_THEME_PARAMS.speck_floor)
    off = spatial_saliency(
        Image.fromarray(image), params=replace(DEFAULT_THEME_PARAMS, speck_floor=1)
    )
    assert off.regions is None


def test_a_vivid_color_among_many_dull_bins_is_still_a_candidate():
    # 98.5 % dark colors of every hue fill more than 256 bins at every level
    # with more pixels than any bin of a bright yellow spread over shades
    # (1.5 %): before the vivid pool, no shade of the yellow was a candidate.
    rng = np.random.default_rng(1)
    dark = rng.uniform(0, 112, (197_000, 3))
    yellow = _oklch_pixels(rng, 3_000, (0.78, 0.95), (0.12, 0.2), (90, 108))
    pixels = np.concatenate([dark, yellow]).astype(np.uint8)
    histogram = color_histogram(pixels, 5)

    def has_yellow(params) -> bool:
        lch = oklab_to_oklch(select_theme(histogram, 8, params=params).oklab)
        return any(80 <= h < 115 and c >= 0.12 and lum >= 0.75 for lum, c, h in lch)

    assert has_yellow(DEFAULT_THEME_PARAMS)
    assert not has_yellow(replace(DEFAULT_THEME_PARAMS, vivid_candidates=0))


# --- the helpers against their plain numpy formulas ------------------------------------


def _random_lab(rng: np.random.Generator, n: int) -> np.ndarray:
    return srgb_to_oklab(rng.integers(0, 256, (n, 3)) / 255.0)


@pytest.mark.parametrize("compiled", [True, False])
def test_support_is_the_share_within_the_radius_of_each_candidate(compiled, monkeypatch):
    if not compiled:
        monkeypatch.setattr(cluster, "_kernel", None)
    elif cluster._kernel is None:
        pytest.skip("compiled kernel not built")
    rng = np.random.default_rng(3)
    lab = _random_lab(rng, 3000)
    share = rng.random(3000)
    share /= share.sum()
    # candidates: some bins themselves, some other colors; more than a batch
    cands = np.concatenate([lab[:50], _random_lab(rng, 100)])
    d = np.sqrt(((cands[:, None, :] - lab[None, :, :]) ** 2).sum(axis=2))
    for radius in (0.02, 0.05, 0.2):
        expected = ((d <= radius) * share[None, :]).sum(axis=1)
        got = theme_module._support(cands, lab, share, radius)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert theme_module._support(cands[:0], lab, share, 0.05).shape == (0,)


def test_area_weight_is_the_share_of_the_area_to_the_exponent_shared_among_its_bins():
    rng = np.random.default_rng(4)
    pixels = rng.integers(0, 256, (20_000, 3)).astype(np.uint8)
    histogram = color_histogram(pixels, 4)
    lab = srgb_to_oklab(histogram.colors / 255.0)
    share = histogram.counts / histogram.counts.sum()
    bins = theme_module._Bins(histogram, lab, share)
    params = DEFAULT_THEME_PARAMS
    scaled = lab * np.array([params.lightness_weight, 1.0, 1.0])
    d = np.sqrt(((scaled[:, None, :] - scaled[None, :, :]) ** 2).sum(axis=2))
    area = ((d <= params.area_radius) * share[None, :]).sum(axis=1)
    expected = share * area ** (params.area_exponent - 1.0)
    np.testing.assert_allclose(theme_module._area_weight(bins, params), expected, rtol=1e-12)
    off = replace(params, area_radius=0.0)
    np.testing.assert_allclose(
        theme_module._area_weight(bins, off), share**params.area_exponent, rtol=1e-12
    )


@pytest.mark.skipif(cluster._kernel is None, reason="compiled kernel not built")
def test_support_is_the_same_to_the_last_bit_with_and_without_the_kernel(monkeypatch):
    rng = np.random.default_rng(5)
    lab = _random_lab(rng, 5000)
    share = rng.random(5000)
    share /= share.sum()
    cands = np.concatenate([lab[::7], _random_lab(rng, 300)])
    compiled = theme_module._support(cands, lab, share, 0.03)
    monkeypatch.setattr(cluster, "_kernel", None)
    pure = theme_module._support(cands, lab, share, 0.03)
    assert compiled.tobytes() == pure.tobytes()


@pytest.mark.skipif(cluster._kernel is None, reason="compiled kernel not built")
def test_the_radius_sums_kernel_rejects_bad_slices_and_lengths():
    kernel = cluster._kernel
    assert kernel is not None
    coords, cands = np.zeros(4), np.zeros((2, 3))
    out = np.zeros(2)
    with pytest.raises(ValueError, match="slices"):
        kernel.radius_sums(
            coords, coords, coords, coords, cands, np.zeros(2, np.int64), np.full(2, 5), 1.0, out
        )
    with pytest.raises(ValueError, match="share"):
        kernel.radius_sums(
            coords, coords, coords, np.zeros(3), cands, np.zeros(2, np.int64), np.zeros(2), 1.0, out
        )


def test_the_saliency_is_the_same_from_the_theme_input_the_caller_has():
    image = Image.open(MACAWS).convert("RGB")
    own = spatial_saliency(image)
    given = spatial_saliency(image, reduced=theme_input(image))
    assert own.keys.tobytes() == given.keys.tobytes()
    assert own.values.tobytes() == given.values.tobytes()
    assert own.regions is not None and given.regions is not None
    assert own.regions.tobytes() == given.regions.tobytes()
    # it is what the regions are measured on: another input, other regions
    flat = np.zeros_like(theme_input(image))
    assert not np.array_equal(spatial_saliency(image, reduced=flat).regions, own.regions)


def test_gains_are_the_weighted_closeness_not_yet_covered_before_and_after_a_choice():
    rng = np.random.default_rng(6)
    histogram = color_histogram(rng.integers(0, 256, (30_000, 3)).astype(np.uint8), 5)
    params = DEFAULT_THEME_PARAMS
    counts = histogram.counts.astype(np.float64)
    full = theme_module._Bins(
        histogram, srgb_to_oklab(histogram.colors / 255.0), counts / counts.sum()
    )
    cover = theme_module._coverage_bins(full, params)
    cands = theme_module._real_candidates(full, cover, params)
    coverage = theme_module._coverage(cover, None, params)
    greedy = theme_module._Greedy(cands, coverage, params)
    closeness = greedy.closeness.astype(np.float64)
    for _ in range(3):
        gain, new_area = greedy.gains()
        adds = np.maximum(closeness - greedy.covered, 0.0)
        np.testing.assert_allclose(gain, adds @ coverage.weight, rtol=1e-5)
        expected_area = adds @ coverage.area / params.cover_distance
        np.testing.assert_allclose(new_area, expected_area, rtol=1e-5)
        best = greedy.best(gain, new_area)
        greedy.take(best, best)
        assert greedy.covered.max() > 0.0


# --- steadiness of the choice (issue 18 §2) ---------------------------------------


def _plateau(seed: int) -> ColorHistogram:
    """A 7 x 7 plateau of equally vivid shades of one yellow (Oklab lightness
    0.68 to 0.80, chroma 0.14 to 0.20), every bin holding 1000 pixels give or
    take 10 %: sampling noise, as a resize makes."""
    from palettekit.colorspace import oklab_to_srgb

    rng = np.random.default_rng(seed)
    lightness, chroma = np.meshgrid(np.linspace(0.68, 0.80, 7), np.linspace(0.14, 0.20, 7))
    hue = np.radians(60.0)
    lab = np.stack(
        [lightness.ravel(), chroma.ravel() * np.cos(hue), chroma.ravel() * np.sin(hue)], axis=1
    )
    rgb = np.clip(oklab_to_srgb(lab) * 255.0, 0.0, 255.0)
    counts = np.rint(1000 * rng.uniform(0.9, 1.1, rgb.shape[0])).astype(np.int64)
    return ColorHistogram(rgb, counts, 8)


def test_near_equal_shades_of_an_area_give_one_vivid_version():
    # The most vivid common candidate of an area of equally vivid shades is
    # decided by the noise of the counts; the vivid center of the area
    # (mean shift) is not. Before (version_steps=0): 0.022 apart over 8 draws.
    def spread(params) -> float:
        lab = np.array([select_theme(_plateau(s), 1, params=params).oklab[0] for s in range(8)])
        return float(np.sqrt(((lab[:, None] - lab[None]) ** 2).sum(axis=2)).max())

    assert spread(DEFAULT_THEME_PARAMS) <= 0.01
    assert spread(replace(DEFAULT_THEME_PARAMS, version_steps=0)) > 0.015


def _two_hue_greedy(params, turns_degrees) -> theme_module._Greedy:
    """A greedy choice over a chosen red (hue 30) and candidates of the same
    lightness and chroma at the given hue turns from it."""
    hues = np.radians(30.0 + np.concatenate([[0.0], turns_degrees]))
    lab = np.stack([np.full(hues.shape, 0.7), 0.1 * np.cos(hues), 0.1 * np.sin(hues)], axis=1)
    cands = theme_module._Candidates(
        rgb=np.zeros_like(lab), lab=lab, support=np.full(hues.shape, 0.01), considered=3
    )
    coverage = theme_module._Coverage(
        lab=lab, weight=np.ones(hues.shape, np.float32), area=np.ones(hues.shape, np.float32)
    )
    greedy = theme_module._Greedy(cands, coverage, params)
    greedy.take(0, 0)
    return greedy


def test_the_novelty_rules_have_soft_edges():
    # a hue 1 degree either side of hue_spread (30) or same_hue_spread (15)
    # scores nearly the same: a resize that moves a hue by a degree does not
    # flip the choice (before: new 0 and 1, same-hue factor 0.7 and 1)
    params = DEFAULT_THEME_PARAMS
    greedy = _two_hue_greedy(params, [29.0, 31.0, 14.0, 16.0, 90.0])
    new, same_hue = greedy.new, greedy.same_hue
    assert 0.0 < new[1] < new[2] < 1.0 and new[2] - new[1] <= 0.25
    assert new[5] == 1.0 and same_hue[5] == 1.0  # far hues: new, no penalty
    assert params.same_hue_factor < same_hue[3] < same_hue[4] < 1.0
    assert same_hue[4] / same_hue[3] <= 1.1
    hard = replace(params, soft_hue=0.0, soft_step=0.0, soft_lightness=0.0)
    greedy = _two_hue_greedy(hard, [29.0, 31.0, 14.0, 16.0])
    assert greedy.new[1:3].tolist() == [0.0, 1.0]
    assert greedy.same_hue[3:5].tolist() == pytest.approx([params.same_hue_factor, 1.0])


# --- round two of subjects over specks (issue 18 §3) ------------------------------


def orchard_in_clumps() -> Image.Image:
    """:func:`orchard` with the blossoms in clumps of 2 x 2 pixels (12 % of
    the image): each blossom pixel has 3 of its 8 nearest neighbours of its
    own color."""
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:160, 0:240]
    image = np.zeros((160, 240, 3))
    image[:] = (176, 194, 206)  # sky
    image[40:] = (62, 84, 44)  # dark foliage
    image[100:] = (138, 148, 86)  # light grass
    image[125:, 60:180] = (172, 150, 116)  # a path
    image += rng.normal(0, 5, (160, 240, 1))
    dress = ((xx - 160) / 11.1) ** 2 + ((yy - 100) / 22.1) ** 2 <= 1
    image[dress] = RUST
    image[dress] += rng.normal(0, 5, (int(dress.sum()), 1))
    blossoms = np.zeros((160, 240), dtype=bool)
    while blossoms.mean() < 0.12:
        y, x = rng.integers(30, 109), rng.integers(0, 239)
        if not dress[y : y + 2, x : x + 2].any():
            blossoms[y : y + 2, x : x + 2] = True
    image[blossoms] = BLOSSOM
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


def test_a_coherent_subject_beats_clumped_specks():
    # Before the 5 x 5 neighbourhood (region_radius=2): the clumps (which
    # touch each other here and there) passed for a region (region factor 1)
    # and the theme at k=4 was sky, foliage, grass and the blossoms'
    # near-white, no rust.
    palette = theme(orchard_in_clumps(), k=4)
    names = [s.hex for s in palette]
    assert nearest_distance(palette, RUST) < 0.05, names
    assert nearest_distance(palette, BLOSSOM) > 0.08, names
    off = replace(DEFAULT_THEME_PARAMS, region_radius=1)
    image = orchard_in_clumps()
    clumps = spatial_saliency(image, params=off)
    assert clumps.regions is not None
    blossom = color_histogram(np.array([BLOSSOM], dtype=np.uint8), 5)
    assert clumps.region_factor(blossom)[0] >= 0.95  # before: a region
    assert spatial_saliency(image).region_factor(blossom)[0] <= 0.85  # now 0.80


def neon_street() -> Image.Image:
    """A night street like Akihabara's: a compact salmon shop front (5 %), a
    blue billboard and a soft purple awning; red neon strokes over many
    shades of a deep red (Oklab lightness 0.30 to 0.52, 6.6 %) and yellow
    strokes (2 %)."""
    rng = np.random.default_rng(7)
    image = np.zeros((160, 240, 3))
    image[:] = (24, 22, 30)
    image[110:] = (46, 42, 48)  # the street
    image += rng.normal(0, 4, (160, 240, 1))
    image[15:45, 160:225] = (250, 160, 136)  # salmon
    image[60:100, 5:55] = (60, 112, 200)  # blue
    image[115:140, 180:235] = (150, 104, 166)  # soft purple
    red = np.zeros((160, 240), dtype=bool)
    for x in range(70, 150, 6):
        red[8:104, x : x + 2] = True
    yellow = np.zeros((160, 240), dtype=bool)
    for x in range(165, 230, 8):
        yellow[55:97, x : x + 2] = True
    red &= ~yellow
    image[red] = _oklch_pixels(rng, int(red.sum()), (0.30, 0.52), (0.13, 0.20), (22, 34))
    image[yellow] = _oklch_pixels(rng, int(yellow.sum()), (0.62, 0.95), (0.11, 0.19), (88, 110))
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


@pytest.mark.parametrize("k", [5, 8])
def test_a_deep_red_is_not_the_salmons_shade(k):
    # Before shade_spread: the salmon (lightness 0.79) took the red family,
    # the deep red of the signs (0.47) counted as its shade, and the theme at
    # k=5 had the salmon and a soft purple but no red (Akihabara at k=8: a
    # salmon, no red).
    palette = theme(neon_street(), k=k)
    lch = hue_ranges(palette)
    names = [s.hex for s in palette]
    assert any(15 <= h < 45 and c >= 0.15 and lum < 0.6 for lum, c, h in lch), ("red", names)
    assert any(15 <= h < 45 and lum > 0.7 for lum, c, h in lch), ("salmon", names)
    if k == 8:  # at k=5 the yellow strokes (2 %) lose to the larger areas
        assert any(80 <= h < 115 and c >= 0.10 for _, c, h in lch), ("yellow", names)


def stained_glass_hall() -> Image.Image:
    """A dim prayer hall: a cool gray dome, dark warm walls, a red carpet,
    two lamps; three windows of stained glass lit from behind, pieces of
    2 x 2 pixels in many shades of violet-blue (Oklab lightness 0.34 to 0.48,
    chroma 0.10 to 0.16, hue 272 to 298; 1.7 % of the image) between dark
    lead lines."""
    rng = np.random.default_rng(12)
    image = np.zeros((160, 240, 3))
    image[:] = (70, 56, 44)  # walls
    image[:60] = (96, 100, 112)  # the dome
    image[110:] = (110, 42, 36)  # the carpet
    image += rng.normal(0, 6, (160, 240, 1))
    pieces = np.zeros((30, 16), dtype=bool)
    for y in range(0, 30, 3):
        for x in range(0, 16, 3):
            pieces[y : y + 2, x : x + 2] = True
    for center in (40, 120, 200):
        window = image[70:100, center - 8 : center + 8]
        window[:] = (28, 24, 26)  # lead
        window[pieces] = _oklch_pixels(
            rng, int(pieces.sum()), (0.34, 0.48), (0.10, 0.16), (272, 298)
        )
    for center in (80, 160):
        image[64:70, center - 3 : center + 3] = (250, 200, 130)  # lamps
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


@pytest.mark.parametrize("k", [5, 8])
def test_stained_glass_lit_in_a_dim_hall_is_kept(k):
    # Before: every bin of the glass held under 1e-4 of the image, so the
    # coverage left them all out as noise; the glass added nothing and the
    # theme had no violet-blue even at k=8 (5 colors), where the palette has it.
    palette = theme(stained_glass_hall(), k=k)
    lch = hue_ranges(palette)
    names = [s.hex for s in palette]
    assert any(265 <= h < 305 and c >= 0.10 for _, c, h in lch), ("violet-blue", names)
    assert pairwise_min(swatch_oklab(palette)) >= MIN_DISTANCE, names


def test_theme_colors_are_real_in_the_pixels_not_only_in_their_area_average():
    # fine red and blue stripes: their area average is a purple that no
    # pixel has (with it in the theme input, the purple was a candidate)
    averaged = ColorHistogram(
        np.array([[120.0, 45.0, 120.0], [200.0, 30.0, 40.0], [40.0, 60.0, 200.0]]),
        np.array([600, 200, 200]),
        8,
    )
    pixels = ColorHistogram(
        np.array([[200.0, 30.0, 40.0], [40.0, 60.0, 200.0]]), np.array([500, 500]), 8
    )
    plain = select_theme(averaged, 3)
    assert [120, 45, 120] in plain.srgb.tolist()
    real = select_theme(averaged, 3, real_in=pixels)
    assert sorted(real.srgb.tolist()) == [[40, 60, 200], [200, 30, 40]]


@needs_corpus
def test_a_missing_hue_beats_a_lighter_shade_of_a_chosen_one():
    # adirondack_chairs at k=5: olive grass, red, yellow and a near-black are
    # chosen; the fifth is the purple chair (a hue the theme lacks), not a
    # lime 0.32 lighter than the olive (shade_novelty < 1; at 1 it was the lime)
    palette = theme(CQ100 / "adirondack_chairs.png", k=5)
    lab = swatch_oklab(palette)
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360.0
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    assert ((np.abs(hue - 311.0) <= 30.0) & (chroma >= 0.05)).any(), palette.hex
    lime = (np.abs(hue - 115.0) <= 10.0) & (lab[:, 0] >= 0.8)
    assert not lime.any(), palette.hex
