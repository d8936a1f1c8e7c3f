"""Weighted k-means: scikit-learn as an oracle, invariants, determinism, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from palettekit import cluster
from palettekit.cluster import KMeansResult, squared_distances, weighted_kmeans


def _blobs(seed: int, n_blobs: int, per_blob: int, spread: float, dim: int = 3):
    """Well-separated Gaussian blobs with integer weights (like pixel counts)."""
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-1.0, 1.0, (n_blobs, dim)) * 5.0
    # Keep the blobs apart: resample until every pair is > 2 apart.
    while (
        n_blobs > 1 and squared_distances(centers, centers)[~np.eye(n_blobs, dtype=bool)].min() < 4
    ):
        centers = rng.uniform(-1.0, 1.0, (n_blobs, dim)) * 5.0
    points = np.concatenate([c + rng.normal(0, spread, (per_blob, dim)) for c in centers])
    weights = rng.integers(1, 50, points.shape[0]).astype(np.float64)
    return points, weights, centers


def _sklearn_kmeans(points, weights, k):
    """scikit-learn's KMeans, best of 10 starts, on one thread (its OpenMP
    threads are slow to wake on a busy machine)."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return KMeans(n_clusters=k, n_init=10, random_state=0).fit(points, sample_weight=weights)


def _weighted_inertia(points, weights, centers):
    return float(weights @ squared_distances(points, centers).min(axis=1))


def _check_result_is_consistent(result: KMeansResult, points, weights, n_clusters):
    """Centers are weighted means of their labelled points, inertia matches."""
    k = result.centers.shape[0]
    assert k == n_clusters
    assert result.centers.shape == (k, points.shape[1])
    assert result.weights.shape == (k,)
    assert result.labels.shape == (points.shape[0],)
    assert result.labels.min() >= 0 and result.labels.max() < k
    assert np.all(result.weights > 0)
    assert np.isfinite(result.centers).all()
    np.testing.assert_allclose(result.weights.sum(), weights.sum(), rtol=1e-12)
    for j in range(k):
        members = result.labels == j
        assert members.any(), f"cluster {j} has no point"
        np.testing.assert_allclose(result.weights[j], weights[members].sum(), rtol=1e-12)
        mean = (points[members] * weights[members, None]).sum(0) / weights[members].sum()
        np.testing.assert_allclose(result.centers[j], mean, rtol=1e-9, atol=1e-12)
    labelled = weights @ ((points - result.centers[result.labels]) ** 2).sum(1)
    # Distances expanded as |x|^2 - 2 x.c + |c|^2 lose ~1e-16 of |x|^2 each.
    rounding = 1e-12 * float(weights @ (points**2).sum(1)) + 1e-15
    np.testing.assert_allclose(result.inertia, labelled, rtol=1e-9, atol=rounding)
    # The labelled inertia is at least the nearest-center inertia.
    assert result.inertia >= _weighted_inertia(points, weights, result.centers) - rounding


# --- scikit-learn as an oracle -------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 4, 8])
def test_inertia_is_as_good_as_sklearn_on_random_weighted_points(seed, k):
    rng = np.random.default_rng(seed)
    points = rng.random((300, 3))
    weights = rng.integers(1, 100, 300).astype(np.float64)
    ours = weighted_kmeans(points, weights, k, n_init=8, rng=np.random.default_rng(seed))
    theirs = _sklearn_kmeans(points, weights, k)
    assert ours.inertia <= theirs.inertia_ * 1.02
    _check_result_is_consistent(ours, points, weights, k)


@pytest.mark.parametrize("seed", range(4))
def test_centers_match_sklearn_on_well_separated_blobs(seed):
    points, weights, true_centers = _blobs(seed, n_blobs=5, per_blob=40, spread=0.1)
    ours = weighted_kmeans(points, weights, 5, n_init=4, rng=np.random.default_rng(seed))
    theirs = _sklearn_kmeans(points, weights, 5)
    assert ours.inertia <= theirs.inertia_ * 1.02
    # Same centers up to order: each of ours has one of theirs very close.
    d = np.sqrt(squared_distances(ours.centers, theirs.cluster_centers_))
    assert np.all(d.min(axis=1) < 1e-6)
    assert sorted(d.argmin(axis=1)) == list(range(5))
    # And each blob is found.
    assert np.sqrt(squared_distances(true_centers, ours.centers)).min(axis=1).max() < 0.1


