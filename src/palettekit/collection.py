"""One palette for a set of images, from their combined color counts.

A product's photos or a whole folder get one palette computed from the sum of
the images' color histograms, not by averaging their palettes: an image
counts in proportion to its (working-size) pixels, and colors shared by
several images add up. Each image is loaded and counted exactly as
:func:`palettekit.extract` does (same working size, alpha handling and
histogram), so the merge of a single image is that image's palette.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import OptionsError
from .histogram import ColorHistogram, bin_keys_of, color_histogram
from .load import ImageSource, source_label
from .options import Options
from .palette import Palette
from .pipeline import _EXACT_BELOW_BINS, _Timer, load_opaque_pixels, palette_from_histogram

__all__ = ["extract_merged", "merge_histograms", "HistogramSum"]


def _keys_of(histogram: ColorHistogram) -> npt.NDArray[np.int64]:
    """Bin key of each occupied bin (its mean color lies inside the bin)."""
    return bin_keys_of(histogram, histogram.bits).astype(np.int64)


@dataclass
class HistogramSum:
    """Running sum of histograms of the same ``bits`` (bins keyed by grid cell).

    Memory is bounded by the number of distinct occupied bins (at most
    ``2 ** (3 * bits)``), whatever the number of images added.
    """

    bits: int
    keys: npt.NDArray[np.int64] | None = None
    counts: npt.NDArray[np.int64] | None = None
    sums: npt.NDArray[np.float64] | None = None  # (M, 3) sum of colors x counts
    first: ColorHistogram | None = None  # kept bit-exact while only one was added
    added: int = 0

    def add(self, histogram: ColorHistogram) -> None:
        """Add the bins of one image (``histogram.bits`` must equal ``bits``)."""
        if histogram.bits != self.bits:
            raise ValueError(f"histogram has {histogram.bits} bits, expected {self.bits}")
        self.added += 1
        if self.added == 1:
            self.first = histogram
        keys = _keys_of(histogram)
        sums = histogram.colors * histogram.counts[:, None]
        if self.keys is None:
            self.keys, self.counts, self.sums = keys, histogram.counts.copy(), sums
            return
        assert self.counts is not None and self.sums is not None
        all_keys = np.concatenate([self.keys, keys])
        unique, inverse = np.unique(all_keys, return_inverse=True)
        counts = np.bincount(inverse, weights=np.concatenate([self.counts, histogram.counts]))
        all_sums = np.concatenate([self.sums, sums])
        self.sums = np.stack(
            [
                np.bincount(inverse, weights=all_sums[:, c], minlength=unique.shape[0])
                for c in range(3)
            ],
            axis=1,
        )
        self.keys, self.counts = unique, np.rint(counts).astype(np.int64)

    def histogram(self) -> ColorHistogram:
        """The combined histogram (bins in increasing key order)."""
        if self.added == 1 and self.first is not None:
            return self.first
        if self.keys is None or self.counts is None or self.sums is None:
            return ColorHistogram(np.zeros((0, 3)), np.zeros(0, dtype=np.int64), self.bits)
        return ColorHistogram(self.sums / self.counts[:, None], self.counts, self.bits)

    def __len__(self) -> int:
        return 0 if self.keys is None else int(self.keys.shape[0])


def merge_histograms(histograms: Iterable[ColorHistogram]) -> ColorHistogram:
    """Sum histograms of equal ``bits``: counts add, bin colors are count-weighted means.

    Parameters
    ----------
    histograms
        One or more :class:`ColorHistogram` with the same ``bits``.

    Returns
    -------
    ColorHistogram
        Bins in increasing bin order; ``total`` is the sum of the totals.
    """
    total: HistogramSum | None = None
    for histogram in histograms:
        if total is None:
            total = HistogramSum(histogram.bits)
        total.add(histogram)
    if total is None:
        raise ValueError("no histogram to merge")
    return total.histogram()


def extract_merged(
    sources: Iterable[ImageSource],
    k: int | None = None,
    *,
    options: Options | None = None,
    warn: bool = True,
    **kwargs: Any,
) -> Palette:
    """Dominant colors of a set of images taken together.

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
    pixels_total = 0
    opaque_total = 0
    for source in sources:
        label = source_label(source)
        loaded, pixels = load_opaque_pixels(source, opts, timer=timer, label=label)
        with timer.stage("histogram"):
            histogram = color_histogram(pixels.rgb, opts.histogram_bits)
            coarse.add(histogram)
            if exact_possible and opts.histogram_bits < 8:
                if len(coarse) <= _EXACT_BELOW_BINS:
                    exact.add(color_histogram(pixels.rgb, 8))
                else:
                    exact_possible = False
                    exact = HistogramSum(8)
        labels.append(label)
        pixels_total += pixels.total
        opaque_total += int(pixels.rgb.shape[0])
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
    return palette_from_histogram(combined, opts, meta=meta, timer=timer, label=label, warn=warn)
