"""Exports for design tools: pure ``to_x(palette)`` functions.

========================  =========  ==========================================
function                  returns    what
========================  =========  ==========================================
:func:`to_ase`            bytes      Adobe Swatch Exchange 1.0, one group of
                                     RGB swatches (Illustrator, InDesign,
                                     Photoshop, Affinity, Krita, GIMP read it)
:func:`to_svg_swatches`   str        SVG: one square per swatch, hex and share
:func:`to_svg_bar`        str        SVG: the proportional palette bar
:func:`to_css_gradient`   str        ``background: linear-gradient(...)``
                                     placeholder, stops in share order
:func:`to_css_dominant`   str        ``background-color: #rrggbb;`` (the
                                     dominant color, for image placeholders)
:func:`to_tailwind`       str        Tailwind theme colors, a full 50-950 scale
                                     per color family (JSON, which is also a
                                     JavaScript object literal)
:func:`to_roles`          str        theme roles as JSON: dominant, accent, a
                                     readable text color per swatch
========================  =========  ==========================================

Every function takes a :class:`~palettekit.palette.Palette` (or any sequence
of swatches) with at least one swatch and is deterministic: the same palette
gives the same bytes.

They are registered in :data:`palettekit.formats.FORMATS` by
:mod:`palettekit.formats`, each holding one palette:

================  ========  ============================  =======================
format name       suffix    media type (download suffix)  function
================  ========  ============================  =======================
``ase``           ``.ase``  application/octet-stream      :func:`to_ase`
``svg``           ``.svg``  image/svg+xml                 :func:`to_svg_swatches`
``svg-bar``       (none)    image/svg+xml (``.svg``)      :func:`to_svg_bar`
``css-gradient``  (none)    text/css (``.css``)           :func:`to_css_gradient`
``css-dominant``  (none)    text/css (``.css``)           :func:`to_css_dominant`
``tailwind``      (none)    application/json (``.json``)  :func:`to_tailwind`
``roles``         (none)    application/json (``.json``)  :func:`to_roles`
================  ========  ============================  =======================
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence

import numpy as np

from ..display_text import format_share
from ..families import FAMILIES, color_families
from ..palette import Swatch


def escape(text: str) -> str:
    """Escape &, < and > for XML text (html.escape is far cheaper to import
    than xml.sax.saxutils, which pulls in urllib and email)."""
    from html import escape as html_escape  # imported when used, as are render and roles

    return html_escape(text, quote=False)


__all__ = [
    "to_ase",
    "to_svg_swatches",
    "to_svg_bar",
    "to_css_gradient",
    "to_css_dominant",
    "to_tailwind",
    "to_roles",
    "TAILWIND_SHADE_LIGHTNESS",
]

# Adobe Swatch Exchange layout (all big-endian): "ASEF", version 1.0 (two
# uint16), number of blocks (uint32); then blocks of type (uint16), length of
# the data that follows (uint32), data. A name is its length in UTF-16 code
# units including a terminating NUL (uint16) then the UTF-16BE text and NUL.
# A color entry is a name, a 4-byte model ("RGB "), one float32 per channel
# in [0, 1] and a color type (uint16: 0 global, 1 spot, 2 normal).
ASE_SIGNATURE = b"ASEF"
ASE_VERSION = (1, 0)
ASE_GROUP_START = 0xC001
ASE_GROUP_END = 0xC002
ASE_COLOR_ENTRY = 0x0001
ASE_COLOR_NORMAL = 2


def _check(palette: Sequence[Swatch]) -> list[Swatch]:
    swatches = list(palette)
    if not swatches:
        raise ValueError("cannot export an empty palette")
    return swatches


def _ase_name(text: str) -> bytes:
    encoded = (text + "\0").encode("utf-16-be")
    units = len(encoded) // 2
    if units > 0xFFFF:
        raise ValueError("ASE names are limited to 65,534 UTF-16 code units")
    return struct.pack(">H", units) + encoded


def _ase_block(block_type: int, data: bytes) -> bytes:
    return struct.pack(">HI", block_type, len(data)) + data


def to_ase(palette: Sequence[Swatch], name: str = "palettekit") -> bytes:
    """Adobe Swatch Exchange (.ase) file with one group of RGB swatches.

    Each swatch is a "normal" (process) RGB color named by its hex code;
    channels are stored as float32 ``value / 255``.

    Parameters
    ----------
    palette : Palette or sequence of Swatch
        At least one swatch; the order is kept.
    name : str
        Name of the group.

    Returns
    -------
    bytes
    """
    swatches = _check(palette)
    blocks = [_ase_block(ASE_GROUP_START, _ase_name(name))]
    for swatch in swatches:
        r, g, b = (channel / 255.0 for channel in swatch.rgb)
        data = _ase_name(swatch.hex) + b"RGB " + struct.pack(">fffH", r, g, b, ASE_COLOR_NORMAL)
        blocks.append(_ase_block(ASE_COLOR_ENTRY, data))
    blocks.append(_ase_block(ASE_GROUP_END, b""))
    header = ASE_SIGNATURE + struct.pack(">HHI", *ASE_VERSION, len(blocks))
    return header + b"".join(blocks)


def _percent(value: float) -> str:
    """A gradient stop's position: a percentage with at most two decimals and no
    trailing zeros. (Shares are written with :func:`palettekit.display_text.format_share`,
    one decimal, as everywhere else.)"""
    text = f"{value * 100.0:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _svg_open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
    ]


def to_svg_bar(
    palette: Sequence[Swatch], width: int = 300, height: int = 50, *, title: str = "palette"
) -> str:
    """SVG palette bar: one rectangle per swatch, widths following the shares.

    Each rectangle's ``<title>`` (its tooltip) is the hex code and the share
    with one decimal (:func:`palettekit.display_text.format_share`, as in the PNG bar
    and the figure). The widths are whole pixels that sum exactly to ``width``, in palette
    order (:func:`palettekit.render.bar_widths`, so the SVG bar matches the
    PNG one); a swatch too small for a pixel gets a zero-width rectangle.

    Parameters
    ----------
    palette : Palette or sequence of Swatch
        At least one swatch.
    width, height : int
        Size in pixels, >= 1.
    title : str
        Text of the SVG ``<title>``.

    Returns
    -------
    str
        A standalone SVG document ending with a newline.
    """
    swatches = _check(palette)
    if width < 1 or height < 1:
        raise ValueError(f"width and height must be >= 1, got {width}x{height}")
    from ..render import bar_widths

    widths = bar_widths([s.share for s in swatches], width)
    lines = _svg_open(width, height, title)
    x = 0
    for swatch, w in zip(swatches, widths, strict=True):
        lines.append(
            f'<rect x="{x}" y="0" width="{w}" height="{height}" fill="{swatch.hex}">'
            f"<title>{swatch.hex} {format_share(swatch.share)}</title></rect>"
        )
        x += w
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def to_svg_swatches(
    palette: Sequence[Swatch],
    size: int = 96,
    *,
    columns: int | None = None,
    labels: bool = True,
    title: str = "palette",
) -> str:
    """SVG swatch sheet: a grid of squares, each labelled with hex and share.

    Labels are drawn in the swatch's readable text color (black or white,
    whichever has the higher WCAG contrast; see :mod:`palettekit.roles`).

    Parameters
    ----------
    palette : Palette or sequence of Swatch
        At least one swatch; drawn left to right, top to bottom.
    size : int
        Side of each square in pixels, >= 1.
    columns : int, optional
        Squares per row (default: all in one row).
    labels : bool
        Write the hex code and share in each square.
    title : str
        Text of the SVG ``<title>``.

    Returns
    -------
    str
        A standalone SVG document ending with a newline.
    """
    from ..roles import text_color

    swatches = _check(palette)
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    n_columns = len(swatches) if columns is None else columns
    if n_columns < 1:
        raise ValueError(f"columns must be >= 1, got {columns}")
    n_columns = min(n_columns, len(swatches))
    n_rows = -(-len(swatches) // n_columns)
    lines = _svg_open(n_columns * size, n_rows * size, title)
    font_size = max(1, size // 8)
    for i, swatch in enumerate(swatches):
        x, y = (i % n_columns) * size, (i // n_columns) * size
        lines.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{swatch.hex}"/>')
        if labels:
            ink = text_color(swatch.rgb).hex
            cx = x + size // 2
            lines.append(
                f'<text x="{cx}" y="{y + size // 2}" fill="{ink}" font-family="monospace" '
                f'font-size="{font_size}" text-anchor="middle">{swatch.hex}</text>'
            )
            lines.append(
                f'<text x="{cx}" y="{y + size // 2 + font_size + 2}" fill="{ink}" '
                f'font-family="monospace" font-size="{font_size}" text-anchor="middle">'
                f"{format_share(swatch.share)}</text>"
            )
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def _by_share(swatches: Sequence[Swatch]) -> list[Swatch]:
    # Largest share first; the palette order breaks ties (sorted is stable).
    return sorted(swatches, key=lambda s: -s.share)


def to_css_gradient(palette: Sequence[Swatch], *, angle: int = 90) -> str:
    """CSS gradient placeholder, colors in share order (largest first).

    Each color's stop sits at the middle of its share of the width, so a
    color covering 40 % of the image spans about 40 % of the gradient and the
    colors blend at the borders between them. One swatch gives a plain
    ``background`` color.

    Parameters
    ----------
    palette : Palette or sequence of Swatch
        At least one swatch.
    angle : int
        Direction of the gradient in degrees (90: left to right).

    Returns
    -------
    str
        One declaration and a newline, e.g.
        ``background: linear-gradient(90deg, #2b3a4f 20%, #d9c9a8 70%);``
    """
    swatches = _by_share(_check(palette))
    if len(swatches) == 1:
        return f"background: {swatches[0].hex};\n"
    total = sum(s.share for s in swatches)
    stops = []
    start = 0.0
    for swatch in swatches:
        share = swatch.share / total
        stops.append(f"{swatch.hex} {_percent(start + share / 2.0)}")
        start += share
    return f"background: linear-gradient({angle}deg, {', '.join(stops)});\n"


def to_css_dominant(palette: Sequence[Swatch]) -> str:
    """The dominant (largest-share) color as a CSS placeholder declaration.

    Returns
    -------
    str
        ``background-color: #rrggbb;`` and a newline.
    """
    from ..roles import dominant_index

    swatches = _check(palette)
    return f"background-color: {swatches[dominant_index(swatches)].hex};\n"


TAILWIND_SHADE_LIGHTNESS = {
    "50": 0.97,
    "100": 0.94,
    "200": 0.89,
    "300": 0.82,
    "400": 0.72,
    "500": 0.64,
    "600": 0.56,
    "700": 0.49,
    "800": 0.43,
    "900": 0.38,
    "950": 0.28,
}
"""Oklab lightness of each Tailwind shade step (about Tailwind 4's defaults)."""


def _tailwind_shades(swatches: Sequence[Swatch]) -> dict[str, dict[str, str]]:
    """Swatches grouped by family, each keyed by its nearest free shade step."""
    families = color_families(np.array([s.oklab for s in swatches]).reshape(-1, 3))
    steps = list(TAILWIND_SHADE_LIGHTNESS)
    taken: dict[str, dict[str, Swatch]] = {}
    # Larger swatches choose first, so they get the step that fits them best.
    for i in sorted(range(len(swatches)), key=lambda i: (-swatches[i].share, i)):
        family, swatch = families[i], swatches[i]
        used = taken.setdefault(family, {})
        by_fit = sorted(
            steps, key=lambda s: (abs(TAILWIND_SHADE_LIGHTNESS[s] - swatch.lightness), int(s))
        )
        free = [s for s in by_fit if s not in used]
        key = free[0] if free else f"{by_fit[0]}-{len(used)}"
        used[key] = swatch
    ordered: dict[str, dict[str, str]] = {}
    for family in FAMILIES:
        if family in taken:
            ordered[family] = _tailwind_scale(taken[family])
    return ordered


def _tailwind_scale(own: dict[str, Swatch]) -> dict[str, str]:
    """A family's whole scale: ``DEFAULT`` (its largest swatch), then every step
    from "50" to "950" (the palette's own colors at the steps they took, the
    others generated in Oklch), then any swatches beyond eleven ("700-1")."""
    at_steps = {step: swatch for step, swatch in own.items() if step in TAILWIND_SHADE_LIGHTNESS}
    largest = max(own.values(), key=lambda s: s.share)
    scale = {"DEFAULT": largest.hex}
    for step, lightness in TAILWIND_SHADE_LIGHTNESS.items():
        if step in at_steps:
            scale[step] = at_steps[step].hex
        else:
            anchor = min(at_steps.values(), key=lambda s: (abs(s.lightness - lightness), -s.share))
            scale[step] = _tailwind_shade(anchor, lightness)
    for key in sorted(
        (k for k in own if k not in at_steps), key=lambda k: tuple(map(int, k.split("-")))
    ):
        scale[key] = own[key].hex
    return scale


def _tailwind_shade(anchor: Swatch, lightness: float) -> str:
    """``anchor`` moved to Oklab ``lightness``: the same hue and, toward the middle of
    the scale, the same chroma; toward white and black the chroma tapers as
    ``L * (1 - L)`` does (never above the anchor's), as in Tailwind's own scales, and
    is then reduced to the most the sRGB gamut holds at that lightness and hue
    (lightness and hue kept exact before the rounding to 8 bits)."""
    from ..colorspace import oklab_to_srgb, oklch_to_oklab, srgb_to_uint8

    def taper(value: float) -> float:
        return value * (1.0 - value)

    chroma = anchor.chroma * min(1.0, taper(lightness) / max(taper(anchor.lightness), 1e-9))

    def in_gamut(c: float) -> bool:
        srgb = oklab_to_srgb(oklch_to_oklab([lightness, c, anchor.hue]))
        return bool(np.all((srgb >= -_GAMUT_TOLERANCE) & (srgb <= 1.0 + _GAMUT_TOLERANCE)))

    low, high = 0.0, chroma
    if in_gamut(high):
        low = high
    else:
        for _ in range(_GAMUT_STEPS):  # bisect for the largest chroma in gamut
            middle = (low + high) / 2.0
            low, high = (middle, high) if in_gamut(middle) else (low, middle)
    rgb = srgb_to_uint8(oklab_to_srgb(oklch_to_oklab([lightness, low, anchor.hue])))
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))


