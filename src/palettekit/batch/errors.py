"""Errors raised by batch runs, search and collections.

::

    PaletteError
    └── BatchError(PaletteError)
        ├── ListFileError(BatchError, OSError)      an @list file cannot be read
        ├── ResultsFileError(BatchError, OSError)   a results file cannot be
        │                                           written, read or resumed
        └── MissingExtraError(BatchError, ImportError)  an optional extra is
                                                    not installed (message names it)
"""

from __future__ import annotations

from ..errors import PaletteError

__all__ = ["BatchError", "ListFileError", "ResultsFileError", "MissingExtraError", "require"]


class BatchError(PaletteError):
    """Base class of the errors of :mod:`palettekit.batch`."""


class ListFileError(BatchError, OSError):
    """A list file given as ``@path`` cannot be read."""


class ResultsFileError(BatchError, OSError):
    """A results file cannot be written, read, or continued with ``--resume``."""


class MissingExtraError(BatchError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


def require(module: str, extra: str, purpose: str):  # type: ignore[no-untyped-def]
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"{purpose} needs {module.split('.')[0]}: pip install 'palettekit[{extra}]'"
        ) from None
