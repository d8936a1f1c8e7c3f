"""Flat graphics with known colors, drawn for the tests of ``kind="theme"``.

Each flag is drawn at four times its size and reduced with a box filter, so
its edges are anti-aliased like a rendered SVG: the image holds the designed
colors plus blends of neighbours along every edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

_SCALE = 4


@dataclass(frozen=True)
class Flag:
    name: str
    image: np.ndarray  # (H, W, 3) uint8
    colors: tuple[str, ...]  # the designed colors, "#rrggbb"


def _hex(color: str) -> tuple[int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))


def star(
    cx: float, cy: float, outer: float, inner_ratio: float = 0.382
) -> list[tuple[float, float]]:
    """Points of a five-pointed star, one point up."""
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else outer * inner_ratio
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def star_radius_for_share(
    share: float, width: int, height: int, inner_ratio: float = 0.382
) -> float:
    """Outer radius of a star covering ``share`` of a width x height image."""
    area_per_r2 = 5 * inner_ratio * math.sin(math.radians(36))
    return math.sqrt(share * width * height / area_per_r2)


def _render(width: int, height: int, background: str, shapes: list) -> np.ndarray:
    big = Image.new("RGB", (width * _SCALE, height * _SCALE), _hex(background))
    draw = ImageDraw.Draw(big)
    for kind, color, geometry in shapes:
        fill = _hex(color)
        if kind == "rect":  # (left, top, right, bottom), right and bottom exclusive
            x0, y0, x1, y1 = (v * _SCALE for v in geometry)
            draw.rectangle([x0, y0, x1 - 1, y1 - 1], fill=fill)
        elif kind == "ellipse":
            draw.ellipse([v * _SCALE for v in geometry], fill=fill)
        else:  # polygon
            draw.polygon([(x * _SCALE, y * _SCALE) for x, y in geometry], fill=fill)
    small = big.resize((width, height), Image.Resampling.BOX)
    return np.asarray(small)


def flags() -> list[Flag]:
    """A few flags and logos, 3 to 6 designed colors, each with a small part."""
    out = []
    w, h = 600, 400
    # a field, a disc and a 1 % star (as on many national flags)
    r = star_radius_for_share(0.01, w, h)
    out.append(
        Flag(
            "disc-and-star",
            _render(
                w,
                h,
                "#006a4e",
                [
                    ("ellipse", "#f42a41", (180, 80, 420, 320)),
                    ("polygon", "#ffce00", star(520, 80, r)),
                ],
            ),
            ("#006a4e", "#f42a41", "#ffce00"),
        )
    )
    # horizontal tricolor with a white 1 % star in a blue canton
    out.append(
        Flag(
            "stripes-canton-star",
            _render(
                w,
                h,
                "#b22234",
                [
                    ("rect", "#ffffff", (0, 133, w, 266)),
                    ("rect", "#3c3b6e", (0, 0, 200, 200)),
                    ("polygon", "#ffffff", star(100, 100, r)),
                ],
            ),
            ("#b22234", "#ffffff", "#3c3b6e"),
        )
    )
    # a logo: five colors, one of them a 1 % star, on near-white
    out.append(
        Flag(
            "logo-five",
            _render(
                w,
                h,
                "#f7f7f2",
                [
                    ("rect", "#1b2a49", (0, 300, w, h)),
                    ("ellipse", "#ff7f11", (60, 60, 260, 260)),
                    ("rect", "#2ec4b6", (330, 60, 540, 260)),
                    ("polygon", "#e71d73", star(300, 350, star_radius_for_share(0.01, w, h))),
                ],
            ),
            ("#f7f7f2", "#1b2a49", "#ff7f11", "#2ec4b6", "#e71d73"),
        )
    )
    # vertical tricolor plus a dark emblem and a small gold star
    out.append(
        Flag(
            "tricolor-emblem",
            _render(
                w,
                h,
                "#ffffff",
                [
                    ("rect", "#002395", (0, 0, 200, h)),
                    ("rect", "#ed2939", (400, 0, w, h)),
                    ("ellipse", "#222222", (250, 150, 350, 250)),
                    ("polygon", "#fcd116", star(300, 320, star_radius_for_share(0.01, w, h))),
                ],
            ),
            ("#002395", "#ffffff", "#ed2939", "#222222", "#fcd116"),
        )
    )
    # six colors in bands, the last a thin 1 % band
    bands = ("#e40303", "#ff8c00", "#ffed00", "#008026", "#004dff", "#750787")
    heights = (80, 80, 80, 80, 76, 4)
    shapes = []
    top = 0
    for color, band in zip(bands, heights, strict=True):
        shapes.append(("rect", color, (0, top, w, top + band)))
        top += band
    out.append(Flag("six-bands", _render(w, h, bands[0], shapes), bands))
    return out


def srgb_hex_to_array(colors: tuple[str, ...]) -> np.ndarray:
    return np.array([_hex(c) for c in colors], dtype=np.float64)
