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
from palettekit.colorspace import oklab_to_oklch, oklch_to_oklab, srgb_to_oklab
from palettekit.families import FAMILIES, NEUTRAL_FAMILIES, color_families, family_indices
from palettekit.names import (
    CHROMA_WEIGHT,
    CSS_OTHER_FAMILY_PENALTY,
    HUE_WEIGHT,
    NEAR_NEUTRAL_CHROMA,
    TINTED_NAME_CHROMA,
    ColorLabel,
    color_labels,
    css_color_names,
    naming_distances,
    nearest_css_names,
    nearest_names,
    parse_survey_names,
    survey_color,
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
        # In plain Oklab distance the CSS names were midnightblue, rosybrown,
        # seagreen and darkslategray: a grey was "rosybrown", a brown a grey.
        ("#1a1a14", "almost black", "black", "black"),
        ("#979697", "grey", "gray", "darkgray"),
        ("#657f49", "military green", "green", "darkolivegreen"),
        ("#544635", "mud brown", "brown", "saddlebrown"),
        # More everyday colors.
        ("#ff0000", "fire engine red", "red", "red"),
        ("#ffffff", "white", "white", "white"),
        ("#efbe0c", "golden", "yellow", "gold"),
        ("#823129", "red brown", "red", "maroon"),
    ],
)
def test_names_of_example_colors(hex_code, name, family, css_name):
    (label,) = color_labels(oklab_of(hex_code))
    assert (label.name, label.family, label.css_name) == (name, family, css_name)
    assert label.name_distance < 0.07


