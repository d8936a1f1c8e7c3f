"""Search by color and by palette over a results index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from batch_helpers import run_cli, write_images
from palettekit.batch import read_records, write_results
from palettekit.colorspace import srgb_to_oklab
from palettekit.errors import OptionsError
from palettekit.options import Options
from palettekit.search.index import (
    ColorIndex,
    build_index,
    coverage,
    default_index_path,
    emd_lower_bound,
    greedy_emd,
    open_index,
    search_colors,
    search_like,
)


def _record(index: int, colors: list[tuple[str, float]]) -> dict:
    out = []
    for hex_, share in colors:
        rgb = [int(hex_[i : i + 2], 16) for i in (1, 3, 5)]
        lab = srgb_to_oklab(np.array(rgb) / 255.0).tolist()
        out.append({"hex": hex_, "rgb": rgb, "share": share, "oklab": lab, "name": "x"})
    return {"index": index, "source": f"img{index}.png", "ok": True, "k": 3, "colors": out}


RECORDS = [
    _record(0, [("#ff0000", 0.5), ("#0000ff", 0.5)]),
    _record(1, [("#ff0000", 0.9), ("#ffffff", 0.1)]),
    _record(2, [("#00ff00", 1.0)]),
    _record(3, [("#f00000", 0.2), ("#000000", 0.5), ("#0000ff", 0.3)]),
    {"index": 4, "source": "bad.png", "ok": False, "colors": None, "error_type": "X", "error": "y"},
]


def _exact_emd(a: np.ndarray, p: np.ndarray, b: np.ndarray, q: np.ndarray) -> float:
    from scipy.optimize import linprog

    cost = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2)
    k, m = cost.shape
    rows = [np.kron(np.eye(k)[i], np.ones(m)) for i in range(k)]
    cols = [np.kron(np.ones(k), np.eye(m)[j]) for j in range(m)]
    result = linprog(
        cost.ravel(),
        A_eq=np.array(rows + cols),
        b_eq=np.concatenate([p, q]),
        bounds=(0, None),
        method="highs",
    )
    assert result.status == 0
    return float(result.fun)


def _random_palettes(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    lab = np.stack(
        [rng.uniform(0.1, 0.95, (n, k)), rng.normal(0, 0.07, (n, k)), rng.normal(0, 0.07, (n, k))]
    ).astype(np.float32)
    sizes = rng.integers(1, k + 1, n)
    shares = rng.dirichlet(np.ones(k), n)
    shares[np.arange(k)[None, :] >= sizes[:, None]] = 0.0
    shares /= shares.sum(axis=1, keepdims=True)
    return lab, shares.astype(np.float32)


def _columns(lab: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-image arrays (3, n, K), (n, K) -> the index layout (3, K, n), (K, n)."""
    return np.ascontiguousarray(lab.transpose(0, 2, 1)), np.ascontiguousarray(shares.T)


def test_index_skips_failures_and_round_trips_through_its_folder(tmp_path: Path) -> None:
    index = build_index(RECORDS)
    assert len(index) == 4
    assert index.lab.shape == (3, 3, 4) and index.shares.shape == (3, 4)
    assert [index.source(i) for i in range(4)] == ["img0.png", "img1.png", "img2.png", "img3.png"]
    assert index.shares[:, 2].tolist() == [1.0, 0.0, 0.0]
    path = tmp_path / "i.index"
    index.save(path)
    loaded = ColorIndex.load(path)
    assert isinstance(loaded.lab, np.memmap)
    np.testing.assert_array_equal(loaded.lab, index.lab)
    np.testing.assert_array_equal(loaded.rgb, index.rgb)
    assert loaded.find_source("img3.png") == 3
    assert loaded.find_source("img3") is None and loaded.find_source("mg3.png") is None
    assert loaded.meta["k"] == 3


