"""extract() and extract_merged(): the one place that knows the order of the steps.

Every door (extract, extract_merged, batch, the web, the CLI; crop, mask,
frames; a path, bytes or a PIL image) runs the same steps:

source -select-> the selected region(s) at working size, RGB(A)
                 (:mod:`palettekit.selection`: load, crop, mask, frames, background)
       -pixels-> opaque sRGB pixels (N, 3) uint8 of each region, and what the
                 region says: flat-graphic colors (:mod:`palettekit.flat`),
                 theme saliency (:func:`palettekit.theme.spatial_saliency`)
                 and theme input (:func:`palettekit.theme.theme_input`: the
                 region area-averaged to a fixed size)
       -histogram-> mean colors of occupied bins (M, 3) + counts (M,), summed
                 over the regions (frames of an animation, images of a merge)
       -colorspace-> bins in the clustering space (M, 3) float
       -kind-> one strategy per kind (:mod:`palettekit.kinds`): colors (k, 3)
                 + counts (k,) + the strategy's meta
       -palette-> one builder: Palette of Swatches, sorted, with meta
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from . import colorspace
from ._version import __version__
from .cluster import nearest_squared_distances
from .errors import EmptyImageError, FewerColorsWarning, OptionsError
from .histogram import ColorHistogram, HistogramSum, color_histogram
from .kinds import KindColors, flat_colors, palette_colors, theme_colors
from .kmedians_palette import DEFAULT_PARAMS
from .load import ImageSource, source_label
from .mixes import LOSSY_FORMATS
from .names import nearest_names
from .options import Options
from .palette import Palette, Swatch, swatch_order_key
from .pixels import OpaquePixels, opaque_pixels
from .selection import Selection, View, select_image

if TYPE_CHECKING:
    # palettekit.autok (k="auto"), palettekit.theme (kind="theme") and
    # palettekit.flat (a lossless image) are imported where they are used: a
    # palette of k colors of a JPEG does without.
    from .autok import AutoKResult
    from .flat import FlatGraphic
    from .theme import SaliencyMap

__all__ = [
    "extract",
    "extract_merged",
    "ColorCounts",
    "palette_from_pixels",
    "palette_from_histogram",
]

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
        An image of the source's size (path, PIL image, bool array, ...),
        read at full resolution; only pixels where it is light and opaque are
        used, sampled at their own working size (:mod:`palettekit.selection`).
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
    return _palette_of([source], opts, warn=warn, mask=mask, merged=False)


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
    image's pixels are chosen and counted exactly as :func:`extract` does
    (working size, alpha, frames, crop, background, flat-graphic colors,
    saliency), and the same builder makes the palette, so the merge of a
    single image is that image's palette. The set is a flat graphic when
    every image is one.

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
    return _palette_of(sources, opts, warn=warn, mask=None, merged=True)


def _palette_of(
    sources: Iterable[ImageSource],
    opts: Options,
    *,
    warn: bool,
    mask: ImageSource | None,
    merged: bool,
) -> Palette:
    """The one path: select each source, count its regions, build one palette."""
    timer = _Timer()
    counts = ColorCounts(opts)
    labels: list[str] = []
    notes: list[str] = []
    meta: dict[str, Any] = {}
    for source in sources:
        label = source_label(source)
        with timer.stage("load"):
            selection = select_image(source, opts, mask=mask, label=label)
        opaque_before = counts.opaque
        for view in selection.views:
            counts.add(view, selection.first.format, timer=timer)
        if counts.opaque == opaque_before:
            raise EmptyImageError(_nothing_opaque(label, opts, selection))
        if not labels:
            meta = _source_meta(label, selection, counts)
        labels.append(label)
        notes.extend(selection.notes)
    if not labels:
        raise OptionsError("extract_merged needs at least one image source")
    if merged:
        meta = _merged_meta(labels, counts)
    histogram, flat, saliency = counts.result()
    palette = palette_from_histogram(
        histogram,
        opts,
        meta=meta,
        timer=timer,
        label=meta["source"],
        warn=warn,
        flat=flat,
        saliency=saliency,
        theme_histogram=counts.theme_histogram(),
    )
    return _with_notes(palette, notes)


def _nothing_opaque(label: str, opts: Options, selection: Selection) -> str:
    if selection.meta.keys() & {"crop", "mask", "background", "frames"}:
        return (
            f"{label}: no opaque pixel in the selected region (alpha below "
            f"{opts.alpha_threshold}, or outside the crop or mask)"
        )
    return (
        f"{label}: every pixel is transparent (alpha below {opts.alpha_threshold}); "
        "lower alpha_threshold or use composite_on"
    )


def _source_meta(label: str, selection: Selection, counts: ColorCounts) -> dict[str, Any]:
    """The part of ``meta`` that describes one source and its selected pixels."""
    first = selection.first
    meta = {
        "source": label,
        "format": first.format,
        "original_size": list(first.original_size),
        "working_size": list(first.image.size),
        "icc": first.icc,
        "pixels": counts.pixels,
        "opaque_pixels": counts.opaque,
        "transparent_share": counts.transparent_share,
    }
    meta.update(selection.meta)
    return meta


def _merged_meta(labels: list[str], counts: ColorCounts) -> dict[str, Any]:
    return {
        "source": labels[0] if len(labels) == 1 else f"<{len(labels)} images>",
        "sources": labels,
        "images": len(labels),
        "pixels": counts.pixels,
        "opaque_pixels": counts.opaque,
        "transparent_share": counts.transparent_share,
    }


def _with_notes(palette: Palette, notes: list[str]) -> Palette:
    """``palette`` with ``notes`` put first in ``meta["warnings"]``."""
    if not notes:
        return palette
    meta = dict(palette.meta)
    meta["warnings"] = list(notes) + list(palette.meta["warnings"])
    return Palette(palette.swatches, meta)


# --- pixels -> histogram -------------------------------------------------------------


def _view_pixels(view: View, opts: Options) -> OpaquePixels:
    """The opaque pixels of a view's kept pixels, (N, 3) uint8 in row order."""
    selected = view.array if view.keep is None else view.array[view.keep][None, :, :]
    return opaque_pixels(selected, opts.alpha_threshold, opts.composite_on)


