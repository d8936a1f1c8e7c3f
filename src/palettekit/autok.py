"""Choosing the number of colors automatically (``k="auto"``).

Criterion
---------
k is the smallest number of colors, from 1 to ``max_k``, whose palette
represents the image within a perceptual budget, both measured on the
image's own color histogram (every bin weighted by its pixel count). The
knobs are the fields of :class:`AutoKParams`; the default is
:data:`DEFAULT_AUTO_K_PARAMS`.

* **mean distortion** -- the mean Oklab distance from a pixel to its nearest
  palette color, x 100 (the unit of ``meta["distortion"]``) -- is at most
  ``max_mean_distortion``;
* **far share** -- the share of pixels farther than ``far_distance`` from
  every palette color (a clearly different color, not a shade) -- is at most
  ``max_far_share``, so a small but distinct color (a logo's text, an
  accent) is not averaged away. A pixel that is a mix of two palette colors
  -- within ``blend_tolerance`` of a mixture of the two in sRGB, as
  anti-aliased edges are (:func:`palettekit.mixes.mix_distance`) -- is not
  counted as far: it is drawn from the palette's colors, not a color of its
  own.

A palette that meets the budget is kept unless one more color would still
cut its mean distortion by the fraction ``min_gain`` or more and by at least
``min_gain_absolute``, counting only the pixels of histogram peaks (bins
holding ``peak_share`` of the pixels or more) -- the sign that a distinct
flat color was merged into another (a flat graphic's five colors squeezed
into four) -- in which case the search goes on. Anti-aliased edges and the
gradual colors of photos spread over many small bins and do not prolong the
search. The distortion curve in ``meta`` therefore ends one step past the
chosen k when this look-ahead stopped the search.

If no k up to ``max_k`` meets the budget, ``max_k`` is chosen. The search also
stops, and keeps the previous k, as soon as two colors of a palette come
closer than ``jnd`` in Oklab (a just-noticeable difference, :data:`JND`):
more colors would only split one visible color in two.

Flat graphics reach the budget as soon as each of their flat colors has a
swatch; photos need more colors the more varied they are
(``bench/bench_auto.py`` measures the spread of k on CQ100).

Search
------
One histogram serves every k. Palettes grow one color at a time: k + 1
starts from the k centers plus one new center, the best (by the inertia it
leaves) of a few candidates drawn by k-means++ from the seeded generator,
then Lloyd iterations refine all centers. To stay cheap the centers are
fitted on a coarsened copy of the histogram (at most about
``search_max_bins`` bins), while the budget is measured on the full
histogram. The search is deterministic for a given seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .cluster import (
    kmeans_centers,
    nearest_scores,
    nearest_squared_distances,
    squared_distances,
)
from .colorspace import clip_srgb, oklab_to_srgb, srgb_to_oklab, srgb_to_uint8
from .histogram import ColorHistogram, coarsen
from .mixes import mix_distance
from .seeded import Random, default_rng

__all__ = [
    "JND",
    "SAME_LEVELS",
    "DEFAULT_MAX_K",
    "AutoKParams",
    "DEFAULT_AUTO_K_PARAMS",
    "AutoKResult",
    "choose_k",
    "flat_graphic_k",
    "merge_close_colors",
    "merge_close_rgb",
    "min_pairwise_distance",
]

JND = 0.02
"""Just-noticeable difference in Oklab (Euclidean), the value CSS Color 4
uses for gamut mapping: colors closer than this look the same."""

SAME_LEVELS = 2
"""8-bit colors within this many levels on every channel are one color."""

DEFAULT_MAX_K = 12
"""Default upper bound of the search."""


@dataclass(frozen=True)
class AutoKParams:
    """The knobs of the search for k (criterion and search in the module doc).

    A frozen value: tune with :func:`dataclasses.replace` on
    :data:`DEFAULT_AUTO_K_PARAMS` and pass the result as ``params``.
    """

    max_mean_distortion: float = 6.0
    """Largest accepted mean Oklab distance pixel -> palette, x 100: about
    three just-noticeable differences, what a glance does not notice."""

    far_distance: float = 0.15
    """Oklab distance beyond which a pixel's color is clearly not in the
    palette: about the distance from red to orange."""

    max_far_share: float = 0.01
    """Largest accepted share of pixels farther than ``far_distance``: a
    small accent or a logo's text holds more than this, and gets a color."""

    blend_tolerance: float = 0.03
    """Oklab distance within which a far pixel counts as an sRGB mix of two
    palette colors: looser than :attr:`palettekit.flat.FlatParams.rendered_blend_tolerance`,
    because the palette colors are cluster centers and photos add noise to
    their edges."""

    min_gain: float = 0.25
    """Look-ahead: a further color that cuts the mean distortion on the peaks
    by this fraction or more is taken though the budget is met (a merged flat
    color cuts far more; photo detail far less)."""

    min_gain_absolute: float = 0.2
    """Look-ahead: ... and by at least this much (mean distortion x 100, a
    tenth of a just-noticeable difference), so tiny distortions do not go on."""

    peak_share: float = 0.01
    """Look-ahead: only histogram bins holding at least this share of the
    pixels count towards the gain (the flat colors of a graphic are peaks;
    edges and photo gradients spread over small bins)."""

    jnd: float = JND
    """Two colors of a search palette closer than this stop the search: more
    colors would split one visible color in two."""

    search_max_bins: int = 1024
    """The centers are fitted on the histogram coarsened to at most about this
    many bins (as the clustering's first stage is), for speed."""

    search_min_bits: int = 3
    """... never coarser than this many bits per channel."""

    search_max_iter: int = 100
    """Lloyd iterations per k at most: a safety cap, ``search_tol`` is the
    stopping rule."""

    search_tol: float = 1e-4
    """Lloyd iterations stop when the centers move less than this."""

    def criterion(self) -> dict[str, float]:
        """The budget and look-ahead, as ``meta["auto_k"]["criterion"]`` reports them."""
        return {
            "max_mean_distortion": self.max_mean_distortion,
            "far_distance": self.far_distance,
            "max_far_share": self.max_far_share,
            "blend_tolerance": self.blend_tolerance,
            "min_gain": self.min_gain,
            "min_gain_absolute": self.min_gain_absolute,
            "peak_share": self.peak_share,
            "jnd": self.jnd,
        }


