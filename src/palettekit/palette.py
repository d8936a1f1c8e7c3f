"""Small immutable value objects: :class:`Swatch` and :class:`Palette`.

They hold results only; rendering lives in :mod:`palettekit.render`, export
formats in :mod:`palettekit.formats`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from .display_text import one_line
from .errors import ExportError, OptionsError
from .options import SORTS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "Swatch",
    "Palette",
    "PaletteLike",
    "ReadOnlyDict",
    "SCHEMA",
    "as_palette",
    "swatch_problem",
    "swatch_order_key",
    "source_of",
]

SCHEMA = "palettekit.palette/2"
"""Identifier of the plain-data form of a palette (see :meth:`Palette.to_dict`).

Version 2: ``name`` is the name people use (xkcd
color survey) and ``name_distance`` the distance to it; in version 1 both
were about the nearest CSS color, which moved to ``css_name`` and
``css_distance``."""


@dataclass(frozen=True)
class Swatch:
    """One color of a palette.

    Attributes
    ----------
    rgb : tuple of 3 int
        sRGB color in [0, 255].
    share : float
        Fraction of the image's opaque working-size pixels assigned to this
        color, in (0, 1]. Shares of a palette sum to 1.
    count : int
        Number of those pixels.
    oklab : tuple of 3 float
        The color in Oklab (L in [0, 1]), rounded to 6 decimals.
    name : str
        The name people use for the color: the nearest name of the xkcd
        color survey that says the color's ``family`` (:mod:`palettekit.names`),
        such as "olive green" or "dusty rose".

    Derived from those (properties, also in :meth:`to_dict`): ``hex``,
    ``lightness``, ``chroma``, ``hue``, ``family`` (one of twelve basic color
    families, :mod:`palettekit.families`), ``name_distance`` (Oklab distance
    to the survey color of ``name``), ``css_name`` (the nearest CSS named
    color, for CSS users) and ``css_distance``.
    """

    rgb: tuple[int, int, int]
    share: float
    count: int
    oklab: tuple[float, float, float]
    name: str

    @property
    def hex(self) -> str:
        """Lowercase ``#rrggbb``."""
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)

    @property
    def lightness(self) -> float:
        """Oklab L, perceived lightness in [0, 1]."""
        return self.oklab[0]

    @property
    def chroma(self) -> float:
        """Oklch chroma (colorfulness), >= 0."""
        return math.hypot(self.oklab[1], self.oklab[2])

    @property
    def hue(self) -> float:
        """Oklch hue angle in degrees [0, 360)."""
        return math.degrees(math.atan2(self.oklab[2], self.oklab[1])) % 360.0

    @property
    def family(self) -> str:
        """Basic color family: red, orange, yellow, green, teal, blue, purple,
        pink, brown, black, gray or white (regions in :mod:`palettekit.families`)."""
        from .families import color_family

        return color_family(self.oklab)

    @property
    def name_distance(self) -> float | None:
        """Euclidean Oklab distance from this color to the color people gave
        ``name`` in the survey, rounded to 6 decimals: how well the name fits
        (about 0.02 is a just-noticeable difference). None if ``name`` is not
        a survey name (a swatch built with a name of its own)."""
        from .names import survey_color

        color = survey_color(self.name)
        if color is None:
            return None
        return round(math.dist(self.oklab, color), 6)

    @property
    def css_name(self) -> str:
        """Nearest CSS named color (Euclidean distance in Oklab), whatever
        its family: a name CSS accepts, such as "darkolivegreen"."""
        return _css(self.oklab)[0]

    @property
    def css_distance(self) -> float:
        """Euclidean Oklab distance to ``css_name``, rounded to 6 decimals."""
        return _css(self.oklab)[1]

    def to_dict(self) -> dict[str, Any]:
        """Plain data: hex, rgb, share, count, oklab, name, name_distance,
        family, css_name, css_distance."""
        return self._to_dict(self.family, *_css(self.oklab))

    def _to_dict(self, family: str, css_name: str, css_distance: float) -> dict[str, Any]:
        return {
            "hex": self.hex,
            "rgb": list(self.rgb),
            "share": self.share,
            "count": self.count,
            "oklab": list(self.oklab),
            "name": self.name,
            "name_distance": self.name_distance,
            "family": family,
            "css_name": css_name,
            "css_distance": css_distance,
        }


def _color_dicts(swatches: Sequence[Swatch]) -> list[dict[str, Any]]:
    """``[s.to_dict() for s in swatches]``, with the families and CSS names
    found for all the colors at once (about 1 ms less for 8 colors)."""
    if not swatches:
        return []
    import numpy as np

    from .families import FAMILIES, family_indices
    from .names import nearest_css_names

    oklab = np.array([s.oklab for s in swatches], dtype=np.float64)
    families = family_indices(oklab)
    css_names, css_distances = nearest_css_names(oklab, families)
    return [
        s._to_dict(FAMILIES[f], css_name, round(float(css_distance), 6))
        for s, f, css_name, css_distance in zip(
            swatches, families.tolist(), css_names, css_distances, strict=True
        )
    ]


