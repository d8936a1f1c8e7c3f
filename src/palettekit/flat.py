"""Flat graphics: flags, logos, icons, charts -- images drawn in a few flat colors.

A flat graphic's colors are the colors that fill areas; every other pixel is
an anti-aliased edge (a mix of two neighbouring colors) or part of a line
too thin to be a color of its own. Clustering such an image the way one
clusters a photo spends palette colors on the mixes: at k = the number of
flat colors a 1% star can lose its swatch to a band of edge pixels, and
``k="auto"`` counts edge mixes as colors. So the image is recognised first
and its flat colors are taken as they are.

Recognition (:func:`detect_flat_graphic`), on the pixel grid, with the knobs
of :class:`FlatParams` (default :data:`DEFAULT_FLAT_PARAMS`):

* **sampled check**: at least ``min_equal_neighbours`` of about ``samples``
  sampled pixels equal their right-hand neighbour exactly. Photos fail it
  before any full-grid work.
* **patches**: a pixel is in a patch when it and the three others of some
  2 x 2 block containing it have exactly the same color; at least
  ``min_flat_share`` of the pixels must be. Edges are one mix wide, so
  they are not patches.
* **flat colors**: the colors held by at least ``area_share`` of the pixels
  (the share at which a color counts as visible), each counted with its
  variants within ``levels`` per channel (renderers and encoders leave such
  variants) and with the colors closer than ``same_color`` in Oklab to it:
  the same color written twice (``#000000`` and ``#000001``), one palette
  color stands for both. A color with few patch pixels (under
  ``min_patch_share`` of its pixels: a line, or a row of edge pixels) is
  not a flat color when

  - it lies within ``rendered_blend_tolerance`` of an sRGB mix of two
    larger flat colors (:func:`palettekit.mixes.mix_distance`): a straight
    edge rendered at the same offset along its whole length, a row of
    identical mixes; or
  - it holds less than ``min_spike_share`` of the pixels around it (within
    ``same_color``, leaving out its own edges towards larger flat colors):
    one of the graded shades of anti-aliased thin lines (a line drawing in
    black over white comes out in many grays).
* **flat graphic**: the flat colors hold at least ``min_flat_share`` of the
  pixels, and at most ``max_detail_share`` of the pixels are farther than
  ``edge_reach`` pixels from every pixel of a flat color. Those far pixels
  would be detail that the flat colors do not account for: a photo on a
  white page, a shaded or many-colored emblem.

Images decoded from a lossy format (:data:`LOSSY_FORMATS`: JPEG and the
like) are not examined: their block artefacts repeat along straight edges
and form patches of colors nobody drew, while small shapes lose their exact
color. They go through the general clustering, as photos do.

Transparent pixels (alpha below the threshold) are neither colors nor
patches. The detection examines the pixels it is given; which pixels those
are (the whole image, a crop, a mask) is the pipeline's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from .colorspace import srgb_to_oklab
from .histogram import ColorHistogram
from .mixes import LOSSY_FORMATS, mix_distance

__all__ = [
    "LOSSY_FORMATS",
    "FlatParams",
    "DEFAULT_FLAT_PARAMS",
    "FlatGraphic",
    "detect_flat_graphic",
    "snap_histogram",
    "select_flat_colors",
]

# LOSSY_FORMATS (above, from palettekit.mixes): Pillow format names of
# sources that are never treated as flat graphics (WebP may be lossless, but
# Pillow does not say which).


@dataclass(frozen=True)
class FlatParams:
    """The knobs of flat-graphic recognition (rules in the module doc).

    A frozen value: tune with :func:`dataclasses.replace` on
    :data:`DEFAULT_FLAT_PARAMS` and pass the result as ``params``.
    """

    min_equal_neighbours: float = 0.5
    """Sampled check: smallest share of sampled pixels equal to their right
    neighbour; a flat graphic's areas make most pairs equal, a photo's noise
    almost none."""

    samples: int = 1024
    """Sampled check: about this many pixel pairs, enough for a share and
    cheap on any image."""

    min_flat_share: float = 0.75
    """Smallest share of the pixels that are in patches, and that the flat
    colors hold (within ``levels``): the rest is edges and thin lines."""

    area_share: float = 0.003
    """Smallest share of the pixels a flat color holds (within ``levels``):
    about the share at which a color counts as visible."""

    levels: int = 1
    """A flat color is counted with its variants within this many levels per
    channel, which renderers and encoders leave."""

    seed_fraction: float = 1 / 64
    """Variants are gathered around seeds holding at least this fraction of
    ``area_share``: small enough that a flat color split over its variants
    still has a seed."""

    same_color: float = 0.04
    """Oklab distance under which two flat colors are one: two
    just-noticeable differences, the same color written twice."""

    min_patch_share: float = 0.5
    """A color with less than this share of its pixels in patches is a line
    or a row of edge pixels, and must pass the mix and spike tests."""

    rendered_blend_tolerance: float = 0.012
    """Oklab distance within which a color counts as an sRGB mix of two flat
    colors. Renderers mix edge pixels in sRGB, so an edge is a mix to within
    rounding; tighter than :attr:`palettekit.autok.AutoKParams.blend_tolerance`,
    which also allows for photo noise, so that a designed color that merely
    lies near the line between two others (a brown between a red and a gold)
    is kept."""

    edge_step: float = 0.05
    """A shade is a color's edge when it lies at least this fraction of the
    way from the color towards a kept color (nearer, it is the color)."""

    min_spike_share: float = 2 / 3
    """A color with few patch pixels must hold at least this share of the
    pixels within ``same_color`` of it that are not its own edges; less is a
    graded run of anti-aliased shades (the middle of thin lines), not a
    color."""

    edge_reach: int = 2
    """Pixels within this many pixels (8-connected steps) of a flat color
    are its edges: anti-aliasing is a pixel or two wide."""

    max_detail_share: float = 0.01
    """Largest share of pixels farther than ``edge_reach`` from every flat
    color: more is detail the flat colors do not account for."""

    extra_iter: int = 3
    """Lloyd steps that move the extra colors of :func:`snap_histogram` (a
    few: they start on the image's own colors)."""

    distinct_distance: float = 0.1
    """:func:`select_flat_colors`: a color closer than this in Oklab to one
    already chosen counts for its area times its distance over this (a
    near-duplicate shade weighs less than a distinct hue of the same area);
    farther, for its whole area. About five just-noticeable differences."""


DEFAULT_FLAT_PARAMS = FlatParams()
"""The parameters the pipeline uses."""

_TRANSPARENT = np.uint32(1 << 24)  # key of a transparent pixel: no color

Uint8Array = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class FlatGraphic:
    """The flat colors of an image recognised as a flat graphic.

    Attributes
    ----------
    colors : (F, 3) uint8
        The flat colors, sRGB in [0, 255], most pixels first; F >= 1.
    counts : (F,) int64
        Pixels of exactly each color (with the colors merged into it).
    flat_share : float
        Share of the opaque pixels that are exactly a flat color, in [0, 1].
    detail_share : float
        Share of the opaque pixels farther than ``FlatParams.edge_reach``
        from every flat color, in [0, 1].
    """

    colors: Uint8Array
    counts: npt.NDArray[np.int64]
    flat_share: float
    detail_share: float

    def __len__(self) -> int:
        return int(self.colors.shape[0])

    def to_meta(self) -> dict[str, Any]:
        """Plain, JSON-ready summary for ``Palette.meta["flat_graphic"]``."""
        return {
            "colors": ["#{:02x}{:02x}{:02x}".format(*map(int, rgb)) for rgb in self.colors],
            "flat_share": round(self.flat_share, 6),
            "detail_share": round(self.detail_share, 6),
        }


def _keys(image: Uint8Array, alpha_threshold: int) -> npt.NDArray[np.uint32]:
    """(H, W) 24-bit color key of each pixel; transparent pixels get 2**24."""
    rgb = image[..., :3].astype(np.uint32)
    keys = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    if image.shape[2] == 4:
        keys[image[..., 3] < alpha_threshold] = _TRANSPARENT
    return keys.astype(np.uint32, copy=False)


def _patch_mask(keys: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """(H, W) True where the pixel is in a 2 x 2 block of one opaque color."""
    top_left = keys[:-1, :-1]
    block = (top_left == keys[1:, :-1]) & (top_left == keys[:-1, 1:])
    block &= top_left == keys[1:, 1:]
    block &= top_left != _TRANSPARENT
    mask = np.zeros(keys.shape, dtype=bool)
    mask[:-1, :-1] |= block
    mask[1:, :-1] |= block
    mask[:-1, 1:] |= block
    mask[1:, 1:] |= block
    return mask


def _dilate(mask: npt.NDArray[np.bool_], reach: int) -> npt.NDArray[np.bool_]:
    """Grow a mask by ``reach`` pixels in each of the 8 directions.

    The same result as Pillow's ``ImageFilter.MaxFilter(2 * reach + 1)`` on the
    mask as an "L" image (checked on random masks in the tests), but that
    rank filter is about 80 times slower on a 500x500 mask, so the shifts stay.
    """
    grown = mask.copy()
    for _ in range(reach):
        step = grown.copy()
        step[1:, :] |= grown[:-1, :]
        step[:-1, :] |= grown[1:, :]
        across = step.copy()
        across[:, 1:] |= step[:, :-1]
        across[:, :-1] |= step[:, 1:]
        grown = across
    return grown


def _spike_share(
    colors: _PixelColors, first: int, kept_srgb: npt.NDArray[np.float64], params: FlatParams
) -> float:
    """How sharply a color stands out from the shades around it.

    Among the pixels within ``params.same_color`` of the color ``first``,
    leaving out its own edges (sRGB mixes of it with a kept color, at least
    ``params.edge_step`` of the way to that color), the share of those
    within ``params.levels`` of it. Shades on the far side of the color
    (deeper than it, as the middles of thin lines are) are not its edges and
    lower the share.
    """
    srgb, channels = colors.srgb, colors.channels
    lab = srgb_to_oklab(srgb)
    core = np.abs(channels - channels[first]).max(axis=1) <= params.levels
    around = np.flatnonzero((np.linalg.norm(lab - lab[first], axis=1) < params.same_color) & ~core)
    if around.size and kept_srgb.shape[0]:
        start = srgb[first]
        shades, shade_lab = srgb[around], lab[around]
        edge = np.zeros(around.size, dtype=bool)
        for end in kept_srgb:
            step = end - start
            length2 = float(step @ step)
            if length2 == 0.0:
                continue
            t = ((shades - start) * step).sum(axis=1) / length2
            mixed = srgb_to_oklab(start + np.clip(t, 0.0, 1.0)[:, None] * step)
            edge |= (t >= params.edge_step) & (
                np.linalg.norm(shade_lab - mixed, axis=1) <= params.rendered_blend_tolerance
            )
        around = around[~edge]
    core_count = float(colors.counts[core].sum())
    return core_count / (core_count + float(colors.counts[around].sum()))


def _looks_flat(rgb: Uint8Array, params: FlatParams) -> bool:
    """Sampled check: do many pixels equal their right-hand neighbour?

    About ``params.samples`` evenly spaced pairs of consecutive pixels (the
    pixels are in row order), so photos pay almost nothing for the
    detection.
    """
    n = rgb.shape[0]
    if n < 2:
        return False
    step = max(1, (n - 1) // params.samples)
    left, right = rgb[: n - 1 : step], rgb[1::step]
    m = min(left.shape[0], right.shape[0])
    left, right = left[:m], right[:m]
    equal = (left[:, 0] == right[:, 0]) & (left[:, 1] == right[:, 1]) & (left[:, 2] == right[:, 2])
    return np.count_nonzero(equal) >= params.min_equal_neighbours * m


def _as_array(
    image: npt.ArrayLike | Image.Image,
    alpha_threshold: int,
    composite_on: tuple[int, int, int] | None,
) -> Uint8Array | None:
    """(H, W, 3 or 4) uint8 of the image, composited if asked; None if it has no 2 x 2 block."""
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or min(array.shape[:2]) < 2:
        return None
    if array.shape[2] == 4 and composite_on is not None:
        from .pixels import opaque_pixels

        composited = opaque_pixels(array, alpha_threshold, composite_on).rgb
        array = composited.reshape(array.shape[0], array.shape[1], 3)
    return array


@dataclass(frozen=True)
class _PixelColors:
    """The distinct opaque colors of an image.

    Attributes
    ----------
    keys : (U,) uint32
        Sorted 24-bit keys of the colors.
    counts, patch_counts : (U,) int64
        Pixels of each color, and of those the pixels in patches.
    channels : (U, 3) int16
        The colors, sRGB in [0, 255].
    srgb : (U, 3) float64
        The same in [0, 1].
    """

    keys: npt.NDArray[np.uint32]
    counts: npt.NDArray[np.int64]
    patch_counts: npt.NDArray[np.int64]
    channels: npt.NDArray[np.int16]
    srgb: npt.NDArray[np.float64]

    @classmethod
    def of(
        cls,
        keys: npt.NDArray[np.uint32],
        opaque: npt.NDArray[np.bool_],
        patches: npt.NDArray[np.bool_],
    ) -> _PixelColors:
        unique, counts = np.unique(keys[opaque], return_counts=True)
        in_patch, patch_counts_of = np.unique(keys[patches], return_counts=True)
        patch_counts = np.zeros(unique.size, dtype=np.int64)
        patch_counts[np.searchsorted(unique, in_patch)] = patch_counts_of
        channels = np.stack([(unique >> 16) & 255, (unique >> 8) & 255, unique & 255], axis=1)
        channels = channels.astype(np.int16)
        return cls(unique, counts, patch_counts, channels, channels / 255.0)


@dataclass(frozen=True)
class _Groups:
    """Distinct colors gathered into candidate flat colors.

    Attributes
    ----------
    owner : (U,) int64
        The group of each distinct color, -1 for none.
    first_seeds : list of int
        Each group's first seed (the distinct color that names it), most
        pixels first.
    counts, patches : (G,) float64
        Pixels of each group, and of those the pixels in patches.
    """

    owner: npt.NDArray[np.int64]
    first_seeds: list[int]
    counts: npt.NDArray[np.float64]
    patches: npt.NDArray[np.float64]


def _gather_variants(colors: _PixelColors, n_opaque: int, params: FlatParams) -> _Groups:
    """Seeds, most pixels first, gather the colors within ``params.levels`` of them.

    Renderers and encoders leave +-1 variants of one color; a seed within
    ``params.same_color`` of a larger group's first seed joins that group.
    """
    channels, counts = colors.channels, colors.counts
    owner = np.full(counts.size, -1)
    seeds = np.flatnonzero(counts >= params.seed_fraction * params.area_share * n_opaque)
    seeds = seeds[np.argsort(-counts[seeds], kind="stable")]
    first_seeds: list[int] = []
    first_lab: list[npt.NDArray[np.float64]] = []
    for seed in seeds:
        if owner[seed] >= 0:
            continue
        lab = srgb_to_oklab(colors.srgb[seed])
        group = len(first_seeds)
        if first_lab:
            distances = np.linalg.norm(np.asarray(first_lab) - lab, axis=1)
            if distances.min() < params.same_color:
                group = int(np.argmin(distances))
        if group == len(first_seeds):
            first_seeds.append(int(seed))
            first_lab.append(lab)
        close = (np.abs(channels - channels[seed]).max(axis=1) <= params.levels) & (owner < 0)
        owner[close] = group
    grouped = owner >= 0
    # bincount with weights gives float64 (the stubs say intp)
    group_counts = np.bincount(owner[grouped], weights=counts[grouped])
    group_patches = np.bincount(owner[grouped], weights=colors.patch_counts[grouped])
    return _Groups(
        owner=owner,
        first_seeds=first_seeds,
        counts=group_counts.astype(np.float64, copy=False),
        patches=group_patches.astype(np.float64, copy=False),
    )


def _keep_flat_colors(
    colors: _PixelColors, groups: _Groups, candidates: npt.NDArray[np.intp], params: FlatParams
) -> list[int]:
    """The candidate groups that are flat colors, largest first.

    A group with few patch pixels (a line, or a row of edge pixels) is
    dropped when it is a mix of two larger kept colors, or when it does not
    stand out from the shades around it (the middle of anti-aliased thin
    lines).
    """
    kept: list[int] = []
    for group in candidates.tolist():
        first = groups.first_seeds[group]
        if kept and groups.patches[group] < params.min_patch_share * groups.counts[group]:
            kept_srgb = colors.srgb[[groups.first_seeds[c] for c in kept]]
            own = colors.srgb[first : first + 1]
            if (
                len(kept) >= 2
                and mix_distance(own, srgb_to_oklab(own), kept_srgb)[0]
                <= params.rendered_blend_tolerance
            ):
                continue
            if _spike_share(colors, first, kept_srgb, params) < params.min_spike_share:
                continue
        kept.append(group)
    return kept


def detect_flat_graphic(
    image: npt.ArrayLike | Image.Image,
    alpha_threshold: int = 128,
    composite_on: tuple[int, int, int] | None = None,
    *,
    rgb: Uint8Array | None = None,
    params: FlatParams = DEFAULT_FLAT_PARAMS,
) -> FlatGraphic | None:
    """Recognise a flat graphic and find its flat colors (rules in the module doc).

    Parameters
    ----------
    image : (H, W, 3) or (H, W, 4) uint8, or a PIL image of mode RGB or RGBA
        sRGB(A) in [0, 255], straight alpha (converted to an array only
        after the sampled check passes).
    alpha_threshold : int
        Pixels with alpha below this are transparent.
    composite_on : tuple of 3 ints or None
        If given, pixels are blended over this sRGB color first (as
        :func:`palettekit.pixels.opaque_pixels` does) and none is transparent.
    rgb : (N, 3) uint8, optional
        The image's opaque pixels in row order, if already at hand: the
        sampled check runs on them before the image is converted.
    params : FlatParams
        The knobs of the recognition.

    Returns
    -------
    FlatGraphic or None
        None when the image is not a flat graphic.
    """
    if rgb is not None and not _looks_flat(rgb, params):
        return None
    array = _as_array(image, alpha_threshold, composite_on)
    if array is None:
        return None
    keys = _keys(array, alpha_threshold)
    opaque = keys != _TRANSPARENT
    n_opaque = int(np.count_nonzero(opaque))
    if n_opaque == 0:
        return None
    patches = _patch_mask(keys)
    if np.count_nonzero(patches) < params.min_flat_share * n_opaque:
        return None

    colors = _PixelColors.of(keys, opaque, patches)
    groups = _gather_variants(colors, n_opaque, params)
    candidates = np.flatnonzero(groups.counts >= params.area_share * n_opaque)
    if candidates.size == 0:
        return None
    candidates = candidates[np.argsort(-groups.counts[candidates], kind="stable")]
    kept = _keep_flat_colors(colors, groups, candidates, params)

    is_flat = np.isin(keys, colors.keys[np.isin(groups.owner, kept)])
    flat_share = float(np.count_nonzero(is_flat)) / n_opaque
    if flat_share < params.min_flat_share:
        return None
    near = _dilate(is_flat, params.edge_reach)
    detail_share = float(np.count_nonzero(opaque & ~near)) / n_opaque
    if detail_share > params.max_detail_share:
        return None
    return FlatGraphic(
        colors=colors.channels[[groups.first_seeds[c] for c in kept]].astype(np.uint8),
        counts=np.rint(groups.counts[kept]).astype(np.int64),
        flat_share=flat_share,
        detail_share=detail_share,
    )


def snap_histogram(
    histogram: ColorHistogram,
    flat: FlatGraphic,
    k: int | None = None,
    *,
    params: FlatParams = DEFAULT_FLAT_PARAMS,
) -> ColorHistogram:
    """The histogram with every bin counted for its nearest color (Oklab).

    The colors are the flat colors and, when ``k`` asks for more, ``k - F``
    more: each time the bin that holds the most pixels times their distance
    to the colors so far (the graphic's small details and thin lines before
    its edge shades), then a few Lloyd steps move those extra colors (the
    flat ones stay), and each extra color becomes the fullest bin of its
    cluster, a color that occurs in the image.

    Parameters
    ----------
    histogram : ColorHistogram
        Bins' mean sRGB colors (M, 3) in [0, 255] and counts (M,).
    flat : FlatGraphic
    k : int, optional
        The number of colors asked for; None or at most F: the flat colors.
    params : FlatParams
        ``extra_iter`` Lloyd steps move the extra colors.

    Returns
    -------
    ColorHistogram
        One bin per color that receives pixels, its color exactly that
        color, flat colors first in their order; 8 bits; same total.
    """
    bins = srgb_to_oklab(histogram.colors / 255.0)
    weights = histogram.counts.astype(np.float64)
    colors = flat.colors.astype(np.float64)
    centers = srgb_to_oklab(colors / 255.0)
    n_flat = centers.shape[0]
    n_extra = 0 if k is None else min(k - n_flat, histogram.counts.shape[0] - n_flat)
    if n_extra > 0:
        fullest = _extra_colors(bins, weights, centers, n_extra, params)
        colors = np.vstack([colors, np.rint(histogram.colors[fullest])])
        centers = np.vstack([centers, bins[fullest]])
    owner = _nearest_center(bins, centers)
    counts = np.rint(np.bincount(owner, weights=weights, minlength=centers.shape[0]))
    used = counts > 0
    return ColorHistogram(colors=colors[used], counts=counts[used].astype(np.int64), bits=8)


def _nearest_center(
    bins: npt.NDArray[np.float64], centers: npt.NDArray[np.float64]
) -> npt.NDArray[np.intp]:
    """(M,) intp index of the nearest of the (C, 3) centers to each of the (M, 3) bins."""
    return np.argmin(((bins[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2), axis=1)


def _extra_colors(
    bins: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    centers: npt.NDArray[np.float64],
    n_extra: int,
    params: FlatParams,
) -> list[int]:
    """Up to ``n_extra`` more colors beside the (F, 3) Oklab ``centers``, as bin indices.

    Each time the bin that holds the most pixels times their distance to the
    colors so far; ``params.extra_iter`` Lloyd steps then move those extra
    colors (the flat ones stay), and each becomes the fullest bin of its
    cluster.
    """
    extra: list[int] = []
    nearest = ((bins[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2).min(axis=1)
    for _ in range(n_extra):
        pick = int(np.argmax(weights * np.sqrt(nearest)))
        if nearest[pick] == 0.0:
            break
        extra.append(pick)
        np.minimum(nearest, ((bins - bins[pick]) ** 2).sum(axis=1), out=nearest)
    n_flat = centers.shape[0]
    moving = bins[extra]
    for _ in range(params.extra_iter):
        owner = _nearest_center(bins, np.vstack([centers, moving]))
        for j in range(len(extra)):
            members = owner == n_flat + j
            if members.any():
                w = weights[members]
                moving[j] = (bins[members] * w[:, None]).sum(axis=0) / w.sum()
    owner = _nearest_center(bins, np.vstack([centers, moving]))
    fullest = []
    for j, pick in enumerate(extra):
        members = np.flatnonzero(owner == n_flat + j)
        fullest.append(int(members[np.argmax(weights[members])]) if members.size else pick)
    return fullest


def select_flat_colors(
    oklab: npt.NDArray[np.float64],
    counts: npt.NDArray[np.int64],
    k: int,
    *,
    min_distance: float = 0.0,
    params: FlatParams = DEFAULT_FLAT_PARAMS,
) -> npt.NDArray[np.intp]:
    """Up to k of a flat graphic's colors, chosen by the area a person sees.

    Greedy: first the color of the largest area, then each time the color
    whose area times ``min(1, d / params.distinct_distance)`` is largest,
    ``d`` its Oklab distance to the nearest color chosen so far: the largest
    areas, distinct hues before near-duplicate shades. Colors are never
    averaged (a yellow and a green do not become an olive that is not in
    the graphic), and a thin outline does not displace a larger shape.

    Parameters
    ----------
    oklab : (C, 3) float64
        The colors in Oklab.
    counts : (C,) int64
        Pixels of each color, >= 0.
    k : int
        >= 1.
    min_distance : float
        A color closer than this to a chosen one is never chosen (a theme's
        colors are at least ``palettekit.theme.MIN_DISTANCE`` apart); fewer
        than k colors come back when no other is far enough.
    params : FlatParams
        Reads ``distinct_distance``.

    Returns
    -------
    (k',) intp
        Indices into ``oklab`` in the order chosen, k' <= min(k, C); ties go
        to the lower index.
    """
    weights = np.asarray(counts, dtype=np.float64)
    chosen: list[int] = []
    nearest = np.full(weights.shape[0], np.inf)
    for _ in range(min(k, weights.shape[0])):
        factor = np.minimum(1.0, nearest / params.distinct_distance)
        score = np.where(nearest >= min_distance, weights * factor, -1.0)
        if chosen:
            score[chosen] = -1.0
        pick = int(np.argmax(score))
        if score[pick] <= 0.0:
            break
        chosen.append(pick)
        np.minimum(nearest, np.linalg.norm(oklab - oklab[pick], axis=1), out=nearest)
    return np.asarray(chosen, dtype=np.intp)
