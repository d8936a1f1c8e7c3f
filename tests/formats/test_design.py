"""palettekit.formats.design: ASE parsed back, SVG parsed back, CSS, Tailwind; goldens.

Golden files live in tests/golden/ with the prefix ``design_``. After an
intended change of output, regenerate them with
``PALETTEKIT_UPDATE_GOLDEN=1 python -m pytest tests/formats/test_design.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from palettekit.colorspace import srgb_to_oklab
from palettekit.families import color_families
from palettekit.formats.design import (
    TAILWIND_SHADE_LIGHTNESS,
    to_ase,
    to_css_dominant,
    to_css_gradient,
    to_roles,
    to_svg_bar,
    to_svg_swatches,
    to_tailwind,
)
from palettekit.names import nearest_css_names
from palettekit.palette import Palette, Swatch
from palettekit.render import bar_widths

GOLDEN = Path(__file__).parent.parent / "golden"
UPDATE = os.environ.get("PALETTEKIT_UPDATE_GOLDEN") == "1"
SVG_NS = "{http://www.w3.org/2000/svg}"


def make_palette(colors: list[tuple[str, int]]) -> Palette:
    """A palette from (hex, pixel count) pairs, in the given order."""
    total = sum(count for _, count in colors)
    swatches = []
    for hex_code, count in colors:
        rgb = tuple(int(hex_code[i : i + 2], 16) for i in (1, 3, 5))
        lab = np.round(srgb_to_oklab(np.array(rgb) / 255.0), 6)
        name = nearest_css_names(lab[None, :])[0][0]
        swatches.append(Swatch(rgb, count / total, count, tuple(map(float, lab)), name))  # type: ignore[arg-type]
    return Palette(swatches, {"k": len(colors)})


SAMPLE = make_palette(
    [
        ("#e8dcc8", 4100),  # beige backdrop
        ("#1f2a44", 2300),  # navy
        ("#ff6a13", 1200),  # vivid orange (accent)
        ("#4f7a3a", 1100),  # green
        ("#c0392b", 800),  # red
        ("#f2efe9", 500),  # off-white
    ]
)


def check_golden(name: str, data: str | bytes) -> None:
    path = GOLDEN / name
    if UPDATE:  # an update never passes silently (as in tests/output_samples.py)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        pytest.skip(f"golden file {name} written; review the diff")
    assert path.exists(), f"missing golden file {path}; run with PALETTEKIT_UPDATE_GOLDEN=1"
    expected = path.read_bytes()
    actual = data.encode("utf-8") if isinstance(data, str) else data
    assert actual == expected, f"{name} differs from its golden file"


# --- Adobe Swatch Exchange: a small reader following the published layout ---


def read_ase(data: bytes) -> list[tuple]:
    """Parse ASE 1.0 into ("group", name) / ("color", name, model, values, type) / ("end",)."""
    assert data[:4] == b"ASEF"
    major, minor, n_blocks = struct.unpack(">HHI", data[4:12])
    assert (major, minor) == (1, 0)
    offset, entries = 12, []

    def name_at(pos: int) -> tuple[str, int]:
        (units,) = struct.unpack(">H", data[pos : pos + 2])
        raw = data[pos + 2 : pos + 2 + 2 * units]
        assert raw[-2:] == b"\0\0", "names end with a UTF-16 NUL"
        return raw[:-2].decode("utf-16-be"), pos + 2 + 2 * units

    for _ in range(n_blocks):
        block_type, length = struct.unpack(">HI", data[offset : offset + 6])
        body_start = offset + 6
        if block_type == 0xC001:
            name, end = name_at(body_start)
            entries.append(("group", name))
        elif block_type == 0xC002:
            end = body_start
            entries.append(("end",))
        elif block_type == 0x0001:
            name, pos = name_at(body_start)
            model = data[pos : pos + 4].decode("ascii")
            n_values = {"RGB ": 3, "LAB ": 3, "CMYK": 4, "Gray": 1}[model]
            values = struct.unpack(f">{n_values}f", data[pos + 4 : pos + 4 + 4 * n_values])
            (color_type,) = struct.unpack(
                ">H", data[pos + 4 + 4 * n_values : pos + 6 + 4 * n_values]
            )
            end = pos + 6 + 4 * n_values
            entries.append(("color", name, model, values, color_type))
        else:
            raise AssertionError(f"unknown block type {block_type:#x}")
        assert end == body_start + length, "block length matches its content"
        offset = body_start + length
    assert offset == len(data), "no trailing bytes"
    return entries


def test_ase_parses_back_to_the_palette() -> None:
    entries = read_ase(to_ase(SAMPLE, name="Sample palette"))
    assert entries[0] == ("group", "Sample palette")
    assert entries[-1] == ("end",)
    colors = entries[1:-1]
    assert [c[1] for c in colors] == SAMPLE.hex
    for entry, swatch in zip(colors, SAMPLE, strict=True):
        _, _, model, values, color_type = entry
        assert model == "RGB " and color_type == 2
        assert tuple(round(v * 255) for v in values) == swatch.rgb
        assert all(0.0 <= v <= 1.0 for v in values)


def test_ase_group_name_may_hold_any_unicode() -> None:
    entries = read_ase(to_ase(SAMPLE[:1], name="Couleurs d’été 🎨"))
    assert entries[0] == ("group", "Couleurs d’été 🎨")


def test_ase_golden() -> None:
    check_golden("design_sample.ase", to_ase(SAMPLE))


# --- SVG ---


def test_svg_bar_widths_follow_shares_and_sum_to_width() -> None:
    svg = to_svg_bar(SAMPLE, width=301, height=40)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg" and root.get("width") == "301"
    rects = root.findall(f"{SVG_NS}rect")
    assert [r.get("fill") for r in rects] == SAMPLE.hex
    widths = [int(r.get("width", "")) for r in rects]
    assert sum(widths) == 301
    xs = [int(r.get("x", "")) for r in rects]
    assert xs == [sum(widths[:i]) for i in range(len(widths))]
    for width, share in zip(widths, SAMPLE.shares, strict=True):
        assert abs(width - share * 301) < 1.0


def test_svg_swatches_grid_and_readable_labels() -> None:
    svg = to_svg_swatches(SAMPLE, size=50, columns=4)
    root = ET.fromstring(svg)
    assert (root.get("width"), root.get("height")) == ("200", "100")
    rects = root.findall(f"{SVG_NS}rect")
    assert [r.get("fill") for r in rects] == SAMPLE.hex
    assert [(r.get("x"), r.get("y")) for r in rects][4] == ("0", "50")
    texts = root.findall(f"{SVG_NS}text")
    assert [t.text for t in texts[::2]] == SAMPLE.hex
    # Navy gets white text, beige gets black.
    assert texts[0].get("fill") == "#000000" and texts[2].get("fill") == "#ffffff"
    no_labels = ET.fromstring(to_svg_swatches(SAMPLE, labels=False))
    assert no_labels.findall(f"{SVG_NS}text") == []


def test_svg_title_is_escaped() -> None:
    root = ET.fromstring(to_svg_bar(SAMPLE, title="<b>&</b>"))
    assert root.find(f"{SVG_NS}title").text == "<b>&</b>"  # type: ignore[union-attr]


def test_svg_goldens() -> None:
    check_golden("design_sample_bar.svg", to_svg_bar(SAMPLE))
    check_golden("design_sample_swatches.svg", to_svg_swatches(SAMPLE, columns=3))


# --- CSS ---


def test_css_gradient_stops_in_share_order_at_segment_middles() -> None:
    shuffled = Palette(list(reversed(SAMPLE.swatches)))
    css = to_css_gradient(shuffled)
    match = re.fullmatch(r"background: linear-gradient\(90deg, (.*)\);\n", css)
    assert match
    stops = [stop.split(" ") for stop in match.group(1).split(", ")]
    assert [color for color, _ in stops] == SAMPLE.hex  # largest share first
    positions = [float(p.rstrip("%")) for _, p in stops]
    assert positions == sorted(positions)
    assert positions[0] == pytest.approx(SAMPLE[0].share * 50, abs=0.01)
    assert positions[-1] == pytest.approx(100 - SAMPLE[-1].share * 50, abs=0.01)


def test_css_gradient_single_color_and_angle() -> None:
    assert to_css_gradient(SAMPLE[:1]) == "background: #e8dcc8;\n"
    assert to_css_gradient(SAMPLE, angle=180).startswith("background: linear-gradient(180deg, ")


def test_css_dominant_is_the_largest_share() -> None:
    assert to_css_dominant(Palette(list(reversed(SAMPLE.swatches)))) == (
        "background-color: #e8dcc8;\n"
    )


def test_css_goldens() -> None:
    check_golden("design_sample_gradient.css", to_css_gradient(SAMPLE))
    check_golden("design_sample_dominant.css", to_css_dominant(SAMPLE))


# --- Tailwind ---


STEPS = list(TAILWIND_SHADE_LIGHTNESS)


def scales(colors: dict[str, object]) -> dict[str, dict[str, str]]:
    return {family: value for family, value in colors.items() if isinstance(value, dict)}


def test_tailwind_theme_colors() -> None:
    colors = json.loads(to_tailwind(SAMPLE))
    assert colors["dominant"] == "#e8dcc8" and colors["on-dominant"] == "#000000"
    assert colors["accent"] == "#ff6a13" and colors["on-accent"] == "#000000"
    # Navy (Oklab L 0.29) takes the darkest step, the orange (L 0.70) step 400.
    assert colors["blue"]["950"] == colors["blue"]["DEFAULT"] == "#1f2a44"
    assert colors["orange"]["400"] == colors["orange"]["DEFAULT"] == "#ff6a13"
    # Every swatch appears exactly once at a step, under its own family.
    families = dict(
        zip(SAMPLE.hex, color_families(np.array([s.oklab for s in SAMPLE])), strict=True)
    )
    own = [
        (family, hex_)
        for family, scale in scales(colors).items()
        for step, hex_ in scale.items()
        if step != "DEFAULT" and hex_ in families
    ]
    assert sorted(hex_ for _, hex_ in own) == sorted(SAMPLE.hex)
    assert all(families[hex_] == family for family, hex_ in own)


def test_tailwind_every_family_is_a_whole_scale_tailwind_can_use() -> None:
    # A one-step scale ({"200": ...}) gives Tailwind one class; every family has
    # DEFAULT (bg-white, bg-blue) and all eleven steps (bg-blue-50 ... bg-blue-950).
    for family, scale in scales(json.loads(to_tailwind(SAMPLE))).items():
        assert list(scale) == ["DEFAULT", *STEPS], family
        assert all(re.fullmatch(r"#[0-9a-f]{6}", v) for v in scale.values())


def test_tailwind_generated_steps_keep_the_hue_and_take_the_steps_lightness() -> None:
    from palettekit.colorspace import oklab_to_oklch, srgb_to_oklab

    palette = make_palette([("#3355cc", 60), ("#c0392b", 40)])
    colors = scales(json.loads(to_tailwind(palette)))
    for family, source in (("blue", palette[0]), ("red", palette[1])):
        scale = colors[family]
        generated = {s: v for s, v in scale.items() if s != "DEFAULT" and v != source.hex}
        assert len(generated) == 10
        for step, hex_ in generated.items():
            rgb = np.array([int(hex_[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
            lightness, chroma, hue = oklab_to_oklch(srgb_to_oklab(rgb))
            assert abs(lightness - TAILWIND_SHADE_LIGHTNESS[step]) < 0.01, (family, step)
            assert chroma <= source.chroma + 0.01
            if chroma > 0.03:  # the hue of a near-gray 8-bit color is noise
                assert abs((hue - source.hue + 180) % 360 - 180) < 6, (family, step, hue)
        lightness = [TAILWIND_SHADE_LIGHTNESS[s] for s in STEPS]
        assert lightness == sorted(lightness, reverse=True)


def test_tailwind_same_family_same_shade_gets_next_free_step() -> None:
    palette = make_palette([("#3355cc", 500), ("#3456cd", 300), ("#3557ce", 200)])
    blues = json.loads(to_tailwind(palette))["blue"]
    assert set(palette.hex) <= set(blues.values()) and blues["DEFAULT"] == "#3355cc"
    assert len([s for s in STEPS if blues[s] in palette.hex]) == 3
    # The largest swatch keeps the best-fitting step.
    best = min(
        TAILWIND_SHADE_LIGHTNESS,
        key=lambda s: abs(TAILWIND_SHADE_LIGHTNESS[s] - palette[0].lightness),
    )
    assert blues[best] == "#3355cc"


def test_tailwind_golden() -> None:
    check_golden("design_sample_tailwind.json", to_tailwind(SAMPLE))


# --- shared ---


@pytest.mark.parametrize(
    "func",
    [to_ase, to_svg_bar, to_svg_swatches, to_css_gradient, to_css_dominant, to_tailwind, to_roles],
)
def test_empty_palette_is_refused(func) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="empty"):
        func(Palette([]))


@given(
    counts=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(
        lambda c: sum(c) > 0
    ),
    total=st.integers(min_value=1, max_value=5000),
)
def test_svg_bar_widths_are_the_png_bars_exact_and_near_proportional(
    counts: list[int], total: int
) -> None:
    palette = make_palette(
        [(f"#{i:02x}{255 - i:02x}{(7 * i) % 256:02x}", c) for i, c in enumerate(counts)]
    )
    svg = to_svg_bar(palette, width=total, height=10)
    widths = [int(w) for w in re.findall(r'<rect x="\d+" y="0" width="(\d+)"', svg)]
    assert widths == bar_widths([s.share for s in palette], total)
    assert sum(widths) == total
    exact = [s.share / sum(x.share for x in palette) * total for s in palette]
    assert all(abs(w - e) < 1.0 for w, e in zip(widths, exact, strict=True))


def test_tailwind_more_swatches_than_steps_in_one_family() -> None:
    from palettekit.colorspace import oklab_to_srgb, oklch_to_oklab, srgb_to_uint8

    lch = np.stack([np.linspace(0.35, 0.85, 13), np.full(13, 0.09), np.full(13, 255.0)], axis=1)
    rgb8 = srgb_to_uint8(oklab_to_srgb(oklch_to_oklab(lch)))
    palette = make_palette(
        [("#{:02x}{:02x}{:02x}".format(*c), 100 - i) for i, c in enumerate(rgb8)]
    )
    assert set(color_families(np.array([s.oklab for s in palette]))) == {"blue"}
    shades = json.loads(to_tailwind(palette))["blue"]
    # eleven at the steps (none generated), two beyond, and the largest as DEFAULT
    assert sorted(v for k, v in shades.items() if k != "DEFAULT") == sorted(palette.hex)
    assert len([k for k in shades if "-" in k]) == 2
    assert shades["DEFAULT"] == palette[0].hex


# --- the export registry ---


@pytest.mark.parametrize(
    ("fmt", "func", "suffix", "media_type"),
    [
        ("ase", to_ase, ".ase", "application/octet-stream"),
        ("svg", to_svg_swatches, ".svg", "image/svg+xml"),
        ("svg-bar", to_svg_bar, None, "image/svg+xml"),
        ("css-gradient", to_css_gradient, None, "text/css; charset=utf-8"),
        ("css-dominant", to_css_dominant, None, "text/css; charset=utf-8"),
        ("tailwind", to_tailwind, None, "application/json"),
        ("roles", to_roles, None, "application/json"),
    ],
)
def test_registered_in_the_export_registry(fmt, func, suffix, media_type) -> None:  # type: ignore[no-untyped-def]
    from palettekit import formats

    entry = formats.get_format(fmt)
    assert entry.func is func
    assert entry.binary == (fmt == "ase")
    assert entry.holds == "one" and entry.media_type == media_type
    assert formats.export(SAMPLE, fmt) == func(SAMPLE)
    if suffix is not None:
        assert formats.format_for_path(f"palette{suffix.upper()}") == fmt
    # a download is named for what it holds, even without a suffix of its own
    named = {"image/svg+xml": ".svg", "application/json": ".json", "text/css": ".css"}
    assert entry.file_suffix == named.get(media_type.split(";")[0], suffix)


def test_save_writes_an_ase_file_that_parses_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from palettekit import formats

    path = tmp_path / "palette.ase"
    formats.save(SAMPLE, path)
    entries = read_ase(path.read_bytes())
    assert [e[1] for e in entries if e[0] == "color"] == SAMPLE.hex


def test_roles_json() -> None:
    data = json.loads(to_roles(SAMPLE))
    assert data["dominant"] == "#e8dcc8" and data["accent"] == "#ff6a13"
    assert [t["background"] for t in data["text"]] == SAMPLE.hex
    assert all(t["contrast"] >= 4.5 for t in data["text"])
    assert {t["kind"] for t in json.loads(to_roles(SAMPLE, prefer="tint"))["text"]} <= {
        "tint",
        "black",
        "white",
    }
    check_golden("design_sample_roles.json", to_roles(SAMPLE))