def _analysis_image(
    view: View, opts: Options, *, composite: bool
) -> tuple[npt.NDArray[np.uint8] | Image.Image, int, tuple[int, int, int] | None]:
    """The view as flat detection and saliency see it: (image, alpha_threshold, composite_on).

    Without ``keep`` it is the loaded image itself. With it, an RGBA array in
    which the pixels left out are transparent (composited first when
    ``composite`` and ``composite_on`` ask for it, as the pixels were).
    """
    if view.keep is None:
        return view.loaded.image, opts.alpha_threshold, opts.composite_on
    array = view.array
    height, width = array.shape[:2]
    if composite and opts.composite_on is not None:
        rgb = opaque_pixels(array, 0, opts.composite_on).rgb.reshape(height, width, 3)
        alpha = np.full((height, width), 255, np.uint8)
    else:
        rgb = array[..., :3]
        alpha = array[..., 3] if array.shape[2] == 4 else np.full((height, width), 255, np.uint8)
    threshold = max(1, opts.alpha_threshold)
    alpha = np.where(view.keep, np.maximum(alpha, 1), 0).astype(np.uint8)
    rgba = np.dstack([rgb, alpha])
    return (rgba if composite else Image.fromarray(rgba)), threshold, None


class _Sum:
    """A histogram sum that costs nothing until a second histogram is added
    (one image, one frame: the common case)."""

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.first: ColorHistogram | None = None
        self.total: HistogramSum | None = None

    def add(self, histogram: ColorHistogram) -> None:
        if self.first is None and self.total is None:
            self.first = histogram
            return
        if self.total is None:
            self.total = HistogramSum(self.bits)
            assert self.first is not None
            self.total.add(self.first)
            self.first = None
        self.total.add(histogram)

    def __len__(self) -> int:
        if self.first is not None:
            return len(self.first)
        return 0 if self.total is None else len(self.total)

    def histogram(self) -> ColorHistogram:
        if self.first is not None:
            return self.first
        return (self.total or HistogramSum(self.bits)).histogram()


