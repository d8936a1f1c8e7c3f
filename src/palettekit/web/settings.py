"""The web server's settings: where it listens and how much one stranger may ask of it.

Pure data, importable without the ``web`` extra (the CLI builds it before
FastAPI is imported).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

from ..errors import OptionsError
from ..options import Options, OptionSpec, web_option_names

__all__ = ["Settings", "SettingSpec", "setting", "setting_specs", "CLIENT_OPTION_NAMES", "MIB"]

MIB = 1024 * 1024

CLIENT_OPTION_NAMES = web_option_names(Options)
"""Options a request may set (``web=True`` in their spec); the byte, pixel, frame and
time limits stay the server's."""


@dataclasses.dataclass(frozen=True)
class SettingSpec(OptionSpec):
    """How one :class:`Settings` field is offered: an :class:`~palettekit.options.OptionSpec`
    (its ``palettekit serve`` flag, parser, placeholder, help and bounds) plus the request
    options it caps.

    Attributes
    ----------
    caps : tuple of str
        Names of the :class:`~palettekit.options.Options` fields whose value
        a request may set at most to this setting (``max_k`` caps ``k`` and
        ``max_k``); see :meth:`Settings.option_caps`.
    """

    caps: tuple[str, ...] = ()


_SPEC_KEY = "palettekit"


def setting(default: Any, spec: SettingSpec) -> Any:
    """A dataclass field of :class:`Settings` with its :class:`SettingSpec`."""
    return dataclasses.field(default=default, metadata={_SPEC_KEY: spec})


