"""Swatch and Palette: small immutable value objects."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence

import numpy as np
import pytest

from palettekit import OptionsError, Palette, Swatch
from palettekit.colorspace import srgb_to_oklab
from palettekit.names import css_color_names, nearest_css_names, nearest_names
from palettekit.palette import SCHEMA


def make_swatch(rgb: tuple[int, int, int], count: int, total: int = 100) -> Swatch:
    oklab = np.round(srgb_to_oklab(np.array(rgb) / 255.0), 6)
    name = nearest_names(oklab[None, :])[0][0]
    return Swatch(
        rgb=rgb,
        share=count / total,
        count=count,
        oklab=(float(oklab[0]), float(oklab[1]), float(oklab[2])),
        name=name,
    )


RED = make_swatch((255, 0, 0), 10)
GREEN = make_swatch((0, 128, 0), 20)
BLUE = make_swatch((0, 0, 255), 30)
WHITE = make_swatch((255, 255, 255), 15)
BLACK = make_swatch((0, 0, 0), 15)
GRAY = make_swatch((128, 128, 128), 5)
YELLOW = make_swatch((255, 255, 0), 5)
ALL = (RED, GREEN, BLUE, WHITE, BLACK, GRAY, YELLOW)


def make_palette(swatches=ALL) -> Palette:
    meta = {"k": 7, "warnings": ["a note"], "options": {"k": 7, "composite_on": [1, 2, 3]}}
    return Palette(swatches, meta)


# --- Swatch --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rgb", "hex_"),
    [((0, 0, 0), "#000000"), ((255, 255, 255), "#ffffff"), ((1, 171, 16), "#01ab10")],
)
def test_swatch_hex_is_lowercase_rrggbb(rgb, hex_):
    assert make_swatch(rgb, 1).hex == hex_


def test_swatch_lightness_chroma_and_hue():
    assert WHITE.lightness == pytest.approx(1.0, abs=1e-6)
    assert BLACK.lightness == 0.0
    assert GRAY.chroma < 1e-6
    # Oklch of sRGB red and blue (CSS Color 4): hue ~29.23 and ~264.05 degrees.
    assert RED.hue == pytest.approx(29.2339, abs=0.01)
    assert BLUE.hue == pytest.approx(264.052, abs=0.01)
    assert RED.chroma == pytest.approx(0.25768, abs=1e-4)
    for swatch in ALL:
        assert 0.0 <= swatch.hue < 360.0
        assert swatch.chroma == pytest.approx(math.hypot(swatch.oklab[1], swatch.oklab[2]))


def test_swatch_is_frozen_and_hashable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RED.share = 0.5  # type: ignore[misc]
    assert hash(RED) == hash(make_swatch((255, 0, 0), 10))
    assert RED == make_swatch((255, 0, 0), 10)


def test_swatch_to_dict():
    data = RED.to_dict()
    assert list(data) == [
        "hex", "rgb", "share", "count", "oklab", "name", "name_distance", "family",
        "css_name", "css_distance",
    ]  # fmt: skip
    assert data["hex"] == "#ff0000"
    assert data["rgb"] == [255, 0, 0]
    assert data["share"] == 0.1
    assert data["count"] == 10
    assert data["oklab"] == list(RED.oklab)
    # The survey's name, within a just-noticeable difference (0.02) of its color;
    # the CSS name separately.
    assert data["name"] == "fire engine red" and data["family"] == "red"
    assert 0.0 < data["name_distance"] < 0.02
    assert data["css_name"] == "red" and data["css_distance"] == 0.0
    assert json.loads(json.dumps(data)) == data


def test_name_distance_is_the_distance_to_the_survey_color_of_the_name():
    from palettekit.names import survey_names

    table = survey_names()
    olive = table.oklab[table.index["olive green"]]
    swatch = dataclasses.replace(GREEN, name="olive green")
    assert swatch.name_distance == round(math.dist(GREEN.oklab, olive), 6)
    # A name of the caller's own has no survey color.
    assert dataclasses.replace(GREEN, name="leaf of the fig tree").name_distance is None
    # The CSS name does not depend on the name.
    assert swatch.css_name == GREEN.css_name == "green"
    assert swatch.css_distance == GREEN.css_distance == 0.0


# --- Palette as a sequence -----------------------------------------------------------


def test_palette_is_a_sequence_of_swatches():
    palette = make_palette()
    assert isinstance(palette, Sequence)
    assert len(palette) == 7
    assert palette[0] is RED
    assert palette[-1] is YELLOW
    assert palette[1:3] == (GREEN, BLUE)
    assert list(palette) == list(ALL)
    assert list(reversed(palette)) == list(reversed(ALL))
    assert BLUE in palette
    assert make_swatch((1, 2, 3), 1) not in palette
    assert palette.index(BLUE) == 2
    assert palette.count(BLUE) == 1
    with pytest.raises(IndexError):
        palette[7]


def test_palette_convenience_lists():
    palette = make_palette()
    assert palette.hex == [s.hex for s in ALL]
    assert palette.rgb == [s.rgb for s in ALL]
    assert palette.shares == [s.share for s in ALL]
    assert palette.swatches == ALL


def test_palette_equality_and_hash_follow_the_swatches():
    assert make_palette() == Palette(list(ALL))
    assert hash(make_palette()) == hash(Palette(list(ALL)))
    assert make_palette() != Palette(ALL[:3])
    assert make_palette().__eq__("not a palette") is NotImplemented


def test_empty_palette():
    palette = Palette([])
    assert len(palette) == 0
    assert palette.hex == []
    assert dict(palette.meta) == {}
    assert palette.to_dict() == {"schema": SCHEMA, "colors": [], "meta": {}}


def test_repr_shows_hex_and_shares():
    text = repr(Palette([RED, BLUE]))
    assert text == "Palette([#ff0000 10.0%, #0000ff 30.0%])"


# --- immutability --------------------------------------------------------------------


def test_palette_cannot_be_changed():
    palette = make_palette()
    with pytest.raises(TypeError):
        palette[0] = BLUE  # type: ignore[index]
    with pytest.raises(TypeError):
        del palette[0]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        palette.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        palette.meta = {}  # type: ignore[misc]
    assert not hasattr(palette, "append")


def test_meta_is_json_ready_and_stays_read_only_through_pickle_and_copy():
    import copy
    import json
    import pickle

    from palettekit import extract

    palette = extract(np.full((4, 4, 3), 200, dtype=np.uint8), k=1, warn=False)
    as_json = json.loads(json.dumps(palette.meta))
    wanted = palette.to_dict(timings=True)["meta"]
    assert as_json == wanted
    for other in (pickle.loads(pickle.dumps(palette.meta)), copy.deepcopy(palette.meta)):
        assert other == palette.meta
        with pytest.raises(TypeError):
            other["k"] = 3
    for change in (
        lambda m: m.update(k=3),
        lambda m: m.pop("k"),
        lambda m: m.setdefault("new", 1),
        lambda m: m.clear(),
        lambda m: m.popitem(),
        lambda m: m.__delitem__("k"),
        lambda m: m.__ior__({"k": 3}),
    ):
        with pytest.raises(TypeError):
            change(palette.meta)
    assert palette.meta["k"] == 1


def test_palette_keeps_its_own_copy_of_the_swatch_list():
    swatches = [RED, GREEN]
    palette = Palette(swatches)
    swatches.append(BLUE)
    assert len(palette) == 2


def test_meta_is_read_only_all_the_way_down():
    meta = {"k": 7, "warnings": ["a note"], "options": {"k": 7, "composite_on": [1, 2, 3]}}
    palette = Palette(ALL, meta)
    with pytest.raises(TypeError):
        palette.meta["k"] = 3  # type: ignore[index]
    with pytest.raises(TypeError):
        palette.meta["options"]["k"] = 3  # type: ignore[index]
    with pytest.raises(AttributeError):
        palette.meta["warnings"].append("x")  # type: ignore[attr-defined]
    # Changing the dict the palette was built from changes nothing.
    meta["k"] = 99
    meta["options"]["k"] = 99
    meta["warnings"].append("later")
    assert palette.meta["k"] == 7
    assert palette.meta["options"]["k"] == 7
    assert list(palette.meta["warnings"]) == ["a note"]


# --- sorting -------------------------------------------------------------------------


def test_sorted_by_share_is_largest_first_with_deterministic_ties():
    ordered = make_palette().sorted("share")
    counts = [s.count for s in ordered]
    assert counts == sorted(counts, reverse=True)
    # WHITE and BLACK tie at 15, GRAY and YELLOW at 5: lighter first.
    assert ordered.hex == [
        "#0000ff",
        "#008000",
        "#ffffff",
        "#000000",
        "#ff0000",
        "#ffff00",
        "#808080",
    ]


def test_sorted_by_lightness_is_lightest_first():
    ordered = make_palette().sorted("lightness")
    lightness = [s.lightness for s in ordered]
    assert lightness == sorted(lightness, reverse=True)
    assert ordered[0] == WHITE and ordered[-1] == BLACK


def test_sorted_by_hue_puts_colors_by_angle_then_grays_light_to_dark():
    ordered = make_palette().sorted("hue")
    assert ordered.hex == [
        "#ff0000",
        "#ffff00",
        "#008000",
        "#0000ff",
        "#ffffff",
        "#808080",
        "#000000",
    ]
    chromatic = [s.hue for s in ordered if s.chroma >= 0.02]
    assert chromatic == sorted(chromatic)


def test_sorted_by_hue_puts_every_gray_family_color_last():
    # A warm gray with chroma 0.031 (gray family, chroma < 0.04) used to sort
    # among the colors by its hue, between red and yellow.
    warm_gray = make_swatch((142, 132, 112), 7)
    assert warm_gray.family == "gray" and warm_gray.chroma > 0.03
    ordered = Palette([*ALL, warm_gray]).sorted("hue")
    assert ordered.hex == [
        "#ff0000",
        "#ffff00",
        "#008000",
        "#0000ff",
        "#ffffff",
        "#8e8470",
        "#808080",
        "#000000",
    ]


def test_sorted_by_hue_puts_neutral_families_last_on_a_grid_of_colors():
    rng = np.random.default_rng(7)
    for _ in range(50):
        colors = rng.integers(0, 256, size=(12, 3))
        # Some nearly neutral colors in every palette.
        colors[:4] = rng.integers(90, 170, size=(4, 1)) + rng.integers(-6, 7, size=(4, 3))
        swatches = [make_swatch((int(r), int(g), int(b)), 1) for r, g, b in colors]
        ordered = Palette(swatches).sorted("hue")
        neutral = [s.family in ("white", "gray", "black") for s in ordered]
        # All the neutral ones at the end, light to dark; the others by hue.
        assert neutral == sorted(neutral)
        tail = [s.lightness for s, n in zip(ordered, neutral, strict=True) if n]
        assert tail == sorted(tail, reverse=True)
        head = [s.hue for s, n in zip(ordered, neutral, strict=True) if not n]
        assert head == sorted(head)


def test_sorted_returns_a_new_palette_with_the_same_meta():
    palette = make_palette()
    ordered = palette.sorted("lightness")
    assert ordered is not palette
    assert palette.swatches == ALL
    assert ordered.meta == palette.meta
    assert sorted(ordered.swatches, key=ALL.index) == list(ALL)


def test_sorted_accepts_any_case_and_refuses_unknown_orders():
    assert make_palette().sorted("HUE") == make_palette().sorted("hue")
    for bad in ("size", "", None, 3):
        with pytest.raises(OptionsError) as info:
            make_palette().sorted(bad)  # type: ignore[arg-type]
        assert isinstance(info.value, ValueError)


def test_sorting_is_independent_of_the_input_order():
    shuffled = [ALL[i] for i in (4, 2, 6, 0, 5, 1, 3)]
    for order in ("share", "lightness", "hue"):
        assert Palette(shuffled).sorted(order) == Palette(ALL).sorted(order)


# --- to_dict -------------------------------------------------------------------------


def test_to_dict_schema():
    meta = {
        "k": 7,
        "warnings": ["a note"],
        "options": {"k": 7, "composite_on": [1, 2, 3]},
        "timings": {"load": 1.5},
    }
    palette = Palette(ALL, meta)
    data = palette.to_dict()
    assert list(data) == ["schema", "colors", "meta"]
    assert data["schema"] == SCHEMA == "palettekit.palette/2"
    assert data["colors"] == [s.to_dict() for s in ALL]
    # Timings vary between runs: only on request.
    assert "timings" not in data["meta"]
    assert palette.to_dict(timings=True)["meta"]["timings"] == {"load": 1.5}
    # Plain JSON types again (lists, dicts), equal to what went in.
    assert data["meta"] == {k: v for k, v in meta.items() if k != "timings"}
    assert type(data["meta"]["warnings"]) is list
    assert type(data["meta"]["options"]) is dict
    assert json.loads(json.dumps(data)) == data


def test_to_dict_returns_a_fresh_copy():
    palette = make_palette()
    data = palette.to_dict()
    data["meta"]["k"] = 0
    data["colors"].clear()
    assert palette.to_dict()["meta"]["k"] == 7
    assert len(palette.to_dict()["colors"]) == 7


# --- CSS names -----------------------------------------------------------------------


def test_css_names_are_unique_per_color_and_sorted():
    names, rgb, oklab = css_color_names()
    assert list(names) == sorted(names)
    assert len({tuple(c) for c in rgb.tolist()}) == len(names)
    assert rgb.dtype == np.uint8 and oklab.shape == (len(names), 3)
    # Of two names for one color, the alphabetically first is kept.
    assert "gray" in names and "grey" not in names
    assert "aqua" in names and "cyan" not in names
    assert len(names) >= 138


def test_nearest_css_name_of_a_named_color_is_itself_at_distance_zero():
    names, rgb, _ = css_color_names()
    found, distances = nearest_css_names(srgb_to_oklab(rgb / 255.0))
    assert found == list(names)
    assert distances.max() < 1e-9


def test_nearest_css_name_of_a_near_color():
    found, distances = nearest_css_names(srgb_to_oklab(np.array([[250, 5, 3], [1, 1, 2]]) / 255))
    assert found == ["red", "black"]
    assert np.all(distances > 0) and np.all(distances < 0.1)


# --- conveniences: to_numpy, save -------------------------------------------------------


def test_to_numpy_is_the_colors_as_k_by_3_uint8():
    palette = make_palette()
    array = palette.to_numpy()
    assert array.shape == (len(ALL), 3) and array.dtype == np.uint8
    assert array.tolist() == [list(s.rgb) for s in ALL]
    array[0] = 0  # a copy: the palette stays as it was
    assert palette.to_numpy()[0].tolist() == [255, 0, 0]
    empty = Palette([]).to_numpy()
    assert empty.shape == (0, 3) and empty.dtype == np.uint8


def test_save_writes_the_format_of_the_suffix_atomically(tmp_path):
    from palettekit import ExportError
    from palettekit.formats import text

    palette = make_palette()
    assert palette.save(tmp_path / "p.gpl") == "gpl"
    assert (tmp_path / "p.gpl").read_text(encoding="utf-8") == text.to_gpl(palette)
    assert palette.save(str(tmp_path / "p.json")) == "json"
    assert json.loads((tmp_path / "p.json").read_text(encoding="utf-8")) == palette.to_dict()
    assert palette.save(tmp_path / "theme.txt", "tailwind") == "tailwind"
    assert palette.save(tmp_path / "bar.png", width=40, height=8) == "png"
    assert (tmp_path / "bar.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ExportError):
        palette.save(tmp_path / "p.unknown")
    with pytest.raises(OSError):
        palette.save(tmp_path / "missing" / "p.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bar.png", "p.gpl", "p.json", "theme.txt"]
