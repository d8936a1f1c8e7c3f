"""What an exception means over HTTP: its status and error type.

Errors come back as ``{"error": {"type": ..., "message": ...}}`` with one of
the statuses listed in :data:`ERROR_STATUSES`; :func:`api_error_for` picks
the status and type of an exception raised while serving a request.
"""

from __future__ import annotations

import logging

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

__all__ = ["ERROR_STATUSES", "api_error_for"]

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


def api_error_for(exc: BaseException) -> ApiError:
    """The HTTP answer for an exception raised while serving a request.

    An :class:`ApiError` is its own answer. palettekit's errors map by class,
    the most specific first (a :class:`FetchTimeoutError` is 504 before any
    :class:`FetchError` is 502; a fetch refused by the address check is 400),
    with the exception's message. A :class:`MemoryError` is 413. Anything
    else is a bug: 500, logged with its traceback, its details kept from the
    client.
    """
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
