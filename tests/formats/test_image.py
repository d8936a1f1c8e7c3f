"""palettekit.formats.image: the palette bar as PNG."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from output_samples import check_golden_image, sample_palette
from palettekit import Palette, formats
from palettekit.formats import get_format, save
from palettekit.formats.image import to_png


@pytest.fixture
def palette() -> Palette:
    return sample_palette()


def test_golden_png_bar(palette):
    data = formats.export(palette, "png")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (300, 50) and image.mode == "RGB"
        check_golden_image("sample_bar.png", image.copy())


def test_save_png_bar_options(palette, tmp_path):
    save(palette, tmp_path / "bar.png", width=120, height=10)
    with Image.open(tmp_path / "bar.png") as image:
        assert image.size == (120, 10)


def test_png_labels_change_the_bar(palette):
    assert to_png(palette, labels=True) != to_png(palette)


def test_png_entry():
    entry = get_format("png")
    assert entry.func is to_png
    assert (entry.suffixes, entry.binary, entry.media_type) == ((".png",), True, "image/png")
    assert entry.holds == "one" and entry.func_many is None
