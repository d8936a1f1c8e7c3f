"""``palettekit serve``: the web app on uvicorn (:mod:`palettekit.web.server`).

Registered by :mod:`palettekit.cli` through its ``ADAPTER_MODULES``. This
module imports nothing heavy: FastAPI and uvicorn are imported when the
command runs, and their absence is reported as one line naming the extra.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..web.settings import MIB, Settings
from .exit_status import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from .terminal import print_error

__all__ = ["add_parser", "run", "settings_from_args"]

_INSTALL_HINT = "the web app needs its extra packages: pip install 'palettekit[web]'"

# Extract options the server sets from its own limits (--max-upload-mb,
# --fetch-timeout, the server's --max-image-pixels): no second flag for them.
_SERVER_SET_OPTIONS = ("max_bytes", "timeout", "max_image_pixels")


def add_parser(subparsers: Any) -> None:
    """Register ``serve`` on the CLI's subparsers."""
    parser = subparsers.add_parser(
        "serve",
        help="start the web app and HTTP API",
        description=(
            "Serve the palettekit page and HTTP API (POST /api/palette, /api/bar.png, "
            "/api/figure.png, /api/preview; docs at /docs). Binds to 127.0.0.1 unless told "
            "otherwise. The extract options below set the defaults that requests may "
            "override; the server's limits cap what they may ask for."
        ),
        epilog=(
            "limits: one size limit (--max-upload-mb, for uploads and fetched URLs alike), "
            "one pixel limit (--max-image-pixels), and two time limits: --fetch-timeout "
            "for downloading a URL, --request-timeout for a whole request."
        ),
    )
    net = parser.add_argument_group("server")
    net.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    net.add_argument(
        "--port", type=int, default=8000, help="port; 0 picks a free one (default: %(default)s)"
    )
    net.add_argument(
        "--allow-private-urls",
        action="store_true",
        help="let URL inputs reach loopback, private and link-local addresses (intranet use)",
    )
    net.add_argument(
        "--max-upload-mb",
        type=float,
        default=20.0,
        metavar="MB",
        help="largest image, uploaded or fetched from a URL, in MiB (default: %(default)g)",
    )
    net.add_argument(
        "--max-image-pixels",
        type=int,
        default=Settings.max_image_pixels,
        metavar="N",
        help="refuse images whose header declares more pixels (default: %(default)d)",
    )
    net.add_argument(
        "--k-limit",
        dest="k_limit",
        type=int,
        default=Settings.max_k,
        metavar="K",
        help="largest k, and largest max_k, a request may ask for (default: %(default)d); "
        "--max-k below is the default max_k of k=auto, as in extract",
    )
    net.add_argument(
        "--workers",
        type=int,
        default=Settings.workers,
        help="worker processes for header checks, and as many for decoding and clustering "
        "(default: %(default)d)",
    )
    net.add_argument(
        "--queue-size",
        type=int,
        default=Settings.queue_size,
        help="requests that may wait for a worker before new ones get 503 (default: %(default)d)",
    )
    net.add_argument(
        "--request-timeout",
        type=float,
        default=Settings.request_timeout,
        metavar="SECONDS",
        help="time limit of a whole request: upload, download, work (default: %(default)g)",
    )
    net.add_argument(
        "--fetch-timeout",
        type=float,
        default=Settings.fetch_timeout,
        metavar="SECONDS",
        help="time limit for downloading a URL input (default: %(default)g)",
    )
    net.add_argument(
        "--check-timeout",
        type=float,
        default=Settings.check_timeout,
        metavar="SECONDS",
        help="time limit for reading an image's header; then its worker is stopped "
        "(default: %(default)g)",
    )
    net.add_argument(
        "--header-timeout",
        type=float,
        default=Settings.header_timeout,
        metavar="SECONDS",
        help="close a connection that has not sent a complete request head within this "
        "time (default: %(default)g)",
    )
    net.add_argument(
        "--max-connections",
        type=int,
        default=Settings.max_connections,
        metavar="N",
        help="open connections at most; beyond it the longest-idle one is closed "
        "(default: %(default)d)",
    )
    net.add_argument(
        "--uploads-in-flight",
        type=int,
        default=Settings.uploads_in_flight,
        metavar="N",
        help="request bodies held at once, in uploads of the largest size; beyond, 503 "
        "(default: %(default)d)",
    )
    net.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug"),
        help="server log level (default: %(default)s)",
    )
    net.add_argument("--access-log", action="store_true", help="log every request")

    from .flags import add_extract_options

    add_extract_options(parser, exclude=_SERVER_SET_OPTIONS)
    parser.set_defaults(run=run)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from parsed ``serve`` arguments.

    Raises
    ------
    palettekit.errors.OptionsError
        A value out of range.
    """
    from ..errors import OptionsError
    from .flags import options_from_args

    if not args.max_upload_mb > 0:
        raise OptionsError(f"--max-upload-mb must be > 0, got {args.max_upload_mb:g}")
    return Settings(
        host=args.host,
        port=args.port,
        allow_private_urls=args.allow_private_urls,
        max_upload_bytes=max(1, int(args.max_upload_mb * MIB)),
        max_image_pixels=args.max_image_pixels,
        max_k=args.k_limit,
        workers=args.workers,
        queue_size=args.queue_size,
        request_timeout=args.request_timeout,
        fetch_timeout=args.fetch_timeout,
        header_timeout=args.header_timeout,
        check_timeout=args.check_timeout,
        max_connections=args.max_connections,
        uploads_in_flight=args.uploads_in_flight,
        options=options_from_args(args),
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``palettekit serve``; returns the exit code."""
    from ..errors import OptionsError
    from ..web.server import bind_socket, is_loopback, missing_web_packages, serve, url_of

    if missing_web_packages():
        print_error(_INSTALL_HINT)
        return EXIT_ERROR
    try:
        settings = settings_from_args(args)
    except OptionsError as exc:
        print_error(str(exc))
        return EXIT_USAGE
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print_error(f"cannot listen on {args.host}:{args.port}: {reason}")
        return EXIT_ERROR
    url = url_of(sock)
    print(f"palettekit: serving on {url} (Ctrl+C to stop)", flush=True)
    if not is_loopback(args.host):
        print(
            f"palettekit: note: bound to {args.host}, reachable from other machines",
            file=sys.stderr,
            flush=True,
        )
    try:
        serve(settings, sock, log_level=args.log_level, access_log=args.access_log)
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return EXIT_OK
