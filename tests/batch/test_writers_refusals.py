"""palettekit.batch.writers under attack: files a user keeps are never changed by
mistake, names that are not UTF-8 are recorded losslessly, and crafted results
files are refused in bounded memory with a one-line error (issue 20 §5, §6)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from batch_helpers import block_image, run_cli, write_images
from palettekit.batch import ResultsFileError, read_records, write_results
from palettekit.batch.lock import OutputLock
from palettekit.batch.results import record_source
from palettekit.batch.writers import CSV_COLUMNS, MAX_RECORD_BYTES
from palettekit.options import Options

FAST = Options(k=3, n_init=2)
HEADER = ",".join(CSV_COLUMNS) + "\r\n"


# --- one lock per real file ---------------------------------------------------------------


def test_a_symlinked_name_has_the_same_lock(tmp_path: Path) -> None:
    real = tmp_path / "results.jsonl"
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    (tmp_path / "folder-link").symlink_to(tmp_path)
    held = OutputLock.acquire(str(real))
    try:
        for name in (
            link,
            tmp_path / "folder-link" / "results.jsonl",
            tmp_path / "x/../results.jsonl",
        ):
            with pytest.raises(ResultsFileError, match="is being written by"):
                OutputLock.acquire(str(name))
    finally:
        held.release()
    OutputLock.acquire(str(link)).release()


def test_a_run_through_a_symlink_is_refused_while_the_real_file_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = write_images(tmp_path / "img", 1)
    real = tmp_path / "results.jsonl"
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    held = OutputLock.acquire(str(real))
    try:
        code = run_cli(["batch", *images, "-o", str(link), "--workers", "0", "--progress", "none"])
    finally:
        held.release()
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and "is being written by" in err
    assert not real.exists()


# --- resume cuts only a torn record of ours --------------------------------------------


def _resume(path: Path, images: list[str]) -> None:
    write_results(images, path, FAST, workers=0, resume=True)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.jsonl", b'{"index": "notes", "keep": "me"}\n'),
        ("spaced.jsonl", b'{"index": 3, "source": "mine.png", "ok": true}'),
        ("compact-other.jsonl", b'{"index":3,"keep":"me"}'),
        ("whole-other.jsonl", b'{"index":3,"source":"x"}'),
        ("index-and-source.jsonl", b'{"index":0,"source":"a.png"}\n{"index":1,"source":"b.png"}\n'),
        ("blank-line.jsonl", b"\n"),
        ("row.csv", (HEADER + "5,mine\r\n").encode()),
        ("row-no-ok.csv", (HEADER + "5,mine,maybe").encode()),
    ],
)
def test_resume_refuses_what_palettekit_did_not_write_and_leaves_it_byte_identical(
    tmp_path: Path, name: str, content: bytes
) -> None:
    images = write_images(tmp_path / "img", 1)
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ResultsFileError) as info:
        _resume(path, images)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == content


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_complete_foreign_line_after_good_records_is_never_cut(
    tmp_path: Path, suffix: str
) -> None:
    images = write_images(tmp_path / "img", 2)
    path = tmp_path / f"r{suffix}"
    write_results(images[:1], path, FAST, workers=0)
    content = path.read_bytes() + (b"5,mine\r\n" if suffix == ".csv" else b'{"index":5}\n')
    path.write_bytes(content)
    with pytest.raises(ResultsFileError):
        _resume(path, images)
    assert path.read_bytes() == content


def test_a_whole_record_of_ours_without_its_newline_is_cut_and_done_again(tmp_path: Path) -> None:
    images = write_images(tmp_path / "img", 2)
    path = tmp_path / "r.jsonl"
    write_results(images[:2], path, FAST, workers=0)
    path.write_bytes(path.read_bytes()[:-1])
    summary = write_results(images, path, FAST, workers=0, resume=True)
    assert (summary.resumed_ok, summary.ok, summary.repaired_bytes > 0) == (1, 1, True)
    assert sorted(r["index"] for r in read_records(path)) == [0, 1]


# --- names that are not UTF-8 -------------------------------------------------------------


@pytest.mark.skipif(os.name == "nt", reason="Windows file names are Unicode")
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_a_name_that_is_not_utf8_is_recorded_losslessly_and_resumed(
    tmp_path: Path, suffix: str
) -> None:
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    folder = tmp_path / "img"
    folder.mkdir()
    raw_name = os.path.join(os.fsencode(folder), b"caf\xe9 \xff.png")
    try:
        with open(raw_name, "wb") as handle:
            Image.fromarray(block_image(1)).save(handle, "PNG")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    plain = write_images(folder, 1)
    sources = sorted([os.fsdecode(raw_name), *plain])
    out = tmp_path / f"r{suffix}"
    first = write_results(sources, out, FAST, workers=0)
    assert (first.ok, first.failed) == (2, 0)
    if suffix != ".parquet":
        out.read_bytes().decode("utf-8")  # valid UTF-8 throughout
    records = {record_source(r): r for r in read_records(out)}
    assert set(records) == set(sources)
    odd = records[os.fsdecode(raw_name)]
    assert odd["source"].endswith("caf\\xe9 \\xff.png")
    assert bytes.fromhex(odd["source_bytes"]) == raw_name
    assert records[plain[0]]["source_bytes"] is None
    again = write_results(sources, out, FAST, workers=0, resume=True)
    assert (again.resumed_ok, again.ok, again.failed) == (2, 0, 0)


# --- crafted results files: bounded, one line --------------------------------------------


def _full_record(**changes: object) -> bytes:
    record = {
        "index": 0,
        "source": "a.png",
        "ok": True,
        "width": 1,
        "height": 1,
        "bytes": 1,
        "k": 1,
        "k_returned": 1,
        "colors": [],
        "distortion": 0.0,
        "warnings": [],
        "seconds": 0.0,
        "error_type": None,
        "error": None,
        "source_bytes": None,
    }
    record.update(changes)
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(_full_record(source=5), id="int-source"),
        pytest.param(_full_record(source=None), id="null-source"),
        pytest.param(_full_record(ok="yes"), id="text-ok"),
        pytest.param(_full_record(source_bytes="zz"), id="bad-bytes"),
        pytest.param(
            b'{"index":0,"source":"a.png","ok":true,"x":' + b"[" * 200_000 + b"\n", id="deep"
        ),
        pytest.param(
            b'{"index":0,"source":"' + b"a" * (MAX_RECORD_BYTES + 10) + b'"}\n', id="long"
        ),
    ],
)
def test_a_crafted_jsonl_line_is_a_one_line_refusal(tmp_path: Path, line: bytes) -> None:
    images = write_images(tmp_path / "img", 1)
    path = tmp_path / "r.jsonl"
    content = line + _full_record(index=1, source="b.png")
    path.write_bytes(content)
    with pytest.raises(ResultsFileError) as info:
        _resume(path, images)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == content
    with pytest.raises(ResultsFileError):
        list(read_records(path))


def test_a_good_record_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(_full_record() + _full_record(index=1, source="b.png"))
    assert [r["source"] for r in read_records(path)] == ["a.png", "b.png"]


def test_a_parquet_part_claiming_millions_of_rows_in_a_few_bytes_is_refused(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    images = write_images(tmp_path / "img", 1)
    out = tmp_path / "r.parquet"
    out.mkdir()
    rows = 2_000_000  # the attack had 30 M in 230 KB: 24 s and 3.7 GB
    zeros = np.zeros(rows, np.int64)
    table = pa.table(
        {
            "index": pa.array(zeros),
            "source": pa.array(["a.png"], pa.string()).take(pa.array(zeros)),
            "ok": pa.array(np.ones(rows, bool)),
        }
    )
    pq.write_table(table, out / "part-000000.parquet", compression="zstd")
    assert (out / "part-000000.parquet").stat().st_size < rows
    before = (out / "part-000000.parquet").read_bytes()
    with pytest.raises(ResultsFileError, match="claims 2,000,000 rows"):
        _resume(out, images)
    assert (out / "part-000000.parquet").read_bytes() == before
    with pytest.raises(ResultsFileError, match="claims 2,000,000 rows"):
        list(read_records(out))  # the search index reads them so


@pytest.mark.parametrize("source", [[5, 6], [None, None]], ids=["int", "null"])
def test_a_parquet_part_with_a_source_that_is_not_text_is_refused(tmp_path: Path, source) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    images = write_images(tmp_path / "img", 1)
    out = tmp_path / "r.parquet"
    out.mkdir()
    kind = pa.int64() if source[0] is not None else pa.string()
    table = pa.table({"source": pa.array(source, kind), "ok": pa.array([True, True])})
    pq.write_table(table, out / "part-000000.parquet")
    with pytest.raises(ResultsFileError, match="not a palettekit results part"):
        _resume(out, images)
