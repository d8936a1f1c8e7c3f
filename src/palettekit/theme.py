"""Themes: the few colors a person would pick from an image (``kind="theme"``).

A palette (the default kind) is a set of cluster centers: the colors that
represent the image's pixels best on average. A theme is what a designer
picks with an eyedropper: colors that really occur in the image, distinct
from each other, vivid where the image is vivid, together covering the
image's distinct colors, with what stands out weighing more than a large
dull area.

Method
------
Everything runs on the color histogram the pipeline already counted (mean
sRGB color and pixel count of each occupied bin), so a theme costs about as
much as a palette.

1. **Candidates** are real colors: the mean colors of histogram bins whose
   *support* -- the share of the image's pixels within :data:`REAL_RADIUS`
   (0.02 in Oklab, a just-noticeable difference) of that color -- is at least
   :data:`MIN_SUPPORT`. A theme color is therefore never an average of two
   colors of the image: the eyedropper would find it.
2. **Salience** weighs each pixel: ``1 + CHROMA_SALIENCE * min(chroma,
   CHROMA_FULL) / CHROMA_FULL`` -- a saturated pixel counts up to
   ``1 + CHROMA_SALIENCE`` times a gray one -- times, when the pipeline has the
   image, a spatial term (:func:`spatial_saliency`): how much the pixel's
   color differs from its surroundings, and how near it is to the center.
3. **Coverage**: a pixel is covered by a theme color in proportion to how
   close it is, ``max(0, COVER_DISTANCE - distance)``; beyond
   :data:`COVER_DISTANCE` (0.12, about six just-noticeable differences:
   another color, not another shade) not at all. Colors are chosen greedily,
   each time the candidate that adds the most salience-weighted coverage,
   times a small bonus for its own chroma (so that of two candidates for the
   same area, the vivid one wins), among the candidates at least
   :data:`MIN_DISTANCE` (0.08) from every color chosen so far.

Coverage with a cap is what makes the theme diverse: once a color is chosen,
the pixels near it add nothing more, so a second shade of the same large area
loses to a smaller area of another color. When no candidate is left at
:data:`MIN_DISTANCE` from the chosen ones, the theme has fewer than k colors.

Compared with the anchors: Material Color Utilities' ``Score`` ranks
quantized colors by chroma and by the proportion of the image in their hue
range, and de-duplicates by hue; it drops near-grays entirely, so a theme of
a black-and-white photo is empty. Lin & Hanrahan (CHI 2013) fit a model of
people's themes on saliency, coverage, diversity and color-name features;
the three first are here, as a fixed greedy objective rather than a learned
one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .cluster import row_norms, squared_distances
from .colorspace import srgb_to_oklab
from .families import family_indices
from .histogram import ColorHistogram, bin_keys_of, coarsen

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "MIN_DISTANCE",
    "REAL_RADIUS",
    "MIN_SUPPORT",
    "COVER_DISTANCE",
    "ThemeResult",
    "select_theme",
]

MIN_DISTANCE = 0.08
"""Smallest Oklab distance between two theme colors."""

REAL_RADIUS = 0.02
"""Oklab radius within which pixels count as the same color as a candidate."""

MIN_SUPPORT = 0.002
"""Smallest share of the image's pixels within :data:`REAL_RADIUS` of a
candidate (estimated on the histogram's bins; the promise checked on the
pixels is a quarter of it, 0.05 %)."""

COVER_DISTANCE = 0.12
"""Oklab distance from which a pixel is not covered at all by a theme color."""

CHROMA_FULL = 0.15
"""Oklab chroma from which a pixel counts as fully saturated."""

CHROMA_SALIENCE = 2.0
"""A fully saturated pixel weighs ``1 + CHROMA_SALIENCE`` times a gray one."""

AREA_EXPONENT = 0.5
"""Each coverage bin weighs its share of the pixels to this power: a large
area counts, but less than in proportion to its size."""

LIGHTNESS_WEIGHT = 0.5
"""Coverage distances count lightness differences at this weight: shades of
one hue cover each other more than different hues do."""

NEW_FAMILY_BONUS = 1.0
NEUTRAL_SHARE = 0.3
"""A candidate of a color family (:mod:`palettekit.families`) the theme does
not have yet has its gain multiplied by ``1 + NEW_FAMILY_BONUS``."""

VIVID_BONUS = 1.0
"""A fully saturated candidate's coverage gain is multiplied by ``1 + VIVID_BONUS``."""

