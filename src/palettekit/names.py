"""Color names: the names people use (xkcd color survey) and CSS named colors.

Survey names
------------
``data/xkcd_names.tsv`` holds 833 of the 949 names the xkcd color survey
found people agree on most (Randall Munroe, 2010, public domain under CC0 1.0;
``data/XKCD_NAMES.txt`` gives the attribution), each with the average color
people gave it. ``tools/make_color_names.py`` writes it and documents which
names were left out (variant spellings, crude words, jokes) and why.

Each name carries the basic color families (:data:`palettekit.families.FAMILIES`)
its words say: "olive green" says green, "reddish brown" red and brown,
"taupe" brown and gray. :func:`nearest_names` gives a color the nearest name
(Euclidean distance in Oklab to the survey color) *among the names that say
the color's own family*, so a swatch's ``name`` and ``family`` never
disagree. Where the overall nearest name already says that family (91% of
a grid of 262,144 sRGB colors) it is the one chosen; elsewhere the chosen name
is a little farther: over the grid the median distance goes from 0.0257 to
0.0265, the 99th percentile from 0.061 to 0.068 (about 0.02 is a
just-noticeable difference).

The table is read on first use, not at import (a few ms, once per process);
naming a palette of 8 colors then takes about 0.2 ms.

CSS names
---------
:func:`nearest_css_names`: the nearest of the CSS Color Module's named
colors, for CSS users (``Swatch.css_name``), with no family constraint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from .colorspace import srgb_to_oklab
from .families import FAMILIES, family_indices

__all__ = [
    "SurveyNames",
    "survey_names",
    "parse_survey_names",
    "nearest_names",
    "css_color_names",
    "nearest_css_names",
    "ColorLabel",
    "color_labels",
]

SURVEY_DATA = "xkcd_names.tsv"
"""File name of the survey name table in ``palettekit/data``."""

_HEX_RE = re.compile(r"#[0-9a-f]{6}")

# Colors named at once by nearest_names (bounds its scratch memory to ~30 MB).
_BLOCK = 4096


@dataclass(frozen=True)
class SurveyNames:
    """The survey name table.

    Attributes
    ----------
    names : tuple of str
        Sorted, unique.
    rgb : (C, 3) uint8
        The survey color of each name, sRGB in [0, 255].
    oklab : (C, 3) float64
        The same colors in Oklab.
    says_family : (C, 12) bool
        ``says_family[i, j]``: name ``i`` says family ``FAMILIES[j]``.
    index : dict of str to int
        Position of each name.
    """

    names: tuple[str, ...]
    rgb: npt.NDArray[np.uint8]
    oklab: npt.NDArray[np.float64]
    says_family: npt.NDArray[np.bool_]
    index: dict[str, int]


@lru_cache(maxsize=1)
def survey_names() -> SurveyNames:
    """The survey name table, read from the package data on first call
    (a few ms) and kept.

    Raises
    ------
    RuntimeError
        The data file is missing or malformed (a broken installation).
    """
    from importlib import resources

    try:
        text = (resources.files("palettekit") / "data" / SURVEY_DATA).read_text(encoding="utf-8")
    except OSError as exc:
        raise RuntimeError(f"palettekit's color name table is missing: {exc}") from None
    return parse_survey_names(text)


def parse_survey_names(text: str) -> SurveyNames:
    """The survey name table from the text of ``data/xkcd_names.tsv``.

    One name a line: ``name<TAB>#rrggbb<TAB>families`` (families separated by
    single spaces, each one of :data:`palettekit.families.FAMILIES`).

    Raises
    ------
    RuntimeError
        A line does not have that form.
    """

    position = {family: i for i, family in enumerate(FAMILIES)}
    names: list[str] = []
    hex_codes: list[str] = []
    said_rows: list[int] = []
    said_families: list[int] = []
    for row, line in enumerate(text.splitlines()):
        parts = line.split("\t")
        said = parts[2].split(" ") if len(parts) == 3 else []
        if (
            not said
            or not parts[0]
            or not _HEX_RE.fullmatch(parts[1])
            or not set(said) <= position.keys()
        ):
            raise RuntimeError(f"{SURVEY_DATA} line {row + 1} is malformed: {line!r}")
        names.append(parts[0])
        hex_codes.append(parts[1][1:])
        said_rows.extend([row] * len(said))
        said_families.extend(position[f] for f in said)
    if not names or len(set(names)) != len(names):
        raise RuntimeError(f"{SURVEY_DATA} is empty or repeats a name")
    rgb = np.frombuffer(bytes.fromhex("".join(hex_codes)), dtype=np.uint8).reshape(-1, 3)
    says_family = np.zeros((len(names), len(FAMILIES)), dtype=bool)
    says_family[np.array(said_rows, dtype=np.intp), np.array(said_families, dtype=np.intp)] = True
    oklab = srgb_to_oklab(rgb / 255.0)
    # The table is shared by every caller: make it read-only.
    oklab.setflags(write=False)
    says_family.setflags(write=False)
    return SurveyNames(
        names=tuple(names),
        rgb=rgb,
        oklab=oklab,
        says_family=says_family,
        index={name: i for i, name in enumerate(names)},
    )


def nearest_names(
    oklab: npt.ArrayLike, families: npt.ArrayLike | None = None
) -> tuple[list[str], npt.NDArray[np.float64]]:
    """The survey name of each color: the nearest name that says its family.

    Parameters
    ----------
    oklab : (N, 3) float
        Colors in Oklab, L in [0, 1]. N may be 0.
    families : (N,) int, optional
        Index into :data:`palettekit.families.FAMILIES` of each color's
        family; by default :func:`palettekit.families.family_indices`.

    Returns
    -------
    names : list of N str
    distances : (N,) float64
        Euclidean distance in Oklab to the survey color of that name, >= 0.

    Raises
    ------
    ValueError
        ``families`` does not have one entry per color.
    """

    lab = np.asarray(oklab, dtype=np.float64).reshape(-1, 3)
    family = family_indices(lab) if families is None else np.asarray(families, dtype=np.intp)
    if family.shape != (lab.shape[0],):
        raise ValueError(f"families must have shape ({lab.shape[0]},), got {family.shape}")
    table = survey_names()
    squared_norms = (table.oklab**2).sum(axis=1)
    index = np.empty(lab.shape[0], dtype=np.intp)
    # In blocks, so that N x 833 scores stay small (a palette is one block).
    for start in range(0, lab.shape[0], _BLOCK):
        block = slice(start, start + _BLOCK)
        # Squared distances less |lab|^2, the same for every name of a row:
        # the same order, and much faster than broadcasting the differences.
        score = squared_norms[None, :] - 2.0 * (lab[block] @ table.oklab.T)
        # Names that do not say the color's family are out of the running.
        score[~table.says_family[:, family[block]].T] = np.inf
        index[block] = np.argmin(score, axis=1)
    distances = np.sqrt(((lab - table.oklab[index]) ** 2).sum(axis=1))
    return [table.names[i] for i in index], distances


@lru_cache(maxsize=1)
def css_color_names() -> tuple[tuple[str, ...], npt.NDArray[np.uint8], npt.NDArray[np.float64]]:
    """The CSS Color Module named colors, one name per distinct color.

    Where CSS gives two names for one color (gray/grey, aqua/cyan,
    fuchsia/magenta, ...) the alphabetically first is kept.

    Returns
    -------
    names : tuple of str, sorted
    rgb : (C, 3) uint8 sRGB in [0, 255]
    oklab : (C, 3) float64 Oklab
    """
    from PIL import ImageColor

    by_color: dict[tuple[int, int, int], str] = {}
    for name in sorted(ImageColor.colormap):
        # ImageColor.getrgb(name) replaces the colormap's "#rrggbb" string by
        # an RGB tuple once a name has been looked up, so ask getrgb rather
        # than parsing the stored value (which would skip those names).
        r, g, b = ImageColor.getrgb(name)[:3]
        by_color.setdefault((r, g, b), name)
    items = sorted((name, rgb) for rgb, name in by_color.items())
    names = tuple(name for name, _ in items)
    rgb_array = np.array([rgb for _, rgb in items], dtype=np.uint8)
    return names, rgb_array, srgb_to_oklab(rgb_array / 255.0)


def nearest_css_names(oklab: npt.ArrayLike) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Nearest CSS named color of each color.

    Parameters
    ----------
    oklab : (N, 3) float
        Colors in Oklab.

    Returns
    -------
    names : list of N str
    distances : (N,) float64
        Euclidean distance in Oklab to that named color (0 for an exact match).
    """
    names, _, table = css_color_names()
    lab = np.asarray(oklab, dtype=np.float64).reshape(-1, 3)
    d2 = ((lab[:, None, :] - table[None, :, :]) ** 2).sum(-1)
    index = np.argmin(d2, axis=1)
    return [names[i] for i in index], np.sqrt(d2[np.arange(lab.shape[0]), index])


