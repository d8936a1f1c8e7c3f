"""Output formats: one registry, and the writers of the built-in formats.

=====================  ===========================================================
module                 what it holds
=====================  ===========================================================
:mod:`.registry`       :class:`ExportFormat` (name, suffixes, media type, binary,
                       how many palettes a file holds, writers), :data:`FORMATS`,
                       :func:`register_format`, :func:`export`,
                       :func:`export_many`, :func:`save`
:mod:`.text`           json, jsonl, csv, hex, gpl, css, text
:mod:`.image`          png (the palette bar)
:mod:`.design`         ase, svg, svg-bar, css-gradient, css-dominant, tailwind, roles
=====================  ===========================================================

The command line, the web API and :mod:`palettekit.export` all read this
registry; none keeps a list of formats, suffixes or media types of its own.
Importing this package imports only the registry; the writers' modules are
imported the first time the registry is read.
"""

from __future__ import annotations

from .registry import (
    FORMATS,
    HOLDS,
    ExportFormat,
    export,
    export_many,
    format_for_path,
    get_format,
    known_suffixes,
    register_format,
    save,
)

__all__ = [
    "ExportFormat",
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
