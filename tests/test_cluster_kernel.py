"""The compiled clustering kernel (palettekit._cluster) against the numpy path.

cluster.py runs its seeding, Lloyd rounds, k-medians steps and assignments
in the optional C kernel when it is built, and in numpy otherwise (or when
``cluster._kernel`` is None / PALETTEKIT_NO_KERNEL is set). Both must give
the same palettes: here the primitives are compared result for result, the
rng stream must be consumed the same way, and whole palettes are compared on
the committed flag images and, when present, on every CQ100 photo.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import palettekit
from palettekit import cluster, colorspace, histogram

KERNEL = cluster._kernel
needs_kernel = pytest.mark.skipif(KERNEL is None, reason="built without a C compiler")

ROOT = Path(__file__).resolve().parents[1]
FLAGS = sorted((ROOT / "tests" / "data" / "flags").glob("*.png"))
CQ100 = ROOT.parent / "shared" / "corpus" / "cq100"
needs_corpus = pytest.mark.skipif(not CQ100.is_dir(), reason="corpus not present")


def _both(monkeypatch: pytest.MonkeyPatch, run):  # type: ignore[no-untyped-def]
    """``run()`` with the compiled kernels, then with numpy alone (clustering,
    sRGB->Oklab and the histogram's passes all switched off, as
    PALETTEKIT_NO_KERNEL does)."""
    compiled = run()
    kernels = [(module, module._kernel) for module in (cluster, colorspace, histogram)]
    for module, _ in kernels:
        monkeypatch.setattr(module, "_kernel", None)
    pure = run()
    for module, kernel in kernels:
        monkeypatch.setattr(module, "_kernel", kernel)
    return compiled, pure


def _cloud(seed: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Oklab-like points with pixel-count weights, with a few duplicates."""
    rng = np.random.default_rng(seed)
    points = rng.random((m, 3)) * [1.0, 0.5, 0.5] - [0.0, 0.25, 0.25]
    points[: m // 10] = points[m // 10 : 2 * (m // 10)]
    weights = rng.integers(1, 500, m).astype(np.float64)
    return points, weights


CASES = [(seed, m, k, r) for seed, (m, k, r) in enumerate([
    (1000, 5, 8), (1024, 8, 8), (300, 16, 4), (50, 3, 1), (2000, 2, 8), (17, 17, 3),
    (700, 1, 4), (4000, 12, 2),
])]  # fmt: skip


@needs_kernel
@pytest.mark.parametrize(("seed", "m", "k", "n_starts"), CASES)
def test_seeding_picks_the_same_points_and_draws_the_same_numbers(
    monkeypatch, seed, m, k, n_starts
):
    points, weights = _cloud(seed, m)

    def run():  # type: ignore[no-untyped-def]
        rng = np.random.default_rng(seed)
        starts = cluster._kmeans_plus_plus(points, weights, k, n_starts, rng)
        return starts, rng.random()

    (compiled, next_c), (pure, next_p) = _both(monkeypatch, run)
    assert np.array_equal(compiled, pure)
    assert next_c == next_p


@needs_kernel
@pytest.mark.parametrize(("seed", "m", "k", "n_starts"), CASES)
def test_lloyd_rounds_give_the_same_centers_inertia_and_iterations(
    monkeypatch, seed, m, k, n_starts
):
    points, weights = _cloud(seed, m)
    starts = cluster._kmeans_plus_plus(points, weights, k, n_starts, np.random.default_rng(seed))
    for max_iter, tol in ((3, 1e-6), (100, 0.0), (0, 1e-4)):
        compiled, pure = _both(
            monkeypatch, partial(cluster._lloyd, points, weights, starts, max_iter, tol)
        )
        assert np.array_equal(compiled[0], pure[0])
        np.testing.assert_allclose(compiled[1], pure[1], rtol=1e-13)
        assert compiled[2] == pure[2]
    assert starts.flags.writeable and np.array_equal(
        starts, cluster._kmeans_plus_plus(points, weights, k, n_starts, np.random.default_rng(seed))
    ), "the starts must not be changed in place"


@needs_kernel
@pytest.mark.parametrize(("seed", "m", "k", "n_starts"), CASES)
def test_kmedians_and_kmeans_give_the_same_results(monkeypatch, seed, m, k, n_starts):
    points, weights = _cloud(seed, m)
    init = points[np.random.default_rng(seed).choice(m, k, replace=False)] + 0.01

    def run():  # type: ignore[no-untyped-def]
        return [
            cluster.weighted_kmedians(points, weights, init, max_iter=6),
            cluster.weighted_kmedians(
                points, weights, init, max_iter=6, far_distance=0.12, far_penalty=5.0
            ),
            cluster.weighted_kmeans(
                points, weights, k, n_init=n_starts, rng=np.random.default_rng(seed)
            ),
        ]

    for compiled, pure in zip(*_both(monkeypatch, run), strict=True):
        np.testing.assert_allclose(compiled.centers, pure.centers, rtol=0, atol=1e-12)
        assert np.array_equal(compiled.labels, pure.labels)
        assert compiled.labels.dtype == pure.labels.dtype
        assert np.array_equal(compiled.weights, pure.weights)
        np.testing.assert_allclose(compiled.inertia, pure.inertia, rtol=1e-12)
        assert compiled.n_iter == pure.n_iter


@needs_kernel
@pytest.mark.parametrize("m", [1, 2, 7, 8, 9, 127, 128, 129, 300, 1025, 5829, 40000])
def test_the_tolerance_scale_is_the_same_to_the_last_bit(monkeypatch, m):
    # numpy sums the weights pairwise and the columns row by row; the
    # kernel must do the same, since the k-medians floor depends on it.
    points, weights = _cloud(m, m)
    weights *= 0.37
    compiled, pure = _both(monkeypatch, lambda: cluster._mean_variance(points, weights))
    assert compiled == pure


@needs_kernel
def test_empty_clusters_are_relocated_the_same_way(monkeypatch):
    points = np.array(
        [[0.0, 0, 0], [0.1, 0, 0], [0, 0.1, 0], [5, 5, 5], [5.1, 5, 5], [5, 5.1, 5], [2.5, 2.5, 9]]
    )
    weights = np.array([10.0, 10, 10, 10, 10, 10, 1])
    init = np.array([[[0.0, 0, 0], [5, 5, 5], [100, 100, 100], [-50, 0, 0]]])
    compiled, pure = _both(monkeypatch, lambda: cluster._lloyd(points, weights, init, 5, 0.0))
    assert np.array_equal(compiled[0], pure[0])
    assert compiled[2] == pure[2]
    assert any(np.array_equal(c, [2.5, 2.5, 9]) for c in compiled[0][0])


@needs_kernel
def test_a_center_left_with_no_point_is_dropped_by_both(monkeypatch):
    points = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0]])
    weights = np.ones(3)
    init = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [9, 9, 9]])
    compiled, pure = _both(
        monkeypatch, lambda: cluster.weighted_kmedians(points, weights, init, max_iter=2)
    )
    assert compiled.centers.shape == pure.centers.shape == (3, 3)
    assert np.array_equal(compiled.labels, pure.labels)


