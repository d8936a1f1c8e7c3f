"""palettekit.batch.runner: parallel results equal one extract per image, in input order."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import palettekit
from batch_helpers import child_env, write_images
from palettekit.batch import iter_results
from palettekit.batch.chunks import MAX_CHUNK
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


def test_a_long_batch_in_chunks_gives_every_source_once_in_order(tmp_path: Path) -> None:
    paths = write_images(tmp_path, 12)
    sources = [paths[i % 12] for i in range(3 * MAX_CHUNK * 2 + 5)]
    results = list(iter_results(sources, FAST, workers=2))
    assert [r.index for r in results] == list(range(len(sources)))
    in_process = list(iter_results(sources, FAST, workers=0))
    assert _strip_time(in_process) == _strip_time(results)
    limited = list(iter_results(sources, FAST, workers=2, max_in_flight=5, ordered=False))
    assert sorted(r.index for r in limited) == list(range(len(sources)))


def test_a_crash_inside_a_chunk_fails_only_its_source(tmp_path: Path, monkeypatch) -> None:
    # A sitecustomize module on the workers' path makes extract() end the
    # process for sources named "crash*"; the rest of their chunks must
    # still come back.
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import os\n"
        "import palettekit.pipeline as pipeline\n"
        "_real = pipeline.extract\n"
        "def extract(source, *args, **kwargs):\n"
        "    if os.path.basename(str(source)).startswith('crash'):\n"
        "        os._exit(70)\n"
        "    return _real(source, *args, **kwargs)\n"
        "pipeline.extract = extract\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(hooks) + os.pathsep + child_env()["PYTHONPATH"])
    paths = write_images(tmp_path / "imgs", 28)
    crash = write_images(tmp_path / "imgs", 2, prefix="crash")
    # indexes 13 and 22 fall inside chunks of 4 and 5 sources
    sources = paths[:13] + crash[:1] + paths[13:21] + crash[1:] + paths[21:]
    results = list(iter_results(sources, FAST, workers=2))
    assert [r.index for r in results] == list(range(30))
    failed = [r.index for r in results if not r.ok]
    assert failed == [13, 22]
    assert {results[i].error_type for i in failed} == {"WorkerCrashError"}


def test_pool_results_are_the_same_from_warm_and_spawned_workers(tmp_path: Path, monkeypatch):
    paths = write_images(tmp_path, 6)
    warm = list(iter_results(paths, FAST, workers=2))
    monkeypatch.setenv("PALETTEKIT_TEST_NEW_VARIABLE", "1")  # forces "spawn"
    spawned = list(iter_results(paths, FAST, workers=2))
    assert all(r.ok for r in warm)
    assert _strip_time(warm) == _strip_time(spawned)


def test_the_orphan_guard_sees_a_process_end_even_unreaped() -> None:
    import subprocess
    import time

    from palettekit.batch.runner import _gone

    assert not _gone(os.getpid())
    child = subprocess.Popen(["sleep", "30"])
    assert not _gone(child.pid)
    child.kill()
    deadline = time.monotonic() + 10
    while not _gone(child.pid) and time.monotonic() < deadline:  # a zombie until waited for
        time.sleep(0.05)
    assert _gone(child.pid)
    child.wait()
    assert _gone(child.pid)
