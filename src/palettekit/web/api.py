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
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from .._version import __version__
from ..errors import (
    ApiError,
    ExportError,
    FetchTimeoutError,
    OptionsError,
    PaletteError,
    UnsupportedImageError,
)
from .fields import (
    DEFAULT_FORMAT,
    RENDER_SIZES,
    export_format,
    options_from_fields,
    render_params,
)
from .jobs import PaletteCache, check_figure_size, preflight, web_job
from .openapi import config_body, error_responses, palette_response_content, request_body
from .queue import WorkerPool, WorkQueue
from .requests import ImageRequest, read_request
from .settings import MIB, Settings
from .status import api_error_for
from .urls import make_address_check

__all__ = ["Services", "make_router"]

_RECYCLE_BYTES = 150 * MIB
"""A worker process whose resident memory grew by more than this during a job is
replaced after it, so that what one large image took goes back to the system."""


@dataclass
class Services:
    """What the routes share: settings, the pools, the palette cache, the jobs in flight.

    ``header_queue`` runs the header check (:func:`~palettekit.web.jobs.preflight`)
    and ``cluster_queue`` the decoding, clustering and rendering, each in
    worker processes that are killed at their deadline (the check's is
    ``check_timeout``, so non-images, bombs and marker floods are refused
    without a clustering worker); ``fetch_queue`` runs URL downloads on threads (each
    with its own total deadline). ``in_flight`` maps the key of a job being
    computed to its task, so identical requests at once share one job.
    """

    settings: Settings
    cluster_queue: WorkerPool
    fetch_queue: WorkQueue
    cache: PaletteCache
    header_queue: WorkerPool
    in_flight: dict[tuple[Any, ...], asyncio.Future[Any]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        return cls(
            settings=settings,
            cluster_queue=WorkerPool(
                "cluster",
                settings.workers,
                settings.queue_size,
                memory_limit=settings.worker_memory_limit,
                recycle_bytes=_RECYCLE_BYTES,
            ),
            fetch_queue=WorkQueue("fetch", settings.fetch_workers, 0),
            cache=PaletteCache(),
            header_queue=WorkerPool(
                "header check",
                settings.workers,
                settings.queue_size,
                memory_limit=settings.worker_memory_limit,
                recycle_bytes=_RECYCLE_BYTES,
            ),
        )

    def start(self) -> None:
        """Start the worker processes now (blocking: call it off the event loop)."""
        self.header_queue.start()
        self.cluster_queue.start()

    def shutdown(self) -> None:
        self.cluster_queue.shutdown()
        self.header_queue.shutdown()
        self.fetch_queue.shutdown()


def _seconds(value: float) -> str:
    """A time limit for messages: ``30``, ``0.3``, ``4.97`` (never ``4.97469``)."""
    return f"{value:.3g}"


def _request_timed_out(settings: Settings) -> ApiError:
    return ApiError(
        504,
        "timeout",
        f"the request took longer than the limit of {_seconds(settings.request_timeout)} s "
        "(--request-timeout)",
    )


@dataclass
class _Job:
    """One request's work once its body is read: what to compute, from what, by when."""

    kind: str
    image: ImageRequest
    options: Any
    extra: dict[str, Any]
    deadline: float


async def _serve(request: Request, services: Services, kind: str) -> Response:
    """Read, validate, fetch, then run one job of ``kind`` ("palette", "bar", "figure",
    "preview") and answer with its result."""
    settings = services.settings
    deadline = time.monotonic() + settings.request_timeout
    image = await _read(request, settings)
    job = _job_of(kind, image, settings, deadline)
    data = await _image_bytes(image, services, deadline)
    result = await _shared_result(services, job, data)
    return _answer(job, result)


async def _read(request: Request, settings: Settings) -> ImageRequest:
    """The request's body, read within the request's time limit (408 past it)."""
    try:
        return await asyncio.wait_for(read_request(request, settings), settings.request_timeout)
    except ClientDisconnect:
        raise ApiError(
            400, "client_disconnected", "the client went away before sending the whole body"
        ) from None
    except asyncio.TimeoutError:
        raise ApiError(
            408,
            "request_timeout",
            f"the request body did not arrive within {_seconds(settings.request_timeout)} s "
            "(--request-timeout)",
            headers={"Connection": "close"},
        ) from None


def _job_of(kind: str, image: ImageRequest, settings: Settings, deadline: float) -> _Job:
    """The job a request asks for: its options and the route's own fields, validated."""
    fields = image.fields
    extra: dict[str, Any] = {}
    try:
        if kind == "palette":
            extra["format"] = export_format(fields.pop("format", DEFAULT_FORMAT))
        elif kind in RENDER_SIZES:
            extra = render_params(fields, kind, settings)
            if kind == "figure":
                check_figure_size(extra)
        options = options_from_fields(fields, settings, image.typed)
    except (OptionsError, ExportError) as exc:
        raise api_error_for(exc) from None
    except RecursionError:  # a value nested too deeply to describe
        raise ApiError(400, "bad_options", "an option's value is nested too deeply") from None
    return _Job(kind, image, options, extra, deadline)


async def _image_bytes(image: ImageRequest, services: Services, deadline: float) -> bytes:
    """The image's bytes: the upload, or the URL fetched on the fetch queue before ``deadline``
    (a :func:`time.monotonic` time); fetch errors become their :class:`ApiError`.

    The fetch gets ``--fetch-timeout`` or what is left of the request's time,
    whichever is shorter, so it ends (and gives its slot back) by the
    request's deadline at the latest.
    """
    if image.data is not None:
        return image.data
    from ..fetch import fetch_url

    settings = services.settings
    assert image.url is not None
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _request_timed_out(settings)
    fetch = functools.partial(
        fetch_url,
        image.url,
        timeout=min(settings.fetch_timeout, remaining),
        max_bytes=settings.max_upload_bytes,
        check_address=make_address_check(settings.allow_private_urls),
        timeout_name="--fetch-timeout",
        size_name="--max-upload-mb",
    )
    try:
        return await services.fetch_queue.run(fetch, timeout=remaining + 1)
    except FetchTimeoutError as exc:
        if remaining < settings.fetch_timeout:
            raise _request_timed_out(settings) from None
        raise api_error_for(exc) from None
    except PaletteError as exc:
        raise api_error_for(exc) from None


async def _shared_result(services: Services, job: _Job, data: bytes) -> Any:
    """The job's result; identical jobs in flight at once (same bytes, label, options,
    route and fields) share one computation, each waiting for it until its own deadline."""
    key = await asyncio.to_thread(PaletteCache.key, data, job.image.label, job.options)
    shared = (key, job.kind, tuple(sorted((name, repr(v)) for name, v in job.extra.items())))
    task = services.in_flight.get(shared)
    if task is None:
        task = asyncio.ensure_future(_compute(services, job, data, key))
        services.in_flight[shared] = task

        def forget(done: asyncio.Future[Any]) -> None:
            services.in_flight.pop(shared, None)
            if not done.cancelled():
                done.exception()  # retrieved here, so an unshared failure is not logged

        task.add_done_callback(forget)
    remaining = job.deadline - time.monotonic()
    # asyncio.wait, not wait_for: a waiter that runs out of time leaves the shared task
    # running for the others (its worker is killed at the task's own deadline).
    done, _ = await asyncio.wait({task}, timeout=max(remaining, 0.001))
    if not done:
        raise _request_timed_out(services.settings)
    return done.pop().result()


async def _compute(services: Services, job: _Job, data: bytes, key: Any) -> Any:
    """Run the job (export a cached palette on a thread; anything that reads the image in a
    worker process, after the header check in another) and keep the palette in the cache;
    failures become their ApiError."""
    cached = services.cache.get(key)
    label = job.image.label
    settings = services.settings
    stage = "check"
    try:
        if job.kind == "palette" and cached is not None:
            return await _export(cached, job)
        if cached is None or job.kind in ("figure", "preview"):
            await services.header_queue.run(
                preflight,
                data,
                label,
                job.options,
                timeout=settings.check_timeout,
                until=job.deadline,
            )
        stage = "run"
        palette, result = await services.cluster_queue.run(
            web_job,
            job.kind,
            data,
            label,
            job.options,
            {} if job.kind == "palette" else job.extra,
            cached,
            timeout=job.deadline - time.monotonic(),
        )
    except ApiError as exc:
        if exc.status != 504:
            raise
        if stage == "check" and time.monotonic() < job.deadline - 0.01:
            raise ApiError(
                422,
                "unreadable_image",
                f"{label}: reading the image's header took longer than "
                f"{_seconds(settings.check_timeout)} s (--check-timeout); it was stopped",
            ) from None
        raise _request_timed_out(settings) from None
    except UnsupportedImageError as exc:
        raise job.image.not_an_image(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON error
        raise api_error_for(exc) from None
    if palette is not None:
        services.cache.put(key, palette)
    if job.kind == "palette":
        return await _export(palette, job)
    return result


async def _export(palette: Any, job: _Job) -> str | bytes:
    """The palette in the requested format, written on a thread of the server (whose format
    registry holds the formats a plugin or the caller registered)."""
    from ..formats import export

    try:
        return await asyncio.to_thread(export, palette, job.extra["format"])
    except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON error
        raise api_error_for(exc) from None


def _answer(job: _Job, result: Any) -> Response:
    """The HTTP answer for a job's result, with its media type and file name."""
    headers = {"Cache-Control": "no-store"}
    if job.kind == "palette":
        from ..formats import get_format

        fmt = job.extra["format"]
        entry = get_format(fmt)
        if fmt != DEFAULT_FORMAT:
            headers["Content-Disposition"] = f'attachment; filename="palette{entry.file_suffix}"'
        return Response(result, media_type=entry.media_type, headers=headers)
    if isinstance(result, tuple):  # the preview: the image and its type
        encoded, media_type = result
        suffix = "png" if media_type == "image/png" else "jpg"
        headers["Content-Disposition"] = f'inline; filename="preview.{suffix}"'
        return Response(encoded, media_type=media_type, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="palette-{job.kind}.png"'
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
