"""The FastAPI application: the page, the API, the docs, and the error answers.

>>> from palettekit.web.app import create_app            # doctest: +SKIP
>>> from palettekit.web.settings import Settings         # doctest: +SKIP
>>> app = create_app(Settings(max_upload_bytes=5 * 2**20))   # doctest: +SKIP

Run it with ``palettekit serve`` or any ASGI server.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Callable
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..errors import ApiError
from .api import Services, make_router
from .middleware import (
    BodyLimitMiddleware,
    ConcurrencyLimitMiddleware,
    SecurityHeadersMiddleware,
)
from .settings import Settings
from .status import api_error_for

__all__ = ["create_app", "STATIC_DIR"]

log = logging.getLogger("palettekit.web")

STATIC_DIR = Path(str(resources.files("palettekit.web") / "static"))
"""The page's HTML, CSS and JavaScript (no CDN, no build step)."""

# Room for the multipart framing and option fields around an upload of the maximum size.
_MULTIPART_OVERHEAD = 64 * 1024

_PAGE_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

_FRAME_HEADERS = {"X-Frame-Options": "DENY"}

_HTTP_ERROR_TYPES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
}


def _error_response(error: ApiError) -> JSONResponse:
    headers = {"Cache-Control": "no-store", **error.headers}
    return JSONResponse(
        {"error": {"type": error.type, "message": error.message}},
        status_code=error.status,
        headers=headers,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app.

    Parameters
    ----------
    settings : Settings, optional
        Limits and defaults; ``Settings()`` when omitted.

    Returns
    -------
    fastapi.FastAPI
        Serves the page at ``/``, the API under ``/api``, the OpenAPI
        document at ``/openapi.json`` and interactive docs at ``/docs`` and
        ``/redoc`` (served locally, no CDN).
    """
    settings = settings or Settings()
    services = Services.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            services.shutdown()

    app = FastAPI(
        title="palettekit",
        version=__version__,
        summary="Dominant colors of an image, with their shares, as JSON, CSS, GPL or a PNG bar.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = services
    app.include_router(make_router(services))
    _add_error_handlers(app)
    _add_page(app)
    _add_docs(app)

    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_upload_bytes + _MULTIPART_OVERHEAD,
        upload_limit=settings.max_upload_bytes,
        budget=settings.uploads_in_flight * (settings.max_upload_bytes + _MULTIPART_OVERHEAD),
        min_rate=settings.min_upload_rate,
        grace=settings.header_timeout,
    )
    app.add_middleware(ConcurrencyLimitMiddleware, limit=settings.limit_concurrency)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = _HTTP_ERROR_TYPES.get(exc.status_code, "http_error")
        error = ApiError(exc.status_code, kind, str(exc.detail), headers=dict(exc.headers or {}))
        return _error_response(error)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid request')}"
        return _error_response(ApiError(400, "bad_request", message))

    @app.exception_handler(Exception)
    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return _error_response(api_error_for(exc))


def _add_page(app: FastAPI) -> None:
    page_headers = {"Content-Security-Policy": _PAGE_CSP, "Cache-Control": "no-cache"}

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=page_headers)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _add_docs(app: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc, from files served by the app.

    The assets come from the ``fastapi-offline`` package (part of the ``web``
    extra); without it the docs pages say where the OpenAPI document is.
    """
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

    try:
        import fastapi_offline
    except ImportError:
        assets = None
    else:
        assets = Path(fastapi_offline.__file__).parent / "static"
        if not (assets / "swagger-ui-bundle.js").is_file():
            assets = None

    if assets is None:
        note = (
            "<!doctype html><title>palettekit API</title><p>Interactive docs need the "
            "<code>fastapi-offline</code> package "
            "(<code>pip install 'palettekit[web]'</code>). "
            'The OpenAPI document is at <a href="/openapi.json">/openapi.json</a>.</p>'
        )

        note_page = _docs_page(HTMLResponse(note))

        @app.get("/docs", include_in_schema=False)
        async def docs_note() -> HTMLResponse:
            return note_page()

        @app.get("/redoc", include_in_schema=False)
        async def redoc_note() -> HTMLResponse:
            return note_page()

        return

    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    swagger = _docs_page(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="palettekit API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
        )
    )
    redoc_page = _docs_page(
        get_redoc_html(
            openapi_url="/openapi.json",
            title="palettekit API",
            redoc_js_url="/docs-assets/redoc.standalone.js",
            redoc_favicon_url="/favicon.ico",
            with_google_fonts=False,
        ),
        # The blocked "powered by" logo would show as a broken image.
        extra_head=b"<style>img[alt='redocly logo']{display:none}</style>",
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return swagger()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return redoc_page()


def _docs_page(page: HTMLResponse, extra_head: bytes = b"") -> Callable[[], HTMLResponse]:
    """A docs page served with a Content-Security-Policy and frame protection.

    The policy lets the page's own inline script run (by its hash) and
    nothing from another origin: ReDoc's "powered by" logo on a CDN is not
    fetched (img-src 'self' data:), and no site may frame the page.
    """
    html = bytes(page.body).replace(b"</head>", extra_head + b"</head>", 1)
    scripts = " ".join(
        [
            "'self'",
            *(
                "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
                for script in re.findall(rb"<script>(.*?)</script>", html, flags=re.DOTALL)
            ),
        ]
    )
    csp = (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    headers = {"Content-Security-Policy": csp, **_FRAME_HEADERS}
    return lambda: HTMLResponse(html, headers=headers)
