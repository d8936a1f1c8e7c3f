"""extract(): the one place that knows the order of the steps.

source -load-> RGB(A) image at working size
       -pixels-> opaque sRGB pixels (N, 3) uint8
       -histogram-> mean colors of occupied bins (M, 3) + counts (M,)
       -colorspace-> bins in the clustering space (M, 3) float
       -cluster-> weighted k-means centers (k, 3) + weights (k,)
          (kind="theme": -theme-> up to k real colors of the image, chosen by
          palettekit.theme, each weighted by the pixels nearest to it)
       -palette-> Palette of Swatches, sorted, with meta
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import colorspace, select
from ._version import __version__
from .autok import choose_k, flat_graphic_k, merge_close_rgb
from .cluster import (
    KMeansResult,
    best_start,
    nearest,
    squared_distances,
    weighted_kmedians,
)
from .errors import EmptyImageError, FewerColorsWarning, OptionsError
from .flat import LOSSY_FORMATS, FlatGraphic, detect_flat_graphic, snap_histogram
from .histogram import ColorHistogram, HistogramSum, coarsen, color_histogram
from .load import ImageSource, LoadedImage, load_image, source_label
from .names import nearest_names
from .options import Options
from .palette import Palette, Swatch, _sort_key
from .pixels import opaque_pixels
from .theme import MIN_DISTANCE as THEME_MIN_DISTANCE
from .theme import SaliencyMap, select_theme, spatial_saliency

__all__ = [
    "extract",
    "extract_merged",
    "pixels_of",
    "SourcePixels",
    "palette_from_pixels",
    "palette_from_histogram",
]

# With at most this many occupied bins the image is graphics-like: count its
# exact colors instead, so that few-color images keep their colors exactly.
_EXACT_BELOW_BINS = 256

# Coarse-to-fine clustering (see _cluster): the starts and the polish run on
# the histogram coarsened to at most this many bins,
_COARSE_BINS = 1024
# never coarser than this many bits per channel (3-bit starts fell into bad
# basins);
_MIN_COARSE_BITS = 4
# each start runs this many Lloyd iterations before the best is kept,
_START_ITER = 3
# and the best then takes this many geometric-median (Weiszfeld) steps there
# (0 skips them).
_MEDIAN_ITER = 6
# Then one more step on the full histogram, where every bin is finally
# assigned to its nearest center.
_FULL_MEDIAN_ITER = 1
# The coarse polish does not let a clearly different color go: bins farther
# than this from their center (Oklab; about six just-noticeable differences,
# another color rather than another shade) cost this much more per unit of
# distance beyond it, so a center moves to bring them within reach. See
# _cluster for the trade this makes and how it was measured.
_FAR_DISTANCE = {"oklab": 0.12, "cielab": 12.0, "srgb": 0.2}
_FAR_PENALTY = 5.0


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _caller_stacklevel() -> int:
    """``stacklevel`` that points a warning at the first frame outside palettekit.

    extract(), extract_merged() and palette_from_pixels() reach the warning
    through different depths; the user's line is what the warning should name.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


class _Timer:
    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = self.ms.get(name, 0.0) + (time.perf_counter() - start) * 1000.0


