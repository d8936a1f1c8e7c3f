"""Type stub of the optional compiled clustering kernel (see _cluster.c)."""

from typing import Any

def seed(
    points: Any,
    weights: Any,
    draws: Any,
    chosen: Any,
    n_starts: int,
    n_clusters: int,
    n_trials: int,
    /,
) -> None:
    """Greedy weighted k-means++ seeding into ``chosen`` (see _cluster.c)."""

def lloyd(
    points: Any, weights: Any, centers: Any, closest: Any, max_iter: int, tol: float, /
) -> int:
    """Lloyd iterations of every start, centers updated in place (see _cluster.c)."""

def kmedians(
    points: Any,
    weights: Any,
    centers: Any,
    max_iter: int,
    tol: float,
    floor: float,
    far_distance: float,
    far_factor: float,
    /,
) -> int:
    """Weighted k-medians steps, centers updated in place (see _cluster.c)."""

def assign(
    points: Any, weights: Any, centers: Any, labels: Any, closest: Any, cluster_weights: Any, /
) -> None:
    """Nearest center of every point (see _cluster.c)."""

def mean_variance(points: Any, weights: Any, /) -> float:
    """Weighted variance averaged over three coordinates (see _cluster.c)."""

def srgb_to_oklab(srgb: Any, to_lms: Any, to_lab: Any, out: Any, knee: float, /) -> None:
    """sRGB in [0, 1] (N, 3) to Oklab into ``out``, as colorspace.srgb_to_oklab."""

def scores(points: Any, centers: Any, centers_sq: Any, labels: Any, best: Any, /) -> None:
    """Nearest center of every point by |c|^2 - 2 x.c into labels, best (see _cluster.c)."""

def mix_distance(
    srgb: Any, oklab: Any, pairs: Any, to_lms: Any, to_lab: Any, knee: float, best: Any, /
) -> None:
    """Distances to the nearest sRGB mix of each pair, into ``best`` (see _cluster.c)."""
