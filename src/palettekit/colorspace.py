"""Pure, vectorised color-space conversions.

Every function takes an array of shape ``(..., 3)`` and returns ``float64`` of
the same shape. Conventions:

============  ==========================================================
sRGB          gamma-encoded, float in [0, 1] (divide uint8 by 255 first)
linear sRGB   float in [0, 1] for in-gamut colors
XYZ           CIE 1931, D65 white, Y of white = 1
Oklab         L in [0, 1], a and b roughly in [-0.4, 0.4] (Ottosson 2020)
Oklch         L in [0, 1], C >= 0, h in degrees [0, 360)
CIELAB        D65, L* in [0, 100], a* and b* roughly in [-128, 127]
============  ==========================================================

Nothing here clips: conversions from Oklab or CIELAB may return sRGB values
outside [0, 1] for colors outside the sRGB gamut; see :func:`clip_srgb`.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import numpy.typing as npt

from .kernels import optional_kernel

__all__ = [
    "srgb_to_linear",
    "linear_to_srgb",
    "linear_srgb_to_oklab",
    "oklab_to_linear_srgb",
    "srgb_to_oklab",
    "oklab_to_srgb",
    "xyz_to_oklab",
    "oklab_to_oklch",
    "oklch_to_oklab",
    "linear_srgb_to_xyz",
    "xyz_to_linear_srgb",
    "xyz_to_cielab",
    "cielab_to_xyz",
    "srgb_to_cielab",
    "cielab_to_srgb",
    "clip_srgb",
    "srgb_to_uint8",
    "convert",
    "OTHER_COLOR_DISTANCE",
]

ArrayLike = npt.ArrayLike
Array = npt.NDArray[np.float64]

OTHER_COLOR_DISTANCE = 0.12
"""Oklab distance from which two colors read as different colors rather than
shades of one (about six just-noticeable differences). The palette clustering's
far distance and the theme's coverage radius are this one idea."""

# Oklab (Björn Ottosson, "A perceptual color space for image processing", 2020).
LINEAR_SRGB_TO_LMS = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
"""Linear sRGB -> LMS cone response, Oklab's M1 in sRGB terms."""

XYZ_TO_LMS = np.array(
    [
        [0.8189330101, 0.3618667424, -0.1288597137],
        [0.0329845436, 0.9293118715, 0.0361456387],
        [0.0482003018, 0.2643662691, 0.6338517070],
    ]
)
"""CIE XYZ (D65) -> LMS, Oklab's M1 as published."""

LMS_CBRT_TO_OKLAB = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)
"""Cube-rooted LMS -> Oklab, Oklab's M2."""

LMS_TO_LINEAR_SRGB = np.linalg.inv(LINEAR_SRGB_TO_LMS)
OKLAB_TO_LMS_CBRT = np.linalg.inv(LMS_CBRT_TO_OKLAB)

# CIE XYZ <-> linear sRGB (IEC 61966-2-1), D65.
LINEAR_SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
XYZ_TO_LINEAR_SRGB = np.linalg.inv(LINEAR_SRGB_TO_XYZ)
D65_WHITE_XYZ = np.array([0.95047, 1.0, 1.08883])
"""Reference white of CIELAB, D65 2-degree observer."""

# Knee of the sRGB transfer function: where its linear segment (slope 12.92)
# crosses the power segment. IEC 61966-2-1 rounds it to 0.04045 (encoded) and
# 0.0031308 (linear), which leaves both functions with a ~3e-8 step and makes
# them inverse only up to it; at the exact crossing both are continuous and
# exact inverses. The values differ from the rounded knees' by < 3e-9.
_SRGB_KNEE = 0.040448236277107245
_LINEAR_KNEE = _SRGB_KNEE / 12.92

# The two Oklab matrices, C-contiguous, as the compiled kernel reads them.
_LMS_ROWS = np.ascontiguousarray(LINEAR_SRGB_TO_LMS, dtype=np.float64)
_LAB_ROWS = np.ascontiguousarray(LMS_CBRT_TO_OKLAB, dtype=np.float64)

_LAB_EPSILON = (6.0 / 29.0) ** 3
_LAB_KAPPA_INV = 1.0 / (3.0 * (6.0 / 29.0) ** 2)


def _as_float(values: ArrayLike) -> Array:
    array = np.asarray(values, dtype=np.float64)
    if array.shape[-1:] != (3,):
        raise ValueError(f"expected an array of shape (..., 3), got {array.shape}")
    return array


def srgb_to_linear(srgb: ArrayLike) -> Array:
    """Decode sRGB (gamma-encoded, [0, 1]) to linear light (IEC 61966-2-1).

    Values outside [0, 1] are extended symmetrically, ``sign(c) * f(|c|)``,
    as CSS Color 4 does.
    """
    c = _as_float(srgb)
    magnitude = np.abs(c)
    return np.where(
        magnitude <= _SRGB_KNEE,
        c / 12.92,
        np.sign(c) * ((magnitude + 0.055) / 1.055) ** 2.4,
    )


