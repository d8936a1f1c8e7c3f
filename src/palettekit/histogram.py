"""Color histogram: many pixels -> few weighted colors.

k-means runs on the occupied bins of a histogram instead of on every pixel.
Each bin is represented by the mean color of the pixels that fall into it, so
with 8 bits per channel the bins are exactly the image's distinct colors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .colorspace import srgb_to_linear

__all__ = ["ColorHistogram", "color_histogram", "coarsen", "channel_bins"]

# Above this many bins a dense bincount costs more than sorting the keys.
_DENSE_BITS_MAX = 6


@dataclass(frozen=True)
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
        dtype = np.uint16 if 3 * bits <= 16 else np.uint32
        b = bins.astype(dtype)
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
_RED_WEIGHT = np.arange(256, dtype=np.float64) * _RED_SHIFT
_BLUE_WEIGHT = np.arange(256, dtype=np.float64) * _BLUE_SHIFT + 1.0


def _block_keys(block: npt.NDArray[np.uint8], bits: int) -> npt.NDArray[np.intp]:
    keys = _bin_keys(block, bits)
    return keys.astype(np.intp)


def _dense_counts(
    pixels: npt.NDArray[np.uint8], bits: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Pixel count (n_bins,) int64 and channel sums (n_bins, 3) float64 of
    every bin, occupied or not, ``n_bins = 2 ** (3 * bits)``. Exact: every
    count and sum is an integer well below 2**53."""
    n_bins = 1 << (3 * bits)
    blocks = range(0, pixels.shape[0], _BLOCK)
    if pixels.shape[0] > _PACKED_MAX_PIXELS:
        counts = np.zeros(n_bins, dtype=np.int64)
        sums = np.zeros((3, n_bins))
        for start in blocks:
            block = pixels[start : start + _BLOCK]
            keys = _block_keys(block, bits)
            counts += np.bincount(keys, minlength=n_bins)
            for channel in range(3):
                sums[channel] += np.bincount(keys, weights=block[:, channel], minlength=n_bins)
        return counts, sums.T
    red_green = np.zeros(n_bins)
    blue_count = np.zeros(n_bins)
    for start in blocks:
        block = pixels[start : start + _BLOCK]
        keys = _block_keys(block, bits)
        packed = np.take(_RED_WEIGHT, block[:, 0])
        packed += block[:, 1]
        red_green += np.bincount(keys, weights=packed, minlength=n_bins)
        blue_count += np.bincount(
            keys, weights=np.take(_BLUE_WEIGHT, block[:, 2]), minlength=n_bins
        )
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
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    if pixels.ndim != 2 or pixels.shape[1] != 3:
        raise ValueError(f"pixels must have shape (N, 3), got {pixels.shape}")
    if not 1 <= bits <= 8:
        raise ValueError(f"bits must be between 1 and 8, got {bits}")
    if pixels.shape[0] == 0:
        return ColorHistogram(np.zeros((0, 3)), np.zeros(0, dtype=np.int64), bits)

    if bits == 8:
        unique, counts = np.unique(_bin_keys(pixels, bits), return_counts=True)
        colors = np.stack([(unique >> 16) & 255, (unique >> 8) & 255, unique & 255], axis=1)
        return ColorHistogram(colors.astype(np.float64), counts.astype(np.int64), bits)

    if bits <= _DENSE_BITS_MAX:
        all_counts, all_sums = _dense_counts(pixels, bits)
        occupied = np.flatnonzero(all_counts)
        counts, sums = all_counts[occupied], all_sums[occupied]
    else:
        _, inverse, counts = np.unique(
            _bin_keys(pixels, bits), return_inverse=True, return_counts=True
        )
        sums = np.stack(
            [np.bincount(inverse, weights=pixels[:, c]) for c in range(3)], axis=1
        )
    colors = sums / counts[:, None]
    return ColorHistogram(colors, counts.astype(np.int64), bits)


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
    colors = histogram.colors
    fine = np.floor(colors).astype(np.int64)
    np.clip(fine, 0, 255, out=fine)
    keys = _bin_keys(fine.astype(np.uint8), bits)
    unique, inverse = np.unique(keys, return_inverse=True)
    counts = np.bincount(inverse, weights=histogram.counts, minlength=unique.shape[0])
    sums = np.stack(
        [
            np.bincount(inverse, weights=histogram.counts * colors[:, c], minlength=unique.shape[0])
            for c in range(3)
        ],
        axis=1,
    )
    return ColorHistogram(sums / counts[:, None], np.rint(counts).astype(np.int64), bits)