def test_color_score_follows_the_documented_formula() -> None:
    index = build_index(RECORDS)
    sigma = 0.08
    query = srgb_to_oklab(np.array([[1.0, 0.0, 0.0]])).astype(np.float32)
    scores = coverage(index.lab, index.shares, query, sigma)
    for row in range(len(index)):
        expected = 0.0
        for j in range(index.shares.shape[0]):
            d = np.linalg.norm(index.lab[:, j, row] - query[0])
            expected += index.shares[j, row] * np.exp(-((d / sigma) ** 2))
        assert scores[row] == pytest.approx(expected, rel=1e-5, abs=1e-7)
    hits = search_colors(index, ["#ff0000"], top=3)
    assert [h.source for h in hits] == ["img1.png", "img0.png", "img3.png"]
    assert hits[0].score == pytest.approx(0.9, abs=1e-4)
    assert hits[0].hex == ("#ff0000", "#ffffff")


def test_all_mode_needs_every_query_color() -> None:
    index = build_index(RECORDS)
    any_hits = search_colors(index, ["#ff0000", "#0000ff"], top=4)
    assert [h.source for h in any_hits[:2]] == ["img0.png", "img1.png"]
    assert any_hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert any_hits[1].score == pytest.approx(0.9, abs=1e-4)  # 90% red counts in "any" mode ...
    all_hits = search_colors(index, ["#ff0000", "#0000ff"], top=4, mode="all")
    assert [h.source for h in all_hits[:2]] == [
        "img0.png",
        "img3.png",
    ]  # ... not when blue is needed
    assert all_hits[0].score == pytest.approx(0.5, abs=1e-4)
    assert all_hits[-1].score < 1e-3


def test_bad_queries_raise_options_error() -> None:
    index = build_index(RECORDS)
    with pytest.raises(OptionsError):
        search_colors(index, ["#zzzzzz"])
    with pytest.raises(OptionsError):
        search_colors(index, [])
    with pytest.raises(OptionsError):
        search_colors(index, ["#ff0000"], sigma=0)
    with pytest.raises(OptionsError):
        search_like(index, [[0.5, 0, 0]], [-1.0])


def test_emd_bounds_bracket_an_exact_linear_program() -> None:
    rng = np.random.default_rng(7)
    lab, shares = _random_palettes(rng, 60, 6)
    qlab, qshares = _random_palettes(rng, 1, 5)
    query = qlab[:, 0, :].T[qshares[0] > 0]
    weights = qshares[0][qshares[0] > 0]
    lower = emd_lower_bound(*_columns(lab, shares), query, weights)
    greedy = greedy_emd(*_columns(lab, shares), query, weights)
    exact = np.array(
        [
            _exact_emd(
                lab[:, i].T[shares[i] > 0].astype(float),
                shares[i][shares[i] > 0].astype(float),
                query.astype(float),
                weights.astype(float),
            )
            for i in range(60)
        ]
    )
    assert np.all(lower <= exact + 1e-5)
    assert np.all(greedy >= exact - 1e-5)
    assert float(np.mean(greedy / exact - 1)) < 0.15  # a few per cent on average
    ranks = lambda x: np.argsort(np.argsort(x))  # noqa: E731
    spearman = np.corrcoef(ranks(greedy), ranks(exact))[0, 1]
    assert spearman > 0.9
    assert len(set(np.argsort(greedy)[:5]) & set(np.argsort(exact)[:10])) == 5


def test_emd_is_zero_for_the_same_palette_and_exact_for_single_colors() -> None:
    lab, shares = _columns(  # 2 images of 1 color each
        np.array([[[0.5], [0.7]], [[0.0], [0.1]], [[0.0], [0.0]]], np.float32),
        np.array([[1.0], [1.0]], np.float32),
    )
    query = np.array([[0.5, 0.0, 0.0]], np.float32)
    np.testing.assert_allclose(
        greedy_emd(lab, shares, query, np.array([1.0], np.float32)),
        [0.0, np.hypot(0.2, 0.1)],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        emd_lower_bound(lab, shares, query, np.array([1.0], np.float32)),
        [0.0, np.hypot(0.2, 0.1)],
        atol=1e-6,
    )


