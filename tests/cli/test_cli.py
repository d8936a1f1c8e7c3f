"""palettekit.cli: the entry point, ``main``: the parser, the ``palettekit IMAGE``
shorthand, the adapters' subcommands, exit statuses, --help, --version and --debug.

Most cases run ``main(argv)`` in this process (capsys); a few run real
processes (``python -m palettekit`` and the ``palettekit`` console script) for
what only a process shows: exit codes, no traceback, a closed pipe.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

import palettekit
from cli_helpers import RED, assert_one_error_line, child_env, hex_of, run, run_module
from palettekit import cli, seeded
from palettekit.options import option_specs


def test_shorthand_without_extract_gives_the_same_output(image, capsys):
    assert run([image, "-k", "3"], capsys) == run(["extract", image, "-k", "3"], capsys)
    assert run(["-k", "3", image], capsys) == run(["extract", image, "-k", "3"], capsys)
    assert run(["--debug", image, "-k", "3"], capsys) == run(["extract", image, "-k", "3"], capsys)


def test_shorthand_takes_an_existing_file_without_suffix(image, capsys, monkeypatch):
    monkeypatch.chdir(image.parent)
    shutil.copy(image, "photo")
    code, out, _ = run(["photo", "-k", "3"], capsys)
    assert code == 0 and hex_of(RED) in out


def test_unknown_command_is_a_usage_error_listing_the_commands(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["extrct", "x.png"], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err, "extrct", "extract")


def test_help_lists_every_flag_and_the_commands(capsys):
    code, out, _ = run(["extract", "--help"], capsys)
    assert code == 0
    for name, (_, spec) in option_specs().items():
        assert (spec.flags or ("--" + name.replace("_", "-"),))[0] in out, name
    for flag in ("--output", "--format", "--bar", "--figure", "--bar-size", "--labels", "--mask"):
        assert flag in out
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert "extract" in out and "exit status" in out and "NO_COLOR" in out


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith(f"palettekit {palettekit.__version__} (")


def test_no_arguments_is_a_usage_error(capsys):
    code, out, err = run([], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err, "COMMAND")


def test_unexpected_error_is_one_line_and_debug_shows_the_traceback(image, capsys, monkeypatch):
    import palettekit.pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(palettekit.pipeline, "extract", broken)
    code, out, err = run(["extract", image], capsys)
    assert code == 1 and out == ""
    assert_one_error_line(err, f"{image}: unexpected RuntimeError: boom second line", "--debug")
    code, _, err = run(["extract", image, "--debug"], capsys)
    assert code == 1
    assert "Traceback" in err and err.endswith("unexpected RuntimeError: boom second line\n")


def test_debug_shows_the_traceback_of_input_errors_too(tmp_path, capsys):
    missing = tmp_path / "missing.png"
    code, _, err = run(["extract", missing], capsys)
    assert code == 1
    assert_one_error_line(err, f"{missing}: no such file")
    for argv in (["--debug", "extract", missing], ["extract", missing, "--debug"]):
        code, _, err = run(argv, capsys)
        assert code == 1
        assert "Traceback" in err and "ImageNotFoundError" in err, err
        assert err.endswith(f"palettekit: error: {missing}: no such file\n")


def test_keyboard_interrupt_exits_130_quietly(image, capsys, monkeypatch):
    import palettekit.pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(palettekit.pipeline, "extract", interrupted)
    assert run(["extract", image], capsys) == (130, "", "")


def test_the_entry_point_exports_what_other_modules_import():
    from palettekit.cli import exit_status, flags, terminal

    assert sorted(name for name in cli.__all__ if not hasattr(cli, name)) == []
    assert cli.use_color is terminal.use_color
    assert cli.add_extract_options is flags.add_extract_options
    assert cli.EXIT_BROKEN_PIPE == exit_status.EXIT_BROKEN_PIPE == 141
    assert cli.build_parser(adapters=False).commands["extract"].get_default("run") is (
        cli.extract.run_extract
    )


def test_every_command_registers_and_extract_alone_imports_no_other_command():
    parser = cli.build_parser()
    assert set(parser.commands) == {"extract", "batch", "search", "serve"}
    assert parser.commands["search"].get_default("run") is cli.search.run_search
    assert parser.commands["batch"].get_default("run") is cli.batch.run_batch
    assert set(cli.build_parser(adapters=False).commands) == {"extract"}


def test_module_run_missing_file_directory_non_image_bad_k(image, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 truncated")
    for args, code, part in [
        ([str(tmp_path / "missing.png")], 1, "no such file"),
        (
            [str(tmp_path)],
            1,
            "is a directory; extract reads image files. For every image in it: palettekit batch",
        ),
        ([str(bad)], 1, str(bad)),
        ([str(image), "-k", "0"], 2, "k must be between 1 and 256"),
        ([str(image), "--format", "xml"], 2, "unknown format"),
    ]:
        done = run_module("extract", *args)
        err = done.stderr.decode()
        assert done.returncode == code, (args, err)
        assert done.stdout == b""
        assert_one_error_line(err, part)


def test_closed_pipe_exits_quietly(image, second_image):
    process = subprocess.Popen(
        [sys.executable, "-m", "palettekit", str(image), str(second_image), "-q", "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before anything is written
    err = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=120) == cli.EXIT_BROKEN_PIPE
    assert err == b""


def test_console_script_version_and_error():
    script = shutil.which("palettekit", path=os.path.dirname(sys.executable)) or shutil.which(
        "palettekit"
    )
    if script is None:
        pytest.skip("the palettekit console script is not installed")
    done = subprocess.run([script, "--version"], capture_output=True, env=child_env(), timeout=60)
    assert done.returncode == 0
    assert done.stdout.decode().startswith(f"palettekit {palettekit.__version__} (")
    done = subprocess.run(
        [script, "extract", "/no/such/image.png"], capture_output=True, env=child_env(), timeout=60
    )
    assert done.returncode == 1
    assert_one_error_line(done.stderr.decode(), "/no/such/image.png: no such file")


def test_extract_imports_nothing_heavy(image):
    code = (
        "import sys\n"
        "from palettekit.cli import main\n"
        f"assert main([{str(image)!r}, '-k', '2', '-f', 'json', '-q']) == 0\n"
        "heavy = ('sklearn', 'scipy', 'matplotlib', 'fastapi', 'uvicorn', 'starlette',\n"
        "         'pydantic', 'pyarrow', 'dask', 'tqdm', 'palettekit.batch', 'palettekit.web')\n"
        "print(' '.join(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=child_env(), timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().strip() == ""


def test_extract_of_a_photo_to_standard_output_imports_only_what_it_uses(tmp_path):
    # Issue 16, the command line's start: a palette of k colors of a JPEG as
    # JSON needs no theme, auto-k, flat-graphic or background code, no
    # renderer, no file writer and no other command.
    from PIL import Image

    photo = tmp_path / "photo.jpg"
    Image.linear_gradient("L").convert("RGB").resize((96, 64)).save(photo)
    code = (
        "import sys\n"
        "from palettekit.cli import main\n"
        f"assert main([{str(photo)!r}, '-k', '5', '--format', 'json']) == 0\n"
        "unused = ('palettekit.theme', 'palettekit.autok', 'palettekit.flat',\n"
        "          'palettekit.background', 'palettekit.render', 'palettekit.roles',\n"
        "          'palettekit._io', 'pkgutil',\n"
        "          'palettekit.cli.batch', 'palettekit.cli.search', 'palettekit.cli.serve',\n"
        "          'palettekit.batch', 'palettekit.search', 'palettekit.web', 'hashlib',\n"
        "          'shutil', 'PIL.PngImagePlugin', 'PIL.GifImagePlugin', 'PIL.BmpImagePlugin',\n"
        "          'PIL.ImageOps')\n"
        "print(' '.join(sorted(m for m in unused if m in sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=child_env(), timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().strip() == ""
    assert b'"schema"' in done.stdout


@pytest.mark.skipif(seeded._kernel is None, reason="built without _random.c")
def test_extract_draws_its_random_numbers_without_numpy_random(tmp_path):
    # Issue 16: numpy.random costs 9-13 ms to import; palettekit.seeded gives
    # its default_rng(seed).random() stream from compiled code instead (the
    # palette's k-means++, the k-medians polish and auto-k all draw from it).
    from PIL import Image

    photo = tmp_path / "photo.jpg"
    Image.radial_gradient("L").convert("RGB").resize((96, 64)).save(photo)
    code = (
        "import sys\n"
        "from palettekit.cli import main\n"
        f"assert main([{str(photo)!r}, '-k', '5', '--format', 'json']) == 0\n"
        f"assert main([{str(photo)!r}, '-k', 'auto', '--format', 'json']) == 0\n"
        f"assert main([{str(photo)!r}, '--kind', 'theme', '--format', 'json']) == 0\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('numpy.random'))),"
        " file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=child_env(), timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().strip() == ""
    assert done.stdout.count(b'"schema"') == 3


def test_extract_leaves_the_start_path_light(image, tmp_path):
    # Issue 16: the command line's start. importlib.resources (with pathlib
    # and urllib) cost several ms to import; the name table is read with
    # pkgutil instead.
    out = tmp_path / "p.json"
    code = (
        "import sys\n"
        "from palettekit.cli import main\n"
        f"assert main([{str(image)!r}, '-k', '2', '-f', 'json', '-q']) == 0\n"
        f"assert main([{str(image)!r}, '-k', '2', '-o', {str(out)!r}, '-q']) == 0\n"
        "light = ('importlib.resources', 'pathlib')\n"
        "print(' '.join(sorted(m for m in light if m in sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=child_env(), timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().strip() == ""
    assert out.stat().st_size > 0


def test_the_command_freezes_the_startup_objects_but_a_call_with_arguments_does_not(image):
    # Issue 16: gc.freeze() keeps the collector from scanning the imported
    # modules' objects again (at full collections, and when the process exits:
    # ~8% of a whole extract run). Only the command itself does it; a program
    # calling main(argv) keeps its collector as it was.
    import gc

    before = gc.get_freeze_count()
    assert cli.main([str(image), "-k", "2", "-f", "hex", "-q"]) == 0
    assert gc.get_freeze_count() == before
    code = (
        "import gc, sys\n"
        "from palettekit.cli import main\n"
        f"sys.argv = ['palettekit', {str(image)!r}, '-k', '2', '-f', 'hex']\n"
        "status = main()\n"
        "print(status, gc.get_freeze_count() > 1000)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=child_env(), timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split()[-2:] == ["0", "True"]
    assert done.stderr == b""
