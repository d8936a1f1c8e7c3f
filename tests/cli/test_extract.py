"""palettekit.cli.extract: ``palettekit extract``: formats, several images, --merge,
--bar and --figure, the plan of outputs, all-or-nothing writing, standard input, URLs.

Most cases run ``main(argv)`` in this process (capsys); a few run real
processes for what only a process shows: a write that fails half way, Python
warnings turned into one line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import palettekit
from cli_helpers import (
    BLUE,
    GREEN,
    RED,
    assert_one_error_line,
    child_env,
    hex_of,
    run,
    run_module,
)
from palettekit.cli import build_parser
from palettekit.cli.exit_status import EXIT_ERROR, EXIT_USAGE, CliError
from palettekit.cli.extract import ImageArgument, choose_format, plan_outputs, write_files
from palettekit.formats.text import to_text


def test_piped_text_is_the_text_format_of_the_library_palette(image, capsys):
    code, out, err = run(["extract", image, "-k", "3"], capsys)
    assert code == 0 and err == ""
    assert "\x1b" not in out
    assert out == to_text(palettekit.extract(str(image), k=3))
    assert [line.split()[1] for line in out.splitlines()[2:]] == [
        hex_of(RED),
        hex_of(GREEN),
        hex_of(BLUE),
    ]


def test_json_output_matches_extract_and_echoes_the_options(image, capsys):
    argv = ["extract", image, "-k", "3", "--seed", "7", "--space", "cielab", "--sort", "lightness"]
    code, out, err = run([*argv, "--format", "json"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)
    expected = palettekit.extract(str(image), k=3, seed=7, space="cielab", sort="lightness")
    assert data == json.loads(json.dumps(expected.to_dict()))
    assert data["meta"]["options"]["seed"] == 7 and data["meta"]["options"]["space"] == "cielab"
    assert [c["hex"] for c in data["colors"]] == expected.hex
    assert sum(c["share"] for c in data["colors"]) == pytest.approx(1.0)
    assert "timings" not in data["meta"]


def test_timings_go_into_json_or_onto_stderr(image, capsys):
    code, out, err = run(["extract", image, "-k", "3", "-f", "json", "--timings"], capsys)
    assert code == 0 and err == ""
    assert set(json.loads(out)["meta"]["timings"]) >= {"load", "cluster"}
    code, out, err = run(["extract", image, "-k", "3", "--timings"], capsys)
    assert code == 0 and "palettekit: timings" not in out
    assert re.fullmatch(r"palettekit: timings: .*stripes\.png: load .* ms, total .* ms\n", err)


@pytest.mark.parametrize(
    ("suffix", "check"),
    [
        (".json", lambda text: json.loads(text)["schema"] == "palettekit.palette/2"),
        (".jsonl", lambda text: json.loads(text)["colors"] and text.count("\n") == 1),
        (".csv", lambda text: text.startswith("hex,r,g,b,share")),
        (".hex", lambda text: text == f"{hex_of(RED)}\n{hex_of(GREEN)}\n{hex_of(BLUE)}\n"),
        (".gpl", lambda text: text.startswith("GIMP Palette\nName: stripes\n")),
        (".css", lambda text: f"--color-1: {hex_of(RED)};" in text),
        (".txt", lambda text: text.startswith("palettekit: 3 colors from ")),
    ],
)
def test_output_file_format_follows_its_suffix(image, tmp_path, capsys, suffix, check):
    target = tmp_path / f"palette{suffix}"
    code, out, err = run(["extract", image, "-k", "3", "-o", target], capsys)
    assert (code, out, err) == (0, "", "")
    assert check(target.read_text(encoding="utf-8"))


def test_format_flag_overrides_the_suffix(image, tmp_path, capsys):
    target = tmp_path / "palette.txt"
    assert run(["extract", image, "-k", "3", "-o", target, "--format", "JSON"], capsys)[0] == 0
    assert json.loads(target.read_text())["colors"][0]["hex"] == hex_of(RED)


def test_css_prefix_and_png_format(image, tmp_path, capsys):
    code, out, _ = run(["extract", image, "-k", "3", "-f", "css", "--css-prefix", "brand"], capsys)
    assert code == 0 and f"--brand-1: {hex_of(RED)};" in out
    target = tmp_path / "bar.png"
    assert run(["extract", image, "-k", "3", "-o", target, "--bar-size", "100x7"], capsys)[0] == 0
    with Image.open(target) as bar:
        assert bar.size == (100, 7)
        assert bar.getpixel((0, 3)) == RED and bar.getpixel((99, 3)) == BLUE


def test_several_images_json_is_an_array_and_jsonl_one_line_each(image, second_image, capsys):
    code, out, _ = run(["extract", image, second_image, "-k", "2", "-f", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [d["meta"]["source"] for d in data] == [str(image), str(second_image)]
    assert data[1]["colors"][0]["hex"] == hex_of(BLUE)
    code, out, _ = run(["extract", image, second_image, "-k", "2", "-f", "jsonl"], capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert [json.loads(line) for line in lines] == data
    # jsonl is one line per image even for one image; json is then an object
    assert len(run(["extract", image, "-f", "jsonl"], capsys)[1].splitlines()) == 1
    assert isinstance(json.loads(run(["extract", image, "-f", "json"], capsys)[1]), dict)


def test_several_images_text_hex_and_csv(image, second_image, capsys):
    both = ["extract", image, second_image, "-k", "3", "-q"]
    code, out, _ = run(both, capsys)
    assert code == 0
    blocks = out.split("\n\n")
    assert len(blocks) == 2
    assert blocks[0] + "\n" == to_text(palettekit.extract(str(image), k=3))
    assert blocks[1].startswith(f"palettekit: 2 colors from {second_image}\n")

    code, out, _ = run([*both, "-f", "hex"], capsys)
    assert out == (
        f"# {image}\n{hex_of(RED)}\n{hex_of(GREEN)}\n{hex_of(BLUE)}\n\n"
        f"# {second_image}\n{hex_of(BLUE)}\n#fafafa\n"
    )

    code, out, _ = run([*both, "-f", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["source"], r["hex"]) for r in rows] == [
        (str(image), hex_of(RED)),
        (str(image), hex_of(GREEN)),
        (str(image), hex_of(BLUE)),
        (str(second_image), hex_of(BLUE)),
        (str(second_image), "#fafafa"),
    ]
    assert rows[0]["share"] == "0.5" and rows[3]["share"] == "0.6"


def test_one_palette_formats_need_a_name_pattern_for_several_images(
    image, second_image, tmp_path, capsys
):
    code, out, err = run(["extract", image, second_image, "-o", tmp_path / "p.gpl"], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err, "{stem}")
    assert not (tmp_path / "p.gpl").exists()
    code, _, err = run(
        ["extract", image, second_image, "-q", "-o", tmp_path / "{stem}.gpl"], capsys
    )
    assert code == 0 and err == ""
    assert (tmp_path / "stripes.gpl").read_text().startswith("GIMP Palette\nName: stripes")
    assert (tmp_path / "other.gpl").exists()
    code, _, _ = run(["extract", image, second_image, "-o", tmp_path / "n{index}.json"], capsys)
    assert code == 0
    assert json.loads((tmp_path / "n2.json").read_text())["meta"]["source"] == str(second_image)


def test_merge_gives_one_palette_for_all_images(image, second_image, tmp_path, capsys):
    from palettekit import extract_merged

    code, out, err = run(
        ["extract", image, second_image, "--merge", "-k", "4", "-f", "json"], capsys
    )
    assert code == 0 and err == ""
    data = json.loads(out)
    expected = extract_merged([str(image), str(second_image)], k=4)
    assert [c["hex"] for c in data["colors"]] == expected.hex
    assert data["meta"]["source"] == "<2 images>" and data["meta"]["images"] == 2
    # blue is 20 of 100 pixels in one image and 60 of 100 in the other
    assert dict(zip(expected.hex, expected.shares, strict=True))[hex_of(BLUE)] == 0.4
    code, _, _ = run(
        ["extract", image, second_image, "--merge", "-q", "--bar", tmp_path / "{stem}.png"], capsys
    )
    assert code == 0 and (tmp_path / "merged.png").exists()


@pytest.mark.parametrize("extra", [["--figure", "card.png"], ["--mask", "mask.png"]])
def test_merge_refuses_figure_and_mask(image, second_image, capsys, extra):
    code, out, err = run(["extract", image, second_image, "--merge", *extra], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err, "--merge")


def test_merge_never_writes_over_any_input(image, second_image, capsys):
    before = second_image.read_bytes()
    code, _, err = run(["extract", image, second_image, "--merge", "--bar", second_image], capsys)
    assert code == 2
    assert_one_error_line(err, "refusing to overwrite the input")
    assert second_image.read_bytes() == before


def test_bar_and_figure(image, tmp_path, capsys):
    bar, card = tmp_path / "bar.png", tmp_path / "card.png"
    argv = ["extract", image, "-k", "3", "--bar", bar, "--bar-size", "200x20", "--figure", card]
    code, out, err = run(argv, capsys)
    assert code == 0 and err == "" and out.startswith("palettekit: 3 colors")
    with Image.open(bar) as picture:
        assert picture.size == (200, 20)
        row = [picture.getpixel((x, 10)) for x in range(200)]
    # widths follow the shares: 50% red, 30% green, 20% blue
    assert row.count(RED) == 100 and row.count(GREEN) == 60 and row.count(BLUE) == 40
    with Image.open(card) as picture:
        assert picture.format == "PNG" and picture.width > 200


def test_bar_with_several_images_needs_stem(image, second_image, tmp_path, capsys):
    code, _, err = run(["extract", image, second_image, "--bar", tmp_path / "bar.png"], capsys)
    assert code == 2
    assert_one_error_line(err, "--bar", "{stem}")
    assert list(tmp_path.glob("*bar*")) == []
    code, _, _ = run(["extract", image, second_image, "--bar", tmp_path / "{stem}-bar.png"], capsys)
    assert code == 0
    assert sorted(p.name for p in tmp_path.glob("*-bar.png")) == [
        "other-bar.png",
        "stripes-bar.png",
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--bar", "{out}/x.png", "--figure", "{out}/x.png"], "two outputs"),
        (["-o", "{image}"], "refusing to overwrite the input"),
        (["--bar", "{image}"], "refusing to overwrite the input"),
        (["--bar", "{out}/bar.jpg"], "must end in .png"),
        (["--bar-size", "300"], "WIDTHxHEIGHT"),
        (["--bar-size", "0x10"], "between 1 and"),
        (["--figure-width", "8"], "between 16 and 4096"),
        (["--format", "nope"], "unknown format 'nope'"),
        (["-o", "{out}/palette.nope"], "'.nope'"),
        (["-o", "{out}/palette"], "no file suffix"),
        (["-k", "0"], "k must be between 1 and 256"),
        (["-k", "257"], "k must be between 1 and 256"),
        (["-k", "five"], "-k/--num-colors"),
        (["--space", "hsv"], "--space"),
        (["--max-pixels", "-5"], "max_pixels"),
        (["--tol", "nan"], "tol"),
        (["--composite-on", "white-ish"], "composite_on"),
        (["--crop", "5,5,1,1"], "crop"),
        (["--frames", "zero"], "frames"),
        (["--no-such-flag"], "--no-such-flag"),
    ],
)
def test_usage_errors_exit_2_with_one_line_and_write_nothing(
    image, tmp_path, capsys, extra, message
):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = image.read_bytes()
    argv = [a.replace("{out}", str(out_dir)).replace("{image}", str(image)) for a in extra]
    code, out, err = run(["extract", image, *argv], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err, message)
    assert list(out_dir.iterdir()) == []
    assert image.read_bytes() == before


def test_input_errors_exit_1_naming_the_source(tmp_path, capsys):
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    for source, problem in [
        (tmp_path / "missing.png", "no such file"),
        (tmp_path, "directory"),
        (text, "not an image"),
        (empty, "empty"),
    ]:
        code, out, err = run(["extract", source], capsys)
        assert code == 1 and out == ""
        assert_one_error_line(err, f"palettekit: error: {source}: ", problem)


def test_all_or_nothing_one_bad_image_writes_no_output(image, tmp_path, capsys):
    target, bar = tmp_path / "all.json", tmp_path / "{stem}-bar.png"
    missing = tmp_path / "missing.png"
    code, out, err = run(["extract", image, missing, "-k", "3", "-o", target, "--bar", bar], capsys)
    assert code == 1 and out == ""
    assert_one_error_line(err, str(missing))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stripes.png"]


def test_missing_output_folders_are_created(image, second_image, tmp_path, capsys):
    # the README's own example: --bar 'bars/{stem}.png'
    bars = tmp_path / "out" / "bars"
    code, _, err = run(
        [
            "extract",
            image,
            second_image,
            "-k",
            "3",
            "--bar",
            bars / "{stem}.png",
            "-o",
            tmp_path / "out" / "json" / "all.json",
        ],
        capsys,
    )
    assert code == 0, err
    assert sorted(p.name for p in bars.iterdir()) == ["other.png", "stripes.png"]
    assert (tmp_path / "out" / "json" / "all.json").is_file()
    code, _, err = run(["extract", image, "-o", tmp_path], capsys)  # a directory
    assert code == 1 or code == 2
    assert_one_error_line(err)
    code, _, err = run(["extract", image, "-o", image / "p.json"], capsys)  # under a file
    assert code == 1
    assert_one_error_line(err, "is not a folder")


def test_a_failed_run_removes_the_folders_it_created(image, tmp_path, capsys):
    code, _, err = run(
        [
            "extract",
            image,
            "-k",
            "3",
            "--bar",
            tmp_path / "new" / "deeper" / "bar.png",
            "--figure",
            "/proc/nowhere/card.png",
        ],
        capsys,
    )
    assert code == 1
    assert_one_error_line(err, "/proc/nowhere/card.png: cannot write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stripes.png"]


def test_a_failing_write_leaves_every_output_unwritten(image, tmp_path, capsys, monkeypatch):
    import palettekit._io

    real_stage = palettekit._io._stage

    def stage_or_fail(path, data):
        if str(path).endswith("bar.png"):
            raise OSError(28, "No space left on device", str(path))
        return real_stage(path, data)

    monkeypatch.setattr(palettekit._io, "_stage", stage_or_fail)
    target, bar = tmp_path / "p.json", tmp_path / "bar.png"
    target.write_text("old")
    code, out, err = run(["extract", image, "-k", "3", "-o", target, "--bar", bar], capsys)
    assert code == 1 and out == ""
    assert_one_error_line(
        err, f"{bar}: cannot write: No space left on device", "no file was written"
    )
    assert target.read_text() == "old" and not bar.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "stripes.png"]  # no temp file


def test_an_unwritable_figure_leaves_the_palette_file_unwritten(image, tmp_path, capsys):
    # the case: -o ok.gpl --figure /proc/x.png
    target = tmp_path / "ok.gpl"
    code, _, err = run(
        ["extract", image, "-k", "3", "-o", target, "--figure", "/proc/x.png"], capsys
    )
    assert code == 1
    assert_one_error_line(err, "/proc/x.png: cannot write")
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stripes.png"]


def test_fewer_colors_is_one_warning_line_and_quiet_silences_it(tmp_path, capsys):
    flat = tmp_path / "flat.png"
    Image.new("RGB", (8, 8), RED).save(flat)
    code, out, err = run(["extract", flat, "-k", "4"], capsys)
    assert code == 0 and hex_of(RED) in out
    assert err == f"palettekit: warning: {flat}: only 1 distinct color (asked for k=4)\n"
    code, out, err = run(["extract", flat, "-k", "4", "-q"], capsys)
    assert code == 0 and err == ""


def test_stdin_source(image, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(image.read_bytes())))
    code, out, err = run(["extract", "-", "-k", "3", "-f", "json"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["meta"]["source"] == "<stdin>" and data["colors"][0]["hex"] == hex_of(RED)
    code, _, err = run(["extract", "-", "-"], capsys)
    assert code == 2
    assert_one_error_line(err, "only once")


def test_max_bytes_applies_to_a_file_on_disk(image, capsys):
    size = image.stat().st_size
    code, out, err = run(["extract", image, "--max-bytes", str(size - 1)], capsys)
    assert code == 1 and out == ""
    assert_one_error_line(err, str(image), f"{size} bytes", "max_bytes")
    code, _, err = run(["extract", image, "--max-bytes", str(size)], capsys)
    assert code == 0, err


def test_stdin_larger_than_max_bytes_is_refused(image, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(image.read_bytes())))
    code, _, err = run(["extract", "-", "--max-bytes", "10"], capsys)
    assert code == 1
    assert_one_error_line(err, "<stdin>: more than 10 bytes")


def test_mask_selects_pixels(image, tmp_path, capsys):
    mask = np.zeros((10, 10), np.uint8)
    mask[:, 8:] = 255  # only the blue stripe
    Image.fromarray(mask).save(tmp_path / "mask.png")
    code, out, _ = run(["extract", image, "-k", "3", "-q", "--mask", tmp_path / "mask.png"], capsys)
    assert code == 0
    assert hex_of(BLUE) in out and hex_of(RED) not in out


class _ImageServer:
    """A loopback HTTP server answering every GET with one PNG, counting requests."""

    def __init__(self, body: bytes) -> None:
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pics/photo.png"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def image_server(image: Path) -> Iterator[_ImageServer]:
    server = _ImageServer(image.read_bytes())
    yield server
    server.close()


def test_url_source_with_figure_is_fetched_once(image_server, tmp_path, capsys):
    card = tmp_path / "{stem}-card.png"
    code, out, err = run(
        ["extract", image_server.url, "-k", "3", "-f", "json", "--figure", card], capsys
    )
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["meta"]["source"] == image_server.url
    assert data["colors"][0]["hex"] == hex_of(RED)
    assert (tmp_path / "photo-card.png").exists()
    assert image_server.requests == 1


def test_unreachable_url_is_one_error_line(capsys):
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as probe:
        port = probe.server_address[1]  # a port nothing listens on once closed
    url = f"http://127.0.0.1:{port}/photo.png"
    code, out, err = run([url, "--timeout", "5"], capsys)
    assert code == 1 and out == ""
    assert_one_error_line(err, f"palettekit: error: {url}: ")


def test_binary_format_to_a_terminal_is_refused(image, capsys, monkeypatch):
    import palettekit.cli.extract

    monkeypatch.setattr(palettekit.cli.extract, "isatty", lambda stream: True)
    code, out, err = run(["extract", image, "-f", "png"], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err, "binary")


def test_bad_k_mentions_auto_and_unknown_suffix_lists_jsonl(image, tmp_path, capsys):
    code, _, err = run(["extract", image, "-k", "abc"], capsys)
    assert code == 2
    assert_one_error_line(err, "-k", "'auto'", "'abc'")
    code, _, err = run(["extract", image, "-o", tmp_path / "p.foo"], capsys)
    assert code == 2
    assert_one_error_line(err, "unknown file suffix '.foo'", ".jsonl", ".json", ".gpl")


def test_crop_beyond_the_image_warns(image, capsys):
    with Image.open(image) as opened:
        width, height = opened.size
    code, _, err = run(
        ["extract", image, "-k", "2", "--crop", f"0,0,{width + 10},{height}"], capsys
    )
    assert code == 0
    assert err == (
        f"palettekit: warning: {image}: crop 0,0,{width + 10},{height} reaches beyond the "
        f"{width}x{height} image (right edge); only the part inside the image is used\n"
    )
    code, _, err = run(["extract", image, "-k", "2", "--crop", f"0,0,{width},{height}"], capsys)
    assert code == 0 and err == ""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_write_failing_half_way_leaves_no_partial_file(image, tmp_path):
    import resource

    def small_files() -> None:  # files may not grow past 200 bytes: the figure cannot be written
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))

    small, card = tmp_path / "p.hex", tmp_path / "card.png"
    done = run_module(
        "extract",
        str(image),
        "-k",
        "3",
        "-o",
        str(small),
        "--figure",
        str(card),
        preexec_fn=small_files,
    )
    err = done.stderr.decode()
    assert done.returncode == 1
    assert_one_error_line(err, f"{card}: cannot write: File too large", "no file was written")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stripes.png"]


def test_module_run_warning_is_one_line_not_a_python_warning(tmp_path):
    flat = tmp_path / "flat.png"
    Image.new("RGB", (4, 4), GREEN).save(flat)
    done = run_module(str(flat), "-k", "3", env=child_env(PYTHONWARNINGS="default"))
    assert done.returncode == 0
    assert done.stderr.decode() == (
        f"palettekit: warning: {flat}: only 1 distinct color (asked for k=3)\n"
    )


# --- the plan of outputs, directly -------------------------------------------------------


def _planned(argv: list[str]) -> list[tuple[str, str | None, str, list[int]]]:
    """(kind, path, format, palette indices) of each output ``palettekit extract argv`` plans."""
    args = build_parser(adapters=False).parse_args(["extract", *argv])
    inputs = [ImageArgument(spec, index) for index, spec in enumerate(args.sources)]
    outputs = plan_outputs(args, inputs, choose_format(args.format, args.output), protected=inputs)
    return [(o.kind, o.path, o.fmt, o.indices) for o in outputs]


def test_the_plan_for_several_images(tmp_path):
    a, b, c = (str(tmp_path / f"{name}.png") for name in ("sea", "sky", "sand"))
    # one stream holds every palette, in the order given
    assert _planned([a, b, c, "-f", "jsonl"]) == [("palette", None, "jsonl", [0, 1, 2])]
    assert _planned([a, b, "-o", "all.csv"]) == [("palette", "all.csv", "csv", [0, 1])]
    # a name pattern gives one file per image, by name or by position from 1
    assert _planned([a, b, c, "-o", "out/{stem}.gpl", "--bar", "{index}-bar.png"]) == [
        ("palette", "out/sea.gpl", "gpl", [0]),
        ("palette", "out/sky.gpl", "gpl", [1]),
        ("palette", "out/sand.gpl", "gpl", [2]),
        ("bar", "1-bar.png", "png", [0]),
        ("bar", "2-bar.png", "png", [1]),
        ("bar", "3-bar.png", "png", [2]),
    ]
    # the pattern's suffix chooses the format, whatever the placeholders
    assert _planned([a, b, "-o", "{stem}.json"])[1] == ("palette", "sky.json", "json", [1])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-o", "p.gpl"], "the gpl format holds one palette"),
        (["-o", "p.gpl"], "-o '{stem}.gpl'"),
        (["-f", "png"], "the png format holds one palette"),
        (["--figure", "card.png"], "--figure with 2 images needs a file name pattern"),
        (["-o", "{stem}.png", "-f", "json", "--bar", "{stem}.png"], "two outputs would write"),
        (["--bar", "{stem}.png", "--figure", "{stem}.png"], "(bar and figure)"),
    ],
)
def test_the_plan_refuses_clashing_or_ambiguous_outputs_of_two_images(tmp_path, argv, message):
    a, b = str(tmp_path / "sea.png"), str(tmp_path / "sky.png")
    with pytest.raises(CliError, match=re.escape(message)) as caught:
        _planned([a, b, *argv])
    assert caught.value.code == EXIT_USAGE


def test_the_plan_never_writes_over_an_input(image, tmp_path):
    link = tmp_path / "link.png"
    link.symlink_to(image)
    for same_file in (f"{image.parent}{os.sep}.{os.sep}{image.name}", str(link)):
        with pytest.raises(CliError, match="refusing to overwrite the input image"):
            _planned([str(image), "--bar", same_file])
    with pytest.raises(CliError, match="refusing to overwrite the input image"):
        _planned([str(image), "-o", str(image.parent / "{stem}.png")])  # stripes.png again


@pytest.mark.parametrize(
    ("fmt", "output", "expected"),
    [
        (None, None, "text"),
        (None, "-", "text"),
        (None, "palette.JSON", "json"),
        (None, "{stem}-{index}.jsonl", "jsonl"),
        (None, "colors.gpl", "gpl"),
        ("csv", "palette.json", "csv"),  # --format wins over the suffix
    ],
)
def test_choose_format(fmt, output, expected):
    assert choose_format(fmt, output) == expected


def test_choose_format_refuses_what_it_cannot_tell():
    for fmt, output, message in [
        ("xml", None, "unknown format 'xml' (known: "),
        (None, "palette.nope", "unknown file suffix '.nope'"),
        (None, "palette", "or give --format"),
    ]:
        with pytest.raises(CliError, match=re.escape(message)) as caught:
            choose_format(fmt, output)
        assert caught.value.code == EXIT_USAGE


@pytest.mark.parametrize(
    ("spec", "stem", "label"),
    [
        ("photos/sea view.jpg", "sea_view", "photos/sea view.jpg"),
        ("-", "stdin", "<stdin>"),
        ("https://example.org/pics/kingfisher.png?size=2", "kingfisher", None),
        ("https://example.org/", "example", None),  # no file name: the host's
        (".hidden", "hidden", ".hidden"),
        ("archive.tar.gz", "archive.tar", "archive.tar.gz"),
        ("???.png", "___", "???.png"),
    ],
)
def test_an_image_argument_names_its_files_and_messages(spec, stem, label):
    argument = ImageArgument(spec, 0)
    assert argument.stem == stem
    assert argument.label == (spec if label is None else label)
    assert argument.local_path == (None if spec == "-" or spec.startswith("https:") else spec)


# --- writing files, directly -------------------------------------------------------------


def _everything_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_write_files_writes_text_and_bytes_creating_folders(tmp_path):
    write_files(
        [
            (str(tmp_path / "p.json"), '{"café": 1}\n'),
            (str(tmp_path / "bars" / "deep" / "bar.png"), b"\x89PNG\r\n"),
        ]
    )
    assert (tmp_path / "p.json").read_bytes() == '{"café": 1}\n'.encode()
    assert (tmp_path / "bars" / "deep" / "bar.png").read_bytes() == b"\x89PNG\r\n"
    assert _everything_under(tmp_path) == ["bars", "bars/deep", "bars/deep/bar.png", "p.json"]


def test_write_files_is_all_or_nothing(tmp_path):
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    blocked = tmp_path / "taken"
    blocked.mkdir()  # a folder where a file should go: the last write fails
    with pytest.raises(CliError, match=f"{re.escape(str(blocked))}: cannot write: ") as caught:
        write_files(
            [
                (str(kept), "new"),
                (str(tmp_path / "new" / "folder" / "bar.png"), b"png"),
                (str(blocked), "x"),
            ]
        )
    assert caught.value.code == EXIT_ERROR
    assert str(caught.value).endswith("; no file was written")
    # the old file untouched, no temporary file left, the folders made for the run removed
    assert kept.read_text() == "old"
    assert _everything_under(tmp_path) == ["kept.json", "taken"]