@dataclass(eq=False)
class ColorCounts:
    """The color histogram of one or more selected regions, and what they say.

    Every region (a frame, an image of a merge) is counted the same way and
    the counts add up: its pixels at ``histogram_bits``, again exactly at 8
    bits while the sum has at most ``exact_below_bins`` bins (few colors
    overall: a graphic's colors come back exactly); snapped to its own
    colors when it is a flat graphic (the sum is one only when every region
    is); and, for themes, the saliency of its colors and the histogram of
    the theme's input (:func:`palettekit.theme.theme_input`: each region
    area-averaged to a fixed size, counted in proportion to its pixels).
    """

    options: Options
    coarse: _Sum = field(init=False)
    exact: _Sum | None = field(init=False)
    snapped: _Sum | None = field(init=False)
    flats: list[tuple[FlatGraphic, int]] = field(default_factory=list)
    saliencies: list[tuple[SaliencyMap, int]] = field(default_factory=list)
    theme: _Sum | None = field(init=False)
    pixels: int = 0
    opaque: int = 0
    transparent: float = 0.0

    def __post_init__(self) -> None:
        self.coarse = _Sum(self.options.histogram_bits)
        self.exact = _Sum(8) if self.options.histogram_bits < 8 else None
        self.snapped = _Sum(8)
        self.theme = _Sum(self.options.histogram_bits) if self.options.kind == "theme" else None

    @property
    def transparent_share(self) -> float:
        """Share of the pixels considered that were dropped as transparent, in [0, 1]."""
        return self.transparent / self.pixels if self.pixels else 0.0

    def add(self, view: View, image_format: str | None, *, timer: _Timer) -> None:
        """Count one region's pixels (``image_format``: its source's, for flat detection)."""
        opts = self.options
        with timer.stage("pixels"):
            pixels = _view_pixels(view, opts)
        self.pixels += view.considered
        self.opaque += int(pixels.rgb.shape[0])
        self.transparent += pixels.transparent_share * pixels.total
        if pixels.rgb.shape[0] == 0:
            return
        flat = None
        if self.snapped is not None and image_format not in LOSSY_FORMATS:
            from .flat import detect_flat_graphic

            with timer.stage("flat"):
                image, threshold, composite_on = _analysis_image(view, opts, composite=True)
                flat = detect_flat_graphic(image, threshold, composite_on, rgb=pixels.rgb)
        if opts.kind == "theme":
            from .theme import spatial_saliency

            with timer.stage("theme_input"):
                reduced = self.add_theme_input(view, int(pixels.rgb.shape[0]))
            with timer.stage("saliency"):
                image, threshold, _ = _analysis_image(view, opts, composite=False)
                assert isinstance(image, Image.Image)
                reduced = reduced if view.keep is None else None  # then the same image
                saliency = spatial_saliency(image, threshold, reduced=reduced)
                self.saliencies.append((saliency, pixels.rgb.shape[0]))
        with timer.stage("histogram"):
            self.add_pixels(pixels.rgb, flat)

    def add_pixels(self, rgb: npt.NDArray[np.uint8], flat: FlatGraphic | None = None) -> None:
        """Count opaque sRGB pixels (N, 3) uint8 of one region; ``flat``: its flat graphic."""
        self.coarse.add(color_histogram(rgb, self.options.histogram_bits))
        if self.exact is not None:
            if len(self.coarse) <= DEFAULT_PARAMS.exact_below_bins:
                self.exact.add(color_histogram(rgb, 8))
            else:
                self.exact = None
        if flat is None:
            self.snapped = None
        elif self.snapped is not None:
            from .flat import snap_histogram

            k = None if self.options.k == "auto" else int(self.options.k)
            self.snapped.add(snap_histogram(color_histogram(rgb, 8), flat, k))
            self.flats.append((flat, int(rgb.shape[0])))

    def add_theme_input(self, view: View, opaque: int) -> npt.NDArray[np.uint8] | None:
        """Count one region's theme input (its ``opaque`` working pixels'
        worth: a region weighs in a merge by its pixels, as in the histogram);
        return it (:func:`palettekit.theme.theme_input`), for the saliency."""
        if self.theme is None:
            return None
        from .theme import theme_input

        image, threshold, composite_on = _analysis_image(view, self.options, composite=True)
        if not isinstance(image, Image.Image):
            image = Image.fromarray(image)
        array = theme_input(image)
        reduced = opaque_pixels(array, threshold, composite_on).rgb
        if reduced.shape[0] == 0:  # a region of a few scattered opaque pixels
            reduced = _view_pixels(view, self.options).rgb
        histogram = color_histogram(reduced, self.options.histogram_bits)
        weight = max(1, round(opaque / reduced.shape[0]))
        self.theme.add(ColorHistogram(histogram.colors, histogram.counts * weight, histogram.bits))
        return array

    def theme_histogram(self) -> ColorHistogram | None:
        """The histogram a theme is chosen from, or None for the counted one
        (not a theme; a flat graphic, or an image of few colors counted
        exactly: its own colors, not their averages)."""
        if self.theme is None or len(self.theme) == 0:
            return None
        if self.snapped is not None and self.flats:
            return None
        if self.exact is not None and len(self.coarse) <= DEFAULT_PARAMS.exact_below_bins:
            return None
        return self.theme.histogram()

    def result(self) -> tuple[ColorHistogram, FlatGraphic | None, SaliencyMap | None]:
        """The summed histogram, the flat graphic it is (or None) and the saliency map."""
        saliency = _combined_saliency(self.saliencies)
        if self.snapped is not None and self.flats:
            return self.snapped.histogram(), _combined_flat(self.flats), saliency
        histogram = self.coarse.histogram()
        if self.exact is not None and len(histogram) <= DEFAULT_PARAMS.exact_below_bins:
            histogram = self.exact.histogram()
        return histogram, None, saliency


