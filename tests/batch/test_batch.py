"""Batch runs: source expansion, parallel results in input order, results files, resume."""

from __future__ import annotations

import dataclasses
import errno
import io
import json
import os
from pathlib import Path

import pytest

import palettekit
from batch_helpers import CORPUS, run_cli, write_images
from palettekit.batch import (
    BatchInterrupted,
    ExpansionReport,
    ListFileError,
    ResultsFileError,
    expand_sources,
    iter_results,
    read_records,
    write_results,
)
from palettekit.batch import writers as writers_module
from palettekit.batch.results import BatchResult, ResultOrderer
from palettekit.options import Options

FAST = Options(k=3, n_init=2)


def _strip_time(results: list[BatchResult]) -> list[BatchResult]:
    return [dataclasses.replace(r, seconds=0.0) for r in results]


# --- sources ---------------------------------------------------------------------------


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


# --- results ----------------------------------------------------------------------------


def test_orderer_releases_results_in_submission_order() -> None:
    orderer = ResultOrderer(ordered=True)
    for i in (0, 1, 5):
        orderer.submit(i)
    result = lambda i: BatchResult(i, str(i), None)  # noqa: E731
    assert orderer.done(result(5)) == []
    assert orderer.done(result(1)) == []
    assert [r.index for r in orderer.done(result(0))] == [0, 1, 5]


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


@pytest.mark.skipif(not (CORPUS / "cq100").is_dir(), reason="corpus absent")
def test_batch_equals_extract_on_corpus_images(tmp_path: Path) -> None:
    images = sorted(str(p) for p in (CORPUS / "cq100").glob("*.png"))[:3]
    photos = sorted(str(p) for p in (CORPUS / "unsplash" / "1920x1280").glob("*.jpg"))[:1]
    sources = images + photos
    out = tmp_path / "r.jsonl"
    summary = write_results(sources, out, workers=2)
    assert summary.exit_code == 0 and summary.ok == len(sources)
    records = sorted(read_records(out), key=lambda r: r["index"])
    for record, source in zip(records, sources, strict=False):
        expected = palettekit.extract(source).to_dict()
        assert record["source"] == source
        assert record["colors"] == expected["colors"]
        assert record["distortion"] == expected["meta"]["distortion"]
        assert [record["width"], record["height"]] == expected["meta"]["original_size"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_results_files_resume_without_duplicates(tmp_path: Path, suffix: str) -> None:
    paths = write_images(tmp_path / "img", 7)
    sources = paths + [str(tmp_path / "missing.png")]
    out = tmp_path / f"results{suffix}"
    first = write_results(sources[:3], out, FAST, workers=0)
    assert (first.ok, first.failed, first.exit_code) == (3, 0, 0)
    with pytest.raises(ResultsFileError, match="--resume"):
        write_results(sources, out, FAST, workers=0)
    second = write_results(sources, out, FAST, workers=0, resume=True)
    assert (second.resumed_ok, second.ok, second.failed, second.exit_code) == (3, 4, 1, 3)
    third = write_results(sources, out, FAST, workers=0, resume=True)
    assert (third.ok, third.failed, third.total_failed, third.exit_code) == (0, 0, 1, 3)
    records = list(read_records(out))
    assert sorted(r["index"] for r in records) == list(range(8))
    by_source = {r["source"]: r for r in records}
    assert by_source[sources[-1]]["error_type"] == "ImageNotFoundError"
    expected = palettekit.extract(paths[5], options=FAST).to_dict()["colors"]
    got = by_source[paths[5]]["colors"]
    assert [c["hex"] for c in got] == [c["hex"] for c in expected]
    assert [c["share"] for c in got] == [c["share"] for c in expected]


def test_csv_keeps_names_with_spaces_and_reads_old_files(tmp_path: Path) -> None:
    paths = write_images(tmp_path / "img", 2)
    out = tmp_path / "r.csv"
    write_results(paths, out, FAST, workers=0)
    for record in read_records(out):
        expected = palettekit.extract(record["source"], options=FAST).to_dict()["colors"]
        assert [c["name"] for c in record["colors"]] == [c["name"] for c in expected]
    # A survey name with a space, read back whole.
    row = writers_module._csv_row(
        {
            "index": 0,
            "source": "a.png",
            "ok": True,
            "colors": [
                {"hex": "#677a04", "share": 0.75, "name": "olive green"},
                {"hex": "#000000", "share": 0.25, "name": "black"},
            ],
        }
    )
    cells = dict(zip(writers_module.CSV_COLUMNS, map(str, row), strict=True))
    assert cells["names"] == "olive green|black"
    record = writers_module._record_from_csv(cells)
    assert [c["name"] for c in record["colors"]] == ["olive green", "black"]
    # Files written when names were single CSS words separated by spaces.
    old = cells | {"names": "olive black"}
    assert [c["name"] for c in writers_module._record_from_csv(old)["colors"]] == [
        "olive",
        "black",
    ]
    one = cells | {"hex": "#677a04", "shares": "1.0", "names": "olive green"}
    assert [c["name"] for c in writers_module._record_from_csv(one)["colors"]] == ["olive green"]


def test_jsonl_torn_last_line_is_cut_on_resume(tmp_path: Path) -> None:
    paths = write_images(tmp_path, 4)
    out = tmp_path / "r.jsonl"
    write_results(paths[:2], out, FAST, workers=0)
    data = out.read_bytes()
    out.write_bytes(data[: len(data) - 25])  # the second record loses its tail
    summary = write_results(paths, out, FAST, workers=0, resume=True)
    assert summary.repaired_bytes > 0
    assert (summary.resumed_ok, summary.ok) == (1, 3)
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert sorted(json.loads(line)["index"] for line in lines[:-1]) == [0, 1, 2, 3]


def test_jsonl_zero_filled_tail_is_cut_but_bad_middle_line_refused(tmp_path: Path) -> None:
    paths = write_images(tmp_path, 2)
    out = tmp_path / "r.jsonl"
    write_results(paths[:1], out, FAST, workers=0)
    good = out.read_bytes()
    out.write_bytes(good + b"\x00" * 40 + b"\n")  # what a power loss can leave
    assert write_results(paths, out, FAST, workers=0, resume=True).ok == 1
    assert len(list(read_records(out))) == 2
    out.write_bytes(b"not json\n" + good)
    with pytest.raises(ResultsFileError, match="line 1"):
        write_results(paths, out, FAST, workers=0, resume=True)


def test_csv_torn_tail_and_foreign_header(tmp_path: Path) -> None:
    paths = write_images(tmp_path, 3)
    out = tmp_path / "r.csv"
    write_results(paths[:2], out, FAST, workers=0)
    data = out.read_bytes()
    out.write_bytes(data[:-10])
    summary = write_results(paths, out, FAST, workers=0, resume=True)
    assert (summary.resumed_ok, summary.ok) == (1, 2)
    assert sorted(r["index"] for r in read_records(out)) == [0, 1, 2]
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ResultsFileError, match="header"):
        write_results(paths, other, FAST, workers=0, resume=True)


