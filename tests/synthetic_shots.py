"""Synthetic product shots with a known backdrop, for background tests and bench.

Each shot is an object (a few flat-colored shapes, edges anti-aliased by 4x
supersampling) on a backdrop: flat white, flat gray, a flat tint, a linear
gradient, with or without sensor-like noise; the object may touch or cross
the border. The ground truth is the backdrop mask (pixels not covered by the
object) and the backdrop's mean color. Shots without a backdrop (scenes whose
border varies) are generated too.

Used by tests/test_background.py and bench/bench_auto.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

__all__ = ["Shot", "product_shot", "scene_without_backdrop", "synthetic_set"]

_SUPERSAMPLE = 4


@dataclass(frozen=True)
class Shot:
    """One synthetic image and its truth.

    Attributes
    ----------
    name : str
    image : (H, W, 3) uint8 sRGB
    backdrop : (H, W) bool or None
        True where the backdrop shows; None for scenes without a backdrop.
    """

    name: str
    image: npt.NDArray[np.uint8]
    backdrop: npt.NDArray[np.bool_] | None


def _backdrop(
    size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int], axis: int
) -> npt.NDArray[np.float64]:
    width, height = size
    n = height if axis == 0 else width
    t = np.linspace(0.0, 1.0, n)[:, None]
    ramp = np.asarray(top, float) * (1 - t) + np.asarray(bottom, float) * t
    if axis == 0:
        return np.broadcast_to(ramp[:, None, :], (height, width, 3)).copy()
    return np.broadcast_to(ramp[None, :, :], (height, width, 3)).copy()


def _object_layer(
    size: tuple[int, int],
    shapes: list[tuple[str, tuple[float, float, float, float], tuple[int, int, int]]],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Draw shapes (kind, box in fractions of the frame, color) supersampled.

    Returns the object's color (H, W, 3) and coverage (H, W) in [0, 1].
    """
    width, height = size
    big = (width * _SUPERSAMPLE, height * _SUPERSAMPLE)
    color = Image.new("RGB", big, (0, 0, 0))
    cover = Image.new("L", big, 0)
    draw_color, draw_cover = ImageDraw.Draw(color), ImageDraw.Draw(cover)
    for kind, (x0, y0, x1, y1), rgb in shapes:
        box = (x0 * big[0], y0 * big[1], x1 * big[0], y1 * big[1])
        if kind == "ellipse":
            draw_color.ellipse(box, fill=rgb)
            draw_cover.ellipse(box, fill=255)
        else:
            draw_color.rectangle(box, fill=rgb)
            draw_cover.rectangle(box, fill=255)
    color_small = np.asarray(color.resize(size, Image.Resampling.BOX), dtype=np.float64)
    cover_small = np.asarray(cover.resize(size, Image.Resampling.BOX), dtype=np.float64) / 255.0
    # Box-filtered colors are premultiplied by coverage; undo that.
    with np.errstate(invalid="ignore", divide="ignore"):
        unpremultiplied = np.where(
            cover_small[..., None] > 0, color_small / cover_small[..., None], 0.0
        )
    return unpremultiplied, cover_small


def product_shot(
    name: str,
    *,
    size: tuple[int, int] = (240, 180),
    top: tuple[int, int, int] = (255, 255, 255),
    bottom: tuple[int, int, int] | None = None,
    gradient_axis: int = 0,
    shapes: list[tuple[str, tuple[float, float, float, float], tuple[int, int, int]]] | None = None,
    noise: float = 0.0,
    seed: int = 0,
) -> Shot:
    """An object on a flat or graded backdrop (see the module docstring)."""
    backdrop = _backdrop(size, top, bottom if bottom is not None else top, gradient_axis)
    if shapes is None:
        shapes = [
            ("ellipse", (0.3, 0.2, 0.7, 0.85), (200, 40, 40)),
            ("rectangle", (0.42, 0.45, 0.58, 0.6), (250, 250, 250)),
        ]
    color, cover = _object_layer(size, shapes)
    image = backdrop * (1 - cover[..., None]) + color * cover[..., None]
    if noise:
        image = image + np.random.default_rng(seed).normal(0.0, noise, image.shape)
    image8 = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return Shot(name, image8, cover == 0)


