"""Palette.plot and palettekit.plot: the bar and the side-by-side figure with matplotlib (Agg)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import palettekit  # noqa: E402
from palettekit import ExportError, OptionsError, Palette  # noqa: E402
from palettekit.errors import MissingExtraError  # noqa: E402
from palettekit.plot import plot_palette  # noqa: E402
from test_palette import ALL, make_palette, make_swatch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "macaws.png"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bars(ax: Axes) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def labels_of(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def assert_inside(inner, outer, tolerance: float = 0.5) -> None:
    assert inner.x0 >= outer.x0 - tolerance and inner.x1 <= outer.x1 + tolerance, (inner, outer)
    assert inner.y0 >= outer.y0 - tolerance and inner.y1 <= outer.y1 + tolerance, (inner, outer)


def test_plot_draws_one_rectangle_per_swatch_as_wide_as_its_share():
    palette = make_palette()
    ax = palette.plot()
    assert isinstance(ax, Axes)
    rectangles = bars(ax)
    assert len(rectangles) == len(palette)
    total = sum(palette.shares)
    left = 0.0
    for rectangle, swatch in zip(rectangles, palette, strict=True):
        assert rectangle.get_x() == pytest.approx(left)
        assert rectangle.get_width() == pytest.approx(swatch.share / total)
        assert rectangle.get_height() == 1.0
        assert matplotlib.colors.to_hex(rectangle.get_facecolor()) == swatch.hex
        left += rectangle.get_width()
    assert left == pytest.approx(1.0)
    assert ax.get_xlim() == (0.0, 1.0) and not ax.axison


def test_plot_on_a_given_axes_returns_it():
    figure, (first, second) = plt.subplots(1, 2)
    assert make_palette().plot(second) is second
    assert bars(first) == [] and len(bars(second)) == len(ALL)
    assert plot_palette(make_palette(), first) is first


def test_every_color_is_labelled_on_the_bar_or_in_the_legend_and_labels_stay_inside():
    palette = palettekit.extract(SAMPLE, k=12)
    for ax in (palette.plot(), palette.plot(image=SAMPLE).axes[1]):
        figure = ax.get_figure()
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        on_bar = {t.get_text().split("\n")[0] for t in ax.texts}
        legend = ax.get_legend()
        in_legend = set() if legend is None else {t.get_text().split()[0] for t in legend.texts}
        assert on_bar | in_legend == set(palette.hex)
        assert not on_bar & in_legend
        assert len(on_bar) >= 2
        box = ax.get_window_extent(renderer)
        spans = {
            s.hex: r.get_window_extent(renderer) for s, r in zip(palette, bars(ax), strict=True)
        }
        for text in ax.texts:
            extent = text.get_window_extent(renderer)
            assert_inside(extent, box)  # never clipped by the axes
            assert_inside(extent, spans[text.get_text().split("\n")[0]])  # on its own color
        if legend is not None:
            assert_inside(legend.get_window_extent(renderer), figure.bbox)


def test_labels_are_readable_black_or_white_and_can_be_turned_off():
    palette = make_palette([make_swatch((0, 0, 0), 50), make_swatch((255, 255, 255), 50)])
    ax = palette.plot()
    colors = {
        t.get_text().split("\n")[0]: matplotlib.colors.to_hex(t.get_color()) for t in ax.texts
    }
    assert colors == {"#000000": "#ffffff", "#ffffff": "#000000"}
    assert all(t.get_fontsize() >= 7 for t in ax.texts)
    assert (
        ax.texts[0].get_text() == "#000000\n50.0%"
    )  # the share under the code on a tall enough bar
    quiet = palette.plot(labels=False)
    assert len(quiet.texts) == 0 and quiet.get_legend() is None


def test_plot_with_an_image_is_the_image_beside_its_bar():
    palette = palettekit.extract(SAMPLE, k=5)
    figure = palette.plot(image=SAMPLE)
    assert isinstance(figure, Figure)
    image_ax, bar_ax = figure.axes
    (shown,) = image_ax.get_images()
    pixels = np.asarray(shown.get_array())
    assert pixels.shape[2] == 3 and pixels.shape[1] / pixels.shape[0] == pytest.approx(1.5, 0.01)
    assert len(bars(bar_ax)) == 5
    figure.canvas.draw()
    image_box, bar_box = image_ax.get_window_extent(), bar_ax.get_window_extent()
    assert bar_box.x0 >= image_box.x1  # side by side, image first
    assert bar_box.height / bar_box.width == pytest.approx(0.25, 0.01)
    # any source extract accepts: bytes and arrays too
    from_bytes = palette.plot(image=SAMPLE.read_bytes())
    from_array = palette.plot(image=np.full((10, 20, 3), 200, np.uint8))
    assert np.array_equal(from_bytes.axes[0].get_images()[0].get_array(), pixels)
    assert from_array.axes[0].get_images()[0].get_array().shape[:2] == (10, 20)


def test_bad_arguments_are_one_line_errors():
    palette = make_palette()
    _, ax = plt.subplots()
    with pytest.raises(OptionsError, match="not both"):
        palette.plot(ax, image=SAMPLE)
    with pytest.raises(OptionsError, match="Axes"):
        palette.plot("not an axes")
    with pytest.raises(OptionsError, match="labels"):
        palette.plot(labels="yes")
    with pytest.raises(ExportError):
        Palette([]).plot()
    with pytest.raises(ExportError):
        Palette([make_swatch((1, 2, 3), 0)]).plot()
    with pytest.raises(FileNotFoundError):
        palette.plot(image="/nonexistent/image.png")


def test_without_matplotlib_plot_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # import fails as if missing
    with pytest.raises(MissingExtraError, match=r"pip install 'palettekit\[plot\]'"):
        make_palette().plot()


def test_matplotlib_is_imported_only_when_a_palette_is_plotted():
    script = (
        "import sys, palettekit, palettekit.plot\n"
        "p = palettekit.extract('" + str(SAMPLE) + "', k=3)\n"
        "p.to_numpy(); p.hex\n"
        "assert 'matplotlib' not in sys.modules, 'imported too early'\n"
        "import matplotlib; matplotlib.use('Agg'); p.plot()\n"
        "assert 'matplotlib.pyplot' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