def linear_to_srgb(linear: ArrayLike) -> Array:
    """Encode linear light to sRGB (inverse of :func:`srgb_to_linear`)."""
    c = _as_float(linear)
    magnitude = np.abs(c)
    return np.where(
        magnitude <= _LINEAR_KNEE,
        c * 12.92,
        np.sign(c) * (1.055 * magnitude ** (1.0 / 2.4) - 0.055),
    )


def linear_srgb_to_oklab(linear: ArrayLike) -> Array:
    """Linear sRGB (..., 3) -> Oklab (..., 3)."""
    lms = _as_float(linear) @ LINEAR_SRGB_TO_LMS.T
    return np.cbrt(lms) @ LMS_CBRT_TO_OKLAB.T


def oklab_to_linear_srgb(oklab: ArrayLike) -> Array:
    """Oklab (..., 3) -> linear sRGB (..., 3), unclipped."""
    lms = (_as_float(oklab) @ OKLAB_TO_LMS_CBRT.T) ** 3
    return lms @ LMS_TO_LINEAR_SRGB.T


# srgb_to_oklab computes the transfer power and the cube root by Newton steps
# (_root) instead of libm's pow and cbrt: within 4 units in the last place of
# them, and in the compiled kernel (src/palettekit/_cluster.c, the same
# operations in the same order, so the same bits; tests/test_colorspace.py)
# about ten times faster. A whole 8-bit level, a value below the knee or
# outside [0, 1] and a cube root outside (1e-150, 1e150) keep libm's values.
# numpy's chain of whole-array steps costs several times the kernel's single
# pass on a histogram's few thousand bins. PALETTEKIT_NO_KERNEL=1 (before
# import) or setting _kernel to None forces numpy alone.
_kernel: ModuleType | None = optional_kernel("_cluster")

_ROOT_STEPS = 4
"""Division-free Newton steps of :func:`_root` before its last, polishing one."""

# First guesses of a ** (-1 / n) from the bits of a: its biased exponent
# divided by -n ((1023 << 52) * (n + 1) // n, minus the bits // n).
_INV_ROOT_GUESS = {3: np.int64(0x5540000000000000), 5: np.int64(0x4CB9999999999999)}

# Where _root replaces np.cbrt: normal values far from under- and overflow.
_ROOT_RANGE = (1e-150, 1e150)