def setting_specs(cls: type[Settings] | None = None) -> dict[str, tuple[Any, SettingSpec]]:
    """Every field of ``cls`` (default :class:`Settings`) but ``options``, with its default
    and spec, in order.

    A field declared without a spec gets a plain one: ``--field-name``, its
    default in the help, its value checked by the type of the default.
    """
    out: dict[str, tuple[Any, SettingSpec]] = {}
    for f in dataclasses.fields(cls or Settings):
        if f.name == "options":
            continue
        spec = f.metadata.get(_SPEC_KEY)
        if spec is None:
            text = f"Settings.{f.name} (default {f.default!r})"
            spec = SettingSpec(help=text.replace("%", "%%").replace("{", "{{").replace("}", "}}"))
        out[f.name] = (f.default, spec)
    return out


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _positive_int(name: str, value: object, spec: OptionSpec) -> int:
    if not _is_int(value) or int(value) < 1:  # type: ignore[call-overload]
        raise OptionsError(f"{name} must be a positive integer, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def _count(name: str, value: object, spec: OptionSpec) -> int:
    if not _is_int(value) or int(value) < 0:  # type: ignore[call-overload]
        raise OptionsError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def _port(name: str, value: object, spec: OptionSpec) -> int:
    if not _is_int(value) or not 0 <= int(value) <= 65535:  # type: ignore[call-overload]
        raise OptionsError(f"{name} must be between 0 (any free port) and 65535, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def _seconds(name: str, value: object, spec: OptionSpec) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or not float(value) > 0
    ):
        raise OptionsError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def parse_mib(text: str) -> int:
    """A size in MiB (``"20"``, ``"0.5"``) as bytes, at least 1; ValueError unless > 0."""
    mib = float(text.strip())
    if not mib > 0 or not math.isfinite(mib):
        raise ValueError(f"not a size in MiB: {text!r}")
    return max(1, int(mib * MIB))


def _positive(help: str, *, metavar: str = "N", caps: tuple[str, ...] = (), **kw: Any) -> Any:
    """The spec of a positive integer setting."""
    return SettingSpec(
        help=help, metavar=metavar, check=_positive_int, schema={"minimum": 1}, caps=caps, **kw
    )


def _timeout(help: str) -> Any:
    return SettingSpec(help=help, metavar="SECONDS", check=_seconds, schema={"minimum": 0})


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

    host: str = setting(
        "127.0.0.1", SettingSpec(help="address to bind (default: {default})", metavar="HOST")
    )
    port: int = setting(
        8000,
        SettingSpec(
            help="port; 0 picks a free one (default: {default})",
            metavar="PORT",
            check=_port,
            schema={"minimum": 0, "maximum": 65535},
        ),
    )
    allow_private_urls: bool = setting(
        False,
        SettingSpec(
            help="let URL inputs reach loopback, private and link-local addresses (intranet use)"
        ),
    )
    max_upload_bytes: int = setting(
        20 * MIB,
        _positive(
            "largest image, uploaded or fetched from a URL, in MiB (default: {default_mib:g})",
            metavar="MB",
            flags=("--max-upload-mb",),
            parse=parse_mib,
        ),
    )
    max_image_pixels: int = setting(
        50_000_000,
        _positive("refuse images whose header declares more pixels (default: {default})"),
    )
    max_work_pixels: int = setting(
        1_000_000,
        _positive(
            "largest working size (max_pixels) a request may ask for (default: {default})",
            caps=("max_pixels",),
        ),
    )
    max_k: int = setting(
        64,
        _positive(
            "largest k, and largest max_k, a request may ask for (default: {default}); "
            "--max-k below is the default max_k of k=auto, as in extract",
            metavar="K",
            flags=("--k-limit",),
            caps=("k", "max_k"),
        ),
    )
    max_n_init: int = setting(
        32, _positive("largest n_init a request may ask for (default: {default})", caps=("n_init",))
    )
    max_max_iter: int = setting(
        1000,
        _positive(
            "largest max_iter a request may ask for (default: {default})",
            flags=("--max-iter-limit",),
            caps=("max_iter",),
        ),
    )
    max_render_width: int = setting(
        4096,
        _positive("largest width or height of a rendered bar or figure (default: {default})"),
    )
    workers: int = setting(
        2,
        _positive(
            "worker processes for header checks, and as many for decoding and clustering "
            "(default: {default})",
            metavar="WORKERS",
        ),
    )
    queue_size: int = setting(
        8,
        SettingSpec(
            help="requests that may wait for a worker before new ones get 503 (default: {default})",
            metavar="QUEUE_SIZE",
            check=_count,
            schema={"minimum": 0},
        ),
    )
    fetch_workers: int = setting(
        8, _positive("URL downloads at once; beyond, 503 (default: {default})")
    )
    request_timeout: float = setting(
        30.0,
        _timeout("time limit of a whole request: upload, download, work (default: {default:g})"),
    )
    fetch_timeout: float = setting(
        10.0, _timeout("time limit for downloading a URL input (default: {default:g})")
    )
    header_timeout: float = setting(
        5.0,
        _timeout(
            "close a connection that has not sent a complete request head within this "
            "time (default: {default:g})"
        ),
    )
    max_connections: int = setting(
        1000,
        _positive(
            "open connections at most; beyond it the longest-idle one is closed "
            "(default: {default})"
        ),
    )
    limit_concurrency: int = setting(
        128,
        _positive("requests in progress at once before new ones get 503 (default: {default})"),
    )
    uploads_in_flight: int = setting(
        8,
        _positive(
            "request bodies held at once, in uploads of the largest size; beyond, 503 "
            "(default: {default})"
        ),
    )
    check_timeout: float = setting(
        2.0,
        _timeout(
            "time limit of the header check of an upload, in a worker process "
            "(default: {default:g})"
        ),
    )
    worker_memory_limit: int = setting(
        768 * MIB,
        _positive(
            "address space a worker process may add to what it has at start, in MiB "
            "(default: {default_mib:g})",
            metavar="MB",
            flags=("--worker-memory-mb",),
            parse=parse_mib,
        ),
    )
    min_upload_rate: int = setting(
        8 * 1024,
        _positive(
            "slowest average upload, in bytes a second, after --header-timeout; a slower "
            "body gets 408 (default: {default})"
        ),
    )
    options: Options = dataclasses.field(default_factory=Options)

    def __post_init__(self) -> None:
        # Each field is checked by its spec, as Options checks its fields.
        for name, (default, spec) in setting_specs(type(self)).items():
            object.__setattr__(self, name, spec.validate(name, getattr(self, name), default))
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
        bounds), from the fields' ``caps``: ``k`` and ``max_k`` up to ``max_k``,
        ``n_init`` up to ``max_n_init``, ``max_iter`` up to ``max_max_iter``, and
        ``max_pixels`` up to ``max_work_pixels``."""
        return {
            option: getattr(self, name)
            for name, (_, spec) in setting_specs(type(self)).items()
            for option in spec.caps
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
