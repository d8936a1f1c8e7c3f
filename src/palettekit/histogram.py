"""Color histogram: many pixels -> few weighted colors.

k-means runs on the occupied bins of a histogram instead of on every pixel.
Each bin is represented by the mean color of the pixels that fall into it, so
with 8 bits per channel the bins are exactly the image's distinct colors.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import numpy.typing as npt

from .colorspace import srgb_to_linear
from .kernels import optional_kernel

__all__ = [
    "ColorHistogram",
    "color_histogram",
    "coarsen",
    "channel_bins",
    "HistogramSum",
    "merge_histograms",
]

# Above this many bins a dense bincount costs more than sorting the keys.
_DENSE_BITS_MAX = 6


@dataclass(frozen=True, eq=False)
class ColorHistogram:
    """Occupied bins of a color histogram.

    Attributes
    ----------
    colors : (M, 3) float64
        Mean sRGB color of each occupied bin, in [0, 255].
    counts : (M,) int64
        Number of pixels in each bin, all > 0; sums to the number of pixels.
    bits : int
        Bits per channel used for binning (8 means exact colors).
    """

    colors: npt.NDArray[np.float64]
    counts: npt.NDArray[np.int64]
    bits: int

    @property
    def total(self) -> int:
        """Number of pixels counted."""
        return int(self.counts.sum())

    def __len__(self) -> int:
        return int(self.counts.shape[0])


def _make_channel_bins() -> dict[int, npt.NDArray[np.uint8]]:
    value = np.arange(256, dtype=np.float64) / 255.0
    gray = np.stack([value, value, value], axis=1)
    lightness = np.cbrt(srgb_to_linear(gray)[:, 0])  # Oklab L of the gray, in [0, 1]
    tables = {
        bits: np.minimum(np.floor(lightness * (1 << bits)), (1 << bits) - 1).astype(np.uint8)
        for bits in range(1, 8)
    }
    tables[8] = np.arange(256, dtype=np.uint8)
    return tables


_CHANNEL_BINS = _make_channel_bins()


def channel_bins(bits: int) -> npt.NDArray[np.uint8]:
    """Bin index of each 8-bit channel value, at ``bits`` bits per channel.

    Bins are equal steps of the cube root of the channel's linear light
    (Oklab's lightness of the gray with that value), not of the 8-bit
    value: sRGB's own steps are far coarser to the eye in the dark than in
    the light, so equal-value bins merged dark colors that Oklab tells apart.
    Bins are intervals of values, and every bin lies inside one bin of any
    lower depth (below 8 bits, the bin at ``bits - 1`` is the bin at
    ``bits`` shifted right by one); 8 bits means one bin per value.

    Returns
    -------
    (256,) uint8, non-decreasing, in [0, 2**bits)
    """
    return _CHANNEL_BINS[bits]


def _make_key_tables() -> dict[int, npt.NDArray[np.unsignedinteger]]:
    tables = {}
    for bits, bins in _CHANNEL_BINS.items():
        # The narrowest unsigned type that holds a key: np.take from a uint16
        # table is about three times as fast as from an intp one.
        b: npt.NDArray[np.unsignedinteger] = bins.astype(np.uint16 if 3 * bits <= 16 else np.uint32)
        tables[bits] = np.stack([b << (2 * bits), b << bits, b])
    return tables


# Each channel value's share of the bin key, (3, 256) per depth: a key is
# the sum (here: bitwise or) of three table lookups.
_KEY_TABLES = _make_key_tables()


def _bin_keys(pixels: npt.NDArray[np.uint8], bits: int) -> npt.NDArray[np.unsignedinteger]:
    """(N,) bin key of each pixel of an (N, 3) uint8 array, in [0, 2**(3 * bits)).

    The keys are uint16 up to 5 bits and uint32 above.
    """
    table = _KEY_TABLES[bits]
    keys = np.take(table[0], pixels[:, 0])
    keys |= np.take(table[1], pixels[:, 1])
    keys |= np.take(table[2], pixels[:, 2])
    return keys


# Pixels are counted in blocks of this many: every temporary stays small
# enough to be reused from the allocator's free lists. One pass over whole
# arrays allocated ~6 MB of fresh pages per image, and on this machine the
# page faults alone cost more than the counting.
_BLOCK = 1 << 16

# Weighted sums are packed two to a float64 when that is exact: red and green
# share one sum (red x 2**26 + green), blue and the pixel count the other
# (blue x 2**18 + 1). With fewer than 2**18 pixels (and so 255 x pixels below
# 2**26) every packed sum is an integer below 2**53, and two bincounts per
# block do the work of four. The default working size (250,000) is below it.
_RED_SHIFT = float(1 << 26)
_BLUE_SHIFT = float(1 << 18)
_PACKED_MAX_PIXELS = (1 << 18) - 1


_kernel: ModuleType | None = optional_kernel("_histogram")

# The compiled pass fills a dense (2 ** (3 * bits), 4) table: 512 KB at 5 bits
# (kept between calls), 8 MB of its own at 6, where numpy's blocks cost less.
_KERNEL_BITS_MAX = 5


@functools.cache
def _kernel_keys(bits: int) -> npt.NDArray[np.uint32]:
    """(3, 256) uint32 key tables in the layout the compiled pass reads."""
    return np.ascontiguousarray(_KEY_TABLES[bits], dtype=np.uint32)


@functools.cache
def _red_green_keys(bits: int) -> npt.NDArray[np.unsignedinteger]:
    """(65536,) red and green part of the bin key of ``red << 8 | green``:
    one gather instead of two."""
    table = _KEY_TABLES[bits]
    return (table[0][:, None] | table[1][None, :]).ravel()


# Pixels are reordered 8 ways within a block (pixel i, i + n/8, i + 2n/8, ...)
# on the planar copy: neighbouring pixels mostly fall in the same bin, and
# bincount is faster when consecutive updates go to different bins.
_INTERLEAVE = 8


def _planar(block: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """(3, n) contiguous channel planes of an (n, 3) block, pixels interleaved.

    Gathers from a contiguous plane run about twice as fast as from every
    third byte; the order of the pixels does not change the histogram.
    """
    n = block.shape[0]
    if n % _INTERLEAVE:
        return np.ascontiguousarray(block.T)
    shuffled = block.reshape(_INTERLEAVE, n // _INTERLEAVE, 3).transpose(2, 1, 0)
    return np.ascontiguousarray(shuffled).reshape(3, n)


def _dense_counts(
    pixels: npt.NDArray[np.uint8], bits: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Pixel count (n_bins,) int64 and channel sums (n_bins, 3) float64 of
    every bin, occupied or not, ``n_bins = 2 ** (3 * bits)``. Exact: every
    count and sum is an integer well below 2**53."""
    n_bins = 1 << (3 * bits)
    table = _KEY_TABLES[bits]
    packed = pixels.shape[0] <= _PACKED_MAX_PIXELS
    if packed:
        red_green = np.zeros(n_bins)
        blue_count = np.zeros(n_bins)
    else:
        counts = np.zeros(n_bins, dtype=np.int64)
        sums = np.zeros((3, n_bins))
    red_green_table = _red_green_keys(bits)
    for start in range(0, pixels.shape[0], _BLOCK):
        red, green, blue = _planar(pixels[start : start + _BLOCK])
        pair = red.astype(np.uint16)
        pair <<= 8
        pair |= green
        keys = np.take(red_green_table, pair)
        keys |= np.take(table[2], blue)
        keys = keys.astype(np.intp)
        if packed:
            weight = red.astype(np.float64)
            weight *= _RED_SHIFT
            weight += green
            red_green += np.bincount(keys, weights=weight, minlength=n_bins)
            weight = blue.astype(np.float64)
            weight *= _BLUE_SHIFT
            weight += 1.0
            blue_count += np.bincount(keys, weights=weight, minlength=n_bins)
        else:
            counts += np.bincount(keys, minlength=n_bins)
            for channel, values in enumerate((red, green, blue)):
                sums[channel] += np.bincount(keys, weights=values, minlength=n_bins)
    if not packed:
        return counts, sums.T
    sums = np.empty((n_bins, 3))
    sums[:, 0] = np.floor(red_green / _RED_SHIFT)
    sums[:, 1] = red_green - sums[:, 0] * _RED_SHIFT
    sums[:, 2] = np.floor(blue_count / _BLUE_SHIFT)
    counts = (blue_count - sums[:, 2] * _BLUE_SHIFT).astype(np.int64)
    return counts, sums


def color_histogram(pixels: npt.ArrayLike, bits: int = 5) -> ColorHistogram:
    """Count colors in bins of ``bits`` bits per channel (see :func:`channel_bins`).

    Parameters
    ----------
    pixels : (N, 3) uint8
        sRGB pixels in [0, 255]. N may be 0.
    bits : int
        Bits per channel, 1 to 8. 5 bits gives at most 32,768 bins; photos
        typically occupy 1,000 to 5,000 of them.

    Returns
    -------
    ColorHistogram
        Occupied bins in increasing bin order (a deterministic order that does
        not depend on the order of the pixels).
    """
    pixels = np.asarray(pixels, dtype=np.uint8)
    if pixels.ndim != 2 or pixels.shape[1] != 3:
        raise ValueError(f"pixels must have shape (N, 3), got {pixels.shape}")
    if not 1 <= bits <= 8:
        raise ValueError(f"bits must be between 1 and 8, got {bits}")
    if pixels.shape[0] == 0:
        return ColorHistogram(np.zeros((0, 3)), np.zeros(0, dtype=np.int64), bits)
    if pixels.strides == (4, 1) and bits <= _KERNEL_BITS_MAX and _kernel is not None:
        # Three bytes of every four (Pillow's storage of RGB, pixels.image_array):
        # read in place, 4 bytes a pixel, the fourth never read.
        padded = np.lib.stride_tricks.as_strided(
            pixels, (pixels.shape[0], 4), (4, 1), writeable=False
        )
        made_counts, made_colors = _kernel.histogram4(padded, _kernel_keys(bits), 1 << (3 * bits))
        colors = np.frombuffer(made_colors, dtype=np.float64).reshape(-1, 3)
        return ColorHistogram(colors, np.frombuffer(made_counts, dtype=np.int64), bits)
    pixels = np.ascontiguousarray(pixels)

    if bits == 8:
        unique, counts = np.unique(_bin_keys(pixels, bits), return_counts=True)
        colors = np.stack([(unique >> 16) & 255, (unique >> 8) & 255, unique & 255], axis=1)
        return ColorHistogram(colors.astype(np.float64), counts.astype(np.int64), bits)

    if bits <= _KERNEL_BITS_MAX and _kernel is not None:
        # Outputs of exactly the occupied bins, made by the pass (no copy).
        made_counts, made_colors = _kernel.histogram(pixels, _kernel_keys(bits), 1 << (3 * bits))
        colors = np.frombuffer(made_colors, dtype=np.float64).reshape(-1, 3)
        return ColorHistogram(colors, np.frombuffer(made_counts, dtype=np.int64), bits)
    if bits <= _DENSE_BITS_MAX:
        all_counts, all_sums = _dense_counts(pixels, bits)
        occupied_bins = np.flatnonzero(all_counts)
        counts, sums = all_counts[occupied_bins], all_sums[occupied_bins]
    else:
        _, inverse, counts = np.unique(
            _bin_keys(pixels, bits), return_inverse=True, return_counts=True
        )
        sums = np.stack([np.bincount(inverse, weights=pixels[:, c]) for c in range(3)], axis=1)
    colors = sums / counts[:, None]
    return ColorHistogram(colors, counts.astype(np.int64), bits)


def bin_keys_of(histogram: ColorHistogram, bits: int) -> npt.NDArray[np.intp]:
    """(M,) intp key, at ``bits`` bits per channel (at most ``histogram.bits``),
    of the bin holding each occupied bin: its mean color lies inside it."""
    fine = np.clip(np.floor(histogram.colors), 0, 255).astype(np.uint8)
    return _bin_keys(fine, bits).astype(np.intp)


def coarsen(histogram: ColorHistogram, bits: int) -> ColorHistogram:
    """Merge the bins of a histogram into coarser bins of ``bits`` bits.

    Gives the same bins, counts and mean colors as :func:`color_histogram`
    of the original pixels at ``bits`` bits (up to rounding), in O(M) instead
    of O(N): each bin's mean color lies inside its bin, so it names the coarse
    bin that contains it.

    Parameters
    ----------
    histogram : ColorHistogram
        A histogram with more than ``bits`` bits per channel.
    bits : int
        Bits per channel of the result, 1 to ``histogram.bits``.
    """
    if bits >= histogram.bits:
        return histogram
    if bits <= _KERNEL_BITS_MAX and _kernel is not None:
        # The same sums in the same order in one pass (numpy's chain of a
        # dozen whole-array steps costs more than the arithmetic).
        capacity = min(len(histogram), 1 << (3 * bits))
        out_colors = np.empty((capacity, 3))
        out_counts = np.empty(capacity, dtype=np.int64)
        occupied = _kernel.coarsen(
            np.ascontiguousarray(histogram.colors, dtype=np.float64),
            np.ascontiguousarray(histogram.counts, dtype=np.int64),
            _kernel_keys(bits),
            1 << (3 * bits),
            out_colors,
            out_counts,
        )
        return ColorHistogram(out_colors[:occupied], out_counts[:occupied], bits)
    colors = histogram.colors
    keys = bin_keys_of(histogram, bits)
    if bits <= _DENSE_BITS_MAX:  # a dense bincount is cheaper than sorting
        # Each coarse bin's rank among the occupied ones, looked up by key:
        # what searchsorted in the occupied keys gives, at a quarter the cost.
        present = np.bincount(keys, minlength=1 << (3 * bits)) > 0
        rank: npt.NDArray[np.intp] = np.cumsum(present, dtype=np.intp)
        n_coarse = int(rank[-1])
        rank -= 1
        inverse = rank[keys]
    else:
        occupied, inverse = np.unique(keys, return_inverse=True)
        n_coarse = occupied.shape[0]
    counts = np.bincount(inverse, weights=histogram.counts, minlength=n_coarse)
    moments = colors * histogram.counts[:, None]
    sums = np.stack(
        [np.bincount(inverse, weights=moments[:, c], minlength=n_coarse) for c in range(3)],
        axis=1,
    )
    return ColorHistogram(sums / counts[:, None], np.rint(counts).astype(np.int64), bits)


def _keys_of(histogram: ColorHistogram) -> npt.NDArray[np.int64]:
    """Bin key of each occupied bin (its mean color lies inside the bin)."""
    return bin_keys_of(histogram, histogram.bits).astype(np.int64)


@dataclass(eq=False)
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
