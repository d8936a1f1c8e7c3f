"""The text formats: json, jsonl, csv, hex, gpl, css and text.

=========  =======================  ===========  =====================================
name       suffixes                 holds        what
=========  =======================  ===========  =====================================
``json``   ``.json``                one-or-many  the ``palettekit.palette/2`` schema;
                                                 several palettes: a JSON array
``jsonl``  ``.jsonl``, ``.ndjson``  many         one compact palette object per line
``csv``    ``.csv``                 one-or-many  one row per color, with a header;
                                                 several: a leading ``source`` column
``hex``    ``.hex``                 one-or-many  ``#rrggbb``, one per line; several:
                                                 a ``# source`` line before each
``gpl``    ``.gpl``                 one          GIMP palette (GIMP, Inkscape, Krita)
``css``    ``.css``                 one          CSS custom properties on ``:root``
``text``   ``.txt``                 one-or-many  an aligned table for people; several:
                                                 one table each, a blank line between
=========  =======================  ===========  =====================================

Every writer is deterministic: the same palette and options give the same
string, byte for byte (no timestamps; ``to_json`` leaves the run-to-run
timings out unless asked). Lines end with ``"\\n"`` and every text ends with one.

The JSON schema ``palettekit.palette/2``
----------------------------------------
:func:`to_json` writes :meth:`Palette.to_dict() <palettekit.Palette.to_dict>`::

    {
      "schema": "palettekit.palette/2",
      "colors": [                      # in palette order (by share unless sorted otherwise)
        {
          "hex": "#2b3a4f",            # lowercase #rrggbb
          "rgb": [43, 58, 79],         # sRGB, ints in [0, 255]
          "share": 0.3125,             # fraction of the opaque pixels, in [0, 1]; sum 1
          "count": 4096,               # those pixels at working size
          "oklab": [0.3402, -0.0077, -0.0398],   # L in [0, 1], 6 decimals
          "name": "dark blue grey",    # the name people use (xkcd color survey),
                                       # among the names that say its family
          "name_distance": 0.016088,   # Oklab distance to the survey color of
                                       # that name (6 decimals; 0.02 ~ one JND)
          "family": "blue",            # basic color family (palettekit.families)
          "css_name": "darkslategray", # nearest CSS named color of the same kind
                                       # (gray or hue), hue- and chroma-aware
          "css_distance": 0.070946     # Oklab distance to it (6 decimals)
        }
      ],
      "meta": {...}                    # how the palette was made: source, sizes, k,
    }                                  # seed, options, distortion, version, ...

Keys appear in that order. Within a schema version keys are only ever added,
never renamed, removed or given another meaning. Version 2 gave ``name`` and
``name_distance`` a new meaning (in version 1 they were the nearest CSS
color, now ``css_name`` and ``css_distance``). Floats are written in
Python's shortest round-trip form, so reading the file back gives the same
numbers. ``meta["timings"]`` (milliseconds per stage) differs from run to
run, so it is written only with ``timings=True``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from typing import Any

from ..display_text import format_share, one_line
from ..errors import ExportError, OptionsError
from ..palette import Palette, PaletteLike, Swatch, as_palette, source_of

__all__ = [
    "CSV_COLUMNS",
    "JSONL_SUFFIXES",
    "to_json",
    "to_json_many",
    "to_jsonl",
    "to_jsonl_many",
    "to_csv",
    "to_csv_many",
    "to_hex",
    "to_hex_many",
    "to_gpl",
    "to_css",
    "to_text",
    "to_text_many",
]

CSV_COLUMNS = (
    "hex", "r", "g", "b", "share", "count", "name", "oklab_l", "oklab_a", "oklab_b",
    "family", "name_distance", "css_name", "css_distance",
)  # fmt: skip
"""Header of :func:`to_csv`, in column order."""

JSONL_SUFFIXES = (".jsonl", ".ndjson")
"""File suffixes of JSON Lines (the first names new files)."""

_CSS_PROPERTY_RE = re.compile(r"^--[A-Za-z0-9_-]+$")

# GIMP lays a palette out in rows of this many colors at most.
_GPL_MAX_COLUMNS = 16
# Longest palette name written into a .gpl header.
_GPL_MAX_NAME = 80


# --- JSON --------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    """numpy scalars and arrays in a hand-built ``meta`` become plain data."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and type(value).__module__ == "numpy":
        return tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(palette: PaletteLike, *, timings: bool = False, indent: int | None = 2) -> str:
    """The palette as JSON in the ``palettekit.palette/2`` schema (see the module doc).

    Parameters
    ----------
    palette : Palette or sequence of Swatch
    timings : bool
        Include ``meta["timings"]`` (they differ from run to run, so the
        output is then not reproducible).
    indent : int or None
        Spaces per level; None writes one compact line.

    Returns
    -------
    str
        UTF-8-ready JSON (non-ASCII kept as is) ending in a newline.

    Raises
    ------
    ExportError
        A value JSON cannot hold (NaN or infinity in ``meta``, an object
        that is not plain data).
    """
    data = as_palette(palette).to_dict(timings=timings)
    return _json_document(data, _checked_indent(indent))


