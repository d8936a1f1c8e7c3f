"""Vectorised color conversions and difference formulas used to score palettes.

Written for the benchmark only (palettekit has its own converters; the bench
must not trust the code it measures):

* ``srgb8_to_oklab``: sRGB (8 bit) -> Oklab, with Björn Ottosson's published
  matrices (linear sRGB -> LMS, cube root, LMS' -> Lab).
* ``srgb8_to_cielab``: sRGB (8 bit) -> CIELAB, D65 white, IEC 61966-2-1 matrix.
* ``ciede2000``: the CIEDE2000 color difference (Sharma, Wu & Dalal 2005),
  broadcasting over any leading shape.

``python bench/colorspace.py`` runs :func:`self_test`.
"""

from __future__ import annotations

import numpy as np

# --- sRGB transfer function -------------------------------------------------


def srgb8_to_linear(rgb: np.ndarray) -> np.ndarray:
    """8-bit (or 0..255 float) sRGB -> linear-light RGB in [0, 1], float64."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


# --- Oklab --------------------------------------------------------------------

# Linear sRGB -> LMS (Ottosson's M1 already composed with sRGB -> XYZ, as
# published in his reference code).
_OKLAB_M1 = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
# Non-linear LMS -> Lab (Ottosson's M2).
_OKLAB_M2 = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)


def srgb8_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (..., 3) in 0..255 -> Oklab (..., 3), float64 (L in 0..1)."""
    lin = srgb8_to_linear(rgb)
    lms = lin @ _OKLAB_M1.T
    return np.cbrt(lms) @ _OKLAB_M2.T


# --- CIELAB (D65) -------------------------------------------------------------

_SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_D65 = np.array([0.95047, 1.0, 1.08883])
_EPS = (6.0 / 29.0) ** 3


def srgb8_to_cielab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (..., 3) in 0..255 -> CIELAB (..., 3) under D65, float64."""
    xyz = (srgb8_to_linear(rgb) @ _SRGB_TO_XYZ.T) / _D65
    f = np.where(xyz > _EPS, np.cbrt(xyz), xyz / (3 * (6.0 / 29.0) ** 2) + 4.0 / 29.0)
    L = 116.0 * f[..., 1] - 16.0
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return np.stack([L, a, b], axis=-1)


# --- CIEDE2000 ----------------------------------------------------------------

_25_POW_7 = 25.0**7
_TWO_PI = 2.0 * np.pi
_DEG = np.pi / 180.0


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 difference between CIELAB colors, broadcasting lab1 against lab2.

    kL = kC = kH = 1. Hue angles follow Sharma et al. (2005): h' in [0, 2pi),
    atan2(0, 0) = 0 for achromatic colors, delta h' and the mean hue taken
    across the 0/2pi wrap, and the mean hue is the plain sum when either
    chroma is zero. Angles are kept in radians throughout.
    """
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]

    c_bar = 0.5 * (np.sqrt(a1 * a1 + b1 * b1) + np.sqrt(a2 * a2 + b2 * b2))
    c_sq = c_bar * c_bar
    c_bar7 = c_sq * c_sq * c_sq * c_bar
    one_plus_g = 1.5 - 0.5 * np.sqrt(c_bar7 / (c_bar7 + _25_POW_7))
    a1p = one_plus_g * a1
    a2p = one_plus_g * a2
    c1p = np.sqrt(a1p * a1p + b1 * b1)
    c2p = np.sqrt(a2p * a2p + b2 * b2)
    h1p = np.arctan2(b1, a1p)
    h1p = np.where(h1p < 0.0, h1p + _TWO_PI, h1p)
    h2p = np.arctan2(b2, a2p)
    h2p = np.where(h2p < 0.0, h2p + _TWO_PI, h2p)

    chroma_prod = c1p * c2p
    dh = h2p - h1p
    far = np.abs(dh) > np.pi
    dh = np.where(far, dh - np.copysign(_TWO_PI, dh), dh)
    # With a zero chroma the product below is 0, so delta H' is 0 as specified.
    dHp = 2.0 * np.sqrt(chroma_prod) * np.sin(0.5 * dh)

    h_sum = h1p + h2p
    hp_bar = np.where(
        far,
        np.where(h_sum < _TWO_PI, 0.5 * h_sum + np.pi, 0.5 * h_sum - np.pi),
        0.5 * h_sum,
    )
    hp_bar = np.where(chroma_prod == 0.0, h_sum, hp_bar)

    t = (
        1.0
        - 0.17 * np.cos(hp_bar - 30.0 * _DEG)
        + 0.24 * np.cos(2.0 * hp_bar)
        + 0.32 * np.cos(3.0 * hp_bar + 6.0 * _DEG)
        - 0.20 * np.cos(4.0 * hp_bar - 63.0 * _DEG)
    )
    x = (hp_bar / _DEG - 275.0) / 25.0
    d_theta = (30.0 * _DEG) * np.exp(-x * x)
    cp_bar = 0.5 * (c1p + c2p)
    p_sq = cp_bar * cp_bar
    cp_bar7 = p_sq * p_sq * p_sq * cp_bar
    r_t = -2.0 * np.sqrt(cp_bar7 / (cp_bar7 + _25_POW_7)) * np.sin(2.0 * d_theta)
    lm = 0.5 * (L1 + L2) - 50.0
    l_sq = lm * lm

    tl = (L2 - L1) / (1.0 + 0.015 * l_sq / np.sqrt(20.0 + l_sq))
    tc = (c2p - c1p) / (1.0 + 0.045 * cp_bar)
    th = dHp / (1.0 + 0.015 * cp_bar * t)
    return np.sqrt(tl * tl + tc * tc + th * th + r_t * tc * th)