def _css(oklab: tuple[float, float, float]) -> tuple[str, float]:
    from .names import nearest_css_names

    names, distances = nearest_css_names(oklab)
    return names[0], round(float(distances[0]), 6)


def swatch_order_key(order: str) -> Callable[[Swatch], tuple[Any, ...]]:
    """The sort key of an ``order`` ("share", "lightness" or "hue") over swatches.

    Ties are broken by the hex code, so every order is total and a palette
    sorts the same way on every run.
    """
    if order == "share":
        return lambda s: (-s.count, -s.lightness, s.hex)
    if order == "lightness":
        return lambda s: (-s.lightness, -s.count, s.hex)
    # hue: chromatic colors by hue angle, then the white, gray and black
    # families from light to dark (by family, so that a swatch shown as gray
    # is always among the grays).
    from .families import is_neutral

    return lambda s: (
        (1, -s.lightness, 0.0, s.hex)
        if is_neutral(s.lightness, s.chroma)
        else (0, s.hue, -s.lightness, s.hex)
    )


class ReadOnlyDict(dict):  # type: ignore[type-arg]
    """A dict that refuses changes (TypeError), so that ``json.dumps`` takes it as it is.

    ``Palette.meta`` and the mappings inside it are of this type, and their
    lists are tuples: ``json.dumps(palette.meta)`` works, and gives the same
    values as ``palette.to_dict()["meta"]`` (which also leaves out timings
    unless asked for).
    """

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("palette meta is read-only; copy it with dict(...) to change it")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (ReadOnlyDict, (dict(self),))

    def __copy__(self) -> ReadOnlyDict:
        return self

    def __deepcopy__(self, memo: Any) -> ReadOnlyDict:
        return self


# Types _freeze and _thaw give back as they are, told by ``type(value) in``
# before the isinstance tests (an abstract Mapping's test is slow; a palette's
# meta holds some 200 values): none is a Mapping, list or tuple.
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _freeze(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Mapping):
        return ReadOnlyDict({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


class Palette(Sequence[Swatch]):
    """An immutable sequence of :class:`Swatch` plus read-only ``meta``.

    Sorted by share, largest first, unless built with another order.
    ``meta`` holds how the palette was made (see the README for its keys).
    In Jupyter a palette displays as its swatches and proportional bar.
    """

    __slots__ = ("_swatches", "_meta")

    def __init__(self, swatches: Sequence[Swatch], meta: Mapping[str, Any] | None = None):
        self._swatches: tuple[Swatch, ...] = tuple(swatches)
        self._meta: Mapping[str, Any] = _freeze(dict(meta or {}))

    @overload
    def __getitem__(self, index: int) -> Swatch: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Swatch, ...]: ...
    def __getitem__(self, index: int | slice) -> Swatch | tuple[Swatch, ...]:
        return self._swatches[index]

    def __len__(self) -> int:
        return len(self._swatches)

    def __iter__(self) -> Iterator[Swatch]:
        return iter(self._swatches)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Palette):
            return NotImplemented
        return self._swatches == other._swatches

    def __hash__(self) -> int:
        return hash(self._swatches)

    def __repr__(self) -> str:
        body = ", ".join(f"{s.hex} {s.share:.1%}" for s in self._swatches)
        return f"Palette([{body}])"

    @property
    def meta(self) -> Mapping[str, Any]:
        """Read-only mapping: k, options, seed, sizes, distortion, timings, ...

        A :class:`ReadOnlyDict` (a dict that refuses changes), JSON-ready:
        ``json.dumps(palette.meta)`` works.
        """
        return self._meta

    @property
    def swatches(self) -> tuple[Swatch, ...]:
        """The swatches as a tuple."""
        return self._swatches

    @property
    def hex(self) -> list[str]:
        """Hex codes of the swatches, in order."""
        return [s.hex for s in self._swatches]

    @property
    def rgb(self) -> list[tuple[int, int, int]]:
        """RGB triples of the swatches, in order."""
        return [s.rgb for s in self._swatches]

    @property
    def shares(self) -> list[float]:
        """Shares of the swatches, in order; they sum to 1."""
        return [s.share for s in self._swatches]

    def to_numpy(self) -> npt.NDArray[np.uint8]:
        """The colors as an array, in order.

        Returns
        -------
        numpy.ndarray
            Shape (k, 3), dtype uint8, sRGB in [0, 255]; (0, 3) for an empty
            palette. A new array each call.
        """
        import numpy as np

        return np.array(self.rgb, dtype=np.uint8).reshape(-1, 3)

    def save(self, path: str | os.PathLike[str], format: str | None = None, **options: Any) -> str:
        """Write the palette to a file in any registered export format, atomically.

        A thin method over :func:`palettekit.formats.save`: the format follows
        the file's suffix (``.json``, ``.csv``, ``.gpl``, ``.css``, ``.ase``,
        ``.svg``, ``.png``, ...) unless ``format`` names one (``"tailwind"``);
        ``options`` go to the format's writer (``width=``, ``labels=`` for
        ``png``). The file appears whole or not at all.

        Returns
        -------
        str
            The name of the format written.

        Raises
        ------
        ExportError
            Unknown format or suffix (nothing is written).
        OptionsError
            A bad option for the format (nothing is written).
        OSError
            The file cannot be written.
        """
        from .formats import save

        return save(self, path, format, **options)

    def plot(self, ax: Any = None, *, image: Any = None, labels: bool = True) -> Any:
        """Draw the proportional bar with matplotlib (``palettekit[plot]``), in a notebook or not.

        A thin method over :func:`palettekit.plot.plot_palette`: the bar on
        ``ax`` (a new figure when None), each color as wide as its share and
        labelled with its hex code and share where that fits (the others in a
        legend under the bar); with ``image=`` (any source :func:`palettekit.extract`
        accepts), a new figure with the image and its bar side by side.

        Returns
        -------
        matplotlib.axes.Axes or matplotlib.figure.Figure
            The bar's Axes; with ``image``, the Figure.

        Raises
        ------
        MissingExtraError
            matplotlib is not installed.
        OptionsError
            ``ax`` and ``image`` together, or ``ax`` not an Axes.
        """
        from .plot import plot_palette

        return plot_palette(self, ax, image=image, labels=labels)

    def sorted(self, by: str = "share") -> Palette:
        """A copy sorted by "share" (largest first), "lightness" (lightest
        first) or "hue" (by Oklch hue angle; the white, gray and black families last,
        light to dark); case-insensitive,
        as :attr:`Options.sort <palettekit.Options>` is."""
        order = by.lower() if isinstance(by, str) else by
        if order not in SORTS:
            raise OptionsError(f"sort must be one of {', '.join(SORTS)}; got {by!r}")
        return Palette(sorted(self._swatches, key=swatch_order_key(order)), self._meta)

    def to_dict(self, timings: bool = False) -> dict[str, Any]:
        """Plain, JSON-ready data in the ``palettekit.palette/2`` schema.

        Per-stage timings vary from run to run, so they are left out unless
        ``timings=True``; everything else is the same for the same input and
        options.
        """
        meta = _thaw(self._meta)
        if not timings:
            meta.pop("timings", None)
        return {
            "schema": SCHEMA,
            "colors": _color_dicts(self._swatches),
            "meta": meta,
        }

    def _repr_html_(self) -> str:
        """The palette as an HTML fragment, for Jupyter (:mod:`palettekit.notebook_html`).

        Raises
        ------
        ExportError
            A swatch with values that cannot be shown (see :func:`swatch_problem`).
        """
        from .notebook_html import swatches_to_html

        checked = as_palette(self)
        return swatches_to_html(list(checked), source_of(checked))


