"""The OpenAPI description of the ``/api`` routes' bodies and answers.

The options' schemas come from their fields' specs
(:class:`~palettekit.options.OptionSpec`) and defaults, bounded by the
server's caps; the error answers from :data:`~palettekit.web.status.ERROR_STATUSES`.
"""

from __future__ import annotations

import copy
from typing import Any

from .._version import __version__
from ..options import option_specs
from .fields import DEFAULT_FORMAT, RENDER_SIZES, served_formats
from .settings import Settings
from .status import ERROR_STATUSES

__all__ = [
    "PALETTE_SCHEMA",
    "config_body",
    "error_responses",
    "palette_response_content",
    "option_schemas",
    "request_body",
    "route_field_schemas",
]


def option_schemas(settings: Settings) -> dict[str, dict[str, Any]]:
    """OpenAPI schema of every web-settable option, from its field's spec and default.

    In field order: ``type`` from the default's type (unless the spec gives a
    ``oneOf``), ``enum`` from the spec's choices, the spec's own keywords, the
    server's cap (:meth:`Settings.option_caps`) as ``maximum`` where there is
    one, and the server's default (:meth:`Settings.base_options`) unless it is None.
    """
    defaults = settings.base_options()
    caps = settings.option_caps()
    schemas: dict[str, dict[str, Any]] = {}
    for name, (default, spec) in option_specs(type(settings.options)).items():
        if not spec.web:
            continue
        schema: dict[str, Any] = {}
        if "oneOf" not in spec.schema:
            if isinstance(default, bool):
                schema["type"] = "boolean"
            elif isinstance(default, int):
                schema["type"] = "integer"
            elif isinstance(default, float):
                schema["type"] = "number"
            else:
                schema["type"] = "string"
        if spec.choices:
            schema["enum"] = list(spec.choices)
        schema.update(copy.deepcopy(dict(spec.schema)))
        if name in caps:
            numeric = [s for s in schema.get("oneOf", [schema]) if "maximum" in s or "minimum" in s]
            for part in numeric:
                part["maximum"] = caps[name]
        value = getattr(defaults, name)
        if value is not None:
            schema["default"] = value
        schemas[name] = schema
    return schemas


def config_body(settings: Settings) -> dict[str, Any]:
    """The answer of ``GET /api/config``: what a client (the web page) needs to build its form.

    Returns
    -------
    dict
        ``version``; ``defaults`` (the server's default of every web option);
        ``limits`` (upload bytes, image and working pixels, ``max_k``, the
        render width, the time limits); ``allow_private_urls``; ``options``,
        the OpenAPI schema of every web option (:func:`option_schemas`: its
        type, ``enum`` of choices, ``minimum`` and ``maximum`` under the
        server's caps, default); and ``formats``, every format
        ``/api/palette`` serves with its ``title``, ``file_suffix`` and
        ``media_type``, in name order.
    """
    from ..formats import FORMATS

    base = settings.base_options().to_dict()
    return {
        "version": __version__,
        "defaults": {name: base[name] for name in settings.client_option_names},
        "limits": {
            "max_upload_bytes": settings.max_upload_bytes,
            "max_image_pixels": settings.max_image_pixels,
            "max_k": settings.max_k,
            "max_work_pixels": settings.max_work_pixels,
            "max_render_width": settings.max_render_width,
            "request_timeout": settings.request_timeout,
            "fetch_timeout": settings.fetch_timeout,
        },
        "allow_private_urls": settings.allow_private_urls,
        "options": option_schemas(settings),
        "formats": [
            {
                "name": name,
                "title": FORMATS[name].title,
                "file_suffix": FORMATS[name].file_suffix,
                "media_type": FORMATS[name].media_type,
            }
            for name in served_formats()
        ],
    }


