"""One strategy per kind: colors, counts and the strategy's own meta."""

from __future__ import annotations

import numpy as np

from palettekit import Options, colorspace
from palettekit.histogram import color_histogram
from palettekit.kinds import flat_colors, nearest_counts, palette_colors, theme_colors
from palettekit.kmedians_palette import ALGORITHM


def _blocks() -> np.ndarray:
    rng = np.random.default_rng(0)
    pixels = np.array([[200, 30, 30]] * 600 + [[30, 30, 200]] * 300 + [[240, 240, 240]] * 100)
    return np.clip(pixels + rng.normal(0, 6, pixels.shape), 0, 255).astype(np.uint8)


def test_palette_clusters_and_names_its_algorithm() -> None:
    histogram = color_histogram(_blocks(), 5)
    points = colorspace.convert(histogram.colors / 255.0, "oklab")
    found = palette_colors(histogram, points, 3, Options())
    assert found.rgb.shape == (3, 3) and found.rgb.dtype == np.uint8
    assert sorted(found.counts.tolist()) == [100, 300, 600]
    assert found.meta["algorithm"] == ALGORITHM
    assert found.meta["inertia"] > 0


def test_few_bins_are_the_colors_as_they_are() -> None:
    pixels = np.array([[10, 20, 30]] * 5 + [[200, 100, 0]] * 3, np.uint8)
    histogram = color_histogram(pixels, 8)
    points = colorspace.convert(histogram.colors / 255.0, "oklab")
    found = palette_colors(histogram, points, 4, Options())
    assert found.meta == {"algorithm": "exact", "inertia": 0.0, "n_iter": 0}
    assert {tuple(c) for c in found.rgb.tolist()} == {(10, 20, 30), (200, 100, 0)}
    assert flat_colors(histogram, points, 4, Options()).meta["algorithm"] == "flat-colors"


def test_theme_selects_real_colors_without_placeholder_inertia() -> None:
    histogram = color_histogram(_blocks(), 5)
    found = theme_colors(histogram, None, 3)
    assert found.meta["algorithm"] == "theme-selection"
    assert "inertia" not in found.meta and "n_iter" not in found.meta
    assert "candidates" in found.meta["theme"]
    assert found.counts.sum() == histogram.total


def test_a_theme_is_chosen_from_its_input_and_counted_on_the_histogram() -> None:
    # the input (the image area-averaged) has a green the counted pixels have
    # as a near shade; the colors come from the input, the counts from the pixels
    counted = color_histogram(np.array([[200, 30, 30]] * 6 + [[30, 160, 40]] * 2, np.uint8), 8)
    chosen_from = color_histogram(np.array([[200, 30, 30]] * 5 + [[34, 158, 44]] * 5, np.uint8), 8)
    found = theme_colors(counted, None, 2, choose_from=chosen_from)
    assert sorted(map(tuple, found.rgb.tolist())) == [(34, 158, 44), (200, 30, 30)]
    assert sorted(found.counts.tolist()) == [2, 6]


def test_nearest_counts_gives_ties_to_the_first_color() -> None:
    histogram = color_histogram(np.array([[0, 0, 0]] * 4, np.uint8), 8)
    rgb = np.array([[0, 0, 0], [0, 0, 0], [255, 255, 255]], np.uint8)
    assert nearest_counts(histogram, None, rgb).tolist() == [4, 0, 0]


def _flat_histogram() -> tuple[object, np.ndarray]:
    # a flat graphic's snapped histogram: its colors exactly, one bin each
    pixels = np.array(
        [[0, 114, 198]] * 50
        + [[0, 140, 69]] * 20
        + [[252, 209, 22]] * 20
        + [[0, 0, 0]] * 3
        + [[0, 120, 205]] * 7,
        np.uint8,
    )
    histogram = color_histogram(pixels, 8)
    return histogram, colorspace.convert(histogram.colors / 255.0, "oklab")


def test_flat_colors_below_the_count_are_chosen_not_averaged() -> None:
    histogram, points = _flat_histogram()
    own = {tuple(c) for c in histogram.colors.astype(int).tolist()}
    for k in (1, 2, 3, 4):
        found = flat_colors(histogram, points, k, Options())
        assert found.meta["algorithm"] == "flat-colors" and found.meta["n_iter"] == 0
        assert {tuple(c) for c in found.rgb.tolist()} <= own
        assert found.rgb.shape[0] == k and found.counts.sum() == histogram.total
    three = flat_colors(histogram, points, 3, Options())
    # the largest areas; the near-duplicate blue (7) counts with the blue
    assert sorted(map(tuple, three.rgb.tolist())) == [(0, 114, 198), (0, 140, 69), (252, 209, 22)]
    assert sorted(three.counts.tolist()) == [20, 20, 60]  # the black is nearest the blue too


def test_flat_colors_of_a_theme_keep_its_minimum_distance() -> None:
    histogram, points = _flat_histogram()
    found = flat_colors(histogram, points, 5, Options(kind="theme"))
    # the near-duplicate blue (0.02 from the blue) is left out even though k allows it
    assert found.rgb.shape[0] == 4
    assert (0, 120, 205) not in set(map(tuple, found.rgb.tolist()))
    assert found.meta["algorithm"] == "flat-colors"
    assert found.meta["theme"] == {"candidates": len(histogram)}
    assert "inertia" not in found.meta and found.counts.sum() == histogram.total


def test_flat_colors_of_a_theme_are_colors_a_person_sees() -> None:
    # an extra color of a few pixels (an edge shade snapped beside the flat
    # colors) is not a theme color, even when k leaves room for it
    pixels = np.array(
        [[0, 114, 198]] * 6000 + [[252, 209, 22]] * 3997 + [[200, 0, 0]] * 3, np.uint8
    )
    histogram = color_histogram(pixels, 8)
    points = colorspace.convert(histogram.colors / 255.0, "oklab")
    theme = flat_colors(histogram, points, 3, Options(kind="theme"))
    assert sorted(map(tuple, theme.rgb.tolist())) == [(0, 114, 198), (252, 209, 22)]
    assert flat_colors(histogram, points, 3, Options()).rgb.shape[0] == 3  # a palette: all