# Colors whose words a designer would agree on: (hex, family, survey names
# that read right, CSS names that read right). The first four are issue 18's:
# two neutral greys were "pinkish grey", a clear orange had family "brown"
# and a brown the CSS name "darkslategray".
DESIGNER = [
    ("#b7b7bb", "gray", {"silver", "light grey", "grey", "cool grey"}, {"silver", "darkgray"}),
    (
        "#b3b1aa",
        "gray",
        {"silver", "light grey", "grey", "warm grey", "cement"},
        {"darkgray", "silver"},
    ),
    ("#e67e22", "orange", {"pumpkin", "orange", "tangerine", "dark orange"}, {"darkorange"}),
    (
        "#594739",
        "brown",
        {"mud brown", "brown", "dark brown", "greyish brown", "dark taupe"},
        {"saddlebrown", "sienna"},
    ),
    # greys, black and white
    ("#808080", "gray", {"medium grey", "grey"}, {"gray"}),
    ("#c0c0c0", "gray", {"silver", "light grey"}, {"silver"}),
    ("#d3d3d3", "gray", {"light grey", "silver"}, {"lightgray"}),
    ("#333333", "gray", {"dark grey", "charcoal"}, {"dimgray", "black"}),
    (
        "#708090",
        "gray",
        {"steel", "slate grey", "grey blue", "bluish grey", "steel grey", "cool grey"},
        {"slategray"},
    ),
    (
        "#36454f",
        "gray",
        {"charcoal grey", "charcoal", "dark grey", "gunmetal"},
        {"dimgray", "darkslategray"},
    ),
    ("#1a1a1a", "black", {"almost black", "black"}, {"black"}),
    ("#f5f5f5", "white", {"white"}, {"whitesmoke"}),
    ("#f5f5dc", "white", {"off white", "white", "cream", "eggshell"}, {"beige"}),
    # oranges
    ("#ff8c00", "orange", {"tangerine", "orange", "dark orange", "pumpkin orange"}, {"darkorange"}),
    ("#ffa500", "orange", {"mango", "orange", "tangerine", "yellowish orange"}, {"orange"}),
    ("#f39c12", "orange", {"mango", "orange", "tangerine", "yellowish orange"}, {"orange"}),
    (
        "#d35400",
        "orange",
        {"rusty orange", "burnt orange", "dark orange", "deep orange"},
        {"chocolate", "darkorange", "orangered"},
    ),
    ("#ff7f50", "orange", {"melon", "coral", "orange pink", "salmon"}, {"coral"}),
    # browns
    (
        "#8b4513",
        "brown",
        {"warm brown", "brown", "milk chocolate", "sienna", "burnt umber", "chestnut"},
        {"saddlebrown"},
    ),
    ("#a0522d", "brown", {"sienna", "burnt umber", "burnt sienna", "rust brown"}, {"sienna"}),
    (
        "#7b3f00",
        "brown",
        {"milk chocolate", "brown", "warm brown", "chocolate", "chestnut"},
        {"saddlebrown"},
    ),
    (
        "#6f4e37",
        "brown",
        {"cocoa", "coffee", "mocha", "brown", "dark taupe", "mud brown"},
        {"saddlebrown"},
    ),
    (
        "#704214",
        "brown",
        {"brown", "milk chocolate", "warm brown", "medium brown"},
        {"saddlebrown"},
    ),
    ("#c19a6b", "brown", {"dust", "camel", "tan", "light brown", "taupe"}, {"tan", "burlywood"}),
    ("#d2b48c", "brown", {"very light brown", "tan", "light tan", "sand"}, {"tan"}),
    # pinks and reds
    ("#ff69b4", "pink", {"bubblegum", "hot pink", "pink", "bubblegum pink"}, {"hotpink"}),
    (
        "#ffc0cb",
        "pink",
        {"light rose", "light pink", "pale pink", "soft pink", "pale rose"},
        {"pink"},
    ),
    ("#ffb6c1", "pink", {"soft pink", "light pink", "pale pink", "light rose"}, {"lightpink"}),
    ("#c71585", "pink", {"magenta", "deep pink", "darkish pink", "dark pink"}, {"mediumvioletred"}),
    ("#ff0000", "red", {"fire engine red", "red", "bright red"}, {"red"}),
    ("#dc143c", "red", {"cherry", "crimson", "cherry red", "lipstick red"}, {"crimson"}),
    ("#b22222", "red", {"darkish red", "brick red", "dark red"}, {"firebrick"}),
    ("#800000", "red", {"dark red", "maroon", "blood red"}, {"maroon"}),
    # greens, teals, blues, purples, yellows
    ("#228b22", "green", {"emerald green", "forest green", "green"}, {"forestgreen"}),
    ("#00ff00", "green", {"bright green", "lime green", "green", "neon green"}, {"lime"}),
    ("#808000", "green", {"olive", "olive green"}, {"olive"}),
    ("#008080", "teal", {"dark cyan", "teal", "dark aqua"}, {"teal"}),
    ("#40e0d0", "teal", {"aqua", "turquoise", "bright aqua"}, {"turquoise"}),
    ("#0000ff", "blue", {"primary blue", "blue", "pure blue", "bright blue"}, {"blue"}),
    ("#000080", "blue", {"deep blue", "navy blue", "navy", "dark blue"}, {"navy"}),
    ("#87ceeb", "blue", {"light blue", "sky blue", "pale blue"}, {"skyblue"}),
    ("#800080", "purple", {"darkish purple", "purple", "dark magenta"}, {"purple"}),
    ("#4b0082", "purple", {"royal purple", "indigo", "deep purple"}, {"indigo"}),
    ("#ffff00", "yellow", {"yellow", "bright yellow", "canary yellow"}, {"yellow"}),
    ("#ffd700", "yellow", {"sunflower yellow", "golden yellow", "gold", "sun yellow"}, {"gold"}),
]


@pytest.mark.parametrize(
    ("hex_code", "family", "names", "css_names"),
    DESIGNER,
    ids=lambda v: v if isinstance(v, str) and v.startswith("#") else "",
)
def test_words_a_designer_would_agree_on(hex_code, family, names, css_names):
    (label,) = color_labels(oklab_of(hex_code))
    assert label.family == family
    assert label.name in names
    assert label.css_name in css_names


TINT_WORDS = re.compile(
    r"pink|purpl|blu|green|red|yellow|brown|orang|rose|lilac|lavender|mauve|taupe|beige"
)


