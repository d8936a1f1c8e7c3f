"""extract(): properties of every palette, determinism, alpha, sources, quality."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

import palettekit
from palettekit import EmptyImageError, FewerColorsWarning, Options, OptionsError
from palettekit.cluster import squared_distances
from palettekit.colorspace import srgb_to_oklab
from palettekit.histogram import color_histogram
from palettekit.pipeline import palette_from_histogram, palette_from_pixels

CQ100 = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "cq100"
if not CQ100.is_dir():
    CQ100 = Path("/work/shared/corpus/cq100")


def _extract(source, **kwargs) -> palettekit.Palette:
    """extract() with FewerColorsWarning allowed (and every other warning an error)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewerColorsWarning)
        return palettekit.extract(source, **kwargs)


def _canonical_json(palette: palettekit.Palette) -> str:
    return json.dumps(palette.to_dict(), sort_keys=True)


def photo_like(seed: int, height: int = 90, width: int = 120) -> np.ndarray:
    """A synthetic image with smooth regions, edges and noise: thousands of
    colors, so k-means runs its full coarse-to-fine path."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    image = np.zeros((height, width, 3))
    for _ in range(5):
        cy, cx, radius = rng.random(3) * [1, 1, 0.5] + [0, 0, 0.1]
        color = rng.random(3)
        inside = (y - cy) ** 2 + (x - cx) ** 2 < radius**2
        image[inside] = color
    image += 0.4 * np.stack([x, y, 1 - x], axis=-1) * rng.random(3)
    image += rng.normal(0, 0.08, image.shape)
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)


def blocks(colors, counts, width: int = 1) -> np.ndarray:
    """An image whose rows are ``counts[i]`` pixels of ``colors[i]``, as one column."""
    pixels = np.repeat(np.asarray(colors, dtype=np.uint8), counts, axis=0)
    return pixels.reshape(-1, width, 3)


def check_palette_invariants(palette: palettekit.Palette, k: int) -> None:
    meta = palette.meta
    opaque = meta["opaque_pixels"]
    assert 1 <= len(palette) <= k
    assert meta["k"] == k
    assert meta["k_returned"] == len(palette)
    assert abs(sum(palette.shares) - 1.0) <= 1e-9
    assert sum(s.count for s in palette) == opaque
    hexes = palette.hex
    assert len(set(hexes)) == len(hexes)
    for swatch in palette:
        assert len(swatch.rgb) == 3
        assert all(type(c) is int and 0 <= c <= 255 for c in swatch.rgb)
        assert swatch.count >= 1
        # The share is exactly the swatch's fraction of the opaque working pixels.
        assert swatch.share == swatch.count / opaque
        assert 0.0 < swatch.share <= 1.0
        np.testing.assert_allclose(
            swatch.oklab, srgb_to_oklab(np.array(swatch.rgb) / 255.0), atol=1e-6
        )
    if len(palette) < k:
        assert len(meta["warnings"]) >= 1
    if meta["options"]["sort"] == "share":
        counts = [s.count for s in palette]
        assert counts == sorted(counts, reverse=True)


# --- properties over generated images ------------------------------------------------


# Images drawn from a few base colors with optional noise: covers few-color
# (graphics) and many-color (photo-like) inputs, and every size from 1x1.
def _compose(base, picks, noise_seed, size) -> np.ndarray:
    height, width = size
    pixels = base[np.asarray(picks) % len(base)].astype(np.int16)
    if noise_seed is not None:
        pixels += np.random.default_rng(noise_seed).integers(-20, 21, pixels.shape, dtype=np.int16)
    return np.clip(pixels, 0, 255).astype(np.uint8).reshape(height, width, 3)


images = st.tuples(st.integers(1, 20), st.integers(1, 20)).flatmap(
    lambda size: st.builds(
        _compose,
        hnp.arrays(
            np.uint8, st.tuples(st.integers(1, 10), st.just(3)), elements=st.integers(0, 255)
        ),
        st.lists(st.integers(0, 100), min_size=size[0] * size[1], max_size=size[0] * size[1]),
        st.one_of(st.none(), st.integers(0, 2**32 - 1)),
        st.just(size),
    )
)


@given(
    images,
    st.integers(1, 10),
    st.sampled_from(["oklab", "cielab", "srgb"]),
    st.integers(0, 2**32),
    st.sampled_from(["share", "lightness", "hue"]),
)
def test_every_palette_satisfies_the_invariants(image, k, space, seed, sort):
    palette = _extract(image, k=k, space=space, seed=seed, sort=sort)
    check_palette_invariants(palette, k)
    assert palette.meta["opaque_pixels"] == image.shape[0] * image.shape[1]
    assert palette.meta["space"] == space
    n_distinct = np.unique(image.reshape(-1, 3), axis=0).shape[0]
    assert len(palette) <= n_distinct
    if n_distinct <= k:
        # Few colors: the palette is exactly the image's colors and counts.
        colors, counts = np.unique(image.reshape(-1, 3), axis=0, return_counts=True)
        expected = {
            "#{:02x}{:02x}{:02x}".format(*c): int(n) for c, n in zip(colors, counts, strict=True)
        }
        assert {s.hex: s.count for s in palette} == expected


@given(images, st.integers(1, 8), st.randoms(use_true_random=False))
def test_pixel_order_does_not_matter(image, k, random):
    flat = image.reshape(-1, 3)
    order = list(range(flat.shape[0]))
    random.shuffle(order)
    shuffled = flat[order].reshape(image.shape)
    a = _extract(image, k=k)
    b = _extract(shuffled, k=k)
    if "flat_graphic" in a.meta or "flat_graphic" in b.meta:
        # A flat graphic is recognised by its layout (palettekit.flat: patches
        # of one exact color), which shuffling destroys; when k covers the
        # image's colors, both are the image's own colors and counts.
        if k >= np.unique(flat, axis=0).shape[0]:
            assert {s.hex: s.count for s in a} == {s.hex: s.count for s in b}
        return
    assert a == b
    assert _canonical_json(a) == _canonical_json(b)


@pytest.mark.parametrize("seed", range(3))
def test_pixel_order_does_not_matter_on_a_photo_like_image(seed):
    image = photo_like(seed)
    shuffled = np.random.default_rng(seed).permutation(image.reshape(-1, 3)).reshape(image.shape)
    a = palettekit.extract(image, k=8)
    b = palettekit.extract(shuffled, k=8)
    assert a.meta["histogram_bins"] > 1024  # the coarse-to-fine path ran
    assert _canonical_json(a) == _canonical_json(b)


# --- determinism ---------------------------------------------------------------------


@pytest.mark.parametrize("space", ["oklab", "cielab", "srgb"])
def test_same_seed_same_palette_and_byte_identical_json(space):
    image = photo_like(7)
    a = palettekit.extract(image, k=8, seed=3, space=space)
    b = palettekit.extract(image, k=8, seed=3, space=space)
    assert a == b
    assert _canonical_json(a) == _canonical_json(b)
    assert a.meta["seed"] == 3
    check_palette_invariants(a, 8)


def test_the_seed_is_the_only_source_of_randomness():
    image = photo_like(8)
    np.random.seed(0)
    a = palettekit.extract(image, k=8)
    np.random.seed(1)
    b = palettekit.extract(image, k=8)
    assert _canonical_json(a) == _canonical_json(b)


_SUBPROCESS_SCRIPT = """
import json, sys
sys.path[:0] = {paths!r}
import numpy as np
import palettekit
sys.path.insert(0, {tests!r})
from test_pipeline import photo_like
out = []
for space in ("oklab", "cielab"):
    palette = palettekit.extract(photo_like(11), k=8, seed=5, space=space)
    out.append(json.dumps(palette.to_dict(), sort_keys=True))
