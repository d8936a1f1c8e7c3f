"""Themes: the few colors a person would pick from an image (``kind="theme"``).

A palette (the default kind) is a set of cluster centers: the colors that
represent the image's pixels best on average. A theme is what a designer
picks with an eyedropper: colors that really occur in the image, distinct
from each other, vivid where the image is vivid, together covering the
image's distinct colors, with what stands out weighing more than a large
dull area.

Method
------
Everything runs on a color histogram (the mean sRGB color and pixel count of
each occupied bin) and on a small thumbnail for the spatial term. The
pipeline counts that histogram on the selected pixels area-averaged to a
fixed size (:func:`theme_input`, ``input_pixels``), so that the same photo at
another size, or loaded another way, gives the same theme; the shares it
reports are still counted on the working image. The knobs are the fields of
:class:`ThemeParams` (default :data:`DEFAULT_THEME_PARAMS`), named below in
``code``.

1. **Real colors.** The candidates are the mean colors of the best-populated
   histogram bins (at most ``max_candidates``, each holding at least
   ``min_bin_share`` of the pixels) of the histogram and of its coverage
   level (step 3), and the ``vivid_candidates`` best-populated vivid bins
   of those levels and of each coarser one down to ``candidate_min_bits``
   (a vivid color spread over many shades fills no fine bin, and a large
   image's many dull bins can crowd it out), rounded to 8 bits. One is chosen only
   if its *support* -- the share of the image's pixels within
   ``real_radius`` (a just-noticeable difference) of it, counted on the
   histogram -- is at least ``min_support``. A theme color is never an
   average of two colors of the image: an eyedropper finds it.
2. **Salience of the pixels.** Each area of similar colors (the bins
   within ``area_radius``) weighs its share of the image to the power
   ``area_exponent`` (a large area counts, less than in proportion; shared
   among its bins, so that it does not weigh more for being spread over
   more bins), times ``1 + chroma_salience * vividness`` (chroma up to
   ``chroma_full``, scaled down below lightness ``luminous``: a saturated
   color in the light counts more than a gray one, its deep shadow less),
   times the spatial saliency of its color on the selected pixels
   (:func:`spatial_saliency`: how much it differs from its surroundings, and
   how near the center it lies), times its *region factor*: a color whose
   pixels lie as scattered specks or clumps of a pixel or two, most of
   their neighbours (the 5 x 5 square, ``region_radius``) another color
   (blossoms on foliage), weighs down to
   ``speck_floor`` of a coherent region's weight (a dress), and counts as
   that much less area in step 4.
3. **Coverage.** A pixel is covered by a theme color in proportion to how
   close it is, ``max(0, cover_distance - distance)`` with lightness
   differences counted at ``lightness_weight`` (so that shades of one hue
   cover each other more than different hues do); beyond
   ``cover_distance`` (another color, not another shade) not at all.
   Coverage is counted on the histogram coarsened to about ``cover_bins``
   bins, leaving out bins whose area holds under ``min_cover_share`` of
   the pixels (noise; not a color spread over many shades).
4. **Greedy choice.** Colors are added one at a time. Each candidate's
   *gain* is the salience-weighted coverage it adds; its score is
   ``gain ** gain_exponent`` (area and salience matter, less than in
   proportion) times two bonuses: its own vividness (up to ``1 +
   vivid_bonus``), and *novelty* (up to ``1 + new_family_bonus``) when it
   is a hue the theme does not have yet (``hue_spread`` degrees from every
   chosen hue, ``vivid_step`` times as chromatic as the chosen color of
   that hue, or ``shade_spread`` lighter or darker) or a neutral (chroma
   under ``neutral_chroma``) of a lightness it does not have yet
   (``neutral_spread`` from every chosen neutral) -- the diversity of
   names people use; a candidate of a hue already chosen (within
   ``same_hue_spread``) has its score multiplied by
   ``same_hue_factor`` for each color of that hue in the theme. The first
   color is one of the largest areas (``first_area_share``); after it,
   while some candidate of a hue not chosen yet would newly cover
   ``large_area`` of the image, only such candidates compete: a large
   distinct area of the image is never left out for an accent, while
   smaller dull areas (a wall, a shadow) and second shades of a large area
   (the darker half of a blurred background) compete with the accents on
   salience. Candidates closer than ``min_distance`` to a chosen color are
   out. The novelty and same-hue rules have soft edges (``soft_hue``,
   ``soft_step``, ``soft_lightness``): a hue a degree either side of an
   edge scores nearly the same, so a resize does not flip the choice.
5. **The vivid version.** The winner stands for an area of the image: first
   the most common color within ``vivid_reach`` of it, when that has
   ``common_ratio`` times its support (a faint tint of noise beside a large
   flat white is not the white); the color reported for it is the most
   vivid common color of that area (vividness times support to the power
   ``typical_exponent``): among candidates within ``vivid_reach`` of it,
   within ``vivid_hue`` degrees of its hue, with at least ``vivid_keep`` of
   its gain and ``vivid_support`` of its support (a color of the area, not
   the fringe of compression noise around it), weighted by closeness to
   the *vivid center* of the area (``version_steps`` mean-shift steps on
   the histogram toward its lit, saturated side, ``version_power``, within
   ``version_radius``): among near-equal shades the noise of a resize does
   not decide. For a neutral, the most common neutral near the mean of the
   neutral area. What counts as covered afterwards is the
   area of the winner, not of its vivid version: the version names the
   area, it does not move it.

Coverage with a cap is what makes the theme diverse: once a color is chosen,
the pixels near it add nothing more, so a second shade of the same area
loses to a smaller area of another color. When no real candidate is left at
``min_distance`` from the chosen ones, the theme has fewer than k colors.

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

from . import cluster
from .autok import JND
from .cluster import row_norms, squared_distances
from .colorspace import (
    LINEAR_SRGB_TO_LMS,
    LMS_CBRT_TO_OKLAB,
    OTHER_COLOR_DISTANCE,
    srgb_to_linear,
    srgb_to_oklab,
)
from .histogram import ColorHistogram, bin_keys_of, channel_bins, coarsen

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "ThemeParams",
    "DEFAULT_THEME_PARAMS",
    "MIN_DISTANCE",
    "SaliencyMap",
    "ThemeResult",
    "select_theme",
    "spatial_saliency",
    "theme_input",
]


@dataclass(frozen=True)
class ThemeParams:
    """The knobs of a theme (the method in the module doc names them in order).

    A frozen value: tune with :func:`dataclasses.replace` on
    :data:`DEFAULT_THEME_PARAMS` and pass the result as ``params``.
    """

    # --- 1. real colors

    max_candidates: int = 256
    """Candidates are at most this many best-populated bins of the histogram
    (and as many of its coverage level): more than any theme needs."""

    vivid_candidates: int = 64
    """... and as many more of the best-populated vivid bins (vividness at
    least 1/2) of each level: a vivid color spread over many shades, beside
    many dull bins, is still a candidate."""

    min_bin_share: float = 0.0005
    """A candidate's bin holds at least this share of the pixels itself: a
    color is visible, and the noise of a photo is not a candidate."""

    real_radius: float = JND
    """Oklab radius within which pixels count as the same color as a
    candidate: a just-noticeable difference."""

    candidate_min_bits: int = 4
    """Vivid candidates (``vivid_candidates``) also come from every level
    coarser than the coverage level down to this many bits per channel: a
    vivid color spread thin over many shades (a neon sign) has no
    well-populated fine bin, but a coarse bin whose mean is one of its
    shades."""

    min_support: float = 0.001
    """Smallest share of the image's pixels within ``real_radius`` of a theme
    color, as counted on the histogram's bins (what is promised on the pixels
    is half of it; bins spread their pixels around their mean). Lower, and a
    color spread over a gradient -- a kingfisher's wing -- has no candidate
    left but its clipped highlight."""

    input_pixels: int = 40_000
    """The theme is chosen from the selected pixels area-averaged (box filter)
    to at most this many pixels (:func:`theme_input`), whatever the image's
    size and however it was loaded: near-ties between areas are then settled
    by the areas, not by pixel noise that a resize keeps or smooths away."""

    # --- 2. salience of the pixels

    area_exponent: float = 0.5
    """Each area (the bins within ``area_radius``) weighs its share of the
    pixels to this power: a large area counts, less than in proportion."""

    area_radius: float = 0.03
    """An area is the coverage bins within this Oklab distance (lightness at
    ``lightness_weight``) of a bin: ``area_exponent`` applies to the area's
    share, shared out among its bins by their shares, so an area weighs the
    same however many bins its pixels spread over (a noisy, sharp image
    spreads them over more than its thumbnail does); 0 applies it to each
    bin."""

    chroma_salience: float = 2.0
    """A fully vivid pixel weighs ``1 + chroma_salience`` times a gray one:
    the eye goes to color."""

    chroma_full: float = 0.15
    """Oklab chroma from which a color counts as fully saturated."""

    luminous: float = 0.65
    """Oklab lightness from which a color counts as fully luminous: a deep
    shadow of a color catches the eye less than the color in the light."""

    saliency_side: int = 96
    """Spatial saliency is computed on the image reduced to at most this many
    pixels on its longest side: enough for objects, cheap on any image."""

    surround: float = 0.25
    """A pixel's surroundings are a square of this fraction of the longest
    side around it: larger than an accent, smaller than a background."""

    region_distance: float = 0.06
    """Two neighbouring pixels of the theme input closer than this (Oklab,
    lightness at ``lightness_weight``) are of one region, farther than twice
    this not at all (in proportion between): shades of one color, not another
    color (see ``speck_floor``)."""

    speck_floor: float = 0.25
    """A color's spatial saliency and its area are multiplied by
    ``speck_floor + (1 - speck_floor) * min(1, coherence / region_coherence)``,
    its coherence being the mean share of its pixels' 8 neighbours (on the
    theme input) that are of its region: a color made of scattered specks of
    a pixel or two (blossoms) weighs up to this much less than a coherent
    region of the same area (a dress); 1 turns the rule off."""

    region_coherence: float = 0.5
    """Coherence from which a color counts as regions, not specks: a
    textured or shiny object (a pile of chili peppers) has many neighbours
    of other colors, but most of its pixels have half or more of their own."""

    region_radius: int = 2
    """A pixel's neighbours for its coherence are the (2 region_radius + 1)
    square around it (24 pixels at 2): a clump of 2 x 2 blossoms has 3 of
    its own among them, a speck still, where among the 8 nearest it had 3
    of 8 and passed for a region; a dress is as coherent as before."""

    saliency_bits: int = 4
    """Spatial saliency is looked up by color bins of this many bits per
    channel: coarse enough that a color's bin holds several pixels of the
    reduced image."""

    # --- 3. coverage

    cover_distance: float = OTHER_COLOR_DISTANCE
    """Oklab distance from which a pixel is not covered at all by a theme
    color: another color rather than another shade, the same idea as the
    palette clustering's far distance (:data:`.colorspace.OTHER_COLOR_DISTANCE`)."""

    lightness_weight: float = 0.7
    """Coverage and spatial contrast count lightness differences at this
    weight, so that shades of one hue cover each other more than different
    hues do."""

    cover_bins: int = 1024
    """Coverage is measured on the histogram coarsened to at most this many
    bins, for speed (the candidates still come from the full histogram)."""

    cover_min_bits: int = 4
    """... never coarser than this many bits per channel."""

    min_cover_share: float = 1e-4
    """Coverage bins whose area (the bins within ``area_radius``) holds less
    than this share of the pixels (noise, edges) are left out of the
    coverage; a color spread over many bins of a few pixels each (stained
    glass lit from behind: hundreds of shades, 2 % of the image) is not
    noise."""

    # --- 4. greedy choice

    gain_exponent: float = 0.35
    """Candidates are ranked by their coverage gain to this power times their
    bonuses: area and salience matter, less than in proportion."""

    vivid_bonus: float = 1.0
    """A fully vivid candidate's score is multiplied by ``1 + vivid_bonus``:
    a designer picks the vivid colors of an image."""

    new_family_bonus: float = 1.0
    """A candidate of a hue (or a neutral of a lightness) the theme does not
    have yet has its score multiplied by up to ``1 + new_family_bonus`` (in
    proportion to its vividness; ``neutral_share`` of it for a neutral): the
    diversity of color names people use."""

    novelty_floor: float = 0.7
    """A chromatic candidate of a new hue gets at least this share of
    ``new_family_bonus``, however muted: a macaw's dusty blue-teal is a color
    of its own to a person, not a grayish shade."""

    neutral_share: float = 0.3
    """Share of ``new_family_bonus`` a new neutral gets: a black or a white
    belongs in a theme, behind the hues."""

    neutral_chroma: float = 0.04
    """Colors below this Oklab chroma are neutrals (grays, whites, blacks):
    their hue angle means nothing."""

    hue_spread: float = 30.0
    """Degrees of hue from every chosen hue from which a hue is new: about
    the width of a color name."""

    vivid_step: float = 1.6
    """A candidate this many times as chromatic as the chosen color of its hue
    is still new (a vivid orange after a tan)."""

    neutral_spread: float = 0.25
    """Oklab lightness from every chosen neutral from which a neutral is new:
    black, gray and white are three."""

    same_hue_spread: float = 15.0
    """Degrees of hue within which a candidate has the same hue as a chosen
    color."""

    same_hue_factor: float = 0.7
    """Each chosen chromatic color multiplies the score of the candidates
    within ``same_hue_spread`` of its hue by this: a second red must beat the
    other hues by more (three reds for a crowd in red scarves leave out their
    purple and yellow)."""

    shade_spread: float = 0.32
    """A chromatic candidate this much lighter or darker (Oklab lightness)
    than a chosen color of its hue is new and not the same hue (a deep red
    after a salmon, a navy after a sky blue: another color name), as a
    neutral is after ``neutral_spread``; ramped over ``soft_lightness``."""

    shade_novelty: float = 0.75
    """How new such a shade is, in [0, 1] (a new hue is 1): a little less, so
    that a hue the theme lacks beats a lighter shade of one it has (the
    purple chair over a lime one beside the olive grass)."""

    first_area_share: float = 0.7
    """The first color stands for one of the largest areas: only candidates
    that would cover at least this fraction of what the best-covering one
    covers compete for it (the street under the umbrellas, the grass under
    the frog); 0 turns the rule off."""

    large_area: float = 0.15
    """While some candidate of a hue not chosen yet would newly cover this
    share of the image (closeness weighted), only such candidates compete: a
    large distinct area is never left out for an accent."""

    min_distance: float = 0.08
    """Smallest Oklab distance between two theme colors: four
    just-noticeable differences, clearly two colors."""

    # --- 5. the vivid version

    vivid_reach: float = 0.06
    """The common color and the vivid version of a winner lie within this
    Oklab distance of it: the same area of the image."""

    common_ratio: float = 4.0
    """A winner stands for the most common color within ``vivid_reach`` of it
    when that color has this many times its support (a faint tint of noise
    beside a large flat white is not the white)."""

    vivid_hue: float = 20.0
    """The vivid version lies within this many degrees of the winner's hue."""

    vivid_keep: float = 0.7
    """The vivid version has at least this fraction of the winner's coverage
    gain: it stands for the same area."""

    vivid_support: float = 0.5
    """The vivid version has at least this fraction of the winner's support:
    a color of the area, not the fringe of compression noise around it."""

    typical_exponent: float = 0.25
    """Among those, the vivid version maximises vividness times support to
    this power: the red of a car's body, not the pink of its highlight."""

    version_steps: int = 3
    """The vivid version is looked for near the *vivid center* of the
    winner's area, found by this many mean-shift steps on the histogram
    (the bins within ``vivid_reach`` of the center and ``vivid_hue`` of the
    winner's hue, weighted as ``version_power`` says): a center that moves
    little when the image is resized, where the most vivid candidate alone
    flips between near-equal shades (issue 18 section 2). 0: the most vivid
    common candidate of the whole reach, as before."""

    version_power: float = 12.0
    """The mean shift weighs each bin by its share times (chroma times
    lightness) to this power: the center goes to the lit, saturated side of
    the area (the yellow of a yellow egg, not its orange shade), not to its
    average."""

    version_radius: float = 0.04
    """... and the vivid version's ranking (``typical_exponent``) is
    multiplied by ``max(0, 1 - distance / version_radius)`` from that
    center: the most vivid common color near it."""

    # --- 4b. soft edges of the novelty rules (steadiness)

    soft_hue: float = 10.0
    """Degrees over which a hue turns from "the same hue" to "another hue"
    (centered on ``same_hue_spread``) and from "not new" to "new" (centered on
    ``hue_spread``): a candidate 1 degree either side of an edge scores
    nearly the same, so a resize does not flip the choice."""

    soft_step: float = 0.3
    """Width of the same ramp on the chroma ratio, centered on ``vivid_step``."""

    soft_lightness: float = 0.04
    """Width of the same ramp on a lightness step, centered on
    ``neutral_spread`` (between neutrals) and on ``shade_spread`` (between
    shades of a hue)."""