def test_neutral_greys_get_untinted_names_and_neutral_css_names():
    ramp = srgb_to_oklab(np.repeat(np.arange(256)[:, None], 3, axis=1) / 255.0)
    names, _ = nearest_names(ramp)
    css_names, _ = nearest_css_names(ramp)
    assert not [n for n in names if TINT_WORDS.search(n)]
    assert "silver" in names and "grey" in names and "pinkish grey" not in names
    neutral_css = {
        "black",
        "dimgray",
        "gray",
        "darkgray",
        "silver",
        "lightgray",
        "gainsboro",
        "whitesmoke",
        "white",
        "snow",
        "linen",
    }
    assert set(css_names) <= neutral_css
    # A faint tint below the near-neutral chroma is still a grey ...
    faint = oklch_to_oklab(np.array([[0.77, 0.012, 20.0], [0.77, 0.012, 250.0]]))
    assert not [n for n in nearest_names(faint)[0] if TINT_WORDS.search(n)]
    # ... while a visible one keeps its tinted name.
    tinted = oklch_to_oklab(np.array([[0.70, 0.035, 240.0], [0.77, 0.035, 20.0]]))
    assert [TINT_WORDS.search(n) is not None for n in nearest_names(tinted)[0]] == [True, True]


def test_colors_and_their_css_names_are_of_one_kind():
    """A colored family gets a colored CSS name, black/gray/white a neutral one."""
    grid = srgb_to_oklab(srgb_grid(12) / 255.0)
    css_names, distances = nearest_css_names(grid)
    names, _, table = css_color_names()
    neutral = set(NEUTRAL_FAMILIES)
    css_family = dict(zip(names, color_families(table), strict=True))
    kinds = [
        (f in neutral, css_family[n] in neutral)
        for f, n in zip(color_families(grid), css_names, strict=True)
    ]
    assert all(a == b for a, b in kinds)
    assert distances.max() < 0.31


def test_naming_distance_weights_chroma_and_hue_over_lightness():
    base = oklch_to_oklab(np.array([[0.6, 0.10, 60.0]]))
    lighter, more_chroma, other_hue = oklch_to_oklab(
        np.array([[0.65, 0.10, 60.0], [0.6, 0.15, 60.0], [0.6, 0.10, 60.0 + 28.96]])
    )
    # The three differ from base by about 0.05 in plain Oklab distance.
    d = naming_distances(base, np.stack([lighter, more_chroma, other_hue]))[0]
    assert d == pytest.approx([0.05, CHROMA_WEIGHT * 0.05, HUE_WEIGHT * 0.05], rel=2e-3)
    assert HUE_WEIGHT >= CHROMA_WEIGHT > 1.0
    # Symmetric, zero on the diagonal, never negative.
    rng = np.random.default_rng(0)
    lab = srgb_to_oklab(rng.integers(0, 256, size=(40, 3)) / 255.0)
    d = naming_distances(lab, lab)
    np.testing.assert_allclose(d, d.T, atol=1e-7)
    assert np.abs(np.diag(d)).max() < 1e-6 and d.min() >= 0.0


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


