"""``palettekit serve``: the web app on uvicorn (:mod:`palettekit.web.server`).

Registered by :mod:`palettekit.cli`; its server flags are generated from
:class:`~palettekit.web.settings.Settings` (one per field). This module
imports nothing heavy: FastAPI and uvicorn are imported when the
command runs, and their absence is reported as one line naming the extra.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..web.settings import Settings, SettingSpec, parse_mib, setting_specs
from .exit_status import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from .terminal import print_error

__all__ = ["add_parser", "add_setting_flags", "run", "settings_from_args", "SETTING_DEST_PREFIX"]

_INSTALL_HINT = "the web app needs its extra packages: pip install 'palettekit[web]'"

# Extract options the server sets from its own limits (--max-upload-mb,
# --fetch-timeout, the server's --max-image-pixels): no second flag for them.
_SERVER_SET_OPTIONS = ("max_bytes", "timeout", "max_image_pixels")


_DESCRIPTION = (
    "Serve the palettekit page and HTTP API (POST /api/palette, /api/bar.png, "
    "/api/figure.png, /api/preview; docs at /docs). Binds to 127.0.0.1 unless told "
    "otherwise. The extract options below set the defaults that requests may "
    "override; the server's limits cap what they may ask for."
)

_EPILOG = (
    "limits: one size limit (--max-upload-mb, for uploads and fetched URLs alike), "
    "one pixel limit (--max-image-pixels), and two time limits: --fetch-timeout "
    "for downloading a URL, --request-timeout for a whole request."
)

SETTING_DEST_PREFIX = "setting_"
"""Destinations of the server flags in the argparse namespace (``args.setting_port`` ...)."""


def add_parser(subparsers: Any) -> None:
    """Register ``serve`` on the CLI's subparsers: one flag per :class:`Settings` field,
    the log flags, then the extract options (the requests' defaults)."""
    parser = subparsers.add_parser(
        "serve", help="start the web app and HTTP API", description=_DESCRIPTION, epilog=_EPILOG
    )
    net = parser.add_argument_group("server")
    add_setting_flags(net)
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


def add_setting_flags(group: Any) -> None:
    """One flag per field of :class:`Settings`, generated from its
    :class:`~palettekit.web.settings.SettingSpec`: the flag, placeholder, help
    (with the default) and the check of the value, as the extract options are
    generated from :class:`~palettekit.Options`."""
    from .flags import spec_help

    for name, (default, spec) in setting_specs().items():
        kwargs: dict[str, Any] = {
            "dest": SETTING_DEST_PREFIX + name,
            "default": default,
            "help": spec_help(spec, default),
        }
        if isinstance(default, bool) and spec.parse is None:
            kwargs["action"] = "store_true"
        else:
            kwargs["type"] = _checked(name, default, spec)
            kwargs["metavar"] = spec.metavar or name.upper()
        group.add_argument(*(spec.flags or ("--" + name.replace("_", "-"),)), **kwargs)


def _checked(name: str, default: Any, spec: SettingSpec) -> Any:
    """An argparse ``type``: read the flag's text with the spec's parser, then check it."""
    from ..errors import OptionsError

    parse = spec.text_parser(default)
    expected = "a number of MiB above 0" if parse is parse_mib else spec.expected(default)

    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        try:
            return spec.validate(name, value, default)
        except OptionsError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name
    return convert


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from parsed ``serve`` arguments.

    Raises
    ------
    palettekit.errors.OptionsError
        A value out of range (only possible for a namespace not made by parsing).
    """
    from .flags import options_from_args

    values = {
        name: getattr(args, SETTING_DEST_PREFIX + name)
        for name in setting_specs()
        if hasattr(args, SETTING_DEST_PREFIX + name)
    }
    return Settings(**values, options=options_from_args(args))


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
        sock = bind_socket(settings.host, settings.port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print_error(f"cannot listen on {settings.host}:{settings.port}: {reason}")
        return EXIT_ERROR
    url = url_of(sock)
    print(f"palettekit: serving on {url} (Ctrl+C to stop)", flush=True)
    if not is_loopback(settings.host):
        print(
            f"palettekit: note: bound to {settings.host}, reachable from other machines",
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