@dataclass(frozen=True)
class ColorLabel:
    """Words for one color.

    Attributes
    ----------
    family : str
        One of :data:`palettekit.families.FAMILIES`.
    name : str
        Name people use: the nearest xkcd survey name that says ``family``
        (:func:`palettekit.names.nearest_names`).
    name_distance : float
        Oklab distance to the survey color of ``name``, >= 0 (about 0.02 is
        a just-noticeable difference).
    css_name : str
        Nearest CSS named color (Euclidean distance in Oklab), whatever its family.
    css_distance : float
        Oklab distance to that CSS color, >= 0 (0 for an exact match).
    """

    family: str
    name: str
    name_distance: float
    css_name: str
    css_distance: float


def color_labels(oklab: npt.ArrayLike) -> list[ColorLabel]:
    """Family, survey name and nearest CSS name, with distances, for each color.

    Parameters
    ----------
    oklab : (N, 3) float
        Colors in Oklab, L in [0, 1]. N may be 0.

    Returns
    -------
    list of N ColorLabel
    """
    index = family_indices(oklab)
    lab = np.asarray(oklab, dtype=np.float64)
    names, name_distances = nearest_names(lab, index)
    css_names, css_distances = nearest_css_names(lab)
    return [
        ColorLabel(FAMILIES[f], name, float(distance), css_name, float(css_distance))
        for f, name, distance, css_name, css_distance in zip(
            index, names, name_distances, css_names, css_distances, strict=True
        )
    ]