# --- invariants ----------------------------------------------------------------------

# Points on a grid of 1/255 steps, as colors from 8-bit data are: distinct
# points are then resolvable by squared distances (points 1e-100 apart would
# not be, and k-means cannot be asked to split them).
point_sets = st.integers(2, 60).flatmap(
    lambda n: st.tuples(
        hnp.arrays(np.float64, (n, 3), elements=st.integers(-255, 255).map(lambda v: v / 255)),
        hnp.arrays(np.float64, (n,), elements=st.integers(1, 1000).map(float)),
    )
)


@given(point_sets, st.integers(1, 8), st.integers(0, 2**32))
def test_every_cluster_is_non_empty_and_centers_are_weighted_means(data, k, seed):
    points, weights = data
    n_distinct = np.unique(points, axis=0).shape[0]
    k = min(k, n_distinct)
    result = weighted_kmeans(points, weights, k, n_init=3, rng=np.random.default_rng(seed))
    _check_result_is_consistent(result, points, weights, k)
    assert result.n_iter >= 1


@pytest.mark.parametrize("seed", range(3))
def test_integer_weights_are_equivalent_to_repeated_points(seed):
    points, weights, _ = _blobs(seed, n_blobs=4, per_blob=15, spread=0.8)
    repeated = np.repeat(points, weights.astype(int), axis=0)
    ones = np.ones(repeated.shape[0])
    k = 4
    # From the same starting centers: the same Lloyd run, the same result.
    init = points[[0, 15, 30, 45]]
    a = weighted_kmeans(points, weights, k, init=init, rng=np.random.default_rng(0))
    b = weighted_kmeans(repeated, ones, k, init=init, rng=np.random.default_rng(0))
    np.testing.assert_allclose(a.centers, b.centers, rtol=1e-9)
    np.testing.assert_allclose(a.weights, b.weights)
    np.testing.assert_allclose(a.inertia, b.inertia, rtol=1e-9)
    # With k-means++ starts too: the sampling distribution is the same, and
    # so are the draws (repeated points are adjacent, cumulative sums agree).
    c = weighted_kmeans(points, weights, k, n_init=4, rng=np.random.default_rng(seed))
    d = weighted_kmeans(repeated, ones, k, n_init=4, rng=np.random.default_rng(seed))
    np.testing.assert_allclose(c.inertia, d.inertia, rtol=1e-9)
    np.testing.assert_allclose(
        c.centers[np.lexsort(c.centers.T)], d.centers[np.lexsort(d.centers.T)], rtol=1e-9
    )


def test_scaling_all_weights_changes_nothing_but_the_inertia_scale():
    points, weights, _ = _blobs(7, n_blobs=3, per_blob=30, spread=0.5)
    a = weighted_kmeans(points, weights, 3, n_init=4, rng=np.random.default_rng(3))
    b = weighted_kmeans(points, weights * 8.0, 3, n_init=4, rng=np.random.default_rng(3))
    np.testing.assert_allclose(a.centers, b.centers, rtol=1e-9)
    np.testing.assert_allclose(b.inertia, 8.0 * a.inertia, rtol=1e-9)


def test_k_of_one_is_the_weighted_mean():
    points = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [4.0, 0.0, -1.0]])
    weights = np.array([1.0, 2.0, 5.0])
    result = weighted_kmeans(points, weights, 1, rng=np.random.default_rng(0))
    np.testing.assert_allclose(result.centers, [(points * weights[:, None]).sum(0) / 8.0])
    np.testing.assert_array_equal(result.labels, [0, 0, 0])
    np.testing.assert_allclose(result.weights, [8.0])


