"""Output formats: one registry, the writers of the built-in formats, and their entries.

=====================  ===========================================================
module                 what it holds
=====================  ===========================================================
:mod:`.registry`       :class:`ExportFormat` (name, suffixes, media type, binary,
                       how many palettes a file holds, writers, options, title),
                       :data:`FORMATS`, :func:`register_format`, :func:`export`,
                       :func:`export_many`, :func:`save`
:mod:`.text`           json, jsonl, csv, hex, gpl, css, text
:mod:`.image`          png (the palette bar)
:mod:`.design`         ase, svg, svg-bar, css-gradient, css-dominant, tailwind, roles
=====================  ===========================================================

The writers are plain functions; this package registers them below, with
each format's suffixes, media type, the options front ends set and a title.
The command line (``--format`` and its help, the suffix of ``-o``), the web
API (``format=``, its OpenAPI enum, the media type of the answer) and the
web page's download buttons all read :data:`FORMATS`; none keeps a list of
formats, suffixes, media types or writer options of its own.
"""

from __future__ import annotations

from . import design, image, text
from .registry import (
    FORMATS,
    HOLDS,
    ExportFormat,
    FormatOption,
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

_CSS = "text/css; charset=utf-8"
_JSON = "application/json"
_SVG = "image/svg+xml"

_TIMINGS = FormatOption("timings", "per-stage timings in meta.timings")


def _register_text_formats() -> None:
    """json, jsonl, csv, hex, gpl, css and text (:mod:`.text`)."""
    register_format(
        "json",
        text.to_json,
        (".json",),
        media_type=_JSON,
        func_many=text.to_json_many,
        options=(_TIMINGS,),
        title="JSON",
    )
    register_format(
        "jsonl",
        text.to_jsonl,
        text.JSONL_SUFFIXES,
        media_type="application/x-ndjson",
        holds="many",
        func_many=text.to_jsonl_many,
        options=(_TIMINGS,),
        title="JSON Lines",
    )
    register_format(
        "csv",
        text.to_csv,
        (".csv",),
        media_type="text/csv; charset=utf-8",
        func_many=text.to_csv_many,
        title="CSV",
    )
    register_format("hex", text.to_hex, (".hex",), func_many=text.to_hex_many, title="Hex codes")
    register_format(
        "gpl",
        text.to_gpl,
        (".gpl",),
        options=(FormatOption("name", "the palette's name (the image's name)"),),
        title="GIMP palette",
    )
    register_format(
        "css",
        text.to_css,
        (".css",),
        media_type=_CSS,
        options=(FormatOption("prefix", "custom property prefix"),),
        title="CSS variables",
    )
    register_format(
        "text", text.to_text, (".txt",), func_many=text.to_text_many, title="Text table"
    )


def _register_image_and_design_formats() -> None:
    """png (:mod:`.image`); ase, svg, svg-bar, css-gradient, css-dominant, tailwind and
    roles (:mod:`.design`)."""
    register_format(
        "png",
        image.to_png,
        (".png",),
        binary=True,
        media_type="image/png",
        options=(
            FormatOption("width", "width of the bar in pixels"),
            FormatOption("height", "height of the bar in pixels"),
            FormatOption("labels", "hex codes on the bar"),
        ),
        title="Bar PNG",
    )
    register_format("ase", design.to_ase, (".ase",), binary=True, title="Adobe swatches")
    register_format("svg", design.to_svg_swatches, (".svg",), media_type=_SVG, title="SVG")
    register_format(
        "svg-bar", design.to_svg_bar, media_type=_SVG, file_suffix=".svg", title="SVG bar"
    )
    register_format(
        "css-gradient",
        design.to_css_gradient,
        media_type=_CSS,
        file_suffix=".css",
        title="CSS placeholder",
    )
    register_format(
        "css-dominant",
        design.to_css_dominant,
        media_type=_CSS,
        file_suffix=".css",
        title="CSS dominant color",
    )
    register_format(
        "tailwind", design.to_tailwind, media_type=_JSON, file_suffix=".json", title="Tailwind"
    )
    register_format(
        "roles", design.to_roles, media_type=_JSON, file_suffix=".json", title="Theme roles"
    )


_register_text_formats()
_register_image_and_design_formats()
