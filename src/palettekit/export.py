"""Export a palette: the public names of :mod:`palettekit.formats` in one place.

>>> from palettekit import export
>>> export.save(palette, "palette.gpl")              # doctest: +SKIP
>>> export.export(palette, "css", prefix="--brand")  # doctest: +SKIP

The registry (:data:`FORMATS`, :func:`register_format`, :func:`export`,
:func:`export_many`, :func:`save` ...) lives in
:mod:`palettekit.formats.registry`, the writers of the text formats
(:func:`to_json`, :func:`to_csv` ...) in :mod:`palettekit.formats.text`, the
PNG bar in :mod:`palettekit.formats.image`, and the design-tool formats in
:mod:`palettekit.formats.design`; this module re-exports them under the names
palettekit has always offered.
"""

from __future__ import annotations

from .formats.image import to_png
from .formats.registry import (
    FORMATS,
    PLUGIN_MODULES,
    ExportFormat,
    export,
    export_many,
    format_for_path,
    get_format,
    register_format,
    save,
)
from .formats.text import (
    CSV_COLUMNS,
    to_css,
    to_csv,
    to_gpl,
    to_hex,
    to_json,
    to_jsonl,
    to_text,
)
from .text import format_share

__all__ = [
    "ExportFormat",
    "FORMATS",
    "PLUGIN_MODULES",
    "register_format",
    "get_format",
    "format_for_path",
    "export",
    "export_many",
    "save",
    "CSV_COLUMNS",
    "to_json",
    "to_jsonl",
    "to_csv",
    "to_hex",
    "to_gpl",
    "to_css",
    "to_text",
    "to_png",
    "format_share",
]