GAIN_EXPONENT = 0.35
"""Candidates are ranked by their coverage gain to this power times their
bonuses: the bonuses count as much as a doubling of the gain would when 0.5."""

VIVID_REACH = 0.06
"""Once the best candidate is found, the most chromatic candidate within this
Oklab distance of it whose gain is at least :data:`VIVID_KEEP` times the best
gain takes its place: the vivid version of the same area."""

VIVID_KEEP = 0.7

VIVID_SUPPORT = 0.5
"""... and whose support is at least this fraction of the best's: a common
color of the area, not the fringe of compression noise around it."""

# Coverage is measured on the histogram coarsened to at most this many bins,
_COVER_BINS = 1024
# never coarser than this many bits per channel;
_COVER_MIN_BITS = 4
# and at most this many candidates (the best supported) are considered.
_MAX_CANDIDATES = 256
# A candidate bin holds at least this share of the pixels itself,
_MIN_BIN_SHARE = 0.0005
# and supports are computed for this many candidates at a time.
_SUPPORT_BATCH = 16

# Spatial saliency is computed on the image reduced to at most this many
# pixels on its longest side,
_SALIENCY_SIDE = 96
# comparing each pixel with the mean of a square of this fraction of the
# longest side around it,
_SURROUND = 0.25
# and looked up by bins of this many bits per channel.
_SALIENCY_BITS = 4

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SaliencyMap:
    """Mean spatial saliency of the pixels in each color bin.

    Attributes
    ----------
    bits : int
        Bits per channel of the bins (see :func:`palettekit.histogram.channel_bins`).
    keys : (B,) intp
        Sorted keys of the bins that hold pixels of the reduced image.
    values : (B,) float64
        Mean saliency of those pixels, >= 0; the pixel-weighted mean over
        the image is 1.
    """

    bits: int
    keys: npt.NDArray[np.intp]
    values: FloatArray

    def lookup(self, histogram: ColorHistogram) -> FloatArray:
        """(M,) saliency of each bin of ``histogram`` (1 where the map has no pixel)."""
        keys = bin_keys_of(histogram, self.bits)
        index = np.minimum(np.searchsorted(self.keys, keys), self.keys.shape[0] - 1)
        found = self.keys[index] == keys
        return np.where(found, self.values[index], 1.0)


def _box_mean(values: FloatArray, radius: int) -> FloatArray:
    """Mean of each (2 radius + 1)-square of an (H, W, C) array, clipped at the borders."""
    height, width = values.shape[:2]
    padded = np.zeros((height + 1, width + 1, values.shape[2]))
    np.cumsum(np.cumsum(values, axis=0), axis=1, out=padded[1:, 1:])
    rows = np.arange(height)
    cols = np.arange(width)
    top, bottom = np.maximum(rows - radius, 0), np.minimum(rows + radius + 1, height)
    left, right = np.maximum(cols - radius, 0), np.minimum(cols + radius + 1, width)
    sums = (
        padded[bottom][:, right]
        - padded[top][:, right]
        - padded[bottom][:, left]
        + padded[top][:, left]
    )
    area = ((bottom - top)[:, None] * (right - left)[None, :]).astype(np.float64)
    return sums / area[:, :, None]