def extract(
    source: ImageSource,
    k: int | None = None,
    *,
    options: Options | None = None,
    warn: bool = True,
    mask: ImageSource | None = None,
    **kwargs: Any,
) -> Palette:
    """Dominant colors of an image and their shares.

    Parameters
    ----------
    source
        A path (str or PathLike), an http(s) URL, bytes, a binary file object,
        a ``PIL.Image.Image``, or a numpy array (H, W, 3|4) of uint8 or float
        in [0, 1]. The same image gives the same palette from every kind of
        source, with one exception: a large JPEG read from a path, URL, bytes
        or file is decoded at reduced scale (Pillow's ``draft``, several times
        faster), while a PIL image passed in is used as it is, since palettekit
        never changes a caller's image; their working pixels differ slightly,
        and so may the colors and shares (by a point or two, see the README).
    k : int or "auto", optional
        Number of colors (default 5, or ``options.k``); "auto" chooses it
        (:mod:`palettekit.autok`).
    options : Options, optional
        A prepared options object; keyword arguments override its fields.
    warn : bool
        Emit :class:`FewerColorsWarning` (default). The note is in
        ``meta["warnings"]`` either way; servers running extract on worker
        threads pass False, since warning filters are process-wide.
    mask : optional
        An image of the source's size (path, PIL image, bool array, ...);
        only pixels where it is light and opaque are used
        (:mod:`palettekit.select`).
    **kwargs
        Any field of :class:`Options` (``space``, ``sort``, ``seed``,
        ``max_pixels``, ``alpha_threshold``, ``composite_on``, ...).

    Returns
    -------
    Palette
        At most k swatches, sorted by ``options.sort``; shares sum to 1.

    Raises
    ------
    OptionsError
        Unknown option or invalid value.
    ImageLoadError
        (and its subclasses) The source cannot be read.
    EmptyImageError
        The image has no pixels, or no opaque pixel.

    Warns
    -----
    FewerColorsWarning
        The image has fewer distinct colors than k; fewer swatches come back.
    """
    if k is not None:
        kwargs["k"] = k
    opts = Options.from_kwargs(options, **kwargs)
    timer = _Timer()
    label = source_label(source)

    source_pixels = pixels_of(source, opts, timer=timer, label=label, mask=mask)
    flat = None
    saliency = None
    loaded = source_pixels.loaded
    if loaded is not None and loaded.format not in LOSSY_FORMATS:
        with timer.stage("flat"):
            flat = detect_flat_graphic(
                loaded.image, opts.alpha_threshold, opts.composite_on, rgb=source_pixels.rgb
            )
    if loaded is not None and opts.kind == "theme":
        with timer.stage("saliency"):
            saliency = spatial_saliency(loaded.image, opts.alpha_threshold)
    palette = palette_from_pixels(
        source_pixels.rgb,
        opts,
        meta=source_pixels.meta,
        timer=timer,
        label=label,
        warn=warn,
        flat=flat,
        saliency=saliency,
    )
    return _with_notes(palette, source_pixels.notes)


@dataclass
class SourcePixels:
    """The pixels of one source that its palette is made from.

    Attributes
    ----------
    rgb : (N, 3) uint8
        Opaque sRGB pixels in [0, 255], N >= 1.
    meta : dict
        Keys for ``Palette.meta`` describing the source and the selection
        (source, format, sizes, pixels, opaque_pixels, transparent_share,
        and frames, crop, mask, background when asked for).
    notes : list of str
        Notes of the selection for ``meta["warnings"]``.
    loaded : LoadedImage or None
        The whole image at working size, when every pixel of it is used (no
        frames, crop, mask or background asked for); ``None`` otherwise.
    """

    rgb: npt.NDArray[np.uint8]
    meta: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    loaded: LoadedImage | None = None

    @property
    def total(self) -> int:
        """Pixels considered, transparent ones included."""
        return int(self.meta["pixels"])


def pixels_of(
    source: ImageSource,
    opts: Options,
    *,
    timer: _Timer,
    label: str,
    mask: ImageSource | None = None,
) -> SourcePixels:
    """Load one source and choose its pixels: the first two steps of every palette.

    Frames, crop, mask and background are applied by :mod:`palettekit.select`
    when asked for; otherwise the whole image at working size is used.

    Raises
    ------
    ImageLoadError
        The source cannot be read.
    EmptyImageError
        No opaque pixel is left.
    """
    if select.needs_selection(opts, mask):
        with timer.stage("select"):
            selection = select.select_pixels(source, opts, mask=mask, label=label)
        if selection.rgb.shape[0] == 0:
            raise EmptyImageError(
                f"{label}: no opaque pixel in the selected region (alpha below "
                f"{opts.alpha_threshold}, or outside the crop or mask)"
            )
        meta = _source_meta(
            label, selection.first, selection.total, selection.rgb, selection.transparent_share
        )
        meta.update(selection.meta)
        return SourcePixels(selection.rgb, meta, list(selection.notes))
    with timer.stage("load"):
        loaded = load_image(source, opts)
    with timer.stage("pixels"):
        pixels = opaque_pixels(loaded.to_array(), opts.alpha_threshold, opts.composite_on)
    if pixels.rgb.shape[0] == 0:
        raise EmptyImageError(
            f"{label}: every pixel is transparent (alpha below {opts.alpha_threshold}); "
            "lower alpha_threshold or use composite_on"
        )
    meta = _source_meta(label, loaded, pixels.total, pixels.rgb, pixels.transparent_share)
    return SourcePixels(pixels.rgb, meta, [], loaded)