def _combined_flat(flats: list[tuple[FlatGraphic, int]]) -> FlatGraphic:
    """One region's flat graphic, or several as one (their colors, shares by pixels)."""
    if len(flats) == 1:
        return flats[0][0]
    from .flat import FlatGraphic

    weights = np.array([n for _, n in flats], dtype=np.float64)
    colors = np.concatenate([f.colors for f, _ in flats])
    counts = np.concatenate([f.counts for f, _ in flats])
    keys = (
        (colors[:, 0].astype(np.int64) << 16) | (colors[:, 1].astype(np.int64) << 8) | colors[:, 2]
    )
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    summed = np.bincount(inverse, weights=counts).astype(np.int64)
    order = np.argsort(-summed, kind="stable")
    return FlatGraphic(
        colors=colors[first][order],
        counts=summed[order],
        flat_share=float(np.average([f.flat_share for f, _ in flats], weights=weights)),
        detail_share=float(np.average([f.detail_share for f, _ in flats], weights=weights)),
    )


def _combined_saliency(maps: list[tuple[SaliencyMap, int]]) -> SaliencyMap | None:
    """One region's saliency map, or several averaged bin by bin (weighted by pixels)."""
    if len(maps) <= 1:
        return maps[0][0] if maps else None
    from .theme import SaliencyMap

    keys = np.concatenate([m.keys for m, _ in maps])
    values = np.concatenate([m.values * n for m, n in maps])
    weights = np.concatenate([np.full(m.keys.shape[0], float(n)) for m, n in maps])
    unique, inverse = np.unique(keys, return_inverse=True)
    total = np.bincount(inverse, weights=weights)
    mean = np.bincount(inverse, weights=values) / total
    regions = None
    if all(m.regions is not None for m, _ in maps):
        factors = np.concatenate([m.regions * n for m, n in maps])  # type: ignore[operator]
        regions = np.bincount(inverse, weights=factors) / total
    return SaliencyMap(maps[0][0].bits, unique.astype(np.intp), mean, regions)


# --- histogram -> palette ------------------------------------------------------------