def spatial_saliency(image: Image.Image, alpha_threshold: int = 128) -> SaliencyMap:
    """How much each color stands out where it occurs in the image.

    On the image reduced to at most 96 px on its longest side (box filter),
    each pixel's saliency is its Oklab distance to the mean color of the
    square around it (a quarter of the longest side): a color that differs
    from its surroundings -- an object on a background, an accent -- scores
    high; a large even area or a blurred background scores low. It is
    multiplied by a gentle center weighting (1 at the center, 0.5 in the
    corners), since the subject of a photo is usually there. The map holds
    the mean saliency of the pixels of each color bin, normalised so that
    the mean over the image's pixels is 1.

    Parameters
    ----------
    image : PIL.Image.Image
        The image at working size, mode RGB or RGBA.
    alpha_threshold : int
        Pixels with alpha below this are left out.
    """
    from PIL import Image as PILImage

    small = image
    longest = max(image.size)
    if longest > _SALIENCY_SIDE:
        scale = _SALIENCY_SIDE / longest
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = image.resize(size, PILImage.Resampling.BOX)
    array = np.asarray(small.convert("RGBA") if small.mode != "RGB" else small)
    rgb = np.ascontiguousarray(array[..., :3])
    height, width = rgb.shape[:2]
    lab = srgb_to_oklab(rgb.reshape(-1, 3) / 255.0).reshape(height, width, 3)
    lab[..., 0] *= LIGHTNESS_WEIGHT
    radius = max(1, round(_SURROUND * max(height, width) / 2))
    contrast = np.sqrt(((lab - _box_mean(lab, radius)) ** 2).sum(axis=2))
    ys = (np.arange(height) + 0.5) / height - 0.5
    xs = (np.arange(width) + 0.5) / width - 0.5
    center = 1.0 - (ys[:, None] ** 2 + xs[None, :] ** 2)  # 1 at the center, 0.5 in corners
    saliency = (contrast * center).ravel()
    pixels = rgb.reshape(-1, 3)
    if array.shape[2] == 4:
        opaque = array[..., 3].ravel() >= alpha_threshold
        saliency, pixels = saliency[opaque], pixels[opaque]
    if saliency.shape[0] == 0 or saliency.sum() <= 0.0:
        return SaliencyMap(_SALIENCY_BITS, np.zeros(1, dtype=np.intp), np.ones(1))
    saliency = saliency / saliency.mean()
    keys = bin_keys_of(
        ColorHistogram(pixels.astype(np.float64), np.ones(1, np.int64), 8), _SALIENCY_BITS
    )
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    values = np.bincount(inverse, weights=saliency) / counts
    return SaliencyMap(_SALIENCY_BITS, unique.astype(np.intp), values)


@dataclass(frozen=True)
class ThemeResult:
    """Colors of a theme.

    Attributes
    ----------
    srgb : (n, 3) float64
        The theme colors in sRGB, in [0, 255]: means of single histogram bins.
    oklab : (n, 3) float64
        The same colors in Oklab.
    candidates : int
        Number of real colors the theme was chosen from.
    """

    srgb: FloatArray
    oklab: FloatArray
    candidates: int


def _chroma(oklab: FloatArray) -> FloatArray:
    return np.hypot(oklab[:, 1], oklab[:, 2])


def _support(
    candidates: FloatArray, points: FloatArray, points_sq: FloatArray, weights: FloatArray
) -> FloatArray:
    """(C,) share of ``weights`` whose point lies within :data:`REAL_RADIUS` of each candidate."""
    d2 = squared_distances(points, candidates, points_sq)  # (M, C)
    near = d2 <= REAL_RADIUS * REAL_RADIUS
    return np.asarray(weights @ near, dtype=np.float64)


