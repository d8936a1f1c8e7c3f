"""palettekit.batch.expand: folders, patterns and list files expanded to sources, lazily."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from batch_helpers import write_images
from palettekit.batch import ExpansionReport, ListFileError, expand_sources


def test_directory_walk_is_recursive_sorted_and_images_only(tmp_path: Path) -> None:
    write_images(tmp_path / "b", 2)
    write_images(tmp_path, 1, prefix="a")
    write_images(tmp_path / "b" / "c", 1, prefix="z")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / ".hidden.png").write_bytes(b"x")
    (tmp_path / "B.JPG").write_bytes(b"x")  # suffix match is case-insensitive
    found = [os.path.relpath(p, tmp_path) for p in expand_sources([str(tmp_path)])]
    assert found == ["B.JPG", "a0000.png", "b/c/z0000.png", "b/img0000.png", "b/img0001.png"]


def test_glob_patterns_stream_in_sorted_order(tmp_path: Path) -> None:
    write_images(tmp_path / "x", 3)
    write_images(tmp_path / "x" / "deep", 2, prefix="d")
    pattern = str(tmp_path / "x" / "img000[02].png")
    assert [Path(p).name for p in expand_sources([pattern])] == ["img0000.png", "img0002.png"]
    recursive = [
        os.path.relpath(p, tmp_path) for p in expand_sources([str(tmp_path / "**" / "d*.png")])
    ]
    assert recursive == ["x/deep/d0000.png", "x/deep/d0001.png"]


def test_list_files_skip_blank_lines_comments_and_duplicates(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("a.png\n\n   \n# a comment\nhttps://example.com/x.jpg\na.png\r\nb.png\n")
    report = ExpansionReport()
    found = list(expand_sources([f"@{listing}", "b.png", "c.png"], report))
    assert found == ["a.png", "https://example.com/x.jpg", "b.png", "c.png"]
    assert report.duplicates == 2
    assert report.blank_lines == 2
    assert "skipped 2 duplicate source(s)" in report.notes()


def test_standard_input_list() -> None:
    found = list(expand_sources(["-"], stdin=io.StringIO("one.png\ntwo.png\n\n")))
    assert found == ["one.png", "two.png"]


def test_missing_list_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ListFileError, match="cannot read list file"):
        list(expand_sources([f"@{tmp_path / 'nope.txt'}"]))


def test_empty_directory_and_unmatched_pattern_are_reported(tmp_path: Path) -> None:
    report = ExpansionReport()
    assert list(expand_sources([str(tmp_path), str(tmp_path / "*.png")], report)) == []
    assert report.empty_specs == [str(tmp_path), str(tmp_path / "*.png")]


def test_expansion_is_lazy() -> None:
    def endless():
        i = 0
        while True:
            yield f"src{i}.png"
            i += 1

    stream = expand_sources(endless())
    assert [next(stream) for _ in range(3)] == ["src0.png", "src1.png", "src2.png"]
