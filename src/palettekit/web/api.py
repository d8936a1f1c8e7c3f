"""The HTTP API: ``POST /api/palette``, ``/api/bar.png``, ``/api/figure.png``, ``/api/preview``;
``GET /api/config``.

Every POST takes the image one of three ways:

- ``multipart/form-data`` with a ``file`` part (or a ``url`` field; a
  urlencoded form may carry the ``url`` too);
- ``application/json``: ``{"url": "https://...", "k": 8, ...}``;
- the raw image bytes with an ``image/*`` or ``application/octet-stream`` type;

and the extract options (``k``, ``sort``, ``space`` ...) as form fields,
JSON members or query parameters (the body wins over the query). Errors
come back as ``{"error": {"type": ..., "message": ...}}`` with the status
listed in :data:`ERROR_STATUSES`.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import io
import logging
import math
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from .._version import __version__
from ..errors import (
    AddressRefusedError,
    ApiError,
    EmptyImageError,
    ExportError,
    FetchError,
    FetchTimeoutError,
    ImageLoadError,
    ImageTooLargeError,
    OptionsError,
    PaletteError,
    UnsupportedImageError,
)
from ..options import Options, option_specs
from .jobs import PaletteCache, bar_job, export_job, figure_job, preflight, preview_job
from .middleware import megabytes
from .queue import WorkQueue
from .settings import Settings
from .urls import check_url, make_address_check

__all__ = ["Services", "make_router", "api_error_for", "options_from_fields", "ERROR_STATUSES"]

log = logging.getLogger("palettekit.web")

ERROR_STATUSES: dict[int, str] = {
    400: "bad options, bad URL, refused URL address, or a malformed request",
    408: "the request body arrived too slowly",
    413: "the upload, a JSON body, the image's pixels or decoding memory, or a fetched body "
    "exceeds a limit",
    415: "not an image (or a request body type the API does not take)",
    422: "an image that cannot be decoded, or with no opaque pixel",
    502: "the URL could not be fetched (HTTP error, network error)",
    503: "the server is busy; try again (Retry-After)",
    504: "the URL or the work took longer than the server's time limit",
}

# Every field a form may carry: the image's URL, the options, and the export
# and rendering parameters.
_REQUEST_FIELD_NAMES = frozenset({"url", "format", "width", "height", "bar_height", "labels"})
_FORM_MAX_FIELDS = 32
_FORM_MAX_FIELD_BYTES = 8 * 1024
_JSON_MAX_BYTES = 64 * 1024
_LABEL_MAX = 120

DEFAULT_FORMAT = "json"
"""The format of ``/api/palette`` when the request names none; it is the
response itself, the other formats are downloads (``Content-Disposition:
attachment`` named ``palette`` plus the format's file suffix)."""


@dataclass
class Services:
    """What the routes share: settings, work queues and the palette cache.

    ``header_queue`` runs the header check (:func:`~palettekit.web.jobs.preflight`)
    off the event loop, ``cluster_queue`` the decoding and clustering,
    ``fetch_queue`` URL downloads.
    """

    settings: Settings
    cluster_queue: WorkQueue
    fetch_queue: WorkQueue
    cache: PaletteCache
    header_queue: WorkQueue

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        return cls(
            settings=settings,
            cluster_queue=WorkQueue("cluster", settings.workers, settings.queue_size),
            fetch_queue=WorkQueue("fetch", settings.fetch_workers, 0),
            cache=PaletteCache(),
            header_queue=WorkQueue("header check", settings.workers, settings.queue_size),
        )

    def shutdown(self) -> None:
        self.cluster_queue.shutdown()
        self.fetch_queue.shutdown()
        self.header_queue.shutdown()


# --------------------------------------------------------------------------- errors


def api_error_for(exc: BaseException) -> ApiError:
    """The HTTP answer for an exception raised while serving a request."""
    if isinstance(exc, ApiError):
        return exc
    message = str(exc) or type(exc).__name__
    if isinstance(exc, OptionsError):
        return ApiError(400, "bad_options", message)
    if isinstance(exc, ExportError):
        return ApiError(400, "bad_format", message)
    if isinstance(exc, FetchTimeoutError):
        return ApiError(504, "timeout", message)
    if isinstance(exc, FetchError):
        if isinstance(exc, AddressRefusedError) or isinstance(exc.__cause__, AddressRefusedError):
            return ApiError(400, "url_refused", message)
        return ApiError(502, "fetch_failed", message)
    if isinstance(exc, ImageTooLargeError):
        return ApiError(413, "too_large", message)
    if isinstance(exc, UnsupportedImageError):
        return ApiError(415, "unsupported_media_type", message)
    if isinstance(exc, EmptyImageError):
        return ApiError(422, "empty_image", message)
    if isinstance(exc, ImageLoadError):
        return ApiError(422, "unreadable_image", message)
    if isinstance(exc, PaletteError):
        return ApiError(400, "bad_request", message)
    if isinstance(exc, MemoryError):
        return ApiError(413, "too_large", "not enough memory for this image")
    log.error("unexpected error while serving a request", exc_info=exc)
    return ApiError(500, "internal", "internal error; the server's log has the details")


# --------------------------------------------------------------------------- fields


def _coerce_option(name: str, default: Any, value: Any) -> Any:
    """Turn a form or query string into the option's type (JSON values pass as they are).

    The type follows the field's default: on/off, integer, number, or text
    (with "" and "none" meaning None where the default is None). Text that is
    not a number is left for :class:`Options` to refuse, with its message.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if isinstance(default, bool):
        return _parse_bool(name, text)
    if default is None and text.lower() in ("", "none"):
        return None
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            return value
    if isinstance(default, float):
        try:
            number = float(text)
        except ValueError:
            raise OptionsError(f"{name} must be a number, got {value!r}") from None
        if not math.isfinite(number):
            raise OptionsError(f"{name} must be a finite number, got {value!r}")
        return number
    return text


def options_from_fields(
    fields: dict[str, Any], settings: Settings, typed: frozenset[str] = frozenset()
) -> Options:
    """Validated options for one request: the server's defaults, the request's fields on top.

    Parameters
    ----------
    fields : dict
        Option names (web-settable fields of the settings' options class) to values:
        strings from a form or query (converted to the option's type), or
        JSON values (taken as they are).
    settings : Settings
        The server's defaults and caps.
    typed : frozenset of str
        Names whose values came from JSON and must already have the right type.

    Raises
    ------
    OptionsError
        Unknown or server-controlled option, bad value, or a value above the
        server's cap.
    """
    accepted = settings.client_option_names
    unknown = sorted(set(fields) - set(accepted))
    if unknown:
        raise OptionsError(
            f"unknown option{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
            f"(accepted: {', '.join(accepted)})"
        )
    defaults = {
        name: default for name, (default, _) in option_specs(type(settings.options)).items()
    }
    values = {
        name: value if name in typed else _coerce_option(name, defaults[name], value)
        for name, value in fields.items()
    }
    if "max_pixels" in values and values["max_pixels"] is None:
        raise OptionsError(
            f"max_pixels must be an integer up to {settings.max_work_pixels} on this server"
        )
    base = settings.base_options()
    options = type(base).from_kwargs(base, **values)
    for name, cap in _caps(settings).items():
        value = getattr(options, name)
        if isinstance(value, int) and value > cap:
            raise OptionsError(f"{name} must be at most {cap} on this server, got {value}")
    return options


def _parse_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise OptionsError(f"{name} must be true or false, got {value!r}")


def _parse_size(name: str, value: Any, cap: int) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise OptionsError(f"{name} must be an integer, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= cap:
        raise OptionsError(f"{name} must be an integer between 1 and {cap}, got {value!r}")
    return value


def _render_params(fields: dict[str, Any], sizes: tuple[str, ...], cap: int) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name in sizes:
        if name in fields:
            params[name] = _parse_size(name, fields.pop(name), cap)
    if "labels" in fields:
        params["labels"] = _parse_bool("labels", fields.pop("labels"))
    return params


def _export_format(value: Any) -> str:
    """The export format asked for: a registered format that holds one palette.

    A response is one palette, so formats that hold a sequence of them
    (jsonl) are not offered.
    """
    from ..formats import FORMATS

    fmt = str(value).strip().lower()
    served = [name for name, entry in FORMATS.items() if entry.holds != "many"]
    if fmt not in served:
        raise ExportError(f"unknown format {value!r} (known: {', '.join(served)})")
    return fmt


def _clean_label(name: str | None) -> str:
    """A client's file name made safe to echo: base name, printable, bounded."""
    if not name:
        return "upload"
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return printable[:_LABEL_MAX] or "upload"


# --------------------------------------------------------------------------- request


@dataclass
class ImageRequest:
    """One request's image (bytes, or a URL still to fetch) and its other fields."""

    data: bytes | None
    url: str | None
    label: str
    fields: dict[str, Any]
    typed: frozenset[str] = frozenset()


async def _read_request(request: Request, settings: Settings) -> ImageRequest:
    """Read the body: multipart, JSON or raw image bytes (see the module docstring)."""
    fields: dict[str, Any] = dict(request.query_params)
    typed: frozenset[str] = frozenset()
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    data: bytes | None = None
    label = "upload"

    if content_type == "application/x-www-form-urlencoded" and _looks_like_image(
        await request.body()
    ):
        # curl --data-binary @photo.jpg sends this type unless told otherwise
        data = await request.body()
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form(
                max_files=1, max_fields=_FORM_MAX_FIELDS, max_part_size=_FORM_MAX_FIELD_BYTES
            )
        except HTTPException as exc:
            raise ApiError(
                400,
                "bad_request",
                f"the {content_type} body cannot be read as a form ({exc.detail}). To send "
                "the image bytes themselves, give their type: "
                "curl -H 'Content-Type: image/jpeg' --data-binary @photo.jpg ...",
            ) from None
        try:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if name != "file":
                        raise ApiError(
                            400,
                            "bad_request",
                            f"unexpected file field {name!r}; send the image as 'file'",
                        )
                    data = await value.read(settings.max_upload_bytes + 1)
                    label = _clean_label(value.filename)
                else:
                    fields[name] = value
        finally:
            await form.close()
        if content_type == "application/x-www-form-urlencoded":
            strangers = sorted(
                set(fields) - _REQUEST_FIELD_NAMES - set(settings.client_option_names)
            )
            if strangers:
                shown = ", ".join(repr(name[:20]) for name in strangers[:3])
                raise ApiError(
                    415,
                    "unsupported_media_type",
                    f"the body is neither an image nor a form of palettekit fields "
                    f"(unknown: {shown}). To send the image bytes, give their type: "
                    "curl -H 'Content-Type: image/jpeg' --data-binary @photo.jpg ...",
                )
    elif content_type == "application/json" or content_type.endswith("+json"):
        import json

        body = await request.body()
        if len(body) > _JSON_MAX_BYTES:
            raise ApiError(
                413,
                "too_large",
                f"a JSON body carries a URL and options: at most {_JSON_MAX_BYTES} bytes, "
                f"got {len(body)} (send an image as multipart/form-data or image/*)",
            )
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "bad_request", f"the body is not valid JSON: {exc}") from None
        except RecursionError:
            raise ApiError(400, "bad_request", "the JSON body is nested too deeply") from None
        if not isinstance(payload, dict):
            raise ApiError(
                400, "bad_request", 'the JSON body must be an object such as {"url": "https://..."}'
            )
        fields.update(payload)
        typed = frozenset(payload)
    elif content_type.startswith("image/") or content_type == "application/octet-stream":
        data = await request.body()
    elif not content_type:
        data = await request.body()
        if not _looks_like_image(data):
            raise ApiError(
                400,
                "bad_request",
                "no image: send multipart/form-data with a 'file' field, JSON with a 'url', "
                "or the image bytes with their type "
                "(curl -H 'Content-Type: image/jpeg' --data-binary @photo.jpg ...)",
            )
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"request body of type {content_type!r} is not accepted: send multipart/form-data, "
            "application/json with a 'url', or the image bytes as image/*",
        )

    url = fields.pop("url", None)
    if data is not None and url not in (None, ""):
        raise ApiError(400, "bad_request", "send either an image or a url, not both")
    if data is None:
        if url in (None, ""):
            raise ApiError(400, "bad_request", "no image: send a 'file' or a 'url'")
        from ..fetch import display_url

        url = check_url(url, settings.allow_private_urls)
        label = display_url(url)  # without credentials, on one line
        return ImageRequest(data=None, url=url, label=label, fields=fields, typed=typed)
    if len(data) > settings.max_upload_bytes:
        raise ApiError(
            413,
            "too_large",
            f"the upload is larger than the limit of {megabytes(settings.max_upload_bytes)}",
            headers={"Connection": "close"},
        )
    if not data:
        raise ApiError(415, "unsupported_media_type", "the uploaded file is empty")
    return ImageRequest(data=data, url=None, label=label, fields=fields, typed=typed)


def _looks_like_image(body: bytes) -> bool:
    """True if Pillow recognises ``body`` as an image from its header (no decoding)."""
    if not body:
        return False
    from PIL import Image

    try:
        with Image.open(io.BytesIO(body)):
            return True
    except Exception:  # noqa: BLE001 - anything Pillow cannot open is not an image here
        return False


async def _image_bytes(image: ImageRequest, services: Services, deadline: float) -> bytes:
    if image.data is not None:
        return image.data
    from ..fetch import fetch_url

    settings = services.settings
    assert image.url is not None
    fetch = functools.partial(
        fetch_url,
        image.url,
        timeout=settings.fetch_timeout,
        max_bytes=settings.max_upload_bytes,
        check_address=make_address_check(settings.allow_private_urls),
    )
    try:
        return await services.fetch_queue.run(fetch, timeout=deadline - time.monotonic())
    except PaletteError as exc:
        raise api_error_for(exc) from None


async def _serve(request: Request, services: Services, kind: str) -> Response:
    """Read, validate, fetch, then run one job of ``kind`` ("palette", "bar", "figure")."""
    settings = services.settings
    deadline = time.monotonic() + settings.request_timeout
    try:
        image = await asyncio.wait_for(_read_request(request, settings), settings.request_timeout)
    except ClientDisconnect:
        raise ApiError(
            400, "client_disconnected", "the client went away before sending the whole body"
        ) from None
    except asyncio.TimeoutError:
        raise ApiError(
            408,
            "request_timeout",
            f"the request body did not arrive within {settings.request_timeout:g} s",
            headers={"Connection": "close"},
        ) from None
    fields = image.fields
    try:
        if kind == "palette":
            fmt = _export_format(fields.pop("format", DEFAULT_FORMAT))
            params: dict[str, Any] = {}
        elif kind == "bar":
            params = _render_params(fields, ("width", "height"), settings.max_render_width)
        elif kind == "preview":
            params = {}
        else:
            params = _render_params(fields, ("width", "bar_height"), settings.max_render_width)
        options = options_from_fields(fields, settings, image.typed)
    except (OptionsError, ExportError) as exc:
        raise api_error_for(exc) from None

    data = await _image_bytes(image, services, deadline)
    # Nothing that reads the image runs on the event loop, not even the header
    # check: Pillow parses a JPEG's markers or a PNG's chunks in Python, and a
    # 19 MB file of 5 million COM markers took 4 s to open. The check has its
    # own pool, so non-images and bombs are refused without a clustering slot.
    try:
        await services.header_queue.run(
            preflight, data, image.label, options, timeout=deadline - time.monotonic()
        )
    except PaletteError as exc:
        raise api_error_for(exc) from None
    queue = services.cluster_queue
    remaining = deadline - time.monotonic()
    result: str | bytes | tuple[bytes, str]
    try:
        if kind == "palette":
            result = await queue.run(
                export_job, data, image.label, options, fmt, services.cache, timeout=remaining
            )
        elif kind == "bar":
            result = await queue.run(
                bar_job, data, image.label, options, params, services.cache, timeout=remaining
            )
        elif kind == "preview":
            result = await queue.run(preview_job, data, image.label, options, timeout=remaining)
        else:
            result = await queue.run(
                figure_job, data, image.label, options, params, services.cache, timeout=remaining
            )
    except ApiError as exc:
        if exc.status == 504:
            raise ApiError(
                504,
                "timeout",
                f"the request took longer than the limit of {settings.request_timeout:g} s",
            ) from None
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON error
        raise api_error_for(exc) from None

    headers = {"Cache-Control": "no-store"}
    if kind == "palette":
        from ..formats import get_format

        entry = get_format(fmt)
        if fmt != DEFAULT_FORMAT:
            headers["Content-Disposition"] = f'attachment; filename="palette{entry.file_suffix}"'
        return Response(result, media_type=entry.media_type, headers=headers)
    if isinstance(result, tuple):  # the preview: the image and its type
        encoded, media_type = result
        suffix = "png" if media_type == "image/png" else "jpg"
        headers["Content-Disposition"] = f'inline; filename="preview.{suffix}"'
        return Response(encoded, media_type=media_type, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="palette-{kind}.png"'
    return Response(result, media_type="image/png", headers=headers)


# --------------------------------------------------------------------------- OpenAPI


def _caps(settings: Settings) -> dict[str, int]:
    """The server's caps on options a request may set (below the options' own bounds)."""
    return {
        "k": settings.max_k,
        "max_k": settings.max_k,
        "n_init": settings.max_n_init,
        "max_iter": settings.max_max_iter,
        "max_pixels": settings.max_work_pixels,
    }


def _option_schemas(settings: Settings) -> dict[str, dict[str, Any]]:
    """OpenAPI schema of every web-settable option, from its field's spec and default."""
    defaults = settings.base_options()
    caps = _caps(settings)
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


def _request_body(settings: Settings, extra: dict[str, dict[str, Any]]) -> dict[str, Any]:
    options = _option_schemas(settings)
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


def _error_responses() -> dict[int | str, Any]:
    return {
        str(status): {
            "description": text,
            "content": {"application/json": {"schema": _ERROR_SCHEMA}},
        }
        for status, text in ERROR_STATUSES.items()
    }


_PALETTE_SCHEMA = {
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
                        "description": "The nearest CSS named color.",
                    },
                    "css_distance": {"type": "number"},
                },
            },
        },
        "meta": {"type": "object"},
    },
}