def _source_meta(
    label: str,
    loaded: LoadedImage,
    total: int,
    rgb: npt.NDArray[np.uint8],
    transparent_share: float,
) -> dict[str, Any]:
    """The part of ``meta`` that describes the source and its pixels."""
    return {
        "source": label,
        "format": loaded.format,
        "original_size": list(loaded.original_size),
        "working_size": list(loaded.image.size),
        "icc": loaded.icc,
        "pixels": total,
        "opaque_pixels": int(rgb.shape[0]),
        "transparent_share": transparent_share,
    }


def _with_notes(palette: Palette, notes: list[str]) -> Palette:
    """``palette`` with ``notes`` put first in ``meta["warnings"]``."""
    if not notes:
        return palette
    meta = dict(palette.meta)
    meta["warnings"] = list(notes) + list(palette.meta["warnings"])
    return Palette(palette.swatches, meta)


def extract_merged(
    sources: Iterable[ImageSource],
    k: int | None = None,
    *,
    options: Options | None = None,
    warn: bool = True,
    **kwargs: Any,
) -> Palette:
    """Dominant colors of a set of images taken together.

    The palette is computed from the sum of the images' color histograms, not
    by averaging their palettes: an image counts in proportion to its
    (working-size) pixels, and colors shared by several images add up. Each
    image's pixels are chosen exactly as :func:`extract` chooses them (working
    size, alpha, frames, crop, background), so the merge of a single image is
    that image's palette.

    Parameters
    ----------
    sources
        Image sources as accepted by :func:`palettekit.extract` (paths, URLs,
        bytes, file objects, PIL images, arrays). Read one at a time.
    k, options, warn, **kwargs
        As for :func:`palettekit.extract`.

    Returns
    -------
    Palette
        Shares are fractions of all the images' opaque pixels together.
        ``meta`` has ``sources`` (labels), ``images``, ``pixels``,
        ``opaque_pixels``, ``transparent_share``, plus the usual keys.

    Raises
    ------
    OptionsError
        No source given, or a bad option.
    ImageLoadError, EmptyImageError
        An image cannot be read or has no opaque pixel (the message names it).
    """
    if k is not None:
        kwargs["k"] = k
    opts = Options.from_kwargs(options, **kwargs)
    timer = _Timer()
    coarse = HistogramSum(opts.histogram_bits)
    exact = HistogramSum(8)
    exact_possible = True  # every image so far has few enough bins to count exactly
    labels: list[str] = []
    notes: list[str] = []
    pixels_total = 0
    opaque_total = 0
    for source in sources:
        label = source_label(source)
        source_pixels = pixels_of(source, opts, timer=timer, label=label)
        rgb = source_pixels.rgb
        with timer.stage("histogram"):
            coarse.add(color_histogram(rgb, opts.histogram_bits))
            if exact_possible and opts.histogram_bits < 8:
                if len(coarse) <= _EXACT_BELOW_BINS:
                    exact.add(color_histogram(rgb, 8))
                else:
                    exact_possible = False
                    exact = HistogramSum(8)
        labels.append(label)
        notes.extend(source_pixels.notes)
        pixels_total += source_pixels.total
        opaque_total += int(rgb.shape[0])
    if not labels:
        raise OptionsError("extract_merged needs at least one image source")
    combined = coarse.histogram()
    if exact_possible and opts.histogram_bits < 8 and len(combined) <= _EXACT_BELOW_BINS:
        combined = exact.histogram()  # few colors overall: keep them exactly, as extract does
    meta: dict[str, Any] = {
        "source": labels[0] if len(labels) == 1 else f"<{len(labels)} images>",
        "sources": labels,
        "images": len(labels),
        "pixels": pixels_total,
        "opaque_pixels": opaque_total,
        "transparent_share": (pixels_total - opaque_total) / pixels_total if pixels_total else 0.0,
    }
    label = meta["source"]
    palette = palette_from_histogram(combined, opts, meta=meta, timer=timer, label=label, warn=warn)
    return _with_notes(palette, notes)