_GAMUT_STEPS = 24  # bisection steps: chroma to within 0.4 / 2**24
_GAMUT_TOLERANCE = 1e-6


def to_tailwind(palette: Sequence[Swatch]) -> str:
    """Tailwind theme colors for ``theme.extend.colors``.

    Keys: ``dominant`` and ``on-dominant`` (its readable text color),
    ``accent`` and ``on-accent`` when the palette has an accent (see
    :mod:`palettekit.roles`), then one full Tailwind scale per color family
    of the palette: ``DEFAULT`` (the family's largest swatch) and every step
    from "50" to "950". Each swatch takes the step whose lightness
    (:data:`TAILWIND_SHADE_LIGHTNESS`) is nearest its own (a taken step
    passes to the next nearest; beyond eleven swatches in a family, keys
    such as "700-1"); the other steps are generated in Oklch from the
    family's swatch nearest in lightness: its hue, the step's lightness, and
    its chroma, tapered toward white and black and kept in the sRGB gamut.
    Usable as ``bg-dominant``, ``text-on-dominant``, ``bg-blue``,
    ``bg-blue-50`` to ``bg-blue-950``, ...

    Returns
    -------
    str
        Indented JSON (also a valid JavaScript object literal) and a newline.
    """
    from ..roles import accent_index, dominant_index, text_color

    swatches = _check(palette)
    dominant = dominant_index(swatches)
    accent = accent_index(swatches, dominant)
    colors: dict[str, object] = {
        "dominant": swatches[dominant].hex,
        "on-dominant": text_color(swatches[dominant].rgb).hex,
    }
    if accent is not None:
        colors["accent"] = swatches[accent].hex
        colors["on-accent"] = text_color(swatches[accent].rgb).hex
    colors.update(_tailwind_shades(swatches))
    return json.dumps(colors, indent=2, ensure_ascii=False) + "\n"


def to_roles(palette: Sequence[Swatch], *, prefer: str = "black-white") -> str:
    """Theme roles (:func:`palettekit.roles.theme_roles`) as indented JSON.

    ``{"dominant": hex, "accent": hex or null, "text": [{"background": hex,
    "hex": hex, "contrast": ratio, "kind": "black" | "white" | "tint"}, ...]}``,
    text colors in palette order, each meeting WCAG AA (4.5:1).

    Parameters
    ----------
    prefer : {"black-white", "tint"}
        Kind of text colors.
    """
    from ..roles import theme_roles

    swatches = _check(palette)
    data = theme_roles(swatches, prefer=prefer).to_dict(swatches)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