def to_json_many(
    palettes: Sequence[PaletteLike],
    sources: Sequence[str] = (),
    *,
    timings: bool = False,
    indent: int | None = 2,
) -> str:
    """Several palettes as a JSON array of :func:`to_json` objects, in order.

    ``sources`` is not written (each object's ``meta["source"]`` names it);
    ``timings`` and ``indent`` as in :func:`to_json`, so with the default
    indent each object reads as :func:`to_json` writes it, indented one level.
    """
    data = [as_palette(p).to_dict(timings=timings) for p in palettes]
    return _json_document(data, _checked_indent(indent))


def to_jsonl(palette: PaletteLike, *, timings: bool = False) -> str:
    """The palette as one line of JSON Lines: :func:`to_json` on one compact line."""
    return to_json(palette, timings=timings, indent=None)


def to_jsonl_many(
    palettes: Sequence[PaletteLike], sources: Sequence[str] = (), *, timings: bool = False
) -> str:
    """JSON Lines: one compact :func:`to_json` object per palette, one per line."""
    return "".join(to_jsonl(p, timings=timings) for p in palettes)


def _checked_indent(indent: int | None) -> int | None:
    is_int = isinstance(indent, int) and not isinstance(indent, bool)
    if indent is not None and not (is_int and 0 <= indent <= 16):
        raise OptionsError(f"indent must be an int in [0, 16] or None, got {indent!r}")
    return indent


def _json_document(data: Any, indent: int | None) -> str:
    """``data`` as JSON ending in a newline: compact on one line if ``indent`` is None."""
    try:
        if indent is None:
            text = _json_scalar(data, separators=(",", ":"))
        else:
            text = _json_pretty(data, " " * indent, "")
    except (TypeError, ValueError) as exc:
        raise ExportError(f"cannot write the palette as JSON: {exc}") from None
    return text + "\n"


def _json_scalar(value: Any, separators: tuple[str, str] = (", ", ": ")) -> str:
    return json.dumps(
        value,
        separators=separators,
        ensure_ascii=False,
        sort_keys=False,
        allow_nan=False,
        default=_json_default,
    )


def _is_container(value: Any) -> bool:
    return isinstance(value, (dict, list, tuple))