def test_parquet_parts_are_atomic_and_stray_temp_parts_removed(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    paths = write_images(tmp_path, 5)
    out = tmp_path / "r.parquet"
    write_results(paths[:3], out, FAST, workers=0, writer_options={"rows_per_part": 2})
    parts = sorted(p.name for p in out.iterdir())
    assert parts == ["part-000000.parquet", "part-000001.parquet"]
    (out / ".part-000002.parquet.123.tmp").write_bytes(b"half a part")
    summary = write_results(paths, out, FAST, workers=0, resume=True)
    assert (summary.resumed_ok, summary.ok) == (3, 2)
    assert not any(p.name.startswith(".") for p in out.iterdir())
    table = pq.read_table(out)
    assert sorted(table.column("index").to_pylist()) == [0, 1, 2, 3, 4]
    assert table.schema.field("colors").type.value_type.field("hex").type == "string"


def test_unwritable_output_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ResultsFileError, match="no such directory"):
        write_results(["x.png"], tmp_path / "nope" / "r.jsonl", FAST, workers=0)


def test_full_disk_keeps_complete_records_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_images(tmp_path, 4)
    out = tmp_path / "r.jsonl"
    real_write = os.write
    calls = {"n": 0}

    def failing_write(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 3:  # part of the third record reaches the disk, then ENOSPC
            real_write(fd, bytes(data)[:17])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(writers_module.os, "write", failing_write)
    with pytest.raises(ResultsFileError, match="No space left on device.*--resume"):
        write_results(paths, out, FAST, workers=0)
    monkeypatch.undo()
    assert out.read_bytes().endswith(b"\n")
    assert len(list(read_records(out))) == 2
    summary = write_results(paths, out, FAST, workers=0, resume=True)
    assert (summary.resumed_ok, summary.ok) == (2, 2)


def test_keyboard_interrupt_keeps_finished_records(tmp_path: Path) -> None:
    paths = write_images(tmp_path, 5)
    out = tmp_path / "r.jsonl"

    def sources():
        yield from paths[:2]
        raise KeyboardInterrupt

    with pytest.raises(BatchInterrupted) as stopped:
        write_results(sources(), out, FAST, workers=0)
    assert stopped.value.summary.interrupted and stopped.value.summary.ok == 2
    assert len(list(read_records(out))) == 2
    assert write_results(paths, out, FAST, workers=0, resume=True).ok == 3


# --- command line ---------------------------------------------------------------------------


def test_cli_batch_exit_codes_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "imgs"
    write_images(folder, 3)
    out = tmp_path / "r.csv"
    code = run_cli(
        ["batch", str(folder), "-o", str(out), "--workers", "0", "-k", "3", "--progress", "log"]
    )
    assert code == 0
    assert "3 ok, 0 failed" in capsys.readouterr().err
    listing = tmp_path / "list.txt"
    listing.write_text(
        f"{folder / 'img0000.png'}\n\n{tmp_path / 'missing.png'}\n{folder / 'img0000.png'}\n"
    )
    out2 = tmp_path / "r2.jsonl"
    code = run_cli(
        ["batch", f"@{listing}", "-o", str(out2), "--workers", "0", "--progress", "none"]
    )
    err = capsys.readouterr().err
    assert code == 3
    assert "1 ok, 1 failed" in err and "skipped 1 duplicate" in err
    code = run_cli(["batch", str(folder), "-o", str(out2), "--workers", "0"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("palettekit: error: ") and "--resume" in err and err.count("\n") == 1
    code = run_cli(["batch", f"@{tmp_path / 'nolist.txt'}", "-o", str(tmp_path / "r3.jsonl")])
    assert code == 1
    assert "cannot read list file" in capsys.readouterr().err


def test_cli_pattern_or_folder_naming_no_image_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    write_images(folder, 1)
    pattern = str(tmp_path / "nothing" / "*.jpg")
    out = tmp_path / "r.jsonl"
    code = run_cli(["batch", pattern, "-o", str(out), "--workers", "0", "--progress", "none"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"palettekit: error: {pattern}: no image file found" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code = run_cli(
        [
            "batch",
            str(folder),
            str(empty),
            "-o",
            str(tmp_path / "r2.jsonl"),
            "--workers",
            "0",
            "--progress",
            "none",
        ]
    )
    err = capsys.readouterr().err
    assert code == 3, err  # like a missing file among good ones
    assert "1 ok, 0 failed" in err and f"palettekit: error: {empty}: no image file found" in err


def test_cli_progress_bar_without_tqdm_names_the_extra(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm raises ImportError
    folder = tmp_path / "imgs"
    folder.mkdir()
    write_images(folder, 1)
    out = tmp_path / "r.jsonl"
    code = run_cli(["batch", str(folder), "-o", str(out), "--workers", "0", "--progress", "bar"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == (
        "palettekit: error: --progress bar needs tqdm: pip install 'palettekit[batch]'\n"
    )
    assert not out.exists()


def test_cli_bad_option_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["batch", "x.png", "-o", str(tmp_path / "r.jsonl"), "-k", "0"])
    err = capsys.readouterr().err
    assert code in (1, 2)
    assert "Traceback" not in err and "k" in err
    assert not (tmp_path / "r.jsonl").exists()


def test_parquet_part_that_cannot_be_written_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    paths = write_images(tmp_path, 3)
    out = tmp_path / "r.parquet"
    write_results(paths[:1], out, FAST, workers=0)

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", no_space)
    with pytest.raises(ResultsFileError, match="No space left on device"):
        write_results(paths, out, FAST, workers=0, resume=True)
    monkeypatch.undo()
    assert sorted(p.name for p in out.iterdir()) == ["part-000000.parquet"]
    assert write_results(paths, out, FAST, workers=0, resume=True).ok == 2
