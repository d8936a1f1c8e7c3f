"""sRGB mixes: the distance from a color to the nearest mix of two others."""

from __future__ import annotations

import numpy as np
import pytest

from palettekit import mixes
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


def _pair_by_pair(srgb: np.ndarray, oklab: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The definition, one pair of ends at a time."""
    best = np.full(srgb.shape[0], np.inf)
    for i in range(ends.shape[0]):
        for j in range(i + 1, ends.shape[0]):
            start, step = ends[i], ends[j] - ends[i]
            length2 = float(step @ step)
            if length2 == 0.0:
                continue
            t = np.clip(((srgb - start) * step).sum(axis=1) / length2, 0.0, 1.0)
            mixed = srgb_to_oklab(start + t[:, None] * step)
            np.minimum(best, np.linalg.norm(oklab - mixed, axis=1), out=best)
    return best


@pytest.mark.parametrize("block_rows", [1, 50, 1 << 16])
@pytest.mark.parametrize(("n_colors", "n_ends"), [(1, 2), (7, 3), (300, 12), (2000, 5)])
def test_all_pairs_at_once_equal_one_pair_at_a_time(monkeypatch, block_rows, n_colors, n_ends):
    rng = np.random.default_rng(n_colors + n_ends)
    colors = rng.random((n_colors, 3))
    ends = rng.random((n_ends, 3))
    ends[-1] = ends[0]  # a repeated end: its pairs mix nothing
    monkeypatch.setattr(mixes, "_BLOCK_ROWS", block_rows)
    expected = _pair_by_pair(colors, srgb_to_oklab(colors), ends)
    assert np.array_equal(distances(colors, ends), expected)  # to the last bit (compiled)
    monkeypatch.setattr(mixes, "_kernel_mix_distance", lambda *args: False)
    assert np.array_equal(distances(colors, ends), expected)  # numpy blocks


def test_the_compiled_loop_gives_the_numpy_distances_to_the_last_bit(monkeypatch):
    from palettekit import colorspace

    if colorspace._kernel is None:
        pytest.skip("built without a C compiler")
    rng = np.random.default_rng(11)
    for trial in range(40):
        colors = rng.random((int(rng.integers(1, 700)), 3))
        if trial % 2:
            colors = np.round(colors * 255.0) / 255.0  # whole levels: the kernel's table
        ends = rng.random((int(rng.integers(2, 13)), 3))
        oklab = srgb_to_oklab(colors)
        compiled = mix_distance(colors, oklab, ends)
        with monkeypatch.context() as patch:
            patch.setattr(colorspace, "_kernel", None)  # numpy's sRGB->Oklab and no mix kernel
            pure = mix_distance(colors, oklab, ends)
        assert np.array_equal(compiled, pure)


def test_no_colors_give_no_distances() -> None:
    assert distances(np.zeros((0, 3)), np.stack([RED, BLUE])).shape == (0,)
