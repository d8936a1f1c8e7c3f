"""Helpers shared by the batch, search and merge tests: small synthetic images."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from PIL import Image

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")


def block_image(seed: int, width: int = 48, height: int = 32, blocks: int = 4) -> np.ndarray:
    """(height, width, 3) uint8: vertical stripes of random colors plus mild noise."""
    rng = np.random.default_rng(seed)
    colors = rng.integers(0, 256, size=(blocks, 3))
    edges = np.sort(rng.choice(np.arange(1, width), size=blocks - 1, replace=False))
    column_block = np.searchsorted(edges, np.arange(width), side="right")
    image = colors[column_block][None, :, :].repeat(height, axis=0)
    noise = rng.integers(-6, 7, size=image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def write_images(folder: Path, count: int, prefix: str = "img", start: int = 0) -> list[str]:
    """Write ``count`` small PNGs; return their paths as strings, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + count):
        path = folder / f"{prefix}{i:04d}.png"
        Image.fromarray(block_image(i)).save(path)
        paths.append(str(path))
    return paths


def cli_command() -> list[str]:
    """argv prefix that runs the palettekit CLI in a fresh interpreter."""
    return [sys.executable, "-m", "palettekit"]


def run_cli(argv: list[str]) -> int:
    """Run the palettekit CLI in this process; returns the exit status."""
    from palettekit.cli import main

    return int(main(argv))


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env
