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
from collections.abc import Mapping
from typing import Any

from .errors import OptionsError

__all__ = ["Options", "SPACES", "SORTS", "KINDS", "parse_color"]

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


def _check_int(name: str, value: object, low: int, high: int | None = None) -> int:
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
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"between {low} and {high}"
        raise OptionsError(f"{name} must be {bound}, got {value}")
    return value


def _check_float(name: str, value: object, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptionsError(f"{name} must be a number, got {value!r}")
    try:
        result = float(value)
    except (OverflowError, ValueError, TypeError):
        raise OptionsError(f"{name} must be a finite number, got {value!r}") from None
    if not math.isfinite(result):
        raise OptionsError(f"{name} must be a finite number, got {value!r}")
    if result < low or (high is not None and result > high):
        bound = f">= {low}" if high is None else f"between {low} and {high}"
        raise OptionsError(f"{name} must be {bound}, got {value!r}")
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


def _check_crop(value: object) -> tuple[int, int, int, int] | tuple[float, float, float, float]:
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


def _check_frames(value: object) -> str | int:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("first", "all"):
            return text
        if text.isascii() and text.isdigit():  # "²".isdigit() is True, int("²") fails
            value = int(text)
    if isinstance(value, str):
        raise OptionsError(f"frames must be 'first', 'all' or a number, got {value!r}")
    return _check_int("frames", value, 1, MAX_FRAMES)


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
        Number of k-means++ starts; the one with the lowest inertia wins.
    max_iter : int
        Cap on the Lloyd iterations of a start. The starts take at most 3 on
        the coarse histogram before the median polish takes over (a lower
        ``max_iter`` lowers that); the cap binds when the clustering is run
        to convergence on the full histogram, after a cluster ended empty.
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

    k: int | str = 5
    kind: str = "palette"
    space: str = "oklab"
    sort: str = "share"
    seed: int = 0
    n_init: int = 8
    max_iter: int = 100
    tol: float = 1e-4
    max_pixels: int | None = 250_000
    histogram_bits: int = 5
    alpha_threshold: int = 128
    composite_on: tuple[int, int, int] | None = None
    max_image_pixels: int = 150_000_000
    max_bytes: int = 100 * 1024 * 1024
    max_decode_bytes: int = 204_000_000
    timeout: float = 20.0
    max_k: int = 12
    detect_background: bool = False
    exclude_background: bool = False
    crop: tuple[int, int, int, int] | tuple[float, float, float, float] | None = None
    frames: str | int = "first"
    block_private_urls: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if isinstance(self.k, str) and self.k.strip().lower() == "auto":
            set_(self, "k", "auto")
        else:
            set_(self, "k", _check_int("k", self.k, 1, 256))
        set_(self, "kind", _check_choice("kind", self.kind, KINDS))
        set_(self, "space", _check_choice("space", self.space, SPACES))
        set_(self, "sort", _check_choice("sort", self.sort, SORTS))
        set_(self, "seed", _check_int("seed", self.seed, 0, 2**63 - 1))
        set_(self, "n_init", _check_int("n_init", self.n_init, 1, 1000))
        set_(self, "max_iter", _check_int("max_iter", self.max_iter, 1, 100_000))
        set_(self, "tol", _check_float("tol", self.tol, 0.0))
        if self.max_pixels is not None:
            set_(self, "max_pixels", _check_int("max_pixels", self.max_pixels, 1))
        set_(self, "histogram_bits", _check_int("histogram_bits", self.histogram_bits, 1, 8))
        set_(self, "alpha_threshold", _check_int("alpha_threshold", self.alpha_threshold, 0, 255))
        if self.composite_on is not None:
            try:
                set_(self, "composite_on", parse_color(self.composite_on))
            except OptionsError as exc:
                raise OptionsError(f"composite_on: {exc}") from None
        set_(self, "max_image_pixels", _check_int("max_image_pixels", self.max_image_pixels, 1))
        set_(self, "max_bytes", _check_int("max_bytes", self.max_bytes, 1))
        set_(self, "max_decode_bytes", _check_int("max_decode_bytes", self.max_decode_bytes, 1))
        set_(self, "timeout", _check_float("timeout", self.timeout, 0.001, MAX_TIMEOUT))
        set_(self, "max_k", _check_int("max_k", self.max_k, 1, 256))
        set_(self, "detect_background", _check_bool("detect_background", self.detect_background))
        set_(self, "exclude_background", _check_bool("exclude_background", self.exclude_background))
        if self.crop is not None:
            set_(self, "crop", _check_crop(self.crop))
        set_(self, "frames", _check_frames(self.frames))
        set_(self, "block_private_urls", _check_bool("block_private_urls", self.block_private_urls))

    @classmethod
    def from_kwargs(cls, base: Options | None = None, **kwargs: Any) -> Options:
        """Build options from keyword arguments, optionally on top of ``base``.

        Raises
        ------
        OptionsError
            On an unknown option name or an invalid value.
        """
        names = {f.name for f in dataclasses.fields(cls)}
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
        return Options.from_kwargs(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict of every option (colors as lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Options:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        return cls.from_kwargs(**dict(data))
