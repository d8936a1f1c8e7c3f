"""Hand-built palettes and the golden-file check, for the output tests.

The sample palette is written out literally (Oklab values and survey names
included), so golden files depend on the exporters only, never on
clustering, color conversion or naming.

Golden files live in tests/golden/. Updating them is a deliberate act: run
``PALETTEKIT_UPDATE_GOLDEN=1 python -m pytest tests/test_export.py`` and
review the diff. Without that variable a missing or different golden fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from palettekit import Palette, Swatch

__all__ = [
    "GOLDEN_DIR",
    "check_golden",
    "check_golden_image",
    "sample_palette",
    "SAMPLE_COUNTS",
    "swatch",
]

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_ENV = "PALETTEKIT_UPDATE_GOLDEN"

# (rgb, pixel count, Oklab rounded to 6 decimals, survey name as extract() gives it)
_SAMPLE = [
    ((43, 58, 79), 5000, (0.344855, -0.009551, -0.040919), "dark blue grey"),
    ((216, 200, 160), 2500, (0.835945, 0.001171, 0.056128), "very light brown"),
    ((190, 30, 45), 1500, (0.517795, 0.17646, 0.076331), "lipstick red"),
    ((255, 255, 255), 900, (1.0, 0.0, 0.0), "white"),
    ((0, 0, 0), 99, (0.0, 0.0, 0.0), "black"),
    ((12, 200, 99), 1, (0.729365, -0.169924, 0.094239), "algae green"),
]
SAMPLE_COUNTS = [count for _, count, _, _ in _SAMPLE]


def swatch(
    rgb: tuple[int, int, int],
    share: float,
    count: int = 0,
    oklab: tuple[float, float, float] = (0.5, 0.0, 0.0),
    name: str = "gray",
) -> Swatch:
    return Swatch(rgb=rgb, share=share, count=count, oklab=oklab, name=name)


def sample_palette(timings: dict[str, float] | None = None) -> Palette:
    """Six colors, shares from 50% down to one pixel in 10,000, with a
    non-ASCII source name and meta as extract() would give it."""
    total = sum(SAMPLE_COUNTS)
    swatches = [
        Swatch(rgb=rgb, share=count / total, count=count, oklab=oklab, name=name)
        for rgb, count, oklab, name in _SAMPLE
    ]
    meta = {
        "source": "photos/café terrace.jpg",
        "format": "JPEG",
        "original_size": [1024, 768],
        "working_size": [100, 100],
        "pixels": total,
        "opaque_pixels": total,
        "transparent_share": 0.0,
        "k": 6,
        "k_returned": 6,
        "seed": 0,
        "space": "oklab",
        "distortion": 1.2345,
        "warnings": [],
        "options": {"k": 6, "space": "oklab", "sort": "share", "seed": 0, "composite_on": None},
        "version": "0.0.0-test",
        "timings": timings if timings is not None else {"load": 1.5, "cluster": 12.25},
    }
    return Palette(swatches, meta)


def check_golden(name: str, content: str | bytes) -> None:
    """Compare ``content`` with tests/golden/<name>, byte for byte.

    With PALETTEKIT_UPDATE_GOLDEN=1 the file is (re)written instead and the
    test is skipped, so an update never passes silently.
    """
    path = GOLDEN_DIR / name
    data = content.encode("utf-8") if isinstance(content, str) else content
    if os.environ.get(UPDATE_ENV) == "1":
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_bytes(data)
        pytest.skip(f"golden file {name} written; review the diff")
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with {UPDATE_ENV}=1")
    expected = path.read_bytes()
    if isinstance(content, str):
        assert content == expected.decode("utf-8"), f"output differs from golden {name}"
    else:
        assert data == expected, f"output differs from golden {name}"


def check_golden_image(name: str, image: Image.Image) -> None:
    """Compare an image with the PNG tests/golden/<name> pixel by pixel (PNG
    bytes may differ between zlib versions; pixels may not)."""
    path = GOLDEN_DIR / name
    if os.environ.get(UPDATE_ENV) == "1":
        GOLDEN_DIR.mkdir(exist_ok=True)
        image.save(path, format="PNG")
        pytest.skip(f"golden image {name} written; review it")
    if not path.exists():
        pytest.fail(f"golden image {path} is missing; create it with {UPDATE_ENV}=1")
    with Image.open(path) as golden:
        expected = np.asarray(golden.convert(image.mode))
    got = np.asarray(image)
    assert got.shape == expected.shape, f"size differs from golden {name}"
    differing = (
        int(np.any(got != expected, axis=-1).sum())
        if got.ndim == 3
        else int((got != expected).sum())
    )
    assert differing == 0, f"{differing} pixels differ from golden {name}"
