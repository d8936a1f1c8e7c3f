"""palettekit.export: goldens for every format, round trips, the registry, save()."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import sys

import numpy as np
import pytest
from PIL import GimpPaletteFile, Image

from output_samples import (
    SAMPLE_COUNTS,
    check_golden,
    check_golden_image,
    sample_palette,
    swatch,
)
from palettekit import ExportError, OptionsError, Palette, PaletteError, Swatch, export
from palettekit import _io as io_module
from palettekit.export import (
    CSV_COLUMNS,
    FORMATS,
    format_for_path,
    format_share,
    get_format,
    register_format,
    save,
    to_css,
    to_csv,
    to_gpl,
    to_hex,
    to_json,
    to_text,
)

BUILTIN = {
    "json": ".json",
    "csv": ".csv",
    "hex": ".hex",
    "gpl": ".gpl",
    "css": ".css",
    "text": ".txt",
    "png": ".png",
}


@pytest.fixture
def palette() -> Palette:
    return sample_palette()


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the registry that tests may change; the real one is restored.

    Tests using it read ``export.FORMATS``: the name imported above is the real one.
    """
    registry = export._Registry()
    registry._formats = dict(export._registry()._formats)
    registry._by_suffix = dict(export._registry()._by_suffix)
    registry._plugins_state = "loaded"
    monkeypatch.setattr(export, "FORMATS", registry)
    return registry


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
    check_golden(golden, export.export(palette, fmt, **options))


def test_golden_png_bar(palette):
    data = export.export(palette, "png")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (300, 50) and image.mode == "RGB"
        check_golden_image("sample_bar.png", image.copy())


def test_outputs_are_deterministic(palette):
    for name in BUILTIN:
        first = export.export(palette, name)
        again = export.export(sample_palette(), name)
        assert first == again, name


def test_text_outputs_end_with_one_newline_and_use_lf(palette):
    for name, entry in FORMATS.items():
        if entry.binary or name not in BUILTIN:
            continue
        text = export.export(palette, name)
        assert text.endswith("\n") and not text.endswith("\n\n"), name
        assert "\r" not in text, name


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


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.3123, "31.2%"),
        (0.5, "50.0%"),
        (0.0, "0.0%"),
        (1.0, "100.0%"),
        (0.0001, "<0.1%"),
        (0.00049, "<0.1%"),
        (0.9996, ">99.9%"),
        (0.00051, "0.1%"),
    ],
)
def test_format_share(share, text):
    assert format_share(share) == text


# --- bad palettes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        (swatch((256, 0, 0), 1.0), "rgb"),
        (swatch((-1, 0, 0), 1.0), "rgb"),
        (swatch((1.5, 0, 0), 1.0), "rgb"),
        (swatch((1, 2), 1.0), "rgb"),
        (swatch((1, 2, 3), float("nan")), "share"),
        (swatch((1, 2, 3), -0.5), "share"),
        (swatch((1, 2, 3), 1.0, count=-1), "count"),
        (swatch((1, 2, 3), 1.0, oklab=(float("inf"), 0.0, 0.0)), "oklab"),
        (swatch((1, 2, 3), 1.0, name=None), "name"),
        ("#ff0000", "Swatch"),
    ],
)
def test_bad_swatches_are_export_errors(bad, needle):
    for name in BUILTIN:
        with pytest.raises(ExportError, match=needle):
            export.export([bad], name)


@pytest.mark.parametrize("bad", [None, 3, "abc", b"abc", {"hex": "#000000"}])
def test_not_a_palette(bad):
    with pytest.raises(ExportError, match="not a palette"):
        to_json(bad)


# --- registry ------------------------------------------------------------------------


def test_registry_has_the_builtin_formats():
    for name, suffix in BUILTIN.items():
        entry = FORMATS[name]
        assert entry.name == name and suffix in entry.suffixes
        assert entry.binary == (name == "png")
        assert get_format(name.upper()) is entry
        assert format_for_path(f"out/palette{suffix}") == name
        assert format_for_path(f"PALETTE{suffix.upper()}") == name


