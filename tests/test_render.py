"""palettekit.render: the bar (sizes, exact widths, order, labels), the figure, PNG writing."""

from __future__ import annotations

import io
import math
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from output_samples import sample_palette, swatch
from palettekit import (
    EmptyImageError,
    ExportError,
    ImageNotFoundError,
    OptionsError,
    Palette,
    UnsupportedImageError,
)
from palettekit import _io as io_module
from palettekit.render import (
    MAX_RENDER_PIXELS,
    _bar,
    bar_widths,
    figure,
    palette_bar,
    png_bytes,
    save_png,
    text_color_for,
)

RED, BLUE, GREEN, WHITE, BLACK = (220, 20, 30), (20, 40, 200), (30, 160, 60), (255,) * 3, (0,) * 3


def column_runs(row: np.ndarray) -> list[tuple[tuple[int, int, int], int]]:
    """(color, width) of each run of equal pixels in one row, left to right."""
    runs: list[tuple[tuple[int, int, int], int]] = []
    for pixel in row:
        color = tuple(int(c) for c in pixel)
        if runs and runs[-1][0] == color:
            runs[-1] = (color, runs[-1][1] + 1)
        else:
            runs.append((color, 1))
    return runs


def three_colors(shares=(0.5, 0.3, 0.2)) -> Palette:
    return Palette([swatch(c, s) for c, s in zip((RED, BLUE, GREEN), shares, strict=True)])


# --- bar_widths ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shares", "width", "expected"),
    [
        ([0.5, 0.25, 0.125, 0.125], 64, [32, 16, 8, 8]),
        ([1 / 3, 1 / 3, 1 / 3], 100, [34, 33, 33]),  # a tie: the earlier swatch first
        ([1 / 3, 1 / 3, 1 / 3], 2, [1, 1, 0]),
        ([0.6, 0.4], 1, [1, 0]),
        ([0.4, 0.6], 1, [0, 1]),
        ([1.0], 300, [300]),
        ([0.0, 1.0, 0.0], 10, [0, 10, 0]),
        ([2, 1, 1], 8, [4, 2, 2]),  # shares need not sum to 1
        ([0.5, 0.3, 0.2], 0, [0, 0, 0]),
        ([0.9999, 0.0001], 300, [300, 0]),
    ],
)
def test_bar_widths_examples(shares, width, expected):
    assert bar_widths(shares, width) == expected


@given(
    shares=st.lists(st.one_of(st.just(0.0), st.floats(1e-9, 1.0)), min_size=1, max_size=40).filter(
        lambda s: sum(s) > 0
    ),
    width=st.integers(0, 5000),
)
def test_bar_widths_are_a_fair_integer_partition(shares, width):
    parts = bar_widths(shares, width)
    assert len(parts) == len(shares) and sum(parts) == width
    total = sum(Fraction(s) for s in shares)
    for share, part in zip(shares, parts, strict=True):
        quota = Fraction(share) * width / total
        assert math.floor(quota) <= part <= math.ceil(quota)  # the quota rule
        if share == 0:
            assert part == 0
    for i in range(len(shares)):  # a larger share never gets fewer pixels
        for j in range(len(shares)):
            if shares[i] > shares[j]:
                assert parts[i] >= parts[j]


@pytest.mark.parametrize(
    "shares", [[], [0.0, 0.0], [0.5, -0.1], [float("nan"), 1.0], [float("inf")], ["a"]]
)
def test_bar_widths_refuses_bad_shares(shares):
    with pytest.raises(ExportError):
        bar_widths(shares, 10)


# --- the bar -------------------------------------------------------------------------


def test_default_bar_is_300_by_50():
    bar = palette_bar(sample_palette())
    assert bar.size == (300, 50) and bar.mode == "RGB"


@pytest.mark.parametrize(("width", "height"), [(1, 1), (7, 3), (1000, 10), (3, 400), (301, 51)])
def test_any_size(width, height):
    bar = palette_bar(sample_palette(), width, height)
    assert bar.size == (width, height)


@pytest.mark.parametrize("width", [1, 2, 3, 10, 99, 300, 1234])
def test_columns_follow_the_shares_in_palette_order(width):
    palette = sample_palette()
    pixels = np.asarray(palette_bar(palette, width, 6))
    assert (pixels == pixels[:1]).all()  # every column is one color, full height
    expected = [
        (s.rgb, w) for s, w in zip(palette, bar_widths(palette.shares, width), strict=True) if w > 0
    ]
    assert column_runs(pixels[0]) == expected


