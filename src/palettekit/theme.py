"""Themes: the few colors a person would pick from an image (``kind="theme"``).

A palette (the default kind) is a set of cluster centers: the colors that
represent the image's pixels best on average. A theme is what a designer
picks with an eyedropper: colors that really occur in the image, distinct
from each other, vivid where the image is vivid, together covering the
image's distinct colors, with what stands out weighing more than a large
dull area.

Method
------
Everything runs on the color histogram the pipeline already counted (the
mean sRGB color and pixel count of each occupied bin) and on a 96-pixel
thumbnail for the spatial term, so a theme costs about as much as a palette.

1. **Real colors.** The candidates are the mean colors of the best-populated
   histogram bins (each holding at least 0.05 % of the pixels), rounded to
   8 bits. One is chosen only if its *support* -- the share of the image's
   pixels within :data:`REAL_RADIUS` (0.02 in Oklab, a just-noticeable
   difference) of it, counted on the histogram -- is at least
   :data:`MIN_SUPPORT` (0.1 %). A theme color is never an average of two
   colors of the image: an eyedropper finds it.
2. **Salience of the pixels.** Each bin of pixels weighs its share of the
   image to the power :data:`AREA_EXPONENT` (0.5: a large area counts, less
   than in proportion), times ``1 + CHROMA_SALIENCE * vividness`` (chroma up
   to :data:`CHROMA_FULL`, scaled down below lightness :data:`LUMINOUS`: a
   saturated color in the light counts three times a gray one, its deep
   shadow less), times, when the pipeline has the image, the spatial saliency of its
   color (:func:`spatial_saliency`: how much it differs from its
   surroundings, and how near the center it lies).
3. **Coverage.** A pixel is covered by a theme color in proportion to how
   close it is, ``max(0, COVER_DISTANCE - distance)`` with lightness
   differences counted at :data:`LIGHTNESS_WEIGHT` (so that shades of one
   hue cover each other more than different hues do); beyond
   :data:`COVER_DISTANCE` (0.12, about six just-noticeable differences:
   another color, not another shade) not at all.
4. **Greedy choice.** Colors are added one at a time. Each candidate's
   *gain* is the salience-weighted coverage it adds; its score is
   ``gain ** GAIN_EXPONENT`` (0.35: area and salience matter, less than in
   proportion) times two bonuses: its own vividness (up to ``1 +
   VIVID_BONUS``), and *novelty* (up to ``1 + NEW_FAMILY_BONUS``) when it is
   a hue the theme does not have yet (30 degrees from every chosen hue, or
   markedly more vivid than the chosen color of that hue) or a neutral of a
   lightness it does not have yet -- the diversity of names people use; a
   candidate of a hue already chosen loses a share of its score
   (:data:`SAME_HUE_FACTOR`) for each color of that hue in the theme.
   The first color is one of the largest areas (:data:`FIRST_AREA_SHARE`);
   after it, while some candidate of a hue not chosen yet would newly cover
   :data:`LARGE_AREA` (15 %) of the image, only such candidates compete: a
   large distinct area of the image is never left out for an accent, while
   smaller dull areas (a wall, a shadow) and second shades of a large area
   (the darker half of a blurred background) compete with the accents on
   salience. Candidates closer than
   :data:`MIN_DISTANCE` (0.08) to a chosen color are out.
5. **The vivid version.** The winner stands for an area of the image: first
   the most common color within 0.06 of it, when that has
   :data:`COMMON_RATIO` times its support (a faint tint of noise beside a
   large flat white is not the white); the color reported for it is the
   most vivid common color of that area:
   among candidates within 0.06 of it, within 20 degrees of its hue, with at
   least 70 % of its gain and half of its support (a color of the area, not
   the fringe of compression noise around it). For a neutral, the most
   common neutral of the area. What counts as covered afterwards is the
   area of the winner, not of its vivid version: the version names the
   area, it does not move it.

Coverage with a cap is what makes the theme diverse: once a color is chosen,
the pixels near it add nothing more, so a second shade of the same area
loses to a smaller area of another color. When no real candidate is left at
:data:`MIN_DISTANCE` from the chosen ones, the theme has fewer than k colors.

Compared with the anchors: Material Color Utilities' ``Score`` ranks
quantized colors by chroma and by the share of the image in their hue range,
and de-duplicates by hue; it drops near-grays entirely (a black-and-white
photo has no theme) and has no notion of where a color is. Lin & Hanrahan
(CHI 2013) fit a model of people's themes on saliency, coverage, diversity
and color-name features; the first three are here as a fixed greedy
objective, and hue and lightness novelty stand in for color names.
``bench/bench_theme.py`` measures what the choice costs and gains against
the default palette.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .cluster import row_norms, squared_distances
from .colorspace import srgb_to_oklab
from .histogram import ColorHistogram, bin_keys_of, channel_bins, coarsen

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "MIN_DISTANCE",
    "REAL_RADIUS",
    "MIN_SUPPORT",
    "COVER_DISTANCE",
    "LARGE_AREA",
    "SaliencyMap",
    "ThemeResult",
    "select_theme",
    "spatial_saliency",
]

MIN_DISTANCE = 0.08
"""Smallest Oklab distance between two theme colors."""

REAL_RADIUS = 0.02
"""Oklab radius within which pixels count as the same color as a candidate."""

MIN_SUPPORT = 0.001
"""Smallest share of the image's pixels within :data:`REAL_RADIUS` of a theme
color, as counted on the histogram's bins (what is promised on the pixels is
half of it, 0.05 %; bins spread their pixels around their mean). Lower, and
a color spread over a gradient -- a kingfisher's wing -- has no candidate
left but its clipped highlight."""

COVER_DISTANCE = 0.12
"""Oklab distance from which a pixel is not covered at all by a theme color."""

LIGHTNESS_WEIGHT = 0.7
"""Coverage and spatial contrast count lightness differences at this weight."""

CHROMA_FULL = 0.15
"""Oklab chroma from which a color counts as fully saturated."""

LUMINOUS = 0.65
"""Oklab lightness from which a color counts as fully luminous."""

CHROMA_SALIENCE = 2.0
"""A fully saturated pixel weighs ``1 + CHROMA_SALIENCE`` times a gray one."""

AREA_EXPONENT = 0.5
"""Each coverage bin weighs its share of the pixels to this power."""

GAIN_EXPONENT = 0.35
"""Candidates are ranked by their coverage gain to this power times their bonuses."""

VIVID_BONUS = 1.0
"""A fully vivid candidate's score is multiplied by ``1 + VIVID_BONUS``."""

