"""The palette bar as a raster image: the ``png`` format.

========  ========  =========  =====================================
name      suffix    holds      what
========  ========  =========  =====================================
``png``   ``.png``  one        the proportional palette bar (bytes)
========  ========  =========  =====================================

The bar is drawn by :func:`palettekit.render.palette_bar` (Pillow is imported
only when a bar is drawn). Its vector twin, ``svg-bar``, is in
:mod:`palettekit.formats.design` beside the other SVG output.
"""

from __future__ import annotations

from ..palette import PaletteLike

__all__ = ["to_png"]


def to_png(
    palette: PaletteLike, *, width: int = 300, height: int = 50, labels: bool = False
) -> bytes:
    """The palette bar (:func:`palettekit.render.palette_bar`) as PNG bytes.

    Parameters
    ----------
    palette : Palette or sequence of Swatch
    width, height : int
        Size of the bar in pixels (within the renderer's limits).
    labels : bool
        Print each color's hex code on the bar where it fits.

    Returns
    -------
    bytes
        An 8-bit RGB PNG file.
    """
    from ..render import palette_bar, png_bytes

    return png_bytes(palette_bar(palette, width=width, height=height, labels=labels))
