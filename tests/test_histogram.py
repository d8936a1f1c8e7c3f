"""Color histogram: counts, bin means, order independence, coarsening."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from palettekit.histogram import ColorHistogram, channel_bins, coarsen, color_histogram

pixel_arrays = hnp.arrays(
    np.uint8,
    st.tuples(st.integers(1, 300), st.just(3)),
    elements=st.integers(0, 255),
)
# Few distinct colors, many repeats: exercises bins with several pixels.
clustered_pixel_arrays = st.builds(
    lambda palette, picks: palette[np.asarray(picks) % len(palette)],
    hnp.arrays(np.uint8, st.tuples(st.integers(1, 12), st.just(3)), elements=st.integers(0, 255)),
    st.lists(st.integers(0, 1000), min_size=1, max_size=300),
)
any_pixels = st.one_of(pixel_arrays, clustered_pixel_arrays)
bit_depths = st.integers(1, 8)


def _reference_histogram(pixels: np.ndarray, bits: int) -> dict[tuple[int, int, int], list]:
    """Plain-Python histogram: bin index -> [count, channel sums]."""
    bins = channel_bins(bits).tolist()
    table: dict[tuple[int, int, int], list] = {}
    for r, g, b in pixels.tolist():
        key = (bins[r], bins[g], bins[b])
        entry = table.setdefault(key, [0, 0, 0, 0])
        entry[0] += 1
        entry[1] += r
        entry[2] += g
        entry[3] += b
    return table


def _bin_of(colors: np.ndarray, bits: int) -> np.ndarray:
    return channel_bins(bits)[np.floor(colors).astype(np.int64)].astype(np.int64)


@given(any_pixels, bit_depths)
def test_histogram_matches_a_plain_python_count(pixels, bits):
    hist = color_histogram(pixels, bits)
    reference = _reference_histogram(pixels, bits)
    assert len(hist) == len(reference)
    assert hist.bits == bits
    assert hist.counts.dtype == np.int64
    assert hist.colors.dtype == np.float64
    assert hist.colors.shape == (len(reference), 3)
    keys = [tuple(key) for key in _bin_of(hist.colors, bits).tolist()]
    # Bins come in increasing bin order.
    assert keys == sorted(reference)
    for key, count, color in zip(keys, hist.counts.tolist(), hist.colors, strict=True):
        ref_count, *sums = reference[key]
        assert count == ref_count
        np.testing.assert_allclose(color, np.array(sums) / ref_count, rtol=1e-12)


@given(any_pixels, bit_depths)
def test_counts_sum_to_the_number_of_pixels_and_are_positive(pixels, bits):
    hist = color_histogram(pixels, bits)
    assert hist.total == pixels.shape[0]
    assert int(hist.counts.sum()) == pixels.shape[0]
    assert np.all(hist.counts > 0)


@given(any_pixels, bit_depths)
def test_bin_means_lie_inside_their_bins(pixels, bits):
    hist = color_histogram(pixels, bits)
    bins = channel_bins(bits)
    values = np.arange(256)
    keys = _bin_of(hist.colors, bits)
    low = np.array([[values[bins == k].min() for k in row] for row in keys])
    high = np.array([[values[bins == k].max() for k in row] for row in keys])
    assert np.all(hist.colors >= low)
    assert np.all(hist.colors <= high)
    # Bins are distinct.
    keys = _bin_of(hist.colors, bits)
    assert len({tuple(k) for k in keys.tolist()}) == len(hist)


@given(any_pixels)
def test_eight_bits_gives_exactly_the_unique_colors(pixels):
    hist = color_histogram(pixels, 8)
    unique, counts = np.unique(pixels, axis=0, return_counts=True)
    np.testing.assert_array_equal(hist.colors, unique.astype(np.float64))
    np.testing.assert_array_equal(hist.counts, counts)


@given(any_pixels, bit_depths, st.randoms(use_true_random=False))
def test_pixel_order_does_not_matter(pixels, bits, random):
    order = list(range(pixels.shape[0]))
    random.shuffle(order)
    a = color_histogram(pixels, bits)
    b = color_histogram(pixels[order], bits)
    np.testing.assert_array_equal(a.counts, b.counts)
    # Sums are added in another order: equal up to float rounding.
    np.testing.assert_allclose(a.colors, b.colors, rtol=1e-12)


@given(any_pixels, st.integers(2, 8), st.data())
def test_coarsen_equals_a_histogram_at_fewer_bits(pixels, fine_bits, data):
    coarse_bits = data.draw(st.integers(1, fine_bits - 1))
    fine = color_histogram(pixels, fine_bits)
    merged = coarsen(fine, coarse_bits)
    direct = color_histogram(pixels, coarse_bits)
    assert merged.bits == coarse_bits
    assert merged.counts.dtype == np.int64
    np.testing.assert_array_equal(merged.counts, direct.counts)
    np.testing.assert_allclose(merged.colors, direct.colors, rtol=1e-9)


@given(any_pixels, bit_depths)
def test_coarsen_to_the_same_or_more_bits_is_the_identity(pixels, bits):
    hist = color_histogram(pixels, bits)
    assert coarsen(hist, bits) is hist
    assert coarsen(hist, 8) is hist


def test_coarsen_repeatedly_equals_coarsening_once():
    pixels = np.random.default_rng(0).integers(0, 256, (5000, 3), dtype=np.uint8)
    step = color_histogram(pixels, 8)
    for bits in range(7, 0, -1):
        step = coarsen(step, bits)
        direct = color_histogram(pixels, bits)
        np.testing.assert_array_equal(step.counts, direct.counts)
        np.testing.assert_allclose(step.colors, direct.colors, rtol=1e-9)


@pytest.mark.parametrize("bits", range(1, 9))
def test_dense_and_sorted_paths_agree_on_a_large_image(bits):
    # bits <= 6 count with a dense bincount, 7 and 8 by sorting keys; both
    # must match the 8-bit histogram coarsened.
    pixels = np.random.default_rng(bits).integers(0, 256, (20000, 3), dtype=np.uint8)
    hist = color_histogram(pixels, bits)
    exact = coarsen(color_histogram(pixels, 8), bits)
    np.testing.assert_array_equal(hist.counts, exact.counts)
    np.testing.assert_allclose(hist.colors, exact.colors, rtol=1e-9)


def test_one_bit_histogram_has_at_most_eight_bins():
    pixels = np.random.default_rng(1).integers(0, 256, (1000, 3), dtype=np.uint8)
    assert len(color_histogram(pixels, 1)) == 8


def test_extreme_colors_land_in_the_first_and_last_bins():
    pixels = np.array([[0, 0, 0], [255, 255, 255]], dtype=np.uint8)
    for bits in range(1, 9):
        hist = color_histogram(pixels, bits)
        np.testing.assert_array_equal(hist.colors, [[0, 0, 0], [255, 255, 255]])
        np.testing.assert_array_equal(hist.counts, [1, 1])


@pytest.mark.parametrize("bits", range(1, 9))
def test_empty_input_gives_an_empty_histogram(bits):
    hist = color_histogram(np.zeros((0, 3), dtype=np.uint8), bits)
    assert isinstance(hist, ColorHistogram)
    assert len(hist) == 0
    assert hist.total == 0
    assert hist.colors.shape == (0, 3)
    assert hist.counts.shape == (0,)
    assert hist.counts.dtype == np.int64
    assert coarsen(hist, 1).total == 0


def test_accepts_lists_and_other_integer_dtypes():
    hist = color_histogram([[1, 2, 3], [1, 2, 3]], 8)
    np.testing.assert_array_equal(hist.colors, [[1, 2, 3]])
    np.testing.assert_array_equal(hist.counts, [2])
    hist16 = color_histogram(np.array([[10, 20, 30]], dtype=np.int64), 5)
    np.testing.assert_array_equal(hist16.counts, [1])


@pytest.mark.parametrize("shape", [(3,), (4, 4), (2, 2, 3), (5, 1)])
def test_refuses_arrays_that_are_not_a_pixel_list(shape):
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        color_histogram(np.zeros(shape, dtype=np.uint8))


@pytest.mark.parametrize("bits", [0, 9, -1])
def test_refuses_bits_outside_1_to_8(bits):
    with pytest.raises(ValueError, match="bits"):
        color_histogram(np.zeros((2, 3), dtype=np.uint8), bits)


def test_input_is_not_modified():
    pixels = np.random.default_rng(2).integers(0, 256, (100, 3), dtype=np.uint8)
    before = pixels.copy()
    color_histogram(pixels, 5)
    color_histogram(pixels, 8)
    np.testing.assert_array_equal(pixels, before)


# --- the channel bins -------------------------------------------------------------------


def _reference_bin(value: int, bits: int) -> int:
    """Oklab lightness of the gray with this sRGB value, cut in 2**bits steps."""
    c = value / 255.0
    linear = c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return min(int(linear ** (1.0 / 3.0) * (1 << bits)), (1 << bits) - 1)


@pytest.mark.parametrize("bits", range(1, 8))
def test_channel_bins_are_equal_steps_of_lightness(bits):
    bins = channel_bins(bits)
    assert bins.shape == (256,) and bins.dtype == np.uint8
    assert bins[0] == 0 and bins[255] == (1 << bits) - 1
    assert np.all(np.diff(bins.astype(int)) >= 0)  # intervals of values
    mismatches = [v for v in range(256) if bins[v] != _reference_bin(v, bits)]
    assert mismatches == []


def test_channel_bins_nest_and_eight_bits_is_exact():
    np.testing.assert_array_equal(channel_bins(8), np.arange(256))
    for bits in range(2, 8):
        np.testing.assert_array_equal(channel_bins(bits) >> 1, channel_bins(bits - 1))


def test_dark_values_get_finer_bins_than_light_ones():
    # At 5 bits, the darkest sixteenth of the values spans five bins (equal
    # steps of the value would give two), the lightest sixteenth two: bins
    # follow perceived lightness.
    bins = channel_bins(5)
    assert len(set(bins[:16].tolist())) >= 5
    assert len(set(bins[-16:].tolist())) <= 2


@pytest.mark.parametrize("extra", [0, 1])
def test_channel_sums_are_exact_at_the_packing_limit(extra, monkeypatch):
    """Up to the limit two sums share one float64 (packed), above it each has
    its own; both must be exact in the worst case (nearly every value 255)."""
    from palettekit import histogram as histogram_module
    from palettekit.histogram import _BLOCK, _PACKED_MAX_PIXELS

    monkeypatch.setattr(histogram_module, "_kernel", None)  # the numpy path packs
    n = _PACKED_MAX_PIXELS + extra
    assert n > 2 * _BLOCK  # several blocks either way
    rng = np.random.default_rng(7)
    # A few 250s (the same 5-bit bin as 255), so every channel's exact mean
    # is known and differs from 255.
    pixels = np.full((n, 3), 255, dtype=np.uint8)
    pixels[rng.random((n, 3)) < 0.01] = 250
    pixels[:5] = 0  # a second bin
    hist = color_histogram(pixels, 5)
    assert hist.counts.tolist() == [5, n - 5]
    exact = pixels[5:].astype(np.int64).sum(axis=0)
    assert hist.colors[0].tolist() == [0.0, 0.0, 0.0]
    assert hist.colors[1].tolist() == (exact / (n - 5)).tolist()


# --- the optional compiled pass (src/palettekit/_histogram.c) ------------------------

needs_kernel = pytest.mark.skipif(
    __import__("palettekit.histogram", fromlist=["_kernel"])._kernel is None,
    reason="the compiled histogram pass is not built (no C compiler)",
)


def _numpy_histogram(pixels: np.ndarray, bits: int) -> ColorHistogram:
    from palettekit import histogram as histogram_module

    kernel = histogram_module._kernel
    histogram_module._kernel = None
    try:
        return color_histogram(pixels, bits)
    finally:
        histogram_module._kernel = kernel


def _assert_identical(a: ColorHistogram, b: ColorHistogram) -> None:
    assert a.bits == b.bits
    assert a.counts.dtype == b.counts.dtype == np.int64
    assert a.colors.dtype == b.colors.dtype == np.float64
    assert np.array_equal(a.counts, b.counts)
    assert np.array_equal(a.colors, b.colors)


@needs_kernel
@given(any_pixels, st.integers(1, 6))
def test_compiled_pass_gives_exactly_the_numpy_histogram(pixels, bits):
    _assert_identical(color_histogram(pixels, bits), _numpy_histogram(pixels, bits))


@needs_kernel
def test_compiled_pass_gives_exactly_the_numpy_histogram_of_a_photo():
    from test_pipeline import photo_like

    pixels = photo_like(3, height=500, width=600).reshape(-1, 3)  # 300k: unpacked numpy path
    _assert_identical(color_histogram(pixels, 5), _numpy_histogram(pixels, 5))
    part = pixels[:200_000]  # packed numpy path
    _assert_identical(color_histogram(part, 5), _numpy_histogram(part, 5))


def test_compiled_pass_is_built_in_ci():
    # Locally a missing C compiler only costs speed; CI has one, so a silent
    # build failure there must not go unnoticed.
    import os
    import shutil

    from palettekit import histogram as histogram_module

    if not os.environ.get("CI") or shutil.which("cc") is None:
        pytest.skip("only checked in CI, where a C compiler is present")
    assert histogram_module._kernel is not None


@needs_kernel
def test_compiled_histogram_gives_the_numpy_histogram_and_leaves_its_table_clear():
    from palettekit.histogram import _kernel, _kernel_keys
    from test_pipeline import photo_like

    pixels = photo_like(4, height=300, width=400).reshape(-1, 3)
    for _ in range(2):  # the shared table is handed back zeroed
        _assert_identical(color_histogram(pixels, 5), _numpy_histogram(pixels, 5))
    counts, colors = np.empty(4, np.int64), np.empty((4, 3))
    with pytest.raises(ValueError, match="fewer than the occupied bins"):
        _kernel.histogram(pixels, _kernel_keys(5), 1 << 15, counts, colors)
    with pytest.raises(ValueError, match="out of range"):
        _kernel.histogram(np.full(3, 255, np.uint8), _kernel_keys(5), 100, counts, colors)
    with pytest.raises(ValueError, match="n_bins"):
        _kernel.histogram(pixels, _kernel_keys(5), 0, counts, colors)
    with pytest.raises(ValueError, match="N \\* 3"):
        _kernel.histogram(np.zeros(4, np.uint8), _kernel_keys(5), 1 << 15, counts, colors)
    with pytest.raises(ValueError, match="3 \\* 256"):
        _kernel.histogram(pixels, _kernel_keys(5)[:2], 1 << 15, counts, colors)
    with pytest.raises(TypeError):  # not writable
        _kernel.histogram(pixels, _kernel_keys(5), 1 << 15, counts.tobytes(), colors)
    # after each failure the next histogram is still exact
    _assert_identical(color_histogram(pixels[:5000], 4), _numpy_histogram(pixels[:5000], 4))
    _assert_identical(color_histogram(pixels, 5), _numpy_histogram(pixels, 5))


@needs_kernel
def test_compiled_coarsen_gives_exactly_the_numpy_bins():
    from test_pipeline import photo_like

    pixels = photo_like(5, height=200, width=300).reshape(-1, 3)
    for source_bits in (5, 6, 8):
        fine = color_histogram(pixels, source_bits)
        for bits in range(1, min(source_bits, 6)):
            _assert_identical(coarsen(fine, bits), _numpy_coarsen(fine, bits))


@needs_kernel
def test_compiled_coarsen_refuses_bad_buffers():
    from palettekit.histogram import _kernel, _kernel_keys

    colors, counts = np.full((2, 3), 200.0), np.ones(2, np.int64)
    out_colors, out_counts = np.empty((2, 3)), np.empty(2, np.int64)
    with pytest.raises(ValueError, match="M \\* 3"):
        _kernel.coarsen(colors[:1], counts, _kernel_keys(4), 4096, out_colors, out_counts)
    with pytest.raises(ValueError, match="out of range"):
        _kernel.coarsen(colors, counts, _kernel_keys(4), 16, out_colors, out_counts)
    with pytest.raises(ValueError, match="fewer than the occupied"):
        _kernel.coarsen(colors, counts, _kernel_keys(4), 4096, out_colors[:0], out_counts[:0])


@needs_kernel
def test_compiled_histogram_makes_outputs_of_exactly_the_occupied_bins():
    from palettekit.histogram import _kernel, _kernel_keys
    from test_pipeline import photo_like

    pixels = photo_like(6, height=120, width=160).reshape(-1, 3)
    made_counts, made_colors = _kernel.histogram(pixels, _kernel_keys(5), 1 << 15)
    assert isinstance(made_counts, bytearray) and isinstance(made_colors, bytearray)
    expected = _numpy_histogram(pixels, 5)
    assert len(made_counts) == 8 * len(expected) and len(made_colors) == 24 * len(expected)
    hist = color_histogram(pixels, 5)
    _assert_identical(hist, expected)
    hist.colors[0, 0] = 1.0  # the arrays are the caller's own, writable
    with pytest.raises(TypeError, match="both"):
        _kernel.histogram(pixels, _kernel_keys(5), 1 << 15, np.empty(9, np.int64))
    with pytest.raises(ValueError, match="out of range"):
        _kernel.histogram(np.full(3, 255, np.uint8), _kernel_keys(5), 100)
    # after the failure the shared table is clear: the next histogram is still exact
    _assert_identical(color_histogram(pixels, 5), expected)
    one = np.array([[7, 8, 9]], np.uint8)
    assert color_histogram(one, 5).counts.tolist() == [1]


@needs_kernel
def test_compiled_coarsen_keeps_its_table_clear_between_calls():
    from palettekit.histogram import _kernel, _kernel_keys
    from test_pipeline import photo_like

    fine = color_histogram(photo_like(7, height=150, width=200).reshape(-1, 3), 5)
    colors, counts = np.array([[0.0, 0.0, 0.0], [200.0, 200.0, 200.0]]), np.ones(2, np.int64)
    with pytest.raises(ValueError, match="out of range"):  # fails after filling some bins
        _kernel.coarsen(
            colors, counts, _kernel_keys(4), 16, np.empty((2, 3)), np.empty(2, np.int64)
        )
    for bits in (4, 3, 4):
        _assert_identical(coarsen(fine, bits), _numpy_coarsen(fine, bits))


def _numpy_coarsen(fine, bits):
    """coarsen(fine, bits) with the compiled kernel switched off."""
    from palettekit import histogram as histogram_module

    kernel = histogram_module._kernel
    histogram_module._kernel = None
    try:
        return coarsen(fine, bits)
    finally:
        histogram_module._kernel = kernel


def _four_byte_pixels(pixels: np.ndarray, fourth: int) -> np.ndarray:
    """(N, 3) view with strides (4, 1) of the same pixels (Pillow's RGB storage)."""
    padded = np.full((pixels.shape[0], 4), fourth, dtype=np.uint8)
    padded[:, :3] = pixels
    view = padded[:, :3]
    assert view.strides == (4, 1)
    return view


@given(any_pixels, bit_depths, st.integers(0, 255))
def test_pixels_four_bytes_apart_give_the_same_histogram(pixels, bits, fourth):
    view = _four_byte_pixels(pixels, fourth)
    contiguous = np.ascontiguousarray(pixels)
    _assert_identical(color_histogram(view, bits), color_histogram(contiguous, bits))
    _assert_identical(_numpy_histogram(view, bits), _numpy_histogram(contiguous, bits))


@needs_kernel
def test_compiled_pass_reads_four_byte_pixels_of_a_pillow_image_in_place():
    from PIL import Image

    from palettekit.pixels import image_array
    from test_pipeline import photo_like

    array = photo_like(5, height=120, width=90)
    image = Image.fromarray(array)
    view = image_array(image).reshape(-1, 3)
    assert view.strides == (4, 1)  # Pillow's storage, not a copy
    for bits in (3, 5, 8):
        _assert_identical(color_histogram(view, bits), _numpy_histogram(array.reshape(-1, 3), bits))


@needs_kernel
def test_compiled_four_byte_pass_refuses_bad_buffers():
    from palettekit.histogram import _kernel, _kernel_keys

    with pytest.raises(ValueError, match="N \\* 4 bytes"):
        _kernel.histogram4(np.zeros(6, np.uint8), _kernel_keys(5), 1 << 15)
    with pytest.raises(ValueError, match="out of range"):
        _kernel.histogram4(np.full(4, 255, np.uint8), _kernel_keys(5), 100)
    with pytest.raises(TypeError):
        _kernel.histogram4(np.zeros(4, np.uint8), _kernel_keys(5), 1 << 15, None, None)
    counts, colors = _kernel.histogram4(np.zeros(0, np.uint8), _kernel_keys(5), 1 << 15)
    assert len(counts) == len(colors) == 0
