"""Palettes drawn with matplotlib, for notebooks and scripts: :func:`plot_palette`.

The bar is drawn on a matplotlib ``Axes`` (one rectangle per swatch, as wide
as its share, with its hex code and share written on it where they fit); with
an image, the image and its bar side by side in a new ``Figure``, as the
classic k-means palette tutorial draws them with ``plt.imshow``. Colors whose
label does not fit on their segment are listed in a legend under the bar, so
every color can be read, as in :func:`palettekit.render.figure`.

matplotlib is an optional extra (``palettekit[plot]``), imported only when a
palette is plotted. :meth:`palettekit.Palette.plot` calls :func:`plot_palette`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .display_text import format_share
from .errors import ExportError, OptionsError, require_extra
from .options import Options
from .palette import PaletteLike, as_palette
from .render import text_color_for

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .load import ImageSource

__all__ = ["plot_palette", "BAR_ASPECT", "LABEL_PAD_POINTS"]

BAR_ASPECT = 0.25
"""Height / width of the bar's Axes in the side-by-side figure (the tutorial's
300 x 50 bar is 1/6; a little taller leaves room for two lines of label)."""

LABEL_PAD_POINTS = 3.0
"""Free space, in points, kept between a label and the edges of its segment."""

_FIGURE_HEIGHT = 4.0  # inches, of the side-by-side figure
_BAR_WIDTH = 6.0  # inches, of the bar beside the image
_NEW_BAR_SIZE = (8.0, 1.6)  # inches, of the figure made when ax is None and image is None
_DISPLAY_PIXELS = 1_000_000  # the image is decoded at about this size for display
_MIN_LABEL_POINTS = 7.0  # smaller text is hard to read: the color goes to the legend instead
_LAYOUT_ROUNDS = 4  # label, lay out, measure again (the legend may shrink the bar)


def _pyplot() -> Any:
    return require_extra("matplotlib.pyplot", "plot", "Palette.plot")


def plot_palette(
    palette: PaletteLike,
    ax: Axes | None = None,
    *,
    image: ImageSource | None = None,
    labels: bool = True,
    options: Options | None = None,
) -> Axes | Figure:
    """Draw the proportional palette bar with matplotlib.

    Parameters
    ----------
    palette : Palette or sequence of Swatch
        At least one swatch with a share > 0.
    ax : matplotlib.axes.Axes, optional
        Where to draw the bar; its limits become [0, 1] x [0, 1] and its
        frame and ticks are turned off. None: a new figure (8 x 1.6 inches).
        Not allowed together with ``image``.
    image : optional
        Any source :func:`palettekit.extract` accepts (path, URL, bytes, file
        object, PIL image, numpy array). Given, a new figure shows the image
        (upright, transparency shown on white) and its bar side by side.
    labels : bool
        Write each swatch's hex code (and its share, when the bar is tall
        enough) on it, in black or white (:func:`palettekit.render.text_color_for`);
        a swatch too narrow for its code is listed in a legend under the bar.
    options : Options, optional
        Limits for reading ``image`` (``max_bytes``, ``timeout``, ...).

    Returns
    -------
    matplotlib.axes.Axes or matplotlib.figure.Figure
        The Axes of the bar; with ``image``, the Figure (its ``axes`` are the
        image's and the bar's).

    Raises
    ------
    MissingExtraError
        matplotlib is not installed (``pip install 'palettekit[plot]'``).
    OptionsError
        ``ax`` and ``image`` together, ``ax`` not an Axes, ``labels`` not a bool.
    ExportError
        The palette has no colors, all shares are 0, or a swatch is invalid.
    ImageLoadError, EmptyImageError
        ``image`` cannot be read.
    """
    if not isinstance(labels, bool):
        raise OptionsError(f"labels must be True or False, got {labels!r}")
    swatches = list(as_palette(palette))
    total = sum(s.share for s in swatches)
    if not swatches or total <= 0:
        raise ExportError("cannot draw a palette whose shares are all 0 (or that has no colors)")
    plt = _pyplot()
    from matplotlib.axes import Axes

    if image is not None:
        if ax is not None:
            raise OptionsError("give ax or image, not both: with image, plot makes a new figure")
        return _side_by_side(plt, swatches, total, image, labels, options)
    if ax is None:
        _, ax = plt.subplots(figsize=_NEW_BAR_SIZE, layout="constrained")
    elif not isinstance(ax, Axes):
        raise OptionsError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    _draw_bar(ax, swatches, total, labels)
    return ax


def _side_by_side(
    plt: Any,
    swatches: list[Any],
    total: float,
    image: ImageSource,
    labels: bool,
    options: Options | None,
) -> Figure:
    """A new figure: the image on the left, its bar on the right."""
    import numpy as np

    from .load import load_image

    if options is None:
        options = Options()
    elif not isinstance(options, Options):
        raise OptionsError(f"options must be an Options, got {type(options).__name__}")
    loaded = load_image(image, options, max_pixels=_DISPLAY_PIXELS, display=True)
    pixels = np.asarray(loaded.image)
    height, width = pixels.shape[:2]
    image_width = _FIGURE_HEIGHT * width / height
    figure, (image_ax, bar_ax) = plt.subplots(
        1,
        2,
        figsize=(image_width + _BAR_WIDTH, _FIGURE_HEIGHT),
        width_ratios=[image_width, _BAR_WIDTH],
        layout="constrained",
    )
    image_ax.imshow(pixels, interpolation="antialiased")
    image_ax.set_axis_off()
    bar_ax.set_box_aspect(BAR_ASPECT)
    _draw_bar(bar_ax, swatches, total, labels)
    return figure  # type: ignore[no-any-return]


def _draw_bar(ax: Axes, swatches: list[Any], total: float, labels: bool) -> None:
    """The bar on ``ax``: rectangles left to right in palette order, then labels and legend."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_axis_off()
    spans = []
    left = 0.0
    for swatch in swatches:
        width = swatch.share / total
        ax.add_patch(Rectangle((left, 0.0), width, 1.0, facecolor=swatch.hex, edgecolor="none"))
        spans.append((left, width))
        left += width
    if not labels:
        return
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    # Labels are measured against the bar as laid out; a legend under it can
    # shrink the bar (constrained layout), so measure again until they agree.
    figure.draw_without_rendering()
    texts: list[Any] = []
    for _ in range(_LAYOUT_ROUNDS):
        for text in texts:
            text.remove()
        if ax.get_legend() is not None:
            ax.get_legend().remove()  # type: ignore[union-attr]
        texts, unlabelled = _draw_labels(ax, swatches, spans)
        if unlabelled:
            _legend(ax, unlabelled)
        box = ax.get_window_extent()
        figure.draw_without_rendering()
        if ax.get_window_extent().bounds == box.bounds:
            break