def _json_pretty(value: Any, step: str, prefix: str) -> str:
    """Indented JSON in which a list of plain values stays on one line
    (``"rgb": [43, 58, 79]``); everything else as ``json.dumps(indent=...)``."""
    value = _json_default(value) if type(value).__module__ == "numpy" else value
    inner = prefix + step
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = []
        for key, item in value.items():
            # The key as json.dumps writes it (1 -> "1", None -> "null"), or TypeError.
            key_text = _json_scalar({key: 0})[1:-4]
            items.append(f"{inner}{key_text}: {_json_pretty(item, step, inner)}")
        return "{\n" + ",\n".join(items) + "\n" + prefix + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if not any(_is_container(v) for v in value):
            return _json_scalar(list(value))
        items = [inner + _json_pretty(item, step, inner) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + prefix + "]"
    return _json_scalar(value)


def to_csv(palette: PaletteLike) -> str:
    """The palette as CSV: a header row (:data:`CSV_COLUMNS`), then one row per color.

    Columns: ``hex, r, g, b, share, count, name, oklab_l, oklab_a, oklab_b,
    family, name_distance, css_name, css_distance``: the survey name, the
    basic color family for facets, the Oklab distance to the survey color of
    the name (empty when the name is not a survey name), and the nearest CSS
    named color with its distance.
    Shares and Oklab values are written in full precision (Python's shortest
    round-trip form), rows in palette order, lines end with ``"\\n"``.
    """
    import csv  # here: a JSON or text palette on the command line needs no csv (0.3 ms)

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_rows(as_palette(palette)))
    return buffer.getvalue()


def to_csv_many(palettes: Sequence[PaletteLike], sources: Sequence[str]) -> str:
    """Several palettes as one CSV table: :func:`to_csv`'s columns after a ``source`` column.

    ``sources`` gives each palette's ``source`` cell (one per palette).
    """
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source", *CSV_COLUMNS])
    for palette, source in zip(palettes, sources, strict=True):
        writer.writerows([source, *row] for row in _csv_rows(as_palette(palette)))
    return buffer.getvalue()


def _csv_rows(palette: Palette) -> list[list[Any]]:
    return [
        [
            s.hex,
            *s.rgb,
            repr(float(s.share)),
            s.count,
            s.name,
            *(repr(float(v)) for v in s.oklab),
            s.family,
            "" if s.name_distance is None else repr(float(s.name_distance)),
            s.css_name,
            repr(float(s.css_distance)),
        ]
        for s in palette
    ]


def to_hex(palette: PaletteLike) -> str:
    """Lowercase ``#rrggbb`` codes, one per line, in palette order."""
    palette = as_palette(palette)
    return "".join(f"{s.hex}\n" for s in palette)


def to_hex_many(palettes: Sequence[PaletteLike], sources: Sequence[str]) -> str:
    """For each palette a ``# source`` line, then its codes; a blank line between palettes."""
    return "\n".join(
        f"# {one_line(source)}\n{to_hex(palette)}"
        for palette, source in zip(palettes, sources, strict=True)
    )


def to_gpl(palette: PaletteLike, name: str = "palettekit") -> str:
    """The palette as a GIMP palette (``.gpl``), readable by GIMP, Inkscape and Krita.

    Parameters
    ----------
    palette : Palette or sequence of Swatch
    name : str
        The palette's name in the ``Name:`` header (line breaks become spaces).

    Returns
    -------
    str
        ``GIMP Palette``, ``Name:``, ``Columns:`` (at most 16), a comment
        naming the source, then one line per color: ``R G B`` (right-aligned, as GIMP
        writes them), a tab, and a name like ``#2b3a4f 31.2% dark blue grey``.
    """
    palette = as_palette(palette)
    if not isinstance(name, str):
        raise OptionsError(f"name must be a str, got {name!r}")
    title = one_line(name, _GPL_MAX_NAME) or "palettekit"
    columns = min(max(len(palette), 1), _GPL_MAX_COLUMNS)
    source = source_of(palette)
    # One comment line only: Pillow's reader allows 3 lines of header after
    # "GIMP Palette", and reads 256 colors after them.
    comment = f"# {_count(len(palette))} from {source}" if source is not None else "#"
    lines = ["GIMP Palette", f"Name: {title}", f"Columns: {columns}", comment]
    for s in palette:
        r, g, b = s.rgb
        lines.append(f"{r:3d} {g:3d} {b:3d}\t{_swatch_label(s)}")
    return "\n".join(lines) + "\n"


def _swatch_label(swatch: Swatch) -> str:
    """``"#2b3a4f 31.2% dark blue grey"``."""
    return " ".join(part for part in (swatch.hex, format_share(swatch.share), swatch.name) if part)


