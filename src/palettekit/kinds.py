"""One strategy per kind of palette: the colors, their pixel counts, and the strategy's meta.

Every strategy takes the color histogram the pipeline counted (bins' mean
sRGB colors (M, 3) in [0, 255] and pixel counts (M,)), the bins' colors in
the clustering space, and the number of colors k, and returns
:class:`KindColors`. The pipeline's one builder then makes the Palette from
them (merging, naming, sorting, distortion, warnings, meta).

* :func:`palette_colors` (``kind="palette"``): k-means++ starts and weighted
  k-medians (:mod:`palettekit.kmedians_palette`); a histogram with at most k
  bins gives its bins as they are.
* :func:`flat_colors` (either kind on a flat graphic): the histogram has
  been snapped to the graphic's own colors
  (:func:`palettekit.flat.snap_histogram`); they are the palette when they
  fit in k, and when they do not, k of them are chosen by the area a person
  sees (:func:`palettekit.flat.select_flat_colors`), never averaged.
* :func:`theme_colors` (``kind="theme"``): up to k real colors of the image
  chosen by :func:`palettekit.theme.select_theme`, each counted for the
  pixels nearest to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from . import colorspace
from .cluster import nearest, squared_distances
from .histogram import ColorHistogram
from .kmedians_palette import ALGORITHM, DEFAULT_PARAMS, KMediansParams, cluster_histogram
from .options import Options

if TYPE_CHECKING:
    # palettekit.theme (and palettekit.autok under it) and palettekit.flat
    # are imported by the strategies that use them: a palette's extract, and
    # the command line's start, do without.
    from .flat import FlatGraphic, FlatParams
    from .theme import SaliencyMap

__all__ = [
    "KindColors",
    "palette_colors",
    "flat_colors",
    "theme_colors",
    "nearest_counts",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class KindColors:
    """What a strategy found.

    Attributes
    ----------
    rgb : (k', 3) uint8
        sRGB colors in [0, 255], k' <= k; two may round to the same color
        (the builder merges them).
    counts : (k',) int64
        Pixels each color stands for, >= 0, summing to the histogram's total
        (a theme color no pixel is nearest to has 0; the builder drops it).
    meta : dict
        The strategy's own keys for ``Palette.meta``: always "algorithm";
        clustering adds "inertia" and "n_iter", a theme "theme".
    """

    rgb: npt.NDArray[np.uint8]
    counts: npt.NDArray[np.int64]
    meta: dict[str, Any] = field(default_factory=dict)


def _to_rgb8(centers: FloatArray, space: str) -> npt.NDArray[np.uint8]:
    return colorspace.srgb_to_uint8(colorspace.convert_to_srgb(centers, space))


def palette_colors(
    histogram: ColorHistogram,
    points: FloatArray,
    k: int,
    options: Options,
    params: KMediansParams = DEFAULT_PARAMS,
) -> KindColors:
    """k palette colors by clustering (:mod:`palettekit.kmedians_palette`).

    Parameters
    ----------
    histogram : ColorHistogram
    points : (M, 3) float64
        The bins' colors in ``options.space``.
    k : int
        >= 1.
    options : Options
        Reads ``space``, ``seed``, ``n_init``, ``max_iter``, ``tol``.
    params : KMediansParams
    """
    if len(histogram) <= k:  # every bin is a color: nothing to cluster
        counts = histogram.counts.astype(np.int64)
        meta: dict[str, Any] = {"algorithm": "exact", "inertia": 0.0, "n_iter": 0}
        return KindColors(_to_rgb8(points, options.space), counts, meta)
    found = cluster_histogram(
        histogram,
        points,
        k,
        n_init=options.n_init,
        max_iter=options.max_iter,
        tol=options.tol,
        space=options.space,
        seed=options.seed,
        params=params,
    )
    counts = np.rint(found.counts).astype(np.int64)
    # Ten significant digits: the last bits of a float sum follow the numpy build and the
    # CPU's vector unit, and an output must not change between machines for that.
    inertia = float(f"{found.inertia:.10g}")
    meta = {"algorithm": ALGORITHM, "inertia": inertia, "n_iter": found.n_iter}
    return KindColors(_to_rgb8(found.centers, options.space), counts, meta)


def flat_colors(
    histogram: ColorHistogram,
    points: FloatArray,
    k: int,
    options: Options,
    params: KMediansParams = DEFAULT_PARAMS,
    *,
    flat: FlatGraphic | None = None,
    flat_params: FlatParams | None = None,
) -> KindColors:
    """A flat graphic's own colors (``histogram`` snapped to them), for both kinds.

    A palette whose k holds every color of the histogram gets them as they
    are. Otherwise up to k of them are chosen by area
    (:func:`palettekit.flat.select_flat_colors`: the largest areas, distinct
    hues before near-duplicate shades; for a theme none closer than
    ``palettekit.theme.MIN_DISTANCE`` to another), never averaged, and each
    is counted for the pixels nearest to it in Oklab. Arguments as for
    :func:`palette_colors`; ``options.kind`` says which kind; ``flat``, the
    graphic, gives each flat color's area (its pixels of exactly that color,
    ``FlatGraphic.counts``: the histogram's counts add the edge mixes snapped
    to it, which favour a color along a long edge over a shape of its own);
    ``flat_params`` (default :data:`palettekit.flat.DEFAULT_FLAT_PARAMS`)
    reads ``distinct_distance``.
    """
    from .flat import DEFAULT_FLAT_PARAMS, select_flat_colors

    theme = options.kind == "theme"
    if len(histogram) <= k and not theme:
        found = palette_colors(histogram, points, k, options, params)
        return KindColors(found.rgb, found.counts, {**found.meta, "algorithm": "flat-colors"})
    bins_oklab = points if options.space == "oklab" else None
    if bins_oklab is None:
        bins_oklab = colorspace.srgb_to_oklab(histogram.colors / 255.0)
    areas = _areas(histogram, flat)
    min_distance = 0.0
    if theme:  # a theme's color is one a person sees: its bin holds its share (extra colors)
        from .theme import DEFAULT_THEME_PARAMS
        from .theme import MIN_DISTANCE as THEME_MIN_DISTANCE

        areas[histogram.counts < DEFAULT_THEME_PARAMS.min_bin_share * histogram.total] = 0
        min_distance = THEME_MIN_DISTANCE
    chosen = select_flat_colors(
        bins_oklab,
        areas,
        k,
        min_distance=min_distance,
        params=DEFAULT_FLAT_PARAMS if flat_params is None else flat_params,
    )
    rgb8 = _unique_rows(colorspace.srgb_to_uint8(histogram.colors[chosen] / 255.0))
    counts = nearest_counts(histogram, bins_oklab, rgb8)
    meta: dict[str, Any] = {"algorithm": "flat-colors"}
    if theme:
        meta["theme"] = {"candidates": len(histogram)}
    else:
        meta.update({"inertia": _inertia(points, histogram.counts, points[chosen]), "n_iter": 0})
    return KindColors(rgb8, counts, meta)


def _areas(histogram: ColorHistogram, flat: FlatGraphic | None) -> npt.NDArray[np.int64]:
    """(M,) int64 area of each bin: the flat graphic's count of its color, or (a color
    that is not a flat color, or no graphic given) the bin's own count."""
    areas = histogram.counts.astype(np.int64)
    if flat is None:
        return areas
    keys = _keys(np.rint(histogram.colors).astype(np.int64))
    flat_keys = _keys(flat.colors.astype(np.int64))
    for key, count in zip(flat_keys.tolist(), flat.counts.tolist(), strict=True):
        areas[keys == key] = count
    return areas


