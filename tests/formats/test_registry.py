"""palettekit.formats.registry: the one format registry, export(), export_many(), save().

Also the promise of the registry: a format registered in one call works from
the command line (``-f`` and by suffix), from the web API (``format=``, with
its media type and file name) and from :func:`palettekit.formats.export`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from output_samples import sample_palette, swatch
from palettekit import ExportError, OptionsError, Palette, PaletteError, formats
from palettekit import _io as io_module
from palettekit.formats import registry
from palettekit.formats.registry import (
    FORMATS,
    HOLDS,
    export_many,
    format_for_path,
    get_format,
    register_format,
    save,
)
from palettekit.formats.text import to_css, to_json

BUILTIN = {
    "json": ".json",
    "jsonl": ".jsonl",
    "csv": ".csv",
    "hex": ".hex",
    "gpl": ".gpl",
    "css": ".css",
    "text": ".txt",
    "png": ".png",
}

# Every built-in format: (suffixes, media type, file suffix, holds, binary).
ENTRIES = {
    "json": ((".json",), "application/json", ".json", "one-or-many", False),
    "jsonl": ((".jsonl", ".ndjson"), "application/x-ndjson", ".jsonl", "many", False),
    "csv": ((".csv",), "text/csv; charset=utf-8", ".csv", "one-or-many", False),
    "hex": ((".hex",), "text/plain; charset=utf-8", ".hex", "one-or-many", False),
    "text": ((".txt",), "text/plain; charset=utf-8", ".txt", "one-or-many", False),
    "gpl": ((".gpl",), "text/plain; charset=utf-8", ".gpl", "one", False),
    "css": ((".css",), "text/css; charset=utf-8", ".css", "one", False),
    "png": ((".png",), "image/png", ".png", "one", True),
    "ase": ((".ase",), "application/octet-stream", ".ase", "one", True),
    "svg": ((".svg",), "image/svg+xml", ".svg", "one", False),
    "svg-bar": ((), "image/svg+xml", ".svg", "one", False),
    "css-gradient": ((), "text/css; charset=utf-8", ".css", "one", False),
    "css-dominant": ((), "text/css; charset=utf-8", ".css", "one", False),
    "tailwind": ((), "application/json", ".json", "one", False),
    "roles": ((), "application/json", ".json", "one", False),
}


@pytest.fixture
def palette() -> Palette:
    return sample_palette()


@pytest.fixture
def scratch_registry():
    """The real registry, restored after the test: what a test registers is seen
    everywhere (CLI, web, palettekit.formats) and gone afterwards."""
    real = registry._registry()
    len(real)  # the built-in modules register first
    saved = dict(real._formats), dict(real._by_suffix)
    yield real
    real._formats, real._by_suffix = saved


def test_every_builtin_entry():
    assert set(FORMATS) == set(ENTRIES)
    for name, (suffixes, media_type, file_suffix, holds, binary) in ENTRIES.items():
        entry = FORMATS[name]
        assert (entry.suffixes, entry.media_type, entry.file_suffix) == (
            suffixes,
            media_type,
            file_suffix,
        ), name
        assert (entry.holds, entry.binary) == (holds, binary), name
        assert (entry.func_many is None) == (holds == "one"), name
        assert holds in HOLDS


def test_names_iterate_sorted():
    assert list(FORMATS) == sorted(FORMATS)
    assert repr(FORMATS).startswith("FORMATS(ase, css, ")


def test_outputs_are_deterministic(palette):
    for name in BUILTIN:
        first = formats.export(palette, name)
        again = formats.export(sample_palette(), name)
        assert first == again, name


def test_text_outputs_end_with_one_newline_and_use_lf(palette):
    for name, entry in FORMATS.items():
        if entry.binary or name not in BUILTIN:
            continue
        text = formats.export(palette, name)
        assert text.endswith("\n") and not text.endswith("\n\n"), name
        assert "\r" not in text, name


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
        formats.export(palette, fmt)
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
        formats.export(palette, "csv", prefix="--x")
    with pytest.raises(OptionsError, match="'gpl'"):
        formats.export(palette, "gpl", timings=True)


def test_register_a_new_format(palette, scratch_registry, tmp_path):
    def to_upper_hex(p, *, sep=" "):
        return sep.join(s.hex.upper() for s in p) + "\n"

    entry = register_format("UPPER", to_upper_hex, suffixes=("UHX", ".uh2"))
    assert entry.name == "upper" and entry.suffixes == (".uhx", ".uh2")
    assert "upper" in formats.FORMATS
    assert formats.export(palette, "upper", sep=",").startswith("#2B3A4F,#D8C8A0")
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
    assert "less" not in formats.FORMATS


def test_register_replace(palette, scratch_registry):
    register_format("sass", lambda p: "sass\n", suffixes=(".css",), replace=True)
    assert format_for_path("x.css") == "sass"
    assert formats.FORMATS["css"].suffixes == ()  # css keeps its name, loses the suffix
    register_format("json", lambda p: "{}\n", suffixes=(".json",), replace=True)
    assert formats.export(palette, "json") == "{}\n"


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
        formats.export(palette, "liar")


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
            formats.export([bad], name)


@pytest.mark.parametrize("bad", [None, 3, "abc", b"abc", {"hex": "#000000"}])
def test_not_a_palette(bad):
    with pytest.raises(ExportError, match="not a palette"):
        to_json(bad)


# --- save ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "suffix"), sorted(BUILTIN.items()))
def test_save_by_suffix(palette, tmp_path, name, suffix):
    path = tmp_path / f"palette{suffix}"
    assert save(palette, path) == name
    expected = formats.export(palette, name)
    written = path.read_bytes()
    assert written == (expected if isinstance(expected, bytes) else expected.encode())
    assert os.listdir(tmp_path) == [path.name]


def test_save_format_overrides_suffix(palette, tmp_path):
    path = tmp_path / "colors.out"
    assert save(palette, path, fmt="GPL", name="Mine") == "gpl"
    assert path.read_text().startswith("GIMP Palette\nName: Mine\n")


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


# --- several palettes ----------------------------------------------------------------


def test_export_many_of_one_palette_is_export(palette):
    for name in sorted(FORMATS):
        assert export_many([palette], name) == formats.export(palette, name), name


def test_export_many_refuses_several_palettes_for_a_format_that_holds_one(palette):
    for name, entry in FORMATS.items():
        if entry.holds == "one":
            with pytest.raises(ExportError, match=f"the {name} format holds one palette, not 2"):
                export_many([palette, palette], name)
        else:
            assert export_many([palette, palette], name)


def test_export_many_default_sources_are_the_meta_source_or_the_position(palette):
    unnamed = Palette([swatch((1, 2, 3), 1.0)], {})
    text = export_many([palette, unnamed], "hex")
    assert text.startswith("# photos/café terrace.jpg\n#2b3a4f\n")
    assert "\n\n# 2\n#010203\n" in text
    named = export_many([palette, unnamed], "hex", sources=["a", "b"])
    assert named.startswith("# a\n") and "\n# b\n" in named


@pytest.mark.parametrize(
    ("palettes", "kwargs", "message"),
    [
        ([], {}, "no palette to export"),
        ("abc", {}, "must be a sequence of palettes"),
        (None, {}, "must be a sequence of palettes"),
        ("pair", {"sources": ["only one"]}, "sources must be 2 strings"),
        ("pair", {"sources": ["a", 3]}, "sources must be 2 strings"),
        ([[swatch((300, 0, 0), 1.0)], []], {}, "rgb"),
    ],
)
def test_export_many_errors(palette, palettes, kwargs, message):
    if palettes == "pair":
        palettes = [palette, palette]
    with pytest.raises(ExportError, match=message):
        export_many(palettes, "csv", **kwargs)


def test_export_many_checks_the_options_of_the_many_writer(palette):
    with pytest.raises(OptionsError, match="'csv'"):
        export_many([palette, palette], "csv", timings=True)
    with pytest.raises(OptionsError, match="indent"):
        export_many([palette, palette], "json", indent=-1)


# --- entries -------------------------------------------------------------------------


def test_takes_says_whether_the_format_declares_the_option():
    assert FORMATS["json"].takes("timings") and FORMATS["jsonl"].takes("timings")
    assert not FORMATS["csv"].takes("timings") and not FORMATS["gpl"].takes("timings")
    assert FORMATS["css"].takes("prefix") and FORMATS["png"].takes("labels")
    # ase's writer has a name keyword, but the format does not offer it to front ends
    assert not FORMATS["ase"].takes("name")


def test_takes_is_what_was_declared_not_the_writers_signature(scratch_registry):
    entry = register_format("loose", lambda p, **anything: "x\n")
    assert not entry.takes("timings")
    assert (entry.title, entry.options) == ("loose", ())


def test_a_declared_option_must_be_a_keyword_of_every_writer(scratch_registry):
    def one(palette, *, sep=" "):
        return "x\n"

    def many(palettes, sources):
        return "y\n"

    sep = registry.FormatOption("sep", "separator")
    entry = register_format("sep1", one, options=[sep], title="Separated")
    assert entry.takes("sep") and entry.title == "Separated"
    with pytest.raises(ExportError, match="takes no option 'width'"):
        register_format("sep2", one, options=[registry.FormatOption("width", "w")])
    with pytest.raises(ExportError, match="many.*takes no option 'sep'"):
        register_format("sep3", one, func_many=many, options=[sep])
    with pytest.raises(ExportError, match="options must be FormatOption"):
        register_format("sep4", one, options=["sep"])  # type: ignore[list-item]
    assert not {"sep2", "sep3", "sep4"} & set(FORMATS)


def test_register_defaults_for_media_type_and_file_suffix(scratch_registry):
    text = register_format("plain", lambda p: "x\n")
    binary = register_format("blob", lambda p: b"x", binary=True)
    named = register_format("withsuffix", lambda p: "x\n", suffixes=("WS", ".ws2"))
    assert (text.media_type, text.file_suffix) == ("text/plain; charset=utf-8", ".txt")
    assert (binary.media_type, binary.file_suffix) == ("application/octet-stream", ".bin")
    assert named.file_suffix == ".ws"
    assert text.holds == binary.holds == "one"
    both = register_format("both", lambda p: "x\n", func_many=lambda ps, sources: "y\n")
    assert both.holds == "one-or-many"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"holds": "some"}, ExportError, "holds must be one of one, one-or-many, many"),
        ({"holds": "many"}, ExportError, "has no func_many"),
        ({"holds": "one-or-many"}, ExportError, "has no func_many"),
        ({"media_type": "plain text"}, ExportError, "invalid media type"),
        ({"media_type": ""}, ExportError, "invalid media type"),
        ({"media_type": 3}, ExportError, "invalid media type"),
        ({"file_suffix": "a b"}, ExportError, "invalid file suffix"),
        ({"func_many": "not callable"}, TypeError, "func_many must be callable"),
    ],
)
def test_register_refuses_malformed_entries(scratch_registry, kwargs, error, message):
    with pytest.raises(error, match=message):
        register_format("odd", lambda p: "x\n", **kwargs)
    assert "odd" not in FORMATS


def test_replacing_a_suffix_keeps_the_other_formats_file_suffix(scratch_registry):
    register_format("sass", lambda p: "sass\n", suffixes=(".css",), replace=True)
    css = FORMATS["css"]
    assert css.suffixes == () and css.file_suffix == ".css"
    assert css.media_type == "text/css; charset=utf-8"


# --- a new format touches one place --------------------------------------------------


def _upper(palette, *, sep=" "):
    return sep.join(s.hex.upper() for s in palette) + "\n"


def _upper_many(palettes, sources, *, sep=" "):
    pairs = zip(palettes, sources, strict=True)
    return "".join(f"{source}: {_upper(p, sep=sep)}" for p, source in pairs)


@pytest.fixture
def upper_format(scratch_registry):
    return register_format(
        "upper",
        _upper,
        suffixes=(".uhx",),
        media_type="text/x-upper-hex; charset=utf-8",
        func_many=_upper_many,
    )


@pytest.fixture
def two_images(tmp_path):
    from PIL import Image

    names = []
    for index, color in enumerate(((200, 40, 40), (30, 90, 200))):
        image = Image.new("RGB", (40, 30), color)
        image.paste((240, 230, 200), (20, 0, 40, 30))
        name = tmp_path / f"img{index}.png"
        image.save(name)
        names.append(str(name))
    return names


def test_a_registered_format_works_in_export_and_save(upper_format, palette, tmp_path):
    assert formats.export(palette, "upper", sep=",").startswith("#2B3A4F,#D8C8A0")
    assert format_for_path("x.UHX") == "upper"
    assert save(palette, tmp_path / "p.uhx") == "upper"
    assert (tmp_path / "p.uhx").read_text().startswith("#2B3A4F #D8C8A0")
    assert export_many([palette, palette], "upper", sources=["a", "b"]).startswith("a: #2B3A4F")


def test_a_registered_format_works_from_the_command_line(
    upper_format, two_images, tmp_path, capsysbinary
):
    from palettekit.cli import main

    assert main([two_images[0], "-k", "2", "-f", "upper", "-q"]) == 0
    out = capsysbinary.readouterr().out.decode()
    assert out in ("#C82828 #F0E6C8\n", "#F0E6C8 #C82828\n")
    # by the suffix of -o
    target = tmp_path / "out.uhx"
    assert main([two_images[0], "-k", "2", "-o", str(target), "-q"]) == 0
    assert target.read_text() == out
    # several images in one file: the format holds many
    both = tmp_path / "both.uhx"
    assert main([*two_images, "-k", "2", "-o", str(both), "-q"]) == 0
    lines = both.read_text().splitlines()
    assert [line.split(": ")[0] for line in lines] == two_images
    assert lines[0].split(": ")[1] + "\n" == out


def test_a_registered_format_works_from_the_web_api(upper_format, two_images):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from palettekit.web.app import create_app
    from palettekit.web.settings import Settings

    data = Path(two_images[0]).read_bytes()
    with TestClient(create_app(Settings()), raise_server_exceptions=False) as client:
        answer = client.post(
            "/api/palette",
            files={"file": ("img0.png", data, "image/png")},
            data={"k": "2", "format": "upper"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/x-upper-hex; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="palette.uhx"'
    assert answer.text in ("#C82828 #F0E6C8\n", "#F0E6C8 #C82828\n")


def test_the_web_refuses_a_format_that_holds_many(scratch_registry, two_images):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from palettekit.web.app import create_app
    from palettekit.web.settings import Settings

    register_format("stream", _upper, holds="many", func_many=_upper_many)
    data = Path(two_images[0]).read_bytes()
    with TestClient(create_app(Settings()), raise_server_exceptions=False) as client:
        answers = [
            client.post(
                "/api/palette",
                files={"file": ("img0.png", data, "image/png")},
                data={"format": name},
            )
            for name in ("stream", "jsonl")
        ]
    for name, answer in zip(("stream", "jsonl"), answers, strict=True):
        assert answer.status_code == 400
        error = answer.json()["error"]
        assert error["type"] == "bad_format"
        assert error["message"].startswith(f"unknown format '{name}' (known: ase, css, ")
        known = error["message"].split("(known: ")[1].rstrip(")").split(", ")
        assert "json" in known and "jsonl" not in known and "stream" not in known
    # the command line writes it, one palette or several
    assert export_many([sample_palette()], "stream", sources=["s"]).startswith("s: #2B3A4F")
