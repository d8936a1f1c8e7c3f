"""The web server's settings: where it listens and how much one stranger may ask of it.

Pure data, importable without the ``web`` extra (the CLI builds it before
FastAPI is imported).
"""

from __future__ import annotations

import dataclasses

from ..errors import OptionsError
from ..options import Options, web_option_names

__all__ = ["Settings", "CLIENT_OPTION_NAMES", "MIB"]

MIB = 1024 * 1024

CLIENT_OPTION_NAMES = web_option_names(Options)
"""Options a request may set (``web=True`` in their spec); the byte, pixel, frame and
time limits stay the server's."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """How the web app listens and what it allows one request.

    Parameters
    ----------
    host, port : str, int
        Address to bind (loopback unless told otherwise); port 0 picks a free one.
    allow_private_urls : bool
        Let URL inputs reach loopback, private, link-local and other
        non-public addresses (for intranet use). Off by default.
    max_upload_bytes : int
        Largest request body, and largest image fetched from a URL.
    max_image_pixels : int
        Images whose header declares more pixels are refused (413) before decoding.
    max_work_pixels : int
        Largest ``max_pixels`` (working size) a request may ask for.
    max_k : int
        Largest ``k`` a request may ask for, and largest ``max_k`` (the bound
        of ``k="auto"``).
    max_n_init, max_max_iter : int
        Largest ``n_init`` and ``max_iter`` a request may ask for.
    max_render_width : int
        Largest width or height, in pixels, of a rendered bar or figure.
    workers : int
        Worker processes that check, decode and cluster images (killed and
        replaced when a request passes its deadline).
    queue_size : int
        Requests that may wait for a worker; beyond ``workers + queue_size``
        requests in progress, new ones get 503 at once.
    fetch_workers : int
        URL downloads in progress at once; beyond that, 503.
    request_timeout : float
        Seconds a request may take, from its first byte to its answer
        (408 while uploading, 504 after).
    fetch_timeout : float
        Total deadline in seconds for downloading a URL input (504 when passed).
    limit_concurrency : int
        Requests in progress at once (uploading, queued or running) before
        new ones are answered 503; ``GET /api/health`` is never refused.
        Idle connections do not count.
    uploads_in_flight : int
        Request bodies held at once, counted in uploads of the largest size:
        the bodies of all requests in progress together may take at most
        this times ``max_upload_bytes``; a request that does not fit gets 503
        before its body is read.
    header_timeout : float
        Seconds a connection has to send a complete request head, from
        connecting or from the end of its previous answer; then it is closed.
    max_connections : int
        Open connections at most; beyond it the one that has waited longest
        for its request head is closed (never one with a request in progress).
    check_timeout : float
        Seconds the header check of one image may take in its worker (honest
        headers take milliseconds); past it the worker is killed and the
        request answered 422.
    worker_memory_limit : int
        Bytes of address space a worker process may take beyond its own at
        start (``RLIMIT_AS`` where the system has it); a decode past it fails
        with 413 instead of growing the server.
    min_upload_rate : int
        Bytes per second a request body must average once ``header_timeout``
        seconds have passed since its head; a slower one is answered 408 and
        its connection closed.
    options : Options
        Default extraction options; requests override the fields their
        class marks as web-settable (:data:`CLIENT_OPTION_NAMES` for
        ``Options``). ``k``, ``n_init`` and ``max_iter`` must lie within the
        caps above (:meth:`option_caps`); ``max_k`` and ``max_pixels`` are
        lowered to them (:meth:`base_options`).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    allow_private_urls: bool = False
    max_upload_bytes: int = 20 * MIB
    max_image_pixels: int = 50_000_000
    max_work_pixels: int = 1_000_000
    max_k: int = 64
    max_n_init: int = 32
    max_max_iter: int = 1000
    max_render_width: int = 4096
    workers: int = 2
    queue_size: int = 8
    fetch_workers: int = 8
    request_timeout: float = 30.0
    fetch_timeout: float = 10.0
    limit_concurrency: int = 128
    uploads_in_flight: int = 8
    header_timeout: float = 5.0
    max_connections: int = 1000
    check_timeout: float = 2.0
    worker_memory_limit: int = 768 * MIB
    min_upload_rate: int = 8 * 1024
    options: Options = dataclasses.field(default_factory=Options)

    def __post_init__(self) -> None:
        positive_ints = (
            "max_upload_bytes",
            "max_image_pixels",
            "max_work_pixels",
            "max_k",
            "max_n_init",
            "max_max_iter",
            "max_render_width",
            "workers",
            "fetch_workers",
            "limit_concurrency",
            "max_connections",
            "uploads_in_flight",
            "worker_memory_limit",
            "min_upload_rate",
        )
        for name in positive_ints:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise OptionsError(f"{name} must be a positive integer, got {value!r}")
        if (
            isinstance(self.port, bool)
            or not isinstance(self.port, int)
            or not 0 <= self.port <= 65535
        ):
            raise OptionsError(
                f"port must be between 0 (any free port) and 65535, got {self.port!r}"
            )
        if (
            isinstance(self.queue_size, bool)
            or not isinstance(self.queue_size, int)
            or self.queue_size < 0
        ):
            raise OptionsError(f"queue_size must be an integer >= 0, got {self.queue_size!r}")
        for name in ("request_timeout", "fetch_timeout", "header_timeout", "check_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise OptionsError(f"{name} must be a positive number of seconds, got {value!r}")
        if not isinstance(self.options, Options):
            raise OptionsError(f"options must be an Options, got {type(self.options).__name__}")
        # A default above a cap would make every request fail with 400, even one
        # that does not name the option; max_k and max_pixels are lowered instead.
        base = self.base_options()
        for name, cap in self.option_caps().items():
            value = getattr(base, name)
            if isinstance(value, int) and not isinstance(value, bool) and value > cap:
                raise OptionsError(
                    f"the default {name} ({value}) is above the largest a request may ask "
                    f"for on this server ({cap})"
                )

    @property
    def client_option_names(self) -> tuple[str, ...]:
        """Options a request may set: the web-settable fields of ``options``' class."""
        return web_option_names(type(self.options))

    def option_caps(self) -> dict[str, int]:
        """The largest value a request may give each capped option (below the options' own
        bounds): ``k`` and ``max_k`` up to ``max_k``, ``n_init``, ``max_iter``, and
        ``max_pixels`` up to ``max_work_pixels``."""
        return {
            "k": self.max_k,
            "max_k": self.max_k,
            "n_init": self.max_n_init,
            "max_iter": self.max_max_iter,
            "max_pixels": self.max_work_pixels,
        }

    def base_options(self) -> Options:
        """The default options with the server's byte, pixel and time limits applied."""
        max_pixels = self.options.max_pixels
        if max_pixels is None or max_pixels > self.max_work_pixels:
            max_pixels = self.max_work_pixels
        return self.options.replace(
            max_k=min(self.options.max_k, self.max_k),
            max_pixels=max_pixels,
            max_image_pixels=self.max_image_pixels,
            max_bytes=self.max_upload_bytes,
            timeout=self.fetch_timeout,
        )