def test_registry_is_read_only():
    with pytest.raises(TypeError):
        FORMATS["x"] = FORMATS["json"]  # type: ignore[index]


@pytest.mark.parametrize("fmt", ["yaml", "", "JSONX", 3, None])
def test_unknown_format(palette, fmt):
    with pytest.raises(ExportError, match="unknown export format") as info:
        export.export(palette, fmt)
    assert "json" in str(info.value) and "gpl" in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, PaletteError)


@pytest.mark.parametrize("path", ["palette.yaml", "archive.tar.gz", "x.jpg"])
def test_unknown_suffix(path):
    with pytest.raises(ExportError, match="unknown file suffix") as info:
        format_for_path(path)
    assert ".json" in str(info.value)


@pytest.mark.parametrize("path", ["palette", "dir.json/palette", ".json", "/tmp/"])
def test_no_suffix(path):
    with pytest.raises(ExportError, match="no file suffix"):
        format_for_path(path)


def test_unknown_option_for_a_format(palette):
    with pytest.raises(OptionsError, match="prefix"):
        export.export(palette, "csv", prefix="--x")
    with pytest.raises(OptionsError, match="'gpl'"):
        export.export(palette, "gpl", timings=True)


def test_register_a_new_format(palette, scratch_registry, tmp_path):
    def to_upper_hex(p, *, sep=" "):
        return sep.join(s.hex.upper() for s in p) + "\n"

    entry = register_format("UPPER", to_upper_hex, suffixes=("UHX", ".uh2"))
    assert entry.name == "upper" and entry.suffixes == (".uhx", ".uh2")
    assert "upper" in export.FORMATS
    assert export.export(palette, "upper", sep=",").startswith("#2B3A4F,#D8C8A0")
    assert format_for_path("a.UH2") == "upper"
    assert save(palette, tmp_path / "p.uhx") == "upper"
    assert (tmp_path / "p.uhx").read_text().startswith("#2B3A4F #D8C8A0")


def test_register_binary_format(palette, scratch_registry, tmp_path):
    register_format("raw", lambda p: bytes(c for s in p for c in s.rgb), ".rgb", binary=True)
    save(palette, tmp_path / "p.rgb")
    assert (tmp_path / "p.rgb").read_bytes()[:3] == bytes([43, 58, 79])


def test_register_conflicts(scratch_registry):
    with pytest.raises(ExportError, match="already registered"):
        register_format("json", to_json)
    with pytest.raises(ExportError, match="already belongs to format 'css'"):
        register_format("less", to_css, suffixes=(".css",))
    assert "less" not in export.FORMATS


def test_register_replace(palette, scratch_registry):
    register_format("sass", lambda p: "sass\n", suffixes=(".css",), replace=True)
    assert format_for_path("x.css") == "sass"
    assert export.FORMATS["css"].suffixes == ()  # css keeps its name, loses the suffix
    register_format("json", lambda p: "{}\n", suffixes=(".json",), replace=True)
    assert export.export(palette, "json") == "{}\n"


@pytest.mark.parametrize(
    ("name", "suffixes"),
    [
        ("", ()),
        ("has space", ()),
        ("-x", ()),
        (3, ()),
        ("ok", ("a b",)),
        ("ok", (".",)),
        ("ok", (3,)),
    ],
)
def test_register_bad_names(scratch_registry, name, suffixes):
    with pytest.raises(ExportError, match="invalid"):
        register_format(name, to_json, suffixes=suffixes)


def test_register_needs_a_callable(scratch_registry):
    with pytest.raises(TypeError):
        register_format("nothing", None)  # type: ignore[arg-type]


