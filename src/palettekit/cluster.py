"""Weighted k-means (Lloyd) with greedy k-means++ starts, vectorised over starts.

Speaks scikit-learn's language: ``sample_weight``, ``n_init``, ``max_iter``,
``tol``, ``inertia``. Inputs are validated by the caller (the options object);
the loops below do no checking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .kernels import optional_kernel

if TYPE_CHECKING:
    from .seeded import Random

__all__ = [
    "KMeansResult",
    "weighted_kmeans",
    "best_start",
    "weighted_kmedians",
    "squared_distances",
    "cross_products",
    "row_norms",
    "nearest",
    "nearest_squared_distances",
    "nearest_scores",
    "kmeans_centers",
]

FloatArray = npt.NDArray[np.float64]

# The optional compiled kernel (src/palettekit/_cluster.c) runs seeding, Lloyd
# rounds, k-medians steps and the assignment each in one call; the numpy code
# below does the same arithmetic and stays the reference. Setting
# PALETTEKIT_NO_KERNEL=1 (before import) or this attribute to None forces
# numpy alone.
_kernel: ModuleType | None = optional_kernel("_cluster")


@dataclass(frozen=True, eq=False)
class KMeansResult:
    """Outcome of the best k-means start.

    Attributes
    ----------
    centers : (k, D) float64
        Cluster centers: the weighted mean of the points labelled with each.
    labels : (M,) intp
        Index of the center each point belongs to, in [0, k).
    weights : (k,) float64
        Sum of the sample weights of each cluster's points, all > 0. May hold
        fewer than ``n_clusters`` entries if a cluster ended empty (rare).
    inertia : float
        Sum over points of sample weight times squared distance to the
        nearest center.
    n_iter : int
        Lloyd iterations run by the best start.
    """

    centers: FloatArray
    labels: npt.NDArray[np.intp]
    weights: FloatArray
    inertia: float
    n_iter: int


# OpenBLAS runs a matrix product on several threads once m*n*k exceeds
# 65536 * 4. With k = 3 (color coordinates) that is cheap work, and on a busy
# machine waking the threads costs milliseconds: keep each block below it.
_SINGLE_THREAD_MNK = 65536 * 4


def cross_products(points: FloatArray, centers_t: FloatArray) -> FloatArray:
    """``points @ centers_t`` computed in row blocks small enough for one thread.

    Parameters
    ----------
    points : (M, D) float64, C-contiguous
    centers_t : (D, C) float64

    Returns
    -------
    (M, C) float64
    """
    n_points, dim = points.shape
    n_centers = centers_t.shape[1]
    rows = max(1, _SINGLE_THREAD_MNK // max(1, dim * n_centers))
    if n_points <= rows:
        return points @ centers_t
    out = np.empty((n_points, n_centers))
    for start in range(0, n_points, rows):
        np.matmul(points[start : start + rows], centers_t, out=out[start : start + rows])
    return out


def _weighted_total(weights: FloatArray, values: FloatArray) -> float:
    """``sum(weights * values)`` of two (M,) float64 arrays, on one thread.

    Not ``weights @ values``: OpenBLAS's dot product runs on every core once
    M exceeds 10,000 (a photo's histogram often has 10,000 to 30,000 bins),
    which on a busy machine costs milliseconds, and its sum then depends on
    the number of cores. This is numpy's pairwise sum, the same everywhere.
    """
    return float(np.add.reduce(weights * values))


def _weight_sums(labels: npt.NDArray[np.intp], weights: FloatArray, n_clusters: int) -> FloatArray:
    """(k,) float64 sum of the weights of each label's points."""
    return np.bincount(labels, weights, n_clusters).astype(np.float64, copy=False)


def row_norms(points: FloatArray) -> FloatArray:
    """(M,) float64 squared Euclidean norm of each row of an (M, D) array.

    ``einsum`` instead of ``(x * x).sum(axis=1)``: numpy's reductions over a
    short last axis run row by row and cost several times more.
    """
    return np.einsum("ij,ij->i", points, points)


def squared_distances(
    points: FloatArray, centers: FloatArray, points_sq: FloatArray | None = None
) -> FloatArray:
    """Squared Euclidean distances from every point to every center.

    Parameters
    ----------
    points : (M, D) float64
    centers : (C, D) float64
    points_sq : (M,) float64, optional
        ``row_norms(points)``, when the caller computes it once for many calls.

    Returns
    -------
    (M, C) float64, all >= 0
    """
    d2 = cross_products(points, centers.T * -2.0)
    d2 += (row_norms(points) if points_sq is None else points_sq)[:, None]
    d2 += row_norms(centers)
    return np.maximum(d2, 0.0, out=d2)


def nearest(d2: FloatArray) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Index and value of the smallest entry along the last axis of ``d2``.

    ``argmin`` then a gather: ``min`` over a short last axis is several
    times slower than both together.
    """
    labels = np.argmin(d2, axis=-1)
    n_columns = d2.shape[-1]
    flat_index = labels.ravel() + np.arange(0, labels.size * n_columns, n_columns)
    return labels, d2.ravel()[flat_index].reshape(labels.shape)


def nearest_squared_distances(points: FloatArray, centers: FloatArray) -> FloatArray:
    """Squared Euclidean distance from every point to its nearest center.

    ``nearest(squared_distances(points, centers))[1]`` in one compiled pass
    when the kernel is built (the same sums as the matrix product, see
    _cluster.c), without the (M, C) array of every distance.

    Parameters
    ----------
    points : (M, D) float64
    centers : (C, D) float64, C >= 1

    Returns
    -------
    (M,) float64, all >= 0
    """
    if _kernel is None or points.shape[0] == 0:
        return nearest(squared_distances(points, centers))[1]
    x = np.ascontiguousarray(points, dtype=np.float64)
    return _kernel_assign(x, np.ones(x.shape[0]), np.asarray(centers, dtype=np.float64))[1]


def nearest_scores(
    points: FloatArray, centers: FloatArray, centers_sq: FloatArray
) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Nearest center of every point by the score ``|c|^2 - 2 x.c``.

    ``nearest(cross_products(points, -2.0 * centers.T) + centers_sq)`` in one
    compiled pass when the kernel is built (the same products and sums as the
    matrix product, see _cluster.c), without the (M, C) array of scores. The
    squared distance is the score plus ``|x|^2``.

    Parameters
    ----------
    points : (M, D) float64
    centers : (C, D) float64, C >= 1
    centers_sq : (C,) float64
        ``|c|^2`` of each center, as the caller computes it.

    Returns
    -------
    labels : (M,) intp
        Index of the nearest center (the first of a tie).
    scores : (M,) float64
        Its score, unclamped (it may be negative).
    """
    if _kernel is None or points.shape[0] == 0:
        score = cross_products(points, -2.0 * centers.T)
        score += centers_sq
        return nearest(score)
    x = np.ascontiguousarray(points, dtype=np.float64)
    labels = np.empty(x.shape[0], dtype=np.int64)
    best = np.empty(x.shape[0])
    _kernel.scores(
        x,
        np.ascontiguousarray(centers, dtype=np.float64),
        np.ascontiguousarray(centers_sq, dtype=np.float64),
        labels,
        best,
    )
    return labels.astype(np.intp, copy=False), best


def _kmeans_plus_plus(
    points: FloatArray,
    weights: FloatArray,
    n_clusters: int,
    n_starts: int,
    rng: Random,
) -> FloatArray:
    """Greedy weighted k-means++ for ``n_starts`` starts at once -> (R, k, D).

    Each new center is the best of ``2 + log(k)`` candidates drawn with
    probability proportional to weight x squared distance to the nearest
    center so far (the variant scikit-learn uses).
    """
    n_points = points.shape[0]
    n_trials = 2 + int(math.log(n_clusters))
    if _kernel is not None:
        # The same draws in the same order as below, taken at once.
        draws = rng.random(n_starts + (n_clusters - 1) * n_starts * n_trials)
        picked = np.empty((n_starts, n_clusters), dtype=np.int64)
        _kernel.seed(points, weights, draws, picked, n_starts, n_clusters, n_trials)
        return points[picked]
    starts = np.arange(n_starts)
    cumulative_weight = np.cumsum(weights)
    first = np.searchsorted(
        cumulative_weight, rng.random(n_starts) * cumulative_weight[-1], side="right"
    )
    first = np.minimum(first, n_points - 1)
    chosen = np.empty((n_starts, n_clusters), dtype=np.intp)
    chosen[:, 0] = first
    # Distances are laid out start-major, (R, M) and (R*T, M), so that no
    # step needs a transposed copy.
    points_sq = row_norms(points)
    minus_two_points_t = np.ascontiguousarray(points.T * -2.0)  # (D, M)

    def distances_from(rows: npt.NDArray[np.intp]) -> FloatArray:
        d2 = cross_products(points[rows], minus_two_points_t)
        d2 += points_sq[rows][:, None]
        d2 += points_sq
        return np.maximum(d2, 0.0, out=d2)

    closest = distances_from(first)  # (R, M)
    row_offsets = (starts * n_points)[:, None]
    last = n_points - 1
    for c in range(1, n_clusters):
        # One cumulative sum over all starts, flattened: each start owns the
        # interval between the previous start's total and its own, so one
        # searchsorted draws every start's candidates.
        cumulative = np.cumsum((closest * weights).ravel())
        totals = cumulative[last::n_points]
        bases = np.concatenate([[0.0], totals[:-1]])
        targets = bases[:, None] + rng.random((n_starts, n_trials)) * (totals - bases)[:, None]
        flat = np.searchsorted(cumulative, targets.ravel(), side="right")
        candidates = np.minimum(flat.reshape(n_starts, n_trials) - row_offsets, last)
        np.maximum(candidates, 0, out=candidates)
        d2 = distances_from(candidates.ravel()).reshape(n_starts, n_trials, n_points)
        np.minimum(d2, closest[:, None, :], out=d2)
        best = np.argmin(d2 @ weights, axis=1)
        chosen[:, c] = candidates[starts, best]
        closest = d2[starts, best]
    return points[chosen]


def _lloyd(
    points: FloatArray,
    weights: FloatArray,
    centers: FloatArray,
    max_iter: int,
    tol: float,
) -> tuple[FloatArray, FloatArray, int]:
    """Run Lloyd iterations on every start at once.

    Parameters are the points (M, D), their weights (M,), the starting
    centers (R, k, D), the iteration cap and the absolute tolerance. Returns
    the centers (R, k, D), each point's squared distance to its nearest
    center in each start (M, R) and the largest number of iterations any
    start ran.
    """
    n_starts, n_clusters, dim = centers.shape
    if _kernel is not None:
        centers = np.array(centers, dtype=np.float64, order="C")
        closest = np.empty((points.shape[0], n_starts))
        n_iter = _kernel.lloyd(points, weights, centers, closest, max_iter, tol)
        return centers, closest, n_iter
    n_points = points.shape[0]
    size = n_starts * n_clusters
    offsets = np.arange(n_starts) * n_clusters  # (R,)
    repeated_weights = np.repeat(weights, n_starts)  # matches (M, R).ravel()
    repeated_moments = [np.repeat(weights * points[:, d], n_starts) for d in range(dim)]
    active = np.ones(n_starts, dtype=bool)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        flat_centers = centers.reshape(size, dim)
        # argmin of |x - c|^2 over c needs only |c|^2 - 2 x.c; |x|^2 is common.
        score = cross_products(points, flat_centers.T * -2.0)
        score += row_norms(flat_centers)
        score = score.reshape(n_points, n_starts, n_clusters)
        labels = np.argmin(score, axis=2)  # (M, R)
        flat = (labels + offsets).ravel()
        cluster_weights = np.bincount(flat, repeated_weights, size)
        sums = np.stack([np.bincount(flat, m, size) for m in repeated_moments], axis=1)
        nonempty = cluster_weights > 0
        if nonempty.all():
            new_centers = (sums / cluster_weights[:, None]).reshape(n_starts, n_clusters, dim)
        else:
            flat_new = centers.reshape(size, dim).copy()
            flat_new[nonempty] = sums[nonempty] / cluster_weights[nonempty][:, None]
            new_centers = flat_new.reshape(n_starts, n_clusters, dim)
            d2 = squared_distances(points, flat_centers).reshape(n_points, n_starts, n_clusters)
            _relocate_empty(
                points, weights, d2, labels, new_centers, nonempty.reshape(n_starts, n_clusters)
            )
        moved = (new_centers - centers).reshape(n_starts, n_clusters * dim)
        shift = np.einsum("ij,ij->i", moved, moved)
        centers = (
            new_centers if active.all() else np.where(active[:, None, None], new_centers, centers)
        )
        active &= shift > tol
        if not active.any():
            break
    d2 = squared_distances(points, centers.reshape(size, dim)).reshape(
        n_points, n_starts, n_clusters
    )
    return centers, nearest(d2)[1], n_iter


def _relocate_empty(
    points: FloatArray,
    weights: FloatArray,
    d2: FloatArray,
    labels: npt.NDArray[np.intp],
    centers: FloatArray,
    nonempty: npt.NDArray[np.bool_],
) -> None:
    """Move each empty cluster onto a point far from its own center.

    Points are taken in decreasing order of weighted squared distance to the
    center they were assigned to, one per empty cluster (as scikit-learn does).
    ``d2`` is (M, R, k), ``labels`` (M, R), ``centers`` (R, k, D) and is
    changed in place.
    """
    point_index = np.arange(points.shape[0])
    for r in np.flatnonzero(~nonempty.all(axis=1)):
        empty = np.flatnonzero(~nonempty[r])
        cost = d2[point_index, r, labels[:, r]] * weights
        farthest = np.argsort(-cost, kind="stable")[: empty.shape[0]]
        centers[r, empty[: farthest.shape[0]]] = points[farthest]


def _assign(
    points: FloatArray, weights: FloatArray, centers: FloatArray
) -> tuple[npt.NDArray[np.intp], FloatArray, FloatArray]:
    """Label points by nearest center; return labels, cluster weights, means."""
    n_clusters = centers.shape[0]
    if _kernel is not None:
        labels, _, cluster_weights = _kernel_assign(points, weights, centers)
    else:
        labels = np.argmin(squared_distances(points, centers), axis=1)
        cluster_weights = _weight_sums(labels, weights, n_clusters)
    sums = np.stack(
        [np.bincount(labels, weights * points[:, d], n_clusters) for d in range(points.shape[1])],
        axis=1,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / cluster_weights[:, None]
    return labels, cluster_weights, means


def _kernel_assign(
    points: FloatArray, weights: FloatArray, centers: FloatArray
) -> tuple[npt.NDArray[np.intp], FloatArray, FloatArray]:
    """The compiled assignment: labels (M,), squared distance to the nearest
    center (M,) and summed weight per center (k,)."""
    assert _kernel is not None
    labels = np.empty(points.shape[0], dtype=np.int64)
    closest = np.empty(points.shape[0])
    cluster_weights = np.empty(centers.shape[0])
    _kernel.assign(points, weights, np.ascontiguousarray(centers), labels, closest, cluster_weights)
    return labels.astype(np.intp, copy=False), closest, cluster_weights


def _mean_variance(x: FloatArray, w: FloatArray) -> float:
    """Weighted variance of the points, averaged over the coordinates; the
    scale that ``tol`` is relative to."""
    if _kernel is not None and x.shape[1] == 3:
        # the same operations in the same order, one pass instead of six
        # temporaries (numpy's column sums over a 3-wide axis are slow)
        return float(
            _kernel.mean_variance(
                np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(w, dtype=np.float64)
            )
        )
    mean = (x * w[:, None]).sum(0) / w.sum()
    return float((((x - mean) ** 2) * w[:, None]).sum(0).mean() / w.sum())


def best_start(
    points: FloatArray,
    weights: FloatArray,
    n_clusters: int,
    *,
    n_init: int,
    max_iter: int,
    tol: float,
    rng: Random,
    init: npt.ArrayLike | None = None,
    far_distance: float | None = None,
    far_penalty: float = 0.0,
    extra_starts: npt.ArrayLike | None = None,
) -> tuple[FloatArray, int]:
    """Centers of the best of ``n_init`` k-means starts, and its iterations.

    The work of :func:`weighted_kmeans` without its final assignment, for a
    caller that goes on iterating: greedy k-means++ starts (or ``init``),
    ``max_iter`` Lloyd iterations on all of them together, the one with the
    lowest inertia kept. ``points`` (M, D) and ``weights`` (M,) are
    C-contiguous float64; returns (k, D) float64 (a center may have no point
    when a cluster ended empty) and the iteration count. With
    ``far_distance`` and ``far_penalty`` (as in :func:`weighted_kmedians`),
    the start kept is instead the one with the lowest far-penalised distance
    cost, the sum of ``weight * (d + far_penalty * max(0, d - far_distance))``
    over points: the cost a far-weighted median polish goes on to lower.
    ``extra_starts`` (R', k, D), when given without ``init``, run beside the
    k-means++ starts and come first in a tie.
    """
    points = np.ascontiguousarray(points, dtype=np.float64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    tol_abs = tol * _mean_variance(points, weights)
    if init is None:
        starts = _kmeans_plus_plus(points, weights, n_clusters, n_init, rng)
        if extra_starts is not None:
            extra = np.asarray(extra_starts, dtype=np.float64).reshape(-1, *starts.shape[1:])
            starts = np.concatenate([extra, starts])
    else:
        starts = np.asarray(init, dtype=np.float64).reshape(1, n_clusters, points.shape[1])
    centers, closest, n_iter = _lloyd(points, weights, starts, max_iter, tol_abs)
    if closest.shape[1] == 1:  # one start: nothing to choose
        return centers[0], n_iter
    if far_distance is not None and far_penalty:
        distance = np.sqrt(closest)
        beyond = np.maximum(distance - far_distance, 0.0)
        closest = distance + far_penalty * beyond
    # Each start's cost by numpy's pairwise sum (_weighted_total), not
    # ``weights @ closest``: BLAS's summation order depends on the build and
    # the CPU, and two starts that end a few ulps apart must be told apart
    # the same way on every machine.
    cost = [_weighted_total(weights, closest[:, r]) for r in range(closest.shape[1])]
    return centers[int(np.argmin(cost))], n_iter


def _fit(
    x: FloatArray,
    w: FloatArray,
    n_clusters: int,
    *,
    n_init: int,
    max_iter: int,
    tol: float,
    rng: Random,
    init: npt.ArrayLike | None,
) -> tuple[npt.NDArray[np.intp], FloatArray, FloatArray, int]:
    """:func:`weighted_kmeans` without its inertia: labels, cluster weights,
    centers (the means) and iterations."""
    best_centers, n_iter = best_start(
        x, w, n_clusters, n_init=n_init, max_iter=max_iter, tol=tol, rng=rng, init=init
    )
    # One last assignment so that each center is exactly the weighted mean of
    # the points labelled with it: shares and colors then describe the same
    # pixels. A center left with no point (possible only in a near-tie) is
    # dropped, never returned empty.
    labels, cluster_weights, means = _assign(x, w, best_centers)
    keep = cluster_weights > 0
    if not keep.all():
        remap = np.cumsum(keep) - 1
        labels = remap[labels]
        cluster_weights, means = cluster_weights[keep], means[keep]
    return labels, cluster_weights, means, n_iter


def kmeans_centers(
    points: npt.ArrayLike,
    sample_weight: npt.ArrayLike,
    n_clusters: int,
    *,
    max_iter: int = 100,
    tol: float = 1e-4,
    rng: Random,
    init: npt.ArrayLike,
) -> FloatArray:
    """``weighted_kmeans(...).centers`` from ``init``, without the labels'
    inertia that nobody asked for (auto-k's search fits ~10 palettes an image).

    Parameters and the centers as for :func:`weighted_kmeans` with ``init``:
    (k', D) float64, k' <= k (a center left with no point is dropped).
    """
    x = np.ascontiguousarray(points, dtype=np.float64)
    w = np.ascontiguousarray(sample_weight, dtype=np.float64)
    return _fit(x, w, n_clusters, n_init=1, max_iter=max_iter, tol=tol, rng=rng, init=init)[2]


def weighted_kmeans(
    points: npt.ArrayLike,
    sample_weight: npt.ArrayLike,
    n_clusters: int,
    *,
    n_init: int = 4,
    max_iter: int = 100,
    tol: float = 1e-4,
    rng: Random,
    init: npt.ArrayLike | None = None,
) -> KMeansResult:
    """Cluster weighted points with k-means; keep the best of ``n_init`` starts.

    Parameters
    ----------
    points : (M, D) float
        Points to cluster (here: histogram colors in the working color space).
    sample_weight : (M,) float
        Positive weight of each point (here: pixel counts).
    n_clusters : int
        k, with 1 <= k <= number of distinct points (the caller ensures it).
    n_init : int
        Number of greedy k-means++ starts, run together.
    max_iter : int
        Maximum Lloyd iterations per start.
    tol : float
        A start has converged when the summed squared movement of its centers
        falls to ``tol`` times the weighted mean variance of the points or less.
    rng : Random
        The only source of randomness (:func:`palettekit.seeded.default_rng`).
    init : (k, D) float, optional
        Starting centers; if given, one start is run from them and neither
        ``n_init`` nor ``rng`` is used.

    Returns
    -------
    KMeansResult
        The start with the lowest inertia; ties go to the earliest start.
        Every cluster is non-empty.
    """
    x = np.ascontiguousarray(points, dtype=np.float64)
    w = np.ascontiguousarray(sample_weight, dtype=np.float64)
    labels, cluster_weights, means, n_iter = _fit(
        x, w, n_clusters, n_init=n_init, max_iter=max_iter, tol=tol, rng=rng, init=init
    )
    final_inertia = _weighted_total(w, squared_distances(x, means)[np.arange(x.shape[0]), labels])
    return KMeansResult(
        centers=means,
        labels=labels,
        weights=cluster_weights,
        inertia=final_inertia,
        n_iter=n_iter,
    )


def weighted_kmedians(
    points: npt.ArrayLike,
    sample_weight: npt.ArrayLike,
    init: npt.ArrayLike,
    *,
    max_iter: int = 10,
    tol: float = 1e-4,
    far_distance: float | None = None,
    far_penalty: float = 0.0,
) -> KMeansResult:
    """Polish centers toward the weighted geometric median of their clusters.

    k-means puts each center at its cluster's mean, which minimises the mean
    *squared* distance; the palette's quality measure is the mean distance
    itself (Oklab Delta E), minimised by the geometric median, which also
    resists a few far-off pixels. Each iteration reassigns every point to its
    nearest center and takes one Weiszfeld step per cluster (the weighted
    mean with weights ``sample_weight / distance``).

    Parameters
    ----------
    points : (M, D) float
    sample_weight : (M,) float, > 0
    init : (k, D) float
        Starting centers, typically a k-means result.
    max_iter : int
        Maximum number of reassign-and-step iterations.
    tol : float
        Stop when the summed squared movement of the centers falls to ``tol``
        times the weighted mean variance of the points or less.
    far_distance : float, optional
        With ``far_penalty``, the distance beyond which a point counts as
        not represented by its center (in the points' units).
    far_penalty : float
        Extra cost per unit of distance beyond ``far_distance``: the step
        minimises the sum of ``weight * (d + far_penalty * max(0, d -
        far_distance))`` instead of the plain weighted distance, so a center
        is drawn toward points its cluster leaves far away rather than let
        them go. 0 (default) is the plain geometric median.

    Returns
    -------
    KMeansResult
        ``centers`` are the polished centers, ``labels`` each point's nearest
        center, ``weights`` the summed weight per center (every cluster
        non-empty; an emptied center is dropped), ``inertia`` the weighted
        sum of squared distances, ``n_iter`` the iterations run.
    """
    x = np.ascontiguousarray(points, dtype=np.float64)
    w = np.ascontiguousarray(sample_weight, dtype=np.float64)
    centers = np.array(init, dtype=np.float64, order="C")
    n_clusters, dim = centers.shape
    variance = _mean_variance(x, w)
    tol_abs = tol * variance
    # Distances below this are clamped so a point sitting on a center cannot
    # take all the weight (the usual guard of Weiszfeld's iteration).
    floor = 1e-6 * max(variance, 1e-12) ** 0.5
    if _kernel is not None:
        penalised = bool(far_penalty) and far_distance is not None
        n_iter = _kernel.kmedians(
            x,
            w,
            centers,
            max_iter,
            tol_abs,
            floor,
            float(far_distance) if penalised else math.inf,  # type: ignore[arg-type]
            1.0 + far_penalty if penalised else 1.0,
        )
        labels, closest, cluster_weights = _kernel_assign(x, w, centers)
        keep = cluster_weights > 0
        if not keep.all():
            labels = (np.cumsum(keep) - 1)[labels]
            centers, cluster_weights = centers[keep], cluster_weights[keep]
        return KMeansResult(centers, labels, cluster_weights, _weighted_total(w, closest), n_iter)
    index = np.arange(x.shape[0])
    x_sq = row_norms(x)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        labels, closest = nearest(squared_distances(x, centers, x_sq))
        distance = np.sqrt(closest)
        inverse = w / np.maximum(distance, floor)
        if far_penalty and far_distance is not None:
            # The cost's slope is 1 + far_penalty beyond far_distance: those
            # points weigh that much more in the Weiszfeld step.
            inverse *= np.where(distance > far_distance, 1.0 + far_penalty, 1.0)
        denominator = np.bincount(labels, inverse, n_clusters)
        numerator = np.stack(
            [np.bincount(labels, inverse * x[:, d], n_clusters) for d in range(dim)], axis=1
        )
        updated = centers.copy()
        filled = denominator > 0
        updated[filled] = numerator[filled] / denominator[filled][:, None]
        shift = float(((updated - centers) ** 2).sum())
        centers = updated
        if shift <= tol_abs:
            break
    d2 = squared_distances(x, centers, x_sq)
    labels = np.argmin(d2, axis=1)
    cluster_weights = _weight_sums(labels, w, n_clusters)
    keep = cluster_weights > 0
    if not keep.all():
        labels = (np.cumsum(keep) - 1)[labels]
        centers, cluster_weights = centers[keep], cluster_weights[keep]
    inertia = _weighted_total(w, d2[index, np.flatnonzero(keep)[labels]])
    return KMeansResult(centers, labels, cluster_weights, inertia, n_iter)