def route_field_schemas(settings: Settings, route: str) -> dict[str, dict[str, Any]]:
    """OpenAPI schema of the fields ``route`` takes beside the image and the options.

    ``/api/palette`` takes ``format``; the image routes (``bar``, ``figure``)
    their sizes (:data:`~palettekit.web.fields.RENDER_SIZES`) and ``labels``;
    ``preview`` nothing more.
    """
    if route == "palette":
        return {
            "format": {
                "type": "string",
                "enum": list(served_formats()),
                "default": DEFAULT_FORMAT,
                "example": "css",
                "description": f"{DEFAULT_FORMAT} (default), css, gpl, csv, "
                "or any other palettekit export format.",
            }
        }
    if route not in RENDER_SIZES:
        return {}
    size = {"type": "integer", "minimum": 1, "maximum": settings.max_render_width}
    labels = {"type": "boolean", "default": False, "description": "Print hex codes on the bar."}
    return {**{name: size for name in RENDER_SIZES[route]}, "labels": labels}


def request_body(settings: Settings, route: str) -> dict[str, Any]:
    """The ``requestBody`` of the POST route ``route`` ("palette", "bar", "figure", "preview"):
    the image as a multipart file, a JSON URL or raw bytes, with the options and the
    route's own fields (:func:`route_field_schemas`)."""
    options = option_schemas(settings)
    extra = route_field_schemas(settings, route)
    form_props = {
        "file": {"type": "string", "format": "binary", "description": "The image."},
        "url": {"type": "string", "description": "An http(s) image URL, instead of a file."},
        **options,
        **extra,
    }
    json_props = {
        "url": {"type": "string", "example": "https://example.org/photo.jpg"},
        **options,
        **extra,
    }
    return {
        "required": True,
        "description": (
            f"The image (at most {settings.max_upload_bytes} bytes) as a multipart 'file', "
            "a JSON 'url', or the raw bytes; options as fields, JSON members or query parameters."
        ),
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "properties": form_props}},
            "application/json": {
                "schema": {"type": "object", "properties": json_props, "required": ["url"]}
            },
            "image/*": {"schema": {"type": "string", "format": "binary"}},
        },
    }


_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
            "required": ["type", "message"],
        }
    },
    "required": ["error"],
}


def error_responses() -> dict[int | str, Any]:
    """The error answers every route may give: one per status of ``ERROR_STATUSES``."""
    return {
        str(status): {
            "description": text,
            "content": {"application/json": {"schema": _ERROR_SCHEMA}},
        }
        for status, text in ERROR_STATUSES.items()
    }


def palette_response_content() -> dict[str, Any]:
    """The ``content`` of ``/api/palette``'s answer: every media type of a served format
    (:func:`~palettekit.web.fields.served_formats`), without parameters; JSON with
    :data:`PALETTE_SCHEMA`."""
    from ..formats import FORMATS

    content: dict[str, Any] = {"application/json": {"schema": PALETTE_SCHEMA}}
    for name in served_formats():
        media_type = FORMATS[name].media_type.split(";")[0].strip()
        content.setdefault(media_type, {})
    return content


PALETTE_SCHEMA = {
    "type": "object",
    "description": "The palettekit.palette/2 schema, as `palettekit --format json` writes it.",
    "properties": {
        "schema": {"type": "string", "example": "palettekit.palette/2"},
        "colors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "hex": {"type": "string", "example": "#2b3a4f"},
                    "rgb": {
                        "type": "array",
                        "items": {"type": "integer"},
                        "minItems": 3,
                        "maxItems": 3,
                    },
                    "share": {"type": "number"},
                    "count": {"type": "integer"},
                    "oklab": {
                        "type": "array",
                        "items": {"type": "number"},
                        "minItems": 3,
                        "maxItems": 3,
                    },
                    "name": {
                        "type": "string",
                        "example": "dark blue grey",
                        "description": "The name people use (xkcd color survey); "
                        "it always says the color's family.",
                    },
                    "name_distance": {"type": "number"},
                    "family": {"type": "string", "example": "blue"},
                    "css_name": {
                        "type": "string",
                        "example": "darkslategray",
                        "description": (
                            "The nearest CSS named color of the same kind (a gray for a neutral "
                            "color, a hue for a colored one), by a hue- and chroma-aware distance."
                        ),
                    },
                    "css_distance": {"type": "number"},
                },
            },
        },
        "meta": {"type": "object"},
    },
}