def palette_from_pixels(
    rgb: npt.NDArray[np.uint8],
    options: Options,
    *,
    meta: dict[str, Any] | None = None,
    timer: _Timer | None = None,
    label: str = "image",
    warn: bool = True,
    flat: FlatGraphic | None = None,
    saliency: SaliencyMap | None = None,
) -> Palette:
    """Palette of a list of sRGB pixels (N, 3) uint8 in [0, 255], N >= 1.

    ``flat``: the pixels' image is a flat graphic with these colors
    (:mod:`palettekit.flat`); every pixel is then counted for its nearest
    flat color (or extra color, when k asks for more) before clustering.
    ``saliency`` (themes only) says which colors stand out where they occur
    (:func:`palettekit.theme.spatial_saliency`).
    """
    timer = timer or _Timer()
    with timer.stage("histogram"):
        if flat is not None:
            k_asked = None if options.k == "auto" else int(options.k)
            histogram = snap_histogram(color_histogram(rgb, 8), flat, k_asked)
        else:
            histogram = color_histogram(rgb, options.histogram_bits)
            if len(histogram) <= _EXACT_BELOW_BINS and histogram.bits < 8:
                histogram = color_histogram(rgb, 8)
    return palette_from_histogram(
        histogram,
        options,
        meta=meta,
        timer=timer,
        label=label,
        warn=warn,
        flat=flat,
        saliency=saliency,
    )


def palette_from_histogram(
    histogram: ColorHistogram,
    options: Options,
    *,
    meta: dict[str, Any] | None = None,
    timer: _Timer | None = None,
    label: str = "image",
    warn: bool = True,
    flat: FlatGraphic | None = None,
    saliency: SaliencyMap | None = None,
) -> Palette:
    """Palette of a color histogram (bins' mean sRGB colors and pixel counts).

    ``flat``: the histogram holds the colors of a flat graphic (see
    :func:`palette_from_pixels`); ``k="auto"`` then counts them.
    ``saliency`` (themes only) says which colors stand out where they occur
    (:func:`palettekit.theme.spatial_saliency`).
    """
    timer = timer or _Timer()
    total = histogram.total
    if total == 0:
        raise EmptyImageError(f"{label}: no pixels to cluster")
    notes: list[str] = []
    n_distinct = len(histogram)
    auto_k = None
    if options.k == "auto":
        with timer.stage("auto_k"):
            if flat is not None:
                auto_k = flat_graphic_k(histogram, max_k=options.max_k, seed=options.seed)
            else:
                auto_k = choose_k(histogram, max_k=options.max_k, seed=options.seed)
        k = auto_k.k
        options_k = options.replace(k=k)
    else:
        k = int(options.k)
        options_k = options

    with timer.stage("colorspace"):
        points = colorspace.convert(histogram.colors / 255.0, options.space)

    theme_meta: dict[str, Any] | None = None
    if options.kind == "theme":
        with timer.stage("theme"):
            bins_oklab = points if options.space == "oklab" else None
            chosen = select_theme(histogram, k, saliency=saliency, oklab=bins_oklab)
            rgb8 = colorspace.srgb_to_uint8(chosen.srgb / 255.0)
            rgb8, _ = _merge_identical(rgb8, np.zeros(rgb8.shape[0], dtype=np.int64))
            pixel_counts = _nearest_counts(histogram, bins_oklab, rgb8)
            inertia, n_iter = 0.0, 0
            theme_meta = {"candidates": chosen.candidates}
    else:
        with timer.stage("cluster"):
            if n_distinct <= k:
                centers, counts = points, histogram.counts.astype(np.float64)
                inertia, n_iter = 0.0, 0
            else:
                result = _cluster(histogram, points, options_k)
                centers, counts = result.centers, result.weights
                inertia, n_iter = result.inertia, result.n_iter
                if centers.shape[0] < k:  # a cluster ended empty: the image has more colors
                    centers, counts = _fill_to_k(points, histogram.counts, centers, k)
        rgb8 = colorspace.srgb_to_uint8(colorspace.convert_to_srgb(centers, options.space))
        rgb8, pixel_counts = _merge_identical(rgb8, np.rint(counts).astype(np.int64))
        if auto_k is not None:  # auto never returns two colors closer than a JND
            rgb8, pixel_counts = merge_close_rgb(rgb8, pixel_counts)

    with timer.stage("palette"):
        if options.kind == "theme" and not (pixel_counts > 0).all():
            # a theme color no pixel is nearest to (exact ties only)
            keep = pixel_counts > 0
            rgb8, pixel_counts = rgb8[keep], pixel_counts[keep]
        oklab = np.round(colorspace.srgb_to_oklab(rgb8 / 255.0), 6)
        names, _ = nearest_names(oklab)
        swatches = [
            Swatch(
                rgb=(int(c[0]), int(c[1]), int(c[2])),
                share=int(n) / total,
                count=int(n),
                oklab=(float(lab[0]), float(lab[1]), float(lab[2])),
                name=name,
            )
            for c, n, lab, name in zip(rgb8, pixel_counts, oklab, names, strict=True)
        ]
        swatches.sort(key=_sort_key(options.sort))
        bins_oklab = (
            points
            if options.space == "oklab"
            else colorspace.srgb_to_oklab(histogram.colors / 255.0)
        )
        distortion = _distortion(bins_oklab, histogram.counts, oklab)

    if len(swatches) < k and auto_k is None:
        plural = "s" if len(swatches) != 1 else ""
        if options.kind == "theme":
            message = (
                f"{label}: only {len(swatches)} distinct color{plural} for a theme "
                f"(at least {THEME_MIN_DISTANCE} apart in Oklab; asked for k={k})"
            )
        elif n_distinct <= k and histogram.bits == 8:  # the bins are the image's exact colors
            message = f"{label}: only {len(swatches)} distinct color{plural} (asked for k={k})"
        else:
            message = (
                f"{label}: {len(swatches)} colors instead of k={k}: some of the colors found "
                "round to the same 8-bit color"
            )
        notes.append(message)
        if warn:
            warnings.warn(message, FewerColorsWarning, stacklevel=_caller_stacklevel())

    full_meta: dict[str, Any] = dict(meta or {})
    full_meta.update(
        {
            "kind": options.kind,
            "k": k,
            "k_returned": len(swatches),
            "seed": options.seed,
            "space": options.space,
            "histogram_bins": n_distinct,
            "histogram_bits": histogram.bits,
            "distortion": round(distortion, 4),
            "inertia": inertia,
            "n_iter": n_iter,
            "warnings": notes,
            "options": options.to_dict(),
            "version": __version__,
            "timings": {name: round(ms, 3) for name, ms in timer.ms.items()},
        }
    )
    if auto_k is not None:
        full_meta["auto_k"] = auto_k.to_meta()
    if flat is not None:
        full_meta["flat_graphic"] = flat.to_meta()
    if theme_meta is not None:
        full_meta["theme"] = theme_meta
    return Palette(swatches, full_meta)