PaletteLike = Palette | Sequence[Swatch]
"""A :class:`Palette`, or any sequence of :class:`Swatch` (meta then empty)."""


def as_palette(palette: PaletteLike) -> Palette:
    """The palette, checked; sequences of swatches become a Palette without meta.

    Raises
    ------
    ExportError
        Not a palette or sequence of swatches, or a swatch with values no
        exporter can write (rgb outside [0, 255], a share or Oklab value that
        is not a finite number ...).
    """
    if not isinstance(palette, Palette):
        if isinstance(palette, (str, bytes)) or not isinstance(palette, Sequence):
            raise ExportError(f"not a palette: {type(palette).__name__}")
        palette = Palette(palette)
    for position, swatch in enumerate(palette, start=1):
        problem = swatch_problem(swatch)
        if problem:
            raise ExportError(f"cannot export color {position}: {problem}")
    return palette


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def swatch_problem(swatch: object) -> str | None:
    """Why no exporter can write ``swatch`` (one line), or None if it is a valid Swatch."""
    if not isinstance(swatch, Swatch):
        return f"not a Swatch but {type(swatch).__name__}"
    rgb = swatch.rgb
    if not (
        isinstance(rgb, tuple) and len(rgb) == 3 and all(_is_int(c) and 0 <= c <= 255 for c in rgb)
    ):
        return f"rgb must be three ints in [0, 255], got {rgb!r}"
    if not (_is_finite(swatch.share) and swatch.share >= 0):
        return f"share must be a finite number >= 0, got {swatch.share!r}"
    if not (_is_int(swatch.count) and swatch.count >= 0):
        return f"count must be an int >= 0, got {swatch.count!r}"
    oklab = swatch.oklab
    if not (isinstance(oklab, tuple) and len(oklab) == 3 and all(map(_is_finite, oklab))):
        return f"oklab must be three finite numbers, got {oklab!r}"
    if not isinstance(swatch.name, str):
        return f"name must be a str, got {swatch.name!r}"
    return None


def source_of(palette: Palette) -> str | None:
    """``meta["source"]`` on one line (at most 200 characters), or None if there is none."""
    source = palette.meta.get("source")
    return one_line(source, 200) if isinstance(source, str) and source.strip() else None
