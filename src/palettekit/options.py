"""One frozen, validated options object shared by the library, CLI and adapters.

Every adapter (``extract(**kwargs)``, the command line, batch runs, the web
app) builds an :class:`Options` and passes it down; nothing below this module
validates user input again.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

from .errors import OptionsError

__all__ = [
    "Options",
    "OptionSpec",
    "option",
    "option_specs",
    "web_option_names",
    "SPACES",
    "SORTS",
    "KINDS",
    "parse_color",
]

SPACES = ("oklab", "cielab", "srgb")
"""Color spaces k-means can run in."""

SORTS = ("share", "lightness", "hue")
"""Orders a palette can be sorted in."""

KINDS = ("palette", "theme")
"""Kinds of color sets :func:`palettekit.extract` makes (see ``Options.kind``)."""

MAX_TIMEOUT = 86_400.0
"""Largest ``timeout`` in seconds (one day); far larger values overflow the
socket and thread timeouts of the standard library."""

_HEX_RE = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_color(value: object) -> tuple[int, int, int]:
    """Parse a color given as ``"#rrggbb"``, ``"#rgb"`` or three ints in [0, 255].

    Raises
    ------
    OptionsError
        If the value is not a color in one of those forms.
    """
    if isinstance(value, str):
        match = _HEX_RE.match(value.strip())
        if not match:
            raise OptionsError(f"not a hex color: {value!r} (expected #rrggbb or #rgb)")
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    if isinstance(value, (tuple, list)) and len(value) == 3:
        # numbers.Integral also admits numpy integers, as _check_int does.
        if all(
            isinstance(c, numbers.Integral) and not isinstance(c, bool) and 0 <= int(c) <= 255
            for c in value
        ):
            return (int(value[0]), int(value[1]), int(value[2]))
    raise OptionsError(f"not a color: {value!r} (expected '#rrggbb' or three ints 0-255)")


def _bound_text(low: object, high: object) -> str:
    if high is None:
        return f">= {low}"
    if low is None:
        return f"<= {high}"
    return f"between {low} and {high}"


def _check_int(name: str, value: object, low: int | None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        # numpy integers are accepted, floats are not (k=5.5 is a mistake).
        try:
            import numpy as np

            if isinstance(value, np.integer):
                value = int(value)
            else:
                raise TypeError
        except TypeError:
            raise OptionsError(f"{name} must be an integer, got {value!r}") from None
    assert isinstance(value, int)
    if (low is not None and value < low) or (high is not None and value > high):
        raise OptionsError(f"{name} must be {_bound_text(low, high)}, got {value}")
    return value


def _check_float(name: str, value: object, low: float | None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptionsError(f"{name} must be a number, got {value!r}")
    try:
        result = float(value)
    except (OverflowError, ValueError, TypeError):
        raise OptionsError(f"{name} must be a finite number, got {value!r}") from None
    if not math.isfinite(result):
        raise OptionsError(f"{name} must be a finite number, got {value!r}")
    if (low is not None and result < low) or (high is not None and result > high):
        raise OptionsError(f"{name} must be {_bound_text(low, high)}, got {value!r}")
    return result


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        raise OptionsError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value.lower()


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise OptionsError(f"{name} must be True or False, got {value!r}")
    return value


MAX_FRAMES = 64
"""Most frames of an animation used for one palette (see ``frames``)."""


def _crop_number(text: str) -> int | float:
    text = text.strip()
    if text.endswith("%"):
        return float(text[:-1]) / 100.0
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)


def _check_crop(
    name: str, value: object, spec: OptionSpec
) -> tuple[int, int, int, int] | tuple[float, float, float, float]:
    """(left, top, right, bottom): four ints (pixels) or four floats in [0, 1]."""
    usage = (
        f"crop must be (left, top, right, bottom) as 4 pixel ints or 4 fractions in [0, 1], "
        f"got {value!r}"
    )
    if isinstance(value, str):
        try:
            parts: list[Any] = [_crop_number(p) for p in value.split(",")]
        except ValueError:
            raise OptionsError(usage) from None
    elif isinstance(value, (tuple, list)):
        parts = list(value)
    else:
        raise OptionsError(usage)
    if len(parts) != 4 or any(
        isinstance(p, bool) or not isinstance(p, numbers.Real) for p in parts
    ):
        raise OptionsError(usage)
    if all(isinstance(p, numbers.Integral) for p in parts):
        ints = tuple(int(p) for p in parts)
        if min(ints) < 0:
            raise OptionsError(f"crop pixels must be >= 0, got {value!r}")
        box: Any = ints
    else:
        try:
            floats = tuple(float(p) for p in parts)
        except OverflowError:  # an int too large for a float
            raise OptionsError(f"crop fractions must be in [0, 1], got {value!r}") from None
        if not all(math.isfinite(f) and 0.0 <= f <= 1.0 for f in floats):
            raise OptionsError(f"crop fractions must be in [0, 1], got {value!r}")
        box = floats
    if box[2] <= box[0] or box[3] <= box[1]:
        raise OptionsError(f"crop needs left < right and top < bottom, got {value!r}")
    return box  # type: ignore[no-any-return]


def _check_k(name: str, value: object, spec: OptionSpec) -> int | str:
    """A number of colors within the bounds, or "auto" (any case and spacing)."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    return _check_int(name, value, *spec.bounds)