def test_exporter_returning_the_wrong_type(palette, scratch_registry):
    register_format("liar", lambda p: b"bytes", suffixes=(".liar",))
    with pytest.raises(ExportError, match="returned bytes, not str"):
        export.export(palette, "liar")


def test_plugin_modules_are_loaded_on_first_read(monkeypatch, tmp_path):
    (tmp_path / "pk_test_plugin.py").write_text(
        "from palettekit.export import register_format\n"
        "register_format('plugged', lambda p: 'plugged\\n', suffixes=('.plug',))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(export, "FORMATS", export._Registry())
    monkeypatch.setattr(export, "PLUGIN_MODULES", ("pk_no_such_module_xyz", "pk_test_plugin"))
    monkeypatch.delitem(sys.modules, "pk_test_plugin", raising=False)
    assert "pk_test_plugin" not in sys.modules
    assert "plugged" in export.FORMATS
    assert format_for_path("a.plug") == "plugged"


def test_plugin_with_a_broken_import_is_an_error(monkeypatch, tmp_path):
    (tmp_path / "pk_broken_plugin.py").write_text("import pk_missing_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(export, "FORMATS", export._Registry())
    monkeypatch.setattr(export, "PLUGIN_MODULES", ("pk_broken_plugin",))
    monkeypatch.delitem(sys.modules, "pk_broken_plugin", raising=False)
    with pytest.raises(ModuleNotFoundError, match="pk_missing_dependency_xyz"):
        len(export.FORMATS)


# --- save ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "suffix"), sorted(BUILTIN.items()))
def test_save_by_suffix(palette, tmp_path, name, suffix):
    path = tmp_path / f"palette{suffix}"
    assert save(palette, path) == name
    expected = export.export(palette, name)
    written = path.read_bytes()
    assert written == (expected if isinstance(expected, bytes) else expected.encode())
    assert os.listdir(tmp_path) == [path.name]


def test_save_format_overrides_suffix(palette, tmp_path):
    path = tmp_path / "colors.out"
    assert save(palette, path, fmt="GPL", name="Mine") == "gpl"
    assert path.read_text().startswith("GIMP Palette\nName: Mine\n")


def test_save_png_bar_options(palette, tmp_path):
    save(palette, tmp_path / "bar.png", width=120, height=10)
    with Image.open(tmp_path / "bar.png") as image:
        assert image.size == (120, 10)


@pytest.mark.parametrize(
    ("path", "kwargs", "error"),
    [
        ("p.yaml", {}, ExportError),
        ("p", {}, ExportError),
        ("p.json", {"fmt": "nope"}, ExportError),
        ("p.css", {"prefix": "bad prefix"}, OptionsError),
        ("p.json", {"indent": "x"}, OptionsError),
        ("p.png", {"width": 0}, OptionsError),
    ],
)
def test_save_errors_write_nothing(palette, tmp_path, path, kwargs, error):
    with pytest.raises(error):
        save(palette, tmp_path / path, **kwargs)
    assert os.listdir(tmp_path) == []


def test_save_of_a_bad_palette_keeps_the_old_file(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("old")
    with pytest.raises(ExportError):
        save([swatch((300, 0, 0), 1.0)], path)
    assert path.read_text() == "old"


def test_failed_write_leaves_old_file_and_no_partial(palette, tmp_path, monkeypatch):
    path = tmp_path / "p.csv"
    path.write_text("old")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io_module.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left") as info:
        save(palette, path)
    monkeypatch.undo()
    assert info.value.filename == str(path)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["p.csv"]


def test_save_into_missing_directory(palette, tmp_path):
    with pytest.raises(FileNotFoundError):
        save(palette, tmp_path / "missing" / "p.json")
    assert os.listdir(tmp_path) == []


def test_sample_counts_cover_tiny_shares():
    """The sample keeps a one-pixel color, so "<0.1%" paths stay tested."""
    assert min(SAMPLE_COUNTS) == 1 and sum(SAMPLE_COUNTS) == 10_000