def palette_from_pixels(
    rgb: npt.NDArray[np.uint8],
    options: Options,
    *,
    meta: dict[str, Any] | None = None,
    label: str = "image",
    warn: bool = True,
) -> Palette:
    """Palette of a list of sRGB pixels (N, 3) uint8 in [0, 255], N >= 1.

    The pixels are counted as one region of :func:`extract` is, without the
    steps that need the image's layout (flat-graphic colors, saliency).
    """
    timer = _Timer()
    counts = ColorCounts(options)
    with timer.stage("histogram"):
        counts.add_pixels(np.asarray(rgb, dtype=np.uint8))
        histogram, _, _ = counts.result()
    return palette_from_histogram(
        histogram, options, meta=meta, timer=timer, label=label, warn=warn
    )


def _choose_k(
    histogram: ColorHistogram,
    options: Options,
    flat: FlatGraphic | None,
    bins_oklab: npt.NDArray[np.float64] | None = None,
) -> AutoKResult | None:
    if options.k != "auto":
        return None
    from .autok import choose_k, flat_graphic_k

    if flat is not None:
        return flat_graphic_k(histogram, max_k=options.max_k, seed=options.seed)
    return choose_k(histogram, max_k=options.max_k, seed=options.seed, oklab=bins_oklab)


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
    theme_histogram: ColorHistogram | None = None,
) -> Palette:
    """Palette of a color histogram (bins' mean sRGB colors and pixel counts).

    Chooses k (``k="auto"``), runs the kind's strategy (:mod:`palettekit.kinds`)
    and builds the palette (:func:`build_palette`).

    ``flat``: the histogram holds the colors of a flat graphic
    (:func:`palettekit.flat.snap_histogram`); ``k="auto"`` then counts them.
    ``saliency`` (themes only) says which colors stand out where they occur
    (:func:`palettekit.theme.spatial_saliency`); ``theme_histogram`` (themes
    only) is the histogram the theme is chosen from (the image area-averaged
    to a fixed size, :func:`palettekit.theme.theme_input`), when not
    ``histogram`` itself; shares are still counted on ``histogram``.
    """
    timer = timer or _Timer()
    if histogram.total == 0:
        raise EmptyImageError(f"{label}: no pixels to cluster")
    with timer.stage("colorspace"):
        points = colorspace.convert(histogram.colors / 255.0, options.space)
    bins_oklab = points if options.space == "oklab" else None
    with timer.stage("auto_k"):  # the bins' Oklab computed once, for both
        auto_k = _choose_k(histogram, options, flat, bins_oklab)
    k = auto_k.k if auto_k is not None else int(options.k)
    if flat is not None:  # either kind: the graphic's own colors, chosen by area
        with timer.stage("theme" if options.kind == "theme" else "cluster"):
            found = flat_colors(histogram, points, k, options, flat=flat)
    elif options.kind == "theme":
        with timer.stage("theme"):
            found = theme_colors(histogram, bins_oklab, k, saliency, choose_from=theme_histogram)
    else:
        with timer.stage("cluster"):
            found = palette_colors(histogram, points, k, options)
    extra: dict[str, Any] = {}
    if auto_k is not None:
        extra["auto_k"] = auto_k.to_meta()
    if flat is not None:
        extra["flat_graphic"] = flat.to_meta()
    return build_palette(
        found,
        histogram,
        options,
        k=k,
        auto=auto_k is not None,
        bins_oklab=bins_oklab,
        meta=meta or {},
        extra=extra,
        timer=timer,
        label=label,
        warn=warn,
    )


