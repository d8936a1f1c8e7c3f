"""Type stub of the optional compiled pass (see _histogram.c)."""

from typing import Any, overload

@overload
def histogram(pixels: Any, keys: Any, n_bins: int, /) -> tuple[bytearray, bytearray]:
    """Counts (int64) and mean colors (float64) of the occupied bins, made (see _histogram.c)."""

@overload
def histogram(pixels: Any, keys: Any, n_bins: int, counts: Any, colors: Any, /) -> int:
    """Counts and mean colors of the occupied bins, in bin order (see _histogram.c)."""

def histogram4(pixels: Any, keys: Any, n_bins: int, /) -> tuple[bytearray, bytearray]:
    """histogram() of 4-byte pixels (R, G, B, a byte not read), made (see _histogram.c)."""

def coarsen(
    colors: Any, counts: Any, keys: Any, n_bins: int, out_colors: Any, out_counts: Any, /
) -> int:
    """Bins merged into coarser ones, as histogram.coarsen (see _histogram.c)."""