print(json.dumps(out))
"""


def test_identical_results_in_a_separate_python_process():
    script = _SUBPROCESS_SCRIPT.format(
        paths=[p for p in sys.path if p], tests=str(Path(__file__).parent)
    )
    runs = []
    for _ in range(2):
        completed = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
        )
        assert completed.returncode == 0, completed.stderr
        runs.append(json.loads(completed.stdout))
    here = [
        _canonical_json(palettekit.extract(photo_like(11), k=8, seed=5, space=space))
        for space in ("oklab", "cielab")
    ]
    assert runs[0] == runs[1] == here


# --- tiny and few-color images -------------------------------------------------------


def test_one_by_one_image():
    image = np.array([[[12, 200, 99]]], dtype=np.uint8)
    with pytest.warns(FewerColorsWarning, match="only 1 distinct color"):
        palette = palettekit.extract(image, k=5)
    assert palette.hex == ["#0cc863"]
    assert palette.shares == [1.0]
    assert palette.meta["k"] == 5
    assert palette.meta["k_returned"] == 1
    assert list(palette.meta["warnings"]) == [
        "<array 1x1x3 uint8>: only 1 distinct color (asked for k=5)"
    ]
    # k=1 asks for exactly what there is: no warning (warnings are errors here).
    assert palettekit.extract(image, k=1).hex == ["#0cc863"]


@pytest.mark.parametrize("space", ["oklab", "cielab", "srgb"])
def test_single_color_image_gives_that_exact_color(space):
    image = np.full((40, 30, 3), (1, 254, 128), dtype=np.uint8)
    with pytest.warns(FewerColorsWarning):
        palette = palettekit.extract(image, k=8, space=space)
    assert palette.hex == ["#01fe80"]
    assert palette[0].count == 1200
    assert palette[0].share == 1.0


def test_fewer_distinct_colors_than_k_gives_them_exactly_with_a_warning():
    colors = [(255, 0, 0), (0, 0, 255), (10, 10, 10)]
    image = blocks(colors, [50, 30, 20])
    with pytest.warns(FewerColorsWarning, match=r"only 3 distinct colors \(asked for k=6\)"):
        palette = palettekit.extract(image, k=6)
    assert palette.hex == ["#ff0000", "#0000ff", "#0a0a0a"]
    assert palette.shares == [0.5, 0.3, 0.2]
    assert palette.meta["k"] == 6
    assert palette.meta["k_returned"] == 3
    assert len(palette.meta["warnings"]) == 1


def test_warn_false_keeps_the_note_in_meta_without_warning():
    image = blocks([(1, 2, 3), (4, 5, 6)], [3, 1])
    palette = palettekit.extract(image, k=4, warn=False)  # warnings are errors here
    assert len(palette) == 2
    assert "only 2 distinct colors" in palette.meta["warnings"][0]


def test_exactly_k_distinct_colors_gives_no_warning():
    image = blocks([(0, 0, 0), (255, 255, 255), (0, 128, 0)], [5, 3, 2])
    palette = palettekit.extract(image, k=3)
    assert palette.shares == [0.5, 0.3, 0.2]
    assert list(palette.meta["warnings"]) == []


def test_near_identical_colors_are_kept_apart_when_k_allows():
    # 256 colors or fewer are counted exactly (not binned), so colors one
    # level apart stay distinct swatches.
    image = blocks([(100, 100, 100), (101, 100, 100), (100, 101, 100)], [6, 3, 1])
    palette = palettekit.extract(image, k=3)
    assert palette.hex == ["#646464", "#656464", "#646564"]


# --- alpha ---------------------------------------------------------------------------


def _half_transparent(opaque_color=(20, 120, 220), hidden_color=(255, 0, 255)) -> np.ndarray:
    image = np.zeros((10, 10, 4), dtype=np.uint8)
    image[:, :5, :3] = opaque_color
    image[:, :5, 3] = 255
    image[:, 5:, :3] = hidden_color
    image[:, 5:, 3] = 0
    return image


def test_transparent_pixels_are_ignored_and_their_share_reported():
    image = _half_transparent()
    with pytest.warns(FewerColorsWarning):
        palette = palettekit.extract(image, k=3)
    assert palette.hex == ["#1478dc"]
    assert palette.shares == [1.0]
    assert palette.meta["pixels"] == 100
    assert palette.meta["opaque_pixels"] == 50
    assert palette.meta["transparent_share"] == 0.5


def test_alpha_threshold_decides_what_is_transparent():
    image = _half_transparent()
    image[:, 5:, 3] = 100
    with pytest.warns(FewerColorsWarning):
        assert palettekit.extract(image, k=3, alpha_threshold=101).hex == ["#1478dc"]
    palette = palettekit.extract(image, k=2, alpha_threshold=100)
    assert sorted(palette.hex) == ["#1478dc", "#ff00ff"]
    assert palette.meta["transparent_share"] == 0.0
    assert palette.shares == [0.5, 0.5]


def test_fully_transparent_image_is_an_empty_image_error():
    image = np.zeros((8, 8, 4), dtype=np.uint8)
    with pytest.raises(EmptyImageError, match="transparent") as info:
        palettekit.extract(image)
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


def test_composite_on_blends_instead_of_dropping():
    image = np.zeros((4, 4, 4), dtype=np.uint8)
    with pytest.warns(FewerColorsWarning):
        palette = palettekit.extract(image, k=3, composite_on="#336699")
    assert palette.hex == ["#336699"]
    assert palette.meta["transparent_share"] == 0.0
    image = _half_transparent()
    image[:, 5:, 3] = 128
    palette = palettekit.extract(image, k=2, composite_on=(255, 255, 255))
    # 255 * 128/255 + 255 * 127/255 = 255 for red; green, blue: 0 + 127 = 127.
    assert sorted(palette.hex) == ["#1478dc", "#ff7fff"]


# --- spaces, sizes, sources ----------------------------------------------------------


@pytest.mark.parametrize("space", ["cielab", "srgb"])
def test_other_spaces_work_and_find_well_separated_colors(space):
    colors = [(230, 30, 30), (30, 200, 40), (20, 40, 210), (250, 250, 240)]
    rng = np.random.default_rng(0)
    pixels = np.repeat(np.array(colors), [400, 300, 200, 100], axis=0)
    noisy = np.clip(pixels + rng.integers(-6, 7, pixels.shape), 0, 255).astype(np.uint8)
    palette = palettekit.extract(noisy.reshape(50, 20, 3), k=4, space=space)
    check_palette_invariants(palette, 4)
    assert palette.meta["space"] == space
    for swatch, color, count in zip(palette, colors, [400, 300, 200, 100], strict=True):
        assert swatch.count == count
        assert np.abs(np.array(swatch.rgb) - color).max() <= 2


def test_max_pixels_bounds_the_working_size_and_none_keeps_it_all():
    image = photo_like(3, height=60, width=80)
    small = palettekit.extract(image, k=4, max_pixels=1200)
    width, height = small.meta["working_size"]
    assert width * height <= 1200
    assert small.meta["opaque_pixels"] == width * height
    assert list(small.meta["original_size"]) == [80, 60]
    full = palettekit.extract(image, k=4, max_pixels=None)
    assert list(full.meta["working_size"]) == [80, 60]
    assert full.meta["opaque_pixels"] == 4800
    assert sum(s.count for s in full) == 4800


def test_every_source_kind_gives_the_same_palette(tmp_path):
    image = photo_like(5, height=40, width=50)
    path = tmp_path / "image.png"
    Image.fromarray(image).save(path)
    data = path.read_bytes()
    expected = palettekit.extract(image, k=6)
    with open(path, "rb") as handle:
        from_open_file = palettekit.extract(handle, k=6)
    sources = {
        "str": str(path),
        "Path": path,
        "bytes": data,
        "bytearray": bytearray(data),
        "BytesIO": io.BytesIO(data),
        "PIL RGB": Image.fromarray(image),
        "PIL RGBA": Image.fromarray(np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])),
        "uint8 array": image,
        "float array": image / 255.0,
        "float32 array": (image / 255.0).astype(np.float32),
    }
    for kind, source in sources.items():
        palette = palettekit.extract(source, k=6)
        assert palette == expected, kind
    assert from_open_file == expected
    assert palettekit.extract(str(path), k=6).meta["format"] == "PNG"


def test_options_object_and_keywords_combine():
    image = photo_like(4, height=30, width=30)
    base = Options(k=3, space="cielab")
    a = palettekit.extract(image, options=base)
    b = palettekit.extract(image, options=base, seed=0)
    c = palettekit.extract(image, k=3, space="cielab")
    assert a == b == c
    assert len(palettekit.extract(image, 5, options=base)) == 5
    assert a.meta["options"] == base.to_dict()


def test_bad_options_are_refused_before_any_work():
    with pytest.raises(OptionsError, match="unknown option"):
        palettekit.extract("no-such-file.png", colours=5)
    with pytest.raises(OptionsError, match="k must"):
        palettekit.extract(np.zeros((2, 2, 3), np.uint8), k=0)


def test_meta_describes_the_run_and_timings_stay_out_of_to_dict():
    image = photo_like(6, height=20, width=30)
    palette = palettekit.extract(image, k=4, seed=9)
    meta = palette.meta
    assert meta["source"] == "<array 20x30x3 uint8>"
    assert meta["seed"] == 9
    assert meta["version"] == palettekit.__version__
    assert meta["options"]["seed"] == 9
    assert set(meta["timings"]) >= {"load", "pixels", "histogram", "cluster", "palette"}
    assert "timings" not in palette.to_dict()["meta"]
    assert meta["distortion"] >= 0


def test_palette_from_pixels_and_from_histogram_agree_with_extract():
    image = photo_like(9, height=40, width=40)
    options = Options(k=5)
    via_extract = palettekit.extract(image, options=options)
    via_pixels = palette_from_pixels(image.reshape(-1, 3), options)
    assert via_pixels == via_extract
    histogram = color_histogram(image.reshape(-1, 3), options.histogram_bits)
    assert palette_from_histogram(histogram, options) == via_extract


def test_palette_from_an_empty_histogram_is_an_empty_image_error():
    with pytest.raises(EmptyImageError):
        palette_from_histogram(color_histogram(np.zeros((0, 3), np.uint8)), Options())


# --- quality against scikit-learn on real photos -------------------------------------


def _oklab_distortion(pixels_oklab: np.ndarray, centers_oklab) -> float:
    """The project's distortion: mean Oklab distance to the nearest center."""
    centers = np.asarray(centers_oklab, dtype=np.float64)
    return float(np.sqrt(squared_distances(pixels_oklab, centers).min(axis=1)).mean())


