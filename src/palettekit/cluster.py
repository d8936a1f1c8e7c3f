"""Weighted k-means (Lloyd) with greedy k-means++ starts, vectorised over starts.

Speaks scikit-learn's language: ``sample_weight``, ``n_init``, ``max_iter``,
``tol``, ``inertia``. Inputs are validated by the caller (the options object);
the loops below do no checking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "KMeansResult",
    "weighted_kmeans",
    "weighted_kmedians",
    "assign_to_centers",
    "squared_distances",
    "cross_products",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
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


def _weight_sums(labels: npt.NDArray[np.intp], weights: FloatArray, n_clusters: int) -> FloatArray:
    """(k,) float64 sum of the weights of each label's points."""
    return np.bincount(labels, weights, n_clusters).astype(np.float64, copy=False)


def squared_distances(points: FloatArray, centers: FloatArray) -> FloatArray:
    """Squared Euclidean distances from every point to every center.

    Parameters
    ----------
    points : (M, D) float64
    centers : (C, D) float64

    Returns
    -------
    (M, C) float64, all >= 0
    """
    d2 = cross_products(points, centers.T * -2.0)
    d2 += (points * points).sum(axis=1)[:, None]
    d2 += (centers * centers).sum(axis=1)
    return np.maximum(d2, 0.0, out=d2)


