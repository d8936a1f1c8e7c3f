"""palettekit.batch.job: a run into a results file; a full disk or Ctrl-C keeps whole records."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import palettekit
from batch_helpers import CORPUS, write_images
from palettekit.batch import BatchInterrupted, ResultsFileError, read_records, write_results
from palettekit.batch import writers as writers_module
from palettekit.options import Options

FAST = Options(k=3, n_init=2)


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
