"""The optional compiled kernels, and the one rule that loads them.

palettekit's C extensions (``_histogram``, ``_cluster``, ``_random``) are
optional. Without them (a build without a C compiler), or with
``PALETTEKIT_NO_KERNEL=1`` set before palettekit is imported, numpy alone
does the same arithmetic and gives the same results; the tests compare both
paths. Each numeric module keeps the kernel it uses in its own ``_kernel``
attribute, so a test can set that one to None.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

__all__ = ["NO_KERNEL_VARIABLE", "optional_kernel"]

NO_KERNEL_VARIABLE = "PALETTEKIT_NO_KERNEL"
"""Environment variable that, set to any non-empty value, turns every kernel off."""


def optional_kernel(name: str) -> ModuleType | None:
    """The compiled module ``palettekit.<name>``, or None to use numpy alone.

    Parameters
    ----------
    name : str
        The extension's module name inside the package, e.g. ``"_cluster"``.

    Returns
    -------
    module or None
        None when :data:`NO_KERNEL_VARIABLE` is set or the extension was not
        built (an ``ImportError``); the caller then computes the same values
        with numpy.
    """
    if os.environ.get(NO_KERNEL_VARIABLE):
        return None
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ImportError:
        return None
