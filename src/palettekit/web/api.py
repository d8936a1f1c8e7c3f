"""The HTTP API: ``POST /api/palette``, ``/api/bar.png``, ``/api/figure.png``, ``/api/preview``;
``GET /api/config``, ``/api/health``; and the serving of one POST, from its body to its answer.

Every POST takes the image as a multipart ``file``, a JSON ``url`` or the raw
bytes, with its options as form fields, JSON members or query parameters
(:mod:`palettekit.web.requests` reads them, :mod:`palettekit.web.fields`
types them). Errors come back as ``{"error": {"type": ..., "message": ...}}``
with the status listed in :data:`palettekit.web.status.ERROR_STATUSES`; the
OpenAPI description of bodies and answers is in :mod:`palettekit.web.openapi`.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from .._version import __version__
from ..errors import ApiError, ExportError, OptionsError, PaletteError
from .fields import (
    DEFAULT_FORMAT,
    RENDER_SIZES,
    export_format,
    options_from_fields,
    render_params,
)
from .jobs import PaletteCache, bar_job, export_job, figure_job, preflight, preview_job
from .openapi import config_body, error_responses, palette_response_content, request_body
from .queue import WorkQueue
from .requests import ImageRequest, read_request
from .settings import Settings
from .status import api_error_for
from .urls import make_address_check

__all__ = ["Services", "make_router"]


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


async def _image_bytes(image: ImageRequest, services: Services, deadline: float) -> bytes:
    """The image's bytes: the upload, or the URL fetched on the fetch queue before ``deadline``
    (a :func:`time.monotonic` time); fetch errors become their :class:`ApiError`."""
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
    """Read, validate, fetch, then run one job of ``kind`` ("palette", "bar", "figure",
    "preview") and answer with its result."""
    settings = services.settings
    deadline = time.monotonic() + settings.request_timeout
    try:
        image = await asyncio.wait_for(read_request(request, settings), settings.request_timeout)
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
            fmt = export_format(fields.pop("format", DEFAULT_FORMAT))
            params: dict[str, Any] = {}
        elif kind in RENDER_SIZES:
            params = render_params(fields, kind, settings)
        else:
            params = {}
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


# --------------------------------------------------------------------------- routes


def make_router(services: Services) -> APIRouter:
    """The ``/api`` routes bound to ``services``."""
    settings = services.settings
    router = APIRouter(prefix="/api", tags=["palette"])

    @router.post(
        "/palette",
        summary="Palette of an image",
        description=(
            "Dominant colors of an image with their shares, "
            "in the palettekit.palette/2 JSON schema "
            "(the CLI's `--format json`), or in another export format with `format`."
        ),
        responses={
            200: {"description": "The palette.", "content": palette_response_content()},
            **error_responses(),
        },
        openapi_extra={"requestBody": request_body(settings, "palette")},
    )
    async def palette(request: Request) -> Response:
        return await _serve(request, services, "palette")

    @router.post(
        "/bar.png",
        summary="Palette bar of an image, as PNG",
        description="Rectangles whose widths follow the shares, in palette order.",
        responses={
            200: {"description": "PNG image.", "content": {"image/png": {}}},
            **error_responses(),
        },
        openapi_extra={"requestBody": request_body(settings, "bar")},
    )
    async def bar(request: Request) -> Response:
        return await _serve(request, services, "bar")

    @router.post(
        "/figure.png",
        summary="The image with its palette bar, as PNG",
        responses={
            200: {"description": "PNG image.", "content": {"image/png": {}}},
            **error_responses(),
        },
        openapi_extra={"requestBody": request_body(settings, "figure")},
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
            **error_responses(),
        },
        openapi_extra={"requestBody": request_body(settings, "preview")},
    )
    async def preview(request: Request) -> Response:
        return await _serve(request, services, "preview")

    @router.get("/config", summary="Limits and defaults of this server")
    async def config() -> JSONResponse:
        return JSONResponse(config_body(settings))

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
