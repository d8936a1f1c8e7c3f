"""Pictures of a palette, as Pillow images: the proportional bar and the figure.

* :func:`palette_bar` -- one rectangle per swatch, side by side, each as wide
  as its share of the bar (300 x 50 by default, as in the classic k-means
  palette tutorial), optionally labelled with hex codes.
* :func:`figure` -- the image, upright and at a display size, with its bar
  under it: a card ready to save or show.
* :func:`save_png` writes an image atomically; :func:`png_bytes` encodes one.

Widths are an exact integer partition of the bar (:func:`bar_widths`), so the
bar has no gaps, no overlaps and no seam of background color, whatever its
width.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .display_text import format_share
from .errors import ExportError, OptionsError
from .options import Options, parse_color
from .palette import PaletteLike, as_palette
from .roles import relative_luminance

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

    from .load import ImageSource

__all__ = [
    "palette_bar",
    "figure",
    "bar_widths",
    "text_color_for",
    "png_bytes",
    "save_png",
    "MAX_RENDER_PIXELS",
    "MAX_RENDER_SIDE",
]

MAX_RENDER_PIXELS = 40_000_000
"""Largest picture (width x height) :func:`palette_bar` and :func:`figure` draw
(120 MB of RGB); larger sizes are an :class:`~palettekit.OptionsError`."""

MAX_RENDER_SIDE = 32_767
"""Largest width or height, in pixels."""

RGB = tuple[int, int, int]

_BLACK: RGB = (0, 0, 0)
_WHITE: RGB = (255, 255, 255)

# Label layout, as fractions of the bar height, in pixels where stated.
_LABEL_FONT_SHARE = 0.28  # font size / bar height, for one line of text
_LABEL_MIN_FONT = 9  # smaller text is unreadable: leave the swatch unlabelled
_LABEL_MAX_FONT = 22
_LABEL_MIN_SHRINK = 0.7  # labels may shrink to this fraction of the ideal size to fit
_LABEL_PAD = 4  # free pixels kept on each side of a label
_TWO_LINE_HEIGHT = 3.4  # bar height / font size from which the share goes under the hex
_TWO_LINE_MIN_FONT = 13  # ... if the share's smaller font stays readable
_LABEL_SMALL_FONT = 11  # a swatch too narrow for the common size gets its code this small

# Figure layout; the legend lists the colors whose code does not fit on the bar.
_LEGEND_FONT_SHARE = 0.19  # legend font size / bar height
_LEGEND_MIN_FONT = 11
_LEGEND_MAX_FONT = 16
# Figure layout.
_FIGURE_WIDTH = 600
_FIGURE_BAR_HEIGHT = 72
_FIGURE_MARGIN = 16
_FIGURE_MAX_WIDTH = 4096
_FIGURE_MIN_BAR_SHARE = 0.5  # the bar is at least this fraction of ``width``
_FIGURE_OVERSAMPLE = 4  # decode at up to this many times the display pixels
_FRAME_DARKEN = 0.14  # hairline around image and bar: background this much darker


# --- sizes and checks ----------------------------------------------------------------


def _check_size(name: str, value: object, low: int = 1) -> int:
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionsError(f"{name} must be an integer, got {value!r}")
    assert isinstance(value, int)
    if not low <= value <= MAX_RENDER_SIDE:
        raise OptionsError(f"{name} must be between {low} and {MAX_RENDER_SIDE}, got {value}")
    return value


def _check_area(width: int, height: int) -> None:
    if width * height > MAX_RENDER_PIXELS:
        raise OptionsError(
            f"{width}x{height} is too large to draw (at most {MAX_RENDER_PIXELS:,} pixels)"
        )


def _check_flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    raise OptionsError(f"{name} must be True or False, got {value!r}")


# --- the partition -------------------------------------------------------------------


def bar_widths(shares: Sequence[float], width: int) -> list[int]:
    """Split ``width`` pixels among swatches in proportion to their shares.

    Largest-remainder (Hamilton) apportionment in exact rational arithmetic:
    each part is the floor of its exact size ``share / sum(shares) * width``,
    and the pixels left over go one each to the largest fractional parts
    (the earlier swatch first on a tie). So the parts sum exactly to
    ``width``, every part is its exact size rounded down or up, a zero share
    gets 0 pixels, and a share too small for one pixel may get 0 too.

    Parameters
    ----------
    shares : sequence of float
        Finite, >= 0, not all 0; need not sum to 1.
    width : int
        Pixels to split, >= 0.

    Returns
    -------
    list of int
        One width per share, in order; ``sum == width``.

    Raises
    ------
    ExportError
        A share is negative or not finite, or all shares are 0.
    """
    exact: list[Fraction] = []
    for share in shares:
        try:
            value = Fraction(share)
        except (TypeError, ValueError, OverflowError):
            raise ExportError(f"share must be a finite number, got {share!r}") from None
        if value < 0:
            raise ExportError(f"share must be >= 0, got {share!r}")
        exact.append(value)
    total = sum(exact, Fraction(0))
    if total == 0:
        raise ExportError("cannot draw a palette whose shares are all 0 (or that has no colors)")
    quotas = [value * width / total for value in exact]
    parts = [q.numerator // q.denominator for q in quotas]
    left = width - sum(parts)
    by_remainder = sorted(range(len(parts)), key=lambda i: (parts[i] - quotas[i], i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


# --- text on colors ------------------------------------------------------------------


def text_color_for(rgb: Sequence[int]) -> RGB:
    """Black or white, whichever has the higher WCAG contrast ratio on ``rgb``.

    Parameters
    ----------
    rgb : sequence of 3 int
        Background sRGB color in [0, 255].

    Returns
    -------
    tuple of 3 int
        ``(0, 0, 0)`` or ``(255, 255, 255)``; black on a tie.
    """
    luminance = float(relative_luminance(rgb))
    on_black = (luminance + 0.05) / 0.05
    on_white = 1.05 / (luminance + 0.05)
    return _BLACK if on_black >= on_white else _WHITE


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _text_size(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont
) -> tuple[int, int]:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font, anchor="ls")
    return math.ceil(right - left), math.ceil(bottom - top)


def _label_size(
    draw: ImageDraw.ImageDraw, swatches: Sequence[Any], widths: Sequence[int], ideal: int
) -> int:
    """One font size for all labels: the largest in [``ideal`` * 0.7, ``ideal``]
    that labels as many swatches as the smallest size in that range would."""
    floor = max(_LABEL_MIN_FONT, round(ideal * _LABEL_MIN_SHRINK))

    def labelled(size: int) -> int:
        font = _font(size)
        return sum(
            1
            for s, w in zip(swatches, widths, strict=True)
            if _text_size(draw, s.hex, font)[0] <= w - 2 * _LABEL_PAD
        )

    best = labelled(floor)
    for size in range(ideal, floor, -1):
        if labelled(size) >= best:
            return size
    return floor


def _draw_labels(
    draw: ImageDraw.ImageDraw,
    swatches: Sequence[Any],
    widths: Sequence[int],
    height: int,
) -> list[bool]:
    """Hex codes (and shares, in a tall bar) centered in each swatch that fits them.

    One common font size is chosen for the labels; a swatch too narrow for
    it still gets its code in a smaller, still legible size
    (``_LABEL_SMALL_FONT``) when that fits. Returns, per swatch, whether it
    got a label.
    """
    labelled = [False] * len(swatches)
    ideal = min(round(height * _LABEL_FONT_SHARE), _LABEL_MAX_FONT)
    if ideal < _LABEL_MIN_FONT:
        if height < _LABEL_MIN_FONT + 2:
            return labelled  # no room for any text
        ideal = _LABEL_MIN_FONT
    size = _label_size(draw, swatches, widths, ideal)
    font = _font(size)
    small = _font(max(_LABEL_MIN_FONT, round(size * 0.85)))
    narrow = _font(_LABEL_SMALL_FONT) if size > _LABEL_SMALL_FONT else None
    two_lines = size >= _TWO_LINE_MIN_FONT and height >= size * _TWO_LINE_HEIGHT
    x = 0
    for index, (swatch, width) in enumerate(zip(swatches, widths, strict=True)):
        room = width - 2 * _LABEL_PAD
        color = text_color_for(swatch.rgb)
        center = x + width / 2
        if _text_size(draw, swatch.hex, font)[0] <= room:
            share = format_share(swatch.share)
            if two_lines and _text_size(draw, share, small)[0] <= room:
                gap = size * 0.35
                draw.text((center, height / 2 - gap / 2), swatch.hex, color, font, "md")
                draw.text((center, height / 2 + gap / 2), share, color, small, "ma")
            else:
                draw.text((center, height / 2), swatch.hex, color, font, "mm")
            labelled[index] = True
        elif narrow is not None and _text_size(draw, swatch.hex, narrow)[0] <= room:
            draw.text((center, height / 2), swatch.hex, color, narrow, "mm")
            labelled[index] = True
        x += width
    return labelled


# --- the bar -------------------------------------------------------------------------


def palette_bar(
    palette: PaletteLike, width: int = 300, height: int = 50, *, labels: bool = False
) -> Image.Image:
    """The proportional palette bar.

    Parameters
    ----------
    palette : Palette or sequence of Swatch
        At least one swatch with a share > 0.
    width, height : int
        Size in pixels, each in [1, :data:`MAX_RENDER_SIDE`], at most
        :data:`MAX_RENDER_PIXELS` in all. Default 300 x 50.
    labels : bool
        Write each swatch's hex code on it, in black or white (whichever
        contrasts more, :func:`text_color_for`), with Pillow's default font.
        The font size follows the height (a 72 px bar uses 20 px text) and
        shrinks by up to 30% to fit more swatches; a bar tall enough (about
        45 px and up) also shows each share under its code. A swatch too
        narrow for that size gets its code in 11 px text if that fits;
        the swatches left without their code are listed in a legend under
        the bar (a chip, the hex code and the share of each, on white, as
        in :func:`figure`), so every color of a labelled bar can be read.

    Returns
    -------
    PIL.Image.Image
        Mode "RGB", ``(width, height)``, or ``(width, height + legend)``
        when ``labels`` leaves swatches for a legend. One full-height
        rectangle per swatch, left to right in palette order,
        ``bar_widths(shares, width)`` pixels wide (a swatch may get 0 pixels
        if its share is below one pixel's worth).

    Raises
    ------
    OptionsError
        A size out of range, or ``labels`` not a bool.
    ExportError
        The palette has no colors, all shares are 0, or a swatch is invalid.
    """
    width = _check_size("width", width)
    height = _check_size("height", height)
    _check_area(width, height)
    labels = _check_flag("labels", labels)
    swatches = list(as_palette(palette))
    bar, labelled = _bar(swatches, width, height, labels)
    if all(labelled) or not labels:
        return bar
    from PIL import Image

    unlabelled = [s for s, done in zip(swatches, labelled, strict=True) if not done]
    pad = _LABEL_PAD if width > 8 * _LABEL_PAD else 0
    legend = _legend(unlabelled, width - 2 * pad, height, _WHITE)
    _check_area(width, height + legend.size[1])
    card = Image.new("RGB", (width, height + legend.size[1]), _WHITE)
    card.paste(bar, (0, 0))
    card.paste(legend, (pad, height))
    return card


def _bar(
    swatches: Sequence[Any], width: int, height: int, labels: bool
) -> tuple[Image.Image, list[bool]]:
    """The bar, and per swatch whether its code is written on it."""
    from PIL import Image, ImageDraw

    widths = bar_widths([s.share for s in swatches], width)
    bar = Image.new("RGB", (width, height), _WHITE)
    draw = ImageDraw.Draw(bar)
    x = 0
    for swatch, part in zip(swatches, widths, strict=True):
        if part:
            draw.rectangle((x, 0, x + part - 1, height - 1), fill=swatch.rgb)
        x += part
    labelled = _draw_labels(draw, swatches, widths, height) if labels else [False] * len(widths)
    return bar, labelled


# --- the figure ----------------------------------------------------------------------


def _display_size(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """Largest size with the aspect ratio of ``size`` that fits ``box`` (never 0)."""
    width, height = size
    scale = min(box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _on_background(image: Image.Image, background: RGB) -> Image.Image:
    from PIL import Image

    if image.mode == "RGBA":
        base = Image.new("RGBA", image.size, (*background, 255))
        return Image.alpha_composite(base, image).convert("RGB")
    return image.convert("RGB") if image.mode != "RGB" else image


def _frame_color(background: RGB) -> RGB:
    """A hairline color just distinct from the background (darker, or lighter on dark)."""
    if float(relative_luminance(background)) > 0.2:
        return tuple(round(c * (1 - _FRAME_DARKEN)) for c in background)  # type: ignore[return-value]
    return tuple(round(c + (255 - c) * _FRAME_DARKEN) for c in background)  # type: ignore[return-value]


def figure(
    image_source: ImageSource,
    palette: PaletteLike,
    *,
    width: int = _FIGURE_WIDTH,
    bar_height: int = _FIGURE_BAR_HEIGHT,
    labels: bool = True,
    margin: int = _FIGURE_MARGIN,
    background: str | Sequence[int] = "#ffffff",
    options: Options | None = None,
) -> Image.Image:
    """The image with its palette bar under it, on a plain card.

    Layout, top to bottom: ``margin``, the image, ``margin / 2``, the bar,
    the legend if there is one (see ``labels``), ``margin``, with ``margin``
    on the left and right. The image is upright
    (EXIF orientation applied), composited on ``background`` if it has
    transparency, and scaled to fit a ``width`` x ``width`` box (a landscape
    photo is ``width`` wide; a small image is enlarged, with crisp pixels
    when it grows 2x or more). The bar is as wide as the image, but at least
    half of ``width``; a narrower image is centered over it. A hairline
    frames the image and the bar, so a swatch the color of the background
    still shows its edge.

    Parameters
    ----------
    image_source
        Anything :func:`palettekit.load.load_image` reads (path, URL, bytes,
        file object, PIL image, array). It is decoded at about the display
        size, so a huge photo costs little.
    palette : Palette or sequence of Swatch
        Usually the palette of that image.
    width : int
        Largest width (and height) of the image, in pixels, in [16, 4096].
    bar_height : int
        Height of the bar in pixels, >= 1.
    labels : bool
        Hex codes (and shares, if the bar is tall enough) on the bar, as in
        :func:`palette_bar`, and under the bar a legend with a chip, the hex
        code and the share of every color whose code does not fit on it, so
        that every color of the figure can be read. On by default.
    margin : int
        Space around the image and bar, in pixels, >= 0.
    background : str or sequence of 3 int
        Card color, ``"#rrggbb"`` or (r, g, b). White by default.
    options : Options, optional
        Limits for reading the image (``max_image_pixels``, ``max_bytes``,
        ``timeout``); defaults otherwise.

    Returns
    -------
    PIL.Image.Image
        Mode "RGB".

    Raises
    ------
    OptionsError
        A size, flag or color out of range.
    ImageLoadError, EmptyImageError
        (see :func:`palettekit.load.load_image`) The image cannot be read.
    ExportError
        The palette cannot be drawn (no colors, all shares 0).
    """
    from PIL import Image, ImageDraw

    from .load import load_image

    width = _check_size("width", width, low=16)
    if width > _FIGURE_MAX_WIDTH:
        raise OptionsError(f"width must be between 16 and {_FIGURE_MAX_WIDTH}, got {width}")
    bar_height = _check_size("bar_height", bar_height)
    margin = _check_size("margin", margin, low=0)
    labels = _check_flag("labels", labels)
    card_color = parse_color(background)
    swatches = as_palette(palette)
    if options is None:
        options = Options()
    elif not isinstance(options, Options):
        raise OptionsError(f"options must be an Options, got {type(options).__name__}")

    display_pixels = width * width
    decode_pixels = min(_FIGURE_OVERSAMPLE * display_pixels, max(display_pixels, 16_000_000))
    loaded = load_image(image_source, options, max_pixels=decode_pixels, display=True)
    shown_size = _display_size(loaded.image.size, (width, width))
    shown = _on_background(loaded.image, card_color)
    if shown.size != shown_size:
        # Enlarging a small image 2x or more keeps its pixels crisp (pixel art,
        # flat test images); anything else is resampled smoothly.
        enlarge = shown_size[0] >= 2 * shown.size[0]
        method = Image.Resampling.NEAREST if enlarge else Image.Resampling.LANCZOS
        shown = shown.resize(shown_size, method, reducing_gap=None if enlarge else 3.0)

    bar_width = max(shown_size[0], round(width * _FIGURE_MIN_BAR_SHARE))
    gap = margin // 2
    _check_area(bar_width, bar_height)
    bar, labelled = _bar(list(swatches), bar_width, bar_height, labels)
    legend = None
    if labels and not all(labelled):
        unlabelled = [s for s, done in zip(swatches, labelled, strict=True) if not done]
        legend = _legend(unlabelled, bar_width, bar_height, card_color)
    legend_height = 0 if legend is None else max(gap, 6) + legend.size[1]
    card_size = (
        bar_width + 2 * margin,
        margin + shown_size[1] + gap + bar_height + legend_height + margin,
    )
    _check_area(*card_size)

    card = Image.new("RGB", card_size, card_color)
    image_at = (margin + (bar_width - shown_size[0]) // 2, margin)
    bar_at = (margin, margin + shown_size[1] + gap)
    if margin > 0:
        # Frames first: where image and bar touch (margin 1), content wins.
        draw = ImageDraw.Draw(card)
        frame = _frame_color(card_color)
        for (left, top), (w, h) in ((image_at, shown_size), (bar_at, bar.size)):
            draw.rectangle((left - 1, top - 1, left + w, top + h), outline=frame)
    card.paste(shown, image_at)
    card.paste(bar, bar_at)
    if legend is not None:
        card.paste(legend, (margin, bar_at[1] + bar_height + legend_height - legend.size[1]))
    return card


def _legend(swatches: Sequence[Any], width: int, bar_height: int, background: RGB) -> Image.Image:
    """A legend for the swatches whose code is not on the bar: for each, a chip
    of its color, its hex code and its share, in palette order, in as many
    rows of ``width`` pixels as needed."""
    from PIL import Image, ImageDraw

    size = min(_LEGEND_MAX_FONT, max(_LEGEND_MIN_FONT, round(bar_height * _LEGEND_FONT_SHARE)))
    font = _font(size)
    ink = text_color_for(background)
    frame = _frame_color(background)
    chip = size
    line_height = round(size * 1.6)
    spacing = round(size * 1.4)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    entries = []
    for swatch in swatches:
        text = f"{swatch.hex} {format_share(swatch.share)}"
        entries.append(
            (swatch, text, chip + round(size * 0.45) + _text_size(measure, text, font)[0])
        )
    rows: list[list[tuple[Any, str, int]]] = [[]]
    used = 0
    for entry in entries:
        if rows[-1] and used + spacing + entry[2] > width:
            rows.append([])
            used = 0
        used += (spacing if rows[-1] else 0) + entry[2]
        rows[-1].append(entry)
    legend = Image.new("RGB", (width, line_height * len(rows)), background)
    draw = ImageDraw.Draw(legend)
    for row_index, row in enumerate(rows):
        middle = row_index * line_height + line_height / 2
        x = 0
        for swatch, text, entry_width in row:
            top = round(middle - chip / 2)
            draw.rectangle((x, top, x + chip - 1, top + chip - 1), fill=swatch.rgb, outline=frame)
            draw.text((x + chip + round(size * 0.45), middle), text, ink, font, "lm")
            x += entry_width + spacing
    return legend


# --- writing -------------------------------------------------------------------------


def png_bytes(image: Image.Image) -> bytes:
    """The image encoded as PNG (deterministic: no time stamp, no metadata)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def save_png(image: Image.Image, path: str | os.PathLike[str]) -> None:
    """Write the image as a PNG file atomically (whole or not at all).

    Raises
    ------
    OSError
        The file cannot be written (its ``filename`` is ``path``); nothing
        is left behind.
    """
    from ._io import write_atomic

    write_atomic(path, png_bytes(image))