NEW_FAMILY_BONUS = 1.0
"""A candidate of a hue (or a neutral of a lightness) the theme does not have
yet has its score multiplied by up to ``1 + NEW_FAMILY_BONUS`` (in proportion
to its chroma; :data:`NEUTRAL_SHARE` of it for a neutral)."""

NOVELTY_FLOOR = 0.7
"""A chromatic candidate of a new hue gets at least this share of
:data:`NEW_FAMILY_BONUS`, however muted: a macaw's dusty blue-teal is a
color of its own to a person, not a grayish shade."""

NEUTRAL_SHARE = 0.3
"""Share of :data:`NEW_FAMILY_BONUS` a new neutral gets."""

SAME_HUE_SPREAD = 15.0
"""Degrees of hue within which a candidate has the same hue as a chosen color."""

SAME_HUE_FACTOR = 0.7
"""Each chosen chromatic color multiplies the score of the candidates within
:data:`SAME_HUE_SPREAD` of its hue by this: a second red must beat the other hues
by more (three reds for a crowd in red scarves leave out their purple and
yellow)."""

NEUTRAL_CHROMA = 0.04
"""Colors below this Oklab chroma are neutrals (grays, whites, blacks)."""

HUE_SPREAD = 30.0
"""Degrees of hue from every chosen hue from which a hue is new."""

VIVID_STEP = 1.6
"""A candidate this many times as chromatic as the chosen color of its hue is
still new (a vivid orange after a tan)."""