def _count(n: int, palette: Palette | None = None) -> str:
    """``"3 colors"``, or ``"3 theme colors"`` for a theme (``meta["kind"]``)."""
    noun = "color" if n == 1 else "colors"
    if palette is not None and palette.meta.get("kind") == "theme":
        noun = "theme " + noun
    return f"{n} {noun}"


def to_css(palette: PaletteLike, prefix: str = "--color") -> str:
    """The palette as CSS custom properties on ``:root``.

    Parameters
    ----------
    palette : Palette or sequence of Swatch
    prefix : str
        Property name prefix; ``--`` is added if missing. Colors are
        numbered from 1: ``--color-1``, ``--color-2`` ...

    Returns
    -------
    str
        ::

            /* palettekit: 3 colors from photo.jpg */
            :root {
              --color-1: #2b3a4f; /* 31.2% dark blue grey (css darkslategray) */
              ...
            }

    Raises
    ------
    OptionsError
        ``prefix`` is not a valid custom property name.
    """
    palette = as_palette(palette)
    if not isinstance(prefix, str):
        raise OptionsError(f"prefix must be a str, got {prefix!r}")
    prop = prefix if prefix.startswith("--") else "--" + prefix
    if not _CSS_PROPERTY_RE.match(prop):
        raise OptionsError(
            f"prefix must be a CSS custom property name like --color "
            f"(letters, digits, - and _), got {prefix!r}"
        )
    source = source_of(palette)
    heading = f"palettekit: {_count(len(palette), palette)}"
    if source is not None:
        heading += f" from {source}"
    lines = [f"/* {_css_comment(heading)} */", ":root {"]
    for i, s in enumerate(palette, start=1):
        note = _css_comment(_css_note(s))
        lines.append(f"  {prop}-{i}: {s.hex}; /* {note} */")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _css_note(swatch: Swatch) -> str:
    """``31.2% dark blue grey (css darkslategray)``: share, survey name, and
    the nearest CSS named color for those who want a name CSS accepts (left
    out when it is the same word, as for white)."""
    note = " ".join(part for part in (format_share(swatch.share), swatch.name) if part)
    return note if swatch.css_name == swatch.name else f"{note} (css {swatch.css_name})"


def _css_comment(text: str) -> str:
    """Text that cannot end a CSS comment early."""
    return text.replace("*/", "* /")


def to_text(palette: PaletteLike) -> str:
    """A plain aligned table for people (no color codes, no ANSI escapes).

    ::

        palettekit: 3 colors from photo.jpg
        #  hex      share    r    g    b  family  name            css
        1  #2b3a4f  31.2%   43   58   79  blue    dark blue grey  darkslategray

    ``name`` is the name people use (the xkcd color survey), ``family`` its
    basic color family, ``css`` the nearest CSS named color.
    """
    palette = as_palette(palette)
    source = source_of(palette)
    heading = f"palettekit: {_count(len(palette), palette)}"
    if source is not None:
        heading += f" from {source}"
    rows = [
        (
            str(i),
            s.hex,
            format_share(s.share),
            *map(str, s.rgb),
            s.family,
            one_line(s.name),
            s.css_name,
        )
        for i, s in enumerate(palette, start=1)
    ]
    header = ("#", "hex", "share", "r", "g", "b", "family", "name", "css")
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
    right = (True, False, True, True, True, True, False, False, False)
    lines = [heading]
    for row in [header, *rows]:
        cells = [
            cell.rjust(width) if is_right else cell.ljust(width)
            for cell, width, is_right in zip(row, widths, right, strict=True)
        ]
        lines.append(("  ".join(cells)).rstrip())
    return "\n".join(lines) + "\n"


def to_text_many(palettes: Sequence[PaletteLike], sources: Sequence[str] = ()) -> str:
    """One :func:`to_text` table per palette (each headed by its source), a blank line between."""
    return "\n".join(to_text(palette) for palette in palettes)
