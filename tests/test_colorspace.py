"""Color-space conversions against published reference values, plus round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from palettekit import colorspace as cs

# --- reference values ----------------------------------------------------------------

# Björn Ottosson, "A perceptual color space for image processing" (2020),
# https://bottosson.github.io/posts/oklab/, "Table of example XYZ and Oklab
# pairs", given there to three decimals.
OTTOSSON_XYZ_OKLAB = [
    ((0.950, 1.000, 1.089), (1.000, 0.000, 0.000)),
    ((1.000, 0.000, 0.000), (0.450, 1.236, -0.019)),
    ((0.000, 1.000, 0.000), (0.922, -0.671, 0.263)),
    ((0.000, 0.000, 1.000), (0.153, -1.415, -0.449)),
]

# sRGB primaries, white and black in Oklab, as listed in CSS Color Module
# Level 4 (sample conversions) and on Wikipedia's Oklab page; they follow from
# Ottosson's sRGB matrices to the five decimals given.
SRGB_OKLAB = [
    ((1.0, 1.0, 1.0), (1.00000, 0.00000, 0.00000)),
    ((0.0, 0.0, 0.0), (0.00000, 0.00000, 0.00000)),
    ((1.0, 0.0, 0.0), (0.62796, 0.22486, 0.12585)),
    ((0.0, 1.0, 0.0), (0.86644, -0.23389, 0.17950)),
    ((0.0, 0.0, 1.0), (0.45201, -0.03246, -0.31153)),
]

# sRGB -> CIELAB (D65, 2 degree observer), as given by Bruce Lindbloom's
# calculator (brucelindbloom.com) and colormine.org, to four decimals.
SRGB_CIELAB = [
    ((255, 255, 255), (100.0, 0.0, 0.0)),
    ((0, 0, 0), (0.0, 0.0, 0.0)),
    ((255, 0, 0), (53.2408, 80.0925, 67.2032)),
    ((0, 255, 0), (87.7347, -86.1827, 83.1793)),
    ((0, 0, 255), (32.2970, 79.1875, -107.8602)),
    ((128, 128, 128), (53.5850, 0.0, 0.0)),
]


@pytest.mark.parametrize(("xyz", "oklab"), OTTOSSON_XYZ_OKLAB)
def test_xyz_to_oklab_matches_ottosson_table(xyz, oklab):
    np.testing.assert_allclose(cs.xyz_to_oklab(xyz), oklab, atol=1e-3)


@pytest.mark.parametrize(("srgb", "oklab"), SRGB_OKLAB)
def test_srgb_to_oklab_matches_published_values(srgb, oklab):
    np.testing.assert_allclose(cs.srgb_to_oklab(srgb), oklab, atol=2e-5)


def test_srgb_and_xyz_routes_to_oklab_agree():
    # Ottosson's linear-sRGB matrix is his XYZ matrix composed with the sRGB
    # primaries; both routes must give the same Oklab (to the precision of
    # the published matrices).
    rng = np.random.default_rng(1)
    linear = rng.random((200, 3))
    direct = cs.linear_srgb_to_oklab(linear)
    via_xyz = cs.xyz_to_oklab(cs.linear_srgb_to_xyz(linear))
    np.testing.assert_allclose(direct, via_xyz, atol=5e-4)


@pytest.mark.parametrize(("rgb8", "lab"), SRGB_CIELAB)
def test_srgb_to_cielab_matches_published_values(rgb8, lab):
    srgb = np.array(rgb8) / 255.0
    np.testing.assert_allclose(cs.srgb_to_cielab(srgb), lab, atol=2e-3)


def test_cielab_white_is_exactly_the_reference_white():
    lab = cs.xyz_to_cielab(cs.D65_WHITE_XYZ)
    np.testing.assert_allclose(lab, [100.0, 0.0, 0.0], atol=1e-12)


def test_grays_are_achromatic_in_both_spaces():
    levels = np.linspace(0.0, 1.0, 256)
    grays = np.repeat(levels[:, None], 3, axis=1)
    oklab = cs.srgb_to_oklab(grays)
    lab = cs.srgb_to_cielab(grays)
    assert np.abs(oklab[:, 1:]).max() < 1e-6
    assert np.abs(lab[:, 1:]).max() < 1e-3
    # Lightness strictly increases with the gray level.
    assert np.all(np.diff(oklab[:, 0]) > 0)
    assert np.all(np.diff(lab[:, 0]) > 0)


def test_cielab_dark_segment_is_linear_and_continuous():
    # Below (6/29)^3 of white, CIELAB's f(t) is linear; L* = 903.3 * Y there.
    y = np.array([0.0, 0.001, 0.005, (6 / 29) ** 3])
    xyz = cs.D65_WHITE_XYZ * y[:, None]
    lab = cs.xyz_to_cielab(xyz)
    np.testing.assert_allclose(lab[:, 0], (29 / 3) ** 3 * y, rtol=1e-12, atol=1e-12)
    eps = 1e-12
    below = cs.xyz_to_cielab(cs.D65_WHITE_XYZ * ((6 / 29) ** 3 - eps))
    above = cs.xyz_to_cielab(cs.D65_WHITE_XYZ * ((6 / 29) ** 3 + eps))
    np.testing.assert_allclose(below, above, atol=1e-8)


# --- the sRGB transfer function ------------------------------------------------------


def _as_colors(values):
    """A 1-d array of channel values -> (N, 3) with the value in every channel."""
    return np.repeat(np.asarray(values, dtype=np.float64)[:, None], 3, axis=1)


def test_srgb_transfer_function_reference_points():
    decoded = cs.srgb_to_linear(_as_colors([0.0, 0.02, 0.04045, 0.5, 1.0]))
    np.testing.assert_allclose(
        decoded, _as_colors([0.0, 0.02 / 12.92, 0.04045 / 12.92, 0.21404114, 1.0]), rtol=1e-6
    )
    encoded = cs.linear_to_srgb(_as_colors([0.0, 0.001, 0.21404114, 1.0]))
    np.testing.assert_allclose(encoded, _as_colors([0.0, 0.01292, 0.5, 1.0]), rtol=1e-7, atol=1e-12)


def test_srgb_transfer_function_is_continuous_at_the_knee():
    # The two segments meet: no step at the knee on either side (IEC
    # 61966-2-1's rounded knees 0.04045 / 0.0031308 would leave ~3e-8).
    for func, knee in ((cs.srgb_to_linear, 0.04045), (cs.linear_to_srgb, 0.0031308)):
        grid = _as_colors(np.linspace(knee * 0.999, knee * 1.001, 200001))
        values = func(grid)[:, 0]
        steps = np.diff(values)
        assert np.all(steps > 0)  # monotone
        # Every step is the local slope times the grid spacing. The slopes of
        # the two segments differ by ~2% at the knee (a kink); a step of 3e-8
        # would show as a slope hundreds of times larger.
        slopes = steps / np.diff(grid[:, 0])
        assert slopes.max() / slopes.min() < 1.05


def test_srgb_encoding_and_decoding_are_exact_inverses_through_the_knee():
    grid = _as_colors(np.linspace(0.0400, 0.0410, 10001))
    np.testing.assert_allclose(cs.linear_to_srgb(cs.srgb_to_linear(grid)), grid, rtol=1e-12)
    linear = _as_colors(np.linspace(0.0031, 0.0032, 10001))
    np.testing.assert_allclose(cs.srgb_to_linear(cs.linear_to_srgb(linear)), linear, rtol=1e-12)


def test_srgb_transfer_function_is_odd_and_does_not_warn_outside_the_gamut():
    # Out-of-gamut values (negative, > 1) come back from Oklab; they are
    # extended symmetrically and never produce NaN (warnings are errors).
    values = _as_colors([-1.0, -0.5, -0.01, 0.01, 0.5, 1.5])
    np.testing.assert_allclose(cs.srgb_to_linear(-values), -cs.srgb_to_linear(values))
    np.testing.assert_allclose(cs.linear_to_srgb(-values), -cs.linear_to_srgb(values))
    assert np.isfinite(cs.linear_to_srgb(values)).all()


# --- round trips ---------------------------------------------------------------------

srgb_arrays = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6).map(lambda s: (*s, 3)),
    elements=st.floats(0.0, 1.0, allow_nan=False),
)


@given(srgb_arrays)
def test_srgb_oklab_round_trip(srgb):
    oklab = cs.srgb_to_oklab(srgb)
    assert oklab.shape == srgb.shape
    assert np.all((oklab[..., 0] >= -1e-9) & (oklab[..., 0] <= 1 + 1e-9))
    np.testing.assert_allclose(cs.oklab_to_srgb(oklab), srgb, atol=1e-9)


@given(srgb_arrays)
def test_srgb_cielab_round_trip(srgb):
    lab = cs.srgb_to_cielab(srgb)
    assert lab.shape == srgb.shape
    # (White is L* = 100 to ~4e-6: the 7-decimal sRGB matrix's Y row sums to 1.0000001.)
    assert np.all((lab[..., 0] >= -1e-9) & (lab[..., 0] <= 100 + 1e-5))
    np.testing.assert_allclose(cs.cielab_to_srgb(lab), srgb, atol=1e-9)


@given(srgb_arrays)
def test_oklab_oklch_round_trip(srgb):
    oklab = cs.srgb_to_oklab(srgb)
    oklch = cs.oklab_to_oklch(oklab)
    assert oklch.shape == oklab.shape
    assert np.all(oklch[..., 1] >= 0)
    assert np.all((oklch[..., 2] >= 0) & (oklch[..., 2] < 360))
    np.testing.assert_array_equal(oklch[..., 0], oklab[..., 0])
    np.testing.assert_allclose(cs.oklch_to_oklab(oklch), oklab, atol=1e-12)


@given(srgb_arrays, st.sampled_from(["oklab", "cielab", "srgb"]))
def test_convert_and_convert_to_srgb_are_inverse(srgb, space):
    np.testing.assert_allclose(cs.convert_to_srgb(cs.convert(srgb, space), space), srgb, atol=1e-9)


def test_every_8bit_color_survives_the_oklab_round_trip_exactly():
    # The pipeline relies on this: a palette of exact image colors goes
    # uint8 -> Oklab -> uint8 and must come back unchanged.
    levels = np.arange(0, 256, 3, dtype=np.uint8)
    rgb = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(-1, 3)
    for space in ("oklab", "cielab"):
        back = cs.srgb_to_uint8(cs.convert_to_srgb(cs.convert(rgb / 255.0, space), space))
        np.testing.assert_array_equal(back, rgb)


def test_oklch_hue_of_known_colors():
    # Red has a hue near 29 degrees, blue near 264 (CSS Color 4 examples).
    lch = cs.oklab_to_oklch(cs.srgb_to_oklab([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    np.testing.assert_allclose(lch[:, 2], [29.2339, 264.052], atol=1e-2)
    np.testing.assert_allclose(lch[:, 1], [0.25768, 0.31321], atol=1e-4)


def test_oklch_hue_wraps_into_0_360():
    lch = cs.oklab_to_oklch([[0.5, 0.1, -1e-12], [0.5, -0.1, -1e-12], [0.5, 0.0, 0.0]])
    assert np.all((lch[:, 2] >= 0) & (lch[:, 2] < 360))
    np.testing.assert_allclose(lch[1, 2], 180.0)


# --- shapes --------------------------------------------------------------------------

FUNCTIONS = [
    cs.srgb_to_linear,
    cs.linear_to_srgb,
    cs.linear_srgb_to_oklab,
    cs.oklab_to_linear_srgb,
    cs.srgb_to_oklab,
    cs.oklab_to_srgb,
    cs.xyz_to_oklab,
    cs.oklab_to_oklch,
    cs.oklch_to_oklab,
    cs.linear_srgb_to_xyz,
    cs.xyz_to_linear_srgb,
    cs.xyz_to_cielab,
    cs.cielab_to_xyz,
    cs.srgb_to_cielab,
    cs.cielab_to_srgb,
    cs.clip_srgb,
]


@pytest.mark.parametrize("func", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(3,), (0, 3), (1, 3), (5, 3), (2, 4, 3), (2, 1, 3, 3)])
def test_conversions_keep_the_shape_and_return_float64(func, shape):
    values = np.random.default_rng(0).random(shape)
    out = func(values)
    assert out.shape == shape
    assert out.dtype == np.float64
    # Vectorised: the same as converting each color alone.
    flat_in = values.reshape(-1, 3)
    flat_out = out.reshape(-1, 3)
    for color_in, color_out in zip(flat_in, flat_out, strict=True):
        np.testing.assert_allclose(func(color_in), color_out, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("func", FUNCTIONS, ids=lambda f: f.__name__)
def test_conversions_accept_lists_and_integer_arrays(func):
    np.testing.assert_allclose(func([[0, 1, 0]]), func(np.array([[0.0, 1.0, 0.0]])))


@pytest.mark.parametrize("func", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(), (4,), (2, 2), (3, 4)])
def test_conversions_refuse_a_last_axis_other_than_3(func, shape):
    with pytest.raises(ValueError, match=r"\(\.\.\., 3\)"):
        func(np.zeros(shape))


def test_conversions_do_not_modify_their_input():
    srgb = np.random.default_rng(2).random((10, 3))
    before = srgb.copy()
    cs.srgb_to_oklab(srgb)
    cs.srgb_to_cielab(srgb)
    cs.srgb_to_uint8(srgb)
    np.testing.assert_array_equal(srgb, before)


# --- srgb_to_uint8 -------------------------------------------------------------------


def test_srgb_to_uint8_rounds_half_up():
    values = np.array([0.0, 0.4, 0.5, 0.6, 127.5, 254.49, 254.5, 255.0]) / 255.0
    out = cs.srgb_to_uint8(np.repeat(values[:, None], 3, axis=1))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out[:, 0], [0, 0, 1, 1, 128, 254, 255, 255])


def test_srgb_to_uint8_clips_out_of_gamut_values():
    out = cs.srgb_to_uint8([[-0.5, 1.5, 2.0], [-1e-9, 1 + 1e-9, 0.5]])
    np.testing.assert_array_equal(out, [[0, 255, 255], [0, 255, 128]])


def test_srgb_to_uint8_inverts_division_by_255():
    every = np.arange(256, dtype=np.uint8)
    rgb = np.stack([every, every[::-1], every], axis=1)
    np.testing.assert_array_equal(cs.srgb_to_uint8(rgb / 255.0), rgb)


def test_srgb_to_uint8_shapes():
    assert cs.srgb_to_uint8(np.zeros(3)).shape == (3,)
    assert cs.srgb_to_uint8(np.zeros((0, 3))).shape == (0, 3)
    assert cs.srgb_to_uint8(np.zeros((2, 5, 3))).shape == (2, 5, 3)


def test_clip_srgb_leaves_in_gamut_values_alone():
    values = np.random.default_rng(3).random((50, 3))
    np.testing.assert_array_equal(cs.clip_srgb(values), values)
    np.testing.assert_array_equal(cs.clip_srgb([[-0.1, 0.5, 1.1]]), [[0.0, 0.5, 1.0]])


# --- the compiled conversion (palettekit._cluster.srgb_to_oklab) ---------------------

needs_kernel = pytest.mark.skipif(cs._kernel is None, reason="built without a C compiler")


def _numpy_oklab(srgb: np.ndarray) -> np.ndarray:
    """srgb_to_oklab on numpy alone (the reference the kernel must equal bit for bit)."""
    kernel = cs._kernel
    cs._kernel = None
    try:
        return cs.srgb_to_oklab(srgb)
    finally:
        cs._kernel = kernel


def _libm_oklab(srgb: np.ndarray) -> np.ndarray:
    return cs.linear_srgb_to_oklab(cs.srgb_to_linear(srgb))


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Units in the last place between float64 arrays of the same signs."""
    return np.abs(a.view(np.int64) - b.view(np.int64))


