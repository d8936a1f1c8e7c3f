"""Automatic k: the budget criterion, the JND guard, determinism, merging."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from palettekit.autok import (
    DEFAULT_AUTO_K_PARAMS,
    JND,
    AutoKParams,
    choose_k,
    merge_close_colors,
    merge_close_rgb,
    min_pairwise_distance,
)
from palettekit.colorspace import srgb_to_oklab
from palettekit.histogram import color_histogram

BUDGET = DEFAULT_AUTO_K_PARAMS.max_mean_distortion
CQ100 = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "cq100"


def flat_graphic(colors: list[tuple[int, int, int]], small: tuple[int, int, int] | None = None):
    """A 200x150 flat illustration, anti-aliased edges (4x supersampled)."""
    big = Image.new("RGB", (800, 600), colors[0])
    draw = ImageDraw.Draw(big)
    draw.ellipse((80, 60, 420, 540), fill=colors[1])
    draw.polygon([(450, 550), (780, 550), (615, 80)], fill=colors[2])
    if small is not None:
        draw.ellipse((600, 20, 680, 100), fill=small)  # about 1.3 % of the image
    return np.asarray(big.resize((200, 150), Image.Resampling.BOX))


def histogram_of(image: np.ndarray, bits: int = 5):
    return color_histogram(image.reshape(-1, 3), bits)


def test_flat_graphic_gets_its_colors() -> None:
    image = flat_graphic([(250, 250, 245), (200, 30, 40), (20, 60, 140)])
    result = choose_k(histogram_of(image))
    assert result.k == 3
    assert result.reason == "budget"
    # The curve ends one look-ahead step past k: a fourth color gains little.
    assert len(result.distortions) == 4
    assert result.distortions[2] <= BUDGET


def test_small_distinct_color_is_not_averaged_away() -> None:
    image = flat_graphic([(250, 250, 245), (200, 30, 40), (20, 60, 140)], small=(250, 200, 0))
    result = choose_k(histogram_of(image))
    assert result.k == 4
    # With three colors the mean distortion is already small: the far share
    # is what asks for the fourth.
    assert result.distortions[2] <= BUDGET
    assert result.far_shares[2] > 0.01
    yellow = srgb_to_oklab(np.array([250, 200, 0]) / 255.0)
    # Yellow is over 0.35 from the other three colors; its center is near it.
    assert np.min(np.linalg.norm(result.centers - yellow, axis=1)) < 0.1


def test_small_colors_are_not_merged_when_one_more_color_pays_off() -> None:
    # Four small flat colors (5 % each) on a light ground: four colors (two
    # of them merged) already meet the budget, but the fifth cuts the
    # distortion by far more than a quarter.
    big = Image.new("RGB", (800, 500), (245, 240, 230))
    draw = ImageDraw.Draw(big)
    for i, color in enumerate([(220, 90, 50), (90, 160, 70), (40, 40, 60), (60, 120, 200)]):
        draw.rectangle((40 + 190 * i, 150, 40 + 190 * i + 150, 150 + 133), fill=color)
    image = np.asarray(big.resize((400, 250), Image.Resampling.BOX))
    result = choose_k(histogram_of(image))
    assert result.k == 5 and result.reason == "budget"
    assert result.distortions[3] <= BUDGET  # four colors met the budget
    assert result.distortions[4] < 0.75 * result.distortions[3]
    # Without the look-ahead, two of the small colors would share a swatch.
    no_look_ahead = replace(DEFAULT_AUTO_K_PARAMS, min_gain=1.0)
    assert choose_k(histogram_of(image), params=no_look_ahead).k == 4


def test_exact_colors_stop_at_distinct_count() -> None:
    image = np.zeros((30, 30, 3), np.uint8)
    image[:10] = (255, 0, 0)
    image[10:20] = (0, 128, 0)
    result = choose_k(color_histogram(image.reshape(-1, 3), 8), max_k=12)
    assert result.k == 3
    assert result.distortions[-1] == pytest.approx(0.0, abs=1e-9)


def test_single_color() -> None:
    image = np.full((5, 5, 3), 77, np.uint8)
    result = choose_k(histogram_of(image))
    assert result.k == 1 and result.reason == "distinct"
    assert result.distortions == (pytest.approx(0.0, abs=1e-9),)


def test_busy_image_reaches_max_k_with_a_decreasing_curve() -> None:
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (120, 120, 3), dtype=np.uint8)
    result = choose_k(histogram_of(image), max_k=6)
    assert result.k == 6 and result.reason == "max_k"
    assert len(result.distortions) == 6 and len(result.far_shares) == 6
    assert all(a > b for a, b in zip(result.distortions[:-1], result.distortions[1:], strict=True))
    assert result.centers.shape == (6, 3)


def test_jnd_guard_stops_before_splitting_a_color() -> None:
    # Two grays 0.01 apart in Oklab and a red: with an impossible budget the
    # search would go to three colors, but two of them would be closer than
    # a just-noticeable difference.
    image = np.zeros((20, 20, 3), np.uint8)
    image[:10] = (128, 128, 128)
    image[10:15] = (131, 131, 131)
    image[15:] = (220, 20, 20)
    histogram = color_histogram(image.reshape(-1, 3), 8)
    assert 0 < min_pairwise_distance(srgb_to_oklab(histogram.colors / 255.0)) < JND
    result = choose_k(histogram, params=AutoKParams(max_mean_distortion=0.0, max_far_share=0.0))
    assert result.k == 2 and result.reason == "jnd"
    assert min_pairwise_distance(result.centers) >= JND


def test_search_palettes_never_hold_two_colors_closer_than_jnd() -> None:
    rng = np.random.default_rng(1)
    # A smooth gradient invites splitting into near-identical bands.
    ramp = np.linspace(100, 140, 200)
    image = np.stack(np.broadcast_arrays(ramp[None, :], ramp[None, :], ramp[None, :]), -1)
    image = np.clip(image + rng.normal(0, 0.5, image.shape), 0, 255).astype(np.uint8)
    result = choose_k(
        histogram_of(np.repeat(image, 50, axis=0), 8),
        params=AutoKParams(max_mean_distortion=0.0, max_far_share=0.0),
        max_k=12,
    )
    assert result.reason == "jnd"
    assert min_pairwise_distance(result.centers) >= JND


def test_deterministic_and_independent_of_pixel_order() -> None:
    rng = np.random.default_rng(2)
    pixels = rng.integers(0, 256, (5000, 3), dtype=np.uint8)
    first = choose_k(color_histogram(pixels, 5), seed=3)
    again = choose_k(color_histogram(pixels, 5), seed=3)
    shuffled = choose_k(color_histogram(pixels[rng.permutation(5000)], 5), seed=3)
    for other in (again, shuffled):
        assert other.k == first.k
        assert other.distortions == first.distortions
        np.testing.assert_array_equal(other.centers, first.centers)


def test_to_meta_reports_curve_and_criterion() -> None:
    image = flat_graphic([(250, 250, 245), (200, 30, 40), (20, 60, 140)])
    meta = choose_k(histogram_of(image), max_k=8).to_meta()
    assert meta["k"] == 3 and meta["max_k"] == 8 and meta["reason"] == "budget"
    assert len(meta["distortion_curve"]) == 4 == len(meta["far_share_curve"])
    assert meta["far_share_curve"][0] is None  # not needed: over budget
    assert meta["criterion"] == {
        "max_mean_distortion": 6.0,
        "far_distance": 0.15,
        "max_far_share": 0.01,
        "blend_tolerance": 0.03,
        "min_gain": 0.25,
        "min_gain_absolute": 0.2,
        "peak_share": 0.01,
        "jnd": JND,
    }


def test_to_meta_reports_the_parameters_the_search_used() -> None:
    image = flat_graphic([(250, 250, 245), (200, 30, 40), (20, 60, 140)])
    params = replace(DEFAULT_AUTO_K_PARAMS, min_gain=1.0, far_distance=0.2)
    criterion = choose_k(histogram_of(image), params=params).to_meta()["criterion"]
    assert criterion["min_gain"] == 1.0 and criterion["far_distance"] == 0.2
    assert criterion["jnd"] == JND


def test_params_are_frozen_and_the_default_is_the_documented_one() -> None:
    with pytest.raises(FrozenInstanceError):
        DEFAULT_AUTO_K_PARAMS.jnd = 0.0  # type: ignore[misc]
    assert AutoKParams() == DEFAULT_AUTO_K_PARAMS
    assert DEFAULT_AUTO_K_PARAMS.jnd == JND


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="empty"):
        choose_k(color_histogram(np.zeros((0, 3), np.uint8)))
    with pytest.raises(ValueError, match="max_k"):
        choose_k(color_histogram(np.zeros((4, 3), np.uint8)), max_k=0)


def test_merge_close_colors_merges_by_weight_and_keeps_totals() -> None:
    lab = np.array([[0.5, 0.0, 0.0], [0.51, 0.0, 0.0], [0.8, 0.1, 0.0], [0.2, 0.0, 0.0]])
    weights = np.array([3.0, 1.0, 2.0, 4.0])
    merged, merged_weights = merge_close_colors(lab, weights)
    np.testing.assert_allclose(merged, [[0.5025, 0.0, 0.0], [0.8, 0.1, 0.0], [0.2, 0.0, 0.0]])
    np.testing.assert_allclose(merged_weights, [4.0, 2.0, 4.0])


def test_merge_close_colors_repeats_until_all_pairs_are_apart() -> None:
    # A chain of colors 0.015 apart collapses step by step.
    lab = np.array([[0.5 + 0.015 * i, 0.0, 0.0] for i in range(5)])
    merged, weights = merge_close_colors(lab, np.ones(5))
    assert weights.sum() == 5.0
    assert min_pairwise_distance(merged) >= JND
    assert merged.shape[0] < 5
    # The weighted mean of everything is preserved by merging.
    assert (merged[:, 0] * weights).sum() / 5.0 == pytest.approx(0.53)


def test_merge_close_colors_leaves_distinct_colors_alone() -> None:
    lab = np.array([[0.1, 0.0, 0.0], [0.5, 0.0, 0.0]])
    merged, weights = merge_close_colors(lab, [1, 2])
    np.testing.assert_array_equal(merged, lab)
    np.testing.assert_array_equal(weights, [1.0, 2.0])
    with pytest.raises(ValueError, match="weights"):
        merge_close_colors(lab, [1.0])


def test_merge_close_rgb_merges_blacks_a_level_apart() -> None:
    # #000000 and #010101 are 0.067 apart in Oklab (its cube root stretches
    # the darkest levels), yet no one tells them apart: one color, the fuller.
    rgb = np.array([[1, 1, 1], [200, 0, 0], [0, 0, 0], [40, 40, 40]], dtype=np.uint8)
    assert min_pairwise_distance(srgb_to_oklab(rgb[[0, 2]] / 255.0)) > 3 * JND
    merged, counts = merge_close_rgb(rgb, np.array([3, 5, 10, 2]))
    np.testing.assert_array_equal(merged, [[200, 0, 0], [0, 0, 0], [40, 40, 40]])
    np.testing.assert_array_equal(counts, [5, 13, 2])


def test_min_pairwise_distance() -> None:
    assert min_pairwise_distance(np.zeros((1, 3))) == float("inf")
    assert min_pairwise_distance([[0, 0, 0], [0, 0.3, 0.4], [1, 0, 0]]) == pytest.approx(0.5)


@pytest.mark.skipif(not CQ100.is_dir(), reason="CQ100 corpus not available")
def test_cq100_simple_photos_get_fewer_colors_than_rich_ones() -> None:
    from palettekit.load import load_image
    from palettekit.options import Options
    from palettekit.pixels import opaque_pixels

    def k_of(name: str) -> int:
        loaded = load_image(CQ100 / f"{name}.png", Options())
        rgb = opaque_pixels(loaded.to_array()).rgb
        return choose_k(color_histogram(rgb, 5)).k

    simple = [k_of(name) for name in ("mangoes", "astronaut", "siberian_tiger")]
    rich = [k_of(name) for name in ("calaveras", "lights", "color_chart")]
    assert max(simple) <= 6
    assert min(rich) >= 10


def test_the_bins_oklab_given_by_the_caller_give_the_same_result():
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (30, 3))[rng.integers(0, 30, 5000)].astype(np.uint8)
    for hist in (color_histogram(pixels, 5), color_histogram(pixels, 8)):
        given = choose_k(hist, oklab=srgb_to_oklab(hist.colors / 255.0))
        assert given.to_meta() == choose_k(hist).to_meta()
        np.testing.assert_array_equal(given.centers, choose_k(hist).centers)
        with pytest.raises(ValueError, match="oklab must have shape"):
            choose_k(hist, oklab=np.zeros((len(hist) + 1, 3)))