def build_palette(
    found: KindColors,
    histogram: ColorHistogram,
    options: Options,
    *,
    k: int,
    auto: bool,
    bins_oklab: npt.NDArray[np.float64] | None,
    meta: dict[str, Any],
    extra: dict[str, Any],
    timer: _Timer,
    label: str,
    warn: bool,
) -> Palette:
    """The one builder: a strategy's colors -> Palette (merged, named, sorted, measured).

    Colors that round to the same 8-bit color are merged (their counts
    summed), with ``auto`` a palette's colors closer than a just-noticeable
    difference too (:func:`palettekit.autok.merge_close_rgb`); colors no
    pixel is nearest to are dropped. ``meta`` (the source's keys) is
    completed with the run's, the strategy's (``found.meta``: "algorithm",
    and "inertia", "n_iter" for clustering) and ``extra`` (auto-k, flat
    graphic); a theme's own meta goes under "theme".
    """
    with timer.stage("palette"):
        rgb8, counts = _merge_identical(found.rgb, found.counts)
        if auto and options.kind != "theme":  # auto never returns two colors closer than a JND
            from .autok import merge_close_rgb

            rgb8, counts = merge_close_rgb(rgb8, counts)
        rgb8, counts = rgb8[counts > 0], counts[counts > 0]
        oklab = np.round(colorspace.srgb_to_oklab(rgb8 / 255.0), 6)
        names, _ = nearest_names(oklab)
        total = histogram.total
        swatches = [
            Swatch(
                rgb=(int(c[0]), int(c[1]), int(c[2])),
                share=int(n) / total,
                count=int(n),
                oklab=(float(lab[0]), float(lab[1]), float(lab[2])),
                name=name,
            )
            for c, n, lab, name in zip(rgb8, counts, oklab, names, strict=True)
        ]
        swatches.sort(key=swatch_order_key(options.sort))
        if bins_oklab is None:
            bins_oklab = colorspace.srgb_to_oklab(histogram.colors / 255.0)
        distortion = _distortion(bins_oklab, histogram.counts, oklab)
    notes: list[str] = []
    if len(swatches) < k and not auto:
        message = _fewer_colors_note(label, len(swatches), k, histogram, options.kind)
        notes.append(message)
        if warn:
            warnings.warn(message, FewerColorsWarning, stacklevel=_caller_stacklevel())
    full_meta = dict(meta)
    full_meta.update(
        {
            "kind": options.kind,
            "k": k,
            "k_returned": len(swatches),
            "seed": options.seed,
            "space": options.space,
            "histogram_bins": len(histogram),
            "histogram_bits": histogram.bits,
            "distortion": round(distortion, 4),
            **{key: value for key, value in found.meta.items() if key != "theme"},
            "warnings": notes,
            "options": options.to_dict(),
            "version": __version__,
            "timings": {name: round(ms, 3) for name, ms in timer.ms.items()},
            **extra,
        }
    )
    if "theme" in found.meta:
        full_meta["theme"] = found.meta["theme"]
    return Palette(swatches, full_meta)


def _fewer_colors_note(
    label: str, returned: int, k: int, histogram: ColorHistogram, kind: str
) -> str:
    plural = "s" if returned != 1 else ""
    if kind == "theme":
        from .theme import MIN_DISTANCE as THEME_MIN_DISTANCE

        return (
            f"{label}: only {returned} distinct color{plural} for a theme "
            f"(at least {THEME_MIN_DISTANCE} apart in Oklab; asked for k={k})"
        )
    if len(histogram) <= k and histogram.bits == 8:  # the bins are the image's exact colors
        return f"{label}: only {returned} distinct color{plural} (asked for k={k})"
    return (
        f"{label}: {returned} colors instead of k={k}: some of the colors found "
        "round to the same 8-bit color"
    )


def _merge_identical(
    rgb8: npt.NDArray[np.uint8], counts: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Merge colors that round to the same 8-bit color, summing their counts."""
    keys = (rgb8[:, 0].astype(np.int64) << 16) | (rgb8[:, 1].astype(np.int64) << 8) | rgb8[:, 2]
    listed = keys.tolist()
    if len(set(listed)) == len(listed):  # the usual case, without np.unique's sorting
        return rgb8, counts
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    if unique.shape[0] == keys.shape[0]:
        return rgb8, counts
    return rgb8[first], np.bincount(inverse, weights=counts).astype(np.int64)


def _distortion(
    points_oklab: npt.NDArray[np.float64],
    weights: npt.NDArray[np.int64],
    palette_oklab: npt.NDArray[np.float64],
) -> float:
    """Weighted mean Oklab distance x 100 from each bin color to its nearest swatch."""
    closest = nearest_squared_distances(points_oklab, palette_oklab)
    return float((np.sqrt(closest) * weights).sum() / weights.sum() * 100.0)