@needs_kernel
def test_points_need_not_be_contiguous(monkeypatch):
    points, weights = _cloud(3, 400)
    strided = np.asfortranarray(points)
    compiled, pure = _both(
        monkeypatch,
        lambda: cluster.best_start(
            strided, weights[::1], 4, n_init=3, max_iter=3, tol=1e-4, rng=np.random.default_rng(0)
        ),
    )
    assert np.array_equal(compiled[0], pure[0])


@needs_kernel
@pytest.mark.parametrize(
    "call",
    [
        lambda: KERNEL.seed(np.zeros(6), np.ones(2), np.zeros(1), np.zeros(2, np.int64), 1, 2, 2),
        lambda: KERNEL.seed(np.zeros(6), np.ones(2), np.zeros(3), np.zeros(1, np.int64), 1, 2, 2),
        lambda: KERNEL.lloyd(np.zeros(6), np.ones(2), np.zeros(5), np.zeros(2), 3, 0.0),
        lambda: KERNEL.lloyd(np.zeros(6), np.ones(2), np.zeros(6), np.zeros(3), 3, 0.0),
        lambda: KERNEL.kmedians(np.zeros(6), np.ones(2), np.zeros(4), 3, 0.0, 0.0, 1.0, 1.0),
        lambda: KERNEL.mean_variance(np.zeros(5), np.ones(2)),
        lambda: KERNEL.mean_variance(np.zeros(0), np.ones(0)),
        lambda: KERNEL.assign(
            np.zeros(6), np.ones(2), np.zeros(3), np.zeros(1, np.int64), np.zeros(2), np.zeros(1)
        ),
        lambda: KERNEL.assign(
            np.zeros(6), np.ones(0), np.zeros(3), np.zeros(2, np.int64), np.zeros(2), np.zeros(1)
        ),
        lambda: KERNEL.scores(
            np.zeros(6), np.zeros(3), np.zeros(1), np.zeros(1, np.int64), np.zeros(2)
        ),
        lambda: KERNEL.scores(
            np.zeros(6), np.zeros(4), np.zeros(1), np.zeros(2, np.int64), np.zeros(2)
        ),
        lambda: KERNEL.scores(
            np.zeros(6), np.zeros(3), np.zeros(0), np.zeros(2, np.int64), np.zeros(2)
        ),
        lambda: KERNEL.mix_distance(
            np.zeros(6), np.zeros(6), np.zeros(6), np.zeros(9), np.zeros(9), 0.04, np.zeros(2)
        ),
        lambda: KERNEL.mix_distance(
            np.zeros(6), np.zeros(3), np.zeros(7), np.zeros(9), np.zeros(9), 0.04, np.zeros(2)
        ),
        lambda: KERNEL.mix_distance(
            np.zeros(6), np.zeros(6), np.zeros(7), np.zeros(8), np.zeros(9), 0.04, np.zeros(2)
        ),
    ],
)
def test_the_kernel_refuses_buffers_of_the_wrong_size(call):
    with pytest.raises(ValueError):
        call()