@pytest.mark.parametrize("seed", range(5))
def test_k_equal_to_the_number_of_points_gives_each_point_its_cluster(seed):
    rng = np.random.default_rng(seed)
    points = rng.random((12, 3))
    weights = rng.integers(1, 10, 12).astype(np.float64)
    result = weighted_kmeans(points, weights, 12, n_init=3, rng=rng)
    _check_result_is_consistent(result, points, weights, 12)
    assert result.inertia == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(result.centers[result.labels], points)
    assert sorted(result.labels.tolist()) == list(range(12))


def test_duplicate_points_with_k_equal_to_distinct_count():
    points = np.array([[0.0, 0, 0], [0, 0, 0], [1, 1, 1], [1, 1, 1], [2, 0, 2]])
    weights = np.array([1.0, 3.0, 2.0, 2.0, 1.0])
    result = weighted_kmeans(points, weights, 3, n_init=5, rng=np.random.default_rng(0))
    _check_result_is_consistent(result, points, weights, 3)
    assert result.inertia == pytest.approx(0.0, abs=1e-12)


# --- determinism ---------------------------------------------------------------------


def test_same_seed_gives_identical_results():
    points, weights, _ = _blobs(11, n_blobs=6, per_blob=50, spread=1.5)
    a = weighted_kmeans(points, weights, 6, n_init=4, rng=np.random.default_rng(42))
    b = weighted_kmeans(points, weights, 6, n_init=4, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a.centers, b.centers)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.inertia == b.inertia
    assert a.n_iter == b.n_iter


def test_randomness_comes_only_from_the_rng():
    # Different seeds may pick different starts on ambiguous data...
    rng = np.random.default_rng(0)
    points = rng.random((400, 3))
    weights = np.ones(400)
    results = [
        weighted_kmeans(points, weights, 7, n_init=1, rng=np.random.default_rng(s)).inertia
        for s in range(6)
    ]
    assert len(set(results)) > 1
    # ... while the global numpy state plays no part.
    np.random.seed(1)
    a = weighted_kmeans(points, weights, 7, n_init=1, rng=np.random.default_rng(5))
    np.random.seed(2)
    b = weighted_kmeans(points, weights, 7, n_init=1, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a.centers, b.centers)


def test_more_starts_never_give_a_worse_best_start():
    # Starts are drawn together; with n_init=8 the kept start is the best of
    # eight, so it is at least as good as the first start alone on average.
    rng = np.random.default_rng(3)
    points = rng.random((500, 3))
    weights = rng.integers(1, 20, 500).astype(np.float64)
    single = np.mean(
        [
            weighted_kmeans(points, weights, 8, n_init=1, rng=np.random.default_rng(s)).inertia
            for s in range(8)
        ]
    )
    multi = weighted_kmeans(points, weights, 8, n_init=8, rng=np.random.default_rng(0)).inertia
    assert multi <= single


# --- the init= path ------------------------------------------------------------------


def _reference_lloyd(points, weights, centers, n_iter):
    """Textbook weighted Lloyd iterations (no empty clusters expected)."""
    for _ in range(n_iter):
        labels = squared_distances(points, centers).argmin(axis=1)
        centers = np.stack(
            [
                (points[labels == j] * weights[labels == j, None]).sum(0)
                / weights[labels == j].sum()
                for j in range(centers.shape[0])
            ]
        )
    return centers


def test_init_runs_one_lloyd_start_from_the_given_centers():
    points, weights, _ = _blobs(5, n_blobs=3, per_blob=60, spread=1.2)
    init = points[[0, 1, 2]]  # all in the first blob: Lloyd has work to do
    result = weighted_kmeans(
        points, weights, 3, init=init, max_iter=300, tol=0.0, rng=np.random.default_rng(0)
    )
    expected = _reference_lloyd(points, weights, init, 300)
    np.testing.assert_allclose(result.centers, expected, rtol=1e-9, atol=1e-12)
    _check_result_is_consistent(result, points, weights, 3)


def test_init_with_max_iter_one_does_one_step():
    points, weights, _ = _blobs(6, n_blobs=3, per_blob=30, spread=1.0)
    init = points[[0, 31, 62]]
    result = weighted_kmeans(
        points, weights, 3, init=init, max_iter=1, rng=np.random.default_rng(0)
    )
    assert result.n_iter == 1
    # One Lloyd step, then the final assignment's means (a second step).
    np.testing.assert_allclose(result.centers, _reference_lloyd(points, weights, init, 2))


