"""Reading a request: the image (bytes, or a URL still to fetch) and its other fields.

Every POST takes the image one of three ways:

- ``multipart/form-data`` with a ``file`` part (or a ``url`` field; a
  urlencoded form may carry the ``url`` too);
- ``application/json``: ``{"url": "https://...", "k": 8, ...}``;
- the raw image bytes with an ``image/*`` or ``application/octet-stream`` type;

and the other fields (options, render sizes, format) as form fields, JSON
members or query parameters (the body wins over the query).

Every body is read with its cap applied while it arrives (64 KiB for JSON,
``max_upload_bytes`` for an image), and nothing here opens an image: a body
sent as ``application/x-www-form-urlencoded`` or with no type is taken for a
form only when it is small and looks like one (``k=5&sort=hue``), and
otherwise handed on as image bytes, which the header check in a worker
process judges (:func:`palettekit.web.jobs.web_job`). So no body, whatever
its type, is parsed by Pillow or python-multipart on the event loop.
"""

from __future__ import annotations

import json
import re
import unicodedata
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from ..errors import ApiError
from .fields import REQUEST_FIELD_NAMES
from .middleware import megabytes
from .settings import Settings
from .urls import check_url

__all__ = ["ImageRequest", "read_request", "read_body"]

_FORM_MAX_FIELDS = 32
_FORM_MAX_FIELD_BYTES = 8 * 1024
_JSON_MAX_BYTES = 64 * 1024
_LABEL_MAX = 120
_JSON_MAX_DEPTH = 32

_FORM_TEXT = re.compile(rb"[\x20-\x7e\t\r\n]*")
"""What a urlencoded form is made of: printable ASCII (``curl -d url=https://...`` does not
percent-encode); an image never is, its header alone has bytes outside it."""

_SEND_BYTES_HINT = (
    "To send the image bytes, give their type: "
    "curl -H 'Content-Type: image/jpeg' --data-binary @photo.jpg ..."
)


def _clean_label(name: str | None) -> str:
    """A client's file name made safe to echo: base name, printable, bounded."""
    if not name:
        return "upload"
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return printable[:_LABEL_MAX] or "upload"


@dataclass
class ImageRequest:
    """One request's image (bytes, or a URL still to fetch) and its other fields.

    Attributes
    ----------
    data : bytes or None
        The uploaded image (non-empty, within ``max_upload_bytes``), or None for a URL.
    url : str or None
        The checked http(s) URL to fetch, or None for an upload.
    label : str
        The source's name in the answer: the file's safe base name, "upload"
        for raw bytes, the URL without its credentials.
    fields : dict
        Every other field, the body's over the query's: option names and the
        route's fields (:data:`~palettekit.web.fields.REQUEST_FIELD_NAMES`), to
        strings, or to JSON values.
    typed : frozenset of str
        Names whose values came from JSON (not to be converted from text).
    content_type : str
        The body's media type as sent ("" for none).
    """

    data: bytes | None
    url: str | None
    label: str
    fields: dict[str, Any]
    typed: frozenset[str] = frozenset()
    content_type: str = ""

    def not_an_image(self, message: str) -> ApiError:
        """The answer when the header check finds the bytes are not an image: 415, or 400
        for a body sent with no type; both say how to send image bytes when the body's
        type did not say it was an image."""
        if self.content_type == "":
            return ApiError(
                400,
                "bad_request",
                "no image: send multipart/form-data with a 'file' field, JSON with a 'url', "
                "or the image bytes with their type "
                "(curl -H 'Content-Type: image/jpeg' --data-binary @photo.jpg ...)",
            )
        if self.content_type == "application/x-www-form-urlencoded":
            return ApiError(
                415,
                "unsupported_media_type",
                f"the body is neither an image nor a form of palettekit fields. {_SEND_BYTES_HINT}",
            )
        return ApiError(415, "unsupported_media_type", message)


async def read_request(request: Request, settings: Settings) -> ImageRequest:
    """Read the body: multipart, JSON or raw image bytes (see the module docstring).

    Raises
    ------
    ApiError
        400 for a malformed body, no image, both an image and a URL, or a bad
        or refused URL; 413 for a JSON body over 64 KiB or an upload over
        ``settings.max_upload_bytes`` (as soon as that much has arrived); 415
        for a body type not taken, an empty file, or a urlencoded form with
        fields that are not palettekit's.
    """
    fields: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    image = ImageRequest(None, None, "upload", fields, content_type=content_type)
    if content_type == "multipart/form-data":
        await _read_multipart(request, settings, image)
    elif content_type == "application/json" or content_type.endswith("+json"):
        payload = _parse_json(await read_body(request, _JSON_MAX_BYTES, _json_too_large))
        fields.update(payload)
        image.typed = frozenset(payload)
    elif content_type == "application/x-www-form-urlencoded":
        body = await read_body(request, settings.max_upload_bytes, _upload_too_large(settings))
        form = _as_form(body, settings)
        if form is None:  # curl --data-binary @photo.jpg sends this type unless told otherwise
            image.data = body
        else:
            fields.update(form)
    elif content_type.startswith("image/") or content_type in ("application/octet-stream", ""):
        image.data = await read_body(
            request, settings.max_upload_bytes, _upload_too_large(settings)
        )
        if content_type == "" and not image.data:
            raise image.not_an_image("empty body")
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"request body of type {content_type!r} is not accepted: send multipart/form-data, "
            "application/json with a 'url', or the image bytes as image/*",
        )
    return _checked(image, settings)