@needs_kernel
def test_the_environment_variable_forces_numpy_alone():
    code = "import palettekit.cluster as c; print(c._kernel is None)"
    env = {**os.environ, "PALETTEKIT_NO_KERNEL": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr


def _palette(path: Path, k: int | str, kwargs: dict[str, str]) -> tuple[object, ...]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = palettekit.extract(path, k, warn=False, **kwargs).to_dict()  # type: ignore[arg-type]
    colors = [(c["hex"], c["share"], c["count"]) for c in data["colors"]]
    return colors, data["meta"]["distortion"], data["meta"].get("inertia")  # None for a theme


@needs_kernel
@pytest.mark.parametrize("kwargs", [{}, {"kind": "theme"}], ids=["palette", "theme"])
def test_flag_palettes_are_identical(monkeypatch, kwargs):
    for path in FLAGS[::3]:
        for k in ("auto", 5):
            compiled, pure = _both(monkeypatch, partial(_palette, path, k, kwargs))
            assert compiled == pure, (path.name, k)


@needs_kernel
@needs_corpus
@pytest.mark.parametrize("k", [5, 8, 16, "theme"])
def test_cq100_palettes_are_identical(monkeypatch, k):
    for path in sorted(CQ100.glob("*.png")):
        kwargs = {"kind": "theme"} if k == "theme" else {}
        n = 5 if k == "theme" else k
        compiled, pure = _both(monkeypatch, partial(_palette, path, n, kwargs))
        assert compiled == pure, (path.name, k)


def test_the_kernel_is_built_in_ci() -> None:
    # CI installs with a C compiler: a build failure there must not go unnoticed.
    import shutil

    if not os.environ.get("CI") or shutil.which("cc") is None:
        pytest.skip("only checked in CI, where a C compiler is present")
    assert KERNEL is not None


@needs_kernel
@pytest.mark.parametrize("dim", [1, 2, 4])
def test_points_of_other_dimensions_give_the_same_starts_and_rounds(monkeypatch, dim):
    # The three-coordinate loops are specialised; every other width takes the general ones.
    rng = np.random.default_rng(dim)
    points = rng.random((500, dim))
    points[:50] = points[50:100]
    weights = rng.integers(1, 300, 500).astype(np.float64)

    def run():  # type: ignore[no-untyped-def]
        starts = cluster._kmeans_plus_plus(points, weights, 6, 4, np.random.default_rng(1))
        return starts, cluster._lloyd(points, weights, starts, 5, 1e-6)

    (starts_c, lloyd_c), (starts_p, lloyd_p) = _both(monkeypatch, run)
    assert np.array_equal(starts_c, starts_p)
    assert np.array_equal(lloyd_c[0], lloyd_p[0])
    assert lloyd_c[2] == lloyd_p[2]


@needs_kernel
@pytest.mark.parametrize(("seed", "m", "k", "n_starts"), CASES)
def test_nearest_squared_distances_match_the_numpy_distances(monkeypatch, seed, m, k, n_starts):
    points, _ = _cloud(seed, m)
    centers = np.random.default_rng(seed).random((k, 3)) * 0.5
    compiled, pure = _both(monkeypatch, partial(cluster.nearest_squared_distances, points, centers))
    np.testing.assert_allclose(compiled, pure, rtol=1e-12, atol=1e-15)
    assert (compiled >= 0).all() and compiled.shape == (m,)


@needs_kernel
@pytest.mark.parametrize("k", [5, 8, "auto", "theme"])
def test_photo_palettes_are_identical_without_any_kernel(monkeypatch, k):
    # Photo-like images with thousands of histogram bins (the coarse level, the
    # conversions and every clustering step run), as an array and as JPEG bytes.
    import io

    from PIL import Image

    from test_pipeline import photo_like

    for seed in range(4):
        array = photo_like(seed, height=240 + 40 * seed, width=360)
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, format="JPEG", quality=90)
        kwargs = {"kind": "theme"} if k == "theme" else {}
        n = 5 if k == "theme" else k
        for source in (array, buffer.getvalue()):
            compiled, pure = _both(monkeypatch, partial(_extract_dict, source, n, kwargs))
            assert compiled == pure, (seed, k)