def test_init_ignores_the_rng_and_n_init():
    points, weights, _ = _blobs(8, n_blobs=4, per_blob=20, spread=0.5)
    init = points[[0, 20, 40, 60]]
    a = weighted_kmeans(points, weights, 4, init=init, n_init=1, rng=np.random.default_rng(0))
    b = weighted_kmeans(points, weights, 4, init=init, n_init=9, rng=np.random.default_rng(99))
    np.testing.assert_array_equal(a.centers, b.centers)


def test_init_at_a_fixed_point_stays_there():
    points, weights, _ = _blobs(9, n_blobs=4, per_blob=25, spread=0.3)
    converged = weighted_kmeans(points, weights, 4, n_init=4, rng=np.random.default_rng(0))
    again = weighted_kmeans(
        points, weights, 4, init=converged.centers, rng=np.random.default_rng(1)
    )
    np.testing.assert_allclose(again.centers, converged.centers, rtol=1e-12)
    assert again.n_iter == 1


# --- empty clusters ------------------------------------------------------------------


def test_an_empty_cluster_is_relocated_not_dropped(monkeypatch):
    # Two tight groups; the third starting center is far from every point, so
    # it gets no point in the first assignment and must be relocated.
    points = np.array(
        [[0.0, 0, 0], [0.1, 0, 0], [0, 0.1, 0], [5, 5, 5], [5.1, 5, 5], [5, 5.1, 5], [2.5, 2.5, 9]]
    )
    weights = np.array([10.0, 10, 10, 10, 10, 10, 1])
    init = np.array([[0.0, 0, 0], [5, 5, 5], [100, 100, 100]])
    # The numpy path, whose helper can be watched (test_cluster_kernel.py
    # checks that the compiled kernel relocates the same way).
    monkeypatch.setattr(cluster, "_kernel", None)
    calls = []
    original = cluster._relocate_empty
    monkeypatch.setattr(cluster, "_relocate_empty", lambda *a: (calls.append(1), original(*a))[1])
    result = weighted_kmeans(points, weights, 3, init=init, rng=np.random.default_rng(0))
    assert calls, "the empty cluster was not relocated"
    _check_result_is_consistent(result, points, weights, 3)
    # The relocated center took the point with the largest weighted cost.
    assert any(np.allclose(c, [2.5, 2.5, 9]) for c in result.centers)


def test_several_empty_clusters_take_distinct_points():
    rng = np.random.default_rng(4)
    points = np.concatenate([rng.normal(0, 1, (30, 3)), rng.normal(10, 1, (30, 3))])
    weights = rng.integers(1, 5, 60).astype(np.float64)
    init = np.array([[0.0, 0, 0], [10, 10, 10], [-99, 0, 0], [0, -99, 0], [0, 0, 99]])
    result = weighted_kmeans(points, weights, 5, init=init, rng=np.random.default_rng(0))
    _check_result_is_consistent(result, points, weights, 5)
    assert np.unique(np.round(result.centers, 12), axis=0).shape[0] == 5


def test_empty_clusters_in_k_means_plus_plus_starts_are_handled():
    # Many starts, few distinct points: every start must end with k
    # non-empty clusters.
    points = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]])
    weights = np.array([1000.0, 1, 1, 1, 1])
    for seed in range(10):
        result = weighted_kmeans(points, weights, 5, n_init=6, rng=np.random.default_rng(seed))
        _check_result_is_consistent(result, points, weights, 5)


# --- squared_distances ---------------------------------------------------------------


def test_squared_distances_match_a_direct_computation():
    rng = np.random.default_rng(0)
    points = rng.random((50_000, 3))  # more rows than one single-thread block
    centers = rng.random((7, 3))
    d2 = squared_distances(points, centers)
    direct = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
    np.testing.assert_allclose(d2, direct, atol=1e-12)
    assert d2.min() >= 0
    assert squared_distances(centers, centers).diagonal().max() < 1e-15


# --- geometric-median polish ---------------------------------------------------------

from palettekit.cluster import weighted_kmedians  # noqa: E402