def test_like_search_equals_brute_force_greedy_ranking() -> None:
    rng = np.random.default_rng(11)
    n = 5000
    lab, shares = _random_palettes(rng, n, 6)
    names = [f"s{i}".encode() for i in range(n)]
    index = ColorIndex(
        *_columns(lab, shares),
        np.zeros((n, 6, 3), np.uint8),
        np.arange(n, dtype=np.int64),
        np.frombuffer(b"".join(names), np.uint8),
        np.cumsum([len(s) for s in names]),
        {"version": 1},
    )
    query = lab[:, 17].T[shares[17] > 0]
    weights = shares[17][shares[17] > 0]
    hits = search_like(index, query, weights, top=25)
    brute = greedy_emd(*_columns(lab, shares), query, weights / weights.sum())
    expected = np.lexsort((np.arange(n), brute))[:25]
    assert [h.row for h in hits] == expected.tolist()
    assert hits[0].row == 17 and hits[0].score == pytest.approx(0.0, abs=1e-6)


def test_index_from_each_results_format_is_the_same(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    paths = write_images(tmp_path / "img", 5)
    indexes = []
    for suffix in (".jsonl", ".csv", ".parquet"):
        out = tmp_path / f"r{suffix}"
        write_results(paths, out, Options(k=3, n_init=2), workers=0)
        indexes.append(open_index(out))
        assert os.path.exists(default_index_path(out))
    order = [np.argsort(ix.record_index) for ix in indexes]
    for ix, o in zip(indexes[1:], order[1:], strict=False):
        np.testing.assert_array_equal(ix.rgb[o], indexes[0].rgb[order[0]])
        np.testing.assert_allclose(ix.shares[:, o], indexes[0].shares[:, order[0]])
        np.testing.assert_allclose(ix.lab[:, :, o], indexes[0].lab[:, :, order[0]], atol=2e-6)


def test_stale_index_is_rebuilt(tmp_path: Path) -> None:
    paths = write_images(tmp_path / "img", 3)
    out = tmp_path / "r.jsonl"
    opts = Options(k=3, n_init=2)
    write_results(paths[:2], out, opts, workers=0)
    assert len(open_index(out)) == 2
    write_results(paths, out, opts, workers=0, resume=True)
    assert len(open_index(out)) == 3
    assert len(list(read_records(out))) == 3


def test_cli_search_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = write_images(tmp_path / "img", 4)
    out = tmp_path / "r.jsonl"
    write_results(paths, out, Options(k=3, n_init=2), workers=0)
    assert run_cli(["search", str(out), "--color", "#808080", "--top", "2"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["rank", "score", "source"]
    assert len(table) == 3
    assert run_cli(["search", str(out), "--like", paths[2], "--json", "--top", "4"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits[0]["source"] == paths[2] and hits[0]["distance"] == 0.0
    assert "score" not in hits[0]  # a distance, lower is better: named as such
    assert [h["rank"] for h in hits] == [1, 2, 3, 4]
    code = run_cli(["search", str(tmp_path / "none.jsonl"), "--color", "#000000"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("palettekit: error:") and err.count("\n") == 1
    assert run_cli(["search", str(out), "--color", "not-a-color"]) == 2  # a bad argument
    err = capsys.readouterr().err
    assert err.startswith("palettekit: error: argument --color: not a color: 'not-a-color'")
    assert "CSS color name" in err and err.count("\n") == 1
    # CSS names, as palettekit prints them, in any case; the same ranking as their hex code
    assert run_cli(["search", str(out), "--color", "Gray", "--json"]) == 0
    by_name = json.loads(capsys.readouterr().out)
    assert run_cli(["search", str(out), "--color", "#808080", "--json"]) == 0
    assert by_name == json.loads(capsys.readouterr().out)
