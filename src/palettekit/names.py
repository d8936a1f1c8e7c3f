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
*among the names that say the color's own family*, so a swatch's ``name``
and ``family`` never disagree.

"Nearest" is measured by :func:`naming_distances`, a distance in Oklch that
counts a difference of chroma :data:`CHROMA_WEIGHT` (1.9) times and a
difference of hue :data:`HUE_WEIGHT` (3) times as much as the same Oklab
difference of lightness. A color's name says its hue first ("pinkish",
"olive"), its colorfulness next ("grey", "dusty") and its lightness last
("light", "dark"), and the survey's names are spread unevenly: in plain
Oklab distance the dark brown #594739 was "purplish brown" (47 degrees of
hue away, where "mud brown" has its hue) and the light neutral greys
#b7b7bb and #b3b1aa "pinkish grey" (a name 0.03 away in chroma, where
"silver" is 0.05 away in lightness). A near-neutral color (chroma below
:data:`NEAR_NEUTRAL_CHROMA`, 0.015) is moreover never given a tinted name
(one whose own chroma is :data:`TINTED_NAME_CHROMA`, 0.025, or more), survey
or CSS: the grey ramp #000000 ... #ffffff is named black, almost black,
charcoal, dark grey, charcoal grey, gunmetal, slate grey, medium grey, warm
grey, grey, cool grey, silver, light grey and white (before: also "pinkish
grey", and CSS "lavender"). Over a grid of sRGB colors (every 6th level),
with the family constraint:

================================================  ===========  ===========
                                                  Oklab        now
================================================  ===========  ===========
near-neutral colors (C < 0.015) named with a      12.7%        0
tint word ("pinkish", "cement"; 7.1% with the
weights alone)
hue error of colors with C > 0.05, median / p90   4.2 / 13.7   2.6 / 8.4
Oklab distance to the name, median / p99          .026 / .068  .029 / .094
================================================  ===========  ===========

The weights were set by eye on the issue's colors and the tests' table
(``tests/test_names.py``): a chroma weight of 2 names the same greys right
but leaves a dark muted red (#544048) 0.20 from its name ("reddish grey").

The table is read on first use, not at import (a few ms, once per process);
naming a palette of 8 colors then takes about 0.2 ms.

CSS names
---------
:func:`nearest_css_names`: the nearest of the CSS Color Module's named
colors, for CSS users (``Swatch.css_name``), by the same weighted distance,
with two preferences, since CSS has few muted colors (in plain Oklab the
dark brown #594739 was "darkslategray" and the grey #979697 "rosybrown"):

* a color of a colored family (red ... brown) gets a colored CSS name, a
  black, gray or white one a neutral name (a CSS color's kind is that of
  its own family);
* a CSS color of the color's own family is preferred: one of another family
  must be nearer by :data:`CSS_OTHER_FAMILY_PENALTY` (0.05 of weighted
  distance), so a brown gets a brown CSS name unless another is much
  nearer, while a near-exact match across a family boundary still wins.

#594739 is now "saddlebrown", #979697 "darkgray", #e67e22 "darkorange".
Over the grid above, 39% of the CSS names change (#a2a2c0 "darkgray" ->
"lightsteelblue", #846c4e "dimgray" -> "saddlebrown"); 4.0% of colors get a
CSS name of another family (20.3% before; 4.0% got one of the other kind,
now none) and the median Oklab distance to the CSS color goes from 0.047
to 0.052 (largest 0.21 -> 0.30).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from .colorspace import srgb_to_oklab
from .families import FAMILIES, NEUTRAL_FAMILIES, family_indices

__all__ = [
    "CHROMA_WEIGHT",
    "HUE_WEIGHT",
    "CSS_OTHER_FAMILY_PENALTY",
    "NEAR_NEUTRAL_CHROMA",
    "TINTED_NAME_CHROMA",
    "naming_distances",
    "SurveyNames",
    "survey_names",
    "survey_color",
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

CHROMA_WEIGHT = 1.9
"""How much more a difference of chroma counts than the same difference of
lightness when a name is chosen (:func:`naming_distances`)."""

HUE_WEIGHT = 3.0
"""How much more a difference of hue (Oklab's ``Delta H``) counts than the same
difference of lightness when a name is chosen; >= :data:`CHROMA_WEIGHT`."""

CSS_OTHER_FAMILY_PENALTY = 0.05
"""Weighted distance (:func:`naming_distances`) added to a CSS color of
another family than the color's: a brown gets a brown CSS name unless
another is nearer by more than this."""

NEAR_NEUTRAL_CHROMA = 0.015
"""Oklch chroma below which a color is near-neutral: it is never given a
name whose own chroma is :data:`TINTED_NAME_CHROMA` or more."""

TINTED_NAME_CHROMA = 0.025
"""Oklch chroma from which a name's color reads as tinted ("pinkish grey" has
0.033, CSS "lavender" 0.027; "cool grey" 0.016 is still a grey)."""

_NEUTRAL = np.array([f in NEUTRAL_FAMILIES for f in FAMILIES])


def _naming_features(oklab: npt.NDArray[np.float64], sign: float) -> npt.NDArray[np.float64]:
    """(N, 4) rows ``L, wH a, wH b, sign * sqrt(wH^2 - wC^2) C``: the weighted
    squared distance of two colors is ``|x - y|^2`` over the first three
    columns less the square of the difference of the fourth."""
    chroma = np.hypot(oklab[:, 1], oklab[:, 2])
    drop = np.sqrt(HUE_WEIGHT**2 - CHROMA_WEIGHT**2)
    return np.column_stack(
        [oklab[:, 0], HUE_WEIGHT * oklab[:, 1], HUE_WEIGHT * oklab[:, 2], sign * drop * chroma]
    )


def naming_distances(oklab: npt.ArrayLike, targets: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Weighted distances between colors and candidate name colors.

    ``sqrt(dL^2 + (wC dC)^2 + (wH dH)^2)`` in Oklch, with ``dL``, ``dC`` the
    differences of lightness and chroma, ``dH^2 = da^2 + db^2 - dC^2`` Oklab's
    hue difference, ``wC`` = :data:`CHROMA_WEIGHT` and ``wH`` =
    :data:`HUE_WEIGHT`. With both weights 1 it is the Euclidean distance in
    Oklab.

    Parameters
    ----------
    oklab : (N, 3) float
        Colors in Oklab.
    targets : (M, 3) float
        Name colors in Oklab.

    Returns
    -------
    (N, M) float64, >= 0
    """
    lab = np.asarray(oklab, dtype=np.float64).reshape(-1, 3)
    table = np.asarray(targets, dtype=np.float64).reshape(-1, 3)
    return np.sqrt(np.maximum(_naming_scores(lab, table, with_rows=True), 0.0))


def _refuse_tints(
    score: npt.NDArray[np.float64],
    lab: npt.NDArray[np.float64],
    table: npt.NDArray[np.float64],
    tinted: npt.NDArray[np.bool_] | None = None,
) -> None:
    """Set ``score`` (N, M) to inf where a near-neutral color meets a tinted
    name, in rows that keep another candidate (in place). ``tinted``: which
    of the (M,) names are tinted, if already known (:class:`_Prepared`)."""
    near_neutral = np.hypot(lab[:, 1], lab[:, 2]) < NEAR_NEUTRAL_CHROMA
    if not near_neutral.any():
        return
    if tinted is None:
        tinted = np.hypot(table[:, 1], table[:, 2]) >= TINTED_NAME_CHROMA
    refused = near_neutral[:, None] & tinted[None, :]
    # Every neutral family has untinted names; keep a row whole otherwise.
    left = np.isfinite(np.where(refused, np.inf, score)).any(axis=1, keepdims=True)
    score[refused & left] = np.inf


class _Prepared:
    """What the scores need of a table of M name colors, computed once per table.

    ``features``: (M, 4) float64 :func:`_naming_features` with the last column
    negated; ``norms``: (M,) float64 their squared norm (first three columns
    less the fourth); ``tinted``: (M,) bool, a name's own chroma is at least
    :data:`TINTED_NAME_CHROMA`. The same arrays the scores computed on every
    call before, so the scores are the same to the bit. (A plain class: a
    dataclass costs about a millisecond to create at import.)
    """

    __slots__ = ("features", "norms", "tinted")

    def __init__(
        self,
        features: npt.NDArray[np.float64],
        norms: npt.NDArray[np.float64],
        tinted: npt.NDArray[np.bool_],
    ) -> None:
        self.features = features
        self.norms = norms
        self.tinted = tinted


def _prepare(table: npt.NDArray[np.float64]) -> _Prepared:
    y = _naming_features(table, 1.0)
    norms = (y[:, :3] ** 2).sum(axis=1) - y[:, 3] ** 2
    y[:, 3] = -y[:, 3]
    tinted = np.hypot(table[:, 1], table[:, 2]) >= TINTED_NAME_CHROMA
    for array in (y, norms, tinted):
        array.setflags(write=False)
    return _Prepared(y, norms, tinted)


def _naming_scores(
    lab: npt.NDArray[np.float64],
    table: npt.NDArray[np.float64],
    *,
    with_rows: bool = False,
    prepared: _Prepared | None = None,
) -> npt.NDArray[np.float64]:
    """Squared :func:`naming_distances`, less a term that is the same for every
    column of a row unless ``with_rows`` (one matrix product: the same order
    along a row, much faster than broadcasting the differences).
    ``prepared``: :func:`_prepare` of ``table``, for a table used again."""
    x = _naming_features(lab, 1.0)
    if prepared is None:
        prepared = _prepare(table)
    score = prepared.norms[None, :] - 2.0 * (x @ prepared.features.T)
    if with_rows:
        score += ((x[:, :3] ** 2).sum(axis=1) - x[:, 3] ** 2)[:, None]
    return score


@dataclass(frozen=True, eq=False)
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
    # Read through this module's loader, as pkgutil.get_data does (a file
    # beside the module, or in the same zip archive), without importing
    # pkgutil (~1 ms) or importlib.resources (pathlib and urllib) on the
    # command line's start.
    import os

    loader = getattr(__spec__, "loader", None)
    origin = getattr(__spec__, "origin", None)
    try:
        if loader is None or not hasattr(loader, "get_data") or not origin:
            raise OSError(f"no loader can read data/{SURVEY_DATA}")
        data = loader.get_data(os.path.join(os.path.dirname(origin), "data", SURVEY_DATA))
        text = data.decode("utf-8")
    except OSError as exc:
        raise RuntimeError(f"palettekit's color name table is missing: {exc}") from None
    return parse_survey_names(text)


@lru_cache(maxsize=1)
def _survey_prepared() -> _Prepared:
    """:func:`_prepare` of the survey table, once per process."""
    return _prepare(survey_names().oklab)


def survey_color(name: str) -> tuple[float, float, float] | None:
    """The Oklab color people gave the survey name ``name``, or None if it is none.

    The same float64 values as ``survey_names().oklab``, as a tuple of Python
    floats (a swatch's ``name_distance`` asks for one per color).
    """
    index = survey_names().index.get(name)
    return None if index is None else _survey_rows()[index]


@lru_cache(maxsize=1)
def _survey_rows() -> tuple[tuple[float, float, float], ...]:
    return tuple((lab[0], lab[1], lab[2]) for lab in survey_names().oklab.tolist())


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
    # Family lists repeat (833 names, some 60 lists): each is read once.
    said_by_text: dict[str, list[int]] = {}
    for row, line in enumerate(text.splitlines()):
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] and _HEX_RE.fullmatch(parts[1]):
            said = said_by_text.get(parts[2])
            if said is None:
                words = parts[2].split(" ")
                if all(word in position for word in words):
                    said = said_by_text[parts[2]] = [position[word] for word in words]
            if said is not None:
                names.append(parts[0])
                hex_codes.append(parts[1][1:])
                said_rows.extend([row] * len(said))
                said_families.extend(said)
                continue
        raise RuntimeError(f"{SURVEY_DATA} line {row + 1} is malformed: {line!r}")
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
    """The survey name of each color: the nearest name that says its family
    (nearest by :func:`naming_distances`).

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
    prepared = _survey_prepared()
    index = np.empty(lab.shape[0], dtype=np.intp)
    # In blocks, so that N x 833 scores stay small (a palette is one block).
    for start in range(0, lab.shape[0], _BLOCK):
        block = slice(start, start + _BLOCK)
        score = _naming_scores(lab[block], table.oklab, prepared=prepared)
        # Names that do not say the color's family are out of the running,
        # and so are tinted names for a near-neutral color.
        score[~table.says_family[:, family[block]].T] = np.inf
        _refuse_tints(score, lab[block], table.oklab, prepared.tinted)
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
        # an RGB tuple once a name has been looked up, so both forms are read;
        # a "#rrggbb" string directly (getrgb's regular expressions cost a few
        # ms to compile on a command line's first palette), anything else by
        # getrgb.
        value = ImageColor.colormap[name]
        if isinstance(value, tuple):
            rgb = (int(value[0]), int(value[1]), int(value[2]))
        elif isinstance(value, str) and _HEX_RE.fullmatch(value.lower()):
            rgb = (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
        else:
            r, g, b = ImageColor.getrgb(name)[:3]
            rgb = (r, g, b)
        by_color.setdefault(rgb, name)
    items = sorted((name, rgb) for rgb, name in by_color.items())
    names = tuple(name for name, _ in items)
    rgb_array = np.array([rgb for _, rgb in items], dtype=np.uint8)
    oklab = srgb_to_oklab(rgb_array / 255.0)
    # Shared by every caller (and prepared once, _css_prepared): read-only.
    rgb_array.setflags(write=False)
    oklab.setflags(write=False)
    return names, rgb_array, oklab


@lru_cache(maxsize=1)
def _css_prepared() -> _Prepared:
    """:func:`_prepare` of the CSS table, once per process."""
    return _prepare(css_color_names()[2])


@lru_cache(maxsize=1)
def _css_families() -> npt.NDArray[np.intp]:
    """Index into FAMILIES of each CSS named color's own family."""
    families = family_indices(css_color_names()[2])
    families.setflags(write=False)
    return families


def nearest_css_names(
    oklab: npt.ArrayLike, families: npt.ArrayLike | None = None
) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Nearest CSS named color of each color among those of its kind.

    The nearest by :func:`naming_distances` among the CSS colors of the
    color's kind (colored, or neutral: a black, gray or white family), a
    color of another family counting :data:`CSS_OTHER_FAMILY_PENALTY` farther.

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
        Euclidean distance in Oklab to that named color (0 for an exact match).

    Raises
    ------
    ValueError
        ``families`` does not have one entry per color.
    """
    names, _, table = css_color_names()
    lab = np.asarray(oklab, dtype=np.float64).reshape(-1, 3)
    family = family_indices(lab) if families is None else np.asarray(families, dtype=np.intp)
    if family.shape != (lab.shape[0],):
        raise ValueError(f"families must have shape ({lab.shape[0]},), got {family.shape}")
    css_family = _css_families()
    prepared = _css_prepared()
    score = np.sqrt(np.maximum(_naming_scores(lab, table, with_rows=True, prepared=prepared), 0.0))
    score += CSS_OTHER_FAMILY_PENALTY * (css_family[None, :] != family[:, None])
    score[_NEUTRAL[css_family][None, :] != _NEUTRAL[family][:, None]] = np.inf
    _refuse_tints(score, lab, table, prepared.tinted)
    index = np.argmin(score, axis=1)
    distances = np.sqrt(((lab - table[index]) ** 2).sum(axis=1))
    return [names[i] for i in index], distances


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
        Nearest CSS named color of the same kind, colored or neutral
        (:func:`palettekit.names.nearest_css_names`).
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
    css_names, css_distances = nearest_css_names(lab, index)
    return [
        ColorLabel(FAMILIES[f], name, float(distance), css_name, float(css_distance))
        for f, name, distance, css_name, css_distance in zip(
            index, names, name_distances, css_names, css_distances, strict=True
        )
    ]
