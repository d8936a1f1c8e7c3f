"""palettekit in the browser: a web page and an HTTP API (``pip install palettekit[web]``).

Modules
-------
settings
    :class:`~palettekit.web.settings.Settings`, the server's limits (light, no web imports).
urls
    The SSRF guard for URL inputs.
middleware
    Raw ASGI middleware: request body caps, budget and minimum rate, requests
    in progress, security headers.
queue
    Bounded pools (503 when full, 504 when slow): worker processes killed at
    their deadline for the work that reads images, threads for URL downloads.
jobs
    The work of one request in a worker process: a header preflight, then
    extract, export, render; a small palette cache.
requests
    Reading a request: the image (multipart, JSON URL or raw bytes) and its fields.
fields
    A request's fields as typed values: options under the server's caps,
    render sizes, the export format.
status
    What an exception means over HTTP: its status and error type.
openapi
    The OpenAPI description of the routes' bodies and answers, generated
    from the options' specs and the error statuses.
api
    The ``/api`` routes: palette JSON and exports, bar and figure PNGs.
app
    :func:`~palettekit.web.app.create_app`, the FastAPI application factory.
server
    The listening socket and uvicorn's configuration (``palettekit serve``,
    whose flags are in :mod:`palettekit.cli.serve`).

This package imports nothing heavy on its own; FastAPI is imported by
``app``, ``api`` and ``requests`` only, so ``palettekit.web.server`` stays
cheap to load.
"""

from __future__ import annotations

__all__: list[str] = []
