"""sRGB mixes: the distance from a color to the nearest mix of two others."""

from __future__ import annotations

import numpy as np

from palettekit.colorspace import srgb_to_oklab
from palettekit.mixes import mix_distance

RED = np.array([1.0, 0.0, 0.0])
BLUE = np.array([0.0, 0.0, 1.0])
GOLD = np.array([1.0, 0.8, 0.0])


def distances(colors: np.ndarray, ends: np.ndarray) -> np.ndarray:
    return mix_distance(colors, srgb_to_oklab(colors), ends)


def test_a_mix_of_two_ends_is_at_distance_zero() -> None:
    mixes = np.array([0.25 * RED + 0.75 * BLUE, 0.5 * RED + 0.5 * GOLD, BLUE])
    np.testing.assert_allclose(distances(mixes, np.stack([RED, BLUE, GOLD])), 0.0, atol=1e-12)


def test_a_color_off_every_segment_is_as_far_as_the_nearest_mix() -> None:
    green = np.array([[0.0, 0.6, 0.1]])
    far = distances(green, np.stack([RED, BLUE]))[0]
    along = np.linspace(0.0, 1.0, 2001)[:, None]
    segment = srgb_to_oklab(RED + along * (BLUE - RED))
    brute = np.linalg.norm(segment - srgb_to_oklab(green), axis=1).min()
    # the projection is taken in sRGB, so it is near the Oklab minimum, never below it
    assert brute <= far <= brute + 0.1


def test_fewer_than_two_distinct_ends_mix_nothing() -> None:
    colors = np.array([RED, BLUE])
    assert np.isinf(distances(colors, RED[None, :])).all()
    assert np.isinf(distances(colors, np.stack([RED, RED]))).all()