def _check_frames(name: str, value: object, spec: OptionSpec) -> str | int:
    """Frames to use: "first", "all", or a number within the bounds (also as text)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("first", "all"):
            return text
        if text.isascii() and text.isdigit():  # "²".isdigit() is True, int("²") fails
            value = int(text)
    if isinstance(value, str):
        raise OptionsError(f"{name} must be 'first', 'all' or a number, got {value!r}")
    return _check_int(name, value, *spec.bounds)


def _check_seed(name: str, value: object, spec: OptionSpec) -> int:
    """A seed: an integer from the schema's minimum up to the largest signed 64-bit integer.

    The OpenAPI document publishes only the minimum, so the upper bound is
    kept here rather than in the schema.
    """
    return _check_int(name, value, spec.bounds[0], 2**63 - 1)


def _check_composite(name: str, value: object, spec: OptionSpec) -> tuple[int, int, int]:
    """A color (see :func:`parse_color`), the error naming the field."""
    try:
        return parse_color(value)
    except OptionsError as exc:
        raise OptionsError(f"{name}: {exc}") from None


# --- reading an option from text (the command line) --------------------------------


def parse_integer(text: str) -> int:
    """``" 12 "`` -> 12."""
    return int(text.strip())


def parse_count(text: str, unit: int) -> int:
    """An integer with an optional suffix K, M or G (times ``unit``, ``unit**2`` ...)."""
    cleaned = text.strip()
    scale = 1
    if cleaned and cleaned[-1].upper() in "KMG":
        scale = unit ** ("KMG".index(cleaned[-1].upper()) + 1)
        cleaned = cleaned[:-1]
    return int(cleaned) * scale


def parse_k(text: str) -> int | str:
    """An integer, or ``"auto"``."""
    cleaned = text.strip().lower()
    return "auto" if cleaned == "auto" else int(cleaned)


def parse_pixels(text: str) -> int:
    """A pixel count; K, M, G are powers of 1000 (``250k``)."""
    return parse_count(text, 1000)


def parse_pixels_or_none(text: str) -> int | None:
    """A pixel count, or ``none``."""
    return None if text.strip().lower() == "none" else parse_count(text, 1000)


def parse_bytes(text: str) -> int:
    """A byte count; K, M, G are powers of 1024 (``100M``)."""
    return parse_count(text, 1024)


def parse_real(text: str) -> float:
    """A number."""
    return float(text.strip())


def parse_lower(text: str) -> str:
    """A word, lowercased."""
    return text.strip().lower()


def parse_text(text: str) -> str:
    """Text without surrounding spaces."""
    return text.strip()


def parse_text_or_none(text: str) -> str | None:
    """Text, or None for ``none`` or nothing (an empty form field)."""
    cleaned = text.strip()
    return None if cleaned.lower() in ("none", "") else cleaned


_SWITCH_WORDS = {"1": True, "true": True, "yes": True, "on": True}
_SWITCH_WORDS.update({"0": False, "false": False, "no": False, "off": False, "": False})


def parse_switch(text: str) -> bool:
    """On or off: ``true``/``yes``/``on``/``1`` or ``false``/``no``/``off``/``0``/nothing.

    The command line gives an on/off field as a pair of flags
    (``--detect-background``, ``--no-detect-background``); text from a form
    or a query is read with this.
    """
    try:
        return _SWITCH_WORDS[text.strip().lower()]
    except KeyError:
        raise ValueError(f"not on or off: {text!r}") from None


@dataclasses.dataclass(frozen=True)
class OptionSpec:
    """How one :class:`Options` field is offered to people: its flag, help and web schema.

    The command line's flags (:mod:`palettekit.cli.flags`), the web API's
    request fields (:mod:`palettekit.web.fields`) and its OpenAPI schema
    (:mod:`palettekit.web.openapi`) are generated from these, so a field
    added with its spec needs no other edit.

    Attributes
    ----------
    help : str
        Help of the command-line flag; ``{default}`` is replaced by the
        default value (``{default:g}``, ``{default:,}`` ... work),
        ``{default_mib}`` by it in MiB, ``{minimum}`` and ``{maximum}`` by
        the bounds (see ``schema``). ``%`` must be written ``%%``.
    flags : tuple of str
        The flags; by default ``--field-name``.
    metavar : str, optional
        Placeholder of the value in the help; by default ``FIELD_NAME``.
    parse : callable, optional
        ``parse(text) -> value``: how the field is read from text, by every
        front end (a command-line flag, a form field, a query parameter, a
        string in a JSON body); by default it follows the type of the default
        (see :meth:`text_parser`). It raises ValueError on text that is not
        a value of the field's type; :class:`Options` validates the value
        afterwards.
    choices : tuple of str, optional
        The accepted words, shown in the help and as the schema's ``enum``.
    web : bool
        A web request may set it. Limits of bytes, pixels, frames and time
        stay the server's.
    schema : mapping
        OpenAPI keywords of the field (``description``, ``example``,
        ``minimum``, ``maximum``, or a whole ``oneOf``); ``type``,
        ``default`` and ``enum`` are added from the field. Its ``minimum``
        and ``maximum`` (those of the numeric branch of a ``oneOf``) are
        the bounds :class:`Options` checks, also for a field the web does
        not offer, whose schema is never published.
    check : callable, optional
        ``check(name, value, spec) -> value`` validates and normalises a
        value that is more than a number within the bounds, a word among
        ``choices`` or True/False (a color, a box, "auto" or a number),
        raising :class:`~palettekit.errors.OptionsError`. Without it the
        value is checked by the type of the default, the bounds and the
        choices.
    nullable : bool
        None is accepted too (it means "no limit"); always so for a field
        whose default is None.
    """

    help: str
    flags: tuple[str, ...] = ()
    metavar: str | None = None
    parse: Callable[[str], Any] | None = None
    choices: tuple[str, ...] | None = None
    web: bool = False
    schema: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    check: Callable[[str, Any, OptionSpec], Any] | None = None
    nullable: bool = False

    @property
    def bounds(self) -> tuple[Any, Any]:
        """(minimum, maximum) of the value from ``schema``; None where unbounded."""
        numeric = [
            part
            for part in self.schema.get("oneOf", [self.schema])
            if "minimum" in part or "maximum" in part
        ]
        if not numeric:
            return None, None
        return numeric[0].get("minimum"), numeric[0].get("maximum")

    def text_parser(self, default: object) -> Callable[[str], Any]:
        """The one function that reads this field from text, for every front end.

        ``parse`` if the spec names one, else by the type of the default:
        :func:`parse_switch` (bool), :func:`parse_integer`,
        :func:`parse_real`, :func:`parse_text_or_none` (a default of None)
        or :func:`parse_text`.
        """
        if self.parse is not None:
            return self.parse
        if isinstance(default, bool):
            return parse_switch
        if isinstance(default, int):
            return parse_integer
        if isinstance(default, float):
            return parse_real
        if default is None:
            return parse_text_or_none
        return parse_text

    def expected(self, default: object) -> str:
        """What the field's text must be, for a message: ``"an integer"``, ``"a number"`` ..."""
        parse = self.text_parser(default)
        if parse is parse_k:
            low, high = self.bounds
            return f"an integer from {low} to {high}, or 'auto'"
        if parse is parse_real:
            return "a number"
        if parse is parse_switch:
            return "true or false"
        return "an integer"

    def from_text(self, name: str, text: str, default: object) -> Any:
        """The value ``text`` gives the field ``name`` (not yet validated by :class:`Options`).

        Raises
        ------
        OptionsError
            ``"<name> must be <what>, got <text>"`` when the text does not
            read as a value of the field's type.
        """
        try:
            return self.text_parser(default)(text)
        except (ValueError, OverflowError):
            raise OptionsError(f"{name} must be {self.expected(default)}, got {text!r}") from None

    def validate(self, name: str, value: object, default: object) -> Any:
        """``value`` checked and normalised for the field ``name`` with this spec.

        Raises
        ------
        OptionsError
            If the value is not one the field accepts.
        """
        if value is None and (self.nullable or default is None):
            return None
        if self.check is not None:
            return self.check(name, value, self)
        low, high = self.bounds
        if isinstance(default, bool):
            return _check_bool(name, value)
        if isinstance(default, int):
            return _check_int(name, value, low, high)
        if isinstance(default, float):
            return _check_float(
                name,
                value,
                None if low is None else float(low),
                None if high is None else float(high),
            )
        if self.choices:
            return _check_choice(name, value, self.choices)
        return value