def _cluster(
    histogram: ColorHistogram, points: npt.NDArray[np.float64], options: Options
) -> KMeansResult:
    """Weighted k-means starts and a median polish on a coarse histogram,
    then an exact assignment of every bin.

    The work stays bounded whatever the number of occupied bins:

    1. the histogram is coarsened (one bit at a time, down to 4 bits) to at
       most ~1,000 bins;
    2. there, ``n_init`` greedy k-means++ starts each take a few Lloyd
       iterations together, and the start with the lowest inertia is kept;
    3. Weiszfeld steps move each of its centers toward the weighted
       geometric median of its cluster, which minimises the mean Oklab
       distance (the distortion reported in meta and bench/) rather than its
       square, with one change: bins farther than ``_FAR_DISTANCE`` (0.12
       in Oklab) from their center weigh ``1 + _FAR_PENALTY`` times more, so
       a small but clearly different color (the blue wing of a macaw) pulls
       a center to it instead of being left to the nearest large area; the
       steps reassign the bins as they go, so the start need not have
       converged;
    4. one last plain median step runs on the full histogram, which ends by
       assigning every bin to its nearest center, so shares count exactly
       the pixels each color stands for.

    The far-color weighting trades a little mean distortion for coverage.
    On the 50 CQ100 photos against Pylette's Oklab mode (bench/, medians):
    without it, distortion 0.993x / 0.979x / 0.980x and missed area 1.88x /
    1.45x / 0 vs 0 at k = 5 / 8 / 16; with it, distortion 0.997x / 0.986x /
    0.981x and missed area 1.02x / 0.97x / 0 vs 0. The best plain
    k-medians reachable (16 starts, 6-bit bins, every pixel) gives 0.990x
    at k=5 with 1.9x the missed area, so at k=5 no palette here meets both
    "distortion <= 0.99x" and "missed area <= Pylette's"; penalties of
    1-8 and thresholds of 0.08-0.12 were measured, 5 and 0.12 is the best
    balance found.

    If a cluster ends empty on the coarse level, the whole thing is run
    again on every bin, with the starts iterated to convergence.

    bench/ compares the result with k-means on every pixel. Running the
    starts to convergence and ten polish steps on the full histogram
    instead takes about 2.5 times as long on a 10 MP photo, for 0.2-0.8%
    lower distortion on CQ100.
    """
    rng = np.random.default_rng(options.seed)
    k = int(options.k)  # k="auto" is resolved before clustering
    level, level_points = histogram, points
    while len(level) > _COARSE_BINS and level.bits > _MIN_COARSE_BITS:
        coarser = coarsen(level, level.bits - 1)
        if len(coarser) <= k:
            break
        level = coarser
        level_points = colorspace.convert(coarser.colors / 255.0, options.space)

    def polished(
        level: ColorHistogram, level_points: npt.NDArray[np.float64], start_iter: int
    ) -> KMeansResult:
        weights = level.counts.astype(np.float64)
        centers, _ = best_start(
            level_points,
            weights,
            k,
            n_init=options.n_init,
            max_iter=start_iter,
            tol=options.tol,
            rng=rng,
        )
        return weighted_kmedians(
            level_points,
            weights,
            centers,
            max_iter=_MEDIAN_ITER,
            tol=options.tol,
            far_distance=_FAR_DISTANCE[options.space],
            far_penalty=_FAR_PENALTY,
        )

    result = polished(level, level_points, min(_START_ITER, options.max_iter))
    if result.centers.shape[0] < k and level is not histogram:
        # A cluster ended empty on the coarse level: start over on every bin,
        # the starts iterated to convergence.
        level, level_points = histogram, points
        result = polished(level, level_points, options.max_iter)
    if level is histogram:
        return result
    return weighted_kmedians(
        points, histogram.counts, result.centers, max_iter=_FULL_MEDIAN_ITER, tol=options.tol
    )


