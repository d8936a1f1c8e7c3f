"""Estimating a flat backdrop from the image border.

Product photos and illustrations often sit on a white, gray or softly graded
backdrop that fills the border of the frame. :func:`detect_background`
finds it, or reports that there is none (a photo whose border varies):

1. **Border sample.** The pixels of a band along the four edges
   (:data:`BORDER_FRACTION` of the shorter side, at least one pixel), in
   Oklab. Transparent pixels are ignored; if fewer than half of the band is
   opaque the image is already cut out and no background is reported.
2. **Border model.** The most common border color (the densest cell of a
   grid of :data:`SEED_CELL` in Oklab) seeds a robust fit of an affine
   color ramp ``color(x, y) = c0 + cx * x + cy * y`` to the border pixels
   that lie within :data:`TOLERANCE` of it, refitted a few times. A flat
   backdrop is the case ``cx = cy = 0``; a linear studio gradient is fitted
   as well.
3. **Decision.** The model is a background if it explains at least
   :data:`MIN_BORDER_COVERAGE` (70 %) of the border pixels within
   :data:`TOLERANCE` (0.03 in Oklab, 1.5 just-noticeable differences). An
   object may therefore touch or cross the border, but a border made of
   sky, ground and foliage is not a backdrop.
4. **Region.** Background pixels are those within :data:`TOLERANCE` of the
   model **and connected to the border** through such pixels (4-connected).
   A white label inside a product on white stays part of the product.
5. **Shadow.** A product on a light backdrop casts a soft shadow on it: the
   backdrop's own color, darker. Less light scales linear RGB, and so every
   Oklab coordinate by the same factor (its cube root), so a shadow pixel is
   ``s * model`` with ``s`` in [:data:`SHADOW_MIN_SCALE`, 1] (within
   :data:`TOLERANCE`). Such pixels join the background when they are reached
   from it through a *soft* path, where the lightness of neighbours differs
   by at most :data:`SHADOW_MAX_STEP`: a shadow's edge is a gradient, a
   product's edge a step. A gray product on white therefore stays (its edge
   is sharp), and so does anything tinted. The limit: a neutral product
   standing in its own shadow, where that shadow is exactly as light as the
   product, has no step there and is taken with the shadow (a light gray
   box in a shadow of its own lightness). Only backdrops at least
   :data:`SHADOW_MIN_LIGHTNESS` light are searched (on dark ones a shadow
   hardly shows and the scale is ill-defined).

The share is the fraction of the image's opaque pixels in that region
(backdrop and shadow); ``shadow_share`` the part that is shadow. The color
(``rgb``, ``oklab``) is the mean of the backdrop proper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .colorspace import (
    linear_srgb_to_oklab,
    oklab_to_srgb,
    srgb_to_linear,
    srgb_to_oklab,
    srgb_to_uint8,
)

__all__ = [
    "BORDER_FRACTION",
    "TOLERANCE",
    "MIN_BORDER_COVERAGE",
    "SEED_CELL",
    "SHADOW_MIN_SCALE",
    "SHADOW_MAX_STEP",
    "SHADOW_MIN_LIGHTNESS",
    "Background",
    "detect_background",
    "border_connected",
]

BORDER_FRACTION = 0.02
"""Width of the border band as a fraction of the shorter side."""

TOLERANCE = 0.03
"""Largest Oklab distance between a background pixel and the backdrop model."""

MIN_BORDER_COVERAGE = 0.70
"""Smallest share of the border the backdrop model must explain."""

SEED_CELL = 0.02
"""Cell size in Oklab of the grid that finds the most common border color."""

SHADOW_MIN_SCALE = 0.65
"""Darkest shadow, as the factor on the backdrop's Oklab coordinates (0.65:
about a quarter of the light; a white backdrop's shadow down to L 0.65)."""

SHADOW_MAX_STEP = 0.04
"""Largest Oklab lightness difference between neighbouring pixels on the path
from the backdrop into its shadow (2 just-noticeable differences)."""

SHADOW_MIN_LIGHTNESS = 0.5
"""Backdrops darker than this (Oklab L of the model) are not searched for a
shadow."""