def _keys(rgb: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]


def _inertia(points: FloatArray, weights: npt.NDArray[np.int64], centers: FloatArray) -> float:
    """Weighted sum of squared distances (in the points' space) of the bins to their
    nearest center, to ten significant digits as :func:`palette_colors` gives it."""
    _, closest = nearest(squared_distances(points, centers))
    return float(f"{float((closest * weights).sum()):.10g}")


def nearest_counts(
    histogram: ColorHistogram,
    bins_oklab: FloatArray | None,
    rgb8: npt.NDArray[np.uint8],
) -> npt.NDArray[np.int64]:
    """(n,) int64 pixels of the histogram whose nearest color (in Oklab) is each of ``rgb8``.

    ``bins_oklab``: the bins' colors in Oklab (M, 3), computed when None.
    Ties go to the first color.
    """
    if bins_oklab is None:
        bins_oklab = colorspace.srgb_to_oklab(histogram.colors / 255.0)
    labels, _ = nearest(squared_distances(bins_oklab, colorspace.srgb_to_oklab(rgb8 / 255.0)))
    return np.bincount(labels, weights=histogram.counts, minlength=rgb8.shape[0]).astype(np.int64)


def theme_colors(
    histogram: ColorHistogram,
    bins_oklab: FloatArray | None,
    k: int,
    saliency: SaliencyMap | None = None,
    *,
    choose_from: ColorHistogram | None = None,
) -> KindColors:
    """Up to k theme colors (:func:`palettekit.theme.select_theme`), each counted
    for the pixels nearest to it in Oklab.

    Parameters
    ----------
    histogram : ColorHistogram
    bins_oklab : (M, 3) float64 or None
        The bins' colors in Oklab, when already at hand.
    k : int
        >= 1.
    saliency : SaliencyMap, optional
        How much each color stands out where it occurs in the image(s).
    choose_from : ColorHistogram, optional
        The histogram the colors are chosen from (the image area-averaged to
        a fixed size, :func:`palettekit.theme.theme_input`), when not
        ``histogram`` itself; the counts are always of ``histogram``, and
        every color chosen is real in it too.
    """
    from .theme import select_theme

    if choose_from is None:
        chosen = select_theme(histogram, k, saliency=saliency, oklab=bins_oklab)
    else:
        chosen = select_theme(
            choose_from, k, saliency=saliency, real_in=histogram, real_oklab=bins_oklab
        )
    rgb8 = colorspace.srgb_to_uint8(chosen.srgb / 255.0)
    rgb8 = _unique_rows(rgb8)
    counts = nearest_counts(histogram, bins_oklab, rgb8)
    meta = {"algorithm": "theme-selection", "theme": {"candidates": chosen.candidates}}
    return KindColors(rgb8, counts, meta)


def _unique_rows(rgb8: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The distinct rows of ``rgb8``, in increasing 24-bit key order when any repeats."""
    keys = (rgb8[:, 0].astype(np.int64) << 16) | (rgb8[:, 1].astype(np.int64) << 8) | rgb8[:, 2]
    unique, first = np.unique(keys, return_index=True)
    return rgb8 if unique.shape[0] == keys.shape[0] else rgb8[first]