def _mean_distance(points, weights, centers):
    d = np.sqrt(squared_distances(points, np.asarray(centers, dtype=np.float64)).min(axis=1))
    return float((d * weights).sum() / weights.sum())


def test_kmedians_moves_a_center_to_the_weighted_geometric_median():
    # Three collinear points, the middle one heaviest: the geometric median is
    # the middle point, while the mean is pulled toward the far outlier.
    points = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    weights = np.array([1.0, 3.0, 1.0])
    mean = (points * weights[:, None]).sum(0) / weights.sum()
    result = weighted_kmedians(points, weights, mean[None, :], max_iter=200, tol=0.0)
    np.testing.assert_allclose(result.centers[0], [1.0, 0.0, 0.0], atol=1e-3)
    assert result.weights.tolist() == [5.0]


def test_kmedians_lowers_the_mean_distance_of_a_kmeans_result():
    rng = np.random.default_rng(3)
    points = np.concatenate([rng.normal(c, 0.3, (300, 3)) for c in (0.0, 2.0, 5.0)])
    points = np.concatenate([points, rng.normal(20.0, 1.0, (10, 3))])  # far outliers
    weights = rng.integers(1, 50, points.shape[0]).astype(np.float64)
    start = weighted_kmeans(points, weights, 3, rng=np.random.default_rng(0))
    polished = weighted_kmedians(points, weights, start.centers, max_iter=20)
    assert _mean_distance(points, weights, polished.centers) < _mean_distance(
        points, weights, start.centers
    )
    # labels are the nearest polished center, weights their sums
    nearest = np.argmin(squared_distances(points, polished.centers), axis=1)
    np.testing.assert_array_equal(polished.labels, nearest)
    np.testing.assert_allclose(polished.weights, np.bincount(nearest, weights, 3))
    assert 1 <= polished.n_iter <= 20


def test_kmedians_survives_points_sitting_on_centers():
    points = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.1]])
    result = weighted_kmedians(points, np.ones(3), points[:2].copy(), max_iter=5)
    assert np.isfinite(result.centers).all()
    assert result.weights.sum() == 3.0


def test_kmedians_far_penalty_brings_far_points_within_reach():
    # 80% of the weight at 0 and 20% at 0.3: the plain geometric median
    # stays at 0, leaving the 20% 0.3 away. With a penalty of 5 per unit of
    # distance beyond 0.12, the cost falls as the center moves toward the
    # small group, down to its minimum at 0.18 (slope 80 - 20 - 20*5 < 0
    # before, 80 - 20 > 0 after); the reweighted steps circle that kink.
    points = np.array([[0.0, 0.0, 0.0], [0.3, 0.0, 0.0]])
    weights = np.array([80.0, 20.0])
    init = np.array([[0.05, 0.0, 0.0]])
    plain = weighted_kmedians(points, weights, init, max_iter=200, tol=0.0)
    covering = weighted_kmedians(
        points, weights, init, max_iter=200, tol=0.0, far_distance=0.12, far_penalty=5.0
    )
    assert plain.centers[0, 0] == pytest.approx(0.0, abs=1e-3)
    assert 0.05 < covering.centers[0, 0] <= 0.18 + 1e-9


def test_best_start_ranked_by_far_cost_keeps_a_small_far_group() -> None:
    # 61 points spread over [-0.3, 0.3] and a group of weight 1.5 at 1.0, k=2.
    # Splitting the spread has the lower inertia (about 1.5 against 1.8), so
    # ranked by inertia the far group shares a center 0.8 away; ranked by the
    # far-penalised cost (penalty 20 beyond 0.35, farther than any point of
    # the spread from its mean) the start that gives the far group its own
    # center wins (cost about 9 against 19). The same seed draws the same
    # starts for both rankings.
    spread = np.linspace(-0.3, 0.3, 61)
    points = np.zeros((62, 3))
    points[:61, 0] = spread
    points[61, 0] = 1.0
    weights = np.ones(62)
    weights[61] = 1.5

    def kept(**far: float) -> np.ndarray:
        centers, _ = cluster.best_start(
            points, weights, 2, n_init=16, max_iter=20, tol=0.0, rng=np.random.default_rng(4), **far
        )
        return np.sort(centers[:, 0])

    by_inertia = kept()
    by_far_cost = kept(far_distance=0.35, far_penalty=20.0)
    assert by_inertia[1] < 0.5  # both centers on the spread
    assert by_far_cost[1] == pytest.approx(1.0)  # one center on the far group
    assert kept(far_distance=0.35, far_penalty=0.0).tolist() == by_inertia.tolist()


