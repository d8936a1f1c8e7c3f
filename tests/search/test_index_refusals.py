"""palettekit.search.index under attack: a crafted or damaged index is refused
in one line or built again, never loaded unbounded or trusted blindly, and a
run killed while saving leaves nothing behind for ever (issue 20 §5-§7)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from batch_helpers import block_image, write_images
from palettekit.batch import write_results
from palettekit.errors import ResultsFileError
from palettekit.options import Options
from palettekit.search import index as index_module
from palettekit.search.index import (
    ColorIndex,
    build_index,
    default_index_path,
    open_index,
    search_colors,
    search_like,
)

FAST = Options(k=3, n_init=2)


@pytest.fixture
def results(tmp_path: Path) -> Path:
    paths = write_images(tmp_path / "img", 4)
    out = tmp_path / "r.jsonl"
    write_results(paths, out, FAST, workers=0)
    return out


def _built(results: Path) -> Path:
    open_index(results)
    return Path(default_index_path(results))


def _notes() -> tuple[list[str], object]:
    said: list[str] = []
    return said, said.append


# --- the on-disk form ----------------------------------------------------------------------


def test_the_index_is_a_folder_of_npy_files_memory_mapped(results: Path) -> None:
    folder = _built(results)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{name}.npy" for name in index_module._MEMBERS] + ["meta.json"]
    )
    loaded = ColorIndex.load(folder)
    assert isinstance(loaded.lab, np.memmap) and len(loaded) == 4
    assert open_index(folder).meta == loaded.meta  # the folder itself may be searched


def test_an_old_npz_index_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    old = tmp_path / "r.jsonl.index.npz"
    np.savez(old, lab=np.zeros((3, 1, 1), np.float32))
    with pytest.raises(ResultsFileError, match="old .npz form") as info:
        open_index(old)
    assert "\n" not in str(info.value)


def test_a_file_where_the_index_folder_goes_is_a_clear_error(results: Path) -> None:
    Path(default_index_path(results)).write_bytes(b"not a folder")
    with pytest.raises(ResultsFileError, match="not a search index folder"):
        open_index(results)


# --- killed while saving --------------------------------------------------------------------


def test_a_save_that_fails_midway_leaves_no_temporary_file(
    results: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _built(results)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    calls = []
    real_save = np.save

    def failing_save(stream, array, **kw):
        calls.append(1)
        real_save(stream, array, **kw)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as a Ctrl-C or kill would, mid-save

    monkeypatch.setattr(index_module.np, "save", failing_save)
    with pytest.raises(KeyboardInterrupt):
        open_index(results, rebuild=True)
    assert {p.name for p in folder.iterdir()} == set(before)  # no temporary left
    monkeypatch.undo()
    assert len(open_index(results)) == 4


def test_temporary_files_a_killed_run_left_are_removed_by_the_next_save(results: Path) -> None:
    folder = _built(results)
    old = time.time() - 4000
    leftovers = [
        folder / ".lab.npy.0123456789abcdef.tmp",  # of the folder form: unlocked, stale
        results.parent / ".palettekit-index-k1ll3d.npz",  # of the old .npz form
    ]
    for path in leftovers:
        path.write_bytes(b"\0" * 1000)
        os.utime(path, (old, old))
    mine = results.parent / ".palettekit-index-notes.txt"
    mine.write_text("not ours")
    open_index(results, rebuild=True)
    assert not any(path.exists() for path in leftovers)
    assert mine.exists()


# --- crafted indexes: refused or built again -----------------------------------------------


def _damage(folder: Path, how: str) -> None:
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text())
    if how == "meta-list":
        meta_path.write_text("[1, 2, 3]")
    elif how == "meta-deep":
        meta_path.write_text("[" * 20_000 + "]" * 20_000)
    elif how == "meta-huge":
        meta_path.write_text(json.dumps(dict(meta, pad="x" * 100_000)))
    elif how == "meta-sizes":
        meta_path.write_text(json.dumps(dict(meta, rows="4")))
    elif how == "lab-2d":
        np.save(folder / "lab.npy", np.zeros((3, meta["swatches"] * meta["rows"]), np.float32))
    elif how == "short-record-index":
        np.save(folder / "record_index.npy", np.arange(meta["rows"] - 1, dtype=np.int64))
    elif how == "object-array":
        np.save(folder / "rgb.npy", np.empty(3, object), allow_pickle=True)
    elif how == "cut-short":
        data = (folder / "shares.npy").read_bytes()
        (folder / "shares.npy").write_bytes(data[:-8])
    elif how == "ends-past-blob":
        ends = np.load(folder / "source_ends.npy")
        ends[-1] += 5
        np.save(folder / "source_ends.npy", ends)


DAMAGES = [
    "meta-list",
    "meta-deep",
    "meta-huge",
    "meta-sizes",
    "lab-2d",
    "short-record-index",
    "object-array",
    "cut-short",
    "ends-past-blob",
]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_index_folder_is_a_one_line_refusal(results: Path, how: str) -> None:
    folder = _built(results)
    _damage(folder, how)
    with pytest.raises(ResultsFileError) as info:
        open_index(folder)
    assert "\n" not in str(info.value) and "rebuild" in str(info.value)


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_default_index_is_built_again(results: Path, how: str) -> None:
    folder = _built(results)
    _damage(folder, how)
    said, log = _notes()
    index = open_index(results, log=log)
    assert len(index) == 4 and index.record_index.tolist() == [0, 1, 2, 3]
    assert any("building it again" in line for line in said), said
    assert len(ColorIndex.load(folder)) == 4  # saved whole again


def test_staleness_is_checked_before_any_array_is_opened(
    results: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _built(results)
    with results.open("ab") as handle:  # the results change: the index is stale
        handle.write(b"")
    os.utime(results, ns=(0, 0))

    def no_arrays(*args):
        raise AssertionError("a stale index's arrays were opened")

    monkeypatch.setattr(index_module, "_load_member", no_arrays)
    monkeypatch.setattr(index_module, "build_index", lambda *a: build_index([]))
    assert len(open_index(results)) == 0
    assert folder.is_dir()


def test_an_index_copied_from_another_results_file_is_not_trusted(
    results: Path, tmp_path: Path
) -> None:
    folder = _built(results)
    other = tmp_path / "other.jsonl"
    shutil.copy2(results, other)  # same size and time, another file
    shutil.copytree(folder, default_index_path(other))
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["results_stamp"][:2] == index_module.results_stamp(other)[:2]
    said, log = _notes()
    open_index(other, log=log)
    assert any("building the search index" in line for line in said)


@pytest.mark.parametrize("value", [np.nan, np.inf, 5.0, -1.0])
def test_shares_or_colors_out_of_range_are_refused_not_ranked(value: float) -> None:
    index = build_index(
        [
            {
                "index": i,
                "source": f"{i}.png",
                "ok": True,
                "k": 1,
                "colors": [{"hex": "#ff0000", "rgb": [255, 0, 0], "share": 1.0, "name": "red"}],
            }
            for i in range(3)
        ]
    )
    shares = np.array(index.shares)
    shares[0, 1] = value
    crafted = ColorIndex(
        index.lab, shares, index.rgb, index.record_index, index.source_blob, index.source_ends, {}
    )
    with pytest.raises(ResultsFileError, match="not numbers in range"):
        search_colors(crafted, ["#ff0000"])
    lab = np.array(index.lab)
    lab[0, 0, 2] = np.nan
    crafted = ColorIndex(
        lab, index.shares, index.rgb, index.record_index, index.source_blob, index.source_ends, {}
    )
    with pytest.raises(ResultsFileError, match="not numbers in range"):
        search_like(crafted, [[0.6, 0.2, 0.1]], [1.0])


# --- §7: names are shown escaped --------------------------------------------------------------


def test_cli_search_escapes_terminal_controls_in_source_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    from batch_helpers import run_cli

    folder = tmp_path / "img"
    folder.mkdir()
    evil = folder / "\x1b[2J\x1b[31mred.png"
    Image.fromarray(block_image(3)).save(evil, "PNG")
    out = tmp_path / "r.jsonl"
    write_results([str(evil)], out, FAST, workers=0)
    capsys.readouterr()
    assert run_cli(["search", str(out), "--color", "red"]) == 0
    shown = capsys.readouterr().out
    assert "\x1b" not in shown
    assert "\\x1b[2J\\x1b[31mred.png" in shown
    assert run_cli(["search", str(out), "--color", "red", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["source"] == str(evil)  # the JSON keeps the name exactly