def _fill_to_k(
    points: npt.NDArray[np.float64],
    weights: npt.NDArray[np.int64],
    centers: npt.NDArray[np.float64],
    k: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Bring a clustering that lost a center back to ``k`` centers.

    While there are fewer than ``k``, the bin whose pixels lie farthest from
    every center (its pixel count times its squared distance) becomes a
    center; then every bin is assigned to its nearest center. Needs at least
    ``k`` distinct bins.

    Returns
    -------
    centers : (k, 3) float64
        In the space of ``points``.
    counts : (k,) float64
        Pixels of each center's bins, all > 0.
    """
    _, d2 = nearest(squared_distances(points, centers))
    rows = [np.asarray(c, dtype=np.float64) for c in centers]
    while len(rows) < k:
        farthest = int(np.argmax(d2 * weights))
        if d2[farthest] <= 0.0:
            break
        rows.append(points[farthest])
        d2 = np.minimum(d2, squared_distances(points, points[farthest : farthest + 1])[:, 0])
    filled = np.array(rows)
    labels, _ = nearest(squared_distances(points, filled))
    counts = np.bincount(labels, weights=weights, minlength=filled.shape[0]).astype(np.float64)
    keep = counts > 0
    return filled[keep], counts[keep]


def _merge_identical(
    rgb8: npt.NDArray[np.uint8], counts: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Merge centers that round to the same 8-bit color, summing their counts."""
    keys = (rgb8[:, 0].astype(np.int64) << 16) | (rgb8[:, 1].astype(np.int64) << 8) | rgb8[:, 2]
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    if unique.shape[0] == keys.shape[0]:
        return rgb8, counts
    return rgb8[first], np.bincount(inverse, weights=counts).astype(np.int64)


def _nearest_counts(
    histogram: ColorHistogram,
    bins_oklab: npt.NDArray[np.float64] | None,
    rgb8: npt.NDArray[np.uint8],
) -> npt.NDArray[np.int64]:
    """(n,) int64 pixels of the histogram whose nearest color (in Oklab) is each of ``rgb8``."""
    if bins_oklab is None:
        bins_oklab = colorspace.srgb_to_oklab(histogram.colors / 255.0)
    labels, _ = nearest(squared_distances(bins_oklab, colorspace.srgb_to_oklab(rgb8 / 255.0)))
    return np.bincount(labels, weights=histogram.counts, minlength=rgb8.shape[0]).astype(np.int64)


def _distortion(
    points_oklab: npt.NDArray[np.float64],
    weights: npt.NDArray[np.int64],
    palette_oklab: npt.NDArray[np.float64],
) -> float:
    """Weighted mean Oklab distance x 100 from each bin color to its nearest swatch."""
    _, closest = nearest(squared_distances(points_oklab, palette_oklab))
    return float((np.sqrt(closest) * weights).sum() / weights.sum() * 100.0)
