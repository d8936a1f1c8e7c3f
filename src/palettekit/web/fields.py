"""A request's fields as typed values: the options, the render sizes, the export format.

Fields come as strings (a form or the query) or as JSON values; options are
validated by :class:`~palettekit.options.Options` under the server's caps.
"""

from __future__ import annotations

from typing import Any

from ..errors import ExportError, OptionsError
from ..options import Options, OptionSpec, option_specs, parse_switch
from .settings import Settings

__all__ = [
    "DEFAULT_FORMAT",
    "RENDER_SIZES",
    "REQUEST_FIELD_NAMES",
    "export_format",
    "options_from_fields",
    "served_formats",
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


def _read_option(name: str, default: Any, spec: OptionSpec, value: Any) -> Any:
    """A field's value as the option's type: text is read by the spec's own parser.

    Text, whether from a form, the query or a string in a JSON body, is read
    exactly as the command line reads the flag (:meth:`OptionSpec.from_text`:
    ``max_pixels=250k``, ``k=auto``, ``crop=10%,0%,90%,100%``); other JSON
    values (numbers, true/false, lists) are taken as they are. :class:`Options`
    then validates either.
    """
    if not isinstance(value, str):
        return value
    return spec.from_text(name, value, default)


def options_from_fields(
    fields: dict[str, Any], settings: Settings, typed: frozenset[str] = frozenset()
) -> Options:
    """Validated options for one request: the server's defaults, the request's fields on top.

    Parameters
    ----------
    fields : dict
        Option names (web-settable fields of the settings' options class) to values:
        text (from a form, the query or a JSON string), read by the option's
        spec as the command line reads it, or other JSON values (taken as
        they are).
    settings : Settings
        The server's defaults and caps.
    typed : frozenset of str
        Names whose values came from a JSON body. Kept for the callers; a
        JSON string is read as text like any other, so it changes nothing.

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
    specs = option_specs(type(settings.options))
    values = {name: _read_option(name, *specs[name], value) for name, value in fields.items()}
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
    if isinstance(value, str):
        try:
            return parse_switch(value)
        except ValueError:
            pass
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


def served_formats() -> tuple[str, ...]:
    """The registered formats ``/api/palette`` serves, sorted: those that hold one palette.

    A response is one palette, so formats that hold a sequence of them
    (jsonl) are not offered.
    """
    from ..formats import FORMATS

    return tuple(name for name, entry in FORMATS.items() if entry.holds != "many")


def export_format(value: Any) -> str:
    """The export format asked for: one of :func:`served_formats`."""
    fmt = str(value).strip().lower()
    served = served_formats()
    if fmt not in served:
        raise ExportError(f"unknown format {value!r} (known: {', '.join(served)})")
    return fmt
