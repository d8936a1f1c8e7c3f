"""Country flags with known colors, rendered from the flag-icons npm package.

Used by ``bench/bench_flags.py`` (every flag) and ``bench/make_flag_tests.py``
(the committed test set under ``tests/data/flags/``).

Source
------
flag-icons (https://github.com/lipis/flag-icons, MIT License, Copyright (c)
2013 Panayiotis Lipiridis), version :data:`FLAG_ICONS_VERSION`, the 4:3 SVGs
in ``flags/4x3``. :func:`flag_icons_dir` fetches it with ``npm pack`` into a
cache directory unless a copy is given.

Rendering
---------
cairosvg (``pip install cairosvg``; it needs the system's libcairo2) renders
each SVG at :data:`RENDER_SIZE` = 480 x 360, anti-aliased (cairo's default),
as a user's flag image would be, composited on white (flags are opaque).

Designed colors
---------------
Rules fixed before any palette was computed:

1. **Declared colors**: every color named in the SVG -- ``fill``, ``stroke``,
   ``stop-color``, ``flood-color`` and ``color`` attributes and the same
   properties in ``style`` -- parsed as CSS colors (``#rgb``, ``#rrggbb``,
   names, ``rgb()``) by Pillow's ``ImageColor``; plus black, the SVG default
   fill of a shape that names none. ``none``, ``currentColor`` and
   ``url(...)`` references are not colors.
   Declared colors closer than :data:`SAME_COLOR` = 0.04 in Oklab (the
   tolerance of "found": one palette color stands for both) are one color,
   by single linkage; flag-icons writes black both as ``#000`` and
   ``#000001`` (0.037 apart: Oklab stretches the darkest levels).
2. **Area**: each declared color's share of the 480 x 360 render itself,
   counting the pixels whose color is that declared color exactly (every
   channel within 1 of it; a pixel near two counts for the nearer): the
   interior of its shapes, not the anti-aliased edges, which are mixes. A
   line thinner than about two pixels at this size (the brown outline of
   Argentina's sun) has no interior: it shows as a mix, not as a color.
3. **Designed**: a declared color whose area is at least
   :data:`MIN_DESIGNED_SHARE` = 0.3 % of the image; for a merged group, the
   summed area and the value of its member with the largest area, its other
   visible members kept as aliases (a palette color near any of them finds
   the designed color).
4. **Excluded** from the benchmark:

   * *gradient*: the SVG has a ``linearGradient``, ``radialGradient``,
     ``pattern``, ``image`` or ``filter`` element (shaded or photographic
     parts: their visible colors are not the declared ones);
   * *transparency*: partly transparent paint (``opacity``,
     ``fill-opacity``, ``stroke-opacity`` strictly between 0 and 1) changes
     more than 0.3 % of the measured render (compared with a render where
     those values are set to 1; most such values in flag-icons sit on clip
     paths and change nothing);
   * *emblem*: more than :data:`MAX_DECLARED_COLORS` = 8 declared colors
     (black counted; colors within :data:`EXACT_TOLERANCE` + 1 = 2 levels
     in every channel, e.g. ``#000`` and ``#000001``, count once), the many
     colors of a coat of arms or drawn emblem; or more than
     :data:`MAX_UNDESIGNED_SHARE` = 2 % of the measured render covered by
     declared colors under the 0.3 % threshold.

The test set (``tests/data/flags``) is the part of the benchmark set chosen
by :func:`in_test_set`: at most :data:`TEST_MAX_COLORS` = 6 designed colors.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageColor

from palettekit.colorspace import srgb_to_oklab

FLAG_ICONS_VERSION = "7.5.0"
RENDER_SIZE = (480, 360)
MEASURE_SIZE = RENDER_SIZE
MIN_DESIGNED_SHARE = 0.003
SAME_COLOR = 0.04
MAX_UNDESIGNED_SHARE = 0.02
MAX_DECLARED_COLORS = 8
MAX_TRANSPARENCY_SHARE = 0.003
TEST_MAX_COLORS = 6
EXACT_TOLERANCE = 1

ATTRIBUTION = (
    "Flag images rendered from flag-icons "
    f"{FLAG_ICONS_VERSION} (https://github.com/lipis/flag-icons), MIT License, "
    "Copyright (c) 2013 Panayiotis Lipiridis"
)

_PAINT_PROPERTIES = ("fill", "stroke", "stop-color", "flood-color", "color")
_OPACITY_PROPERTIES = ("opacity", "fill-opacity", "stroke-opacity")
_EXCLUDED_ELEMENTS = ("linearGradient", "radialGradient", "pattern", "image", "filter")


def flag_icons_dir(package: str | Path | None = None, cache: str | Path | None = None) -> Path:
    """The ``flags/4x3`` folder of flag-icons.

    Parameters
    ----------
    package
        An unpacked flag-icons package (the folder holding ``flags/``); if
        None, ``npm pack flag-icons@FLAG_ICONS_VERSION`` is run into
        ``cache`` (default: ``<tmp>/palettekit-flag-icons``) once.
    """
    if package is not None:
        root = Path(package)
    else:
        cache_dir = Path(cache or Path(tempfile.gettempdir()) / "palettekit-flag-icons")
        root = cache_dir / f"flag-icons-{FLAG_ICONS_VERSION}"
        if not (root / "flags" / "4x3").is_dir():
            if shutil.which("npm") is None:
                raise SystemExit("npm not found: install Node.js or pass --package DIR")
            cache_dir.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["npm", "pack", f"flag-icons@{FLAG_ICONS_VERSION}", "--silent"],
                cwd=cache_dir,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            tgz = cache_dir / f"flag-icons-{FLAG_ICONS_VERSION}.tgz"
            with tarfile.open(tgz) as archive:
                tmp = cache_dir / "unpack"
                shutil.rmtree(tmp, ignore_errors=True)
                archive.extractall(tmp, filter="data")
                (tmp / "package").rename(root)
                tmp.rmdir()
    flags = root / "flags" / "4x3"
    if not flags.is_dir():
        raise SystemExit(f"{flags}: not a flag-icons package")
    return flags


def country_names(flags_dir: Path) -> dict[str, str]:
    """Flag code -> country name, from the package's country.json."""
    path = flags_dir.parent.parent / "country.json"
    if not path.is_file():
        return {}
    return {entry["code"]: entry["name"] for entry in json.loads(path.read_text())}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_color(value: str) -> tuple[int, int, int] | None:
    value = value.strip()
    if (
        not value
        or value in ("none", "currentColor", "transparent", "inherit")
        or value.startswith("url(")
    ):
        return None
    try:
        rgb = ImageColor.getrgb(value)
    except ValueError:
        raise ValueError(f"unparsed SVG color {value!r}") from None
    return (rgb[0], rgb[1], rgb[2])