def scene_without_backdrop(name: str, *, size: tuple[int, int] = (240, 180), seed: int = 0) -> Shot:
    """A scene whose border varies: sky over ground with textured blobs."""
    width, height = size
    rng = np.random.default_rng(seed)
    horizon = int(height * rng.uniform(0.35, 0.6))
    image = np.empty((height, width, 3))
    sky_top, sky_low = rng.integers(60, 200, 3), rng.integers(120, 255, 3)
    t = np.linspace(0, 1, horizon)[:, None, None]
    image[:horizon] = sky_top * (1 - t) + sky_low * t
    ground = rng.integers(30, 160, 3)
    image[horizon:] = ground
    # Texture: smooth random field on the ground, and colored blobs everywhere.
    field = rng.normal(0, 1, (height // 8 + 2, width // 8 + 2, 3))
    field_img = Image.fromarray(np.uint8(np.clip(128 + 40 * field, 0, 255)))
    texture = np.asarray(field_img.resize((width, height), Image.Resampling.BICUBIC), float) - 128
    image[horizon:] += texture[horizon:]
    yy, xx = np.mgrid[0:height, 0:width]
    for _ in range(12):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.05, 0.2) * width
        blob = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
        image[blob] = rng.integers(0, 256, 3)
    image += rng.normal(0, 3, image.shape)
    return Shot(name, np.clip(np.rint(image), 0, 255).astype(np.uint8), None)


def synthetic_set() -> list[Shot]:
    """The fixed synthetic set: 16 shots with a backdrop, 6 without."""
    touching = [
        ("ellipse", (0.25, 0.3, 0.75, 1.2), (30, 90, 160)),
        ("rectangle", (0.4, 0.55, 0.6, 0.7), (250, 250, 250)),
    ]
    crossing = [
        ("rectangle", (-0.1, 0.6, 0.5, 1.1), (120, 80, 40)),
        ("ellipse", (0.55, 0.2, 0.9, 0.7), (40, 160, 60)),
    ]
    dark_object = [
        ("ellipse", (0.2, 0.15, 0.8, 0.9), (25, 25, 30)),
        ("ellipse", (0.4, 0.4, 0.6, 0.6), (235, 235, 235)),
    ]
    shots = [
        product_shot("white"),
        product_shot("white-noisy", noise=2.5),
        product_shot("white-touching", shapes=touching),
        product_shot("white-crossing", shapes=crossing),
        product_shot("light-gray", top=(230, 230, 230)),
        product_shot("mid-gray", top=(128, 128, 128), shapes=dark_object),
        product_shot(
            "gray-noisy-touching", top=(200, 200, 200), shapes=touching, noise=3.0, seed=1
        ),
        product_shot("beige", top=(240, 232, 215)),
        product_shot("black", top=(12, 12, 12), shapes=touching),
        product_shot("blue-studio", top=(70, 130, 200), shapes=dark_object),
        product_shot("gradient-vertical", top=(235, 235, 235), bottom=(200, 200, 200)),
        product_shot(
            "gradient-horizontal", top=(250, 250, 250), bottom=(215, 215, 220), gradient_axis=1
        ),
        product_shot(
            "gradient-touching", top=(220, 225, 235), bottom=(180, 185, 200), shapes=touching
        ),
        product_shot(
            "gradient-noisy", top=(245, 240, 235), bottom=(205, 200, 195), noise=2.0, seed=2
        ),
        product_shot(
            "gradient-colored", top=(250, 220, 200), bottom=(230, 170, 150), shapes=dark_object
        ),
        product_shot(
            "white-large-object", shapes=[("ellipse", (0.05, 0.05, 0.95, 0.95), (90, 40, 120))]
        ),
    ]
    shots += [scene_without_backdrop(f"scene-{seed}", seed=seed) for seed in range(6)]
    return shots
