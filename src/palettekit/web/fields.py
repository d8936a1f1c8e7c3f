"""A request's fields as typed values: the options, the render sizes, the export format.

Fields come as strings (a form or the query) or as JSON values; options are
validated by :class:`~palettekit.options.Options` under the server's caps.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ExportError, OptionsError
from ..options import Options, option_specs
from .settings import Settings

__all__ = [
    "DEFAULT_FORMAT",
    "RENDER_SIZES",
    "REQUEST_FIELD_NAMES",
    "export_format",
    "options_from_fields",
    "render_params",
]

RENDER_SIZES: dict[str, tuple[str, ...]] = {
    "bar": ("width", "height"),
    "figure": ("width", "bar_height"),
}
"""The size fields of each image route (``/api/bar.png``, ``/api/figure.png``): integers
from 1 to the server's ``max_render_width``, in pixels. Both routes also take ``labels``."""

REQUEST_FIELD_NAMES = frozenset(
    {"url", "format", "labels", *(name for sizes in RENDER_SIZES.values() for name in sizes)}
)
"""Every field a request may carry beside the options: the image's URL, the export
format, and the render sizes and labels."""

DEFAULT_FORMAT = "json"
"""The format of ``/api/palette`` when the request names none; it is the
response itself, the other formats are downloads (``Content-Disposition:
attachment`` named ``palette`` plus the format's file suffix)."""


def _coerce_option(name: str, default: Any, value: Any) -> Any:
    """Turn a form or query string into the option's type (JSON values pass as they are).

    The type follows the field's default: on/off, integer, number, or text
    (with "" and "none" meaning None where the default is None). Text that is
    not a number is left for :class:`Options` to refuse, with its message.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if isinstance(default, bool):
        return _parse_bool(name, text)
    if default is None and text.lower() in ("", "none"):
        return None
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            return value
    if isinstance(default, float):
        try:
            number = float(text)
        except ValueError:
            raise OptionsError(f"{name} must be a number, got {value!r}") from None
        if not math.isfinite(number):
            raise OptionsError(f"{name} must be a finite number, got {value!r}")
        return number
    return text


def options_from_fields(
    fields: dict[str, Any], settings: Settings, typed: frozenset[str] = frozenset()
) -> Options:
    """Validated options for one request: the server's defaults, the request's fields on top.

    Parameters
    ----------
    fields : dict
        Option names (web-settable fields of the settings' options class) to values:
        strings from a form or query (converted to the option's type), or
        JSON values (taken as they are).
    settings : Settings
        The server's defaults and caps.
    typed : frozenset of str
        Names whose values came from JSON and must already have the right type.

    Raises
    ------
    OptionsError
        Unknown or server-controlled option, bad value, or a value above the
        server's cap.
    """
    accepted = settings.client_option_names
    unknown = sorted(set(fields) - set(accepted))
    if unknown:
        raise OptionsError(
            f"unknown option{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
            f"(accepted: {', '.join(accepted)})"
        )
    defaults = {
        name: default for name, (default, _) in option_specs(type(settings.options)).items()
    }
    values = {
        name: value if name in typed else _coerce_option(name, defaults[name], value)
        for name, value in fields.items()
    }
    if "max_pixels" in values and values["max_pixels"] is None:
        raise OptionsError(
            f"max_pixels must be an integer up to {settings.max_work_pixels} on this server"
        )
    base = settings.base_options()
    options = type(base).from_kwargs(base, **values)
    for name, cap in settings.option_caps().items():
        value = getattr(options, name)
        if isinstance(value, int) and value > cap:
            raise OptionsError(f"{name} must be at most {cap} on this server, got {value}")
    return options


def _parse_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise OptionsError(f"{name} must be true or false, got {value!r}")


def _parse_size(name: str, value: Any, cap: int) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise OptionsError(f"{name} must be an integer, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= cap:
        raise OptionsError(f"{name} must be an integer between 1 and {cap}, got {value!r}")
    return value


def render_params(fields: dict[str, Any], route: str, settings: Settings) -> dict[str, Any]:
    """Take the render fields of the image route ``route`` ("bar", "figure") out of ``fields``.

    Returns
    -------
    dict
        The sizes of :data:`RENDER_SIZES` ``[route]`` given (int, 1 to
        ``settings.max_render_width``) and ``labels`` (bool), where given.

    Raises
    ------
    OptionsError
        A size that is not an integer in range, or labels that are not on/off.
    """
    params: dict[str, Any] = {}
    for name in RENDER_SIZES[route]:
        if name in fields:
            params[name] = _parse_size(name, fields.pop(name), settings.max_render_width)
    if "labels" in fields:
        params["labels"] = _parse_bool("labels", fields.pop("labels"))
    return params


def export_format(value: Any) -> str:
    """The export format asked for: a registered format that holds one palette.

    A response is one palette, so formats that hold a sequence of them
    (jsonl) are not offered.
    """
    from ..formats import FORMATS

    fmt = str(value).strip().lower()
    served = [name for name, entry in FORMATS.items() if entry.holds != "many"]
    if fmt not in served:
        raise ExportError(f"unknown format {value!r} (known: {', '.join(served)})")
    return fmt
