"""Choosing the number of colors automatically (``k="auto"``).

Criterion
---------
k is the smallest number of colors, from 1 to ``max_k``, whose palette
represents the image within a perceptual budget, both measured on the
image's own color histogram (every bin weighted by its pixel count):

* **mean distortion** -- the mean Oklab distance from a pixel to its nearest
  palette color, x 100 (the unit of ``meta["distortion"]``) -- is at most
  :data:`MAX_MEAN_DISTORTION` = 6, about three just-noticeable differences;
* **far share** -- the share of pixels farther than :data:`FAR_DISTANCE` =
  0.15 from every palette color (about the distance from red to orange: a
  clearly different color) -- is at most :data:`MAX_FAR_SHARE` = 1 %, so a
  small but distinct color (a logo's text, an accent) is not averaged away.
  A pixel that is a mix of two palette colors -- within :data:`BLEND_TOLERANCE`
  = 0.03 of a mixture of the two in sRGB, as anti-aliased edges are -- is not
  counted as far: it is drawn from the palette's colors, not a color of its
  own.

A palette that meets the budget is kept unless one more color would still
cut its mean distortion by a quarter or more (:data:`MIN_GAIN`) and by at
least 0.2 (:data:`MIN_GAIN_ABSOLUTE`, a tenth of a just-noticeable
difference), counting only the pixels of histogram peaks (bins holding
:data:`PEAK_SHARE` = 1 % of the pixels or more) -- the sign that a
distinct flat color was merged into another (a flat graphic's five colors
squeezed into four) -- in which case the search goes on. Anti-aliased edges
and the gradual colors of photos spread over many small bins and do not
prolong the search. The distortion curve in ``meta`` therefore ends one step past the
chosen k when this look-ahead stopped the search.

If no k up to ``max_k`` meets the budget, ``max_k`` is chosen. The search also
stops, and keeps the previous k, as soon as two colors of a palette come
closer than :data:`JND` = 0.02 in Oklab (a just-noticeable difference, the
value CSS Color 4 uses for gamut mapping): more colors would only split one
visible color in two.

Flat graphics reach the budget as soon as each of their flat colors has a
swatch; photos need more colors the more varied they are. On CQ100 (50 photos,
768x512) the chosen k spreads from 4 to 12 (see ``bench/bench_auto.py``).

Search
------
One histogram serves every k. Palettes grow one color at a time: k + 1
starts from the k centers plus one new center, the best (by the inertia it
leaves) of a few candidates drawn by k-means++ from the seeded generator,
then Lloyd iterations refine all centers. To stay cheap the centers are
fitted on a coarsened copy of the histogram (at most about 1,000 bins, as
the pipeline's first stage does), while the budget is measured on the full
histogram. The search is deterministic for a given seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .cluster import cross_products, nearest, squared_distances, weighted_kmeans
from .colorspace import clip_srgb, oklab_to_srgb, srgb_to_oklab, srgb_to_uint8
from .histogram import ColorHistogram, coarsen

__all__ = [
    "JND",
    "MAX_MEAN_DISTORTION",
    "FAR_DISTANCE",
    "MAX_FAR_SHARE",
    "BLEND_TOLERANCE",
    "MIN_GAIN",
    "MIN_GAIN_ABSOLUTE",
    "PEAK_SHARE",
    "SAME_LEVELS",
    "DEFAULT_MAX_K",
    "AutoKResult",
    "choose_k",
    "flat_graphic_k",
    "merge_close_colors",
    "merge_close_rgb",
    "min_pairwise_distance",
]

JND = 0.02
"""Just-noticeable difference in Oklab (Euclidean)."""

MAX_MEAN_DISTORTION = 6.0
"""Largest accepted mean Oklab distance pixel -> palette, x 100."""

FAR_DISTANCE = 0.15
"""Oklab distance beyond which a pixel's color is clearly not in the palette."""

MAX_FAR_SHARE = 0.01
"""Largest accepted share of pixels farther than :data:`FAR_DISTANCE`."""

BLEND_TOLERANCE = 0.03
"""Oklab distance within which a pixel counts as a mix of two palette colors."""