def _style_items(style: str) -> dict[str, str]:
    items = {}
    for part in style.split(";"):
        if ":" in part:
            key, value = part.split(":", 1)
            items[key.strip()] = value.strip()
    return items


def svg_features(svg_text: str) -> tuple[list[tuple[int, int, int]], list[str], bool]:
    """Declared colors (rule 1) and the SVG part of the exclusion (rule 4).

    Returns
    -------
    colors : list of (r, g, b) int tuples in [0, 255], distinct, in order of
        first appearance, black last if not named.
    reasons : list of str
        "gradient" when the SVG has one of the excluded elements.
    partly_transparent : bool
        Some paint has an opacity strictly between 0 and 1.
    """
    root = ET.fromstring(svg_text)
    colors: list[tuple[int, int, int]] = []
    reasons: set[str] = set()
    partly_transparent = False
    for element in root.iter():
        if _local(element.tag) in _EXCLUDED_ELEMENTS:
            reasons.add("gradient")
        properties = dict(element.attrib)
        properties.update(_style_items(element.attrib.get("style", "")))
        for key in _PAINT_PROPERTIES:
            if key in properties:
                rgb = _parse_color(properties[key])
                if rgb is not None and rgb not in colors:
                    colors.append(rgb)
        for key in _OPACITY_PROPERTIES:
            if key in properties and 0.0 < _opacity(properties[key]) < 1.0:
                partly_transparent = True
    if (0, 0, 0) not in colors:
        colors.append((0, 0, 0))
    return colors, sorted(reasons), partly_transparent


def _opacity(value: str) -> float:
    value = value.strip()
    if value.endswith("%"):
        return float(value[:-1]) / 100.0
    return float(value)


_OPACITY_ATTRIBUTE = re.compile(r'\b((?:fill-|stroke-)?opacity)\s*=\s*"([^"]*)"')
_OPACITY_STYLE = re.compile(r"\b((?:fill-|stroke-)?opacity)\s*:\s*([^;\"]*)")


def opaque_variant(svg_text: str) -> str:
    """The SVG with every opacity strictly between 0 and 1 set to 1."""

    def attribute(match: re.Match[str]) -> str:
        if 0.0 < _opacity(match.group(2)) < 1.0:
            return f'{match.group(1)}="1"'
        return match.group(0)

    def style(match: re.Match[str]) -> str:
        if 0.0 < _opacity(match.group(2)) < 1.0:
            return f"{match.group(1)}:1"
        return match.group(0)

    return _OPACITY_STYLE.sub(style, _OPACITY_ATTRIBUTE.sub(attribute, svg_text))


def render(svg: Path | str, size: tuple[int, int] = RENDER_SIZE) -> np.ndarray:
    """Anti-aliased render (H, W, 3) uint8 of an SVG file (Path) or text
    (str), composited on white."""
    import cairosvg  # bench-only dependency

    if isinstance(svg, Path):
        png = cairosvg.svg2png(url=str(svg), output_width=size[0], output_height=size[1])
    else:
        png = cairosvg.svg2png(
            bytestring=svg.encode("utf-8"), output_width=size[0], output_height=size[1]
        )
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, image).convert("RGB"))