def _kmeans_plus_plus(
    points: FloatArray,
    weights: FloatArray,
    n_clusters: int,
    n_starts: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Greedy weighted k-means++ for ``n_starts`` starts at once -> (R, k, D).

    Each new center is the best of ``2 + log(k)`` candidates drawn with
    probability proportional to weight x squared distance to the nearest
    center so far (the variant scikit-learn uses).
    """
    n_points = points.shape[0]
    n_trials = 2 + int(math.log(n_clusters))
    starts = np.arange(n_starts)
    cumulative_weight = np.cumsum(weights)
    first = np.searchsorted(
        cumulative_weight, rng.random(n_starts) * cumulative_weight[-1], side="right"
    )
    first = np.minimum(first, n_points - 1)
    chosen = np.empty((n_starts, n_clusters), dtype=np.intp)
    chosen[:, 0] = first
    closest = squared_distances(points, points[first]).T  # (R, M)
    row_offsets = (starts * n_points)[:, None]
    for c in range(1, n_clusters):
        cumulative = np.cumsum(closest * weights, axis=1)  # (R, M)
        targets = rng.random((n_starts, n_trials)) * cumulative[:, -1:]
        # One searchsorted over all starts: shift each start's cumulative sums
        # past the previous start's total so the flattened array stays sorted.
        shift = np.concatenate([[0.0], np.cumsum(cumulative[:-1, -1])])[:, None]
        flat = np.searchsorted(
            (cumulative + shift).ravel(), (targets + shift).ravel(), side="right"
        )
        candidates = np.minimum(flat.reshape(n_starts, n_trials) - row_offsets, n_points - 1)
        np.maximum(candidates, 0, out=candidates)
        d2 = squared_distances(points, points[candidates.ravel()])  # (M, R*T)
        d2 = d2.T.reshape(n_starts, n_trials, n_points)
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
    the centers (R, k, D), the inertia of each start (R,) and the largest
    number of iterations any start ran.
    """
    n_starts, n_clusters, dim = centers.shape
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
        score += (flat_centers * flat_centers).sum(axis=1)
        score = score.reshape(n_points, n_starts, n_clusters)
        labels = np.argmin(score, axis=2)  # (M, R)
        flat = (labels + offsets).ravel()
        cluster_weights = np.bincount(flat, repeated_weights, size)
        sums = np.stack([np.bincount(flat, m, size) for m in repeated_moments], axis=1)
        nonempty = cluster_weights > 0
        flat_new = centers.reshape(size, dim).copy()
        flat_new[nonempty] = sums[nonempty] / cluster_weights[nonempty][:, None]
        new_centers = flat_new.reshape(n_starts, n_clusters, dim)
        if not nonempty.all():
            d2 = squared_distances(points, flat_centers).reshape(n_points, n_starts, n_clusters)
            _relocate_empty(
                points, weights, d2, labels, new_centers, nonempty.reshape(n_starts, n_clusters)
            )
        shift = ((new_centers - centers) ** 2).sum(axis=(1, 2))
        centers = np.where(active[:, None, None], new_centers, centers)
        active &= shift > tol
        if not active.any():
            break
    d2 = squared_distances(points, centers.reshape(size, dim)).reshape(
        n_points, n_starts, n_clusters
    )
    inertia = weights @ d2.min(axis=2)
    return centers, inertia, n_iter


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
    labels = np.argmin(squared_distances(points, centers), axis=1)
    n_clusters = centers.shape[0]
    cluster_weights = _weight_sums(labels, weights, n_clusters)
    sums = np.stack(
        [np.bincount(labels, weights * points[:, d], n_clusters) for d in range(points.shape[1])],
        axis=1,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / cluster_weights[:, None]
    return labels, cluster_weights, means


def weighted_kmeans(
    points: npt.ArrayLike,
    sample_weight: npt.ArrayLike,
    n_clusters: int,
    *,
    n_init: int = 4,
    max_iter: int = 100,
    tol: float = 1e-4,
    rng: np.random.Generator,
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
    rng : numpy.random.Generator
        The only source of randomness.
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
    mean = (x * w[:, None]).sum(0) / w.sum()
    variance = float((((x - mean) ** 2) * w[:, None]).sum(0).mean() / w.sum())
    tol_abs = tol * variance

    if init is None:
        starts = _kmeans_plus_plus(x, w, n_clusters, n_init, rng)
    else:
        starts = np.asarray(init, dtype=np.float64).reshape(1, n_clusters, x.shape[1])
    centers, inertia, n_iter = _lloyd(x, w, starts, max_iter, tol_abs)
    best = int(np.argmin(inertia))
    # One last assignment so that each center is exactly the weighted mean of
    # the points labelled with it: shares and colors then describe the same
    # pixels. A center left with no point (possible only in a near-tie) is
    # dropped, never returned empty.
    labels, cluster_weights, means = _assign(x, w, centers[best])
    keep = cluster_weights > 0
    if not keep.all():
        remap = np.cumsum(keep) - 1
        labels = remap[labels]
        cluster_weights, means = cluster_weights[keep], means[keep]
    final_inertia = float(w @ squared_distances(x, means)[np.arange(x.shape[0]), labels])
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
    centers = np.array(init, dtype=np.float64)
    n_clusters, dim = centers.shape
    mean = (x * w[:, None]).sum(0) / w.sum()
    variance = float((((x - mean) ** 2) * w[:, None]).sum(0).mean() / w.sum())
    tol_abs = tol * variance
    # Distances below this are clamped so a point sitting on a center cannot
    # take all the weight (the usual guard of Weiszfeld's iteration).
    floor = 1e-6 * max(variance, 1e-12) ** 0.5
    index = np.arange(x.shape[0])
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        d2 = squared_distances(x, centers)
        labels = np.argmin(d2, axis=1)
        inverse = w / np.maximum(np.sqrt(d2[index, labels]), floor)
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
    d2 = squared_distances(x, centers)
    labels = np.argmin(d2, axis=1)
    cluster_weights = _weight_sums(labels, w, n_clusters)
    keep = cluster_weights > 0
    if not keep.all():
        labels = (np.cumsum(keep) - 1)[labels]
        centers, cluster_weights = centers[keep], cluster_weights[keep]
    inertia = float(w @ d2[index, np.flatnonzero(keep)[labels]])
    return KMeansResult(centers, labels, cluster_weights, inertia, n_iter)


def assign_to_centers(
    points: npt.ArrayLike, sample_weight: npt.ArrayLike, centers: npt.ArrayLike
) -> KMeansResult:
    """Assign every point to its nearest center; the centers do not move.

    Parameters
    ----------
    points : (M, D) float
    sample_weight : (M,) float, > 0
    centers : (k, D) float

    Returns
    -------
    KMeansResult
        ``labels`` the nearest center of each point, ``weights`` the summed
        weight per center; a center nearest to no point is dropped.
        ``n_iter`` is 0.
    """
    x = np.ascontiguousarray(points, dtype=np.float64)
    w = np.ascontiguousarray(sample_weight, dtype=np.float64)
    c = np.asarray(centers, dtype=np.float64)
    d2 = squared_distances(x, c)
    labels = np.argmin(d2, axis=1)
    inertia = float(w @ d2[np.arange(x.shape[0]), labels])
    cluster_weights = _weight_sums(labels, w, c.shape[0])
    keep = cluster_weights > 0
    if not keep.all():
        labels = (np.cumsum(keep) - 1)[labels]
        c, cluster_weights = c[keep], cluster_weights[keep]
    return KMeansResult(c, labels, cluster_weights, inertia, 0)