MIN_GAIN = 0.25
"""Look-ahead: a further color that cuts the mean distortion by this fraction
or more is taken even though the budget is met."""

MIN_GAIN_ABSOLUTE = 0.2
"""Look-ahead: ... and by at least this much (mean distortion x 100, a tenth
of a just-noticeable difference)."""

PEAK_SHARE = 0.01
"""Look-ahead: only histogram bins holding at least this share of the pixels
(the flat colors of a graphic) count towards the gain."""

DEFAULT_MAX_K = 12
"""Default upper bound of the search."""

# The search fits centers on at most about this many bins.
_SEARCH_MAX_BINS = 1024
_SEARCH_MIN_BITS = 3
_SEARCH_MAX_ITER = 100
_SEARCH_TOL = 1e-4

FloatArray = npt.NDArray[np.float64]

# Products over all bins are written as multiply-and-sum rather than `@`:
# OpenBLAS runs large vector and matrix-vector products on several threads,
# and on a busy machine waking them costs more than the arithmetic (see
# cluster.cross_products).


@dataclass(frozen=True)
class AutoKResult:
    """Outcome of the search for k.

    Attributes
    ----------
    k : int
        The chosen number of colors, 1 <= k <= max_k.
    reason : str
        Why the search stopped: "budget" (k meets the budget), "jnd" (k + 1
        colors would put two closer than :data:`JND`), "distinct" (the image
        has only k distinct colors), "max_k" (no k up to max_k meets the
        budget) or "flat" (a flat graphic with k flat colors, see
        :mod:`palettekit.flat`: no search).
    distortions : tuple of float
        Mean distortion (Oklab distance x 100) of the search palette for
        k = 1, 2, ... up to the last k evaluated.
    far_shares : tuple of float or None
        Share of pixels farther than :data:`FAR_DISTANCE` from the palette
        and not a mix of two of its colors, in [0, 1], for the same k; None
        where the mean distortion was over budget (the far share was then
        not needed and not measured).
    centers : (k, 3) float64
        Oklab centers of the search palette for the chosen k.
    max_k : int
        The bound searched up to.
    """

    k: int
    reason: str
    distortions: tuple[float, ...]
    far_shares: tuple[float | None, ...]
    centers: FloatArray
    max_k: int

    def to_meta(self) -> dict[str, Any]:
        """Plain, JSON-ready summary for ``Palette.meta["auto_k"]``."""
        return {
            "k": self.k,
            "reason": self.reason,
            "max_k": self.max_k,
            "criterion": {
                "max_mean_distortion": MAX_MEAN_DISTORTION,
                "far_distance": FAR_DISTANCE,
                "max_far_share": MAX_FAR_SHARE,
                "blend_tolerance": BLEND_TOLERANCE,
                "min_gain": MIN_GAIN,
                "min_gain_absolute": MIN_GAIN_ABSOLUTE,
                "peak_share": PEAK_SHARE,
                "jnd": JND,
            },
            "distortion_curve": [round(d, 4) for d in self.distortions],
            "far_share_curve": [None if s is None else round(s, 6) for s in self.far_shares],
        }


def _search_histogram(histogram: ColorHistogram) -> ColorHistogram:
    coarse = histogram
    while len(coarse) > _SEARCH_MAX_BINS and coarse.bits > _SEARCH_MIN_BITS:
        coarse = coarsen(coarse, coarse.bits - 1)
    return coarse


def _nearest_distances(
    points: FloatArray, squared_norms: FloatArray, centers: FloatArray
) -> FloatArray:
    """Distance (M,) from each point to its nearest center.

    ``squared_norms`` is ``(points ** 2).sum(axis=1)``, computed once by the
    caller; the argmin needs only ``|c|^2 - 2 x.c``, which keeps the
    temporaries to one (M, k) array.
    """
    score = cross_products(points, -2.0 * centers.T)
    score += (centers * centers).sum(axis=1)
    _, closest = nearest(score)
    closest += squared_norms
    return np.sqrt(np.maximum(closest, 0.0, out=closest), out=closest)