def _checked(image: ImageRequest, settings: Settings) -> ImageRequest:
    """``image`` with exactly one of an upload and a checked URL (its label set)."""
    url = image.fields.pop("url", None)
    if image.data is not None and url not in (None, ""):
        raise ApiError(400, "bad_request", "send either an image or a url, not both")
    if image.data is None:
        if url in (None, ""):
            raise ApiError(400, "bad_request", "no image: send a 'file' or a 'url'")
        from ..fetch import display_url

        image.url = check_url(url, settings.allow_private_urls)
        image.label = display_url(image.url)  # without credentials, on one line
        return image
    if len(image.data) > settings.max_upload_bytes:
        raise _upload_too_large(settings)(len(image.data))
    if not image.data:
        raise ApiError(415, "unsupported_media_type", "the uploaded file is empty")
    return image


async def read_body(request: Request, cap: int, too_large: Callable[[int], ApiError]) -> bytes:
    """The request's body, refused with ``too_large(size)`` as soon as more than ``cap``
    bytes have arrived (the rest is never read: the answer closes the connection)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise too_large(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _json_too_large(size: int) -> ApiError:
    return ApiError(
        413,
        "too_large",
        f"a JSON body carries a URL and options: at most {_JSON_MAX_BYTES} bytes, "
        f"got more (send an image as multipart/form-data or image/*)",
        headers={"Connection": "close"},
    )


def _upload_too_large(settings: Settings) -> Callable[[int], ApiError]:
    def error(_size: int) -> ApiError:
        return ApiError(
            413,
            "too_large",
            f"the upload is larger than the limit of {megabytes(settings.max_upload_bytes)} "
            "(--max-upload-mb)",
            headers={"Connection": "close"},
        )

    return error


def _parse_json(body: bytes) -> dict[str, Any]:
    """The JSON object of a body of at most 64 KiB, its members nested at most 32 deep."""
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
    for name, value in payload.items():
        if _nesting(value) > _JSON_MAX_DEPTH:
            raise ApiError(
                400,
                "bad_request",
                f"the JSON member {name[:40]!r} is nested more than {_JSON_MAX_DEPTH} levels deep",
            )
    return payload


def _nesting(value: Any) -> int:
    """How deep lists and objects nest in a JSON value (0 for a scalar), without recursion."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            if depth + 1 > _JSON_MAX_DEPTH:
                break
            stack.extend((child, depth + 1) for child in item)
    return deepest


def _as_form(body: bytes, settings: Settings) -> dict[str, str] | None:
    """A urlencoded body's palettekit fields, or None when it is not a form at all (then
    it is taken for image bytes).

    Only a small body of printable ASCII is parsed (at most 32 fields of
    8 KiB): a form of palettekit fields is a few hundred bytes, an image
    never looks like one, and a long run of ``&`` costs nothing to refuse.
    """
    if len(body) > _FORM_MAX_FIELDS * _FORM_MAX_FIELD_BYTES or not _FORM_TEXT.fullmatch(body):
        return None
    try:
        pairs = urllib.parse.parse_qsl(
            body.decode("ascii"), keep_blank_values=True, max_num_fields=_FORM_MAX_FIELDS
        )
    except ValueError as exc:
        raise ApiError(
            400,
            "bad_request",
            f"the application/x-www-form-urlencoded body cannot be read as a form ({exc}). "
            f"{_SEND_BYTES_HINT}",
        ) from None
    form = dict(pairs)
    strangers = sorted(set(form) - REQUEST_FIELD_NAMES - set(settings.client_option_names))
    if strangers:
        shown = ", ".join(repr(name[:20]) for name in strangers[:3])
        raise ApiError(
            415,
            "unsupported_media_type",
            f"the body is neither an image nor a form of palettekit fields "
            f"(unknown: {shown}). {_SEND_BYTES_HINT}",
        )
    return form


async def _read_multipart(request: Request, settings: Settings, image: ImageRequest) -> None:
    """Read a multipart form into ``image``: its ``file`` part (data and label) and fields."""
    try:
        form = await request.form(
            max_files=1, max_fields=_FORM_MAX_FIELDS, max_part_size=_FORM_MAX_FIELD_BYTES
        )
    except HTTPException as exc:
        raise ApiError(
            400,
            "bad_request",
            f"the multipart/form-data body cannot be read as a form ({exc.detail}). "
            f"{_SEND_BYTES_HINT}",
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
                image.data = await value.read(settings.max_upload_bytes + 1)
                image.label = _clean_label(value.filename)
            else:
                image.fields[name] = value
    finally:
        await form.close()
