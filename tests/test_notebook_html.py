"""palettekit.notebook_html (Palette._repr_html_): content, escaping, self-containment,
theme neutrality."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from output_samples import sample_palette, swatch
from palettekit import ExportError, Palette
from palettekit.display_text import format_share
from palettekit.palette import as_palette


def palette_to_html(palette) -> str:  # type: ignore[no-untyped-def]
    """What Jupyter shows: ``_repr_html_`` of the palette (a list of swatches made one)."""
    return as_palette(palette)._repr_html_()


VOID = {"br", "img", "hr", "meta", "link", "input"}


class Outline(HTMLParser):
    """Checks nesting and collects tags, attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip():
            self.text.append(data)


def outline(markup: str) -> Outline:
    parser = Outline()
    parser.feed(markup)
    parser.close()
    assert not parser.errors and not parser.stack, (parser.errors, parser.stack)
    return parser


def styles(parsed: Outline) -> list[str]:
    return [attrs.get("style") or "" for _, attrs in parsed.tags]


def bar_parts(parsed: Outline) -> list[tuple[float, str]]:
    """(width %, background) of each part of the bar."""
    parts = []
    for style in styles(parsed):
        match = re.search(r"flex:0 0 ([0-9.]+)%;background:(#[0-9a-f]{6})", style)
        if match:
            parts.append((float(match.group(1)), match.group(2)))
    return parts


def test_shows_every_swatch():
    palette = sample_palette()
    parsed = outline(palette_to_html(palette))
    text = parsed.text
    for s in palette:
        assert s.hex in text
        assert format_share(s.share) in text
        assert s.name in text
    assert any("6 colors from photos/café terrace.jpg" in t for t in text)
    titles = [attrs["title"] for _, attrs in parsed.tags if "title" in attrs]
    assert "#2b3a4f 50.0% dark blue grey · blue · CSS darkslategray" in titles


def test_bar_follows_the_shares_in_order():
    palette = sample_palette()
    parts = bar_parts(outline(palette_to_html(palette)))
    shown = [s for s in palette if s.share > 0]
    assert [color for _, color in parts] == [s.hex for s in shown]
    for (width, _), s in zip(parts, shown, strict=True):
        assert width == pytest.approx(s.share * 100, abs=1e-4)
    assert sum(width for width, _ in parts) == pytest.approx(100, abs=0.01)


def test_bar_normalizes_shares_and_leaves_out_zero_shares():
    palette = Palette([swatch((1, 2, 3), 2.0), swatch((4, 5, 6), 0.0), swatch((7, 8, 9), 6.0)])
    parsed = outline(palette_to_html(palette))
    assert bar_parts(parsed) == [(25.0, "#010203"), (75.0, "#070809")]
    assert "#040506" in parsed.text  # still listed as a swatch


def test_text_and_attributes_are_escaped():
    evil_name = '<script>alert("x")</script> & co'
    evil_source = '"><img src=x onerror=alert(1)>'
    palette = Palette([swatch((1, 2, 3), 1.0, name=evil_name)], {"source": evil_source})
    markup = palette_to_html(palette)
    assert "<script" not in markup and "<img" not in markup
    parsed = outline(markup)
    assert {tag for tag, _ in parsed.tags} == {"div"}
    assert evil_name in parsed.text  # shown as text, exactly
    assert any(evil_source in t for t in parsed.text)
    titles = [attrs["title"] for _, attrs in parsed.tags if "title" in attrs]
    assert any(evil_name in title for title in titles)
    for _, attrs in parsed.tags:
        assert set(attrs) <= {"style", "title", "role", "aria-label", "class"}


def test_self_contained_and_theme_neutral():
    markup = palette_to_html(sample_palette())
    parsed = outline(markup)
    assert {tag for tag, _ in parsed.tags} == {"div"}  # no <style>, <script>, <img>, <link>
    assert "url(" not in markup and "http" not in markup
    assert "color:inherit" in styles(parsed)[0]
    swatch_colors = {s.hex for s in sample_palette()}
    for style in styles(parsed):
        # no fixed text color, no fixed page-like background: only swatch fills
        assert not re.search(r"(^|;)color:(?!inherit)", style), style
        for value in re.findall(r"background:([^;]+)", style):
            assert value in swatch_colors, style
        for value in re.findall(r"rgba\(([^)]*)\)", style):
            r, g, b, a = (float(v) for v in value.split(","))
            assert r == g == b == 128 and a < 1  # borders: half-transparent mid gray


def test_edges_make_white_and_black_swatches_visible():
    palette = Palette([swatch((255, 255, 255), 0.5), swatch((0, 0, 0), 0.5)])
    parsed = outline(palette_to_html(palette))
    blocks = [s for s in styles(parsed) if "background:#" in s and "flex" not in s]
    assert len(blocks) == 2 and all("box-shadow:inset 0 0 0 1px rgba(" in s for s in blocks)


def test_empty_palette():
    parsed = outline(palette_to_html(Palette([])))
    assert "(no colors)" in parsed.text and bar_parts(parsed) == []


def test_repr_html_is_palette_to_html():
    palette = sample_palette()
    assert palette._repr_html_() == palette_to_html(palette)


def test_deterministic_and_independent_of_timings():
    assert palette_to_html(sample_palette()) == palette_to_html(sample_palette({"load": 99.0}))


def test_bad_swatch():
    with pytest.raises(ExportError):
        palette_to_html([swatch((1, 2, 3), float("nan"))])