NEUTRAL_SPREAD = 0.25
"""Oklab lightness from every chosen neutral from which a neutral is new."""

LARGE_AREA = 0.15
"""While some candidate of a hue not chosen yet would newly cover this share
of the image (closeness weighted), only such candidates compete."""

VIVID_REACH = 0.06
"""The vivid version of a chosen color lies within this Oklab distance of it,"""

VIVID_HUE = 20.0
"""within this many degrees of its hue,"""

VIVID_KEEP = 0.7
"""with at least this fraction of its coverage gain,"""

VIVID_SUPPORT = 0.5
"""and at least this fraction of its support."""

FIRST_AREA_SHARE = 0.7
"""The first color stands for one of the largest areas: only candidates that
would cover at least this fraction of what the best-covering one covers
compete for it (the street under the umbrellas, the grass under the frog)."""

TYPICAL_EXPONENT = 0.25
"""Among those, the vivid version maximises vividness times support to this
power: the red of a car's body, not the pink of its highlight."""

COMMON_RATIO = 4.0
"""A winner stands for the most common color within :data:`VIVID_REACH` of it
when that color has this many times its support."""


# Coverage is measured on the histogram coarsened to at most this many bins,
_COVER_BINS = 1024
# never coarser than this many bits per channel.
_COVER_MIN_BITS = 4
# Coverage bins holding less than this share of the pixels are left out.
_MIN_COVER_SHARE = 1e-4
# At most this many candidates, the best-populated bins,
_MAX_CANDIDATES = 256
# each holding at least this share of the pixels itself;
_MIN_BIN_SHARE = 0.0005
# Supports are computed for this many candidates at a time.
_SUPPORT_BATCH = 64

# Spatial saliency is computed on the image reduced to at most this many
# pixels on its longest side,
_SALIENCY_SIDE = 96
# comparing each pixel with the mean of a square of this fraction of the
# longest side around it,
_SURROUND = 0.25
# and looked up by bins of this many bits per channel.
_SALIENCY_BITS = 4

FloatArray = npt.NDArray[np.float64]


# --- spatial saliency -----------------------------------------------------------------


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
        Mean saliency of those pixels, >= 0; the mean over the image's
        pixels is 1.
    """

    bits: int
    keys: npt.NDArray[np.intp]
    values: FloatArray

    def lookup(self, histogram: ColorHistogram) -> FloatArray:
        """(M,) saliency of each bin of ``histogram`` (1 where the map has no pixel).

        ``histogram.bits`` must be at least :attr:`bits`.
        """
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
    each pixel's saliency is its Oklab distance (lightness at
    :data:`LIGHTNESS_WEIGHT`) to the mean color of the square around it, a
    quarter of the longest side wide: a color that differs from its
    surroundings -- an object on a background, an accent -- scores high; a
    large even area or a blurred background scores low. It is multiplied by
    a gentle center weighting (1 at the center, 0.5 in the corners), since
    the subject of a photo is usually there. The map holds the mean saliency
    of the pixels of each color bin, normalised so that the mean over the
    image's pixels is 1.

    Parameters
    ----------
    image : PIL.Image.Image
        The image at working size, mode RGB or RGBA (other modes are
        converted).
    alpha_threshold : int
        Pixels with alpha below this (0 to 255) are left out.
    """
    from PIL import Image as PILImage

    small = image
    longest = max(image.size)
    if longest > _SALIENCY_SIDE:
        scale = _SALIENCY_SIDE / longest
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = image.resize(size, PILImage.Resampling.BOX)
    if small.mode not in ("RGB", "RGBA"):
        small = small.convert("RGBA")
    array = np.asarray(small)
    rgb = np.ascontiguousarray(array[..., :3])
    height, width = rgb.shape[:2]
    lab = srgb_to_oklab(rgb.reshape(-1, 3) / 255.0).reshape(height, width, 3)
    lab[..., 0] *= LIGHTNESS_WEIGHT
    radius = max(1, round(_SURROUND * max(height, width) / 2))
    contrast = np.sqrt(((lab - _box_mean(lab, radius)) ** 2).sum(axis=2))
    ys = (np.arange(height) + 0.5) / height - 0.5
    xs = (np.arange(width) + 0.5) / width - 0.5
    center = 1.0 - (ys[:, None] ** 2 + xs[None, :] ** 2)
    saliency = (contrast * center).ravel()
    pixels = rgb.reshape(-1, 3)
    if array.shape[2] == 4:
        opaque = array[..., 3].ravel() >= alpha_threshold
        saliency, pixels = saliency[opaque], pixels[opaque]
    if saliency.shape[0] == 0 or saliency.sum() <= 0.0:  # empty, or one flat color
        return SaliencyMap(_SALIENCY_BITS, np.zeros(1, dtype=np.intp), np.ones(1))
    saliency = saliency / saliency.mean()
    bins = channel_bins(_SALIENCY_BITS).astype(np.intp)
    keys = (
        (bins[pixels[:, 0]] << (2 * _SALIENCY_BITS))
        | (bins[pixels[:, 1]] << _SALIENCY_BITS)
        | bins[pixels[:, 2]]
    )
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    values = np.bincount(inverse, weights=saliency) / counts
    return SaliencyMap(_SALIENCY_BITS, unique.astype(np.intp), values)