def select_theme(
    histogram: ColorHistogram,
    k: int,
    *,
    saliency: SaliencyMap | None = None,
    oklab: FloatArray | None = None,
) -> ThemeResult:
    """Choose up to k theme colors among the real colors of a histogram.

    Parameters
    ----------
    histogram : ColorHistogram
        Occupied bins (mean sRGB colors in [0, 255], pixel counts), M >= 1.
    k : int
        Number of colors wanted, >= 1.
    saliency : SaliencyMap, optional
        Spatial saliency of the image's colors (:func:`spatial_saliency`);
        without it every pixel counts by its chroma alone.
    oklab : (M, 3) float64, optional
        The bins' colors in Oklab, if the caller has them.

    Returns
    -------
    ThemeResult
        Between 1 and k colors, in the order they were chosen (the first
        adds the most coverage), pairwise at least :data:`MIN_DISTANCE`
        apart.
    """
    colors = histogram.colors
    counts = histogram.counts.astype(np.float64)
    total = counts.sum()
    share = counts / total
    lab = srgb_to_oklab(colors / 255.0) if oklab is None else oklab
    lab_sq = row_norms(lab)

    # 1. candidates: the best-populated bins; whether enough pixels lie near
    # a candidate (its support) is checked when it is about to be chosen
    order = np.argsort(-counts, kind="stable")[:_MAX_CANDIDATES]
    order = order[share[order] >= _MIN_BIN_SHARE]
    if order.shape[0] == 0:
        order = np.argsort(-counts, kind="stable")[:1]
    order.sort()  # bin order: deterministic ties
    # the colors as they will be reported, in 8-bit sRGB
    cand_rgb = np.clip(np.rint(colors[order]), 0.0, 255.0)
    cand_lab = srgb_to_oklab(cand_rgb / 255.0)
    support = np.full(order.shape[0], np.nan)

    def check_support(indices: npt.NDArray[np.intp]) -> None:
        todo = indices[np.isnan(support[indices])]
        if todo.shape[0]:
            support[todo] = _support(cand_lab[todo], lab, lab_sq, share)

    # 2. coverage bins and their salience
    level = histogram
    while len(level) > _COVER_BINS and level.bits > _COVER_MIN_BITS:
        level = coarsen(level, level.bits - 1)
    if level is histogram:
        cover_lab, cover_w = lab, share
    else:
        cover_lab = srgb_to_oklab(level.colors / 255.0)
        cover_w = level.counts / total
    cover_sal = np.ones(len(level)) if saliency is None else saliency.lookup(level)
    chroma_w = 1.0 + CHROMA_SALIENCE * np.minimum(_chroma(cover_lab), CHROMA_FULL) / CHROMA_FULL
    weight = cover_w**AREA_EXPONENT * chroma_w * cover_sal

    # 3. greedy coverage
    scale = np.array([LIGHTNESS_WEIGHT, 1.0, 1.0])
    # (C, Mc) float32; the steps reuse one buffer of that size (fresh pages
    # cost more than the arithmetic)
    closeness = squared_distances(cand_lab * scale, cover_lab * scale).astype(np.float32)
    np.sqrt(closeness, out=closeness)
    np.subtract(np.float32(COVER_DISTANCE), closeness, out=closeness)
    np.maximum(closeness, np.float32(0.0), out=closeness)
    buffer = np.empty_like(closeness)
    weight32 = weight.astype(np.float32)
    cand_chroma = _chroma(cand_lab)
    vivid = 1.0 + VIVID_BONUS * np.minimum(cand_chroma, CHROMA_FULL) / CHROMA_FULL
    families = family_indices(cand_lab)
    new_family = np.ones(order.shape[0], dtype=bool)
    family_bonus = NEW_FAMILY_BONUS * (
        NEUTRAL_SHARE + (1 - NEUTRAL_SHARE) * np.minimum(cand_chroma, CHROMA_FULL) / CHROMA_FULL
    )
    covered = np.zeros(cover_lab.shape[0], dtype=np.float32)
    allowed = np.ones(order.shape[0], dtype=bool)
    chosen: list[int] = []
    for _ in range(k):
        if not allowed.any():
            break
        np.subtract(closeness, covered, out=buffer)
        np.maximum(buffer, np.float32(0.0), out=buffer)
        # einsum, not `@`: a threaded BLAS matrix-vector product costs more
        # on a busy machine than the arithmetic (see cluster.cross_products)
        gain = np.einsum("ij,j->i", buffer, weight32).astype(np.float64)
        bonus = vivid * (1.0 + family_bonus * new_family)
        score = np.where(allowed, np.maximum(gain, 0.0) ** GAIN_EXPONENT * bonus, -np.inf)
        ranked = np.argsort(-score, kind="stable")[: int(allowed.sum())]
        best = -1
        for start in range(0, ranked.shape[0], _SUPPORT_BATCH):
            batch = ranked[start : start + _SUPPORT_BATCH]
            check_support(batch)
            real = batch[support[batch] >= MIN_SUPPORT]
            allowed[batch[support[batch] < MIN_SUPPORT]] = False
            if real.shape[0]:
                best = int(real[0])
                break
        if best < 0 or (chosen and gain[best] <= 0.0):
            break
        # the most vivid real color of nearly the same coverage nearby
        near = allowed & (row_norms(cand_lab - cand_lab[best]) <= VIVID_REACH * VIVID_REACH)
        near &= (gain >= VIVID_KEEP * gain[best]) & (families == families[best])
        near_index = np.flatnonzero(near)
        check_support(near_index)
        near_index = near_index[support[near_index] >= MIN_SUPPORT]
        best = int(near_index[np.argmax(support[near_index] * vivid[near_index] ** 2)])
        chosen.append(best)
        np.maximum(covered, closeness[best], out=covered)
        new_family &= families != families[best]
        d2 = row_norms(cand_lab - cand_lab[best])
        allowed &= d2 >= MIN_DISTANCE * MIN_DISTANCE
    picked = np.asarray(chosen, dtype=np.intp)
    return ThemeResult(
        srgb=cand_rgb[picked], oklab=cand_lab[picked], candidates=int(order.shape[0])
    )