@pytest.mark.parametrize("use_kernel", [True, False])
def test_newton_roots_stay_within_4_ulps_of_libm(use_kernel):
    if use_kernel and cs._kernel is None:
        pytest.skip("built without a C compiler")
    rng = np.random.default_rng(11)
    square = ((rng.random(200_000) * 0.95 + 0.05 + 0.055) / 1.055) ** 2
    positive = np.concatenate([rng.random(100_000), rng.random(50_000) ** 8, [1e-140, 1e140]])
    fifth, third = cs._root(square, 5), cs._root(positive, 3)
    assert _ulps(fifth, square**0.2).max() <= 4
    assert _ulps(third, np.cbrt(positive)).max() <= 4
    srgb = np.concatenate([rng.random((20_000, 3)), rng.integers(0, 255 * 64, (20_000, 3)) / 16320])
    convert = cs.srgb_to_oklab if use_kernel else _numpy_oklab
    np.testing.assert_allclose(convert(srgb), _libm_oklab(srgb), rtol=0, atol=4e-15)


def test_oklab_keeps_libm_values_where_the_roots_do_not_apply():
    # whole 8-bit levels, the linear segment, values outside [0, 1], black
    levels = np.arange(256)[:, None].repeat(3, axis=1) / 255.0
    odd = np.array([[0.0, 0.01, cs._SRGB_KNEE], [-0.2, 1.5, 2.0], [1e-300, -1e-9, 1.0]])
    for srgb in (levels, odd):
        linear = cs._fast_linear(srgb)
        np.testing.assert_array_equal(linear, cs.srgb_to_linear(srgb))
    assert cs.srgb_to_oklab([0.0, 0.0, 0.0]).tolist() == [0.0, 0.0, 0.0]


