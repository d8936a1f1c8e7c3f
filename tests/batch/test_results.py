"""palettekit.batch.results: one source's outcome, its record, and results in input order."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import palettekit
from batch_helpers import write_images
from palettekit import pipeline
from palettekit.batch.results import (
    BatchResult,
    ResultOrderer,
    default_workers,
    extract_one,
    source_file_bytes,
)
from palettekit.options import Options

FAST = Options(k=3, n_init=2)
RECORD_KEYS = [
    "index",
    "source",
    "ok",
    "width",
    "height",
    "bytes",
    "k",
    "k_returned",
    "colors",
    "distortion",
    "warnings",
    "seconds",
    "error_type",
    "error",
    "source_bytes",
]


def test_orderer_releases_results_in_submission_order() -> None:
    orderer = ResultOrderer(ordered=True)
    for i in (0, 1, 5):
        orderer.submit(i)
    result = lambda i: BatchResult(i, str(i), None)  # noqa: E731
    assert orderer.done(result(5)) == []
    assert orderer.done(result(1)) == []
    assert orderer.held == 2
    assert [r.index for r in orderer.done(result(0))] == [0, 1, 5]
    assert orderer.held == 0


def test_an_unordered_orderer_hands_each_result_back_at_once() -> None:
    orderer = ResultOrderer(ordered=False)
    for i in (0, 1, 2):
        orderer.submit(i)
    assert [r.index for r in orderer.done(BatchResult(2, "c", None))] == [2]
    assert orderer.held == 0


def test_a_successful_result_is_the_extract_and_its_record(tmp_path: Path) -> None:
    [path] = write_images(tmp_path, 1)
    result = extract_one(7, path, FAST)
    expected = palettekit.extract(path, options=FAST).to_dict()
    assert result.ok and (result.index, result.source) == (7, path)
    assert result.palette == expected
    assert result.error_type is None and result.error is None
    assert result.file_bytes == os.path.getsize(path)
    assert result.seconds >= 0
    record = result.to_record()
    assert list(record) == RECORD_KEYS
    assert record["ok"] is True
    assert [record["width"], record["height"]] == expected["meta"]["original_size"] == [48, 32]
    assert record["colors"] == expected["colors"]
    assert (record["k"], record["k_returned"]) == (3, len(expected["colors"]))
    assert record["distortion"] == expected["meta"]["distortion"]
    assert record["bytes"] == os.path.getsize(path)


def test_a_failed_source_is_a_result_with_the_error_and_the_same_record_keys(
    tmp_path: Path,
) -> None:
    missing = str(tmp_path / "missing.png")
    result = extract_one(0, missing, FAST)
    assert not result.ok and result.palette is None
    assert result.error_type == "ImageNotFoundError"
    assert result.error == f"{missing}: no such file"
    assert result.file_bytes is None
    record = result.to_record()
    assert list(record) == RECORD_KEYS
    assert record["ok"] is False
    assert record["colors"] is None and record["warnings"] is None
    assert (record["width"], record["height"], record["k"]) == (None, None, None)
    assert (record["error_type"], record["error"]) == ("ImageNotFoundError", result.error)


def test_a_corrupt_file_keeps_its_size_and_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad\nname.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    result = extract_one(0, str(bad), FAST)
    assert not result.ok
    assert result.error_type in ("UnsupportedImageError", "ImageLoadError")
    assert "\n" not in result.error
    assert result.file_bytes == 58


def test_warnings_are_recorded_in_the_meta_never_emitted(tmp_path: Path) -> None:
    path = tmp_path / "two.png"
    pixels = np.zeros((8, 8, 3), np.uint8)
    pixels[:, 4:] = 255
    Image.fromarray(pixels).save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail the test
        result = extract_one(0, str(path), Options(k=5))
    assert result.ok
    record = result.to_record()
    assert record["k_returned"] == 2
    assert record["warnings"] == [f"{path}: only 2 distinct colors (asked for k=5)"]


def test_any_exception_becomes_a_result_and_memory_errors_are_named(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("first line\nsecond line")

    monkeypatch.setattr(pipeline, "extract", broken)
    result = extract_one(3, "https://example.com/a.png", FAST)
    assert (result.error_type, result.error) == ("RuntimeError", "first line second line")
    assert result.file_bytes is None  # a URL has no file size

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pipeline, "extract", exhausted)
    result = extract_one(4, "a.png", FAST)
    assert (result.index, result.ok) == (4, False)
    assert (result.error_type, result.error) == ("MemoryError", "out of memory")

    def empty_message(*args, **kwargs):
        raise ValueError

    monkeypatch.setattr(pipeline, "extract", empty_message)
    assert extract_one(5, "a.png", FAST).error == "ValueError"


def test_source_file_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"12345")
    assert source_file_bytes(str(path)) == 5
    assert source_file_bytes(str(tmp_path / "missing")) is None
    assert source_file_bytes("https://example.com/a.png") is None
    assert source_file_bytes("bad\x00name") is None


def test_default_workers_is_the_cores_this_process_may_use() -> None:
    workers = default_workers()
    assert 1 <= workers <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert workers == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("seconds", [0.0, 1.23456789])
def test_seconds_are_rounded_to_microseconds_in_the_record(seconds: float) -> None:
    assert BatchResult(0, "a", None, seconds=seconds).to_record()["seconds"] == round(seconds, 6)
