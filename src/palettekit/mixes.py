"""sRGB mixes of two colors: how far a color is from being one.

Renderers anti-alias an edge by mixing the two colors on either side of it
in sRGB, so an edge pixel lies on the sRGB segment between two colors of the
image. Both :mod:`palettekit.flat` (is a color an edge row?) and
:mod:`palettekit.autok` (is a far pixel an edge between two palette colors?)
ask how far a color is from the nearest such mix.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .colorspace import _kernel_mix_distance, srgb_to_oklab

__all__ = ["LOSSY_FORMATS", "mix_distance"]

LOSSY_FORMATS = frozenset({"JPEG", "MPO", "JPEG2000", "WEBP", "AVIF", "HEIF"})
"""Pillow format names of sources whose compression mixes neighbouring
colors, so that they are never treated as flat graphics
(:mod:`palettekit.flat`; WebP may be lossless, but Pillow does not say which).
Here rather than in :mod:`palettekit.flat`, so that the pipeline can tell a
JPEG without importing the flat-graphic code."""

FloatArray = npt.NDArray[np.float64]

# Rows (color, pair of ends) per block of mix_distance: ~6 MB of temporaries at most.
_BLOCK_ROWS = 1 << 16


def mix_distance(srgb: FloatArray, oklab: FloatArray, ends: FloatArray) -> FloatArray:
    """Oklab distance from each color to the nearest sRGB mix of two of ``ends``.

    For each pair of ends the mix nearest in sRGB is found by projecting the
    color onto the segment between them; its distance to the color is then
    measured in Oklab.

    Parameters
    ----------
    srgb : (C, 3) float64
        The colors, sRGB in [0, 1].
    oklab : (C, 3) float64
        The same colors in Oklab.
    ends : (E, 3) float64
        The colors that mix, sRGB in [0, 1].

    Returns
    -------
    (C,) float64
        Distances >= 0; ``inf`` where no two ends differ (fewer than two).
    """
    n_colors = srgb.shape[0]
    best = np.full(n_colors, np.inf)
    pairs = []
    for i in range(ends.shape[0]):
        for j in range(i + 1, ends.shape[0]):
            start, step = ends[i], ends[j] - ends[i]
            length2 = float(step @ step)
            if length2 != 0.0:
                pairs.append((start, step, length2))
    if not pairs or n_colors == 0:
        return best
    packed = np.array([[*start, *step, length2] for start, step, length2 in pairs])
    if _kernel_mix_distance(srgb, oklab, packed, best):  # the same operations, compiled
        return best
    # Every pair's mixes in one block of rows (a few blocks for many colors):
    # the arithmetic of one pair at a time, row for row, without a chain of
    # numpy calls per pair (a palette of 12 colors has 66 pairs).
    per_block = max(1, _BLOCK_ROWS // n_colors)
    for first in range(0, len(pairs), per_block):
        block = pairs[first : first + per_block]
        starts = np.repeat(np.array([start for start, _, _ in block]), n_colors, axis=0)
        steps = np.repeat(np.array([step for _, step, _ in block]), n_colors, axis=0)
        lengths = np.repeat(np.array([length2 for _, _, length2 in block]), n_colors)
        colors = np.tile(srgb, (len(block), 1))
        t = np.clip(((colors - starts) * steps).sum(axis=1) / lengths, 0.0, 1.0)
        mixed = srgb_to_oklab(starts + t[:, None] * steps)
        distance = np.linalg.norm(np.tile(oklab, (len(block), 1)) - mixed, axis=1)
        np.minimum(best, distance.reshape(len(block), n_colors).min(axis=0), out=best)
    return best
