"""The palette clustering: Lloyd starts, then weighted k-medians with a far-color penalty."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from palettekit import colorspace
from palettekit.histogram import color_histogram
from palettekit.kmedians_palette import (
    ALGORITHM,
    DEFAULT_PARAMS,
    KMediansParams,
    cluster_histogram,
    fill_to_k,
)

SETTINGS = {"n_init": 8, "max_iter": 100, "tol": 1e-4, "space": "oklab", "seed": 0}


def _histogram(seed: int = 1, n: int = 20_000):
    rng = np.random.default_rng(seed)
    centers = np.array([[220, 30, 30], [30, 200, 40], [30, 40, 210], [240, 230, 200]])
    pixels = centers[rng.integers(0, 4, n)] + rng.normal(0, 14, (n, 3))
    histogram = color_histogram(np.clip(pixels, 0, 255).astype(np.uint8), 5)
    return histogram, colorspace.convert(histogram.colors / 255.0, "oklab")


def test_params_are_frozen_and_documented() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_PARAMS.far_penalty = 1.0  # type: ignore[misc]
    doc = KMediansParams.__doc__ or ""
    for field in dataclasses.fields(KMediansParams):
        assert f"{field.name} :" in doc, field.name
    assert set(DEFAULT_PARAMS.far_distance) == {"oklab", "cielab", "srgb"}
    with pytest.raises(TypeError):
        DEFAULT_PARAMS.far_distance["oklab"] = 1.0  # type: ignore[index]
    assert "kmedians" in ALGORITHM and "lloyd" in ALGORITHM


def test_finds_the_four_colors_with_exact_counts() -> None:
    histogram, points = _histogram()
    found = cluster_histogram(histogram, points, 4, **SETTINGS)
    assert found.centers.shape == (4, 3)
    assert found.counts.sum() == histogram.total
    assert found.inertia > 0 and found.n_iter >= 1
    rgb = colorspace.srgb_to_uint8(colorspace.convert_to_srgb(found.centers, "oklab"))
    assert {tuple(int(v) // 40 for v in c) for c in rgb} == {
        (5, 0, 0),
        (0, 5, 1),
        (0, 1, 5),
        (6, 5, 5),
    }


def test_same_seed_same_centers_and_the_seed_matters() -> None:
    histogram, points = _histogram(n=5_000)
    a = cluster_histogram(histogram, points, 6, **SETTINGS)
    b = cluster_histogram(histogram, points, 6, **SETTINGS)
    np.testing.assert_array_equal(a.centers, b.centers)
    others = [
        cluster_histogram(histogram, points, 6, **{**SETTINGS, "seed": s}) for s in range(1, 6)
    ]
    assert any(not np.array_equal(a.centers, o.centers) for o in others)


def test_params_are_used() -> None:
    histogram, points = _histogram()
    plain = dataclasses.replace(DEFAULT_PARAMS, far_penalty=0.0, median_iter=0)
    a = cluster_histogram(histogram, points, 3, **SETTINGS)
    b = cluster_histogram(histogram, points, 3, **SETTINGS, params=plain)
    assert not np.allclose(a.centers, b.centers)


def test_start_params_are_used() -> None:
    histogram, points = _histogram()
    for change in ({"start_bits": 5}, {"starts_per_init": 1}, {"level_starts_per_init": 2.0}):
        other = dataclasses.replace(DEFAULT_PARAMS, **change)
        a = cluster_histogram(histogram, points, 7, **SETTINGS)
        b = cluster_histogram(histogram, points, 7, **SETTINGS, params=other)
        assert not np.array_equal(a.centers, b.centers), change


def _photo_like(n: int, seed: int) -> np.ndarray:
    """(n, 3) uint8: a broad green-to-grey gradient (97%) and a vivid yellow (3%)."""
    rng = np.random.default_rng(seed)
    t = rng.random(n)[:, None]
    pixels = (1 - t) * [40, 90, 30] + t * [190, 190, 170] + rng.normal(0, 6, (n, 3))
    yellow = rng.random(n) < 0.03
    pixels[yellow] = [245, 200, 10] + rng.normal(0, 4, (int(yellow.sum()), 3))
    return np.clip(pixels, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", range(4))
def test_a_small_vivid_color_gets_its_own_center(seed: int) -> None:
    # Five shades of the gradient would lower the mean distance more than
    # the yellow does; the far-penalised ranking and polish keep it.
    histogram = color_histogram(_photo_like(60_000, seed), 5)
    points = colorspace.convert(histogram.colors / 255.0, "oklab")
    found = cluster_histogram(histogram, points, 5, **{**SETTINGS, "seed": seed})
    yellow = colorspace.convert(np.array([[245, 200, 10]]) / 255.0, "oklab")
    assert np.sqrt(((found.centers - yellow) ** 2).sum(axis=1)).min() < 0.04


def test_the_palette_of_a_subsample_matches() -> None:
    # The same scene from 60,000 and from 15,000 pixels (another draw): the
    # colors move by well under a just-noticeable difference (0.02).
    big = color_histogram(_photo_like(60_000, 1), 5)
    small = color_histogram(_photo_like(15_000, 2), 5)
    a, b = (
        cluster_histogram(h, colorspace.convert(h.colors / 255.0, "oklab"), 5, **SETTINGS).centers
        for h in (big, small)
    )
    distance = np.sqrt(((a[:, None] - b[None]) ** 2).sum(axis=2))
    assert distance.min(axis=1).max() < 0.02


def test_fill_to_k_adds_the_farthest_bins() -> None:
    points = np.array([[0.0, 0, 0], [0.1, 0, 0], [0.9, 0, 0], [0.5, 0, 0]])
    weights = np.array([10, 10, 5, 1], dtype=np.int64)
    centers, counts = fill_to_k(points, weights, points[:1], 3)
    assert centers.shape == (3, 3) and counts.sum() == 26
    np.testing.assert_array_equal(centers[1], points[2])
