"""Benchmark of palettekit search over a million synthetic results.

Usage::

    python bench/bench_search.py            # 1,000,000 results
    python bench/bench_search.py --quick    # 100,000 results

Times opening the index (a folder of memory-mapped .npy files), color queries (one and three
colors, "any" and "all") and palette queries (``--like``), each repeated and
reported as the median; and measures how the greedy transport distance used
by ``--like`` compares with an exact earth mover's distance (a linear
program, scipy) on random palettes. Goal from the issue: about a second per
query over 1,000,000 results on this (shared, 2-core) machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from palettekit.search.index import (  # noqa: E402
    ColorIndex,
    emd_lower_bound,
    greedy_emd,
    search_colors,
    search_like,
)


def synthetic_index(n: int, k: int, seed: int = 0) -> ColorIndex:
    """n palettes of 1..k colors, photo-like lightness spread, muted chroma."""
    rng = np.random.default_rng(seed)
    lab = np.stack(
        [rng.uniform(0.1, 0.95, (k, n)), rng.normal(0, 0.07, (k, n)), rng.normal(0, 0.07, (k, n))]
    ).astype(np.float32)
    sizes = rng.integers(2, k + 1, n)
    shares = rng.dirichlet(np.ones(k), n)
    shares[np.arange(k)[None, :] >= sizes[:, None]] = 0.0
    shares = np.ascontiguousarray((shares / shares.sum(axis=1, keepdims=True)).T, np.float32)
    from palettekit.colorspace import oklab_to_srgb, srgb_to_uint8

    rgb = srgb_to_uint8(
        np.clip(oklab_to_srgb(np.transpose(lab, (2, 1, 0)).astype(np.float64)), 0, 1)
    )
    names = [f"photos/{i:07d}.jpg".encode() for i in range(n)]
    return ColorIndex(
        lab,
        shares,
        rgb.astype(np.uint8),
        np.arange(n, dtype=np.int64),
        np.frombuffer(b"".join(names), np.uint8),
        np.cumsum([len(s) for s in names]),
        {"version": 1, "results_stamp": None, "k": k},
    )


def _median_seconds(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 4)


def accuracy(cases: int = 20, per_case: int = 100, seed: int = 1) -> dict:
    try:
        from scipy.optimize import linprog
    except ImportError:
        return {"accuracy": "scipy not installed"}
    np.random.default_rng(seed)

    def exact(a, p, b, q):  # type: ignore[no-untyped-def]
        cost = np.linalg.norm(a[:, None] - b[None], axis=2)
        k, m = cost.shape
        rows = [np.kron(np.eye(k)[i], np.ones(m)) for i in range(k)]
        cols = [np.kron(np.ones(k), np.eye(m)[j]) for j in range(m)]
        return linprog(
            cost.ravel(),
            A_eq=np.array(rows + cols),
            b_eq=np.concatenate([p, q]),
            bounds=(0, None),
            method="highs",
        ).fun

    rel, spearman, overlap, bound_ratio = [], [], [], []
    for case in range(cases):
        index = synthetic_index(per_case, 8, seed=seed * 1000 + case)
        query_index = synthetic_index(1, 6, seed=seed * 1000 + case + 500)
        keep = query_index.shares[:, 0] > 0
        q = query_index.lab[:, :, 0].T[keep]
        w = query_index.shares[:, 0][keep]
        greedy = greedy_emd(index.lab, index.shares, q, w)
        lower = emd_lower_bound(index.lab, index.shares, q, w)
        ex = np.array(
            [
                exact(
                    index.lab[:, :, i].T[index.shares[:, i] > 0].astype(float),
                    index.shares[:, i][index.shares[:, i] > 0].astype(float),
                    q.astype(float),
                    w.astype(float),
                )
                for i in range(per_case)
            ]
        )
        rel.extend((greedy / ex - 1).tolist())
        bound_ratio.extend((lower / ex).tolist())
        ranks = lambda x: np.argsort(np.argsort(x))  # noqa: E731
        spearman.append(float(np.corrcoef(ranks(greedy), ranks(ex))[0, 1]))
        overlap.append(len(set(np.argsort(greedy)[:10]) & set(np.argsort(ex)[:10])) / 10)
    result = {
        "greedy_over_exact_mean": round(float(np.mean(rel)), 4),
        "greedy_over_exact_p95": round(float(np.percentile(rel, 95)), 4),
        "greedy_over_exact_max": round(float(np.max(rel)), 4),
        "lower_bound_over_exact_mean": round(float(np.mean(bound_ratio)), 4),
        "spearman_mean": round(float(np.mean(spearman)), 4),
        "top10_overlap_mean": round(float(np.mean(overlap)), 3),
        "cases": cases * per_case,
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=None, help="number of results")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    n = args.n or (100_000 if args.quick else 1_000_000)
    repeat = 3 if args.quick else 5
    report: dict = {"results": n}
    start = time.perf_counter()
    index = synthetic_index(n, 8)
    report["synthesize_s"] = round(time.perf_counter() - start, 2)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index"
        start = time.perf_counter()
        index.save(path)
        report["save_s"] = round(time.perf_counter() - start, 2)
        report["index_mb"] = round(sum(p.stat().st_size for p in path.iterdir()) / 2**20, 1)
        report["open_s"] = _median_seconds(lambda: ColorIndex.load(path), repeat)
        index = ColorIndex.load(path)
        report["color_1_any_s"] = _median_seconds(lambda: search_colors(index, ["#c0392b"]), repeat)
        three = ["#c0392b", "#2e86c1", "#f1c40f"]
        report["color_3_any_s"] = _median_seconds(lambda: search_colors(index, three), repeat)
        report["color_3_all_s"] = _median_seconds(
            lambda: search_colors(index, three, mode="all"), repeat
        )
        like_times = []
        for row in range(repeat):
            keep = index.shares[:, row * 7919] > 0
            q = np.asarray(index.lab[:, :, row * 7919]).T[keep]
            w = np.asarray(index.shares[:, row * 7919])[keep]
            start = time.perf_counter()
            search_like(index, q, w, top=20)
            like_times.append(time.perf_counter() - start)
        report["like_s"] = round(statistics.median(like_times), 4)
        # one cold query, as the CLI runs it: open + query
        start = time.perf_counter()
        search_colors(ColorIndex.load(path), ["#c0392b"])
        report["open_plus_color_query_s"] = round(time.perf_counter() - start, 4)
    print(json.dumps(report), flush=True)
    report["accuracy"] = accuracy(cases=5 if args.quick else 20)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
