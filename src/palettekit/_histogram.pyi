"""Type stub of the optional compiled pass (see _histogram.c)."""

from typing import Any

def bin_sums(pixels: Any, keys: Any, out: Any, /) -> None:
    """Count and sum pixels per histogram bin (see _histogram.c)."""

def bin_means(bins: Any, counts: Any, colors: Any, /) -> int:
    """Counts and mean colors of the occupied bins, in bin order (see _histogram.c)."""

def histogram(pixels: Any, keys: Any, n_bins: int, counts: Any, colors: Any, /) -> int:
    """bin_sums and bin_means in one pass, without a table to clear (see _histogram.c)."""

def coarsen(
    colors: Any, counts: Any, keys: Any, n_bins: int, out_colors: Any, out_counts: Any, /
) -> int:
    """Bins merged into coarser ones, as histogram.coarsen (see _histogram.c)."""