@needs_kernel
def test_compiled_oklab_is_numpys_to_the_last_bit():
    rng = np.random.default_rng(7)
    samples = [
        rng.random((20_000, 3)),  # anywhere in the gamut
        rng.integers(0, 256, (5_000, 3)) / 255.0,  # 8-bit colors
        rng.integers(0, 255 * 64, (20_000, 3)) / 64.0 / 255.0,  # bin means
        rng.random((5_000, 3)) * 1.6 - 0.3,  # outside [0, 1], through the knee
        np.array([[0.0, -0.0, cs._SRGB_KNEE], [1.0, -cs._SRGB_KNEE, 1e-300], [-1e-9, 0.5, 2.0]]),
    ]
    for srgb in samples:
        np.testing.assert_array_equal(cs.srgb_to_oklab(srgb), _numpy_oklab(srgb))


@needs_kernel
@given(hnp.arrays(np.float64, st.tuples(st.integers(0, 40), st.just(3)), elements=st.floats(-2, 2)))
def test_compiled_oklab_agrees_with_numpy_on_any_values(srgb):
    np.testing.assert_array_equal(cs.srgb_to_oklab(srgb), _numpy_oklab(srgb))


@needs_kernel
def test_compiled_oklab_keeps_shapes_and_reads_strided_input():
    rng = np.random.default_rng(3)
    cube = rng.random((4, 5, 3))
    assert cs.srgb_to_oklab(cube).shape == (4, 5, 3)
    np.testing.assert_array_equal(cs.srgb_to_oklab(cube), _numpy_oklab(cube))
    strided = rng.random((10, 6))[:, ::2]
    np.testing.assert_array_equal(cs.srgb_to_oklab(strided), _numpy_oklab(strided))
    assert cs.srgb_to_oklab(np.zeros((0, 3))).shape == (0, 3)
    assert cs.srgb_to_oklab([1.0, 1.0, 1.0]).shape == (3,)


@needs_kernel
def test_compiled_oklab_refuses_bad_buffers():
    out = np.empty((2, 3))
    rows = cs._LMS_ROWS
    with pytest.raises(ValueError, match="out"):
        cs._kernel.srgb_to_oklab(np.zeros((3, 3)), rows, rows, out, cs._SRGB_KNEE)
    with pytest.raises(ValueError, match="to_lms"):
        cs._kernel.srgb_to_oklab(np.zeros((2, 3)), rows[:2], rows, out, cs._SRGB_KNEE)


def test_numpy_alone_gives_the_same_oklab(monkeypatch):
    srgb = np.random.default_rng(5).random((1000, 3))
    expected = cs.srgb_to_oklab(srgb)
    monkeypatch.setattr(cs, "_kernel", None)
    np.testing.assert_array_equal(cs.srgb_to_oklab(srgb), expected)
