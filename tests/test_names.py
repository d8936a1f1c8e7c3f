"""Color names people use (the xkcd color survey), kept in agreement with families."""

from __future__ import annotations

import functools
import importlib.util
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import palettekit
from palettekit.colorspace import srgb_to_oklab
from palettekit.families import FAMILIES, color_families, family_indices
from palettekit.names import (
    ColorLabel,
    color_labels,
    nearest_names,
    parse_survey_names,
    survey_names,
)

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "tools" / "make_color_names.py"

# Basic color words and the family each says (the -ish and -y forms too).
BASIC = {
    "red": "red", "reddish": "red", "reddy": "red",
    "orange": "orange", "orangish": "orange", "orangey": "orange", "orangeish": "orange",
    "yellow": "yellow", "yellowish": "yellow", "yellowy": "yellow",
    "green": "green", "greenish": "green", "greeny": "green",
    "teal": "teal", "tealish": "teal",
    "blue": "blue", "bluish": "blue", "bluey": "blue",
    "purple": "purple", "purplish": "purple", "purpley": "purple", "purply": "purple",
    "purpleish": "purple",
    "pink": "pink", "pinkish": "pink", "pinky": "pink",
    "brown": "brown", "brownish": "brown", "browny": "brown",
    "black": "black", "grey": "gray", "greyish": "gray", "white": "white",
}  # fmt: skip


