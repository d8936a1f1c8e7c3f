"""Palette quality: how far an image's pixels are from their nearest palette color.

For each image the reference is built once: the image is reduced to at most
1024 px on its longest side with Pillow's BOX filter (area average; a no-op for
the 768x512 CQ100 images), its opaque pixels (alpha == 255, or all pixels when
the file has no alpha) are collected, and their distinct colors are counted so
that every metric is an exact pixel-weighted mean computed once per distinct
color.

* ``distortion``: mean over pixels of the Euclidean Oklab distance to the
  nearest palette color, times 100 (Oklab L runs 0..1, so 1.0 is one
  hundredth of the black-to-white distance).
* ``mean_ciede2000``: mean over pixels of the CIEDE2000 difference (CIELAB,
  D65) to the palette color nearest by CIEDE2000.
* ``missed_area``: the share of the image in clearly different colors that
  the palette lacks. The image is reduced to at most 256 px on its longest
  side (BOX filter) and its opaque pixels (alpha >= 128) kept; a pixel is
  *missed* when its nearest palette color is more than 0.12 away in Oklab
  (about six just-noticeable differences: another color, not another
  shade); missed pixels are grouped into 8-connected regions, regions under
  0.2% of the opaque pixels are ignored (speckle, edges), and the missed
  area is the share of the opaque pixels in the remaining regions. Mean
  distortion alone rewards palettes that split the large areas into shades
  and leave out a small, distinct color (the blue wing of a macaw); this
  measure sees that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from colorspace import ciede2000, srgb8_to_cielab, srgb8_to_oklab
from PIL import Image

MAX_SIDE = 1024
_CHUNK = 32768

MISSED_MAX_SIDE = 256
MISSED_DISTANCE = 0.12
MISSED_MIN_REGION = 0.002


@dataclass
class Reference:
    colors: np.ndarray  # (n, 3) uint8 distinct opaque colors
    weights: np.ndarray  # (n,) float64 pixel counts
    oklab: np.ndarray  # (n, 3)
    cielab: np.ndarray  # (n, 3)
    size: tuple[int, int]  # size the metrics were computed at
    # missed_area's image: (h, w, 3) Oklab at <= 256 px and (h, w) opaque mask
    small_oklab: np.ndarray = None  # type: ignore[assignment]
    small_opaque: np.ndarray = None  # type: ignore[assignment]
    oklab_sq: np.ndarray = None  # type: ignore[assignment]  # (n,) squared norms of oklab

    def __post_init__(self) -> None:
        if self.oklab_sq is None:
            self.oklab_sq = (self.oklab * self.oklab).sum(axis=1)

    @property
    def pixels(self) -> int:
        return int(self.weights.sum())


def load_reference(path: str, max_side: int = MAX_SIDE) -> Reference:
    with Image.open(path) as im:
        im.load()
        has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
        img = im.convert("RGBA" if has_alpha else "RGB")
    small_oklab, small_opaque = _missed_image(img, has_alpha)
    w, h = img.size
    if max(w, h) > max_side:
        scale = max_side / max(w, h)
        img = img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX)
    arr = np.asarray(img)
    if has_alpha:
        rgb = arr[..., :3][arr[..., 3] == 255]
    else:
        rgb = arr.reshape(-1, 3)
    packed = (rgb[:, 0].astype(np.uint32) << 16) | (rgb[:, 1].astype(np.uint32) << 8) | rgb[:, 2]
    uniq, counts = np.unique(packed, return_counts=True)
    colors = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1).astype(np.uint8)
    return Reference(
        colors=colors,
        weights=counts.astype(np.float64),
        oklab=srgb8_to_oklab(colors),
        cielab=srgb8_to_cielab(colors),
        size=img.size,
        small_oklab=small_oklab,
        small_opaque=small_opaque,
    )


def _missed_image(img: Image.Image, has_alpha: bool) -> tuple[np.ndarray, np.ndarray]:
    """The image missed_area looks at: <= 256 px, BOX-reduced, Oklab + opaque mask."""
    rgba = img.convert("RGBA")
    w, h = rgba.size
    if max(w, h) > MISSED_MAX_SIDE:
        scale = MISSED_MAX_SIDE / max(w, h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        # Premultiplied reduction, so transparent pixels' colors do not bleed in.
        rgba = rgba.convert("RGBa").resize(size, Image.Resampling.BOX).convert("RGBA")
    arr = np.asarray(rgba)
    opaque = arr[..., 3] >= 128 if has_alpha else np.ones(arr.shape[:2], dtype=bool)
    return srgb8_to_oklab(arr[..., :3]), opaque


def missed_area(ref: Reference, palette: Sequence[Sequence[int]]) -> float:
    """Share (0..1) of the opaque image in regions of colors the palette lacks.

    See the module docstring for the definition (256 px, 0.12 Oklab,
    8-connected regions of at least 0.2% of the opaque pixels).
    """
    from scipy import ndimage

    pal = _palette_array(palette)
    n_opaque = int(ref.small_opaque.sum())
    if len(pal) == 0 or n_opaque == 0:
        return float("nan")
    pal_ok = srgb8_to_oklab(pal)
    flat = ref.small_oklab.reshape(-1, 3)
    d2 = ((flat[:, None, :] - pal_ok[None, :, :]) ** 2).sum(axis=2).min(axis=1)
    missed = (d2 > MISSED_DISTANCE**2).reshape(ref.small_opaque.shape) & ref.small_opaque
    labels, n_regions = ndimage.label(missed, structure=np.ones((3, 3), dtype=bool))
    if n_regions == 0:
        return 0.0
    sizes = np.bincount(labels.ravel())[1:]
    kept = sizes[sizes >= MISSED_MIN_REGION * n_opaque]
    return float(kept.sum()) / n_opaque


def _palette_array(palette: Sequence[Sequence[int]]) -> np.ndarray:
    return np.asarray([tuple(c)[:3] for c in palette], dtype=np.float64).reshape(-1, 3)


def distortion(ref: Reference, palette: Sequence[Sequence[int]]) -> float:
    """100 x pixel-weighted mean Oklab distance to the nearest palette color."""
    pal = _palette_array(palette)
    if len(pal) == 0 or ref.pixels == 0:
        return float("nan")
    pal_ok = srgb8_to_oklab(pal)
    # |x - p|^2 = |x|^2 - 2 x.p + |p|^2, minimised over p; clipped at 0 against rounding.
    d2 = (
        ref.oklab_sq[:, None]
        - 2.0 * (ref.oklab @ pal_ok.T)
        + (pal_ok * pal_ok).sum(axis=1)[None, :]
    )
    d = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return 100.0 * float(d @ ref.weights) / ref.pixels


def mean_ciede2000(ref: Reference, palette: Sequence[Sequence[int]]) -> float:
    """Pixel-weighted mean CIEDE2000 to the nearest (by CIEDE2000) palette color."""
    pal = _palette_array(palette)
    if len(pal) == 0 or ref.pixels == 0:
        return float("nan")
    pal_lab = srgb8_to_cielab(pal)
    total = 0.0
    for s in range(0, len(ref.cielab), _CHUNK):
        x = ref.cielab[s : s + _CHUNK]
        de = ciede2000(x[:, None, :], pal_lab[None, :, :]).min(axis=1)
        total += float(de @ ref.weights[s : s + _CHUNK])
    return total / ref.pixels
