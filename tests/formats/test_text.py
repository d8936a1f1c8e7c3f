"""palettekit.formats.text: json, jsonl, csv, hex, gpl, css, text; one palette and several."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import numpy as np
import pytest
from PIL import GimpPaletteFile

from output_samples import SAMPLE_COUNTS, check_golden, sample_palette, swatch
from palettekit import ExportError, OptionsError, Palette, Swatch, formats
from palettekit.display_text import format_share
from palettekit.formats import export_many
from palettekit.formats.text import (
    CSV_COLUMNS,
    to_css,
    to_csv,
    to_csv_many,
    to_gpl,
    to_hex,
    to_hex_many,
    to_json,
    to_json_many,
    to_jsonl,
    to_jsonl_many,
    to_text,
    to_text_many,
)


@pytest.fixture
def palette() -> Palette:
    return sample_palette()


# --- golden files --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("golden", "fmt", "options"),
    [
        ("sample.json", "json", {}),
        ("sample_timings.json", "json", {"timings": True}),
        ("sample_compact.json", "json", {"indent": None}),
        ("sample.csv", "csv", {}),
        ("sample.hex", "hex", {}),
        ("sample.gpl", "gpl", {}),
        ("sample_named.gpl", "gpl", {"name": "Café\nterrace"}),
        ("sample.css", "css", {}),
        ("sample_brand.css", "css", {"prefix": "--brand"}),
        ("sample.txt", "text", {}),
    ],
)
def test_golden(palette, golden, fmt, options):
    check_golden(golden, formats.export(palette, fmt, **options))


# --- JSON ----------------------------------------------------------------------------


def test_json_round_trip_and_schema(palette):
    text = to_json(palette)
    data = json.loads(text)
    assert list(data) == ["schema", "colors", "meta"]
    assert data["schema"] == "palettekit.palette/2"
    assert data == palette.to_dict()
    for color, s in zip(data["colors"], palette, strict=True):
        assert list(color) == [
            "hex", "rgb", "share", "count", "oklab", "name", "name_distance", "family",
            "css_name", "css_distance",
        ]  # fmt: skip
        assert color["share"] == s.share  # floats come back bit for bit
        assert tuple(color["oklab"]) == s.oklab
        assert (
            Swatch(
                rgb=tuple(color["rgb"]),
                share=color["share"],
                count=color["count"],
                oklab=tuple(color["oklab"]),
                name=color["name"],
            )
            == s
        )
    assert math.fsum(c["share"] for c in data["colors"]) == pytest.approx(1.0)


def test_json_leaves_timings_out_unless_asked(palette):
    slow = sample_palette(timings={"load": 999.0, "cluster": 1234.5})
    assert "timings" not in json.loads(to_json(palette))["meta"]
    assert to_json(palette) == to_json(slow)
    assert json.loads(to_json(slow, timings=True))["meta"]["timings"] == {
        "load": 999.0,
        "cluster": 1234.5,
    }
    assert to_json(palette, timings=True) != to_json(slow, timings=True)


def test_json_keeps_non_ascii_and_short_arrays_inline(palette):
    text = to_json(palette)
    assert "café terrace" in text
    assert '"rgb": [43, 58, 79]' in text
    compact = to_json(palette, indent=None)
    assert compact.count("\n") == 1 and json.loads(compact) == json.loads(text)


def test_json_equals_standard_pretty_printer_modulo_whitespace(palette):
    ours = to_json(palette)
    standard = json.dumps(palette.to_dict(), indent=2, ensure_ascii=False)
    assert re.sub(r"\s+", "", ours) == re.sub(r"\s+", "", standard)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_json_refuses_non_finite_meta(bad):
    with pytest.raises(ExportError, match="JSON"):
        to_json(Palette([swatch((1, 2, 3), 1.0)], {"inertia": bad}))


def test_json_refuses_objects_that_are_not_data():
    with pytest.raises(ExportError, match="JSON"):
        to_json(Palette([swatch((1, 2, 3), 1.0)], {"thing": object()}))


def test_json_writes_numpy_values_in_meta_as_plain_numbers():
    meta = {"n": np.int64(3), "f": np.float32(0.5), "sizes": np.array([4, 5])}
    data = json.loads(to_json(Palette([swatch((1, 2, 3), 1.0)], meta)))
    assert data["meta"] == {"n": 3, "f": 0.5, "sizes": [4, 5]}


@pytest.mark.parametrize("indent", [-1, 17, 2.0, "2", True])
def test_json_bad_indent(palette, indent):
    with pytest.raises(OptionsError, match="indent"):
        to_json(palette, indent=indent)


# --- CSV -----------------------------------------------------------------------------


def test_csv_parses_back(palette):
    rows = list(csv.DictReader(io.StringIO(to_csv(palette))))
    assert len(rows) == len(palette)
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert list(CSV_COLUMNS[:7]) == ["hex", "r", "g", "b", "share", "count", "name"]
    for row, s in zip(rows, palette, strict=True):
        assert row["hex"] == s.hex
        assert (int(row["r"]), int(row["g"]), int(row["b"])) == s.rgb
        assert float(row["share"]) == s.share
        assert int(row["count"]) == s.count
        assert row["name"] == s.name
        assert (float(row["oklab_l"]), float(row["oklab_a"]), float(row["oklab_b"])) == s.oklab


def test_csv_quotes_awkward_names():
    odd = swatch((1, 2, 3), 1.0, name='a, "quoted"\nname')
    rows = list(csv.reader(io.StringIO(to_csv([odd]))))
    assert rows[1][6] == 'a, "quoted"\nname'


# --- hex, GPL, CSS, text -------------------------------------------------------------


def test_hex_lines(palette):
    assert to_hex(palette).splitlines() == palette.hex


def test_gpl_round_trips_through_pillow(palette):
    text = to_gpl(palette)
    parsed = GimpPaletteFile.GimpPaletteFile(io.BytesIO(text.encode()))
    colors, rawmode = parsed.getpalette()
    assert rawmode == "RGB"
    assert colors == bytes(c for s in palette for c in s.rgb)


def test_gpl_header_and_swatch_names(palette):
    lines = to_gpl(palette, name="Summer").splitlines()
    assert lines[:3] == ["GIMP Palette", "Name: Summer", "Columns: 6"]
    assert lines[3].startswith("#") and "café terrace" in lines[3]
    entries = lines[4:]
    assert entries[0] == " 43  58  79\t#2b3a4f 50.0% dark blue grey"
    assert entries[5] == " 12 200  99\t#0cc863 <0.1% algae green"
    for line, s in zip(entries, palette, strict=True):
        values, label = line.split("\t")
        assert tuple(map(int, values.split())) == s.rgb
        assert label == f"{s.hex} {format_share(s.share)} {s.name}"


def test_gpl_name_cannot_break_the_header(palette):
    lines = to_gpl(palette, name="evil\nColumns: 1\n0 0 0\tinjected").splitlines()
    assert lines[1].startswith("Name: evil") and len(lines) == 4 + len(palette)
    assert to_gpl(palette, name="").splitlines()[1] == "Name: palettekit"


def test_gpl_256_colors_all_read_by_pillow():
    colors = [(i, 255 - i, (i * 7) % 256) for i in range(256)]
    palette = Palette([swatch(rgb, 1 / 256, 1) for rgb in colors], {"source": "gradient.png"})
    text = to_gpl(palette)
    assert "Columns: 16" in text
    parsed = GimpPaletteFile.GimpPaletteFile(io.BytesIO(text.encode()))
    assert parsed.getpalette()[0] == bytes(c for rgb in colors for c in rgb)


def test_css_custom_properties(palette):
    lines = to_css(palette).splitlines()
    assert lines[0] == "/* palettekit: 6 colors from photos/café terrace.jpg */"
    assert lines[1] == ":root {" and lines[-1] == "}"
    pattern = re.compile(
        r"^  --color-(\d+): (#[0-9a-f]{6}); /\* (\S+) ([a-z ]+?)(?: \(css ([a-z]+)\))? \*/$"
    )
    for i, (line, s) in enumerate(zip(lines[2:-1], palette, strict=True), start=1):
        match = pattern.match(line)
        assert match, line
        css = None if s.css_name == s.name else s.css_name
        assert match.groups() == (str(i), s.hex, format_share(s.share), s.name, css)
    assert lines[5] == "  --color-4: #ffffff; /* 9.0% white */"
    assert lines[2] == "  --color-1: #2b3a4f; /* 50.0% dark blue grey (css darkslategray) */"


@pytest.mark.parametrize(("prefix", "first"), [("--brand", "--brand-1"), ("swatch", "--swatch-1")])
def test_css_prefix(palette, prefix, first):
    assert f"  {first}: #2b3a4f;" in to_css(palette, prefix=prefix)


@pytest.mark.parametrize("prefix", ["", "--", "--a b", "--x;}", "--a*/", 3])
def test_css_bad_prefix(palette, prefix):
    with pytest.raises(OptionsError, match="prefix"):
        to_css(palette, prefix=prefix)


def test_css_comment_cannot_be_closed_by_the_source():
    palette = Palette([swatch((1, 2, 3), 1.0)], {"source": "x */ body{color:red} /* y"})
    text = to_css(palette)
    assert text.count("*/") == 2  # the heading's and the one color's
    assert text.splitlines()[0].endswith("* / body{color:red} /* y */")


def test_text_table_is_plain_and_aligned(palette):
    lines = to_text(palette).splitlines()
    assert "\x1b" not in to_text(palette)
    assert lines[0] == "palettekit: 6 colors from photos/café terrace.jpg"
    starts = {line.index("#", 3) for line in lines[2:]}
    assert len(starts) == 1  # the hex column starts at the same place on every row
    assert lines[1].split() == ["#", "hex", "share", "r", "g", "b", "family", "name", "css"]
    # Survey names have spaces: every column still starts where its heading does.
    header = lines[1]
    family_at, name_at, css_at = (header.index(h) for h in ("family", "name", "css"))
    for line, s in zip(lines[2:], palette, strict=True):
        assert line[family_at:name_at].rstrip() == s.family
        assert line[name_at:css_at].rstrip() == s.name
        assert line[css_at:] == s.css_name
    assert lines[2].split()[6:] == ["blue", "dark", "blue", "grey", "darkslategray"]


def test_exports_accept_a_plain_list_of_swatches(palette):
    swatches = list(palette)
    assert to_hex(swatches) == to_hex(palette)
    assert json.loads(to_json(swatches))["meta"] == {}
    assert "from" not in to_css(swatches).splitlines()[0]


def test_source_with_line_breaks_stays_on_one_line():
    palette = Palette([swatch((1, 2, 3), 1.0)], {"source": "a\nb\rc\u2028d"})
    assert to_text(palette).splitlines()[0] == "palettekit: 1 color from a b c d"
    assert len(to_gpl(palette).splitlines()) == 5


def test_sample_counts_cover_tiny_shares():
    """The sample keeps a one-pixel color, so "<0.1%" paths stay tested."""
    assert min(SAMPLE_COUNTS) == 1 and sum(SAMPLE_COUNTS) == 10_000


# --- several palettes ----------------------------------------------------------------


@pytest.fixture
def two() -> list[Palette]:
    first = sample_palette()
    second = Palette(
        [swatch((200, 40, 40), 0.75), swatch((10, 20, 30), 0.25)],
        {"source": 'b, "quoted"\nname.png'},
    )
    return [first, second]


def test_json_many_is_an_array_of_the_objects_indented_one_level(two):
    text = to_json_many(two, ["a", "b"])
    indented = ",\n".join("  " + to_json(p).rstrip("\n").replace("\n", "\n  ") for p in two)
    assert text == f"[\n{indented}\n]\n"
    assert json.loads(text) == [json.loads(to_json(p)) for p in two]
    compact = to_json_many(two, indent=None)
    assert compact.count("\n") == 1 and json.loads(compact) == json.loads(text)
    assert '"timings"' not in text
    with_timings = json.loads(to_json_many(two, timings=True))
    assert with_timings == [json.loads(to_json(p, timings=True)) for p in two]
    assert "timings" in with_timings[0]["meta"]


def test_json_of_one_palette_is_the_object_not_an_array(two):
    assert export_many(two[:1], "json") == to_json(two[0])
    assert export_many(two, "json") == to_json_many(two, ["x", "y"])


def test_jsonl_is_one_compact_object_per_line_whatever_the_number(two):
    lines = to_jsonl_many(two).splitlines(keepends=True)
    assert [json.loads(line) for line in lines] == [json.loads(to_json(p)) for p in two]
    assert all(line.endswith("}\n") and line.count("\n") == 1 for line in lines)
    assert export_many(two[:1], "jsonl") == to_jsonl(two[0]) == formats.export(two[0], "jsonl")
    assert to_jsonl(two[0]) == to_json(two[0], indent=None)


def test_csv_many_has_a_leading_source_column(two):
    sources = ["first.png", 'b, "quoted"\nname.png']
    text = to_csv_many(two, sources)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["source", *CSV_COLUMNS]
    expected = []
    for palette, source in zip(two, sources, strict=True):
        expected += [[source, *row] for row in list(csv.reader(io.StringIO(to_csv(palette))))[1:]]
    assert rows[1:] == expected
    # byte for byte what re-writing each one-palette table with the column gives
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source", *CSV_COLUMNS])
    writer.writerows(expected)
    assert text == buffer.getvalue()
    assert export_many(two, "csv") == to_csv_many(
        two, [two[0].meta["source"], 'b, "quoted" name.png']
    )


def test_hex_many_heads_each_palette_with_its_source_on_one_line(two):
    text = to_hex_many(two, ["a.png", "two\nlines"])
    assert text == f"# a.png\n{to_hex(two[0])}\n# two lines\n{to_hex(two[1])}"


def test_text_many_is_one_table_per_palette(two):
    assert to_text_many(two) == to_text(two[0]) + "\n" + to_text(two[1])
    assert export_many(two[:1], "text") == to_text(two[0])
