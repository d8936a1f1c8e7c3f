"""Seeded uniform draws: numpy's ``default_rng(seed).random(size)`` without numpy.random.

k-means++ (:mod:`.cluster`), the k-medians palette and auto-k draw their
random numbers as ``rng.random(size)`` doubles in [0, 1) from one generator
made from the ``seed`` option. :func:`default_rng` makes that generator.
With the optional compiled module (src/palettekit/_random.c) it is a
:class:`PCG64Stream`, which yields numpy's stream bit for bit (SeedSequence ->
PCG64 -> doubles) without importing ``numpy.random``, which costs 9-13 ms of a
command line's start; without it, or with ``PALETTEKIT_NO_KERNEL=1`` set
before import, it is ``numpy.random.default_rng(seed)`` itself. Either way the
same seed gives the same draws, so the same palettes.
"""

from __future__ import annotations

import operator
from types import ModuleType
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .kernels import optional_kernel

__all__ = ["Random", "PCG64Stream", "default_rng"]

FloatArray = npt.NDArray[np.float64]

_kernel: ModuleType | None = optional_kernel("_random")


class Random(Protocol):
    """What the clustering code asks of a generator: uniform doubles.

    ``numpy.random.Generator`` has this method, and so has :class:`PCG64Stream`.
    """

    def random(self, size: int | tuple[int, ...]) -> FloatArray:
        """Doubles in [0, 1), float64 array of shape ``size``."""
        ...


def _entropy_words(seed: int) -> bytes:
    """The seed as SeedSequence reads it: its 32-bit words, least significant first.

    Returns
    -------
    bytes
        ``max(1, ceil(bits / 32))`` uint32 words in native byte order (0 is one word).
    """
    n_words = max(1, (seed.bit_length() + 31) // 32)
    words = [(seed >> (32 * i)) & 0xFFFFFFFF for i in range(n_words)]
    return np.array(words, dtype=np.uint32).tobytes()


class PCG64Stream:
    """numpy's ``default_rng(seed)`` (PCG64 seeded through SeedSequence), compiled.

    Only :meth:`random` is offered; successive calls continue one stream, as
    on a ``numpy.random.Generator``.

    Parameters
    ----------
    seed : int
        Non-negative; any size (numpy's rule for an integer seed).

    Raises
    ------
    ValueError
        If ``seed`` is negative.
    TypeError
        If ``seed`` is not an integer.
    RuntimeError
        If the compiled module is not available.
    """

    __slots__ = ("_state",)

    def __init__(self, seed: int) -> None:
        if _kernel is None:
            raise RuntimeError("palettekit._random is not available; use default_rng")
        seed = operator.index(seed)
        if seed < 0:
            raise ValueError("expected non-negative integer")
        self._state = bytearray(32)
        _kernel.seed(_entropy_words(seed), self._state)

    def random(self, size: int | tuple[int, ...]) -> FloatArray:
        """The next doubles of the stream.

        Parameters
        ----------
        size : int or tuple of int
            Shape of the result (non-negative sizes).

        Returns
        -------
        ndarray
            float64 of shape ``size``, values in [0, 1): the draws
            ``numpy.random.default_rng(seed).random(size)`` gives at this point of
            the stream.
        """
        out = np.empty(size, dtype=np.float64)
        assert _kernel is not None  # __init__ checked it
        _kernel.fill(self._state, out)
        return out


def default_rng(seed: int) -> Random:
    """The generator of ``seed``: a :class:`PCG64Stream` if compiled, else numpy's.

    Parameters
    ----------
    seed : int
        Non-negative.

    Returns
    -------
    Random
        A generator whose ``random(size)`` gives the draws of
        ``numpy.random.default_rng(seed).random(size)``.
    """
    if _kernel is None:
        return np.random.default_rng(seed)
    return PCG64Stream(seed)