# --- self-test -----------------------------------------------------------------

# A subset of the 34 test pairs published with Sharma, Wu & Dalal (2005),
# "The CIEDE2000 color-difference formula: implementation notes,
# supplementary test data, and mathematical observations" (pair number, Lab1,
# Lab2, expected dE00). They cover the hue wrap, zero chroma and the rotation
# term.
_SHARMA_PAIRS = [
    (1, (50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    (2, (50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    (7, (50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    (13, (50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0009), 7.1792),
    (15, (50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0011), 7.2195),
    (17, (50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    (19, (50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    (25, (60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    (26, (63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    (33, (90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    (34, (90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    (36, (2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


def self_test() -> None:
    """Check the converters and CIEDE2000 against published values; raise on mismatch."""
    lab1 = np.array([p[1] for p in _SHARMA_PAIRS])
    lab2 = np.array([p[2] for p in _SHARMA_PAIRS])
    want = np.array([p[3] for p in _SHARMA_PAIRS])
    for got in (ciede2000(lab1, lab2), ciede2000(lab2, lab1)):  # symmetric
        bad = np.abs(got - want) > 5e-5
        if bad.any():
            rows = [
                (_SHARMA_PAIRS[i][0], float(got[i]), float(want[i])) for i in np.flatnonzero(bad)
            ]
            raise AssertionError(f"CIEDE2000 mismatch (pair, got, want): {rows}")

    # Oklab: white -> (1, 0, 0); pure sRGB red -> (0.62796, 0.22486, 0.12585).
    ok = srgb8_to_oklab(np.array([[255, 255, 255], [255, 0, 0], [0, 0, 0]]))
    np.testing.assert_allclose(ok[0], [1.0, 0.0, 0.0], atol=1e-4)
    np.testing.assert_allclose(ok[1], [0.62796, 0.22486, 0.12585], atol=1e-4)
    np.testing.assert_allclose(ok[2], [0.0, 0.0, 0.0], atol=1e-12)

    # CIELAB: white -> (100, 0, 0); sRGB red -> about (53.24, 80.09, 67.20).
    lab = srgb8_to_cielab(np.array([[255, 255, 255], [255, 0, 0]]))
    np.testing.assert_allclose(lab[0], [100.0, 0.0, 0.0], atol=1e-2)
    np.testing.assert_allclose(lab[1], [53.24, 80.09, 67.20], atol=5e-2)


if __name__ == "__main__":
    self_test()
    print(f"colorspace self-test passed ({len(_SHARMA_PAIRS)} Sharma pairs, Oklab, CIELAB)")
