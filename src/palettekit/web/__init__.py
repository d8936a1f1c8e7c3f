"""palettekit in the browser: a web page and an HTTP API (``pip install palettekit[web]``).

Modules
-------
settings
    :class:`~palettekit.web.settings.Settings`, the server's limits (light, no web imports).
urls
    The SSRF guard for URL inputs.
middleware
    Raw ASGI middleware: request body cap, requests in progress, security headers.
queue
    Bounded work queues (503 when full, 504 when slow).
jobs
    The work of one request on a worker thread: extract, export, render; a
    header preflight; a small palette cache.
api
    The ``/api`` routes: palette JSON and exports, bar and figure PNGs.
app
    :func:`~palettekit.web.app.create_app`, the FastAPI application factory.
server
    The listening socket and uvicorn's configuration (``palettekit serve``,
    whose flags are in :mod:`palettekit.cli.serve`).

This package imports nothing heavy on its own; FastAPI is imported by
``app`` and ``api`` only, so ``palettekit.web.server`` stays cheap to load.
"""

from __future__ import annotations

__all__: list[str] = []