def _hex_color(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _draw_labels(
    ax: Axes, swatches: list[Any], spans: list[tuple[float, float]]
) -> tuple[list[Any], list[Any]]:
    """Hex codes (and shares, on two lines when the bar is tall enough) centered on the
    segments they fit inside, in a smaller size where the common one does not fit;
    returns the texts drawn and the swatches left without a label."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    figure = ax.get_figure()
    assert figure is not None
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    box = ax.get_window_extent(renderer)
    pad = LABEL_PAD_POINTS * figure.dpi / 72.0
    size = float(FontProperties(size=rcParams["font.size"]).get_size_in_points())
    small = max(_MIN_LABEL_POINTS, size * 0.8)
    unlabelled = []
    texts = []
    for swatch, (left, width) in zip(swatches, spans, strict=True):
        ink = _hex_color(text_color_for(swatch.rgb))
        room = width * box.width - 2 * pad
        placed = None
        tries = [(f"{swatch.hex}\n{format_share(swatch.share)}", size), (swatch.hex, size)]
        if small < size:
            tries.append((swatch.hex, small))
        for text, points in tries:
            label = ax.text(
                left + width / 2,
                0.5,
                text,
                color=ink,
                fontsize=points,
                ha="center",
                va="center",
                ma="center",
                family="monospace",
                clip_on=True,
            )
            extent = label.get_window_extent(renderer)
            if extent.width <= room and extent.height <= box.height - 2 * pad:
                placed = label
                break
            label.remove()
        if placed is None:
            unlabelled.append(swatch)
        else:
            texts.append(placed)
    return texts, unlabelled


def _legend(ax: Axes, swatches: list[Any]) -> None:
    """A legend under the bar: a chip, the hex code and the share of each swatch."""
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=s.hex, edgecolor="0.6", label=f"{s.hex} {format_share(s.share)}")
        for s in swatches
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=min(len(handles), 4),
        frameon=False,
        prop={"family": "monospace"},
        handlelength=1.0,
        handleheight=1.0,
        columnspacing=1.2,
    )