def test_one_color_fills_the_bar():
    pixels = np.asarray(palette_bar([swatch(BLUE, 1.0)], 20, 5))
    assert (pixels == BLUE).all()


def test_sorted_palette_changes_the_order():
    palette = three_colors((0.2, 0.3, 0.5))
    runs = column_runs(np.asarray(palette_bar(palette, 100, 2))[0])
    assert runs == [(RED, 20), (BLUE, 30), (GREEN, 50)]


def test_bar_is_deterministic():
    one = palette_bar(sample_palette(), 300, 72, labels=True)
    two = palette_bar(sample_palette(), 300, 72, labels=True)
    assert png_bytes(one) == png_bytes(two)


# --- labels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("background", "text"),
    [
        (WHITE, BLACK),
        (BLACK, WHITE),
        ((255, 255, 0), BLACK),
        ((255, 0, 0), BLACK),  # WCAG: 5.3:1 with black, 4.0:1 with white
        ((0, 0, 255), WHITE),
        ((43, 58, 79), WHITE),
        ((216, 200, 160), BLACK),
        ((118, 118, 118), BLACK),
        ((100, 100, 100), WHITE),
    ],
)
def test_text_color_for(background, text):
    assert text_color_for(background) == text


def _contrast(a, b) -> float:
    def lum(rgb):
        lin = [
            (c / 255 / 12.92) if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
            for c in rgb
        ]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((lum(a), lum(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@given(rgb=st.tuples(*[st.integers(0, 255)] * 3))
def test_text_color_is_the_more_readable_one(rgb):
    chosen = text_color_for(rgb)
    other = WHITE if chosen == BLACK else BLACK
    assert _contrast(chosen, rgb) >= _contrast(other, rgb)
    assert _contrast(chosen, rgb) >= 4.5 - 1e-9  # black or white always reaches WCAG AA


@pytest.mark.parametrize(("width", "height"), [(300, 50), (600, 72), (600, 30), (900, 120)])
def test_labels_are_drawn_inside_their_swatch_in_a_readable_color(width, height):
    palette = Palette(
        [
            swatch((20, 30, 60), 0.4),  # dark: white text
            swatch((240, 230, 200), 0.35),  # light: black text
            swatch((200, 40, 40), 0.2),
            swatch((0, 200, 0), 0.05),  # narrow
        ]
    )
    plain = np.asarray(palette_bar(palette, width, height)).astype(int)
    # the bar itself: what follows under it is the legend of unlabelled swatches
    labelled = np.asarray(palette_bar(palette, width, height, labels=True))[:height].astype(int)
    changed = (plain != labelled).any(axis=2)
    x = 0
    labelled_count = 0
    for s, w in zip(palette, bar_widths(palette.shares, width), strict=True):
        inside = changed[:, x : x + w]
        # nothing drawn outside [x + pad, x + w - pad): labels never cross swatches
        assert not changed[:, x : x + 2].any() and not changed[:, x + w - 2 : x + w].any()
        if inside.any():
            labelled_count += 1
            ink = labelled[:, x : x + w][inside]
            text = np.array(text_color_for(s.rgb))
            # anti-aliased ink lies between the swatch and the text color, nearer the text
            darkest = np.abs(ink - text).sum(axis=1).min()
            assert darkest <= 90
        x += w
    assert labelled_count >= 2  # the two wide swatches carry their hex codes


def test_labels_skip_swatches_too_narrow_for_their_code():
    palette = Palette([swatch((20, 30, 60), 0.9), swatch((240, 230, 200), 0.1)])
    plain = np.asarray(palette_bar(palette, 300, 50))
    with_legend = np.asarray(palette_bar(palette, 300, 50, labels=True))
    labelled = with_legend[:50]
    changed = (plain != labelled).any(axis=2)
    assert changed[:, :270].any()
    assert not changed[:, 270:].any()  # 30 px is too narrow for "#f0e6c8"
    # ... so it is listed in a legend under the bar: its chip in its color
    legend = with_legend[50:]
    assert legend.shape[0] >= 11
    assert (legend == (240, 230, 200)).all(axis=2).sum() >= 25
    assert not (legend == (20, 30, 60)).all(axis=2).any()  # the labelled one is not listed


def test_tall_bar_shows_share_under_code():
    """From about 45 px up, labels have two lines (code, share): ink in two bands."""
    palette = Palette([swatch((20, 30, 60), 1.0)])
    plain = np.asarray(palette_bar(palette, 300, 120))
    labelled = np.asarray(palette_bar(palette, 300, 120, labels=True))
    rows = (plain != labelled).any(axis=(1, 2))
    bands = np.flatnonzero(np.diff(rows.astype(int)) == 1)
    assert len(bands) == 2
    low = np.asarray(palette_bar(palette, 300, 30, labels=True))
    low_rows = (np.asarray(palette_bar(palette, 300, 30)) != low).any(axis=(1, 2))
    assert len(np.flatnonzero(np.diff(low_rows.astype(int)) == 1)) == 1


def test_labels_on_a_tiny_bar_are_left_out_and_every_color_goes_to_the_legend():
    palette = sample_palette()
    labelled = np.asarray(palette_bar(palette, 300, 8, labels=True))
    assert np.array_equal(labelled[:8], np.asarray(palette_bar(palette, 300, 8)))
    legend = labelled[8:]
    for color in palette:  # a chip of every color
        assert (legend == color.rgb).all(axis=2).sum() >= 25, color.hex


def test_a_labelled_bar_with_every_code_on_it_has_no_legend():
    palette = Palette([swatch((20, 30, 60), 0.5), swatch((240, 230, 200), 0.5)])
    assert palette_bar(palette, 300, 50, labels=True).size == (300, 50)
    twelve = Palette([swatch((i * 20, 100, 200 - i * 15), 1 / 12) for i in range(12)])
    width, height = palette_bar(twelve, 300, 50, labels=True).size
    assert width == 300 and height > 50


# --- bar errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"width": 0}, "width"),
        ({"width": -5}, "width"),
        ({"width": 2.5}, "width"),
        ({"width": "300"}, "width"),
        ({"width": True}, "width"),
        ({"height": 0}, "height"),
        ({"height": 40_000}, "height"),
        ({"width": 20_000, "height": 20_000}, "too large"),
        ({"labels": "yes"}, "labels"),
        ({"labels": 1}, "labels"),
    ],
)
def test_bar_option_errors(kwargs, needle):
    with pytest.raises(OptionsError, match=needle):
        palette_bar(sample_palette(), **kwargs)


def test_numpy_sizes_are_accepted():
    bar = palette_bar(sample_palette(), np.int64(40), np.int32(4), labels=np.bool_(True))
    # labels on: a 4 px bar has no room for codes, so a legend under it lists them
    assert bar.size[0] == 40 and bar.size[1] > 4
    assert np.array_equal(np.asarray(bar)[:4], np.asarray(palette_bar(sample_palette(), 40, 4)))


def test_largest_allowed_area():
    assert MAX_RENDER_PIXELS >= 4096 * 4096
    with pytest.raises(OptionsError):
        palette_bar(sample_palette(), MAX_RENDER_PIXELS // 10 + 1, 10)


@pytest.mark.parametrize(
    "palette",
    [Palette([]), [], Palette([swatch(RED, 0.0), swatch(BLUE, 0.0)]), [swatch((300, 0, 0), 1.0)]],
)
def test_bar_of_an_undrawable_palette(palette):
    with pytest.raises(ExportError):
        palette_bar(palette)


# --- the figure ----------------------------------------------------------------------


def halves(size=(200, 100), first=RED, second=BLUE, vertical=False, mode="RGB") -> Image.Image:
    """Left/right (or top/bottom) halves in two colors."""
    image = Image.new(mode, size, first)
    w, h = size
    box = (0, h // 2, w, h) if vertical else (w // 2, 0, w, h)
    image.paste(second, box)
    return image


def mean_color(pixels: np.ndarray) -> np.ndarray:
    return pixels.reshape(-1, pixels.shape[-1]).mean(axis=0)


def test_figure_layout():
    palette = three_colors()
    card = figure(halves(), palette, width=100, bar_height=20, margin=10, labels=False)
    assert card.mode == "RGB"
    # margin 10, image 100x50, gap 5, bar 20, margin 10
    assert card.size == (120, 10 + 50 + 5 + 20 + 10)
    pixels = np.asarray(card).astype(int)
    assert (np.abs(mean_color(pixels[12:58, 12:58]) - RED) < 2).all()
    assert (np.abs(mean_color(pixels[12:58, 62:108]) - BLUE) < 2).all()
    bar = pixels[65:85, 10:110]
    assert column_runs(bar[10]) == [(RED, 50), (BLUE, 30), (GREEN, 20)]
    assert (bar == bar[:1]).all()
    assert (pixels[:8] == WHITE).all() and (pixels[-8:] == WHITE).all()
    assert (pixels[:, :8] == WHITE).all() and (pixels[:, -8:] == WHITE).all()
    frame = pixels[9, 9]  # a hairline just outside the image
    assert (frame < 255).all() and (frame > 180).all()


def test_figure_defaults_with_labels():
    card = figure(halves((640, 480)), three_colors())
    assert card.size == (600 + 32, 16 + 450 + 8 + 72 + 16)
    plain = figure(halves((640, 480)), three_colors(), labels=False)
    assert not np.array_equal(np.asarray(card), np.asarray(plain))


def test_figure_of_a_portrait_image_centers_it_over_a_half_width_bar():
    card = figure(
        halves((50, 200)), three_colors(), width=200, bar_height=10, margin=0, labels=False
    )
    # image fits 200x200: 50x200; the bar is at least half of width: 100
    assert card.size == (100, 200 + 0 + 10)
    pixels = np.asarray(card).astype(int)
    assert (pixels[:200, :25] == WHITE).all() and (pixels[:200, 75:] == WHITE).all()
    assert (np.abs(mean_color(pixels[5:195, 27:48]) - RED) < 2).all()
    assert column_runs(pixels[205]) == [(RED, 50), (BLUE, 30), (GREEN, 20)]


def test_figure_honors_exif_orientation(tmp_path):
    # Stored 120x60: red left, blue right. Orientation 6 means "rotate 90
    # degrees clockwise to display": upright it is 60x120, red on top.
    stored = halves((120, 60))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    stored.save(path, format="JPEG", quality=95, exif=exif.tobytes())
    card = figure(path, three_colors(), width=120, bar_height=10, margin=0, labels=False)
    assert card.size == (60, 120 + 10)  # the bar is at least half of width: 60
    pixels = np.asarray(card).astype(int)
    assert np.abs(mean_color(pixels[5:55, 5:55]) - RED).max() < 12
    assert np.abs(mean_color(pixels[65:115, 5:55]) - BLUE).max() < 12


def test_figure_composites_transparency_on_the_background():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((20, 40, 200, 255), (0, 0, 50, 100))
    card = figure(
        image, three_colors(), width=100, margin=0, bar_height=5, labels=False, background="#102030"
    )
    pixels = np.asarray(card).astype(int)
    assert (pixels[10:90, 60:100] == (16, 32, 48)).all()
    assert (np.abs(pixels[10:90, 5:45] - BLUE) <= 1).all()


def test_figure_accepts_bytes_paths_arrays_and_pil_images(tmp_path):
    image = halves((64, 32))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path = tmp_path / "h.png"
    path.write_bytes(buffer.getvalue())
    sources = [
        image,
        buffer.getvalue(),
        path,
        str(path),
        np.asarray(image),
        io.BytesIO(buffer.getvalue()),
    ]
    cards = [figure(s, three_colors(), width=64, labels=False) for s in sources]
    for card in cards[1:]:
        assert np.array_equal(np.asarray(card), np.asarray(cards[0]))


def test_figure_does_not_upscale_beyond_width_and_does_not_change_the_source():
    image = halves((4000, 1000))
    before = image.tobytes()
    card = figure(image, three_colors(), width=400, margin=0, bar_height=10, labels=False)
    assert card.size == (400, 100 + 10)
    assert image.tobytes() == before


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"width": 15}, "width"),
        ({"width": 5000}, "width"),
        ({"bar_height": 0}, "bar_height"),
        ({"margin": -1}, "margin"),
        ({"labels": None}, "labels"),
        ({"background": "nope"}, "color"),
        ({"options": {"k": 3}}, "options"),
    ],
)
def test_figure_option_errors(kwargs, needle):
    with pytest.raises(OptionsError, match=needle):
        figure(halves(), three_colors(), **kwargs)