_SPEC_KEY = "palettekit"


def option(default: Any, spec: OptionSpec) -> Any:
    """A dataclass field of :class:`Options` (or a subclass) with its :class:`OptionSpec`."""
    return dataclasses.field(default=default, metadata={_SPEC_KEY: spec})


def option_specs(cls: type[Options] | None = None) -> dict[str, tuple[Any, OptionSpec]]:
    """Every field of ``cls`` (default :class:`Options`) with its default and spec, in order.

    A field declared without a spec gets a plain one: ``--field-name``, its
    default in the help, not settable from the web.
    """
    out: dict[str, tuple[Any, OptionSpec]] = {}
    for f in dataclasses.fields(cls or Options):
        spec = f.metadata.get(_SPEC_KEY)
        if spec is None:
            text = f"Options.{f.name} (default {f.default!r})"
            spec = OptionSpec(help=text.replace("%", "%%").replace("{", "{{").replace("}", "}}"))
        out[f.name] = (f.default, spec)
    return out


def web_option_names(cls: type[Options] | None = None) -> tuple[str, ...]:
    """Names of the fields of ``cls`` a web request may set, in field order."""
    return tuple(name for name, (_, spec) in option_specs(cls).items() if spec.web)


@dataclasses.dataclass(frozen=True)
class Options:
    """How to extract a palette. Immutable; validated on construction.

    Parameters
    ----------
    k : int or "auto"
        Number of colors asked for, 1 to 256. Fewer come back when the image
        has fewer distinct colors. "auto" chooses k for the image, up to
        ``max_k`` (see :mod:`palettekit.autok`).
    kind : {"palette", "theme"}
        What the colors are. "palette" (default): the k colors that represent
        the image's pixels best, cluster centers found by k-means, each
        with the share of the pixels it stands for. "theme": the k colors a
        person would pick, each a color that really occurs in the image,
        pairwise distinct (at least 0.08 apart in Oklab), with vivid and
        salient colors preferred over large dull areas
        (:mod:`palettekit.theme`); shares count the pixels nearest to each.
    space : {"oklab", "cielab", "srgb"}
        Color space k-means runs in (palettes only; themes are chosen in
        Oklab). Oklab (default) is perceptual; "srgb" is
        the tutorial recipe's space.
    sort : {"share", "lightness", "hue"}
        Order of the swatches: largest share first, lightest first, or by hue
        angle (the white, gray and black families last, light to dark).
    seed : int
        Seed of the random generator used by k-means++ (>= 0). Same seed, same
        palette.
    n_init : int
        Number of k-means++ starts; the one with the lowest inertia wins (a
        palette runs ``KMediansParams.starts_per_init`` times as many on a
        coarser histogram, :mod:`palettekit.kmedians_palette`).
    max_iter : int
        Cap on the Lloyd rounds of each k-means++ start of a palette
        (:mod:`palettekit.kmedians_palette`). The starts only choose a basin:
        they take ``min(max_iter, KMediansParams.start_iter)`` rounds before
        the weighted k-medians polish, whose steps are set by
        ``KMediansParams``; the cap binds fully only when the starts are run
        to convergence on every bin, after a cluster ended empty.
    tol : float
        Convergence tolerance: a start (or the median polish) stops when its
        centers' summed squared movement falls to ``tol`` times the data's
        mean variance (as in scikit-learn).
    max_pixels : int or None
        Working size: the image is reduced (keeping its aspect ratio) to at
        most this many pixels before counting colors. ``None`` keeps full
        resolution.
    histogram_bits : int
        Bits per channel of the color histogram (1 to 8). Each occupied bin is
        represented by the mean color of its pixels; 8 means exact colors.
    alpha_threshold : int
        Pixels whose alpha is below this (0 to 255) are transparent and ignored.
    composite_on : tuple of 3 ints or None
        If given (as ``"#rrggbb"`` or an RGB triple), transparent and
        translucent pixels are composited onto this color instead of dropped.
    max_image_pixels : int
        Decompression-bomb guard: images whose header declares more pixels are
        refused before decoding.
    max_bytes : int
        Largest image file, in bytes, whatever the source: a path, bytes, a
        file object or a URL download.
    max_decode_bytes : int
        Memory bound of decoding one image: an image whose decoding is
        estimated, from its header, to take more bytes is refused before
        decoding. The default, 204 MB, admits 50 megapixels at 4 bytes a
        pixel (RGBA, CMYK, float, 32-bit) plus the decoder's buffers, 100
        megapixels of 16-bit gray, 12.7 megapixels of WebP; with it one
        extract peaks under 250 MiB. JPEGs are judged at the reduced scale
        they are decoded at.
    timeout : float
        Total deadline in seconds for fetching a URL, 0.001 to 86400.
    block_private_urls : bool
        Refuse URL sources (and redirects) whose host resolves to a
        loopback, private, link-local or otherwise non-public address, as
        the web server does. Off by default: the library and the CLI fetch
        any URL, ``http://localhost/`` and intranet hosts included, which is
        right for a local tool; turn it on in a service that passes URLs
        from its users to palettekit.
    max_k : int
        Largest k that ``k="auto"`` may choose, 1 to 256 (default 12).
    detect_background : bool
        Look for a flat backdrop along the image border and report it in
        ``meta["background"]`` (see :mod:`palettekit.background`).
    exclude_background : bool
        Also leave the backdrop's pixels out of the palette and its shares
        (implies ``detect_background``).
    crop : tuple of 4 int, tuple of 4 float, or None
        Only use the pixels in the box ``(left, top, right, bottom)``, right
        and bottom exclusive: four ints are pixels of the original image;
        otherwise all four are fractions of its width and height, in [0, 1].
        Also accepted as a string ``"l,t,r,b"`` where a value with a decimal
        point or a percent sign is a fraction: ``"0,0,640,480"`` (pixels),
        ``"0.1,0,0.9,1.0"`` or ``"10%,0%,90%,100%"`` (fractions).
    frames : "first", "all" or int
        Frames of an animation to use: the first (default), all (at most 64,
        sampled evenly) or N sampled evenly (1 to 64).
    """

    k: int | str = option(
        5,
        OptionSpec(
            flags=("-k", "--num-colors"),
            parse=parse_k,
            check=_check_k,
            metavar="K",
            help="number of colors, {minimum}-{maximum}, or 'auto' to choose it per image "
            "(default {default})",
            web=True,
            schema={
                "oneOf": [
                    {"type": "integer", "minimum": 1, "maximum": 256},
                    {"type": "string", "enum": ["auto"]},
                ],
                "description": 'Number of colors, or "auto" to choose it for the image '
                "(up to max_k).",
            },
        ),
    )
    kind: str = option(
        "palette",
        OptionSpec(
            parse=parse_lower,
            choices=KINDS,
            help="what the colors are: 'palette', the k colors that represent the pixels best "
            "(k-means), or 'theme', the k distinct colors a person would pick, each one "
            "that occurs in the image, vivid and salient ones first (default {default})",
            web=True,
            schema={
                "description": (
                    'What the colors are: "palette", the k colors that represent the image\'s '
                    'pixels best (k-means, with their shares); "theme", the k distinct colors a '
                    "person would pick, each one that occurs in the image, vivid and salient "
                    "colors first (shares count the pixels nearest to each)."
                )
            },
        ),
    )
    space: str = option(
        "oklab",
        OptionSpec(
            parse=parse_lower,
            choices=SPACES,
            help="color space k-means runs in (default {default})",
            web=True,
            schema={"description": 'Color space k-means runs in (kind "palette" only).'},
        ),
    )
    sort: str = option(
        "share",
        OptionSpec(
            parse=parse_lower,
            choices=SORTS,
            help="order of the colors: largest share first, lightest first, or by hue with "
            "grays last (default {default})",
            web=True,
            schema={"description": "Order of the swatches."},
        ),
    )
    seed: int = option(
        0,
        OptionSpec(
            metavar="N",
            help="seed of the k-means++ starts; same seed, same palette (default {default})",
            web=True,
            schema={"minimum": 0},
            check=_check_seed,
        ),
    )
    n_init: int = option(
        8,
        OptionSpec(
            metavar="N",
            help="k-means++ starts; the best is kept (default {default})",
            web=True,
            schema={"minimum": 1, "maximum": 1000},
        ),
    )
    max_iter: int = option(
        100,
        OptionSpec(
            metavar="N",
            help="most Lloyd rounds per k-means++ start, before the k-medians (default {default})",
            web=True,
            schema={"minimum": 1, "maximum": 100_000},
        ),
    )
    tol: float = option(
        1e-4,
        OptionSpec(
            metavar="X",
            help="convergence tolerance, relative to the data's variance (default {default:g})",
            web=True,
            schema={"minimum": 0},
        ),
    )
    max_pixels: int | None = option(
        250_000,
        OptionSpec(
            parse=parse_pixels_or_none,
            metavar="N|none",
            help="working size: reduce the image to at most N pixels before counting colors "
            "(250k, 1M ...); 'none' keeps full resolution (default {default})",
            web=True,
            schema={"minimum": 1, "description": "Working size in pixels."},
            nullable=True,
        ),
    )
    histogram_bits: int = option(
        5,
        OptionSpec(
            metavar="B",
            help="bits per channel of the color histogram, {minimum}-{maximum}; 8 counts exact "
            "colors (default {default})",
            web=True,
            schema={"minimum": 1, "maximum": 8},
        ),
    )
    alpha_threshold: int = option(
        128,
        OptionSpec(
            metavar="A",
            help="pixels with alpha below A ({minimum}-{maximum}) are transparent and ignored "
            "(default {default})",
            web=True,
            schema={"minimum": 0, "maximum": 255},
        ),
    )
    composite_on: tuple[int, int, int] | None = option(
        None,
        OptionSpec(
            parse=parse_text_or_none,
            metavar="COLOR",
            help="composite transparent pixels onto this color ('#rrggbb') instead of ignoring "
            "them (default: ignore)",
            web=True,
            schema={
                "example": "#ffffff",
                "description": "Composite transparent pixels onto this color instead of "
                "dropping them.",
            },
            check=_check_composite,
        ),
    )
    max_image_pixels: int = option(
        150_000_000,
        OptionSpec(
            parse=parse_pixels,
            metavar="N",
            help="refuse images whose header declares more pixels, before decoding "
            "(default {default:,})",
            schema={"minimum": 1},
        ),
    )
    max_bytes: int = option(
        100 * 1024 * 1024,
        OptionSpec(
            parse=parse_bytes,
            metavar="N",
            help="largest file or download read, in bytes; K, M, G suffixes are binary "
            "(default {default_mib}M)",
            schema={"minimum": 1},
        ),
    )
    max_decode_bytes: int = option(
        204_000_000,
        OptionSpec(
            parse=parse_bytes,
            metavar="N",
            help="refuse images whose decoding would take more memory, estimated from the "
            "header; K, M, G suffixes are binary (default {default:,})",
            schema={"minimum": 1},
        ),
    )
    timeout: float = option(
        20.0,
        OptionSpec(
            metavar="SECONDS",
            help="total time limit for downloading a URL (default {default:g})",
            schema={"minimum": 0.001, "maximum": MAX_TIMEOUT},
        ),
    )
    max_k: int = option(
        12,
        OptionSpec(
            metavar="K",
            help="largest number of colors -k auto may choose, {minimum}-{maximum} "
            "(default {default})",
            web=True,
            schema={
                "minimum": 1,
                "maximum": 256,
                "description": 'Largest k that k="auto" may choose.',
            },
        ),
    )
    detect_background: bool = option(
        False,
        OptionSpec(
            help="look for a flat backdrop along the image border and report it "
            "(json: meta.background)",
            web=True,
        ),
    )
    exclude_background: bool = option(
        False,
        OptionSpec(
            help="leave the backdrop's pixels out of the palette (implies --detect-background)",
            web=True,
        ),
    )
    crop: tuple[int, int, int, int] | tuple[float, float, float, float] | None = option(
        None,
        OptionSpec(
            parse=parse_text_or_none,
            metavar="L,T,R,B",
            help="use only this box: pixels (0,0,640,480) or fractions (0.1,0,0.9,1 or "
            "10%%,0%%,90%%,100%%); right and bottom exclusive",
            web=True,
            schema={
                "example": "10%,10%,90%,90%",
                "description": "Region to analyse: left,top,right,bottom in pixels or fractions.",
            },
            check=_check_crop,
        ),
    )
    frames: str | int = option(
        "first",
        OptionSpec(
            parse=parse_lower,
            metavar="first|all|N",
            help="frames of an animation: the first, all (at most {maximum}) or N sampled evenly "
            "(default {default})",
            schema={"minimum": 1, "maximum": MAX_FRAMES},
            check=_check_frames,
        ),
    )
    block_private_urls: bool = option(
        False,
        OptionSpec(
            help="refuse URL inputs that resolve to loopback, private or link-local addresses "
            "(by default any URL is fetched, localhost included)",
        ),
    )

    def __post_init__(self) -> None:
        # Each field is checked by its spec: the bounds and choices written there
        # are the ones the command line's help and the OpenAPI schema show. A
        # field left at its default (the very object) is skipped when the
        # default validates to itself: checking it would give back an equal value.
        for name, default, spec, default_valid in _field_checks(type(self)):
            value = getattr(self, name)
            if value is default and default_valid:
                continue
            object.__setattr__(self, name, spec.validate(name, value, default))

    @classmethod
    def from_kwargs(cls, base: Options | None = None, **kwargs: Any) -> Options:
        """Build options from keyword arguments, optionally on top of ``base``.

        Raises
        ------
        OptionsError
            On an unknown option name or an invalid value.
        """
        names = _field_names(cls)
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise OptionsError(
                f"unknown option{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}"
                f" (known: {', '.join(sorted(names))})"
            )
        if base is None:
            return cls(**kwargs)
        return dataclasses.replace(base, **kwargs)

    def replace(self, **changes: Any) -> Options:
        """Return a copy with some options changed (validated)."""
        return type(self).from_kwargs(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict of every option (colors as lists)."""
        out: dict[str, Any] = {}
        for name, *_ in _field_checks(type(self)):  # the fields, in order
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Options:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        return cls.from_kwargs(**dict(data))


_FIELD_NAMES: dict[type, frozenset[str]] = {}
_FIELD_CHECKS: dict[type, tuple[tuple[str, Any, OptionSpec, bool], ...]] = {}


def _field_names(cls: type[Options]) -> frozenset[str]:
    """The field names of ``cls`` (a class's fields never change)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in dataclasses.fields(cls))
    return names


def _field_checks(cls: type[Options]) -> tuple[tuple[str, Any, OptionSpec, bool], ...]:
    """``(name, default, spec, default_valid)`` of each field of ``cls``, in order,
    worked out once per class (:meth:`Options.__post_init__` runs on every call
    of :func:`palettekit.extract`); ``default_valid``: the spec's validation
    gives the default back (an equal value of the same type)."""
    cached = _FIELD_CHECKS.get(cls)
    if cached is not None:
        return cached
    checks = []
    for name, (default, spec) in option_specs(cls).items():
        try:
            checked = spec.validate(name, default, default)
            valid = type(checked) is type(default) and bool(checked == default)
        except Exception:  # a default its own check refuses is checked on every call
            valid = False
        checks.append((name, default, spec, valid))
    _FIELD_CHECKS[cls] = result = tuple(checks)
    return result
