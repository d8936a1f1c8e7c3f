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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from colorspace import ciede2000, srgb8_to_cielab, srgb8_to_oklab
from PIL import Image

MAX_SIDE = 1024
_CHUNK = 32768


@dataclass
class Reference:
    colors: np.ndarray  # (n, 3) uint8 distinct opaque colors
    weights: np.ndarray  # (n,) float64 pixel counts
    oklab: np.ndarray  # (n, 3)
    cielab: np.ndarray  # (n, 3)
    size: tuple[int, int]  # size the metrics were computed at
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
    )


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


# --- missed area (issue 9) ----------------------------------------------------------

MISSED_SIDE = 256
MISSED_DISTANCE = 0.12
MISSED_MIN_REGION = 0.002
_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


@dataclass
class MissedReference:
    """An image prepared for :func:`missed_area`: reduced, opaque mask, Oklab pixels."""

    oklab: np.ndarray  # (H, W, 3)
    opaque: np.ndarray  # (H, W) bool
    size: tuple[int, int]


def load_missed_reference(path: str, max_side: int = MISSED_SIDE) -> MissedReference:
    """The image reduced to at most ``max_side`` px on its longest side (BOX filter)."""
    with Image.open(path) as im:
        im.load()
        img = im.convert("RGBA")
    w, h = img.size
    if max(w, h) > max_side:
        scale = max_side / max(w, h)
        img = img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX)
    arr = np.asarray(img)
    oklab = srgb8_to_oklab(arr[..., :3].reshape(-1, 3)).reshape(arr.shape[0], arr.shape[1], 3)
    return MissedReference(oklab=oklab, opaque=arr[..., 3] >= 128, size=img.size)


def missed_area(ref: MissedReference, palette: Sequence[Sequence[int]]) -> float:
    """Share of the image in large regions of clearly different colors the palette lacks.

    A pixel (opaque: alpha >= 128) is *missed* when its nearest palette color
    is more than 0.12 away in Oklab. Missed pixels are grouped into
    8-connected regions; regions under 0.2 % of the image are ignored
    (speckle, edges). The result is the share of the image's pixels in the
    remaining regions, in [0, 1].
    """
    from scipy import ndimage

    pal = _palette_array(palette)
    if len(pal) == 0:
        return float("nan")
    pal_ok = srgb8_to_oklab(pal)
    flat = ref.oklab.reshape(-1, 3)
    d2 = ((flat[:, None, :] - pal_ok[None, :, :]) ** 2).sum(axis=2).min(axis=1)
    missed = (d2 > MISSED_DISTANCE**2).reshape(ref.opaque.shape) & ref.opaque
    labels, n = ndimage.label(missed, structure=_EIGHT_CONNECTED)
    if n == 0:
        return 0.0
    sizes = np.bincount(labels.ravel())[1:]
    total = ref.opaque.size
    big = sizes[sizes >= MISSED_MIN_REGION * total]
    return float(big.sum() / total)
