"""The format registry: every output format by name, with what it is and how it is written.

Each :class:`ExportFormat` says everything a command line, a web server or a
library call needs to know about a format:

- ``name`` and ``suffixes`` (the suffixes choose it from a file name);
- ``media_type`` and ``file_suffix``: how to serve it and name a download;
- ``binary``: the writer returns bytes (else text, written as UTF-8);
- ``holds``: how many palettes one file holds:

  ``"one"``
      exactly one (gpl, css, png, ase, svg ...); several palettes need
      several files.
  ``"one-or-many"``
      one palette is written as itself, several in a combined layout (json:
      an object, or an array of them; csv: a leading ``source`` column).
  ``"many"``
      a sequence of palettes whatever their number (jsonl: one per line, so
      one palette is a sequence of one). A server answering with *a* palette
      does not offer it.

- ``func``: the writer of one palette, ``func(palette, **options)``;
- ``func_many``: the writer of several, ``func_many(palettes, sources,
  **options)``, for the formats that hold many;
- ``options``: the keyword options of its writers that front ends set
  (:class:`FormatOption`: json's ``timings``, gpl's ``name``, css's
  ``prefix``, png's ``width``, ``height`` and ``labels``), and ``title``, the
  format in a few words for people (help texts, the web page's buttons).

:func:`export` and :func:`export_many` write through the registry,
:func:`save` to a file. The built-in formats are registered by
:mod:`palettekit.formats` from their writers in :mod:`palettekit.formats.text`,
:mod:`palettekit.formats.image` and :mod:`palettekit.formats.design`.

Adding a format is one call::

    register_format("swatchbook", to_swatchbook, suffixes=(".sbz",), binary=True,
                    media_type="application/zip", title="Swatchbook")

after which ``palettekit -f swatchbook``, ``-o x.sbz``, ``format=swatchbook``
in the web API, the web page's download buttons, :func:`export` and
:func:`save` all know it.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import ExportError, OptionsError
from ..palette import PaletteLike, as_palette, source_of

__all__ = [
    "ExportFormat",
    "FormatOption",
    "FORMATS",
    "HOLDS",
    "register_format",
    "get_format",
    "format_for_path",
    "known_suffixes",
    "export",
    "export_many",
    "save",
]

Writer = Callable[..., str | bytes]
"""``func(palette, **options) -> str`` (text formats) or ``bytes`` (binary)."""

ManyWriter = Callable[..., str | bytes]
"""``func_many(palettes, sources, **options)``: several palettes in one file;
``sources`` names each palette (one ``str`` per palette)."""

Holds = Literal["one", "one-or-many", "many"]

HOLDS: tuple[str, ...] = ("one", "one-or-many", "many")
"""What :attr:`ExportFormat.holds` may be (see the module doc)."""

TEXT_MEDIA_TYPE = "text/plain; charset=utf-8"
"""Media type of a text format that names none."""

BINARY_MEDIA_TYPE = "application/octet-stream"
"""Media type of a binary format that names none."""

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.+-]*$")
_SUFFIX_RE = re.compile(r"^\.[a-z0-9][a-z0-9_.+-]*$")
_MEDIA_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*(;.*)?$")


@dataclass(frozen=True)
class FormatOption:
    """A keyword option of a format's writers that front ends set.

    Attributes
    ----------
    name : str
        The writers' keyword (``"prefix"``).
    help : str
        What it does, in one line (``"custom property prefix"``).
    """

    name: str
    help: str


@dataclass(frozen=True)
class ExportFormat:
    """One registered export format.

    Attributes
    ----------
    name : str
        Lowercase format name (``"json"``, ``"gpl"`` ...).
    func : callable
        ``func(palette, **options)`` returning ``str`` or, if ``binary``,
        ``bytes``: the whole file for one palette.
    suffixes : tuple of str
        Lowercase file suffixes with their dot (``(".json",)``) that choose
        this format from a file name; each belongs to one format.
    binary : bool
        True if the writers return bytes.
    media_type : str
        The HTTP ``Content-Type`` of the format (``"image/svg+xml"``).
    holds : {"one", "one-or-many", "many"}
        How many palettes one file holds (see :mod:`palettekit.formats.registry`).
    func_many : callable or None
        ``func_many(palettes, sources, **options)``: several palettes in one
        file; None for a format that holds one.
    file_suffix : str
        The suffix to give a file of this format (a download, a new file):
        the first of ``suffixes``, else one that says what is inside
        (``".svg"`` for the SVG bar, whose ``.svg`` belongs to the swatches),
        else ``".txt"`` or ``".bin"``.
    options : tuple of FormatOption
        The keyword options of its writers that front ends set.
    title : str
        The format in a few words for people (``"GIMP palette"``); its name
        if it was registered without one.
    """

    name: str
    func: Writer
    suffixes: tuple[str, ...]
    binary: bool
    media_type: str = TEXT_MEDIA_TYPE
    holds: Holds = "one"
    func_many: ManyWriter | None = None
    file_suffix: str = ".txt"
    options: tuple[FormatOption, ...] = ()
    title: str = ""

    def takes(self, option: str) -> bool:
        """Whether the format declares the keyword option ``option`` (``"timings"``,
        ``"prefix"`` ...)."""
        return any(declared.name == option for declared in self.options)


class _Registry(Mapping[str, ExportFormat]):
    """Read-only mapping of format name -> :class:`ExportFormat`, plus suffixes.

    Names iterate in sorted order, whatever order the formats were registered in.
    """

    def __init__(self) -> None:
        self._formats: dict[str, ExportFormat] = {}
        self._by_suffix: dict[str, str] = {}

    def __getitem__(self, name: str) -> ExportFormat:
        return self._formats[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._formats))

    def __len__(self) -> int:
        return len(self._formats)

    def __contains__(self, name: object) -> bool:
        return name in self._formats

    def __repr__(self) -> str:
        return f"FORMATS({', '.join(self)})"

    def by_suffix(self, suffix: str) -> ExportFormat | None:
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
                # The other format keeps its name (and its file suffix) but
                # no longer claims this suffix.
                other = self._formats[previous]
                self._formats[previous] = dataclasses.replace(
                    other, suffixes=tuple(s for s in other.suffixes if s != suffix)
                )
            self._by_suffix[suffix] = entry.name


FORMATS: Mapping[str, ExportFormat] = _Registry()
"""Every export format by name (read-only; add formats with :func:`register_format`)."""


def _registry() -> _Registry:
    assert isinstance(FORMATS, _Registry)
    return FORMATS


def _suffix(name: str, suffix: object) -> str:
    text = suffix.lower() if isinstance(suffix, str) else ""
    text = text if text.startswith(".") else "." + text
    if not _SUFFIX_RE.match(text):
        raise ExportError(f"invalid file suffix for format {name!r}: {suffix!r}")
    return text


def register_format(
    name: str,
    func: Writer,
    suffixes: Sequence[str] = (),
    binary: bool = False,
    *,
    media_type: str | None = None,
    holds: Holds | None = None,
    func_many: ManyWriter | None = None,
    file_suffix: str | None = None,
    options: Sequence[FormatOption] = (),
    title: str | None = None,
    replace: bool = False,
) -> ExportFormat:
    """Add an export format to :data:`FORMATS`.

    Parameters
    ----------
    name : str
        Format name: lowercase letters, digits and ``_.+-``, starting with a
        letter or digit. Looked up case-insensitively.
    func : callable
        ``func(palette, **options)`` returning the whole file for one
        palette: ``str`` for a text format (written as UTF-8), ``bytes`` for a
        binary one. It should be pure and deterministic.
    suffixes : sequence of str
        File suffixes that choose this format in :func:`format_for_path`,
        with or without the dot, any case (``".ase"``, ``"ASE"``).
    binary : bool
        True if the writers return bytes.
    media_type : str, optional
        HTTP ``Content-Type`` (default ``text/plain; charset=utf-8`` for a
        text format, ``application/octet-stream`` for a binary one).
    holds : {"one", "one-or-many", "many"}, optional
        How many palettes a file holds (default ``"one-or-many"`` with a
        ``func_many``, else ``"one"``).
    func_many : callable, optional
        ``func_many(palettes, sources, **options)``: several palettes in one
        file (required unless ``holds`` is ``"one"``).
    file_suffix : str, optional
        The suffix to name a file or download of this format when
        ``suffixes`` is empty (default ``.txt``, or ``.bin`` if binary).
    options : sequence of FormatOption
        The keyword options of the writers that front ends set (the command
        line passes these, and only these, from its flags). Every writer
        must accept each of them.
    title : str, optional
        The format in a few words for people (default: its name).
    replace : bool
        Allow replacing a registered format or taking over its suffixes.

    Returns
    -------
    ExportFormat
        The registered entry.

    Raises
    ------
    ExportError
        The name, a suffix, the media type or ``holds`` is malformed, a
        format that holds many has no ``func_many``, a writer does not take
        a declared option, or the name or a suffix is already taken (and not
        ``replace``).
    TypeError
        ``func`` or ``func_many`` is not callable.
    """
    if not callable(func):
        raise TypeError(f"func must be callable, not {type(func).__name__}")
    if func_many is not None and not callable(func_many):
        raise TypeError(f"func_many must be callable, not {type(func_many).__name__}")
    if not isinstance(name, str) or not _NAME_RE.match(name.lower()):
        raise ExportError(f"invalid export format name: {name!r}")
    name = name.lower()
    if isinstance(suffixes, str):
        suffixes = (suffixes,)
    normalized: list[str] = []
    for suffix in suffixes:
        text = _suffix(name, suffix)
        if text not in normalized:
            normalized.append(text)
    if holds is None:
        holds = "one" if func_many is None else "one-or-many"
    if holds not in HOLDS:
        raise ExportError(
            f"format {name!r}: holds must be one of {', '.join(HOLDS)}, not {holds!r}"
        )
    if holds != "one" and func_many is None:
        raise ExportError(f"format {name!r} holds {holds} palettes but has no func_many")
    if media_type is None:
        media_type = BINARY_MEDIA_TYPE if binary else TEXT_MEDIA_TYPE
    if not isinstance(media_type, str) or not _MEDIA_TYPE_RE.match(media_type):
        raise ExportError(f"invalid media type for format {name!r}: {media_type!r}")
    if normalized:
        named_suffix = normalized[0] if file_suffix is None else _suffix(name, file_suffix)
    else:
        default = ".bin" if binary else ".txt"
        named_suffix = default if file_suffix is None else _suffix(name, file_suffix)
    entry = ExportFormat(
        name,
        func,
        tuple(normalized),
        bool(binary),
        media_type,
        holds,
        None if holds == "one" else func_many,
        named_suffix,
        _checked_options(name, options, func, None if holds == "one" else func_many),
        name if title is None else str(title),
    )
    _registry().add(entry, replace)
    return entry


def _checked_options(
    name: str, options: Sequence[FormatOption], *writers: Callable[..., Any] | None
) -> tuple[FormatOption, ...]:
    """The declared options, each one a keyword every writer takes."""
    checked = tuple(options)
    for option in checked:
        if not isinstance(option, FormatOption):
            raise ExportError(f"format {name!r}: options must be FormatOption, not {option!r}")
        for writer in writers:
            if writer is not None and not _names_keyword(writer, option.name):
                raise ExportError(
                    f"format {name!r}: its writer {getattr(writer, '__name__', writer)!r} "
                    f"takes no option {option.name!r}"
                )
    return checked


def _names_keyword(writer: Callable[..., Any], option: str) -> bool:
    """Whether ``writer`` takes the keyword ``option`` (or any, with ``**kwargs``)."""
    try:
        parameters = inspect.signature(writer).parameters
    except (TypeError, ValueError):  # a builtin without a signature: let the call decide
        return True
    parameter = parameters.get(option)
    if parameter is not None:
        return parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    return any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def _known_formats() -> str:
    return ", ".join(FORMATS)


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


def known_suffixes() -> list[str]:
    """Every suffix some format claims, sorted."""
    return sorted(s for entry in FORMATS.values() for s in entry.suffixes)


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
        raise ExportError(f"unknown file suffix {suffix!r} (known: {', '.join(known_suffixes())})")
    return entry.name


def _call(entry: ExportFormat, writer: Callable[..., Any], *args: Any, **options: Any) -> Any:
    """``writer(*args, **options)``, its options checked first and its result's type after."""
    try:
        inspect.signature(writer).bind(*args, **options)
    except TypeError as exc:
        raise OptionsError(f"export format {entry.name!r}: {exc}") from None
    except ValueError:  # a builtin without a signature: let the call decide
        pass
    result = writer(*args, **options)
    expected = bytes if entry.binary else str
    if not isinstance(result, expected):
        raise ExportError(
            f"export format {entry.name!r} returned {type(result).__name__}, "
            f"not {expected.__name__}"
        )
    return result