DEFAULT_THEME_PARAMS = ThemeParams()
"""The parameters ``kind="theme"`` uses."""

MIN_DISTANCE = DEFAULT_THEME_PARAMS.min_distance
"""``DEFAULT_THEME_PARAMS.min_distance``, for callers that quote the promise."""

# Supports are computed for this many candidates at a time (memory, not results).
_SUPPORT_BATCH = 64

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
        Sorted keys of the bins that hold pixels of the reduced image or of
        the theme input.
    values : (B,) float64
        Mean saliency of those pixels, >= 0 (the mean over the reduced
        image's pixels is 1 before the speck factor of ``regions``).
    regions : (B,) float64, optional
        How much of a region each bin's pixels are: ``speck_floor`` for
        scattered specks up to 1 inside coherent regions (see
        :class:`ThemeParams`); ``values`` already include it. None: 1.
    """

    bits: int
    keys: npt.NDArray[np.intp]
    values: FloatArray
    regions: FloatArray | None = None

    def region_factor(self, histogram: ColorHistogram) -> FloatArray:
        """(M,) ``regions`` of each bin of ``histogram`` (1 where unknown)."""
        if self.regions is None:
            return np.ones(len(histogram))
        return SaliencyMap(self.bits, self.keys, self.regions).lookup(histogram)

    def lookup(self, histogram: ColorHistogram) -> FloatArray:
        """(M,) saliency of each bin of ``histogram`` (1 where the map has no pixel).

        ``histogram.bits`` must be at least :attr:`bits`.
        """
        return self.lookup_keys(bin_keys_of(histogram, self.bits))

    def lookup_keys(self, keys: npt.NDArray[np.intp]) -> FloatArray:
        """(B,) saliency of each bin key (at :attr:`bits`; 1 where the map has no pixel)."""
        if self.keys.shape[0] == 0:
            return np.ones(keys.shape[0])
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


def spatial_saliency(
    image: Image.Image,
    alpha_threshold: int = 128,
    *,
    params: ThemeParams = DEFAULT_THEME_PARAMS,
    reduced: npt.NDArray[np.uint8] | None = None,
) -> SaliencyMap:
    """How much each color stands out where it occurs in the image.

    On the image reduced to at most ``params.saliency_side`` px on its
    longest side (box filter), each pixel's saliency is its Oklab distance
    (lightness at ``params.lightness_weight``) to the mean color of the
    square around it, ``params.surround`` of the longest side wide: a color
    that differs from its surroundings -- an object on a background, an
    accent -- scores high; a large even area or a blurred background scores
    low. It is multiplied by a gentle center weighting (1 at the center,
    half that in the corners), since the subject of a photo is usually
    there. The map holds the mean saliency of the pixels of each color bin
    (``params.saliency_bits`` per channel), normalised so that the mean over
    the image's pixels is 1.

    Parameters
    ----------
    image : PIL.Image.Image
        The image at working size, mode RGB or RGBA (other modes are
        converted).
    alpha_threshold : int
        Pixels with alpha below this (0 to 255) are left out.
    params : ThemeParams
        The knobs of the theme.
    reduced : (H, W, 3) or (H, W, 4) uint8, optional
        ``theme_input(image, params=params)``, when the caller has it (the
        pipeline counts it too): the regions are measured on it.
    """
    from PIL import Image as PILImage

    small = image
    longest = max(image.size)
    if longest > params.saliency_side:
        scale = params.saliency_side / longest
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = image.resize(size, PILImage.Resampling.BOX)
    if small.mode not in ("RGB", "RGBA"):
        small = small.convert("RGBA")
    array = np.asarray(small)
    rgb = np.ascontiguousarray(array[..., :3])
    height, width = rgb.shape[:2]
    lab = srgb_to_oklab(rgb.reshape(-1, 3) / 255.0).reshape(height, width, 3)
    lab[..., 0] *= params.lightness_weight
    radius = max(1, round(params.surround * max(height, width) / 2))
    contrast = np.sqrt(((lab - _box_mean(lab, radius)) ** 2).sum(axis=2))
    ys = (np.arange(height) + 0.5) / height - 0.5
    xs = (np.arange(width) + 0.5) / width - 0.5
    center = 1.0 - (ys[:, None] ** 2 + xs[None, :] ** 2)
    saliency = (contrast * center).ravel()
    pixels = rgb.reshape(-1, 3)
    if array.shape[2] == 4:
        opaque = array[..., 3].ravel() >= alpha_threshold
        saliency, pixels = saliency[opaque], pixels[opaque]
    bits = params.saliency_bits
    if saliency.shape[0] == 0 or saliency.sum() <= 0.0:  # empty, or one flat color
        unique, values = np.zeros(1, dtype=np.intp), np.ones(1)
    else:
        unique, values = _mean_by_bin(pixels, saliency / saliency.mean(), bits)
    if params.speck_floor >= 1.0:
        return SaliencyMap(bits, unique, values)
    coherent_keys, coherence = _coherence(image, alpha_threshold, params, reduced)
    keys = np.union1d(unique, coherent_keys)
    spatial = SaliencyMap(bits, unique, values).lookup_keys(keys)  # 1 where not seen
    factor = np.ones(keys.shape[0])
    speckled = np.minimum(1.0, coherence / params.region_coherence)
    factor[np.searchsorted(keys, coherent_keys)] = (
        params.speck_floor + (1.0 - params.speck_floor) * speckled
    )
    return SaliencyMap(bits, keys, spatial * factor, factor)


def _mean_by_bin(
    pixels: npt.NDArray[np.uint8], values: FloatArray, bits: int
) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Sorted keys of the color bins (``bits`` per channel) of (N, 3) uint8
    ``pixels``, and the mean of (N,) ``values`` over each bin's pixels."""
    bins = channel_bins(bits).astype(np.intp)
    keys = (bins[pixels[:, 0]] << (2 * bits)) | (bins[pixels[:, 1]] << bits) | bins[pixels[:, 2]]
    if bits > 6:  # a sparse table: sort instead
        unique, inverse, count = np.unique(keys, return_inverse=True, return_counts=True)
        return unique.astype(np.intp), np.bincount(inverse, weights=values) / count
    size = 1 << (3 * bits)
    counts = np.bincount(keys, minlength=size)
    occupied = np.flatnonzero(counts)
    sums = np.bincount(keys, weights=values, minlength=size)
    return occupied.astype(np.intp), sums[occupied] / counts[occupied]


# linear light of each 8-bit sRGB level, float32
_LINEAR32 = srgb_to_linear(np.repeat(np.arange(256.0)[:, None] / 255.0, 3, axis=1))[:, 0].astype(
    np.float32
)

# neighbour offsets (rows, columns), each pair of neighbours once: with both
# ends counted, the 8 neighbours of every pixel
_HALF_NEIGHBOURHOOD = ((0, 1), (1, 0), (1, 1), (1, -1))


def _half_neighbourhood(radius: int) -> list[tuple[int, int]]:
    """Offsets (rows, columns) of the (2 radius + 1)-square around a pixel,
    each pair of neighbours once."""
    if radius == 1:
        return list(_HALF_NEIGHBOURHOOD)
    offsets = [(0, dx) for dx in range(1, radius + 1)]
    offsets += [(dy, dx) for dy in range(1, radius + 1) for dx in range(-radius, radius + 1)]
    return offsets


def _coherence(
    image: Image.Image,
    alpha_threshold: int,
    params: ThemeParams,
    reduced: npt.NDArray[np.uint8] | None = None,
) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """How much each color of the theme input lies in coherent regions.

    On :func:`theme_input` of ``image`` (``reduced``, when given), each
    opaque pixel's coherence is the share of its opaque neighbours (the
    square of ``params.region_radius`` around it) of its region (within
    ``params.region_distance`` of it, lightness at
    ``params.lightness_weight``; in part up to twice that): 1 inside a
    region of one color and its shades, about 1/2 along its edges, 0 for an
    isolated speck, low for a clump of a few pixels.

    Returns
    -------
    keys : (B,) intp
        Sorted keys of the color bins (``params.saliency_bits`` per channel)
        of the opaque pixels.
    coherence : (B,) float64
        Mean coherence of each bin's pixels, in [0, 1].
    """
    array = theme_input(image, params=params) if reduced is None else reduced
    height, width = array.shape[:2]
    rgb = np.ascontiguousarray(array[..., :3])
    # Oklab in float32 (ample for distances of 0.06), one contiguous plane
    # per coordinate, lightness weighted
    linear = _LINEAR32[rgb.reshape(-1, 3)]
    lms = np.power(linear @ LINEAR_SRGB_TO_LMS.T.astype(np.float32), np.float32(1.0 / 3.0))
    scale = np.array([params.lightness_weight, 1.0, 1.0])[:, None]
    to_lab = (LMS_CBRT_TO_OKLAB * scale).astype(np.float32)
    if array.shape[2] == 4:
        opaque = array[..., 3] >= alpha_threshold
    else:
        opaque = np.ones((height, width), dtype=bool)
    all_opaque = bool(opaque.all())
    # One flat plane per coordinate, each row followed by r far-away
    # padding pixels: a neighbour (dy, dx) is then the pixel s = dy * (width
    # + r) + dx further on, and one past the row's end or start lands in
    # the padding, so every offset is one pass over contiguous memory.
    # Transparent pixels are far away too.
    r = params.region_radius
    padded_width = width + r
    far = np.float32(1e3)
    planes = []
    for row in to_lab:
        plane = np.full((height, padded_width), far, dtype=np.float32)
        plane[:, :width] = (lms @ row).reshape(height, width)
        if not all_opaque:
            plane[:, :width][~opaque] = far
        planes.append(plane.ravel())
    n = height * padded_width
    # closeness ramps on the squared distance d2: 1 up to region_distance,
    # 0 from twice that, i.e. (outer - clip(d2, inner, outer)) / ramp: only
    # the clipped d2 need be summed over a pixel's pairs (a far neighbour
    # adds outer: no closeness)
    inner = np.float32(params.region_distance**2)
    outer = np.float32(4.0 * params.region_distance**2)
    ramp = outer - inner
    shifts = np.array(
        sorted(dy * padded_width + dx for dy, dx in _half_neighbourhood(r)), dtype=np.intp
    )
    # minus the sum over a pixel's pairs of outer - clip(d2): each pair it
    # has (all but near either end of the flat planes) starts it at -outer
    close = np.full(n, -2.0 * shifts.shape[0] * outer, dtype=np.float32)
    ends = np.arange(min(int(shifts[-1]), n))
    missing = (shifts.shape[0] - np.searchsorted(shifts, ends, side="right")) * outer
    close[ends] += missing
    close[n - 1 - ends] += missing
    for shift in shifts:
        d2 = planes[0][: n - shift] - planes[0][shift:]
        np.square(d2, out=d2)
        for plane in planes[1:]:
            diff = plane[: n - shift] - plane[shift:]
            np.square(diff, out=diff)
            d2 += diff
        np.clip(d2, inner, outer, out=d2)
        close[: n - shift] += d2
        close[shift:] += d2
    rows, cols = np.arange(height), np.arange(width)
    edge_rows = np.minimum(rows + r, height - 1) - np.maximum(rows - r, 0) + 1.0
    edge_cols = np.minimum(cols + r, width - 1) - np.maximum(cols - r, 0) + 1.0
    window = edge_rows[:, None] * edge_cols[None, :]
    if all_opaque:
        neighbours = window - 1.0
    else:  # the opaque pixels of each (2 r + 1)-square, but for the pixel itself
        counts = _box_mean(opaque[:, :, None].astype(np.float64), r)[:, :, 0]
        neighbours = np.rint(counts * window) - opaque
    # coherence: the pairs' closeness over the neighbours (1 without any)
    scale = np.where(neighbours > 0, -1.0 / (ramp * np.maximum(neighbours, 1.0)), 0.0)
    coherence = close.reshape(height, padded_width)[:, :width] * scale
    np.maximum(coherence, 0.0, out=coherence)  # float32 rounding
    coherence[neighbours <= 0] = 1.0
    if all_opaque:  # no copy of the pixels
        return _mean_by_bin(rgb.reshape(-1, 3), coherence.ravel(), params.saliency_bits)
    kept = opaque.ravel()
    if not kept.any():
        return np.zeros(0, dtype=np.intp), np.zeros(0)
    return _mean_by_bin(rgb.reshape(-1, 3)[kept], coherence.ravel()[kept], params.saliency_bits)


def theme_input(
    image: Image.Image, *, params: ThemeParams = DEFAULT_THEME_PARAMS
) -> npt.NDArray[np.uint8]:
    """The pixels a theme is chosen from: ``image`` area-averaged to at most
    ``params.input_pixels`` pixels (never enlarged).

    A box filter averages every pixel of the image into the reduced one, so
    the result hardly depends on the image's own size (a thumbnail and the
    full photo give nearly the same pixels) nor on how it was decoded;
    sampled pixels keep noise that changes with the size. Alpha is averaged
    premultiplied (Pillow), so transparent pixels do not tint their
    neighbours.

    Parameters
    ----------
    image : PIL.Image.Image
        The selected region at working size, mode RGB or RGBA (other modes
        are converted to RGBA).
    params : ThemeParams
        The knobs of the theme.

    Returns
    -------
    (H, W, 3) or (H, W, 4) uint8
        sRGB(A) in [0, 255], H * W <= ``params.input_pixels`` when the image
        has more pixels, else the image itself.
    """
    from PIL import Image as PILImage

    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    width, height = image.size
    if width * height > params.input_pixels:
        scale = (params.input_pixels / (width * height)) ** 0.5
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        image = image.resize(size, PILImage.Resampling.BOX)
    return np.asarray(image, dtype=np.uint8)


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


def _vividness(oklab: FloatArray, params: ThemeParams) -> FloatArray:
    """(C,) how vivid each color looks, in [0, 1]: its chroma up to
    ``params.chroma_full``, scaled down below ``params.luminous`` lightness (a
    deep shadow of a color catches the eye less than the color in the light)."""
    chroma = np.minimum(_chroma(oklab), params.chroma_full) / params.chroma_full
    return chroma * np.minimum(1.0, oklab[:, 0] / params.luminous)


def _ramp(value: FloatArray, edge: float, width: float) -> FloatArray:
    """(C,) 0 below ``edge - width / 2``, 1 from ``edge + width / 2``, linear
    between (a step at ``edge`` when ``width`` is 0)."""
    if width <= 0.0:
        return (value >= edge).astype(np.float64)
    return np.clip((value - edge) / width + 0.5, 0.0, 1.0)


def _hue_turn(hue: FloatArray, reference: float) -> FloatArray:
    """(C,) absolute difference in radians, in [0, pi], of each hue from ``reference``."""
    return np.abs(np.angle(np.exp(1j * (hue - reference))))


def _support(cand_lab: FloatArray, lab: FloatArray, share: FloatArray, radius: float) -> FloatArray:
    """(C,) sum of ``share`` over the bins whose color lies within ``radius``
    of each candidate (all in Oklab).

    Only bins whose lightness is within the radius can be, so each candidate
    is compared with that slice of the bins sorted by lightness. The
    compiled kernel (``_cluster.radius_sums``), when built, does the same
    arithmetic in one pass (the sums in the same order: the same bits).
    """
    by_lightness = np.argsort(lab[:, 0], kind="stable")
    # one contiguous array per coordinate: gathers and sums over a short
    # last axis cost several times more
    lightness, green_red, blue_yellow = (
        np.ascontiguousarray(lab[by_lightness, i], dtype=np.float64) for i in range(3)
    )
    sorted_share = share[by_lightness]
    low = np.searchsorted(lightness, cand_lab[:, 0] - radius, side="left")
    high = np.searchsorted(lightness, cand_lab[:, 0] + radius, side="right")
    out = np.zeros(cand_lab.shape[0])
    kernel = cluster._kernel
    if kernel is not None and hasattr(kernel, "radius_sums"):
        kernel.radius_sums(
            lightness,
            green_red,
            blue_yellow,
            np.ascontiguousarray(sorted_share, dtype=np.float64),
            np.ascontiguousarray(cand_lab, dtype=np.float64),
            low.astype(np.int64),
            high.astype(np.int64),
            radius * radius,
            out,
        )
        return out
    lengths = high - low
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
        near = d2 <= radius * radius
        out[start:stop] = np.bincount(
            owner[near] - start, weights=sorted_share[index[near]], minlength=stop - start
        )
    return out


@dataclass(frozen=True)
class _Bins:
    """Bins of a histogram in Oklab with their share of the pixels.

    Attributes
    ----------
    histogram : ColorHistogram
        The bins (mean sRGB colors in [0, 255], counts).
    lab : (M, 3) float64
        Their colors in Oklab.
    share : (M,) float64
        Their share of the image's pixels (of the full histogram), in [0, 1].
    """

    histogram: ColorHistogram
    lab: FloatArray
    share: FloatArray


def _coverage_bins(full: _Bins, params: ThemeParams) -> _Bins:
    """The histogram coarsened to at most about ``params.cover_bins`` bins."""
    level = full.histogram
    while len(level) > params.cover_bins and level.bits > params.cover_min_bits:
        level = coarsen(level, level.bits - 1)
    if level is full.histogram:
        return full
    total = full.histogram.counts.astype(np.float64).sum()
    return _Bins(level, srgb_to_oklab(level.colors / 255.0), level.counts / total)


@dataclass(frozen=True)
class _Candidates:
    """The real colors a theme is chosen from.

    Attributes
    ----------
    rgb : (C, 3) float64
        8-bit sRGB colors in [0, 255], sorted (ties go to the lower one).
    lab : (C, 3) float64
        The same in Oklab.
    support : (C,) float64
        Share of the pixels within ``real_radius`` of each, in [0, 1].
    considered : int
        How many colors were considered before the support test.
    """

    rgb: FloatArray
    lab: FloatArray
    support: FloatArray
    considered: int


def _real_candidates(full: _Bins, cover: _Bins, params: ThemeParams) -> _Candidates:
    """8-bit colors of the best-populated bins of the histogram and of the
    coverage level (a color spread thin over many fine bins, as a gradient
    is, still has a well-populated coarse bin), kept when enough pixels lie
    near them."""
    pools = []
    levels = [full.histogram] if cover is full else [full.histogram, cover.histogram]
    own = len(levels)  # levels whose best-populated bins are all candidates
    while levels[-1].bits > params.candidate_min_bits:
        levels.append(coarsen(levels[-1], levels[-1].bits - 1))
    known = [full.lab] if cover is full else [full.lab, cover.lab]  # Oklab already at hand
    total = full.histogram.counts.astype(np.float64).sum()
    for n, level in enumerate(levels):
        share = level.counts / total
        populated = share >= params.min_bin_share
        level_lab = known[n] if n < len(known) else srgb_to_oklab(level.colors / 255.0)
        if n < own:
            best_populated = np.argsort(-share, kind="stable")[: params.max_candidates]
            best_populated = best_populated[populated[best_populated]]
            pools.append(level.colors[np.sort(best_populated)])
        # and the best-populated vivid bins, which a large image's many dull
        # bins can push out of the first pool (neon signs in a night street)
        vivid = populated & (_vividness(level_lab, params) >= 0.5)
        vivid_index = np.flatnonzero(vivid)
        best_vivid = vivid_index[np.argsort(-share[vivid_index], kind="stable")]
        best_vivid = np.sort(best_vivid[: params.vivid_candidates])
        pools.append(level.colors[best_vivid])
    rgb = np.clip(np.rint(np.concatenate(pools)), 0.0, 255.0)
    if rgb.shape[0] == 0:  # no bin holds min_bin_share of the pixels: the largest
        largest = full.histogram.colors[np.argmax(full.histogram.counts)]
        rgb = np.clip(np.rint(largest[None, :]), 0.0, 255.0)
    # distinct, sorted (deterministic ties): np.unique(rgb, axis=0) by 24-bit
    # keys, the same order for integers in [0, 255] and ten times cheaper
    keys = rgb.astype(np.int64) @ np.array([1 << 16, 1 << 8, 1], dtype=np.int64)
    rgb = rgb[np.unique(keys, return_index=True)[1]]
    lab = srgb_to_oklab(rgb / 255.0)
    support = _support(lab, full.lab, full.share, params.real_radius)
    real = support >= params.min_support
    if not real.any():  # no color repeats (noise): only the best supported one
        real = support == support.max()
    return _Candidates(rgb[real], lab[real], support[real], considered=rgb.shape[0])


@dataclass(frozen=True)
class _Coverage:
    """The pixels a theme covers, as coverage bins.

    Attributes
    ----------
    lab : (Mc, 3) float64
        Bin colors in Oklab.
    weight : (Mc,) float32
        Salience of each bin (area, vividness and spatial saliency).
    area : (Mc,) float32
        Share of the pixels in each bin, times its region factor
        (:attr:`SaliencyMap.regions`: specks make less of an area).
    """

    lab: FloatArray
    weight: npt.NDArray[np.float32]
    area: npt.NDArray[np.float32]


def _area_share(cover: _Bins, params: ThemeParams) -> FloatArray:
    """(Mc,) the share of the pixels in each coverage bin's area: the bins
    within ``area_radius`` of it (lightness at ``lightness_weight``); its own
    share when ``area_radius`` is 0."""
    if params.area_radius <= 0.0:
        return cover.share
    scaled = cover.lab * np.array([params.lightness_weight, 1.0, 1.0])
    return _support(scaled, scaled, cover.share, params.area_radius)


def _area_weight(cover: _Bins, params: ThemeParams, local: FloatArray | None = None) -> FloatArray:
    """(Mc,) each coverage bin's share of the weight its area has: the area's
    share of the pixels (``local``, :func:`_area_share`) to the power
    ``area_exponent``, divided among its bins by their shares."""
    if params.area_radius <= 0.0:
        return cover.share**params.area_exponent
    local = _area_share(cover, params) if local is None else local
    return cover.share * np.maximum(local, 1e-12) ** (params.area_exponent - 1.0)


def _coverage(cover: _Bins, saliency: SaliencyMap | None, params: ThemeParams) -> _Coverage:
    """Salience of each coverage bin; bins of a few stray pixels left out."""
    spatial = (
        np.ones(len(cover.histogram)) if saliency is None else saliency.lookup(cover.histogram)
    )
    chroma_weight = 1.0 + params.chroma_salience * _vividness(cover.lab, params)
    local = _area_share(cover, params)
    weight = _area_weight(cover, params, local) * chroma_weight * spatial
    # the area a person sees: scattered specks make less of one than a region
    area = cover.share * (1.0 if saliency is None else saliency.region_factor(cover.histogram))
    # noise is a small bin with few pixels near it, or the fringe of an area
    # whose well-populated bins stand for it; not the bins of a color spread
    # over many shades, none well populated (stained glass: hundreds, 2 %)
    kept = cover.share >= params.min_cover_share
    spread = ~kept & (local >= params.min_cover_share)
    if spread.any() and kept.any():
        scaled = cover.lab * np.array([params.lightness_weight, 1.0, 1.0])
        represented = _support(scaled[spread], scaled[kept], cover.share[kept], params.area_radius)
        spread[spread] = represented <= 0.0
    kept |= spread
    if not kept.any():
        kept[:] = True
    return _Coverage(
        lab=cover.lab[kept],
        weight=weight[kept].astype(np.float32),
        area=area[kept].astype(np.float32),
    )


class _Greedy:
    """The state of the greedy choice (steps 4 and 5 of the module doc).

    Attributes
    ----------
    chosen : list of int
        Indices of the chosen candidates (their vivid versions), in order.
    allowed : (C,) bool
        Candidates at least ``min_distance`` from every chosen color.
    """

    def __init__(
        self,
        cands: _Candidates,
        coverage: _Coverage,
        params: ThemeParams,
        pixels: _Bins | None = None,
        real_in: _Bins | None = None,
    ) -> None:
        self.params = params
        self.pixels = pixels
        self.real_in = real_in
        self.in_pixels: dict[int, float] = {}  # support in real_in, when asked
        if pixels is not None:
            # per bin, once: chroma, hue direction and vivid-center weight
            self.pixel_chroma = _chroma(pixels.lab)
            self.pixel_direction = pixels.lab[:, 1:] / np.maximum(self.pixel_chroma, 1e-12)[:, None]
            self.pixel_chromatic = self.pixel_chroma >= params.neutral_chroma
            self.pixel_weight = (
                pixels.share * (self.pixel_chroma * pixels.lab[:, 0]) ** params.version_power
            )
        self.lab, self.support = cands.lab, cands.support
        self.weight, self.area = coverage.weight, coverage.area
        # closeness of every coverage bin to every candidate, (Mc, C) float32
        # (a choice changes a few rows; the sums over the rows are passes
        # over contiguous memory)
        scale = np.array([params.lightness_weight, 1.0, 1.0])
        closeness = squared_distances(self.lab * scale, coverage.lab * scale).T.astype(
            np.float32, order="C"
        )
        np.sqrt(closeness, out=closeness)
        np.subtract(np.float32(params.cover_distance), closeness, out=closeness)
        np.maximum(closeness, np.float32(0.0), out=closeness)
        self.by_bin = closeness
        # what each candidate would add to each coverage bin, max(closeness -
        # covered, 0); a choice changes only the columns it covers more
        self.adds = closeness.copy()
        self.covered = np.zeros(coverage.lab.shape[0], dtype=np.float32)

        n = self.lab.shape[0]
        self.chroma = _chroma(self.lab)
        self.vividness = _vividness(self.lab, params)
        self.vivid = 1.0 + params.vivid_bonus * self.vividness
        self.chromatic = self.chroma >= params.neutral_chroma
        self.hue = np.arctan2(self.lab[:, 2], self.lab[:, 1])
        self.novelty = params.new_family_bonus * np.where(
            self.chromatic, np.maximum(self.vividness, params.novelty_floor), params.neutral_share
        )
        self.same_hue = np.ones(n)
        self.new = np.ones(n)
        self.allowed = np.ones(n, dtype=bool)
        self.chosen: list[int] = []

    @property
    def closeness(self) -> npt.NDArray[np.float32]:
        """(C, Mc) float32 closeness of each candidate to each coverage bin,
        ``max(0, cover_distance - distance)`` (a view of ``by_bin``)."""
        return self.by_bin.T

    def gains(self) -> tuple[FloatArray, FloatArray]:
        """(C,) salience-weighted coverage each candidate would add, and (C,)
        the share of the image it would newly cover (closeness weighted)."""
        adds = self.adds
        # einsum, not `@`: a threaded BLAS matrix-vector product costs more
        # on a busy machine than the arithmetic (see cluster.cross_products)
        gain = np.einsum("ji,j->i", adds, self.weight).astype(np.float64)
        new_area = np.einsum("ji,j->i", adds, self.area).astype(np.float64)
        return gain, new_area / self.params.cover_distance

    def best(self, gain: FloatArray, new_area: FloatArray) -> int:
        """The candidate with the best score among those that compete."""
        params, allowed = self.params, self.allowed
        # a large area of a hue already chosen is a second shade, not a new area
        competing = allowed & (new_area >= params.large_area) & (self.same_hue >= 1.0)
        if not self.chosen and params.first_area_share > 0.0:
            largest = new_area[allowed].max()
            competing |= allowed & (new_area >= params.first_area_share * largest)
        if not competing.any():
            competing = allowed
        bonus = self.vivid * (1.0 + self.novelty * self.new) * self.same_hue
        score = np.where(competing, gain**params.gain_exponent * bonus, -np.inf)
        return int(np.argmax(score))

    def _reach(self, index: int) -> npt.NDArray[np.bool_]:
        """Allowed candidates within ``vivid_reach`` of candidate ``index``."""
        reach = self.params.vivid_reach
        return self.allowed & (row_norms(self.lab - self.lab[index]) <= reach * reach)

    def area_of(self, best: int) -> tuple[int, npt.NDArray[np.bool_]]:
        """The winner: the common color of the area ``best`` stands for, and
        the candidates within reach of it.

        A faint tint of compression noise beside a large flat white scores a
        little more vivid than the white itself.
        """
        reach = self._reach(best)
        common = int(np.argmax(np.where(reach, self.support, -1.0)))
        if self.support[common] >= self.params.common_ratio * self.support[best]:
            return common, self._reach(common)
        return best, reach

    def vivid_version(self, winner: int, reach: npt.NDArray[np.bool_], gain: FloatArray) -> int:
        """The most vivid common color of the winner's area (for a neutral,
        the most common neutral); the winner itself when none is."""
        params, support, chromatic = self.params, self.support, self.chromatic
        near = reach & (gain >= params.vivid_keep * gain[winner])
        if chromatic[winner]:
            turn = _hue_turn(self.hue, self.hue[winner])
            near &= chromatic & (turn <= np.radians(params.vivid_hue))
        else:
            near &= ~chromatic
        near_index = np.flatnonzero(near)
        near_index = near_index[support[near_index] >= params.vivid_support * support[winner]]
        if not near_index.shape[0]:  # the winner itself is always there
            return winner
        if chromatic[winner]:
            ranking = self.vividness * support**params.typical_exponent
        else:
            ranking = support
        ranking = ranking[near_index]
        if params.version_steps > 0 and self.pixels is not None:
            center = self._vivid_center(winner)
            distance = np.sqrt(row_norms(self.lab[near_index] - center))
            if params.version_radius > 0.0:
                ranking = ranking * np.maximum(1.0 - distance / params.version_radius, 0.0)
            if ranking.max() <= 0.0:  # none near the center: the nearest
                return int(near_index[np.argmin(distance)])
        return int(near_index[np.argmax(ranking)])

    def real(self, index: int) -> bool:
        """Whether candidate ``index`` is a color of the image's own pixels
        (``real_in``): half of ``min_support`` within ``real_radius`` (what
        is promised); always, without them. Asked of the few candidates that
        would be chosen, not of all."""
        if self.real_in is None:
            return True
        if index not in self.in_pixels:  # the bins within the lightness window, no sort
            lab, share = self.real_in.lab, self.real_in.share
            color, radius = self.lab[index], self.params.real_radius
            window = np.flatnonzero(np.abs(lab[:, 0] - color[0]) <= radius)
            near = row_norms(lab[window] - color) <= radius * radius
            self.in_pixels[index] = float(share[window[near]].sum())
        return self.in_pixels[index] >= 0.5 * self.params.min_support

    def _vivid_center(self, winner: int) -> FloatArray:
        """(3,) Oklab: the vivid center of the winner's area (``version_steps``
        mean-shift steps from the winner on the histogram's bins; for a
        neutral, the mean of the neutral bins around it)."""
        params, pixels = self.params, self.pixels
        assert pixels is not None
        # each step's center is a mean of bins within vivid_reach of the
        # last: every bin a step can reach lies within steps x reach of the
        # winner (the same bins, in the same order, as over all of them)
        reach = params.vivid_reach
        span = (params.version_steps * reach) ** 2 * (1.0 + 1e-9)
        index = np.flatnonzero(row_norms(pixels.lab - self.lab[winner]) <= span)
        if self.chromatic[winner]:
            # within vivid_hue of the winner's hue: the cosine of the turn
            # from the dot product of the (a, b) directions
            a, b = self.lab[winner, 1:] / self.chroma[winner]
            direction = self.pixel_direction[index]
            cosine = direction[:, 0] * a + direction[:, 1] * b
            eligible = self.pixel_chromatic[index] & (
                cosine >= np.cos(np.radians(params.vivid_hue))
            )
            weights = self.pixel_weight
        else:
            eligible = ~self.pixel_chromatic[index]
            weights = pixels.share
        index = index[eligible]
        lab, weight = pixels.lab[index], weights[index]
        center = self.lab[winner]
        for _ in range(params.version_steps):
            inside = row_norms(lab - center) <= reach * reach
            total = weight[inside].sum()
            if total <= 0.0:
                break
            center = weight[inside] @ lab[inside] / total
        return center

    def take(self, winner: int, chosen: int) -> None:
        """Choose ``chosen`` (the vivid version) for the area of ``winner``.

        What is covered is the area the winner stands for; the vivid version
        only names it (so a more vivid name does not change what comes next).
        """
        params, chromatic, lab = self.params, self.chromatic, self.lab
        self.chosen.append(chosen)
        more = np.flatnonzero(self.by_bin[:, winner] > self.covered)
        self.covered[more] = self.by_bin[more, winner]
        adds = self.by_bin[more] - self.covered[more, None]
        self.adds[more] = np.maximum(adds, np.float32(0.0), out=adds)
        if chromatic[chosen]:
            turn = np.degrees(_hue_turn(self.hue, self.hue[chosen]))
            other_lightness = _ramp(
                np.abs(lab[:, 0] - lab[chosen, 0]), params.shade_spread, params.soft_lightness
            )
            same = (1.0 - _ramp(turn, params.same_hue_spread, params.soft_hue)) * (
                1.0 - other_lightness
            )
            self.same_hue *= np.where(chromatic, params.same_hue_factor**same, 1.0)
            newness = np.maximum(
                _ramp(turn, params.hue_spread, params.soft_hue),
                _ramp(self.chroma / self.chroma[chosen], params.vivid_step, params.soft_step),
            )
            newness = np.maximum(newness, params.shade_novelty * other_lightness)
            self.new *= np.where(chromatic, newness, 1.0)
        else:
            lightness_step = np.abs(lab[:, 0] - lab[chosen, 0])
            newness = _ramp(lightness_step, params.neutral_spread, params.soft_lightness)
            self.new *= np.where(chromatic, 1.0, newness)
        distance = params.min_distance
        self.allowed &= row_norms(lab - lab[chosen]) >= distance * distance


def select_theme(
    histogram: ColorHistogram,
    k: int,
    *,
    saliency: SaliencyMap | None = None,
    oklab: FloatArray | None = None,
    real_in: ColorHistogram | None = None,
    real_oklab: FloatArray | None = None,
    params: ThemeParams = DEFAULT_THEME_PARAMS,
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
    real_in : ColorHistogram, optional
        The histogram of the image's own pixels when ``histogram`` is of an
        area average of them (:func:`theme_input`): a candidate must be real
        in both (``min_support``).
    real_oklab : (M', 3) float64, optional
        ``real_in``'s colors in Oklab, if the caller has them.
    params : ThemeParams
        The knobs of the theme.

    Returns
    -------
    ThemeResult
        Between 1 and k colors in the order they were chosen, pairwise at
        least ``params.min_distance`` apart. Deterministic: no randomness,
        ties go to the lower bin.
    """
    counts = histogram.counts.astype(np.float64)
    lab = srgb_to_oklab(histogram.colors / 255.0) if oklab is None else oklab
    full = _Bins(histogram, lab, counts / counts.sum())
    cover = _coverage_bins(full, params)
    pixels = None  # the image's own pixels, when ``histogram`` is an area average
    if real_in is not None:
        real_counts = real_in.counts.astype(np.float64)
        if real_oklab is None:
            real_oklab = srgb_to_oklab(real_in.colors / 255.0)
        pixels = _Bins(real_in, real_oklab, real_counts / real_counts.sum())
    cands = _real_candidates(full, cover, params)
    greedy = _Greedy(cands, _coverage(cover, saliency, params), params, full, pixels)
    while len(greedy.chosen) < k and greedy.allowed.any():
        gain, new_area = greedy.gains()
        best = greedy.best(gain, new_area)
        while not greedy.real(best):  # a blend of the area average, not a color
            greedy.allowed[best] = False
            if not greedy.allowed.any():
                break
            best = greedy.best(gain, new_area)
        if not greedy.allowed[best] or (greedy.chosen and gain[best] <= 0.0):
            break
        winner, reach = greedy.area_of(best)
        version = greedy.vivid_version(winner, reach, gain)
        greedy.take(winner, version if greedy.real(version) else best)
    picked = np.asarray(greedy.chosen, dtype=np.intp)
    return ThemeResult(srgb=cands.rgb[picked], oklab=cands.lab[picked], candidates=cands.considered)
