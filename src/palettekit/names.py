"""Nearest CSS named color, by Euclidean distance in Oklab."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from .colorspace import srgb_to_oklab

__all__ = ["css_color_names", "nearest_css_names"]


@lru_cache(maxsize=1)
def css_color_names() -> tuple[tuple[str, ...], npt.NDArray[np.uint8], npt.NDArray[np.float64]]:
    """The CSS Color Module named colors, one name per distinct color.

    Where CSS gives two names for one color (gray/grey, aqua/cyan,
    fuchsia/magenta, ...) the alphabetically first is kept.

    Returns
    -------
    names : tuple of str, sorted
    rgb : (C, 3) uint8 sRGB in [0, 255]
    oklab : (C, 3) float64 Oklab
    """
    from PIL import ImageColor

    by_color: dict[tuple[int, int, int], str] = {}
    for name in sorted(ImageColor.colormap):
        # ImageColor.getrgb(name) replaces the colormap's "#rrggbb" string by
        # an RGB tuple once a name has been looked up, so ask getrgb rather
        # than parsing the stored value (which would skip those names).
        r, g, b = ImageColor.getrgb(name)[:3]
        by_color.setdefault((r, g, b), name)
    items = sorted((name, rgb) for rgb, name in by_color.items())
    names = tuple(name for name, _ in items)
    rgb_array = np.array([rgb for _, rgb in items], dtype=np.uint8)
    return names, rgb_array, srgb_to_oklab(rgb_array / 255.0)


def nearest_css_names(oklab: npt.ArrayLike) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Nearest CSS named color of each color.

    Parameters
    ----------
    oklab : (N, 3) float
        Colors in Oklab.

    Returns
    -------
    names : list of N str
    distances : (N,) float64
        Euclidean distance in Oklab to that named color (0 for an exact match).
    """
    names, _, table = css_color_names()
    lab = np.asarray(oklab, dtype=np.float64).reshape(-1, 3)
    d2 = ((lab[:, None, :] - table[None, :, :]) ** 2).sum(-1)
    index = np.argmin(d2, axis=1)
    return [names[i] for i in index], np.sqrt(d2[np.arange(lab.shape[0]), index])