# --- the choice -----------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeResult:
    """Colors of a theme.

    Attributes
    ----------
    srgb : (n, 3) float64
        The theme colors in sRGB, integers in [0, 255], 1 <= n <= k.
    oklab : (n, 3) float64
        The same colors in Oklab.
    candidates : int
        Number of histogram bins the theme was chosen from.
    """

    srgb: FloatArray
    oklab: FloatArray
    candidates: int


def _chroma(oklab: FloatArray) -> FloatArray:
    return np.hypot(oklab[:, 1], oklab[:, 2])


def _vividness(oklab: FloatArray) -> FloatArray:
    """(C,) how vivid each color looks, in [0, 1]: its chroma up to
    :data:`CHROMA_FULL`, scaled down below :data:`LUMINOUS` lightness (a deep
    shadow of a color catches the eye less than the color in the light)."""
    chroma = np.minimum(_chroma(oklab), CHROMA_FULL) / CHROMA_FULL
    return chroma * np.minimum(1.0, oklab[:, 0] / LUMINOUS)


def _hue_turn(hue: FloatArray, reference: float) -> FloatArray:
    """(C,) absolute difference in radians, in [0, pi], of each hue from ``reference``."""
    return np.abs(np.angle(np.exp(1j * (hue - reference))))


def _support(cand_lab: FloatArray, lab: FloatArray, share: FloatArray) -> FloatArray:
    """(C,) sum of ``share`` over the bins whose color lies within
    :data:`REAL_RADIUS` of each candidate (all in Oklab).

    Only bins whose lightness is within the radius can be, so each candidate
    is compared with that slice of the bins sorted by lightness.
    """
    by_lightness = np.argsort(lab[:, 0], kind="stable")
    # one contiguous array per coordinate: gathers and sums over a short
    # last axis cost several times more
    lightness, green_red, blue_yellow = (
        np.ascontiguousarray(lab[by_lightness, i]) for i in range(3)
    )
    sorted_share = share[by_lightness]
    low = np.searchsorted(lightness, cand_lab[:, 0] - REAL_RADIUS, side="left")
    high = np.searchsorted(lightness, cand_lab[:, 0] + REAL_RADIUS, side="right")
    lengths = high - low
    out = np.zeros(cand_lab.shape[0])
    for start in range(0, cand_lab.shape[0], _SUPPORT_BATCH):
        stop = min(start + _SUPPORT_BATCH, cand_lab.shape[0])
        n = lengths[start:stop]
        total = int(n.sum())
        if total == 0:
            continue
        owner = np.repeat(np.arange(start, stop), n)  # the candidate of each pair
        first = np.repeat(low[start:stop] - np.cumsum(n) + n, n)
        index = first + np.arange(total)  # the bin of each pair
        d2 = np.square(lightness[index] - cand_lab[owner, 0])
        d2 += np.square(green_red[index] - cand_lab[owner, 1])
        d2 += np.square(blue_yellow[index] - cand_lab[owner, 2])
        near = d2 <= REAL_RADIUS * REAL_RADIUS
        out[start:stop] = np.bincount(
            owner[near] - start, weights=sorted_share[index[near]], minlength=stop - start
        )
    return out


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
        without it pixels count by their share and chroma alone.
    oklab : (M, 3) float64, optional
        The bins' colors in Oklab, if the caller has them.

    Returns
    -------
    ThemeResult
        Between 1 and k colors in the order they were chosen, pairwise at
        least :data:`MIN_DISTANCE` apart. Deterministic: no randomness, ties
        go to the lower bin.
    """
    colors = histogram.colors
    counts = histogram.counts.astype(np.float64)
    share = counts / counts.sum()
    lab = srgb_to_oklab(colors / 255.0) if oklab is None else oklab

    # 1. coverage bins: the histogram coarsened to about a thousand bins
    level = histogram
    while len(level) > _COVER_BINS and level.bits > _COVER_MIN_BITS:
        level = coarsen(level, level.bits - 1)
    if level is histogram:
        cover_lab, cover_share = lab, share
    else:
        cover_lab = srgb_to_oklab(level.colors / 255.0)
        cover_share = level.counts / counts.sum()

    # 2. candidates, as 8-bit colors: the best-populated bins of the histogram
    # and of the coverage level (a color spread thin over many fine bins,
    # as a gradient is, still has a well-populated coarse bin), kept when
    # enough pixels lie near them
    pools = []
    for pool_colors, pool_share in ((colors, share), (level.colors, cover_share)):
        best_populated = np.argsort(-pool_share, kind="stable")[:_MAX_CANDIDATES]
        best_populated = best_populated[pool_share[best_populated] >= _MIN_BIN_SHARE]
        pools.append(pool_colors[np.sort(best_populated)])
        if level is histogram:
            break
    cand_rgb = np.clip(np.rint(np.concatenate(pools)), 0.0, 255.0)
    if cand_rgb.shape[0] == 0:  # no bin holds 0.05 % of the pixels: the largest
        cand_rgb = np.clip(np.rint(colors[np.argmax(counts)][None, :]), 0.0, 255.0)
    cand_rgb = np.unique(cand_rgb, axis=0)  # sorted: deterministic ties
    cand_lab = srgb_to_oklab(cand_rgb / 255.0)
    n_considered = cand_rgb.shape[0]
    support = _support(cand_lab, lab, share)
    real = support >= MIN_SUPPORT
    if not real.any():  # no color repeats (noise): only the best supported one
        real = support == support.max()
    cand_rgb, cand_lab, support = cand_rgb[real], cand_lab[real], support[real]
    n_cand = cand_rgb.shape[0]

    spatial = np.ones(len(level)) if saliency is None else saliency.lookup(level)
    chroma_weight = 1.0 + CHROMA_SALIENCE * _vividness(cover_lab)
    weight = cover_share**AREA_EXPONENT * chroma_weight * spatial
    # bins of a few stray pixels (noise, edges) are left out of the coverage
    kept = cover_share >= _MIN_COVER_SHARE
    if not kept.any():
        kept[:] = True
    cover_lab = cover_lab[kept]
    weight = weight[kept].astype(np.float32)
    area = cover_share[kept].astype(np.float32)

    # 3. closeness of every candidate to every coverage bin, (C, Mc) float32;
    # each step reuses one buffer of that size (fresh pages cost more than
    # the arithmetic)
    scale = np.array([LIGHTNESS_WEIGHT, 1.0, 1.0])
    closeness = squared_distances(cand_lab * scale, cover_lab * scale).astype(np.float32)
    np.sqrt(closeness, out=closeness)
    np.subtract(np.float32(COVER_DISTANCE), closeness, out=closeness)
    np.maximum(closeness, np.float32(0.0), out=closeness)
    buffer = np.empty_like(closeness)

    cand_chroma = _chroma(cand_lab)
    vividness = _vividness(cand_lab)
    vivid = 1.0 + VIVID_BONUS * vividness
    chromatic = cand_chroma >= NEUTRAL_CHROMA
    hue = np.arctan2(cand_lab[:, 2], cand_lab[:, 1])
    novelty = NEW_FAMILY_BONUS * np.where(
        chromatic, np.maximum(vividness, NOVELTY_FLOOR), NEUTRAL_SHARE
    )
    same_hue = np.ones(n_cand)
    new = np.ones(n_cand, dtype=bool)

    # 4. greedy choice
    covered = np.zeros(cover_lab.shape[0], dtype=np.float32)
    allowed = np.ones(n_cand, dtype=bool)
    chosen: list[int] = []
    while len(chosen) < k and allowed.any():
        np.subtract(closeness, covered, out=buffer)
        np.maximum(buffer, np.float32(0.0), out=buffer)
        # einsum, not `@`: a threaded BLAS matrix-vector product costs more
        # on a busy machine than the arithmetic (see cluster.cross_products)
        gain = np.einsum("ij,j->i", buffer, weight).astype(np.float64)
        new_area = np.einsum("ij,j->i", buffer, area).astype(np.float64) / COVER_DISTANCE
        # a large area of a hue already chosen is a second shade, not a new area
        competing = allowed & (new_area >= LARGE_AREA) & (same_hue >= 1.0)
        if not chosen and FIRST_AREA_SHARE > 0.0:
            competing |= allowed & (new_area >= FIRST_AREA_SHARE * new_area[allowed].max())
        if not competing.any():
            competing = allowed
        bonus = vivid * (1.0 + novelty * new) * same_hue
        score = np.where(competing, gain**GAIN_EXPONENT * bonus, -np.inf)
        best = int(np.argmax(score))
        if chosen and gain[best] <= 0.0:
            break

        # 5. the common color of the area the winner stands for (a faint
        # tint of compression noise beside a large flat white scores a
        # little more vivid than the white itself), then its vivid version
        reach = allowed & (row_norms(cand_lab - cand_lab[best]) <= VIVID_REACH * VIVID_REACH)
        common = int(np.argmax(np.where(reach, support, -1.0)))
        if support[common] >= COMMON_RATIO * support[best]:
            best = common
            reach = allowed & (row_norms(cand_lab - cand_lab[best]) <= VIVID_REACH * VIVID_REACH)
        winner = best
        near = reach & (gain >= VIVID_KEEP * gain[best])
        if chromatic[best]:
            near &= chromatic & (_hue_turn(hue, hue[best]) <= np.radians(VIVID_HUE))
        else:
            near &= ~chromatic
        near_index = np.flatnonzero(near)
        near_index = near_index[support[near_index] >= VIVID_SUPPORT * support[best]]
        if near_index.shape[0]:  # best itself is always there
            ranking = vividness * support**TYPICAL_EXPONENT if chromatic[best] else support
            best = int(near_index[np.argmax(ranking[near_index])])

        chosen.append(best)
        # what is covered is the area the winner stands for; the vivid version
        # only names it (so a more vivid name does not change what comes next)
        np.maximum(covered, closeness[winner], out=covered)
        if chromatic[best]:
            turn = _hue_turn(hue, hue[best])
            same_hue[chromatic & (turn < np.radians(SAME_HUE_SPREAD))] *= SAME_HUE_FACTOR
            new &= (
                ~chromatic
                | (turn >= np.radians(HUE_SPREAD))
                | (cand_chroma >= VIVID_STEP * cand_chroma[best])
            )
        else:
            new &= chromatic | (np.abs(cand_lab[:, 0] - cand_lab[best, 0]) >= NEUTRAL_SPREAD)
        allowed &= row_norms(cand_lab - cand_lab[best]) >= MIN_DISTANCE * MIN_DISTANCE
    picked = np.asarray(chosen, dtype=np.intp)
    return ThemeResult(srgb=cand_rgb[picked], oklab=cand_lab[picked], candidates=n_considered)