# --------------------------------------------------------------------------- routes


def make_router(services: Services) -> APIRouter:
    """The ``/api`` routes bound to ``services``."""
    settings = services.settings
    router = APIRouter(prefix="/api", tags=["palette"])
    size = {"type": "integer", "minimum": 1, "maximum": settings.max_render_width}
    labels = {"type": "boolean", "default": False, "description": "Print hex codes on the bar."}
    fmt = {
        "type": "string",
        "default": "json",
        "example": "css",
        "description": "json (default), css, gpl, csv, or any other palettekit export format.",
    }

    @router.post(
        "/palette",
        summary="Palette of an image",
        description=(
            "Dominant colors of an image with their shares, "
            "in the palettekit.palette/2 JSON schema "
            "(the CLI's `--format json`), or in another export format with `format`."
        ),
        responses={
            200: {
                "description": "The palette.",
                "content": {
                    "application/json": {"schema": _PALETTE_SCHEMA},
                    "text/css": {},
                    "text/plain": {},
                },
            },
            **_error_responses(),
        },
        openapi_extra={"requestBody": _request_body(settings, {"format": fmt})},
    )
    async def palette(request: Request) -> Response:
        return await _serve(request, services, "palette")

    @router.post(
        "/bar.png",
        summary="Palette bar of an image, as PNG",
        description="Rectangles whose widths follow the shares, in palette order.",
        responses={
            200: {"description": "PNG image.", "content": {"image/png": {}}},
            **_error_responses(),
        },
        openapi_extra={
            "requestBody": _request_body(
                settings, {"width": size, "height": size, "labels": labels}
            )
        },
    )
    async def bar(request: Request) -> Response:
        return await _serve(request, services, "bar")

    @router.post(
        "/figure.png",
        summary="The image with its palette bar, as PNG",
        responses={
            200: {"description": "PNG image.", "content": {"image/png": {}}},
            **_error_responses(),
        },
        openapi_extra={
            "requestBody": _request_body(
                settings, {"width": size, "bar_height": size, "labels": labels}
            )
        },
    )
    async def figure(request: Request) -> Response:
        return await _serve(request, services, "figure")

    @router.post(
        "/preview",
        summary="The image as the server read it",
        description=(
            "The image, upright and in sRGB, reduced to at most 2 megapixels: JPEG, or PNG "
            "when it has transparency. The page shows this copy for an image URL, so the "
            "browser never contacts the image's host."
        ),
        responses={
            200: {"description": "The image.", "content": {"image/jpeg": {}, "image/png": {}}},
            **_error_responses(),
        },
        openapi_extra={"requestBody": _request_body(settings, {})},
    )
    async def preview(request: Request) -> Response:
        return await _serve(request, services, "preview")

    @router.get("/config", summary="Limits and defaults of this server")
    async def config() -> JSONResponse:
        return JSONResponse(
            {
                "version": __version__,
                "defaults": {
                    name: settings.base_options().to_dict()[name]
                    for name in settings.client_option_names
                },
                "limits": {
                    "max_upload_bytes": settings.max_upload_bytes,
                    "max_image_pixels": settings.max_image_pixels,
                    "max_k": settings.max_k,
                    "max_work_pixels": settings.max_work_pixels,
                    "request_timeout": settings.request_timeout,
                    "fetch_timeout": settings.fetch_timeout,
                },
                "allow_private_urls": settings.allow_private_urls,
            }
        )

    @router.get("/health", summary="Liveness and load")
    async def health() -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "jobs_in_progress": services.cluster_queue.in_progress,
                "fetches_in_progress": services.fetch_queue.in_progress,
            }
        )

    return router