def test_figure_source_errors(tmp_path):
    with pytest.raises(ImageNotFoundError):
        figure(tmp_path / "missing.png", three_colors())
    with pytest.raises(UnsupportedImageError):
        figure(b"not an image at all", three_colors())
    with pytest.raises(EmptyImageError):
        figure(np.zeros((0, 5, 3), dtype=np.uint8), three_colors())
    with pytest.raises(ExportError):
        figure(halves(), Palette([]))


# --- PNG writing ---------------------------------------------------------------------


def test_save_png_round_trip(tmp_path):
    bar = palette_bar(sample_palette(), 120, 12, labels=True)
    path = tmp_path / "bar.png"
    save_png(bar, path)
    with Image.open(path) as back:
        assert back.format == "PNG"
        assert np.array_equal(np.asarray(back.convert("RGB")), np.asarray(bar))
    assert png_bytes(bar) == path.read_bytes()


def test_save_png_failure_leaves_nothing(tmp_path, monkeypatch):
    path = tmp_path / "figure.png"
    path.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(io_module.os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_png(palette_bar(sample_palette()), path)
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["figure.png"]


@pytest.mark.skipif(not os.path.isdir("/work/shared/corpus/cq100"), reason="corpus absent")
def test_figure_of_a_real_photo():
    import palettekit

    source = "/work/shared/corpus/cq100/macaws.png"
    palette = palettekit.extract(source, k=6)
    plain = figure(source, palette, labels=False)
    assert plain.size == (632, 16 + 400 + 8 + 72 + 16)  # 768x512 shown at 600x400
    card = figure(source, palette)
    _, on_bar = _bar(list(palette), 600, 72, True)
    legend = 0 if all(on_bar) else 8 + 22  # a gap, then one legend row of 14 px text
    assert card.size == (632, 16 + 400 + 8 + 72 + legend + 16)


def test_small_images_are_enlarged_with_crisp_pixels():
    tiny = Image.new("RGB", (4, 2), RED)
    tiny.putpixel((3, 1), BLUE)
    card = figure(tiny, three_colors(), width=40, margin=0, bar_height=4, labels=False)
    assert card.size == (40, 20 + 4)
    pixels = np.asarray(card)
    assert (pixels[:20, :30] == RED).all()
    assert (pixels[10:20, 30:40] == BLUE).all() and (pixels[:10, 30:40] == RED).all()


def test_a_one_pixel_margin_never_covers_the_bar():
    card = figure(halves(), three_colors(), width=100, margin=1, bar_height=6, labels=False)
    assert card.size == (102, 1 + 50 + 0 + 6 + 1)
    bar = np.asarray(card)[51:57, 1:101]
    assert column_runs(bar[0]) == [(RED, 50), (BLUE, 30), (GREEN, 20)]
    assert (bar == bar[:1]).all()


# --- every color of the figure can be read ----------------------------------------------

MACAWS_LIKE = (0.262, 0.163, 0.146, 0.116, 0.100, 0.093, 0.067, 0.053)


def distinct_colors(count: int) -> list[tuple[int, int, int]]:
    return [(20 + 19 * i, 200 - 15 * i, (90 * i) % 256) for i in range(count)]


@pytest.mark.parametrize(
    "shares", [MACAWS_LIKE, (1 / 12,) * 12, (0.5, 0.2, 0.1, 0.06, 0.05, 0.04, 0.03, 0.02)]
)
def test_figure_shows_the_code_of_every_color_on_the_bar_or_in_a_legend(shares):
    # The figure labelled 4 of 8 colors of the macaws at k=8, and none
    # of an image at k=12, although labels are "on in the figure".
    colors = distinct_colors(len(shares))
    palette = Palette([swatch(c, s) for c, s in zip(colors, shares, strict=True)])
    card = np.asarray(figure(halves((768, 512)), palette)).astype(int)
    _, on_bar = _bar(list(palette), 600, 72, True)
    bar_bottom = 16 + 400 + 8 + 72
    legend = card[bar_bottom:-16, 16:-16]
    legend_colors = {tuple(c) for c in legend.reshape(-1, 3)}
    for color, labelled in zip(colors, on_bar, strict=True):
        # an unlabelled color has its chip in the legend; a labelled one has none there
        assert (color in legend_colors) == (not labelled), (color, labelled)
    if all(on_bar):
        assert card.shape[0] == bar_bottom + 16
    # a swatch as wide as the narrowest one that fits its code in 11 px text is labelled
    assert sum(on_bar) >= sum(1 for share in shares if share * 600 >= 56)


def test_macaws_like_palette_labels_six_of_eight_on_the_bar():
    palette = Palette([swatch(c, s) for c, s in zip(distinct_colors(8), MACAWS_LIKE, strict=True)])
    _, on_bar = _bar(list(palette), 600, 72, True)
    assert on_bar == [True] * 6 + [False] * 2


def test_no_legend_without_labels_or_when_every_code_fits():
    palette = Palette([swatch(c, s) for c, s in zip(distinct_colors(8), MACAWS_LIKE, strict=True)])
    assert figure(halves((768, 512)), palette, labels=False).size == (632, 512)
    assert figure(halves((768, 512)), three_colors()).size == (632, 512)
