"""palettekit.batch.writers: JSON Lines, CSV and Parquet results files, read back and resumed."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

import palettekit
from batch_helpers import write_images
from palettekit.batch import ResultsFileError, read_records, write_results
from palettekit.batch import writers as writers_module
from palettekit.options import Options

FAST = Options(k=3, n_init=2)


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


def test_results_format_by_suffix_uses_the_registry_csv_suffixes_without_importing_it() -> None:
    import subprocess
    import sys

    from batch_helpers import child_env
    from palettekit.batch.writers import CSV_SUFFIXES, results_format_of
    from palettekit.formats import get_format

    assert CSV_SUFFIXES == get_format("csv").suffixes
    assert [results_format_of(p) for p in ("r.CSV", "r.jsonl", "r.parquet/", "r")] == [
        "csv",
        "jsonl",
        "parquet",
        "jsonl",
    ]
    code = (
        "import sys\n"
        "from palettekit.batch.writers import results_format_of\n"
        "results_format_of('r.csv')\n"
        "print('palettekit.formats' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=child_env(), capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
