"""palettekit.cli.batch: ``palettekit batch``, its exit codes, summary and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch_helpers import run_cli, write_images


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
