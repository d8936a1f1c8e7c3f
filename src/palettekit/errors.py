"""Exceptions and warnings raised by palettekit: the whole tree, in one place.

Every error palettekit raises on purpose derives from :class:`PaletteError`,
and each concrete class also inherits the builtin exception it means, so
callers may catch either. The first twelve names are the public API
(``palettekit.__all__``); the batch and web adapters add theirs below::

    PaletteError(Exception)
    ├── OptionsError(PaletteError, ValueError)          bad option value or name
    ├── ExportError(PaletteError, ValueError)           unknown format, unexportable palette
    ├── EmptyImageError(PaletteError, ValueError)       no opaque pixel to cluster
    └── ImageLoadError(PaletteError, OSError)           the source cannot be read
        ├── ImageNotFoundError(ImageLoadError, FileNotFoundError)
        ├── UnsupportedImageError(ImageLoadError)       not an image Pillow reads
        ├── ImageTooLargeError(ImageLoadError)          pixel, frame or byte limit
        └── FetchError(ImageLoadError)                  URL could not be fetched
            ├── FetchTimeoutError(FetchError, TimeoutError)
            └── AddressRefusedError(FetchError)         URL led to a refused address
    ├── BatchError(PaletteError)                        palettekit.batch, palettekit.search
    │   ├── ListFileError(BatchError, OSError)          an @list file cannot be read
    │   ├── ResultsFileError(BatchError, OSError)       a results file cannot be written,
    │   │                                               read or resumed
    │   └── MissingExtraError(BatchError, ImportError)  an optional extra is not installed
    └── ApiError(PaletteError)                          an HTTP error answer of palettekit.web

    BatchInterrupted(KeyboardInterrupt)   Ctrl-C stopped a batch (an interruption, not an
                                          error: ``except Exception`` must not catch it)

Warnings (never errors) for valid but degenerate results::

    PaletteWarning(UserWarning)
    └── FewerColorsWarning(PaletteWarning)   fewer distinct colors than k
"""

from __future__ import annotations

from typing import Any

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
    "AddressRefusedError",
    "BatchError",
    "ListFileError",
    "ResultsFileError",
    "MissingExtraError",
    "ApiError",
    "BatchInterrupted",
    "require_extra",
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


class AddressRefusedError(FetchError):
    """A URL led to an address the address check refuses (loopback, private ...)."""


class BatchError(PaletteError):
    """Base class of the errors of :mod:`palettekit.batch` and :mod:`palettekit.search`."""


class ListFileError(BatchError, OSError):
    """A list file given as ``@path`` cannot be read."""


class ResultsFileError(BatchError, OSError):
    """A results file cannot be written, read, or continued with ``--resume``."""


class MissingExtraError(BatchError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class ApiError(PaletteError):
    """An error answered to an HTTP client as ``{"error": {"type", "message"}}``.

    Parameters
    ----------
    status : int
        HTTP status code.
    type : str
        Short machine-readable kind ("bad_options", "too_large", ...).
    message : str
        One line for a person.
    headers : dict, optional
        Extra response headers (``Retry-After`` on 503).
    """

    def __init__(self, status: int, type: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.headers = headers or {}


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a batch; everything finished was kept.

    ``.summary`` is the run's :class:`palettekit.batch.BatchSummary` (counts,
    output); the message is its one-line summary.
    """

    def __init__(self, summary: Any) -> None:
        super().__init__(summary.line())
        self.summary = summary


def require_extra(module: str, extra: str, purpose: str) -> Any:
    """Import ``module``, or raise :class:`MissingExtraError` naming the extra to install.

    Parameters
    ----------
    module : str
        Dotted module name (``"pyarrow.parquet"``).
    extra : str
        The palettekit extra that installs it (``"parquet"``).
    purpose : str
        What needs it, for the message (``"Parquet results"``).
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"{purpose} needs {module.split('.')[0]}: pip install 'palettekit[{extra}]'"
        ) from None


class PaletteWarning(UserWarning):
    """Base class of palettekit's warnings."""


class FewerColorsWarning(PaletteWarning):
    """The image has fewer distinct colors than the k asked for."""
