"""extract_merged: one palette for a set of images, from their summed color histograms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import palettekit
from batch_helpers import CORPUS, block_image, write_images
from palettekit.errors import ImageNotFoundError, OptionsError
from palettekit.histogram import color_histogram, merge_histograms
from palettekit.pipeline import extract_merged


def test_merge_of_one_image_is_its_palette(tmp_path: Path) -> None:
    path = write_images(tmp_path, 1)[0]
    merged = extract_merged([path], k=4)
    single = palettekit.extract(path, k=4)
    assert merged == single
    assert merged.meta["distortion"] == single.meta["distortion"]
    assert merged.meta["images"] == 1 and merged.meta["sources"] == (path,)


def test_merge_equals_extract_of_the_images_side_by_side() -> None:
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (30, 20, 3), dtype=np.uint8)
    b = block_image(5, width=50, height=30)
    merged = extract_merged([a, b], k=5)
    joined = palettekit.extract(np.concatenate([a, b], axis=1), k=5)
    assert merged.hex == joined.hex
    assert merged.shares == joined.shares
    assert merged.meta["pixels"] == 30 * 70


def test_shares_count_pixels_not_images() -> None:
    red = np.zeros((10, 10, 3), np.uint8)
    red[...] = (255, 0, 0)
    blue = np.zeros((10, 30, 3), np.uint8)
    blue[...] = (0, 0, 255)
    merged = extract_merged([red, blue], k=2)
    assert merged.hex == ["#0000ff", "#ff0000"]
    assert merged.shares == [0.75, 0.25]  # averaging the two palettes would give 50/50


def test_few_colors_overall_are_kept_exactly() -> None:
    # Two near colors fall in one 5-bit bin; with few bins overall extract counts
    # exact colors, and so does the merge.
    one = np.zeros((4, 4, 3), np.uint8)
    one[...] = (200, 10, 10)
    two = np.zeros((4, 4, 3), np.uint8)
    two[...] = (201, 11, 12)
    merged = extract_merged([one, two], k=2)
    assert sorted(merged.hex) == ["#c80a0a", "#c90b0c"]


def test_merge_histograms_sums_counts_and_weights_means() -> None:
    rng = np.random.default_rng(0)
    p = rng.integers(0, 256, (500, 3), dtype=np.uint8)
    q = rng.integers(0, 256, (300, 3), dtype=np.uint8)
    merged = merge_histograms([color_histogram(p, 4), color_histogram(q, 4)])
    direct = color_histogram(np.concatenate([p, q]), 4)
    np.testing.assert_array_equal(merged.counts, direct.counts)
    np.testing.assert_allclose(merged.colors, direct.colors, rtol=1e-12)


def test_errors_name_the_bad_image(tmp_path: Path) -> None:
    good = write_images(tmp_path, 1)[0]
    with pytest.raises(ImageNotFoundError, match="missing.png"):
        extract_merged([good, str(tmp_path / "missing.png")])
    with pytest.raises(OptionsError):
        extract_merged([])


@pytest.mark.skipif(not (CORPUS / "cq100").is_dir(), reason="corpus absent")
def test_merge_of_corpus_images_matches_joined_pixels() -> None:
    from palettekit.load import load_image
    from palettekit.options import Options

    paths = sorted((CORPUS / "cq100").glob("*.png"))[:2]
    merged = extract_merged(paths, k=6)
    arrays = [load_image(p, Options()).to_array().reshape(-1, 1, 3) for p in paths]
    joined = palettekit.extract(np.concatenate(arrays), k=6, max_pixels=None)  # already reduced
    assert merged.hex == joined.hex
    assert merged.meta["images"] == 2


def test_cli_extract_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from palettekit.cli import main

    paths = write_images(tmp_path, 3)
    assert main(["extract", "--merge", *paths, "-k", "4", "--format", "json"]) == 0
    data = __import__("json").loads(capsys.readouterr().out)
    expected = extract_merged(paths, k=4)
    assert [c["hex"] for c in data["colors"]] == expected.hex
    assert data["meta"]["images"] == 3
    out = tmp_path / "merged.gpl"
    assert main(["extract", "--merge", *paths, "-k", "4", "-o", str(out)]) == 0
    assert out.read_text().count("\n") > 4
    assert main(["extract", "--merge", paths[0], str(tmp_path / "nope.png")]) == 1
    assert "nope.png" in capsys.readouterr().err
    assert main(["extract", "--merge", *paths, "--figure", str(tmp_path / "f.png")]) == 2


def _halves() -> np.ndarray:
    image = np.zeros((40, 100, 3), np.uint8)
    image[:, :50] = (230, 20, 20)
    image[:, 50:] = (20, 20, 230)
    return image


def test_merge_honours_the_crop() -> None:
    image = _halves()
    merged = extract_merged([image, image], k=1, crop=(0, 0, 50, 40))
    assert list(merged.hex) == ["#e61414"]
    assert merged.meta["pixels"] == 2 * 50 * 40
    assert tuple(merged.meta["options"]["crop"]) == (0, 0, 50, 40)
    single = palettekit.extract(image, k=1, crop=(0, 0, 50, 40))
    assert merged.hex == single.hex and merged.shares == single.shares


def test_cli_merge_honours_the_crop(tmp_path: Path) -> None:
    from PIL import Image

    from palettekit.cli import main

    paths = []
    for name in ("a.png", "b.png"):
        Image.fromarray(_halves()).save(tmp_path / name)
        paths.append(str(tmp_path / name))
    out = tmp_path / "merged.hex"
    assert main([*paths, "--merge", "--crop", "0,0,50,100", "-k", "2", "-o", str(out)]) == 0
    assert out.read_text().split() == ["#e61414"]
