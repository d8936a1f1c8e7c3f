"""One image, one answer: every door into the pipeline gives the palette plain extract gives.

The doors: a crop of the whole image (in pixels and in fractions), a mask
that keeps every pixel, extract_merged of the image alone, the CLI and
batch. Checked for both kinds at a fixed k and at k="auto", on flags (flat
graphics: their own colors) and on a photo. Then: a crop or a mask is
analysed at its own resolution, not cut out of the already shrunk image.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import palettekit
from palettekit import extract, extract_merged

FLAGS_DIR = Path(__file__).parent / "data" / "flags"
CQ100 = Path("/work/shared/corpus/cq100")
FLAGS = ["ba", "br", "de", "eu", "gb", "jm", "jp", "ki", "kr", "mk", "np", "ve"]
KINDS = ["palette", "theme"]
KS: list[int | str] = [4, "auto"]


def _photo(tmp_path: Path) -> Path:
    """A photo-like PNG (smooth gradients and noise), or a CQ100 photo when present."""
    if (CQ100 / "macaws.png").is_file():
        return CQ100 / "macaws.png"
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:120, 0:160]
    image = np.stack([x * 1.5, y * 2.0, (x + y) * 0.8], axis=2) + rng.normal(0, 12, (120, 160, 3))
    path = tmp_path / "photo.png"
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(path)
    return path


def _quiet(*args, **kwargs) -> palettekit.Palette:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", palettekit.FewerColorsWarning)
        return extract(*args, **kwargs)


def _same(a: palettekit.Palette, b: palettekit.Palette) -> None:
    assert a.hex == b.hex
    assert [s.count for s in a] == [s.count for s in b]


def _doors(path: Path, kind: str, k: int | str) -> None:
    plain = _quiet(path, k=k, kind=kind)
    width, height = plain.meta["original_size"]
    _same(_quiet(path, k=k, kind=kind, crop=(0, 0, width, height)), plain)
    _same(_quiet(path, k=k, kind=kind, crop=(0.0, 0.0, 1.0, 1.0)), plain)
    _same(_quiet(path, k=k, kind=kind, mask=np.ones((height, width), bool)), plain)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", palettekit.FewerColorsWarning)
        merged = extract_merged([path], k=k, kind=kind)
    _same(merged, plain)
    for key in ("flat_graphic", "auto_k", "algorithm"):
        assert merged.meta.get(key) == plain.meta.get(key)


@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("code", FLAGS)
def test_every_door_gives_the_flags_palette(code: str, kind: str, k: int | str) -> None:
    _doors(FLAGS_DIR / f"{code}.png", kind, k)


@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_door_gives_the_photos_palette(tmp_path: Path, kind: str, k: int | str) -> None:
    _doors(_photo(tmp_path), kind, k)


def test_a_flag_is_recognised_as_flat_through_every_door() -> None:
    path = FLAGS_DIR / "jp.png"
    plain = extract(path, k="auto")
    assert plain.meta["flat_graphic"] is not None
    width, height = plain.meta["original_size"]
    cropped = extract(path, k="auto", crop=(0, 0, width // 2, height))
    assert "flat_graphic" in cropped.meta  # the left half is a flat graphic too
    theme = extract(path, k="auto", kind="theme", crop=(0.0, 0.0, 1.0, 1.0))
    assert "saliency" in theme.meta["timings"] and "flat_graphic" in theme.meta


@pytest.mark.parametrize("kind", KINDS)
def test_cli_and_batch_give_the_palette_of_extract(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from palettekit.cli import main

    paths = [FLAGS_DIR / "de.png", _photo(tmp_path)]
    expected = [extract(p, k="auto", kind=kind).hex for p in paths]
    for path, hexes in zip(paths, expected, strict=True):
        assert main(["extract", str(path), "-k", "auto", "--kind", kind, "--format", "json"]) == 0
        assert [c["hex"] for c in json.loads(capsys.readouterr().out)["colors"]] == hexes
    results = tmp_path / "results.jsonl"
    argv = ["batch", *map(str, paths), "-k", "auto", "--kind", kind, "-o", str(results)]
    assert main([*argv, "--progress", "none"]) == 0
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    by_source = {Path(row["source"]).name: row for row in rows}
    for path, hexes in zip(paths, expected, strict=True):
        row = by_source[path.name]
        colors = row["palette"]["colors"] if "palette" in row else row["colors"]
        assert [c["hex"] for c in colors] == hexes


# --- crops and masks at their own resolution -------------------------------------------


def _large(tmp_path: Path, suffix: str) -> Path:
    """A 1200x800 image of noisy quadrants, saved as PNG or JPEG."""
    rng = np.random.default_rng(7)
    image = np.zeros((800, 1200, 3), np.float64)
    image[:400, :600] = (200, 40, 40)
    image[:400, 600:] = (40, 200, 40)
    image[400:, :600] = (40, 40, 200)
    image[400:, 600:] = (220, 200, 60)
    image += rng.normal(0, 20, image.shape)
    path = tmp_path / f"large{suffix}"
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(path, quality=95)
    return path


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_small_crop_is_analysed_at_its_own_resolution(tmp_path: Path, suffix: str) -> None:
    path = _large(tmp_path, suffix)
    # max_pixels 20,000: the whole image works at 173x115; its 10% x 10% crop
    # (120x80 = 9,600 pixels) fits the budget, so every pixel of it is used.
    whole = extract(path, k=3, max_pixels=20_000)
    assert list(whole.meta["working_size"]) == [173, 115]
    crop = extract(path, k=3, max_pixels=20_000, crop=(0.45, 0.45, 0.55, 0.55))
    assert list(crop.meta["working_size"]) == [120, 80]
    assert crop.meta["opaque_pixels"] == 9_600
    assert list(crop.meta["crop"]) == [540, 360, 660, 440]
    assert list(crop.meta["original_size"]) == [1200, 800]
    # The crop straddles all four quadrants equally: four colors, a quarter each.
    four = extract(path, k=4, max_pixels=20_000, crop=(0.45, 0.45, 0.55, 0.55))
    assert sorted(round(s.share, 2) for s in four) == [0.25, 0.25, 0.25, 0.25]


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_large_crop_is_shrunk_to_max_pixels(tmp_path: Path, suffix: str) -> None:
    path = _large(tmp_path, suffix)  # a JPEG is decoded at 1/8 scale, then cropped
    crop = extract(path, k=2, max_pixels=5_000, crop=(0, 0, 600, 800))
    width, height = crop.meta["working_size"]
    assert width * height <= 5_000 and width * height > 4_500
    assert abs(width / height - 600 / 800) < 0.02
    # The left half: red above, blue below, half each.
    red, blue = sorted(crop, key=lambda s: -s.rgb[0])
    assert red.rgb[0] > 150 and blue.rgb[2] > 150
    assert abs(red.share - 0.5) < 0.02


def test_a_mask_is_applied_at_full_resolution(tmp_path: Path) -> None:
    path = _large(tmp_path, ".png")
    keep = np.zeros((800, 1200), bool)
    keep[100:200, 100:300] = True  # 20,000 pixels of the red quadrant
    palette = extract(path, k=1, max_pixels=10_000, mask=keep)
    # About max_pixels of the kept pixels are used, not max_pixels x their 2% share.
    assert 9_000 <= palette.meta["opaque_pixels"] <= 10_000
    assert palette.meta["pixels"] == palette.meta["opaque_pixels"]
    red = palette[0].rgb
    assert red[0] > 150 and red[1] < 90 and red[2] < 90


def test_a_scattered_mask_keeps_about_max_pixels(tmp_path: Path) -> None:
    path = _large(tmp_path, ".png")
    keep = np.zeros((800, 1200), bool)
    keep[::4, ::4] = True  # 60,000 pixels spread over the whole image
    palette = extract(path, k=4, max_pixels=20_000, mask=keep)
    assert 18_000 <= palette.meta["opaque_pixels"] <= 22_000  # sampled: about max_pixels


def test_crop_on_an_exif_rotated_jpeg_is_in_upright_pixels(tmp_path: Path) -> None:
    image = np.zeros((100, 200, 3), np.uint8)  # stored: left half red, right half blue
    image[:, :100] = (220, 30, 30)
    image[:, 100:] = (30, 30, 220)
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees clockwise: red on top, blue below
    path = tmp_path / "turned.jpg"
    Image.fromarray(image).save(path, exif=exif, quality=95)
    top = extract(path, k=1, crop=(0.0, 0.0, 1.0, 0.4))
    bottom = extract(path, k=1, crop=(0.0, 0.6, 1.0, 1.0))
    assert list(top.meta["original_size"]) == [100, 200]
    assert top[0].rgb[0] > 150 and bottom[0].rgb[2] > 150


def test_frames_of_flat_graphics_are_counted_as_flat_graphics(tmp_path: Path) -> None:
    first = np.zeros((60, 90, 3), np.uint8)
    first[:, :45] = (200, 20, 30)
    first[:, 45:] = (250, 250, 250)
    second = first.copy()
    second[20:40, 30:60] = (20, 60, 160)
    path = tmp_path / "anim.gif"
    frames = [Image.fromarray(a) for a in (first, second)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    palette = extract(path, k="auto", frames="all")
    assert list(palette.meta["frames"]["used"]) == [0, 1]
    assert palette.meta["algorithm"] == "flat-colors"
    assert sorted(palette.meta["flat_graphic"]["colors"]) == ["#143ca0", "#c8141e", "#fafafa"]
    assert sorted(palette.hex) == ["#143ca0", "#c8141e", "#fafafa"]
    assert sum(s.count for s in palette) == 2 * 60 * 90
