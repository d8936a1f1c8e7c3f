"""Export formats: pure ``to_x(palette) -> str`` functions and one registry.

=========  ======================  =====================  ===================================
name       suffixes                function               what
=========  ======================  =====================  ===================================
``json``   ``.json``               :func:`to_json`        the ``palettekit.palette/2`` schema
``csv``    ``.csv``                :func:`to_csv`         one row per color, with a header
``hex``    ``.hex``                :func:`to_hex`         ``#rrggbb``, one per line
``gpl``    ``.gpl``                :func:`to_gpl`         GIMP palette (GIMP, Inkscape, Krita)
``css``    ``.css``                :func:`to_css`         CSS custom properties on ``:root``
``text``   ``.txt``                :func:`to_text`        an aligned table for people
``png``    ``.png``                :func:`to_png`         the palette bar (bytes)
=========  ======================  =====================  ===================================

Every text exporter is deterministic: the same palette and options give the
same string, byte for byte (no timestamps; ``to_json`` leaves the run-to-run
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
          "css_name": "darkslategray", # nearest CSS named color, any family
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

Adding a format
---------------
:func:`register_format` adds an exporter under a name and file suffixes::

    register_format("swatchbook", to_swatchbook, suffixes=(".sbz",), binary=True)

Modules named in ``PLUGIN_MODULES`` are imported the first time the registry
is read, so exporters defined outside this module (the design-tool formats
of :mod:`palettekit.export_design`) can register themselves at import
without this module importing them up front.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import io
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._io import write_atomic
from .errors import ExportError, OptionsError
from .palette import Palette, PaletteLike, Swatch, as_palette, source_of
from .text import format_share, one_line

__all__ = [
    "ExportFormat",
    "FORMATS",
    "PLUGIN_MODULES",
    "register_format",
    "get_format",
    "format_for_path",
    "export",
    "save",
    "to_json",
    "to_csv",
    "to_hex",
    "to_gpl",
    "to_css",
    "to_text",
    "to_png",
    "format_share",
]

Exporter = Callable[..., str | bytes]
"""``func(palette, **options) -> str`` (text formats) or ``bytes`` (binary)."""

PLUGIN_MODULES: tuple[str, ...] = ("palettekit.export_design",)
"""Modules imported the first time the registry is read; they may call
:func:`register_format` at import. A module that does not exist is skipped."""

CSV_COLUMNS = (
    "hex", "r", "g", "b", "share", "count", "name", "oklab_l", "oklab_a", "oklab_b",
    "family", "name_distance", "css_name", "css_distance",
)  # fmt: skip
"""Header of :func:`to_csv`, in column order."""

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.+-]*$")
_SUFFIX_RE = re.compile(r"^\.[a-z0-9][a-z0-9_.+-]*$")
_CSS_PROPERTY_RE = re.compile(r"^--[A-Za-z0-9_-]+$")

# GIMP lays a palette out in rows of this many colors at most.
_GPL_MAX_COLUMNS = 16
# Longest palette name written into a .gpl header.
_GPL_MAX_NAME = 80


# --- the registry ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFormat:
    """One registered export format.

    Attributes
    ----------
    name : str
        Lowercase format name (``"json"``, ``"gpl"`` ...).
    func : callable
        ``func(palette, **options)`` returning ``str`` or, if ``binary``, ``bytes``.
    suffixes : tuple of str
        Lowercase file suffixes with their dot (``(".json",)``); the first is
        the one to give new files.
    binary : bool
        True if ``func`` returns bytes.
    """

    name: str
    func: Exporter
    suffixes: tuple[str, ...]
    binary: bool


class _Registry(Mapping[str, ExportFormat]):
    """Read-only mapping of format name -> :class:`ExportFormat`, plus suffixes.

    Plugin modules are imported on the first read.
    """

    def __init__(self) -> None:
        self._formats: dict[str, ExportFormat] = {}
        self._by_suffix: dict[str, str] = {}
        self._plugins_state = "pending"  # -> "loading" -> "loaded"
        self._lock = threading.RLock()

    def _load_plugins(self) -> None:
        if self._plugins_state == "loaded":
            return
        # Other threads wait for the import; the importing thread itself
        # (a plugin reading FORMATS while it registers) sees state "loading".
        with self._lock:
            if self._plugins_state != "pending":
                return
            self._plugins_state = "loading"
            try:
                for module in PLUGIN_MODULES:
                    try:
                        importlib.import_module(module)
                    except ModuleNotFoundError as exc:
                        if exc.name != module:  # the plugin exists but its imports fail
                            raise
            except BaseException:
                self._plugins_state = "pending"
                raise
            self._plugins_state = "loaded"

    def __getitem__(self, name: str) -> ExportFormat:
        self._load_plugins()
        return self._formats[name]

    def __iter__(self) -> Iterator[str]:
        self._load_plugins()
        return iter(list(self._formats))

    def __len__(self) -> int:
        self._load_plugins()
        return len(self._formats)

    def __contains__(self, name: object) -> bool:
        self._load_plugins()
        return name in self._formats

    def __repr__(self) -> str:
        return f"FORMATS({', '.join(self)})"

    def by_suffix(self, suffix: str) -> ExportFormat | None:
        self._load_plugins()
        name = self._by_suffix.get(suffix)
        return None if name is None else self._formats[name]

    def add(self, entry: ExportFormat, replace: bool) -> None:
        old = self._formats.get(entry.name)
        if old is not None and not replace:
            raise ExportError(f"export format {entry.name!r} is already registered")
        for suffix in entry.suffixes:
            owner = self._by_suffix.get(suffix)
            if owner is not None and owner != entry.name and not replace:
                raise ExportError(f"suffix {suffix!r} already belongs to format {owner!r}")
        if old is not None:
            for suffix in old.suffixes:
                self._by_suffix.pop(suffix, None)
        self._formats[entry.name] = entry
        for suffix in entry.suffixes:
            previous = self._by_suffix.get(suffix)
            if previous is not None and previous != entry.name:
                # The other format keeps its name but loses this suffix.
                other = self._formats[previous]
                self._formats[previous] = ExportFormat(
                    other.name,
                    other.func,
                    tuple(s for s in other.suffixes if s != suffix),
                    other.binary,
                )
            self._by_suffix[suffix] = entry.name


FORMATS: Mapping[str, ExportFormat] = _Registry()
"""Every export format by name (read-only; add formats with :func:`register_format`)."""


def _registry() -> _Registry:
    assert isinstance(FORMATS, _Registry)
    return FORMATS


def register_format(
    name: str,
    func: Exporter,
    suffixes: Sequence[str] = (),
    binary: bool = False,
    *,
    replace: bool = False,
) -> ExportFormat:
    """Add an export format to :data:`FORMATS`.

    Parameters
    ----------
    name : str
        Format name: lowercase letters, digits and ``_.+-``, starting with a
        letter or digit. Looked up case-insensitively.
    func : callable
        ``func(palette, **options)`` returning the whole file: ``str`` for a
        text format (written as UTF-8), ``bytes`` for a binary one. It should
        be pure and deterministic.
    suffixes : sequence of str
        File suffixes that choose this format in :func:`format_for_path`,
        with or without the dot, any case (``".ase"``, ``"ASE"``).
    binary : bool
        True if ``func`` returns bytes.
    replace : bool
        Allow replacing a registered format or taking over its suffixes.

    Returns
    -------
    ExportFormat
        The registered entry.

    Raises
    ------
    ExportError
        The name or a suffix is malformed or already taken (and not ``replace``).
    TypeError
        ``func`` is not callable.
    """
    if not callable(func):
        raise TypeError(f"func must be callable, not {type(func).__name__}")
    if not isinstance(name, str) or not _NAME_RE.match(name.lower()):
        raise ExportError(f"invalid export format name: {name!r}")
    if isinstance(suffixes, str):
        suffixes = (suffixes,)
    normalized: list[str] = []
    for suffix in suffixes:
        text = suffix.lower() if isinstance(suffix, str) else ""
        text = text if text.startswith(".") else "." + text
        if not _SUFFIX_RE.match(text):
            raise ExportError(f"invalid file suffix for format {name!r}: {suffix!r}")
        if text not in normalized:
            normalized.append(text)
    entry = ExportFormat(name.lower(), func, tuple(normalized), bool(binary))
    _registry().add(entry, replace)
    return entry


def _known_formats() -> str:
    return ", ".join(sorted(FORMATS))


def get_format(fmt: str) -> ExportFormat:
    """The registered format named ``fmt`` (any case).

    Raises
    ------
    ExportError
        No such format; the message lists the known ones.
    """
    entry = FORMATS.get(fmt.lower()) if isinstance(fmt, str) else None
    if entry is None:
        raise ExportError(f"unknown export format {fmt!r} (known: {_known_formats()})")
    return entry


def format_for_path(path: str | os.PathLike[str]) -> str:
    """Name of the format that a file name's suffix asks for (any case).

    Raises
    ------
    ExportError
        The file name has no suffix or one no format claims.
    """
    base = os.path.basename(os.fspath(path))
    suffix = os.path.splitext(base)[1].lower()
    if not suffix:
        raise ExportError(
            f"cannot tell the export format of {base!r}: no file suffix "
            f"(give a format: {_known_formats()})"
        )
    entry = _registry().by_suffix(suffix)
    if entry is None:
        known = ", ".join(sorted(s for f in FORMATS.values() for s in f.suffixes))
        raise ExportError(f"unknown file suffix {suffix!r} (known: {known})")
    return entry.name


def export(palette: PaletteLike, fmt: str, **options: Any) -> str | bytes:
    """A palette in the format named ``fmt``.

    ``options`` go to the format's function (e.g. ``timings=True`` for json,
    ``name=`` for gpl, ``prefix=`` for css, ``width=`` for png).

    Raises
    ------
    ExportError
        Unknown format, or a palette that cannot be exported.
    OptionsError
        An option the format does not take, or a bad option value.
    """
    entry = get_format(fmt)
    try:
        inspect.signature(entry.func).bind(palette, **options)
    except TypeError as exc:
        raise OptionsError(f"export format {entry.name!r}: {exc}") from None
    except ValueError:  # a builtin without a signature: let the call decide
        pass
    result = entry.func(palette, **options)
    expected = bytes if entry.binary else str
    if not isinstance(result, expected):
        raise ExportError(
            f"export format {entry.name!r} returned {type(result).__name__}, "
            f"not {expected.__name__}"
        )
    return result


def save(
    palette: PaletteLike,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    **options: Any,
) -> str:
    """Write a palette to a file atomically, in ``fmt`` or the format its suffix names.

    Text is written as UTF-8. The file appears whole or not at all (see
    :func:`palettekit._io.write_atomic`).

    Returns
    -------
    str
        The name of the format written.

    Raises
    ------
    ExportError
        Unknown format or suffix, or a palette that cannot be exported
        (nothing is written).
    OptionsError
        A bad option for the format (nothing is written).
    OSError
        The file cannot be written (its ``filename`` is ``path``).
    """
    name = get_format(fmt).name if fmt is not None else format_for_path(path)
    write_atomic(path, export(palette, name, **options))
    return name


# --- shared helpers ----------------------------------------------------------------


def _json_default(value: Any) -> Any:
    """numpy scalars and arrays in a hand-built ``meta`` become plain data."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and type(value).__module__ == "numpy":
        return tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# --- text formats ------------------------------------------------------------------


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
    palette = as_palette(palette)
    is_int = isinstance(indent, int) and not isinstance(indent, bool)
    if indent is not None and not (is_int and 0 <= indent <= 16):
        raise OptionsError(f"indent must be an int in [0, 16] or None, got {indent!r}")
    data = palette.to_dict(timings=timings)
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
    palette = as_palette(palette)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in palette:
        writer.writerow(
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
        )
    return buffer.getvalue()


def to_hex(palette: PaletteLike) -> str:
    """Lowercase ``#rrggbb`` codes, one per line, in palette order."""
    palette = as_palette(palette)
    return "".join(f"{s.hex}\n" for s in palette)


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


# --- binary formats ----------------------------------------------------------------


def to_png(
    palette: PaletteLike, *, width: int = 300, height: int = 50, labels: bool = False
) -> bytes:
    """The palette bar (:func:`palettekit.render.palette_bar`) as PNG bytes."""
    from .render import palette_bar, png_bytes

    return png_bytes(palette_bar(palette, width=width, height=height, labels=labels))


# --- the built-in formats ----------------------------------------------------------

register_format("json", to_json, suffixes=(".json",))
register_format("csv", to_csv, suffixes=(".csv",))
register_format("hex", to_hex, suffixes=(".hex",))
register_format("gpl", to_gpl, suffixes=(".gpl",))
register_format("css", to_css, suffixes=(".css",))
register_format("text", to_text, suffixes=(".txt",))
register_format("png", to_png, suffixes=(".png",), binary=True)