def export(palette: PaletteLike, fmt: str, **options: Any) -> str | bytes:
    """A palette in the format named ``fmt``.

    ``options`` go to the format's writer (e.g. ``timings=True`` for json,
    ``name=`` for gpl, ``prefix=`` for css, ``width=`` for png). A format that
    holds many palettes (jsonl) writes a sequence of one.

    Raises
    ------
    ExportError
        Unknown format, or a palette that cannot be exported.
    OptionsError
        An option the format does not take, or a bad option value.
    """
    entry = get_format(fmt)
    result: str | bytes = _call(entry, entry.func, palette, **options)
    return result


def export_many(
    palettes: Sequence[PaletteLike],
    fmt: str,
    *,
    sources: Sequence[str] | None = None,
    **options: Any,
) -> str | bytes:
    """Several palettes in one file of the format named ``fmt``.

    One palette is written as :func:`export` writes it. Several need a format
    that holds many (``ExportFormat.holds``): json writes an array, csv one
    table with a leading ``source`` column, jsonl one palette per line, hex
    and text one block per palette headed by its source.

    Parameters
    ----------
    palettes : sequence of Palette (or of sequences of Swatch)
        At least one.
    fmt : str
        Format name (any case).
    sources : sequence of str, optional
        What to call each palette where the format names them (csv's
        ``source`` column, hex's ``# source`` lines); default each palette's
        ``meta["source"]``, else its position from 1.
    **options
        Passed to the format's writer.

    Raises
    ------
    ExportError
        Unknown format, no palette, several palettes for a format that holds
        one, ``sources`` not one string per palette, or a palette that cannot
        be exported.
    OptionsError
        An option the format does not take, or a bad option value.
    """
    entry = get_format(fmt)
    if isinstance(palettes, (str, bytes)) or not isinstance(palettes, Sequence):
        raise ExportError(f"palettes must be a sequence of palettes, not {type(palettes).__name__}")
    if not palettes:
        raise ExportError("no palette to export")
    if entry.holds != "many" and len(palettes) == 1:
        return export(palettes[0], entry.name, **options)
    if entry.func_many is None:
        raise ExportError(
            f"the {entry.name} format holds one palette, not {len(palettes)}: "
            "write one file per palette"
        )
    checked = [as_palette(p) for p in palettes]
    if sources is None:
        names = [source_of(p) or str(i) for i, p in enumerate(checked, start=1)]
    else:
        names = list(sources)
        if len(names) != len(checked) or not all(isinstance(n, str) for n in names):
            raise ExportError(f"sources must be {len(checked)} strings, one per palette")
    result: str | bytes = _call(entry, entry.func_many, checked, names, **options)
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
    from .._io import write_atomic  # its temporary names need secrets: not at start-up

    name = get_format(fmt).name if fmt is not None else format_for_path(path)
    write_atomic(path, export(palette, name, **options))
    return name