def test_weighted_total_is_the_weighted_sum_on_large_inputs() -> None:
    # Above 10,000 values, where OpenBLAS's dot product would go multi-threaded.
    rng = np.random.default_rng(3)
    weights = rng.integers(1, 500, 25_000).astype(np.float64)
    values = rng.random(25_000)
    total = cluster._weighted_total(weights, values)
    assert isinstance(total, float)
    assert math.isclose(total, math.fsum(weights * values), rel_tol=1e-13)


@pytest.mark.parametrize("dim", [3, 2])
def test_nearest_scores_pick_the_nearest_center_and_give_its_distance_less_the_norm(dim):
    rng = np.random.default_rng(dim)
    points = rng.normal(size=(500, dim))
    centers = rng.normal(size=(7, dim))
    labels, scores = cluster.nearest_scores(points, centers, (centers * centers).sum(axis=1))
    d2 = squared_distances(points, centers)
    assert np.array_equal(labels, np.argmin(d2, axis=1))
    np.testing.assert_allclose(scores + (points * points).sum(axis=1), d2.min(axis=1), atol=1e-12)
    empty = cluster.nearest_scores(np.zeros((0, dim)), centers, np.ones(7))
    assert empty[0].shape == empty[1].shape == (0,)


def test_the_best_start_is_chosen_by_numpys_pairwise_sum_of_each_starts_cost(monkeypatch):
    # Two starts whose distances are the same numbers in another order: equal costs
    # in exact arithmetic, one ulp apart by numpy's pairwise sum (here the second is
    # lower). The choice follows that sum, the same on every machine (not BLAS's).
    rng = np.random.default_rng(4)
    m = 3000
    weights = np.ones(m)
    first = rng.random(m)
    closest = np.stack([first, first[rng.permutation(m)]], axis=1)
    costs = [float(np.add.reduce(weights * closest[:, r])) for r in range(2)]
    assert costs[1] < costs[0]
    centers = np.arange(2 * 3 * 3, dtype=np.float64).reshape(2, 3, 3)
    monkeypatch.setattr(cluster, "_lloyd", lambda *args: (centers, closest, 4))
    points = rng.random((m, 3))
    chosen, n_iter = cluster.best_start(
        points, weights, 3, n_init=2, max_iter=4, tol=0.0, rng=np.random.default_rng(0)
    )
    assert n_iter == 4
    assert np.array_equal(chosen, centers[1])
    # one start (init given): its centers, whatever the cost
    monkeypatch.setattr(cluster, "_lloyd", lambda *args: (centers[:1], closest[:, :1], 2))
    chosen, _ = cluster.best_start(
        points,
        weights,
        3,
        n_init=1,
        max_iter=4,
        tol=0.0,
        rng=np.random.default_rng(0),
        init=centers[0],
    )
    assert np.array_equal(chosen, centers[0])


@pytest.mark.parametrize("seed", range(4))
def test_kmeans_centers_are_the_centers_weighted_kmeans_gives_from_the_same_start(seed):
    rng = np.random.default_rng(seed)
    points = rng.random((400, 3))
    weights = rng.integers(1, 50, 400).astype(np.float64)
    init = points[:6].copy()
    if seed == 3:
        init[5] = init[4]  # two equal start centers (Lloyd relocates the empty one)
    full = weighted_kmeans(
        points, weights, 6, max_iter=5, tol=1e-4, rng=np.random.default_rng(0), init=init
    )
    centers = cluster.kmeans_centers(
        points, weights, 6, max_iter=5, tol=1e-4, rng=np.random.default_rng(0), init=init
    )
    assert np.array_equal(centers, full.centers)