def _root(a: Array, n: int) -> Array:
    """``a ** (1 / n)`` for n = 3 or 5, of a (K,) float64 array of positive normal values.

    A guess of ``a ** (-1 / n)`` from the bits of ``a``, ``_ROOT_STEPS``
    Newton steps without a division, then one on the root itself; every
    operation in the order the compiled kernel does them. Within 4 units in
    the last place of libm's ``cbrt`` and ``pow``.
    """
    r = (_INV_ROOT_GUESS[n] - a.view(np.int64) // n).view(np.float64)
    for _ in range(_ROOT_STEPS):
        power = (r * r) * r if n == 3 else ((r * r) * (r * r)) * r
        r = (r * ((n + 1.0) - a * power)) * (1.0 / n)
    y = a * (r * r) if n == 3 else a * ((r * r) * (r * r))
    power = y * y if n == 3 else (y * y) * (y * y)
    return y + (a / power - y) / n


def _fast_linear(c: Array) -> Array:
    """:func:`srgb_to_linear` of a float64 array with ``t ** 2.4`` by :func:`_root`
    wherever the kernel uses it: in (knee, 1] except whole 8-bit levels."""
    linear = srgb_to_linear(c)
    level = np.floor(c * 255.0 + 0.5) / 255.0
    fast = (c > _SRGB_KNEE) & (c <= 1.0) & (c != level)
    t = (c[fast] + 0.055) / 1.055
    square = t * t
    linear[fast] = square * _root(square, 5)
    return linear


def srgb_to_oklab(srgb: ArrayLike) -> Array:
    """sRGB in [0, 1] (..., 3) -> Oklab (..., 3).

    Within a few units in the last place of
    ``linear_srgb_to_oklab(srgb_to_linear(srgb))`` (Newton roots, see above).
    """
    c = _as_float(srgb)
    if _kernel is None:
        lms = _fast_linear(c) @ LINEAR_SRGB_TO_LMS.T
        root = np.cbrt(lms)
        inside = (lms > _ROOT_RANGE[0]) & (lms < _ROOT_RANGE[1])
        root[inside] = _root(lms[inside], 3)
        return root @ LMS_CBRT_TO_OKLAB.T
    flat = np.ascontiguousarray(c).reshape(-1, 3)
    out = np.empty(flat.shape)
    _kernel.srgb_to_oklab(flat, _LMS_ROWS, _LAB_ROWS, out, _SRGB_KNEE)
    return out.reshape(c.shape)


def _kernel_mix_distance(srgb: Array, oklab: Array, pairs: Array, best: Array) -> bool:
    """:func:`palettekit.mixes.mix_distance`'s loop over pairs of ends in the
    compiled kernel, its sRGB->Oklab the kernel's own; False (nothing done)
    without the kernel.

    ``srgb``, ``oklab`` (C, 3) float64; ``pairs`` (P, 7) float64: each pair's
    start, step and squared step length (> 0); ``best`` (C,) float64,
    lowered in place to the distance of each color to the nearest mix.
    """
    if _kernel is None:
        return False
    _kernel.mix_distance(
        np.ascontiguousarray(srgb, dtype=np.float64),
        np.ascontiguousarray(oklab, dtype=np.float64),
        np.ascontiguousarray(pairs, dtype=np.float64),
        _LMS_ROWS,
        _LAB_ROWS,
        _SRGB_KNEE,
        best,
    )
    return True


def oklab_to_srgb(oklab: ArrayLike) -> Array:
    """Oklab (..., 3) -> sRGB (..., 3), unclipped; see :func:`clip_srgb`."""
    return linear_to_srgb(oklab_to_linear_srgb(oklab))


def xyz_to_oklab(xyz: ArrayLike) -> Array:
    """CIE XYZ (D65, Y of white = 1) (..., 3) -> Oklab (..., 3)."""
    lms = _as_float(xyz) @ XYZ_TO_LMS.T
    return np.cbrt(lms) @ LMS_CBRT_TO_OKLAB.T


def oklab_to_oklch(oklab: ArrayLike) -> Array:
    """Oklab (..., 3) -> Oklch (..., 3): L, chroma, hue in degrees [0, 360)."""
    lab = _as_float(oklab)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360.0
    return np.stack([lab[..., 0], chroma, hue], axis=-1)


def oklch_to_oklab(oklch: ArrayLike) -> Array:
    """Oklch (..., 3) -> Oklab (..., 3)."""
    lch = _as_float(oklch)
    h = np.radians(lch[..., 2])
    return np.stack([lch[..., 0], lch[..., 1] * np.cos(h), lch[..., 1] * np.sin(h)], axis=-1)


def linear_srgb_to_xyz(linear: ArrayLike) -> Array:
    """Linear sRGB (..., 3) -> CIE XYZ D65 (..., 3)."""
    return _as_float(linear) @ LINEAR_SRGB_TO_XYZ.T


def xyz_to_linear_srgb(xyz: ArrayLike) -> Array:
    """CIE XYZ D65 (..., 3) -> linear sRGB (..., 3), unclipped."""
    return _as_float(xyz) @ XYZ_TO_LINEAR_SRGB.T


def xyz_to_cielab(xyz: ArrayLike) -> Array:
    """CIE XYZ D65 (..., 3) -> CIELAB (..., 3), L* in [0, 100]."""
    t = _as_float(xyz) / D65_WHITE_XYZ
    f = np.where(t > _LAB_EPSILON, np.cbrt(t), t * _LAB_KAPPA_INV + 4.0 / 29.0)
    return np.stack(
        [
            116.0 * f[..., 1] - 16.0,
            500.0 * (f[..., 0] - f[..., 1]),
            200.0 * (f[..., 1] - f[..., 2]),
        ],
        axis=-1,
    )


def cielab_to_xyz(lab: ArrayLike) -> Array:
    """CIELAB (..., 3) -> CIE XYZ D65 (..., 3)."""
    lab = _as_float(lab)
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], axis=-1)
    t = np.where(f > 6.0 / 29.0, f**3, (f - 4.0 / 29.0) / _LAB_KAPPA_INV)
    return t * D65_WHITE_XYZ


def srgb_to_cielab(srgb: ArrayLike) -> Array:
    """sRGB in [0, 1] (..., 3) -> CIELAB D65 (..., 3)."""
    return xyz_to_cielab(linear_srgb_to_xyz(srgb_to_linear(srgb)))


def cielab_to_srgb(lab: ArrayLike) -> Array:
    """CIELAB D65 (..., 3) -> sRGB (..., 3), unclipped."""
    return linear_to_srgb(xyz_to_linear_srgb(cielab_to_xyz(lab)))


def clip_srgb(srgb: ArrayLike) -> Array:
    """Clip sRGB values to [0, 1] channel by channel."""
    return np.clip(_as_float(srgb), 0.0, 1.0)


def srgb_to_uint8(srgb: ArrayLike) -> npt.NDArray[np.uint8]:
    """sRGB float (..., 3), clipped to [0, 1], rounded half-up to uint8 [0, 255]."""
    return np.floor(clip_srgb(srgb) * 255.0 + 0.5).astype(np.uint8)


_FROM_SRGB = {
    "oklab": srgb_to_oklab,
    "cielab": srgb_to_cielab,
    "srgb": lambda srgb: _as_float(srgb),
}
_TO_SRGB = {
    "oklab": oklab_to_srgb,
    "cielab": cielab_to_srgb,
    "srgb": lambda values: _as_float(values),
}


def convert(srgb: ArrayLike, space: str) -> Array:
    """sRGB in [0, 1] (..., 3) -> ``space`` ("oklab", "cielab" or "srgb")."""
    return _FROM_SRGB[space](srgb)


def convert_to_srgb(values: ArrayLike, space: str) -> Array:
    """``space`` (..., 3) -> sRGB (..., 3), unclipped; inverse of :func:`convert`."""
    return _TO_SRGB[space](values)