def _next_center(
    points: FloatArray, weights: FloatArray, centers: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """The best of ``2 + log(k)`` k-means++ candidates for one more center."""
    _, closest = nearest(squared_distances(points, centers))
    cumulative = np.cumsum(closest * weights)
    n_trials = 2 + int(math.log(centers.shape[0] + 1))
    targets = rng.random(n_trials) * cumulative[-1]
    candidates = np.minimum(np.searchsorted(cumulative, targets, side="right"), len(points) - 1)
    d2 = np.minimum(squared_distances(points, points[candidates]), closest[:, None])
    best = int(np.argmin((d2 * weights[:, None]).sum(axis=0)))
    return points[candidates[best]]


def _blend_distances(srgb: FloatArray, oklab: FloatArray, centers_oklab: FloatArray) -> FloatArray:
    """Oklab distance (F,) from each color to the nearest sRGB mix of two centers.

    For each pair of centers the mix nearest in sRGB is found by projecting
    onto the segment between them (sRGB, [0, 1]); its distance to the color
    is then measured in Oklab. ``inf`` with fewer than two centers.
    """
    best = np.full(srgb.shape[0], np.inf)
    centers_srgb = clip_srgb(oklab_to_srgb(centers_oklab))
    n_centers = centers_srgb.shape[0]
    for i in range(n_centers):
        for j in range(i + 1, n_centers):
            start, step = centers_srgb[i], centers_srgb[j] - centers_srgb[i]
            length2 = float(step @ step)
            if length2 == 0.0:
                continue
            t = np.clip(((srgb - start) * step).sum(axis=1) / length2, 0.0, 1.0)
            mixed = srgb_to_oklab(start + t[:, None] * step)
            np.minimum(best, np.linalg.norm(oklab - mixed, axis=1), out=best)
    return best


def min_pairwise_distance(oklab: npt.ArrayLike) -> float:
    """Smallest Euclidean distance between two of the colors.

    Parameters
    ----------
    oklab : (k, 3) float
        Colors in Oklab.

    Returns
    -------
    float
        ``inf`` when there are fewer than two colors.
    """
    lab = np.asarray(oklab, dtype=np.float64).reshape(-1, 3)
    if lab.shape[0] < 2:
        return math.inf
    d2 = squared_distances(lab, lab)
    np.fill_diagonal(d2, np.inf)
    return float(np.sqrt(d2.min()))


def choose_k(
    histogram: ColorHistogram,
    *,
    max_k: int = DEFAULT_MAX_K,
    seed: int = 0,
    max_mean_distortion: float = MAX_MEAN_DISTORTION,
    far_distance: float = FAR_DISTANCE,
    max_far_share: float = MAX_FAR_SHARE,
    blend_tolerance: float = BLEND_TOLERANCE,
    min_gain: float = MIN_GAIN,
    min_gain_absolute: float = MIN_GAIN_ABSOLUTE,
    jnd: float = JND,
) -> AutoKResult:
    """Choose the number of colors for a histogram (criterion in the module doc).

    Parameters
    ----------
    histogram : ColorHistogram
        The image's histogram: mean sRGB color of each bin (M, 3) float in
        [0, 255] and pixel counts (M,) > 0, M >= 1.
    max_k : int
        Largest k considered, >= 1.
    seed : int
        Seed of the generator drawing the candidate centers.
    max_mean_distortion, far_distance, max_far_share, blend_tolerance : float
        The budget (defaults: the module constants).
    min_gain, min_gain_absolute : float
        The look-ahead rule (defaults: the module constants).
    jnd : float
        The just-noticeable difference.

    Returns
    -------
    AutoKResult

    Raises
    ------
    ValueError
        If the histogram is empty or ``max_k`` < 1.
    """
    if len(histogram) == 0 or histogram.total == 0:
        raise ValueError("cannot choose k for an empty histogram")
    if max_k < 1:
        raise ValueError(f"max_k must be >= 1, got {max_k}")
    rng = np.random.default_rng(seed)
    full_srgb = histogram.colors / 255.0
    full_points = srgb_to_oklab(full_srgb)
    full_norms = (full_points * full_points).sum(axis=1)
    full_weights = histogram.counts.astype(np.float64)
    total = full_weights.sum()
    search = _search_histogram(histogram)
    points = srgb_to_oklab(search.colors / 255.0)
    weights = search.counts.astype(np.float64)
    n_distinct = len(histogram)

    distortions: list[float] = []
    far_shares: list[float | None] = []
    centers = (points * weights[:, None]).sum(axis=0)[None, :] / weights.sum()
    chosen, reason = centers, "max_k"
    # A palette within budget waits for one look-ahead step: if one more
    # color would still cut the distortion by MIN_GAIN or more, go on.
    pending: FloatArray | None = None
    pending_nearest = np.zeros(0)
    peaks = full_weights >= PEAK_SHARE * total
    for k in range(1, max_k + 1):
        if k >= n_distinct:
            # Every distinct color gets its own swatch: nothing is lost.
            candidate = full_points
        elif k > 1:
            if k > points.shape[0]:  # the coarse copy has too few bins
                points, weights = full_points, full_weights
            init = np.vstack([centers, _next_center(points, weights, centers, rng)])
            candidate = weighted_kmeans(
                points,
                weights,
                init.shape[0],
                max_iter=_SEARCH_MAX_ITER,
                tol=_SEARCH_TOL,
                rng=rng,
                init=init,
            ).centers
        else:
            candidate = centers
        if candidate.shape[0] > 1 and min_pairwise_distance(candidate) < jnd:
            reason = "jnd"
            break
        centers = candidate
        distance = _nearest_distances(full_points, full_norms, centers)
        distortion = float((full_weights * distance).sum() / total * 100.0)
        if pending is not None:
            # Gain on the histogram's peaks only: flat colors are peaks,
            # anti-aliased edges and photo noise spread thinly over many bins.
            gain = float(
                (full_weights[peaks] * (pending_nearest[peaks] - distance[peaks])).sum()
                / total
                * 100.0
            )
            if gain < min_gain * distortions[-1] or gain < min_gain_absolute:
                distortions.append(distortion)
                far_shares.append(None)
                chosen, reason = pending, "budget"
                break
            pending = None
        distortions.append(distortion)
        chosen = centers
        if k >= n_distinct:
            far_shares.append(0.0)
            reason = "distinct"
            break
        if distortion > max_mean_distortion:
            # The far share costs more; it is measured only when it decides.
            far_shares.append(None)
            continue
        far = np.flatnonzero(distance > far_distance)
        if far.size and centers.shape[0] > 1:
            blends = _blend_distances(full_srgb[far], full_points[far], centers)
            far = far[blends > blend_tolerance]
        far_share = float(full_weights[far].sum() / total)
        far_shares.append(far_share)
        if far_share <= max_far_share:
            if k == max_k or not peaks.any():
                reason = "budget"
                break
            pending, pending_nearest = centers, distance
    return AutoKResult(
        k=int(chosen.shape[0]),
        reason=reason,
        distortions=tuple(distortions),
        far_shares=tuple(far_shares),
        centers=chosen,
        max_k=max_k,
    )


def flat_graphic_k(
    histogram: ColorHistogram, *, max_k: int = DEFAULT_MAX_K, seed: int = 0
) -> AutoKResult:
    """k for a flat graphic: the number of its flat colors.

    Parameters
    ----------
    histogram : ColorHistogram
        One bin per flat color (:func:`palettekit.flat.snap_histogram`), M >= 1.
    max_k, seed
        As for :func:`choose_k`.

    Returns
    -------
    AutoKResult
        k = M with reason "flat" (no distortion curve: nothing is searched);
        if M > ``max_k``, :func:`choose_k` on the flat colors.
    """
    if len(histogram) > max_k:
        return choose_k(histogram, max_k=max_k, seed=seed)
    return AutoKResult(
        k=len(histogram),
        reason="flat",
        distortions=(),
        far_shares=(),
        centers=srgb_to_oklab(histogram.colors / 255.0),
        max_k=max_k,
    )


def merge_close_colors(
    oklab: npt.ArrayLike, weights: npt.ArrayLike, min_distance: float = JND
) -> tuple[FloatArray, FloatArray]:
    """Merge colors closer than ``min_distance``, closest pair first.

    Each merge replaces a pair by its weighted mean and sums the weights,
    until every pair is at least ``min_distance`` apart.

    Parameters
    ----------
    oklab : (k, 3) float
        Colors in Oklab.
    weights : (k,) float
        Positive weight (pixel count) of each color.
    min_distance : float
        Smallest allowed Euclidean distance in Oklab.

    Returns
    -------
    oklab : (j, 3) float64
        j <= k colors; colors that were not merged keep their place, a merged
        color takes the place of the first of its pair.
    weights : (j,) float64
        Their weights; the total is unchanged.
    """
    lab = np.array(oklab, dtype=np.float64).reshape(-1, 3)
    w = np.array(weights, dtype=np.float64).reshape(-1)
    if lab.shape[0] != w.shape[0]:
        raise ValueError(f"{lab.shape[0]} colors but {w.shape[0]} weights")
    while lab.shape[0] > 1:
        d2 = squared_distances(lab, lab)
        np.fill_diagonal(d2, np.inf)
        flat = int(np.argmin(d2))
        i, j = divmod(flat, lab.shape[0])
        if d2[i, j] >= min_distance * min_distance:
            break
        i, j = min(i, j), max(i, j)
        merged_weight = w[i] + w[j]
        lab[i] = (lab[i] * w[i] + lab[j] * w[j]) / merged_weight
        w[i] = merged_weight
        lab = np.delete(lab, j, axis=0)
        w = np.delete(w, j)
    return lab, w


SAME_LEVELS = 2
"""8-bit colors within this many levels on every channel are one color."""


def _merge_level_twins(
    colors: npt.NDArray[np.uint8], weights: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Merge colors within SAME_LEVELS on every channel into the fuller one."""
    colors, weights = colors.copy(), weights.copy()
    while colors.shape[0] > 1:
        spread = np.abs(colors[:, None, :].astype(np.int16) - colors[None, :, :]).max(axis=2)
        np.fill_diagonal(spread, SAME_LEVELS + 1)
        i, j = np.unravel_index(int(np.argmin(spread)), spread.shape)
        if spread[i, j] > SAME_LEVELS:
            break
        keep, drop = (i, j) if weights[i] >= weights[j] else (j, i)
        weights[keep] += weights[drop]
        colors = np.delete(colors, drop, axis=0)
        weights = np.delete(weights, drop)
    return colors, weights


def merge_close_rgb(
    rgb8: npt.NDArray[np.uint8], counts: npt.NDArray[np.int64], min_distance: float = JND
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Merge 8-bit palette colors closer than ``min_distance`` in Oklab.

    First, colors within :data:`SAME_LEVELS` levels of each other on every
    channel become the one with more pixels: no one tells them apart, but
    Oklab's cube root puts the darkest of them far apart (#000000 and
    #010101 are 0.067 apart, three JNDs; JPEG leaves such blacks side by
    side). Then like :func:`merge_close_colors`, rounding the merged colors
    to 8 bits and repeating until no two colors of the rounded palette are
    that close (rounding can move a color by up to about 0.004).

    Parameters
    ----------
    rgb8 : (k, 3) uint8
        Distinct sRGB colors in [0, 255].
    counts : (k,) int64
        Pixel count of each.
    min_distance : float
        Smallest allowed Euclidean distance in Oklab.

    Returns
    -------
    rgb8 : (j, 3) uint8
    counts : (j,) int64
        j <= k; the total count is unchanged.
    """
    colors = np.asarray(rgb8, dtype=np.uint8).reshape(-1, 3)
    weights = np.asarray(counts, dtype=np.int64).reshape(-1)
    colors, weights = _merge_level_twins(colors, weights)
    while colors.shape[0] > 1:
        lab = srgb_to_oklab(colors / 255.0)
        if min_pairwise_distance(lab) >= min_distance:
            break
        merged_lab, merged_weights = merge_close_colors(lab, weights, min_distance)
        rounded = srgb_to_uint8(oklab_to_srgb(merged_lab))
        keys = (rounded.astype(np.int64) << np.array([16, 8, 0])).sum(axis=1)
        unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        order = np.argsort(first)  # keep the palette order of first appearance
        sums = np.bincount(inverse.reshape(-1), weights=merged_weights, minlength=unique.shape[0])
        colors = rounded[first[order]]
        weights = np.rint(sums[order]).astype(np.int64)
    return colors, weights
