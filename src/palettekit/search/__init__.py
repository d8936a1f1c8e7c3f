"""Search the results file of a batch by color or palette similarity.

:mod:`palettekit.search.index` builds a compact index of a results file once
and ranks its images against colors (:func:`search_colors`) or another
image's palette (:func:`search_like`); ``palettekit search`` is its command.
"""

from __future__ import annotations

from .index import (
    DEFAULT_SIGMA,
    ColorIndex,
    Hit,
    build_index,
    default_index_path,
    open_index,
    query_color,
    search_colors,
    search_like,
)

__all__ = [
    "ColorIndex",
    "Hit",
    "build_index",
    "open_index",
    "default_index_path",
    "search_colors",
    "search_like",
    "query_color",
    "DEFAULT_SIGMA",
]
