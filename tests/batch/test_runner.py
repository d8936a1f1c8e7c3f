"""palettekit.batch.runner: parallel results equal one extract per image, in input order."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import palettekit
from batch_helpers import write_images
from palettekit.batch import iter_results
from palettekit.batch.results import BatchResult
from palettekit.options import Options

FAST = Options(k=3, n_init=2)


def _strip_time(results: list[BatchResult]) -> list[BatchResult]:
    return [dataclasses.replace(r, seconds=0.0) for r in results]


def test_pool_results_equal_one_extract_per_image_in_input_order(tmp_path: Path) -> None:
    paths = write_images(tmp_path, 10)
    bad = tmp_path / "corrupt.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    sources = paths[:4] + [str(tmp_path / "missing.png"), str(bad)] + paths[4:]
    results = list(iter_results(sources, FAST, workers=2, max_in_flight=3))
    assert [r.index for r in results] == list(range(len(sources)))
    assert [r.source for r in results] == sources
    for result, source in zip(results, sources, strict=False):
        if source.endswith(("missing.png", "corrupt.png")):
            assert not result.ok and result.palette is None
            assert result.error_type in (
                "ImageNotFoundError",
                "UnsupportedImageError",
                "ImageLoadError",
            )
            assert "\n" not in result.error
        else:
            assert result.ok
            assert result.palette == palettekit.extract(source, options=FAST).to_dict()
    in_process = list(iter_results(sources, FAST, workers=0))
    assert _strip_time(in_process) == _strip_time(results)


def test_unordered_results_hold_every_index_once(tmp_path: Path) -> None:
    paths = write_images(tmp_path, 6)
    results = list(iter_results(paths, FAST, workers=2, ordered=False))
    assert sorted(r.index for r in results) == list(range(6))