def _weighted_distances(color: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The documented naming distance, written out in Oklch."""
    lch, target_lch = oklab_to_oklch(color[None, :])[0], oklab_to_oklch(targets)
    d_l = target_lch[:, 0] - lch[0]
    d_c = target_lch[:, 1] - lch[1]
    d_h2 = np.maximum(((targets[:, 1:] - color[1:]) ** 2).sum(axis=1) - d_c**2, 0.0)
    return np.sqrt(d_l**2 + (CHROMA_WEIGHT * d_c) ** 2 + HUE_WEIGHT**2 * d_h2)


def _refused(color: np.ndarray, targets: np.ndarray) -> np.ndarray:
    near_neutral = np.hypot(color[1], color[2]) < NEAR_NEUTRAL_CHROMA
    return near_neutral & (np.hypot(targets[:, 1], targets[:, 2]) >= TINTED_NAME_CHROMA)


def test_nearest_name_is_the_nearest_of_its_family_by_brute_force():
    rng = np.random.default_rng(3)
    rgb = np.concatenate(
        [rng.integers(0, 256, size=(300, 3)), rng.integers(100, 110, size=(60, 3))]
    )
    lab = srgb_to_oklab(rgb / 255.0)
    names, distances = nearest_names(lab)
    table = survey_names()
    family = family_indices(lab)
    for i in range(lab.shape[0]):
        candidates = np.flatnonzero(table.says_family[:, family[i]])
        candidates = candidates[~_refused(lab[i], table.oklab[candidates])]
        d = _weighted_distances(lab[i], table.oklab[candidates])
        assert names[i] == table.names[candidates[np.argmin(d)]]
        euclidean = np.sqrt(((table.oklab[candidates[np.argmin(d)]] - lab[i]) ** 2).sum())
        assert distances[i] == pytest.approx(euclidean, abs=1e-12)


def test_nearest_css_name_by_brute_force():
    rng = np.random.default_rng(4)
    rgb = np.concatenate(
        [rng.integers(0, 256, size=(300, 3)), rng.integers(100, 110, size=(60, 3))]
    )
    lab = srgb_to_oklab(rgb / 255.0)
    found, distances = nearest_css_names(lab)
    names, _, table = css_color_names()
    table_family = family_indices(table)
    neutral = np.isin(table_family, [FAMILIES.index(f) for f in NEUTRAL_FAMILIES])
    for i, f in enumerate(family_indices(lab)):
        same_kind = neutral == (FAMILIES[f] in NEUTRAL_FAMILIES)
        candidates = np.flatnonzero(same_kind & ~_refused(lab[i], table))
        d = _weighted_distances(lab[i], table[candidates])
        d = d + CSS_OTHER_FAMILY_PENALTY * (table_family[candidates] != f)
        best = candidates[np.argmin(d)]
        assert found[i] == names[best]
        assert distances[i] == pytest.approx(
            np.sqrt(((table[best] - lab[i]) ** 2).sum()), abs=1e-12
        )


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


def test_prepared_tables_give_the_scores_of_a_fresh_computation() -> None:
    # nearest_names and nearest_css_names reuse each table's features
    # (computed once per process); the scores are those computed afresh.
    from palettekit import names

    rng = np.random.default_rng(3)
    lab = rng.uniform([0.0, -0.3, -0.3], [1.0, 0.3, 0.3], (300, 3))
    for table, prepared in (
        (survey_names().oklab, names._survey_prepared()),
        (css_color_names()[2], names._css_prepared()),
    ):
        for with_rows in (False, True):
            fresh = names._naming_scores(lab, table, with_rows=with_rows)
            reused = names._naming_scores(lab, table, with_rows=with_rows, prepared=prepared)
            assert np.array_equal(fresh, reused)
        assert np.array_equal(
            prepared.tinted, np.hypot(table[:, 1], table[:, 2]) >= TINTED_NAME_CHROMA
        )
        assert not prepared.features.flags.writeable and not table.flags.writeable
    # The names themselves: as the brute-force distance picks them.
    found, _ = nearest_names(lab)
    distances = naming_distances(lab, survey_names().oklab)
    family = family_indices(lab)
    says = survey_names().says_family[:, family].T
    for row, name in enumerate(found):
        allowed = np.flatnonzero(says[row])
        chroma = np.hypot(lab[row, 1], lab[row, 2])
        if chroma < NEAR_NEUTRAL_CHROMA:
            table = survey_names().oklab[allowed]
            untinted = allowed[np.hypot(table[:, 1], table[:, 2]) < TINTED_NAME_CHROMA]
            allowed = untinted if untinted.size else allowed
        best = allowed[np.argmin(distances[row, allowed])]
        assert name == survey_names().names[best] or np.isclose(
            distances[row, best], distances[row, survey_names().index[name]], atol=1e-12
        )


def test_survey_color_is_the_tables_color_as_python_floats() -> None:
    table = survey_names()
    for name in ("black", "olive green", table.names[-1]):
        color = survey_color(name)
        assert color is not None and all(type(c) is float for c in color)
        assert np.array_equal(np.array(color), table.oklab[table.index[name]])
    assert survey_color("no such colour name") is None


def test_the_survey_table_is_read_through_the_modules_loader(monkeypatch) -> None:
    # As pkgutil.get_data reads it (without importing pkgutil at start-up);
    # a missing file is a RuntimeError that says so.
    import pkgutil

    from palettekit import names

    text = pkgutil.get_data("palettekit", f"data/{names.SURVEY_DATA}").decode("utf-8")
    assert survey_names().names == parse_survey_names(text).names
    monkeypatch.setattr(names, "SURVEY_DATA", "no_such_table.tsv")
    names.survey_names.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="color name table is missing"):
            names.survey_names()
    finally:
        monkeypatch.undo()
        names.survey_names.cache_clear()
    assert survey_names().names == parse_survey_names(text).names
