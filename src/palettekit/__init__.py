"""palettekit: the dominant colors of an image, with their shares.

>>> import palettekit
>>> palette = palettekit.extract("photo.jpg", k=8)      # doctest: +SKIP
>>> palette[0].hex, palette[0].share                    # doctest: +SKIP
('#2b3a4f', 0.31)

Public names are listed in ``__all__``; everything else is private.
"""

from ._version import __version__
from .errors import (
    EmptyImageError,
    ExportError,
    FetchError,
    FetchTimeoutError,
    FewerColorsWarning,
    ImageLoadError,
    ImageNotFoundError,
    ImageTooLargeError,
    OptionsError,
    PaletteError,
    PaletteWarning,
    UnsupportedImageError,
)
from .options import Options
from .palette import Palette, Swatch
from .pipeline import extract, extract_merged

__all__ = [
    "__version__",
    "extract",
    "extract_merged",
    "Options",
    "Palette",
    "Swatch",
    "PaletteError",
    "OptionsError",
    "ExportError",
    "EmptyImageError",
    "ImageLoadError",
    "ImageNotFoundError",
    "UnsupportedImageError",
    "ImageTooLargeError",
    "FetchError",
    "FetchTimeoutError",
    "PaletteWarning",
    "FewerColorsWarning",
]