_MIN_OPAQUE_BORDER = 0.5
_REFITS = 4
# Rows converted per block: keeps each 3x3 matrix product below the size at
# which OpenBLAS wakes its threads (see cluster.cross_products).
_BLOCK_PIXELS = 16384

_SRGB8_TO_LINEAR = srgb_to_linear(np.repeat(np.arange(256)[:, None] / 255.0, 3, axis=1))[:, 0]
"""Linear value of each 8-bit sRGB code (a lookup table)."""


def _srgb8_to_oklab(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """(..., 3) uint8 sRGB -> (..., 3) Oklab, by lookup table and blocks."""
    flat = rgb.reshape(-1, 3)
    out = np.empty(flat.shape, dtype=np.float64)
    for start in range(0, flat.shape[0], _BLOCK_PIXELS):
        block = flat[start : start + _BLOCK_PIXELS]
        out[start : start + _BLOCK_PIXELS] = linear_srgb_to_oklab(_SRGB8_TO_LINEAR[block])
    return out.reshape(rgb.shape)


@dataclass(frozen=True)
class Background:
    """A backdrop found along the image border.

    Attributes
    ----------
    rgb : tuple of 3 int
        Mean sRGB color in [0, 255] of the background pixels.
    oklab : tuple of 3 float
        That color in Oklab, rounded to 6 decimals.
    share : float
        Fraction of the image's opaque pixels that are background, in (0, 1].
    border_coverage : float
        Fraction of the (opaque) border band explained by the backdrop, in
        [MIN_BORDER_COVERAGE, 1].
    gradient : float
        Oklab distance between the model's colors at opposite corners of the
        image: 0 for a flat backdrop, larger for a ramp.
    mask : (H, W) bool
        True at the background pixels (backdrop and shadow).
    shadow_share : float
        Fraction of the image's opaque pixels that are the backdrop's soft
        shadow, in [0, share).
    """

    rgb: tuple[int, int, int]
    oklab: tuple[float, float, float]
    share: float
    border_coverage: float
    gradient: float
    mask: npt.NDArray[np.bool_]
    shadow_share: float = 0.0

    @property
    def hex(self) -> str:
        """Lowercase ``#rrggbb``."""
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data (without the mask)."""
        return {
            "hex": self.hex,
            "rgb": list(self.rgb),
            "oklab": list(self.oklab),
            "share": self.share,
            "border_coverage": round(self.border_coverage, 4),
            "gradient": round(self.gradient, 4),
            "shadow_share": self.shadow_share,
        }


def _border_band(height: int, width: int, band: int) -> npt.NDArray[np.bool_]:
    mask = np.zeros((height, width), dtype=bool)
    mask[:band] = True
    mask[-band:] = True
    mask[:, :band] = True
    mask[:, -band:] = True
    return mask


def _design(ys: npt.NDArray[np.float64], xs: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Affine design matrix (n, 3): 1, x, y with x and y in [0, 1]."""
    return np.stack([np.ones_like(xs), xs, ys], axis=1)


def _densest_cell(lab: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Mean Oklab color of the most populated grid cell (ties: lowest cell key)."""
    cells = np.floor(lab / SEED_CELL).astype(np.int64) + 512  # L, a, b cells >= 0
    keys = (cells[:, 0] << 20) | (cells[:, 1] << 10) | cells[:, 2]
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    best = int(np.argmax(counts))
    return lab[inverse.reshape(-1) == best].mean(axis=0)


def border_connected(
    mask: npt.NDArray[np.bool_],
    seeds: npt.NDArray[np.bool_],
    links: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None = None,
) -> npt.NDArray[np.bool_]:
    """Pixels of ``mask`` 4-connected to a seed through ``mask`` pixels.

    Alternates row and column sweeps: in each sweep a run of consecutive
    ``mask`` pixels is reached as a whole as soon as one of its pixels is.
    This converges in as many sweeps as the connecting paths have turns, a
    handful for real backdrops, each sweep O(H * W) in numpy.

    Parameters
    ----------
    mask : (H, W) bool
        Candidate pixels.
    seeds : (H, W) bool
        Starting pixels (only those inside ``mask`` count).
    links : pair of (H, W) bool, optional
        ``(left, up)``: ``left[y, x]`` says pixel ``(y, x)`` is linked to
        ``(y, x - 1)``, ``up[y, x]`` to ``(y - 1, x)``; two neighbours of
        ``mask`` are connected only where linked. By default all are.

    Returns
    -------
    (H, W) bool
        The reached pixels, a subset of ``mask``.
    """
    reached = mask & seeds
    if not reached.any():
        return reached
    left, up = (None, None) if links is None else links
    up_t = None if up is None else up.T
    count = int(reached.sum())
    while True:
        reached = _fill_runs(mask, reached, left)
        reached = _fill_runs(mask.T, reached.T, up_t).T
        new_count = int(reached.sum())
        if new_count == count:
            return reached
        count = new_count


def _fill_runs(
    mask: npt.NDArray[np.bool_],
    reached: npt.NDArray[np.bool_],
    linked: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.bool_]:
    """Along each row, mark whole runs of ``mask`` that contain a reached pixel
    (a run also ends where ``linked`` is False: not linked to its left)."""
    height, width = mask.shape
    flat = np.ascontiguousarray(mask).reshape(-1)
    # A run starts where mask is set and the previous pixel (same row) is not,
    # or is not linked to it.
    starts = flat.copy()
    if linked is None:
        starts[1:] &= ~flat[:-1]
    else:
        starts[1:] &= ~(flat[:-1] & np.ascontiguousarray(linked).reshape(-1)[1:])
    starts[::width] = flat[::width]
    run_id = np.cumsum(starts) - 1
    n_runs = int(starts.sum())
    hit = np.zeros(n_runs, dtype=bool)
    reached_flat = np.ascontiguousarray(reached).reshape(-1) & flat
    hit[run_id[reached_flat]] = True
    out = flat & hit[np.maximum(run_id, 0)]
    return out.reshape(height, width)


def detect_background(
    image: npt.ArrayLike,
    *,
    alpha_threshold: int = 128,
    tolerance: float = TOLERANCE,
    min_border_coverage: float = MIN_BORDER_COVERAGE,
    border_fraction: float = BORDER_FRACTION,
) -> Background | None:
    """Find a flat (or linearly graded) backdrop along the image border.

    Parameters
    ----------
    image : (H, W, 3) or (H, W, 4) uint8
        sRGB(A) in [0, 255], straight alpha.
    alpha_threshold : int
        Pixels with alpha below this are transparent: neither border evidence
        nor background.
    tolerance, min_border_coverage, border_fraction : float
        See the module constants.

    Returns
    -------
    Background or None
        None when the border is not dominated by one backdrop, when it is
        mostly transparent, or when the image is smaller than 3x3.
    """
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or array.dtype != np.uint8:
        raise ValueError(f"image must be (H, W, 3|4) uint8, got {array.shape} {array.dtype}")
    height, width = array.shape[:2]
    if height < 3 or width < 3:
        return None
    opaque = (
        array[..., 3] >= alpha_threshold if array.shape[2] == 4 else np.ones((height, width), bool)
    )
    band = max(1, int(round(min(height, width) * border_fraction)))
    band_mask = _border_band(height, width, band)
    border = band_mask & opaque
    if border.sum() < _MIN_OPAQUE_BORDER * band_mask.sum():
        return None

    ys, xs = np.nonzero(border)
    y_scale, x_scale = max(height - 1, 1), max(width - 1, 1)
    design = _design(ys / y_scale, xs / x_scale)
    lab = _srgb8_to_oklab(array[ys, xs, :3])

    # Robust affine fit: seed with the most common color, refit on inliers.
    coefficients = np.zeros((3, 3))
    coefficients[0] = _densest_cell(lab)
    inliers = np.zeros(lab.shape[0], dtype=bool)
    for _ in range(_REFITS):
        residual = np.linalg.norm(lab - design @ coefficients, axis=1)
        new_inliers = residual <= tolerance
        if new_inliers.sum() < 3 or np.array_equal(new_inliers, inliers):
            break
        inliers = new_inliers
        coefficients, *_ = np.linalg.lstsq(design[inliers], lab[inliers], rcond=None)
    residual = np.linalg.norm(lab - design @ coefficients, axis=1)
    coverage = float((residual <= tolerance).mean())
    if coverage < min_border_coverage:
        return None

    # Every opaque pixel against the model, then keep the part touching the border.
    pixels_lab = _srgb8_to_oklab(np.ascontiguousarray(array[..., :3]))
    grid_y = np.arange(height) / y_scale
    grid_x = np.arange(width) / x_scale
    distance2 = np.zeros((height, width))
    for channel in range(3):
        c0, cx, cy = coefficients[:, channel]
        model = c0 + cx * grid_x[None, :] + cy * grid_y[:, None]  # (H, W)
        difference = pixels_lab[..., channel] - model
        distance2 += difference * difference
    close = (distance2 <= tolerance * tolerance) & opaque
    backdrop = border_connected(close, band_mask)
    n_opaque = int(opaque.sum())
    if not backdrop.any():
        return None
    mask = backdrop
    if coefficients[0, 0] + 0.5 * (coefficients[1, 0] + coefficients[2, 0]) >= SHADOW_MIN_LIGHTNESS:
        mask = _with_shadow(pixels_lab, coefficients, grid_x, grid_y, backdrop, opaque, tolerance)
    n_background = int(mask.sum())
    mean_lab = pixels_lab[backdrop].mean(axis=0)
    rgb8 = srgb_to_uint8(oklab_to_srgb(mean_lab))
    ramp_x, ramp_y = coefficients[1], coefficients[2]
    gradient = max(np.linalg.norm(ramp_x + ramp_y), np.linalg.norm(ramp_x - ramp_y))
    return Background(
        rgb=(int(rgb8[0]), int(rgb8[1]), int(rgb8[2])),
        oklab=tuple(float(v) for v in np.round(srgb_to_oklab(rgb8 / 255.0), 6)),  # type: ignore[arg-type]
        share=n_background / n_opaque,
        border_coverage=coverage,
        gradient=float(gradient),
        mask=mask,
        shadow_share=(n_background - int(backdrop.sum())) / n_opaque,
    )


def _with_shadow(
    pixels_lab: npt.NDArray[np.float64],
    coefficients: npt.NDArray[np.float64],
    grid_x: npt.NDArray[np.float64],
    grid_y: npt.NDArray[np.float64],
    backdrop: npt.NDArray[np.bool_],
    opaque: npt.NDArray[np.bool_],
    tolerance: float,
) -> npt.NDArray[np.bool_]:
    """The backdrop and its soft shadow (step 5 of the module docstring).

    Parameters
    ----------
    pixels_lab : (H, W, 3) float64 Oklab
    coefficients : (3, 3) float64
        The backdrop model: rows c0, cx, cy; columns L, a, b.
    grid_x, grid_y : (W,) and (H,) float64 in [0, 1]
    backdrop, opaque : (H, W) bool

    Returns
    -------
    (H, W) bool
        ``backdrop`` and the shadow pixels softly connected to it.
    """
    model = (
        coefficients[0][None, None, :]
        + grid_x[None, :, None] * coefficients[1][None, None, :]
        + grid_y[:, None, None] * coefficients[2][None, None, :]
    )
    # The factor s that best maps the model onto each pixel, and the rest.
    scale = (pixels_lab * model).sum(axis=2) / np.maximum((model * model).sum(axis=2), 1e-12)
    rest = pixels_lab - scale[..., None] * model
    shadowed = (
        opaque
        & (scale >= SHADOW_MIN_SCALE)
        & (scale <= 1.0)
        & ((rest * rest).sum(axis=2) <= tolerance * tolerance)
    )
    candidates = backdrop | shadowed
    if not (candidates & ~backdrop).any():
        return backdrop
    lightness = pixels_lab[..., 0]
    left = np.zeros(backdrop.shape, dtype=bool)
    up = np.zeros(backdrop.shape, dtype=bool)
    left[:, 1:] = np.abs(lightness[:, 1:] - lightness[:, :-1]) <= SHADOW_MAX_STEP
    up[1:, :] = np.abs(lightness[1:, :] - lightness[:-1, :]) <= SHADOW_MAX_STEP
    return border_connected(candidates, backdrop, (left, up)) | backdrop