def _extract_dict(source: object, k: int | str, kwargs: dict[str, str]) -> dict[str, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = palettekit.extract(source, k, warn=False, **kwargs).to_dict()  # type: ignore[arg-type]
    data["meta"].pop("timings", None)
    return data


_NEAREST_DIGEST = """
import hashlib, sys
import numpy as np
from palettekit import cluster
sys.path.insert(0, {tests!r})
from test_cluster_kernel import _cloud
digest = hashlib.sha256()
for seed, m, k in [(1, 1, 1), (2, 5, 3), (3, 63, 4), (4, 64, 5), (5, 65, 8), (6, 1000, 16),
                   (7, 301, 70), (8, 130, 2)]:
    points, weights = _cloud(seed, m)
    centers = _cloud(seed + 100, k)[0]
    centers[-1] = points[0]  # a center on a point: a zero distance
    outs = (np.empty(m, np.int64), np.empty(m), np.empty(k))
    cluster._kernel.assign(points, weights, centers, *outs)
    starts = np.repeat(centers[None], 2, axis=0) + [[[0.0]], [[0.01]]]
    closest = np.empty((m, 2))
    n_iter = cluster._kernel.lloyd(points, weights, starts, closest, 4, 0.0)
    for array in (*outs, starts, closest, np.array([n_iter])):
        digest.update(np.ascontiguousarray(array).tobytes())
print(digest.hexdigest())
"""


@needs_kernel
def test_the_vector_and_scalar_nearest_centers_agree_to_the_last_bit():
    # On x86-64 with AVX2 the kernel finds nearest centers four points at a
    # time; PALETTEKIT_NO_AVX2 forces the point-by-point loop other CPUs run.
    code = _NEAREST_DIGEST.format(tests=str(ROOT / "tests"))
    digests = []
    for extra in ({}, {"PALETTEKIT_NO_AVX2": "1"}):
        env = {k: v for k, v in os.environ.items() if k != "PALETTEKIT_NO_AVX2"} | extra
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        digests.append(out.stdout.strip())
    assert digests[0] == digests[1]


@needs_kernel
@pytest.mark.parametrize(("seed", "m", "k", "n_starts"), CASES)
def test_nearest_scores_give_the_same_labels_and_scores(monkeypatch, seed, m, k, n_starts):
    points, _ = _cloud(seed, m)
    centers = points[np.random.default_rng(seed).choice(m, k, replace=False)] + 1e-3
    centers_sq = (centers * centers).sum(axis=1)
    compiled, pure = _both(monkeypatch, lambda: cluster.nearest_scores(points, centers, centers_sq))
    assert np.array_equal(compiled[0], pure[0])
    np.testing.assert_allclose(compiled[1], pure[1], rtol=0, atol=1e-15)


@needs_kernel
@pytest.mark.parametrize("seed", range(4))
def test_auto_k_gives_the_same_result(monkeypatch, seed):
    from palettekit import autok

    rng = np.random.default_rng(seed)
    colors = rng.integers(0, 256, (40, 3))[rng.integers(0, 40, 20000)]
    pixels = np.clip(colors + rng.normal(0, 6, colors.shape), 0, 255).astype(np.uint8)
    hist = histogram.color_histogram(pixels, 5)
    compiled, pure = _both(monkeypatch, lambda: autok.choose_k(hist, seed=seed).to_meta())
    assert compiled == pure
