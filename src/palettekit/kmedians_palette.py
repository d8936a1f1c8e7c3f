"""The palette kind's colors: a few Lloyd rounds, then weighted k-medians with a far-color penalty.

This is the clustering behind ``kind="palette"`` (``meta["algorithm"]`` is
:data:`ALGORITHM`). On a color histogram (bins' mean sRGB colors and pixel
counts, converted once to the clustering space):

1. the histogram is coarsened, one bit per channel at a time, to at most
   :attr:`KMediansParams.coarse_bins` bins, never below
   :attr:`KMediansParams.min_coarse_bits` bits per channel;
2. starts in two rounds, each start taking at most
   :attr:`KMediansParams.start_iter` Lloyd rounds (fewer when
   ``Options.max_iter`` is lower) and each round keeping the start with the
   lowest far-penalised distance cost (the cost step 3 lowers, below), not
   the lowest inertia: first ``Options.n_init`` x
   :attr:`KMediansParams.starts_per_init` greedy k-means++ starts on the
   coarse level coarsened once more, to :attr:`KMediansParams.start_bits`
   bits per channel (a few hundred bins); then, on the coarse level, that
   start beside ``Options.n_init`` x
   :attr:`KMediansParams.level_starts_per_init` new k-means++ starts (the
   coarser bins blur shades that a large smooth area needs). Starts on few
   bins are cheap, and ranking by the far-penalised cost favours a start
   that reaches every clearly different color. The starts choose a basin,
   they are not run to convergence;
3. :attr:`KMediansParams.median_iter` Weiszfeld steps move each center toward
   the weighted geometric median of its cluster, which minimises the mean
   distance (the distortion in ``meta`` and bench/) rather than its square.
   Bins farther than :attr:`KMediansParams.far_distance` from their center
   cost :attr:`KMediansParams.far_penalty` more per unit of distance beyond
   it, so a small but clearly different color (the blue wing of a macaw)
   pulls a center to it instead of being left to the nearest large area;
4. :attr:`KMediansParams.full_median_iter` plain median steps run on the full
   histogram, ending with every bin assigned to its nearest center, so the
   counts are exactly the pixels each color stands for.

If a cluster ends empty on the coarse level, steps 2-3 run again on every
bin, ``Options.n_init`` starts ranked by inertia and iterated to
convergence (at most ``Options.max_iter`` Lloyd rounds); if one is still
missing, :func:`fill_to_k` adds the bin that is farthest from every center.

The result's ``inertia`` is that of the last k-medians step: the sum over
bins of pixel count times squared distance to the bin's center, in the
clustering space (``Options.space``). What the far-color weighting trades,
and how its values were chosen, is measured in bench/ and the README.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from . import colorspace
from .cluster import KMeansResult, best_start, nearest, squared_distances, weighted_kmedians
from .histogram import ColorHistogram, coarsen
from .seeded import Random, default_rng

__all__ = [
    "ALGORITHM",
    "DEFAULT_PARAMS",
    "KMediansParams",
    "PaletteClusters",
    "cluster_histogram",
    "fill_to_k",
]

ALGORITHM = "lloyd-starts+far-weighted-kmedians"
"""The name of this clustering in ``meta["algorithm"]``."""

FloatArray = npt.NDArray[np.float64]


def _far_distances() -> Mapping[str, float]:
    # CIELAB's and sRGB's values are the Oklab distance carried over to their scales.
    return MappingProxyType({"oklab": colorspace.OTHER_COLOR_DISTANCE, "cielab": 12.0, "srgb": 0.2})


@dataclass(frozen=True)
class KMediansParams:
    """Tuning knobs of the palette clustering, one field each (module docstring for the steps).

    Attributes
    ----------
    exact_below_bins : int
        A histogram with at most this many occupied bins is counted again
        with exact 8-bit colors (for every kind): a few-color image is a
        graphic whose colors should come back exactly, not as bin means.
    coarse_bins : int
        Starts and the median polish run on the histogram coarsened to at
        most this many bins, so their cost stays bounded whatever the image.
    min_coarse_bits : int
        The coarsening stops at this many bits per channel, because starts on
        coarser grids fell into bad basins.
    start_bits : int
        Bits per channel of the level the k-means++ starts run on (the
        coarse level coarsened further; not below ``k`` bins).
    starts_per_init : int
        k-means++ starts per ``Options.n_init`` on that level.
    level_starts_per_init : float
        New k-means++ starts per ``Options.n_init`` (at least one) on the
        coarse level, run beside the best start of the start level.
    start_iter : int
        Lloyd rounds per k-means++ start before the best is kept, and again
        for the kept start on the coarse level: enough to rank the starts,
        since the median polish moves the centers anyway.
    median_iter : int
        Weiszfeld steps on the coarse histogram (0 skips them): they move the
        centers toward the weighted geometric medians of their clusters.
    full_median_iter : int
        Plain median steps on the full histogram at the end, which assign
        every bin to its nearest center so that counts are exact.
    far_distance : mapping of str to float
        Per clustering space, the distance beyond which a bin is "another
        color" rather than another shade of its center (about six
        just-noticeable differences in Oklab).
    far_penalty : float
        Extra cost per unit of distance beyond ``far_distance`` in the coarse
        polish, so that a center moves to bring a clearly different color
        within reach instead of leaving it out of the palette.
    """

    exact_below_bins: int = 256
    coarse_bins: int = 1024
    min_coarse_bits: int = 4
    start_bits: int = 3
    starts_per_init: int = 2
    level_starts_per_init: float = 0.5
    start_iter: int = 3
    median_iter: int = 6
    full_median_iter: int = 1
    far_distance: Mapping[str, float] = field(default_factory=_far_distances)
    far_penalty: float = 5.0


DEFAULT_PARAMS = KMediansParams()
"""The parameters every palette uses."""


@dataclass(frozen=True, eq=False)
class PaletteClusters:
    """Centers found by :func:`cluster_histogram`.

    Attributes
    ----------
    centers : (k', 3) float64
        In the clustering space, k' <= k (fewer only when the histogram has
        fewer than k bins that differ).
    counts : (k',) float64
        Pixels of the bins nearest to each center, all > 0.
    inertia : float
        Of the last k-medians step (module docstring), >= 0.
    n_iter : int
        Steps run by that last k-medians step.
    """

    centers: FloatArray
    counts: FloatArray
    inertia: float
    n_iter: int


def _coarse_level(
    histogram: ColorHistogram,
    points: FloatArray,
    k: int,
    space: str,
    params: KMediansParams,
) -> tuple[ColorHistogram, FloatArray]:
    """The histogram coarsened to at most ``params.coarse_bins`` bins, and its points."""
    return _coarsened_while(
        histogram,
        points,
        k,
        space,
        lambda level: len(level) > params.coarse_bins and level.bits > params.min_coarse_bits,
    )


def _start_level(
    level: ColorHistogram, level_points: FloatArray, k: int, space: str, params: KMediansParams
) -> tuple[ColorHistogram, FloatArray]:
    """``level`` coarsened to ``params.start_bits`` bits (kept above ``k`` bins), and its points."""
    return _coarsened_while(
        level, level_points, k, space, lambda start: start.bits > params.start_bits
    )


def _coarsened_while(
    level: ColorHistogram,
    level_points: FloatArray,
    k: int,
    space: str,
    go_on: Callable[[ColorHistogram], bool],
) -> tuple[ColorHistogram, FloatArray]:
    """``level`` coarsened one bit at a time while ``go_on(level)`` holds and the
    next level still has more than ``k`` bins, and the points of the result."""
    while go_on(level):
        coarser = coarsen(level, level.bits - 1)
        if len(coarser) <= k:
            break
        level = coarser
        level_points = colorspace.convert(coarser.colors / 255.0, space)
    return level, level_points


def _polished(
    level: ColorHistogram,
    level_points: FloatArray,
    k: int,
    start_iter: int,
    settings: tuple[int, float, str, Random],
    params: KMediansParams,
    *,
    everywhere: bool = False,
) -> KMeansResult:
    """Best of the k-means++ starts, then the far-weighted median polish.

    The starts run on the start level, ranked by far-penalised cost
    (module docstring), unless ``everywhere``: then ``n_init`` starts run
    on ``level`` itself, ranked by inertia (the fallback on every bin).
    """
    n_init, tol, space, rng = settings
    weights = level.counts.astype(np.float64)
    far_distance = params.far_distance[space]
    if everywhere:
        centers, _ = best_start(
            level_points, weights, k, n_init=n_init, max_iter=start_iter, tol=tol, rng=rng
        )
    else:
        start, start_points = _start_level(level, level_points, k, space, params)
        init, _ = best_start(
            start_points,
            start.counts.astype(np.float64),
            k,
            n_init=n_init * params.starts_per_init,
            max_iter=start_iter,
            tol=tol,
            rng=rng,
            far_distance=far_distance,
            far_penalty=params.far_penalty,
        )
        centers, _ = best_start(
            level_points,
            weights,
            k,
            n_init=max(1, round(n_init * params.level_starts_per_init)),
            max_iter=start_iter,
            tol=tol,
            rng=rng,
            far_distance=far_distance,
            far_penalty=params.far_penalty,
            extra_starts=init[None],
        )
    return weighted_kmedians(
        level_points,
        weights,
        centers,
        max_iter=params.median_iter,
        tol=tol,
        far_distance=far_distance,
        far_penalty=params.far_penalty,
    )


def cluster_histogram(
    histogram: ColorHistogram,
    points: FloatArray,
    k: int,
    *,
    n_init: int,
    max_iter: int,
    tol: float,
    space: str,
    seed: int,
    params: KMediansParams = DEFAULT_PARAMS,
) -> PaletteClusters:
    """k palette colors of a histogram (steps in the module docstring).

    Parameters
    ----------
    histogram : ColorHistogram
        Bins' mean sRGB colors (M, 3) in [0, 255] and pixel counts (M,), M > k.
    points : (M, 3) float64
        The bins' colors in ``space``.
    k : int
        Colors wanted, >= 1.
    n_init, max_iter, tol, space, seed
        As in :class:`palettekit.Options`.
    params : KMediansParams

    Returns
    -------
    PaletteClusters
    """
    settings = (n_init, tol, space, default_rng(seed))
    level, level_points = _coarse_level(histogram, points, k, space, params)
    result = _polished(level, level_points, k, min(params.start_iter, max_iter), settings, params)
    if result.centers.shape[0] < k and level is not histogram:
        # A cluster ended empty on the coarse level: start over on every bin,
        # the starts iterated to convergence.
        level, level_points = histogram, points
        result = _polished(level, level_points, k, max_iter, settings, params, everywhere=True)
    if level is not histogram:
        result = weighted_kmedians(
            points, histogram.counts, result.centers, max_iter=params.full_median_iter, tol=tol
        )
    centers, counts = result.centers, result.weights
    if centers.shape[0] < k:  # a cluster ended empty: the image has more colors
        centers, counts = fill_to_k(points, histogram.counts, centers, k)
    return PaletteClusters(centers, counts, result.inertia, result.n_iter)


def fill_to_k(
    points: FloatArray,
    weights: npt.NDArray[np.int64],
    centers: FloatArray,
    k: int,
) -> tuple[FloatArray, FloatArray]:
    """Bring a clustering that lost a center back to ``k`` centers.

    While there are fewer than ``k``, the bin whose pixels lie farthest from
    every center (its pixel count times its squared distance) becomes a
    center; then every bin is assigned to its nearest center. Needs at least
    ``k`` distinct bins.

    Returns
    -------
    centers : (k, 3) float64
        In the space of ``points``.
    counts : (k,) float64
        Pixels of each center's bins, all > 0.
    """
    _, d2 = nearest(squared_distances(points, centers))
    rows = [np.asarray(c, dtype=np.float64) for c in centers]
    while len(rows) < k:
        farthest = int(np.argmax(d2 * weights))
        if d2[farthest] <= 0.0:
            break
        rows.append(points[farthest])
        d2 = np.minimum(d2, squared_distances(points, points[farthest : farthest + 1])[:, 0])
    filled = np.array(rows)
    labels, _ = nearest(squared_distances(points, filled))
    counts = np.bincount(labels, weights=weights, minlength=filled.shape[0]).astype(np.float64)
    keep = counts > 0
    return filled[keep], counts[keep]