DEFAULT_AUTO_K_PARAMS = AutoKParams()
"""The parameters ``k="auto"`` uses."""

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
        colors would put two closer than ``params.jnd``), "distinct" (the
        image has only k distinct colors), "max_k" (no k up to max_k meets
        the budget) or "flat" (a flat graphic with k flat colors, see
        :mod:`palettekit.flat`: no search).
    distortions : tuple of float
        Mean distortion (Oklab distance x 100) of the search palette for
        k = 1, 2, ... up to the last k evaluated.
    far_shares : tuple of float or None
        Share of pixels farther than ``params.far_distance`` from the palette
        and not a mix of two of its colors, in [0, 1], for the same k; None
        where the mean distortion was over budget (the far share was then
        not needed and not measured).
    centers : (k, 3) float64
        Oklab centers of the search palette for the chosen k.
    max_k : int
        The bound searched up to.
    params : AutoKParams
        The parameters of the search.
    """

    k: int
    reason: str
    distortions: tuple[float, ...]
    far_shares: tuple[float | None, ...]
    centers: FloatArray
    max_k: int
    params: AutoKParams = DEFAULT_AUTO_K_PARAMS

    def to_meta(self) -> dict[str, Any]:
        """Plain, JSON-ready summary for ``Palette.meta["auto_k"]``."""
        return {
            "k": self.k,
            "reason": self.reason,
            "max_k": self.max_k,
            "criterion": self.params.criterion(),
            "distortion_curve": [round(d, 4) for d in self.distortions],
            "far_share_curve": [None if s is None else round(s, 6) for s in self.far_shares],
        }


def _search_histogram(histogram: ColorHistogram, params: AutoKParams) -> ColorHistogram:
    """The histogram coarsened to at most about ``params.search_max_bins`` bins."""
    coarse = histogram
    while len(coarse) > params.search_max_bins and coarse.bits > params.search_min_bits:
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
    _, closest = nearest_scores(points, centers, (centers * centers).sum(axis=1))
    closest += squared_norms
    return np.sqrt(np.maximum(closest, 0.0, out=closest), out=closest)


def _next_center(
    points: FloatArray, weights: FloatArray, centers: FloatArray, rng: Random
) -> FloatArray:
    """The best of ``2 + log(k)`` k-means++ candidates for one more center."""
    closest = nearest_squared_distances(points, centers)
    cumulative = np.cumsum(closest * weights)
    n_trials = 2 + int(math.log(centers.shape[0] + 1))
    targets = rng.random(n_trials) * cumulative[-1]
    candidates = np.minimum(np.searchsorted(cumulative, targets, side="right"), len(points) - 1)
    d2 = np.minimum(squared_distances(points, points[candidates]), closest[:, None])
    best = int(np.argmin((d2 * weights[:, None]).sum(axis=0)))
    return points[candidates[best]]


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


@dataclass(frozen=True)
class _Measure:
    """The full histogram, on which every search palette is measured.

    Attributes
    ----------
    srgb : (M, 3) float64
        Bin colors, sRGB in [0, 1].
    points : (M, 3) float64
        The same in Oklab.
    norms : (M,) float64
        Squared norms of ``points``.
    weights : (M,) float64
        Pixel counts, > 0.
    total : float
        Their sum.
    peaks : (M,) bool
        Bins holding at least ``params.peak_share`` of the pixels.
    """

    srgb: FloatArray
    points: FloatArray
    norms: FloatArray
    weights: FloatArray
    total: float
    peaks: npt.NDArray[np.bool_]

    @classmethod
    def of(
        cls, histogram: ColorHistogram, params: AutoKParams, oklab: FloatArray | None = None
    ) -> _Measure:
        srgb = histogram.colors / 255.0
        points = srgb_to_oklab(srgb) if oklab is None else oklab
        weights = histogram.counts.astype(np.float64)
        total = weights.sum()
        return cls(
            srgb=srgb,
            points=points,
            norms=(points * points).sum(axis=1),
            weights=weights,
            total=total,
            peaks=weights >= params.peak_share * total,
        )

    def distances(self, centers: FloatArray) -> FloatArray:
        """(M,) distance from each bin to its nearest center."""
        return _nearest_distances(self.points, self.norms, centers)

    def distortion(self, distance: FloatArray) -> float:
        """Mean distortion x 100, given :meth:`distances`."""
        return float((self.weights * distance).sum() / self.total * 100.0)

    def peak_gain(self, before: FloatArray, after: FloatArray) -> float:
        """How much the mean distortion x 100 falls on the peaks from ``before`` to ``after``.

        Flat colors are peaks; anti-aliased edges and photo noise spread
        thinly over many bins and do not count.
        """
        peaks = self.peaks
        return float(
            (self.weights[peaks] * (before[peaks] - after[peaks])).sum() / self.total * 100.0
        )

    def far_share(self, distance: FloatArray, centers: FloatArray, params: AutoKParams) -> float:
        """Share of pixels farther than ``params.far_distance`` from ``centers``
        and not within ``params.blend_tolerance`` of a mix of two of them."""
        far = np.flatnonzero(distance > params.far_distance)
        if far.size and centers.shape[0] > 1:
            ends = clip_srgb(oklab_to_srgb(centers))
            blends = mix_distance(self.srgb[far], self.points[far], ends)
            far = far[blends > params.blend_tolerance]
        return float(self.weights[far].sum() / self.total)


@dataclass(frozen=True)
class _Fit:
    """Where the search palettes are fitted.

    Attributes
    ----------
    points : (Mc, 3) float64
        Oklab bins of the histogram coarsened to about
        ``params.search_max_bins`` bins.
    weights : (Mc,) float64
        Their pixel counts.
    full : _Measure
        The full histogram, used once k exceeds the coarse bins.
    rng : Random
        Draws the candidates for each new center.
    params : AutoKParams
    """

    points: FloatArray
    weights: FloatArray
    full: _Measure
    rng: Random
    params: AutoKParams

    def first(self) -> FloatArray:
        """(1, 3) the weighted mean color."""
        points, weights = self.points, self.weights
        return (points * weights[:, None]).sum(axis=0)[None, :] / weights.sum()

    def palette(self, k: int, centers: FloatArray) -> FloatArray:
        """(k, 3) centers of the search palette of k colors, grown from the
        (k - 1, 3) ``centers``: one more center, the best of a few k-means++
        candidates, then Lloyd iterations refine all of them. Every bin is a
        center once k reaches the number of bins."""
        full, params = self.full, self.params
        if k >= full.points.shape[0]:
            return full.points
        if k == 1:
            return centers
        points, weights = self.points, self.weights
        if k > points.shape[0]:  # the coarse copy has too few bins
            points, weights = full.points, full.weights
        init = np.vstack([centers, _next_center(points, weights, centers, self.rng)])
        return kmeans_centers(
            points,
            weights,
            init.shape[0],
            max_iter=params.search_max_iter,
            tol=params.search_tol,
            rng=self.rng,
            init=init,
        )


def choose_k(
    histogram: ColorHistogram,
    *,
    max_k: int = DEFAULT_MAX_K,
    seed: int = 0,
    params: AutoKParams = DEFAULT_AUTO_K_PARAMS,
    oklab: npt.ArrayLike | None = None,
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
    params : AutoKParams
        The budget, the look-ahead rule and the search's knobs.
    oklab : (M, 3) float64, optional
        ``srgb_to_oklab(histogram.colors / 255.0)``, when the caller has it
        already (the pipeline converts the bins once for the search and the
        palette).

    Returns
    -------
    AutoKResult

    Raises
    ------
    ValueError
        If the histogram is empty or ``max_k`` < 1, or ``oklab`` is not (M, 3).
    """
    if len(histogram) == 0 or histogram.total == 0:
        raise ValueError("cannot choose k for an empty histogram")
    if max_k < 1:
        raise ValueError(f"max_k must be >= 1, got {max_k}")
    if oklab is not None:
        oklab = np.asarray(oklab, dtype=np.float64)
        if oklab.shape != (len(histogram), 3):
            raise ValueError(f"oklab must have shape ({len(histogram)}, 3), got {oklab.shape}")
    full = _Measure.of(histogram, params, oklab)
    search = _search_histogram(histogram, params)
    fit = _Fit(
        # the same conversion of the same bins when the search is not coarsened
        points=full.points if search is histogram else srgb_to_oklab(search.colors / 255.0),
        weights=search.counts.astype(np.float64),
        full=full,
        rng=default_rng(seed),
        params=params,
    )
    n_distinct = len(histogram)

    distortions: list[float] = []
    far_shares: list[float | None] = []
    centers = fit.first()
    chosen, reason = centers, "max_k"
    # A palette within budget waits for one look-ahead step: if one more
    # color would still cut the distortion by min_gain or more, go on.
    pending: FloatArray | None = None
    pending_nearest = np.zeros(0)
    for k in range(1, max_k + 1):
        candidate = fit.palette(k, centers)
        if candidate.shape[0] > 1 and min_pairwise_distance(candidate) < params.jnd:
            reason = "jnd"
            break
        centers = candidate
        distance = full.distances(centers)
        distortion = full.distortion(distance)
        if pending is not None:
            gain = full.peak_gain(pending_nearest, distance)
            if gain < params.min_gain * distortions[-1] or gain < params.min_gain_absolute:
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
        if distortion > params.max_mean_distortion:
            # The far share costs more; it is measured only when it decides.
            far_shares.append(None)
            continue
        far_share = full.far_share(distance, centers, params)
        far_shares.append(far_share)
        if far_share <= params.max_far_share:
            if k == max_k or not full.peaks.any():
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
        params=params,
    )


def flat_graphic_k(
    histogram: ColorHistogram,
    *,
    max_k: int = DEFAULT_MAX_K,
    seed: int = 0,
    params: AutoKParams = DEFAULT_AUTO_K_PARAMS,
) -> AutoKResult:
    """k for a flat graphic: the number of its flat colors.

    Parameters
    ----------
    histogram : ColorHistogram
        One bin per flat color (:func:`palettekit.flat.snap_histogram`), M >= 1.
    max_k, seed, params
        As for :func:`choose_k`.

    Returns
    -------
    AutoKResult
        k = M with reason "flat" (no distortion curve: nothing is searched);
        if M > ``max_k``, :func:`choose_k` on the flat colors.
    """
    if len(histogram) > max_k:
        return choose_k(histogram, max_k=max_k, seed=seed, params=params)
    return AutoKResult(
        k=len(histogram),
        reason="flat",
        distortions=(),
        far_shares=(),
        centers=srgb_to_oklab(histogram.colors / 255.0),
        max_k=max_k,
        params=params,
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