def oklab_of(hex_code: str) -> np.ndarray:
    rgb = np.array([int(hex_code[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
    return srgb_to_oklab(rgb[None, :] / 255.0)


def srgb_grid(step: int) -> np.ndarray:
    levels = np.arange(0, 256, step)
    levels[-1] = 255
    return np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3)


# --- the table --------------------------------------------------------------------


def test_table_ships_with_the_package_with_its_attribution():
    data = resources.files("palettekit") / "data"
    assert (data / "xkcd_names.tsv").is_file()
    attribution = (data / "XKCD_NAMES.txt").read_text(encoding="utf-8")
    assert "Randall Munroe" in attribution and "CC0" in attribution


def test_table_holds_the_curated_survey_names():
    table = survey_names()
    assert len(table.names) == 833  # of the survey's 949 (tools/make_color_names.py)
    assert list(table.names) == sorted(set(table.names))
    assert table.rgb.shape == (833, 3) and table.rgb.dtype == np.uint8
    assert table.oklab.shape == (833, 3)
    assert table.says_family.shape == (833, len(FAMILIES))
    assert table.says_family.any(axis=1).all()  # every name says a family
    # Every family has names, so every color gets one.
    assert table.says_family.any(axis=0).all()
    # Known survey entries, exactly as published.
    for name, hex_code in [
        ("olive green", "#677a04"),
        ("dusty rose", "#c0737a"),
        ("black", "#000000"),
    ]:
        assert "#{:02x}{:02x}{:02x}".format(*table.rgb[table.index[name]]) == hex_code
    # Left out: crude words, variant spellings, non-names.
    for name in ("puke green", "shit brown", "burnt siena", "lightblue", "dark", "blue/green"):
        assert name not in table.index
    # Cached and read-only: callers cannot corrupt it for each other.
    assert survey_names() is table
    with pytest.raises(ValueError):
        table.oklab[0, 0] = 1.0


@functools.lru_cache(maxsize=1)
def load_generator():
    spec = importlib.util.spec_from_file_location("make_color_names", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    return generator


def families_said(name: str) -> set[str]:
    """Every family any word of ``name`` can say (basic words, color nouns)."""
    nouns = load_generator().HEAD_TERMS
    said = set()
    for word in name.split():
        if word in BASIC:
            said.add(BASIC[word])
        said.update(nouns.get(word, ()))
    return said


def test_families_of_every_name_follow_the_documented_rules():
    """The shipped table matches what tools/make_color_names.py derives from the names."""
    generator = load_generator()
    assert generator.FAMILIES == FAMILIES
    table = survey_names()
    for i, name in enumerate(table.names):
        said = tuple(f for f, s in zip(FAMILIES, table.says_family[i], strict=True) if s)
        assert said == generator.name_families(name), name
    excluded = {n for group in generator.EXCLUDED.values() for n in group}
    assert len(excluded) + len(table.names) == generator.EXPECTED_COUNT == 949
    assert not excluded & set(table.names)


def test_basic_color_words_in_a_name_say_their_family():
    modifiers = load_generator().MODIFIERS
    table = survey_names()
    for i, name in enumerate(table.names):
        words = name.split()
        said = {f for f, s in zip(FAMILIES, table.says_family[i], strict=True) if s}
        basic = {BASIC[w] for w in words if w in BASIC}
        assert basic <= said, name
        # Every family said comes from a word of the name.
        assert said <= families_said(name) | {"teal"}, name
        if all(w in BASIC or w in modifiers for w in words):  # no other color noun
            assert said == basic | ({"teal"} if {"blue", "green"} <= basic else set()), name
    assert families_said("burnt sienna") == {"brown", "orange", "red"}


@pytest.mark.parametrize(
    "line",
    [
        "olive green\t#677a04",  # no families
        "olive green\t#677a0\tgreen",  # short hex
        "olive green\t#677a0z\tgreen",  # not hex
        "olive green\t677a04a\tgreen",  # no '#'
        "olive green\t#677a04\tgreen olive",  # not a family
        "\t#677a04\tgreen",  # no name
        "olive green\t#677a04\t",  # empty families
    ],
)
def test_malformed_table_lines_are_refused(line):
    with pytest.raises(RuntimeError, match="line 2 is malformed"):
        parse_survey_names("black\t#000000\tblack\n" + line + "\n")


def test_empty_or_repeating_table_is_refused():
    with pytest.raises(RuntimeError, match="empty"):
        parse_survey_names("")
    with pytest.raises(RuntimeError, match="repeats"):
        parse_survey_names("black\t#000000\tblack\nblack\t#010101\tblack\n")


def test_import_does_not_read_the_table():
    code = (
        "import palettekit, palettekit.names as n; "
        "assert n.survey_names.cache_info().currsize == 0; "
        "palettekit.extract(__import__('numpy').zeros((4, 4, 3), 'uint8'), k=1); "
        "assert n.survey_names.cache_info().currsize == 1"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- naming -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hex_code", "name", "family", "css_name"),
    [
        # The CSS names were midnightblue, rosybrown, seagreen, darkslategray.
        ("#1a1a14", "almost black", "black", "midnightblue"),
        ("#979697", "grey", "gray", "rosybrown"),
        ("#657f49", "military green", "green", "seagreen"),
        ("#544635", "mud brown", "brown", "darkslategray"),
        # More everyday colors.
        ("#ff0000", "fire engine red", "red", "red"),
        ("#ffffff", "white", "white", "white"),
        ("#efbe0c", "golden", "yellow", "orange"),
        ("#823129", "red brown", "red", "darkred"),
    ],
)
def test_names_of_example_colors(hex_code, name, family, css_name):
    (label,) = color_labels(oklab_of(hex_code))
    assert (label.name, label.family, label.css_name) == (name, family, css_name)
    assert label.name_distance < 0.07


def test_a_survey_color_is_named_after_itself():
    table = survey_names()
    own_family = family_indices(table.oklab)
    agrees = table.says_family[np.arange(len(table.names)), own_family]
    # Most survey colors lie in a family their name says; those keep their name.
    assert agrees.mean() > 0.9
    names, distances = nearest_names(table.oklab[agrees])
    assert names == [n for n, a in zip(table.names, agrees, strict=True) if a]
    assert distances.max() < 1e-9


def test_name_and_family_never_disagree_on_a_dense_grid_of_srgb_colors():
    grid = srgb_grid(4)  # 262,144 colors, every 4th level per channel
    lab = srgb_to_oklab(grid / 255.0)
    family = family_indices(lab)
    names, distances = nearest_names(lab, family)
    table = survey_names()
    index = np.array([table.index[n] for n in names])
    # The name says the family shown beside it...
    assert table.says_family[index, family].all()
    # ...in words: some word of the name says the family ("reddish brown" may
    # be red or brown, never "brown" alone for a red; "aqua blue" may be teal).
    # The web page showed "brown · red" and "sienna · pink".
    for n, f in set(zip(names, (FAMILIES[i] for i in family), strict=True)):
        words = n.split()
        basic = {BASIC[w] for w in words if w in BASIC}
        assert f in families_said(n) or (f == "teal" and {"blue", "green"} <= basic), (n, f)
    # ...and it is still a close name: the nearest name of the right family.
    assert np.median(distances) < 0.03 and distances.max() < 0.2
    np.testing.assert_allclose(
        distances, np.sqrt(((lab - table.oklab[index]) ** 2).sum(axis=1)), atol=1e-12
    )


def test_nearest_name_is_the_nearest_of_its_family_by_brute_force():
    rng = np.random.default_rng(3)
    lab = srgb_to_oklab(rng.integers(0, 256, size=(300, 3)) / 255.0)
    names, distances = nearest_names(lab)
    table = survey_names()
    family = family_indices(lab)
    for i in range(lab.shape[0]):
        candidates = np.flatnonzero(table.says_family[:, family[i]])
        d = np.sqrt(((table.oklab[candidates] - lab[i]) ** 2).sum(axis=1))
        assert names[i] == table.names[candidates[np.argmin(d)]]
        assert distances[i] == pytest.approx(d.min(), abs=1e-12)


def test_nearest_names_of_no_colors_and_bad_families():
    names, distances = nearest_names(np.zeros((0, 3)))
    assert names == [] and distances.shape == (0,)
    with pytest.raises(ValueError, match="families"):
        nearest_names(np.zeros((2, 3)), families=[0])


def test_swatches_of_an_extracted_palette_have_agreeing_names(tmp_path):
    palette = palettekit.extract(str(ROOT / "examples" / "macaws.png"), k=8)
    table = survey_names()
    for swatch in palette:
        assert table.says_family[table.index[swatch.name], FAMILIES.index(swatch.family)]
        assert swatch.name_distance is not None and swatch.name_distance < 0.1
        assert re.fullmatch(r"[a-z]+", swatch.css_name)
        assert color_families(np.array([swatch.oklab]))[0] == swatch.family


def _css_oklab(name: str) -> np.ndarray:
    from PIL import ImageColor

    return srgb_to_oklab(np.array(ImageColor.getrgb(name)[:3]) / 255.0)


def test_color_labels_give_name_family_and_css_name_with_distances() -> None:
    labels = color_labels(np.stack([_css_oklab("navy"), _css_oklab("#000081")]))
    assert labels[0] == ColorLabel(
        "blue", "deep blue", pytest.approx(0.0237, abs=1e-4), "navy", pytest.approx(0.0, abs=1e-12)
    )
    assert labels[1].css_name == "navy" and labels[1].family == "blue"
    assert 0.0 < labels[1].css_distance < 0.01
    assert color_labels(np.zeros((0, 3))) == []