@dataclass
class Flag:
    """A flag and its designed colors.

    Attributes
    ----------
    code : str
        flag-icons code (ISO 3166-1 alpha-2 and a few others), e.g. "fr".
    name : str
        Country or region name from the package.
    svg : Path
    designed : list of (r, g, b)
        Designed colors (rule 3), largest area first.
    designed_shares : list of float
        Their areas, share of the image in [0, 1].
    aliases : list of list of (r, g, b)
        For each designed color, the other declared colors merged into it
        that cover at least one pixel of the measured render.
    n_declared : int
        Declared colors, those within 2 levels per channel counted once.
    undesigned_share : float
        Area of declared colors below the threshold.
    transparency_share : float
        Share of the render changed by partly transparent paint.
    excluded : list of str
        Why the flag is left out of the benchmark (rule 4); empty if it is in.
    """

    code: str
    name: str
    svg: Path
    designed: list[tuple[int, int, int]] = field(default_factory=list)
    designed_shares: list[float] = field(default_factory=list)
    aliases: list[list[tuple[int, int, int]]] = field(default_factory=list)
    n_declared: int = 0
    undesigned_share: float = 0.0
    transparency_share: float = 0.0
    excluded: list[str] = field(default_factory=list)

    @property
    def n_colors(self) -> int:
        return len(self.designed)


def _group_colors(colors: list[tuple[int, int, int]]) -> list[list[int]]:
    """Indices of declared colors grouped by single linkage at SAME_COLOR."""
    lab = srgb_to_oklab(np.array(colors, dtype=np.float64) / 255.0)
    group = list(range(len(colors)))
    for i in range(len(colors)):
        for j in range(i):
            if np.linalg.norm(lab[i] - lab[j]) < SAME_COLOR:
                old, new = group[i], group[j]
                group = [new if g == old else g for g in group]
    groups: dict[int, list[int]] = {}
    for i, g in enumerate(group):
        groups.setdefault(g, []).append(i)
    return list(groups.values())


def _count_distinct(colors: list[tuple[int, int, int]]) -> int:
    """Number of colors, counting those within 2 levels per channel once."""
    kept: list[np.ndarray] = []
    for rgb in colors:
        value = np.array(rgb)
        if all(np.abs(value - other).max() > EXACT_TOLERANCE + 1 for other in kept):
            kept.append(value)
    return len(kept)


def exact_shares(image: np.ndarray, colors: list[tuple[int, int, int]]) -> np.ndarray:
    """Share of pixels (C,) that are each color exactly (rule 2).

    A pixel counts for the color it is within :data:`EXACT_TOLERANCE` of in
    every channel, the nearest (largest channel difference) if several.
    """
    pixels = image.reshape(-1, 3).astype(np.int64)
    keys, counts = np.unique(
        (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2], return_counts=True
    )
    distinct = np.stack([keys >> 16, (keys >> 8) & 255, keys & 255], axis=1)
    difference = np.abs(distinct[:, None, :] - np.array(colors)[None, :, :]).max(axis=2)
    nearest = difference.argmin(axis=1)
    exact = difference[np.arange(len(keys)), nearest] <= EXACT_TOLERANCE
    shares = np.bincount(nearest[exact], weights=counts[exact], minlength=len(colors))
    return shares / pixels.shape[0]


def analyse(svg_path: Path, name: str = "") -> Flag:
    """Designed colors and exclusion of one flag (rules 1-4)."""
    text = svg_path.read_text(encoding="utf-8")
    colors, reasons, partly_transparent = svg_features(text)
    flag = Flag(code=svg_path.stem, name=name, svg=svg_path, excluded=list(reasons))
    measured = render(svg_path, MEASURE_SIZE)
    shares = exact_shares(measured, colors)
    groups = _group_colors(colors)
    flag.n_declared = _count_distinct(colors)
    found = []
    for members in groups:
        share = float(shares[members].sum())
        largest = members[int(np.argmax(shares[members]))]
        if share >= MIN_DESIGNED_SHARE:
            aliases = [colors[i] for i in members if i != largest and shares[i] > 0]
            found.append((share, colors[largest], aliases))
        else:
            flag.undesigned_share += share
    found.sort(key=lambda item: -item[0])
    flag.designed = [rgb for _, rgb, _ in found]
    flag.designed_shares = [share for share, _, _ in found]
    flag.aliases = [aliases for _, _, aliases in found]
    if partly_transparent:
        opaque = render(opaque_variant(text), MEASURE_SIZE)
        changed = np.abs(measured.astype(np.int16) - opaque).max(axis=2) > 2
        flag.transparency_share = float(changed.mean())
        if flag.transparency_share > MAX_TRANSPARENCY_SHARE:
            flag.excluded.append("transparency")
    if flag.n_declared > MAX_DECLARED_COLORS or flag.undesigned_share > MAX_UNDESIGNED_SHARE:
        flag.excluded.append("emblem")
    return flag


def all_flags(flags_dir: Path) -> list[Flag]:
    """Every flag of the package, analysed, sorted by code."""
    names = country_names(flags_dir)
    return [analyse(path, names.get(path.stem, "")) for path in sorted(flags_dir.glob("*.svg"))]


def in_test_set(flag: Flag) -> bool:
    """The committed test set: benchmark flags with at most 6 designed colors."""
    return not flag.excluded and 1 <= flag.n_colors <= TEST_MAX_COLORS


def hex_color(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)