def _quality_ratio(name: str, k: int = 8) -> float:
    """Our distortion / scikit-learn KMeans' on every working pixel, in Oklab."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    from palettekit.load import load_image

    path = CQ100 / f"{name}.png"
    options = Options(k=k)
    palette = palettekit.extract(path, options=options)
    working = load_image(path, options).to_array().reshape(-1, 3)
    assert palette.meta["opaque_pixels"] == working.shape[0]
    pixels = srgb_to_oklab(working / 255.0)
    ours = _oklab_distortion(pixels, [s.oklab for s in palette])
    with threadpool_limits(limits=1):  # OpenMP threads are slow to wake on a busy machine
        reference = KMeans(n_clusters=k, random_state=0).fit(pixels)
    theirs = _oklab_distortion(pixels, reference.cluster_centers_)
    return ours / theirs


needs_cq100 = pytest.mark.skipif(not CQ100.is_dir(), reason="CQ100 corpus not present")


@needs_cq100
@pytest.mark.parametrize(
    "name",
    [
        "kingfisher",
        "macaws",
        "astronaut",
        "floating_market",
        "siberian_tiger",  # dark: needs the lightness-spaced histogram bins
        "grilled_food",
        "king_penguin",
        "moroccan_babouches",
    ],
)
def test_distortion_is_within_one_percent_of_sklearn_kmeans_on_all_pixels(name):
    # Our palette comes from a 5-bit histogram and rounded 8-bit colors;
    # scikit-learn clusters every working pixel in Oklab. Distortion is the
    # project's quality measure (README, bench/): mean Oklab distance from
    # each working pixel to its nearest palette color. The polish weighs
    # pixels left farther than 0.12 from every color more (kmedians_palette),
    # a deliberate trade of up to 1% of distortion for not leaving out a
    # clearly different color (test_palette_keeps_small_distinct_colors).
    assert _quality_ratio(name) <= 1.01


def _missed_area(path: Path, palette: palettekit.Palette) -> float:
    """bench/metrics.py's missed area: the share of the image (at <= 256 px)
    in 8-connected regions of at least 0.2% whose pixels are all more than
    0.12 (Oklab) from every palette color."""
    from scipy import ndimage

    with Image.open(path) as image:
        small = image.convert("RGB")
        small.thumbnail((256, 256), Image.Resampling.BOX)
    pixels = srgb_to_oklab(np.asarray(small) / 255.0)
    flat = pixels.reshape(-1, 3)
    centers = np.array([s.oklab for s in palette])
    missed = (squared_distances(flat, centers).min(axis=1) > 0.12**2).reshape(pixels.shape[:2])
    labels, _ = ndimage.label(missed, structure=np.ones((3, 3), dtype=bool))
    sizes = np.bincount(labels.ravel())[1:]
    return float(sizes[sizes >= 0.002 * missed.size].sum()) / missed.size


@needs_cq100
@pytest.mark.parametrize(
    ("name", "k", "most"),
    [
        # Missed area with the plain median polish: 8.7%, 11.6%, 3.6%.
        ("macaws", 5, 0.04),
        ("crepe_paper", 5, 0.04),
        ("italian_hot_air_balloon", 8, 0.02),
    ],
)
def test_palette_keeps_small_distinct_colors(name, k, most):
    # A small area of a clearly different color must not be left to the
    # nearest large area's color just because that lowers mean distortion.
    path = CQ100 / f"{name}.png"
    assert _missed_area(path, palettekit.extract(path, k=k)) <= most


def test_fewer_colors_warning_points_at_the_callers_line():
    # extract() and palette_from_pixels() reach the warning through different
    # depths; both must name this file, not a palettekit module.
    image = np.zeros((4, 4, 3), dtype=np.uint8)
    with pytest.warns(FewerColorsWarning) as caught:
        palettekit.extract(image, k=3)
    assert caught[0].filename == __file__
    with pytest.warns(FewerColorsWarning) as caught:
        palette_from_pixels(image.reshape(-1, 3), Options(k=3))
    assert caught[0].filename == __file__


def test_a_cluster_lost_by_k_means_is_refilled_and_no_false_warning(monkeypatch):
    # ball_caps.png at k=256 once gave 255 colors and "only 255 distinct colors"
    # although it has 34,871: a cluster had ended empty.
    import palettekit.kmedians_palette as kmedians_palette

    real_kmedians = kmedians_palette.weighted_kmedians

    def lose_one(*args, **kwargs):  # every k-medians run loses its last cluster
        result = real_kmedians(*args, **kwargs)
        return dataclasses.replace(result, centers=result.centers[:-1], weights=result.weights[:-1])

    monkeypatch.setattr(kmedians_palette, "weighted_kmedians", lose_one)
    image = photo_like(seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        palette = palettekit.extract(image, k=12)
    assert len(palette) == 12 and palette.meta["warnings"] == ()
    assert sum(s.count for s in palette) == palette.meta["opaque_pixels"]
    assert len({s.hex for s in palette}) == 12


def test_fewer_colors_warning_counts_the_image_colors():
    image = np.zeros((4, 6, 3), dtype=np.uint8)
    image[:, 2:4] = (200, 10, 10)
    image[:, 4:] = (10, 10, 200)
    with pytest.warns(FewerColorsWarning, match=r"only 3 distinct colors \(asked for k=5\)"):
        palette = palettekit.extract(image, k=5)
    assert len(palette) == 3


def test_every_kind_of_source_gives_the_same_palette_except_a_passed_jpeg(tmp_path):
    # As the README says: one palette whatever the source, except a large JPEG
    # passed as a PIL image, which is not decoded at reduced scale.
    pixels = photo_like(seed=9, height=900, width=1200)
    for fmt in ("PNG", "JPEG"):
        path = tmp_path / f"photo.{fmt.lower()}"
        Image.fromarray(pixels).save(path, fmt, quality=92)
        data = path.read_bytes()
        from_path = palettekit.extract(path, k=6, max_pixels=60_000).to_dict()["colors"]
        for other in (data, io.BytesIO(data)):
            assert palettekit.extract(other, k=6, max_pixels=60_000).to_dict()["colors"] == (
                from_path
            )
        with Image.open(path) as opened:
            from_image = palettekit.extract(opened, k=6, max_pixels=60_000).to_dict()["colors"]
        if fmt == "PNG":
            assert from_image == from_path
        else:
            assert from_image != from_path  # the documented difference exists ...
            shares = sorted(c["share"] for c in from_path)
            image_shares = sorted(c["share"] for c in from_image)
            moved = max(abs(a - b) for a, b in zip(shares, image_shares, strict=True))
            assert moved < 0.06  # ... and is small


def test_merge_identical_sums_the_counts_of_colors_that_round_alike() -> None:
    from palettekit.pipeline import _merge_identical

    rgb8 = np.array([[10, 20, 30], [1, 2, 3], [10, 20, 30], [200, 0, 0]], dtype=np.uint8)
    counts = np.array([5, 7, 11, 13], dtype=np.int64)
    merged, summed = _merge_identical(rgb8, counts)
    assert merged.tolist() == [[1, 2, 3], [10, 20, 30], [200, 0, 0]]
    assert summed.tolist() == [7, 16, 13] and summed.dtype == np.int64
    # Distinct colors come back as they are (the same arrays, in their order).
    distinct, same = _merge_identical(rgb8[1:], counts[1:])
    assert np.array_equal(distinct, rgb8[1:])
    assert same.tolist() == [7, 11, 13]
    empty, none = _merge_identical(rgb8[:0], counts[:0])
    assert empty.shape == (0, 3) and none.shape == (0,)
