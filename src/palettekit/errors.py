"""Exceptions and warnings raised by palettekit.

Every error palettekit raises on purpose derives from :class:`PaletteError`,
and each concrete class also inherits the builtin exception it means, so
callers may catch either::

    PaletteError(Exception)
    ├── OptionsError(PaletteError, ValueError)          bad option value or name
    ├── ExportError(PaletteError, ValueError)           unknown format, unexportable palette
    ├── EmptyImageError(PaletteError, ValueError)       no opaque pixel to cluster
    └── ImageLoadError(PaletteError, OSError)           the source cannot be read
        ├── ImageNotFoundError(ImageLoadError, FileNotFoundError)
        ├── UnsupportedImageError(ImageLoadError)       not an image Pillow reads
        ├── ImageTooLargeError(ImageLoadError)          pixel, frame or byte limit
        └── FetchError(ImageLoadError)                  URL could not be fetched
            └── FetchTimeoutError(FetchError, TimeoutError)

Warnings (never errors) for valid but degenerate results::

    PaletteWarning(UserWarning)
    └── FewerColorsWarning(PaletteWarning)   fewer distinct colors than k
"""

from __future__ import annotations

__all__ = [
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


class PaletteError(Exception):
    """Base class of every error palettekit raises on purpose."""


class OptionsError(PaletteError, ValueError):
    """An option has a wrong name, type or value."""


class ExportError(PaletteError, ValueError):
    """An export format is unknown or cannot be chosen from a file name, or a
    palette cannot be exported or drawn (empty, invalid values, NaN in meta)."""


class EmptyImageError(PaletteError, ValueError):
    """The image has no pixel to cluster (zero size, or fully transparent)."""


class ImageLoadError(PaletteError, OSError):
    """The source could not be read or decoded as an image."""


class ImageNotFoundError(ImageLoadError, FileNotFoundError):
    """The path does not exist (or is a directory)."""


class UnsupportedImageError(ImageLoadError):
    """The data is not an image in a format Pillow can read."""


class ImageTooLargeError(ImageLoadError):
    """The image exceeds a pixel, frame or byte limit (decompression bomb guard)."""


class FetchError(ImageLoadError):
    """An http(s) URL could not be fetched."""


class FetchTimeoutError(FetchError, TimeoutError):
    """Fetching a URL took longer than the allowed total time."""


class PaletteWarning(UserWarning):
    """Base class of palettekit's warnings."""


class FewerColorsWarning(PaletteWarning):
    """The image has fewer distinct colors than the k asked for."""
