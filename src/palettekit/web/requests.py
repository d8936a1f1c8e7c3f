"""Reading a request: the image (bytes, or a URL still to fetch) and its other fields.

Every POST takes the image one of three ways:

- ``multipart/form-data`` with a ``file`` part (or a ``url`` field; a
  urlencoded form may carry the ``url`` too);
- ``application/json``: ``{"url": "https://...", "k": 8, ...}``;
- the raw image bytes with an ``image/*`` or ``application/octet-stream`` type;

and the other fields (options, render sizes, format) as form fields, JSON
members or query parameters (the body wins over the query).
"""

from __future__ import annotations

import io
import unicodedata
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

__all__ = ["ImageRequest", "read_request"]

_FORM_MAX_FIELDS = 32
_FORM_MAX_FIELD_BYTES = 8 * 1024
_JSON_MAX_BYTES = 64 * 1024
_LABEL_MAX = 120


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
    """

    data: bytes | None
    url: str | None
    label: str
    fields: dict[str, Any]
    typed: frozenset[str] = frozenset()


async def read_request(request: Request, settings: Settings) -> ImageRequest:
    """Read the body: multipart, JSON or raw image bytes (see the module docstring).

    Raises
    ------
    ApiError
        400 for a malformed body, no image, both an image and a URL, or a bad
        or refused URL; 413 for a JSON body over 64 KiB or an upload over
        ``settings.max_upload_bytes``; 415 for a body type not taken, an empty
        file, or a urlencoded body that is neither an image nor a form of
        palettekit fields.
    """
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
                set(fields) - REQUEST_FIELD_NAMES - set(settings.client_option_names)
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
